"""The search index: every entity's names, in every language, found as people type them.

Built from the store once per dataset version (server start, before the workers fork), never by hand,
into an SQLite file under the site's folder (`search/v{FORMAT}-{version}.sqlite`, written aside and
renamed into place, so a reader never sees half an index); each worker thread reads it through its own
read-only connection. SQLite's FTS5 comes with Python's standard library: no server to run, a file
that travels with the dataset version, prefix queries and a ranking under our control (README,
"Dependencies").

What is indexed (server/queries/search-*.rq): the names of every resource under `{base}id/` and of every
vocabulary term (labels, alternative labels with the sources' spelling variants, titles, people's names,
identifiers) and, ranked below them, their short descriptions; their classes, asserted or entailed, for
type filters; how many resources of the data link to each, for ranking.

How text matches: `fold` drops accents and case and turns punctuation into spaces ("Île-de-France" is
"ile de france", so `Region` finds "Région" and `Pekin` "Pékin"); Chinese, Japanese and Korean runs,
which have no spaces, are indexed as single characters and pairs of characters (`浙江` finds 浙江省 and
浙江大学). Every word of a query must match the start of a word of one name (`Zhej` finds Zhejiang).

How hits rank, stably: a name equal to the query, then a name starting with it, then a name with words
starting with its words, then a description; within each, the entity more resources link to; then IRI.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from pyoxigraph import Literal, NamedNode

from server.atomic import replace_file
from server.graphs import DATA
from server.names import NAMING_PREDICATES, Names

if TYPE_CHECKING:
    from server.settings import Settings
    from server.store import Store

FORMAT = 1  # of the index file: a change rebuilds every index
# Longest query text taken, in characters (a name is rarely a tenth of it); longer is refused by the views.
MAX_QUERY_CHARS = 200
DESCRIPTION_CHARS = 300  # of a description, indexed and shown
DESCRIBING = frozenset(("http://www.w3.org/2000/01/rdf-schema#comment", "http://purl.org/dc/terms/description",
                        "http://www.w3.org/2004/02/skos/core#definition"))
TERM_KIND = "term"  # the kind of a vocabulary term (entities have the `{kind}` of `id/{kind}/…`)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+")
_WORD = re.compile(r"[^\W_]+")

SCHEMA = """
CREATE TABLE entities (id INTEGER PRIMARY KEY, iri TEXT UNIQUE NOT NULL, kind TEXT NOT NULL,
                       links INTEGER NOT NULL, labels TEXT NOT NULL, descriptions TEXT NOT NULL);
CREATE TABLE names (id INTEGER PRIMARY KEY, entity INTEGER NOT NULL, folded TEXT NOT NULL, text TEXT NOT NULL,
                    language TEXT NOT NULL, describes INTEGER NOT NULL);
CREATE TABLE types (entity INTEGER NOT NULL, class TEXT NOT NULL, PRIMARY KEY (class, entity)) WITHOUT ROWID;
CREATE VIRTUAL TABLE words USING fts5(tokens, content='', tokenize='unicode61', prefix='1 2 3');
CREATE INDEX entities_kind ON entities (kind);
"""


def fold(text: str) -> str:
    """Lower case, no accents, words separated by single spaces: how names and queries compare."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(_WORD.findall(bare))


def tokens(folded: str) -> list[str]:
    """The indexed words of a folded name: its words, and for runs of Chinese, Japanese or Korean
    characters, each character and each pair of neighbours."""
    found = []
    for word in folded.split():
        pieces = _CJK.split(word)
        found += [piece for piece in pieces if piece]
        for run in _CJK.findall(word):
            found += list(run) + [run[i:i + 2] for i in range(len(run) - 1)]
    return found


def match_expression(folded: str) -> str | None:
    """The FTS5 query for what someone typed: every word a prefix of an indexed word; a run of
    Chinese characters, each of its pairs (or its one character, as a prefix). None if nothing to match."""
    terms = []
    for word in folded.split():
        terms += [f'"{piece}"*' for piece in _CJK.split(word) if piece]
        for run in _CJK.findall(word):
            terms += [f'"{run}"*'] if len(run) == 1 else [f'"{run[i:i + 2]}"' for i in range(len(run) - 1)]
    return " AND ".join(terms) or None


