"""Comparing an answer to a competency query (queries/NN-name.rq) with its expected file
(NN-name.json: {"ordered": bool, "rows": [{var: value}]} or {"boolean": b}), whatever ran it.

IRIs under the base compare as relative strings ("id/agreement/x"), blank nodes as "_:id",
literals by their lexical form; an unbound variable is absent from its row. Rows compare as
multisets unless the expected file says "ordered": true.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

QUERIES = Path(__file__).resolve().parent.parent / "queries"
QUERY_FILES = sorted(QUERIES.glob("*.rq"))


def expected_answer(query_file: Path) -> dict:
    return json.loads(query_file.with_suffix(".json").read_text(encoding="utf-8"))


def answer_from_json_results(document: dict, base_iri: str) -> dict:
    """The comparable answer from SPARQL 1.1 JSON results."""
    if "boolean" in document:
        return {"boolean": document["boolean"]}
    return {"rows": [{name: _value(term, base_iri) for name, term in binding.items()}
                     for binding in document["results"]["bindings"]]}


def _value(term: dict, base_iri: str) -> str:
    if term["type"] == "uri":
        return term["value"][len(base_iri):] if term["value"].startswith(base_iri) else term["value"]
    if term["type"] == "bnode":
        return "_:" + term["value"]
    return term["value"]


def mismatch(expected: dict, actual: dict) -> str | None:
    """None when `actual` is the expected answer, else what differs, for a person."""
    if "boolean" in expected:
        return None if actual == {"boolean": expected["boolean"]} else f"expected {expected}, got {actual}"
    if "rows" not in actual:
        return f"expected rows, got {actual}"
    if expected.get("ordered"):
        return None if actual["rows"] == expected["rows"] else f"expected rows in order {expected['rows']}, got {actual['rows']}"
    want, got = Counter(map(_canonical, expected["rows"])), Counter(map(_canonical, actual["rows"]))
    if want == got:
        return None
    return f"missing rows: {sorted((want - got).elements())}\nunexpected rows: {sorted((got - want).elements())}"


def _canonical(row: dict) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False)
