"""The ceiling of the Python tier: a bare Flask route under the same gunicorn settings as `coopgraph serve`,
answering `/bytes/<n>` with n bytes, so each coopgraph response can be compared with one of the same size."""

from flask import Flask, Response

app = Flask(__name__)


@app.get("/bytes/<int:size>")
def sized(size: int) -> Response:
    return Response(b"x" * size, mimetype="text/plain")