@dataclass(frozen=True)
class Hit:
    iri: str
    kind: str  # `agreement`, `organisation`… (the `{kind}` of `id/{kind}/…`), or "term"
    labels: Mapping[str, str]  # its name by reader language
    descriptions: Mapping[str, str]
    matched: str  # the name (or description) that matched, as written
    closeness: int  # 0 the name is the query, 1 starts with it, 2 has words starting with its words, 3 description
    links: int  # how many resources link to it

    def label(self, language: str) -> str:
        return self.labels.get(language) or next(iter(self.labels.values()), self.iri)

    def description(self, language: str) -> str:
        return self.descriptions.get(language, "")


@dataclass(frozen=True)
class Entry:
    """One indexed entity looked up by its IRI (SearchIndex.entries), with its classes, asserted or entailed."""
    iri: str
    kind: str
    labels: Mapping[str, str]
    descriptions: Mapping[str, str]
    links: int
    classes: frozenset[str]

    def label(self, language: str) -> str:
        return self.labels.get(language) or next(iter(self.labels.values()), self.iri)

    def description(self, language: str) -> str:
        return self.descriptions.get(language, "")


@dataclass(frozen=True)
class Results:
    query: str
    hits: tuple[Hit, ...]
    total: int  # entities matching, all pages
    per_kind: Mapping[str, int] = field(default_factory=dict)  # entities matching, by kind, before the kind filter


