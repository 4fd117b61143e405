from pathlib import Path

import pytest

from server.settings import Settings, SettingsError


def test_defaults_derive_from_root_host_and_port(tmp_path):
    settings = Settings(root=tmp_path)
    assert settings.data_dir == tmp_path.resolve() / "data"
    assert settings.var_dir == tmp_path.resolve() / "var"
    assert settings.base_iri == "http://127.0.0.1:8000/"
    assert settings.title["fr"].startswith("coopgraph : ")


def test_default_root_is_the_project_folder():
    assert (Settings().root / "pyproject.toml").is_file()


def test_host_and_port_make_the_base_iri_unless_one_is_given():
    assert Settings(host="localhost", port=9001).base_iri == "http://localhost:9001/"
    assert Settings(host="0.0.0.0", port=9001).base_iri == "http://127.0.0.1:9001/"
    assert Settings(port=9001, base_iri="https://data.example.org/").base_iri == "https://data.example.org/"


def test_environment_is_read_and_flags_win():
    environ = {"COOPGRAPH_PORT": "9100", "COOPGRAPH_VALIDATE_ON_START": "no",
               "COOPGRAPH_QUERY_TIMEOUT_S": "2.5", "COOPGRAPH_DATA_DIR": "/srv/data"}
    settings = Settings.from_env(environ)
    assert (settings.port, settings.validate_on_start, settings.query_timeout_s) == (9100, False, 2.5)
    assert settings.data_dir == Path("/srv/data")
    assert settings.base_iri == "http://127.0.0.1:9100/"
    assert Settings.from_env(environ, port=9200, host=None).port == 9200  # None means "flag not given"


def test_explicit_base_iri_in_environment_beats_derived_one():
    settings = Settings.from_env({"COOPGRAPH_BASE_IRI": "https://coop.example/"}, port=9300)
    assert settings.base_iri == "https://coop.example/"


@pytest.mark.parametrize("iri", ["ftp://example.org/", "http://example.org", "example.org/", "/relative/",
                                 "http://example.org/?q=1"])
def test_bad_base_iri_is_refused_clearly(iri):
    with pytest.raises(SettingsError, match="base IRI"):
        Settings(base_iri=iri)


def test_bad_environment_value_names_the_variable():
    with pytest.raises(SettingsError, match="COOPGRAPH_PORT"):
        Settings.from_env({"COOPGRAPH_PORT": "eighty"})


def test_iri_helpers():
    settings = Settings(base_iri="https://coop.example/")
    assert settings.graph_iri("data") == "https://coop.example/graph/data"
    assert settings.ontology_iri == "https://coop.example/def"
    assert settings.vocabulary_namespace == "https://coop.example/def#"
    assert settings.entity_iri("agreement", "x") == "https://coop.example/id/agreement/x"
