"""Every competency query (queries/*.rq) gives its expected answer through the endpoint of a
real server, asked the way a researcher would: SPARQLWrapper, POST, JSON results."""

from __future__ import annotations

import pytest
from SPARQLWrapper import JSON, POST, SPARQLWrapper

from tests.competency import QUERY_FILES, answer_from_json_results, expected_answer, mismatch


def test_there_are_competency_queries_to_run():
    assert len(QUERY_FILES) >= 20


@pytest.mark.parametrize("query_file", QUERY_FILES, ids=[path.stem for path in QUERY_FILES])
def test_competency_query_through_the_endpoint(live_server, query_file):
    client = SPARQLWrapper(live_server.url + "sparql")
    client.setMethod(POST)
    client.setReturnFormat(JSON)
    client.setQuery(query_file.read_text(encoding="utf-8"))
    answer = answer_from_json_results(client.queryAndConvert(), live_server.base_iri)
    problem = mismatch(expected_answer(query_file), answer)
    assert problem is None, problem
