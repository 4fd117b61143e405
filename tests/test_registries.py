"""One registry for each kind of fact, and everything else derived from it: settings, formats, backends."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from conftest import FIXTURES, PROJECT_ROOT
from server import create_app
from server.formats import (ASK, COMPRESSED_MEDIA_TYPES, CONSTRUCT, DOCUMENT, DOCUMENT_FORMATS, DUMP, FORMATS,
                            QUERY_FORMS, SELECT, offered)
from server.settings import Settings, limits_table, markdown_table
from server.sparql.service_description import service_description
from server.store import BACKENDS, MemoryStore, Store

SERVER = PROJECT_ROOT / "server"


def test_the_readme_settings_table_is_the_settings_table():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    (table,) = re.findall(r"<!-- settings -->\n(.*?)<!-- /settings -->", readme, re.S)
    assert table == markdown_table(), "run `coopgraph settings --markdown` and paste it into the README"


def test_the_readme_limits_table_is_the_one_the_endpoint_advertises():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    (table,) = re.findall(r"<!-- limits -->\n(.*?)<!-- /limits -->", readme, re.S)
    assert table == limits_table(), "run `coopgraph settings --limits` and paste it into the README"


def test_every_setting_has_help_and_is_a_variable():
    text = markdown_table()
    for name in Settings.__dataclass_fields__:
        assert f"| `{name.upper()}` |" in text


# --- formats -----------------------------------------------------------------------------------------

def test_each_format_is_named_once_and_its_extension_is_unique():
    assert len({fmt.extension for fmt in FORMATS}) == len(FORMATS)
    assert len({fmt.media_type for fmt in FORMATS}) == len(FORMATS)


def test_the_service_description_lists_exactly_the_formats_queries_are_answered_in():
    settings = Settings(root=FIXTURES / "valid")
    described = {t.object.value for t in service_description(settings, MemoryStore.from_sources(settings))
                 if t.predicate.value.endswith("#resultFormat")}
    answered = {fmt.format_iri for form in QUERY_FORMS for fmt in offered(form)}
    assert described == answered and None not in answered


def test_every_format_the_server_writes_is_compressed_when_it_is_worth_it():
    for fmt in FORMATS:
        assert (fmt.media_type in COMPRESSED_MEDIA_TYPES) == fmt.compresses


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return create_app(Settings(root=FIXTURES / "valid", var_dir=tmp_path_factory.mktemp("var"))).test_client()


@pytest.mark.parametrize("fmt", DOCUMENT_FORMATS, ids=lambda fmt: fmt.extension)
def test_every_document_format_is_served_by_extension_and_by_accept(client, fmt):
    by_extension = client.get(f"/doc/agreement/lyon-guangzhou.{fmt.extension}")
    assert by_extension.status_code == 200 and by_extension.mimetype == fmt.media_type
    by_accept = client.get("/id/agreement/lyon-guangzhou", headers={"Accept": fmt.media_type})
    assert by_accept.status_code == 303 and by_accept.location.endswith("." + fmt.extension)


@pytest.mark.parametrize("form, query", [(SELECT, "SELECT * { ?s ?p ?o } LIMIT 1"), (ASK, "ASK {}"),
                                         (CONSTRUCT, "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1")])
def test_every_results_format_is_served_by_its_name(client, form, query):
    for fmt in offered(form):
        response = client.get("/sparql", query_string={"query": query, "format": fmt.extension})
        assert response.status_code == 200 and response.mimetype == fmt.media_type, (form, fmt.name)


@pytest.mark.parametrize("path", ["/sparql?query=ASK%7B%7D&format=png", "/dumps/?format=png", "/sparql?format=png",
                                  "/.well-known/void?format=png"])
def test_an_unknown_format_is_the_same_406_everywhere(client, path):
    response = client.get(path)
    assert response.status_code == 406, path
    assert "format='png' is not offered" in response.get_data(as_text=True)


def test_every_dump_is_in_a_format_offered_for_dumps():
    from server.dumps import DUMPS

    assert {dump.format for dump in DUMPS} == set(offered(DUMP))
    assert not set(offered(DUMP)) - {fmt for fmt in FORMATS if fmt.rdf_format}
    assert all(DOCUMENT in fmt.uses for fmt in offered(CONSTRUCT))


# --- backends ------------------------------------------------------------------------------------------

def test_every_backend_implements_the_whole_interface():
    for name, backend in BACKENDS.items():
        assert backend.name == name
        assert not getattr(backend, "__abstractmethods__", None), f"{name} leaves {backend.__abstractmethods__}"
        assert isinstance(backend.runs_in_process, bool) and isinstance(backend.query_refuses_updates, bool)


def test_nothing_outside_the_store_package_asks_which_backend_it_has():
    """Capabilities are attributes: no isinstance of a store class, no import of a backend module."""
    backends = {cls.__name__ for cls in BACKENDS.values()} | {"EmbeddedStore"}
    for path in SERVER.rglob("*.py"):
        if path.parent.name == "store":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "isinstance":
                named = {getattr(n, "id", "") for n in ast.walk(node.args[1])}
                assert not named & backends, f"{path.relative_to(PROJECT_ROOT)} branches on a backend class"
            backend_modules = {f"server.store.{module}" for module in ("memory", "disk", "remote", "embedded")}
            if isinstance(node, ast.ImportFrom):
                assert node.module not in backend_modules, f"{path.relative_to(PROJECT_ROOT)} imports {node.module}"


class ReadOnlyMemory(MemoryStore):
    """A backend written in a few lines: the memory store that refuses to change graph/meta."""

    name = "read-only-memory"

    def replace_graph(self, graph, triples):
        pass


def test_a_new_backend_is_one_class_registered(monkeypatch, tmp_path):
    monkeypatch.setitem(BACKENDS, ReadOnlyMemory.name, ReadOnlyMemory)
    app = create_app(Settings(root=FIXTURES / "valid", var_dir=tmp_path, store=ReadOnlyMemory.name))
    client = app.test_client()
    assert client.get("/id/agreement/lyon-guangzhou", headers={"Accept": "text/turtle"}).status_code == 303
    answer = client.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { GRAPH <graph/meta> { ?s ?p ?o } }"},
                        headers={"Accept": "application/sparql-results+json"}).get_json()
    assert answer["results"]["bindings"][0]["n"]["value"] == "0"
    assert issubclass(ReadOnlyMemory, Store)


def test_no_server_module_keeps_mutable_state_of_its_own():
    """Module-level names are constants: no dict, list or set a request could fill (the app's config holds state)."""
    for path in SERVER.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, (ast.List, ast.Set, ast.Dict)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [getattr(target, "id", "") for target in targets]
                assert all(name.isupper() or name.startswith("__") for name in names), f"{path.relative_to(PROJECT_ROOT)}: {names}"


def test_the_architecture_document_names_files_that_exist():
    text = (PROJECT_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:server|tests|bench|docs)/[\w/.*-]+)`", text))
    assert len(named) > 20
    for name in named:
        matches = list(PROJECT_ROOT.glob(name)) if "*" in name else [PROJECT_ROOT / name]
        assert matches and all(Path(match).exists() for match in matches), name
