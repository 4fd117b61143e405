import requests


def test_healthz_on_the_real_project(live_server):
    response = requests.get(live_server.url + "healthz", timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and isinstance(body["triples"], int) and body["version"]
    assert response.headers["Server"].lower().startswith("granian")  # the default web server


def test_two_workers_answer_the_same_version(live_server):
    versions = {requests.get(live_server.url + "healthz", timeout=10).json()["version"] for _ in range(8)}
    assert len(versions) == 1
