"""The search index itself (server/search.py): how text is folded and cut into words, what a query matches,
how hits rank, and how the index is built (from the store, per dataset version, whole or not at all)."""

from __future__ import annotations

import os
import shutil

import pytest

from server.search import SearchIndex, build, fold, match_expression, tokens
from server.settings import Settings
from server.store import MemoryStore
from tests.conftest import PROJECT_ROOT

BASE = "http://127.0.0.1:8000/"
LANGUAGES = ("en", "fr", "zh")


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> SearchIndex:
    settings = Settings(root=PROJECT_ROOT, var_dir=tmp_path_factory.mktemp("search-var"))
    store = MemoryStore.from_sources(settings)
    return SearchIndex.for_dataset(store, settings, store.version, LANGUAGES)


def found(index: SearchIndex, query: str, **filters) -> list[str]:
    return [hit.iri[len(BASE):] for hit in index.search(query, limit=50, **filters).hits]


@pytest.mark.parametrize(("text", "folded"), [
    ("Île-de-France", "ile de france"),
    ("Région", "region"),
    ("PÉKIN", "pekin"),
    ("l’Université d’Amiens", "l universite d amiens"),
    ("浙江省 (Zhejiang)", "浙江省 zhejiang"),
    ("  ", ""),
])
def test_folding_drops_accents_case_and_punctuation(text, folded):
    assert fold(text) == folded


def test_chinese_runs_are_indexed_as_characters_and_pairs():
    assert set(tokens("浙江大学 zju")) == {"zju", "浙", "江", "大", "学", "浙江", "江大", "大学"}


@pytest.mark.parametrize(("typed", "expression"), [
    ("Zhej", '"zhej"*'),
    ("région île", '"region"* AND "ile"*'),
    ("浙江", '"浙江"'),
    ("浙江大", '"浙江" AND "江大"'),
    ("杭", '"杭"*'),
    ("\"; DROP TABLE names; --", '"drop"* AND "table"* AND "names"*'),
    ("?!", None),
])
def test_what_someone_types_becomes_a_safe_prefix_query(typed, expression):
    assert match_expression(fold(typed)) == expression


@pytest.mark.parametrize(("query", "first"), [
    ("Zhej", "id/territory/zhejiang"),
    ("zheijiang", "id/territory/zhejiang"),  # the sources' spelling
    ("Whenzhou", "id/territory/wenzhou"),
    ("Pécresse", "id/person/valerie-pecresse"),
    ("pecresse", "id/person/valerie-pecresse"),
    ("杭州", "id/territory/hangzhou"),
    ("Région Île-de-France", "id/organisation/region-ile-de-france"),
])
def test_the_best_match_comes_first(index, query, first):
    assert found(index, query)[0] == first


def test_chinese_substrings_find_every_name_containing_them(index):
    assert {"id/territory/zhejiang", "id/organisation/zhejiang-university"} <= set(found(index, "浙江"))


def test_names_in_every_language_are_found(index):
    """An entity is found by its French, English or Chinese name, and by its spelling variants."""
    for query in ("Université du Zhejiang", "Zhejiang University", "浙江大学"):
        assert "id/organisation/zhejiang-university" in found(index, query), query


def test_exact_names_rank_before_partial_ones_and_the_order_is_stable(index):
    results = index.search("Pékin", limit=50)
    closeness = [hit.closeness for hit in results.hits]
    assert closeness == sorted(closeness) and closeness[0] == 0
    assert [hit.iri for hit in index.search("Pékin", limit=50).hits] == [hit.iri for hit in results.hits]
    # within a closeness, the entity more resources link to first
    for before, after in zip(results.hits, results.hits[1:]):
        if before.closeness == after.closeness:
            assert (before.links, after.iri) >= (after.links, before.iri)


def test_filters_paging_and_counts(index):
    everything = index.search("zhejiang", limit=1000)
    assert everything.total == len(everything.hits) == sum(everything.per_kind.values())
    organisations = index.search("zhejiang", kinds=["organisation"], limit=1000)
    assert organisations.total == everything.per_kind["organisation"] == len(organisations.hits)
    assert {hit.kind for hit in organisations.hits} == {"organisation"}
    agreements = index.search("zhejiang", classes=[f"{BASE}def#Agreement"], limit=1000)
    assert agreements.hits and {hit.kind for hit in agreements.hits} == {"agreement"}  # subclasses' instances
    pages = [hit.iri for offset in range(0, everything.total, 7)
             for hit in index.search("zhejiang", limit=7, offset=offset).hits]
    assert pages == [hit.iri for hit in everything.hits]


def test_a_query_of_nothing_matches_nothing(index):
    for query in ("", "   ", "?!", "\x00\x01"):
        results = index.search(query)
        assert results.total == 0 and results.hits == ()


def test_the_index_is_built_per_version_whole_or_not_at_all(tmp_path, monkeypatch):
    """A new version of the content is a new index file; a build that fails leaves no file behind."""
    root = tmp_path / "project"
    for name in ("data", "ontology", "shapes"):
        shutil.copytree(PROJECT_ROOT / name, root / name)
    settings = Settings(root=root, var_dir=tmp_path / "var")
    store = MemoryStore.from_sources(settings)
    first = SearchIndex.for_dataset(store, settings, store.version, LANGUAGES)
    assert first.path.is_file() and store.version in first.path.name
    assert not found(first, "Lutèce")

    (root / "data" / "extra.ttl").write_text(
        '@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n'
        '<id/territory/lutece> rdfs:label "Lutèce"@fr , "Lutetia"@en .\n', encoding="utf-8")
    changed = MemoryStore.from_sources(settings)
    second = SearchIndex.for_dataset(changed, settings, changed.version, LANGUAGES)
    assert second.path != first.path and found(second, "lutece") == ["id/territory/lutece"]

    def failing(*args, **kwargs):
        raise RuntimeError("a name the index cannot take")

    # fails half-way through writing the file
    monkeypatch.setattr("server.search.tokens", failing)
    target = tmp_path / "var" / "broken.sqlite"
    with pytest.raises(RuntimeError):
        build(changed, settings, target, LANGUAGES)
    assert not target.exists() and not list(target.parent.glob(".broken*"))
    assert second.path.is_file()  # what was built stays


def test_each_process_opens_its_own_connection(index):
    """A connection is never shared across a fork: the child answers through its own."""
    assert found(index, "zhej")
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        try:
            os.write(write, found(index, "zhej")[0].encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    assert os.read(read, 200).decode() == "id/territory/zhejiang"