class SearchIndex:
    """A built index, read-only; one connection per thread of each process."""

    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()

    @classmethod
    def for_dataset(cls, store: Store, settings: Settings, version: str, languages: Sequence[str]) -> SearchIndex:
        """This version's index, built first if no server built it yet."""
        path = settings.site_dir / "search" / f"v{FORMAT}-{version}.sqlite"
        if not path.is_file():
            build(store, settings, path, languages)
        return cls(path)

    def _connection(self) -> sqlite3.Connection:
        # A connection is not shared across a fork, nor between threads.
        if getattr(self._local, "pid", None) != os.getpid():
            self._local.connection = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True)
            self._local.pid = os.getpid()
        return self._local.connection

    def search(self, query: str, *, kinds: Iterable[str] = (), classes: Iterable[str] = (),
               limit: int = 20, offset: int = 0) -> Results:
        """Entities with a name matching `query`, best first; `kinds` and `classes` narrow them (any of
        the kinds, and any of the classes); `per_kind` counts every kind, whatever `kinds` says."""
        folded = fold(query[:MAX_QUERY_CHARS])
        expression = match_expression(folded)
        if expression is None:
            return Results(query, (), 0, {})
        kinds, classes = sorted(set(kinds)), sorted(set(classes))
        by_class = (f" AND e.id IN (SELECT entity FROM types WHERE class IN ({', '.join('?' * len(classes))}))"
                    if classes else "")
        matching = ("FROM words JOIN names n ON n.id = words.rowid JOIN entities e ON e.id = n.entity "
                    f"WHERE words MATCH ?{by_class}")
        connection = self._connection()
        per_kind = dict(connection.execute(
            f"SELECT e.kind, COUNT(DISTINCT e.id) {matching} GROUP BY e.kind", (expression, *classes)))
        by_kind = f" AND e.kind IN ({', '.join('?' * len(kinds))})" if kinds else ""
        total = sum(count for kind, count in per_kind.items() if not kinds or kind in kinds)
        # SQLite takes the bare columns (n.text) from the row MIN() picks: the closest name.
        rows = connection.execute(
            "SELECT e.iri, e.kind, e.labels, e.descriptions, n.text, e.links, "
            "MIN(CASE WHEN n.describes THEN 3 WHEN n.folded = ? THEN 0 "
            "WHEN substr(n.folded, 1, length(?)) = ? THEN 1 ELSE 2 END) AS closeness "
            f"{matching}{by_kind} GROUP BY e.id ORDER BY closeness, e.links DESC, e.iri LIMIT ? OFFSET ?",
            (folded, folded, folded, expression, *classes, *kinds, limit, offset))
        hits = tuple(Hit(iri, kind, json.loads(labels), json.loads(descriptions), text, closeness, links)
                     for iri, kind, labels, descriptions, text, links, closeness in rows)
        return Results(query, hits, total, per_kind)

    # What the filters of `search` may name, for the views to refuse the rest (added for /search, which says
    # "unknown kind" or "unknown type" rather than answer nothing). Read once: the index never changes.
    @cached_property
    def kinds(self) -> frozenset[str]:
        """Every kind of the indexed entities (`agreement`, `organisation`…, "term")."""
        return frozenset(kind for kind, in self._connection().execute("SELECT DISTINCT kind FROM entities"))

    @cached_property
    def classes(self) -> frozenset[str]:
        """Every class an indexed entity has, asserted or entailed."""
        return frozenset(iri for iri, in self._connection().execute("SELECT DISTINCT class FROM types"))

    def entries(self, iris: Iterable[str]) -> dict[str, Entry]:
        """The indexed entities among `iris`, by IRI, with their names and classes (added for /reconcile, which
        names and types the entities it reaches through the store: holders of posts, values, ids)."""
        wanted, found = sorted(set(iris)), {}
        connection = self._connection()
        for start in range(0, len(wanted), 500):  # SQLite takes at most 32766 parameters
            chunk = wanted[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = connection.execute("SELECT id, iri, kind, labels, descriptions, links FROM entities "
                                      f"WHERE iri IN ({marks})", chunk).fetchall()
            classes = defaultdict(set)
            for number, class_iri in connection.execute(
                    f"SELECT entity, class FROM types WHERE entity IN ({', '.join('?' * len(rows))})",
                    [row[0] for row in rows]):
                classes[number].add(class_iri)
            for number, iri, kind, labels, descriptions, links in rows:
                found[iri] = Entry(iri, kind, json.loads(labels), json.loads(descriptions), links,
                                   frozenset(classes[number]))
        return found


def build(store: Store, settings: Settings, path: Path, languages: Sequence[str]) -> None:
    """Writes the index of what `store` holds to `path`, whole or not at all."""
    uri_space, vocabulary = f"{settings.base_iri}id/", f"{settings.base_iri}def"
    bindings = {"uriSpace": Literal(uri_space), "vocabulary": Literal(vocabulary)}
    names, texts = Names(), defaultdict(list)
    for row in store.run_file("search-names", **bindings):
        entity, predicate, text = row["entity"], row["predicate"], row["text"]
        names.add(entity, predicate, text)
        texts[entity.value].append((predicate.value, text))
    links = {row["entity"].value: int(row["links"].value)
             for row in store.run_file("search-importance", data=NamedNode(settings.graph_iri(DATA)))}
    classes = defaultdict(set)
    for row in store.run_file("search-types", **bindings):
        classes[row["entity"].value].add(row["class"].value)
    path.parent.mkdir(parents=True, exist_ok=True)
    with replace_file(path) as partial:
        connection = sqlite3.connect(partial)
        try:
            connection.executescript(SCHEMA)
            for number, (iri, said) in enumerate(sorted(texts.items()), start=1):
                kind = iri[len(uri_space):].split("/", 1)[0] if iri.startswith(uri_space) else TERM_KIND
                labels = {language: names.of(iri, language) for language in languages}
                descriptions = _descriptions(said, languages)
                connection.execute("INSERT INTO entities VALUES (?, ?, ?, ?, ?, ?)", (
                    number, iri, kind, links.get(iri, 0), json.dumps(labels, ensure_ascii=False),
                    json.dumps(descriptions, ensure_ascii=False)))
                connection.executemany("INSERT INTO types VALUES (?, ?)", [(number, c) for c in sorted(classes[iri])])
                for predicate, text in said:
                    describes = predicate in DESCRIBING
                    written = text.value[:DESCRIPTION_CHARS] if describes else text.value
                    folded = fold(written)
                    if not folded:
                        continue
                    name_id = connection.execute(
                        "INSERT INTO names (entity, folded, text, language, describes) VALUES (?, ?, ?, ?, ?)",
                        (number, folded, written, text.language or "", describes)).lastrowid
                    connection.execute("INSERT INTO words (rowid, tokens) VALUES (?, ?)",
                                       (name_id, " ".join(tokens(folded))))
            connection.execute("INSERT INTO words (words) VALUES ('optimize')")
            connection.commit()
        finally:
            connection.close()


def _descriptions(said: Iterable[tuple[str, Literal]], languages: Sequence[str]) -> dict[str, str]:
    """The first description in each language (the reader's, else English, else French, else any)."""
    found: dict[str, str] = {}
    for predicate, text in sorted(said, key=lambda pair: (pair[0], pair[1].value)):
        if predicate in DESCRIBING:
            found.setdefault(text.language or "", text.value[:DESCRIPTION_CHARS])
    fallback = found.get("en") or found.get("fr") or next(iter(found.values()), "")
    return {language: found.get(language) or fallback for language in languages if found}


__all__ = ["Hit", "Results", "SearchIndex", "build", "fold", "match_expression", "tokens", "NAMING_PREDICATES"]
