"""One base IRI for every command, outputs per base IRI, and settings that cannot work refused at once.

Every command (`validate`, `build`, `load`, `serve`) reads the base IRI the same way (`--base-iri`, else
`http://HOST:PORT/`), so one command serves on any port; what is built for one base IRI never replaces
what another uses; a bad setting is one line and exit 2 before anything is written or rebuilt.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time

import pytest
import requests

from conftest import FIXTURES, PROJECT_ROOT, free_port, run_cli, start_server
from server.dumps import current_manifest
from server.settings import EVERY_COMMAND, SETTINGS, Settings, site_name

VALID = FIXTURES / "valid"
TIMEOUT = 30


@pytest.mark.parametrize("command", EVERY_COMMAND)
def test_every_command_takes_the_flags_that_make_the_base_iri(command):
    help_text = run_cli(command, "--help").stdout
    for flag in ("--root", "--var-dir", "--base-iri", "--host", "--port"):
        assert flag in help_text, f"{command} lacks {flag}"


def test_every_flag_the_table_gives_a_command_is_on_that_command():
    for command in EVERY_COMMAND:
        help_text = run_cli(command, "--help").stdout
        for row in SETTINGS:
            if command in row.metadata["commands"]:
                assert row.metadata["flag"] in help_text, (command, row.name)


def test_build_on_a_port_builds_for_that_port_beside_the_others(tmp_path):
    var = tmp_path / "var"
    for port in (8123, 8124):
        result = run_cli("build", "--root", str(VALID), "--port", str(port), "--var-dir", str(var))
        assert result.returncode == 0, result.stderr
        assert f"for http://127.0.0.1:{port}/" in result.stderr
    first = Settings(root=VALID, port=8123, var_dir=var)
    second = Settings(root=VALID, port=8124, var_dir=var)
    assert first.dumps_dir != second.dumps_dir
    assert current_manifest(first.dumps_dir).base_iri == "http://127.0.0.1:8123/"
    assert current_manifest(second.dumps_dir).base_iri == "http://127.0.0.1:8124/"
    assert first.dumps_dir.parent.name == site_name("http://127.0.0.1:8123/")


def test_a_build_for_another_port_leaves_a_running_server_alone(tmp_path):
    var = tmp_path / "var"
    server = start_server(VALID, env={"COOPGRAPH_VAR_DIR": str(var)})
    live = next(server)
    try:
        listing = requests.get(live.url + "dumps/", params={"format": "nt"}, timeout=TIMEOUT).text
        served = requests.get(live.url + "dumps/coopgraph.ttl", timeout=TIMEOUT)
        assert served.status_code == 200
        result = run_cli("build", "--root", str(VALID), "--port", str(free_port()), "--var-dir", str(var))
        assert result.returncode == 0, result.stderr
        assert requests.get(live.url + "dumps/", params={"format": "nt"}, timeout=TIMEOUT).text == listing
        again = requests.get(live.url + "dumps/coopgraph.ttl", timeout=TIMEOUT)
        assert again.status_code == 200 and again.content == served.content
    finally:
        next(server, None)


@pytest.mark.parametrize("store", ["disk"])
def test_load_and_serve_on_any_port_agree_with_the_same_flag(tmp_path, store):
    """No COOPGRAPH_PORT to export: `load --port P` fills the store `serve --port P` reads."""
    port = free_port()
    flags = ["--store", store, "--var-dir", str(tmp_path / "var")]
    loaded = run_cli("load", "--root", str(VALID), "--port", str(port), *flags)
    assert loaded.returncode == 0, loaded.stderr
    server = start_server(VALID, *flags, port=port)
    live = next(server)
    try:
        assert requests.get(live.url + "id/agreement/lyon-guangzhou", headers={"Accept": "text/turtle"},
                            timeout=TIMEOUT).status_code == 200
    finally:
        next(server, None)
    other = free_port()
    refused = run_cli("serve", "--root", str(VALID), "--port", str(other), *flags, timeout=60)
    assert refused.returncode == 2 and "coopgraph load" in refused.stderr
    assert f"--base-iri http://127.0.0.1:{other}/" in refused.stderr


def test_a_port_in_use_is_one_line_at_once_and_nothing_is_built(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        started = time.monotonic()
        result = run_cli("serve", "--root", str(VALID), "--port", str(port), "--var-dir", str(tmp_path / "var"))
        elapsed = time.monotonic() - started
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "in use" in result.stderr, result.stderr
    assert elapsed < 4, "no retries, no validation, no build first"
    assert not (tmp_path / "var").exists()


BAD_SETTINGS = [
    (["--base-iri", "http://exa mple.org/"], {}, "base IRI"),
    (["--base-iri", "http://[bad/"], {}, "base IRI"),
    (["--port", "99999"], {}, "port 99999 must be from 1 to 65535"),
    (["--port", "0"], {}, "port 0"),
    ([], {"COOPGRAPH_WORKERS": "0"}, "workers 0 must be at least 1"),
    ([], {"COOPGRAPH_QUERY_TIMEOUT_S": "-1"}, "query_timeout_s"),
    ([], {"COOPGRAPH_PORT": "eighty"}, "COOPGRAPH_PORT"),
]


@pytest.mark.parametrize("command", ["serve", "build", "validate"])
@pytest.mark.parametrize("args, env, message", BAD_SETTINGS)
def test_a_bad_setting_is_one_line_and_exit_2_before_anything_is_written(tmp_path, command, args, env, message):
    var = tmp_path / "var"
    result = run_cli(command, "--root", str(VALID), "--var-dir", str(var), *args, env=env, timeout=30)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("coopgraph: ") and message in lines[0], result.stderr
    assert not var.exists()


@pytest.mark.parametrize("command", EVERY_COMMAND)
@pytest.mark.parametrize("root, message", [("missing", "no such folder"), ("data", "has no ontology/, data/, shapes/ folder")])
def test_a_root_that_is_no_project_is_refused_before_anything_is_written(tmp_path, command, root, message):
    folder = tmp_path / "missing" if root == "missing" else PROJECT_ROOT / "data"
    var = tmp_path / "var"
    extra = ["--store", "disk"] if command == "load" else []
    result = run_cli(command, "--root", str(folder), "--var-dir", str(var), "--port", str(free_port()), *extra,
                     timeout=30)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert not var.exists() and not (PROJECT_ROOT / "data" / "var").exists()


def test_the_readme_sparqlwrapper_example_works_on_any_port(live_server):
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    (snippet,) = [block for block in re.findall(r"```python\n(.*?)```", readme, re.S) if "SPARQLWrapper" in block]
    assert "8000" not in snippet.replace('"http://127.0.0.1:8000/sparql"', "")
    code = snippet.replace("http://127.0.0.1:8000/sparql", live_server.url + "sparql")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    rows = result.stdout.splitlines()
    assert len(rows) >= 5 and all(row.startswith(live_server.base_iri + "id/agreement/") for row in rows)
