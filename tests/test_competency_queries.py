"""Competency queries: each queries/NN-name.rq asks a real question of the dataset, and
queries/NN-name.json holds the answer the source documents give.

Here they run in-process on the embedded store (tests/test_sparql_competency.py asks them again
through the endpoint). The store's answer goes through SPARQL JSON results, so both paths share
one comparison (tests/competency.py). A query using the endpoint's search service (SERVICE <search>)
is rewritten first, as the endpoint does, with a name index of the same store.
"""

from __future__ import annotations

import json
import re

import pytest
from pyoxigraph import QueryBoolean, QueryResultsFormat

from server.i18n import LANGUAGES
from server.search import SearchIndex
from server.settings import Settings
from server.sparql.search_service import rewrite
from server.store import MemoryStore
from tests.competency import QUERY_FILES, answer_from_json_results, expected_answer, mismatch
from tests.conftest import PROJECT_ROOT


@pytest.fixture(scope="module")
def store():
    return MemoryStore.from_sources(Settings(root=PROJECT_ROOT))


@pytest.fixture(scope="module")
def search_index(store, tmp_path_factory) -> SearchIndex:
    settings = Settings(root=PROJECT_ROOT, var_dir=tmp_path_factory.mktemp("competency-search"))
    return SearchIndex.for_dataset(store, settings, store.version, LANGUAGES)


def test_there_are_at_least_forty_competency_queries():
    assert len(QUERY_FILES) >= 40
    for path in QUERY_FILES:
        assert path.with_suffix(".json").is_file(), f"{path.name} has no expected answer"
        assert path.read_text(encoding="utf-8").startswith("# Question: "), f"{path.name} must start with '# Question: …'"


# What a newcomer who read docs/modelling.md ("How to ask") would not write: walking the class hierarchy by hand,
# or taking dates apart as strings (cg:earliestDate / cg:latestDate compare them).
TRICKS = re.compile(r"rdfs:subClassOf|subClassOf>|\b(SUBSTR|STRLEN|REGEX|CONCAT|STRBEFORE|STRAFTER|REPLACE)\s*\(", re.IGNORECASE)


@pytest.mark.parametrize("path", QUERY_FILES, ids=[p.stem for p in QUERY_FILES])
def test_competency_queries_are_plain_sparql(path):
    query = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
    assert not TRICKS.search(query), f"{path.name}: {TRICKS.search(query).group(0)}"


@pytest.mark.parametrize("path", QUERY_FILES, ids=[p.stem for p in QUERY_FILES])
def test_competency_query(store, path, request):
    query = path.read_text(encoding="utf-8")
    if "SERVICE <search>" in query:  # the search service, answered as the endpoint answers it
        index = request.getfixturevalue("search_index")
        query = rewrite(query, base_iri=store.base_iri, search=index.search, max_rows=Settings().max_result_rows)
    result = store.query(query)
    document = (
        {"boolean": bool(result)} if isinstance(result, QueryBoolean)
        else json.loads(result.serialize(format=QueryResultsFormat.JSON))
    )
    problem = mismatch(expected_answer(path), answer_from_json_results(document, store.base_iri))
    assert problem is None, problem
