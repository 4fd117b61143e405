import json

import pytest

from conftest import FIXTURES, run_cli, start_server


@pytest.mark.parametrize("fixture, code", [("valid", 0), ("invalid", 1), ("broken", 2)])
def test_validate_exit_codes(fixture, code):
    result = run_cli("validate", "--root", str(FIXTURES / fixture))
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr


def test_syntax_error_is_one_line_naming_file_and_line():
    result = run_cli("validate", "--root", str(FIXTURES / "broken"))
    assert result.stderr.strip().endswith("broken.ttl:5: expected '.' or '}' or ']' at end of statement")


def test_validate_json_format():
    result = run_cli("validate", "--root", str(FIXTURES / "invalid"), "--format", "json")
    assert json.loads(result.stdout)["conforms"] is False


def test_bad_base_iri_exits_2_with_a_message():
    result = run_cli("validate", "--root", str(FIXTURES / "valid"), "--base-iri", "ftp://x/")
    assert result.returncode == 2
    assert "base IRI" in result.stderr and "Traceback" not in result.stderr


def test_serve_refuses_violating_data_before_binding():
    result = run_cli("serve", "--root", str(FIXTURES / "invalid"), "--port", "1")
    assert result.returncode == 1
    assert "An agreement needs a label." in result.stderr


def test_serve_derives_base_iri_from_host_and_port(tmp_path):
    server = start_server(FIXTURES / "valid", env={"COOPGRAPH_VAR_DIR": str(tmp_path)})  # its dumps go there
    live = next(server)
    try:
        import requests

        # The 39 content triples, the one type they entail (graph/entailed: Lyon is a territory), and the
        # dataset's description serve puts in graph/meta.
        description = requests.get(live.url + ".well-known/void", headers={"Accept": "application/n-triples"},
                                   timeout=5).text.splitlines()
        assert requests.get(live.url + "readyz", timeout=5).json()["quads"] == 39 + 1 + len(description)
        assert f"serving {live.base_iri}" in live.log.read_text()
    finally:
        server.close()
