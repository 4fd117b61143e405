"""The home page and the health check."""

from flask import Blueprint, jsonify, render_template

from server.state import app_state

home = Blueprint("home", __name__)


@home.get("/")
def index():
    return render_template("home.html", triples=app_state().store.count())


@home.get("/healthz")
def healthz():
    state = app_state()
    return jsonify(status="ok", triples=state.store.count(), version=state.version)
