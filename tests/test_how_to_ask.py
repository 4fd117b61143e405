"""docs/modelling.md's "How to ask" patterns are true: each SPARQL example in the file runs as written on the
published dataset and answers something (a newcomer copies them; a pattern that silently returns nothing
teaches the wrong query)."""

from __future__ import annotations

import re

import pytest

from server.settings import Settings
from server.store import MemoryStore
from tests.conftest import PROJECT_ROOT

MODELLING = PROJECT_ROOT / "docs" / "modelling.md"
EXAMPLES = re.findall(r"```sparql\n(.*?)```", MODELLING.read_text(encoding="utf-8"), re.DOTALL)


@pytest.fixture(scope="module")
def store() -> MemoryStore:
    return MemoryStore.from_sources(Settings(root=PROJECT_ROOT))


def test_the_how_to_ask_section_has_a_pattern_for_each_kind_of_question():
    section = MODELLING.read_text(encoding="utf-8").split("## How to ask", 1)[1]
    for topic in ("**Types.**", "**Status.**", "**Dates.**", "**Domains.**", "**Inferred values.**",
                  "**Disputed values.**", "**Counts.**"):
        assert topic in section, topic
    assert len(EXAMPLES) >= 7


@pytest.mark.parametrize("query", EXAMPLES, ids=[f"example-{n}" for n in range(1, len(EXAMPLES) + 1)])
def test_each_example_runs_and_answers(store, query):
    rows = list(store.query(query))
    assert rows, query
