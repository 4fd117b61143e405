"""Competency queries: each tests/queries/NN-name.rq asks a real question of the dataset, and
tests/queries/NN-name.json holds the answer the source documents give.

The ontology and data folders are loaded into their named graphs of an in-memory oxigraph store
(server.loading, base IRI http://127.0.0.1:8000/), and each query runs over the union of the data
and ontology graphs with the base IRI as its base (so `PREFIX cg: <def#>` resolves). IRIs under the
base are compared as relative strings ("id/agreement/x"), literals by their lexical form; rows are
compared as multisets unless the expected file says "ordered": true. Unbound variables are absent
from a row.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyoxigraph
import pytest

from server.loading import load_into
from server.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
QUERIES = Path(__file__).resolve().parent / "queries"
BASE = "http://127.0.0.1:8000/"
QUERY_FILES = sorted(QUERIES.glob("*.rq"))


@pytest.fixture(scope="module")
def dataset():
    settings = Settings(root=ROOT, base_iri=BASE)
    store = pyoxigraph.Store()
    load_into(store, settings)
    graphs = [pyoxigraph.NamedNode(settings.graph_iri(name)) for name in ("data", "ontology")]
    return store, graphs


def as_string(term) -> str:
    if isinstance(term, pyoxigraph.NamedNode):
        return term.value[len(BASE):] if term.value.startswith(BASE) else term.value
    if isinstance(term, pyoxigraph.BlankNode):
        return "_:" + term.value
    return term.value  # a literal: its lexical form


def run(dataset, text: str):
    store, graphs = dataset
    result = store.query(text, base_iri=BASE, default_graph=graphs)
    if isinstance(result, pyoxigraph.QueryBoolean):
        return {"boolean": bool(result)}
    names = [variable.value for variable in result.variables]
    rows = []
    for solution in result:
        rows.append({name: as_string(solution[name]) for name in names if solution[name] is not None})
    return {"rows": rows}


def canonical(row: dict) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False)


def test_there_are_at_least_twenty_competency_queries():
    assert len(QUERY_FILES) >= 20
    for path in QUERY_FILES:
        assert path.with_suffix(".json").is_file(), f"{path.name} has no expected answer"
        assert path.read_text(encoding="utf-8").startswith("# Question: "), f"{path.name} must start with '# Question: …'"


@pytest.mark.parametrize("path", QUERY_FILES, ids=[p.stem for p in QUERY_FILES])
def test_competency_query(dataset, path: Path):
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    actual = run(dataset, path.read_text(encoding="utf-8"))
    if "boolean" in expected:
        assert actual == {"boolean": expected["boolean"]}
        return
    if expected.get("ordered"):
        assert actual["rows"] == expected["rows"]
    else:
        missing = Counter(map(canonical, expected["rows"])) - Counter(map(canonical, actual["rows"]))
        unexpected = Counter(map(canonical, actual["rows"])) - Counter(map(canonical, expected["rows"]))
        assert not missing and not unexpected, (
            f"\nmissing rows: {sorted(missing.elements())}\nunexpected rows: {sorted(unexpected.elements())}")
