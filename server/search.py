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
浙江大学). Every word of a query must match the start of a word of the entity's names (`Zhej` finds
Zhejiang), in one name or across its names ("Region Ile de France" finds the territory called both
"région parisienne" and "Île-de-France").

How hits rank, stably: a name equal to the query; then a name whose first word begins with the first word
typed; then the other matches by name; then matches by description only; within each, the entity more
resources link to first, then by IRI. Entities are numbered in that order, so a page of hits is the first
matches the full-text index walks to, however many match.
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
from server.names import NAMING_PREDICATES, Name, Names

if TYPE_CHECKING:
    from server.settings import Settings
    from server.store import Store

FORMAT = 5  # of the index file: a change rebuilds every index
# Longest query text taken, in characters (a name is rarely a tenth of it); longer is refused by the views.
MAX_QUERY_CHARS = 200
DESCRIPTION_CHARS = 300  # of a description, indexed and shown
DESCRIBING = frozenset(("http://www.w3.org/2000/01/rdf-schema#comment", "http://purl.org/dc/terms/description",
                        "http://www.w3.org/2004/02/skos/core#definition"))
TERM_KIND = "term"  # the kind of a vocabulary term (entities have the `{kind}` of `id/{kind}/…`)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+")
_WORD = re.compile(r"[^\W_]+")

# Entities are numbered in rank order (more links first, then IRI), and the full-text table has one row per
# entity under the same number: a query walks its matches in rank order and stops at the page's end, whatever
# how many match ("ag" matches 28,000 entities at a million triples; the first 20 cost a fraction of a ms).
SCHEMA = """
CREATE TABLE entities (id INTEGER PRIMARY KEY, iri TEXT UNIQUE NOT NULL, kind TEXT NOT NULL,
                       links INTEGER NOT NULL, labels TEXT NOT NULL, descriptions TEXT NOT NULL);
CREATE TABLE names (entity INTEGER NOT NULL, folded TEXT NOT NULL, text TEXT NOT NULL, language TEXT NOT NULL,
                    describes INTEGER NOT NULL);
CREATE INDEX names_folded ON names (folded, entity);
CREATE INDEX names_entity ON names (entity);
CREATE TABLE types (entity INTEGER NOT NULL, class TEXT NOT NULL, PRIMARY KEY (class, entity)) WITHOUT ROWID;
CREATE INDEX types_entity ON types (entity, class);
CREATE VIRTUAL TABLE words USING fts5(heads, names, about, kind, tokenize='unicode61', prefix='1 2 3',
                                      detail='column');
CREATE INDEX entities_kind ON entities (kind);
CREATE TABLE terms (term TEXT PRIMARY KEY) WITHOUT ROWID;
"""
# FTS5 answers a prefix longer than its prefix indexes (`prefix='1 2 3'`) by merging the whole document lists of
# every word it begins, tens of thousands of entries for "organisation*" at a million triples, before any AND
# narrows them: about a millisecond per term. Such a prefix is looked up in `terms` (every indexed word) and
# asked as the few words it begins, which FTS5 intersects by seeking: 30 times faster. A prefix beginning more
# words than this stays a prefix.
EXPANDED_PREFIX_WORDS = 16
INDEXED_PREFIX_CHARS = 3


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


def match_terms(folded: str) -> list[str]:
    """The FTS5 terms for what someone typed: each word a prefix of an indexed word; a run of Chinese
    characters, each of its pairs (or its one character, as a prefix). Empty if nothing to match."""
    terms = []
    for word in folded.split():
        terms += [f'"{piece}"*' for piece in _CJK.split(word) if piece]
        for run in _CJK.findall(word):
            terms += [f'"{run}"*'] if len(run) == 1 else [f'"{run[i:i + 2]}"' for i in range(len(run) - 1)]
    return terms


def match_expression(folded: str) -> str | None:
    """All the terms of `match_terms`, as one FTS5 query; None if nothing to match."""
    return " AND ".join(match_terms(folded)) or None


def _token(text: str) -> str:
    return '"' + text.replace('"', "") + '"'


class _Filter:
    """The kinds and classes a search is narrowed to, as SQL and full-text conditions."""

    def __init__(self, kinds: Sequence[str], classes: Sequence[str]):
        self.kinds, self.classes = kinds, classes

    @property
    def class_parameters(self) -> tuple[str, ...]:
        return tuple(self.classes)

    @property
    def parameters(self) -> tuple[str, ...]:
        return (*self.kinds, *self.classes)

    def sql(self, entity: str, kind: str | None = None) -> str:
        """Conditions on an entity number (and its kind column, when the query has one)."""
        found = ""
        if self.kinds and kind:
            found += f" AND {kind} IN ({', '.join('?' * len(self.kinds))})"
        if self.classes:
            found += f" AND {entity} IN (SELECT entity FROM types WHERE class IN ({', '.join('?' * len(self.classes))}))"
        return found

    def fulltext(self) -> str:
        return f" AND kind : ({' OR '.join(map(_token, self.kinds))})" if self.kinds else ""


def _best_name(names: Sequence[tuple[str, str, int]], folded: str, tier: int) -> str:
    """Of an entity's names, the one its tier says matched: equal to the query, beginning with it, with words
    beginning with its words, or a description; the first such in the index's order."""
    words = folded.split()

    def has_words(name: str) -> bool:
        name_words = name.split()
        return all(any(w.startswith(word) or word in w for w in name_words) for word in words)

    tests = {0: lambda name: name == folded,
             1: lambda name: name.startswith(folded) or (has_words(name) and name.startswith(words[0][:1])),
             2: has_words, 3: has_words}
    for name_folded, text, describes in names:
        if bool(describes) == (tier == 3) and tests[tier](name_folded):
            return text
    return next((text for _, text, describes in names if not describes), names[0][1] if names else "")


@dataclass(frozen=True)
class Indexed:
    """An entity as the index knows it: its names and descriptions by reader language."""
    iri: str
    kind: str  # `agreement`, `organisation`… (the `{kind}` of `id/{kind}/…`), or "term"
    labels: Mapping[str, Sequence[str]]  # its name for each reader language: [text, the language it is in, or ""]
    descriptions: Mapping[str, Sequence[str]]  # the same for its description
    links: int  # how many resources link to it

    def label(self, language: str) -> Name:
        """Its name for a reader of `language`, knowing the language it is in (it may have fallen back)."""
        text, written_in = self.labels.get(language) or next(iter(self.labels.values()), (self.iri, ""))
        return Name(text, written_in or None)

    def description(self, language: str) -> Name:
        text, written_in = self.descriptions.get(language) or ("", "")
        return Name(text, written_in or None)


@dataclass(frozen=True)
class Hit(Indexed):
    matched: str  # the name (or description) that matched, as written
    closeness: int  # 0 a name is the query, 1 a name begins with its first word, 2 other names, 3 description


@dataclass(frozen=True)
class Entry(Indexed):
    """One indexed entity looked up by its IRI (SearchIndex.entries), with its classes, asserted or entailed."""
    classes: frozenset[str]


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
               limit: int = 20, offset: int = 0, counted: bool = True) -> Results:
        """Entities with a name matching `query`, best first; `kinds` and `classes` narrow them (any of
        the kinds, and any of the classes); `per_kind` counts every kind, whatever `kinds` says (not
        counted, and `total` only as far as this page, unless `counted`: autocomplete needs no counts)."""
        folded = fold(query[:MAX_QUERY_CHARS])
        terms = [self._expanded(term) for term in match_terms(folded)]
        if not terms or None in terms:  # nothing to match, or a word no indexed word begins with
            return Results(query, (), 0, {})
        connection = self._connection()
        kinds, classes = sorted(set(kinds)), sorted(set(classes))
        where = _Filter(kinds, classes)
        words = " AND ".join(terms)
        in_names, in_heads = f"names : ({words})", f"heads : ({terms[0]})"
        exact = [number for number, in connection.execute(
            "SELECT DISTINCT n.entity FROM names n JOIN entities e ON e.id = n.entity "
            f"WHERE n.folded = ? AND NOT n.describes{where.sql('e.id', 'e.kind')} ORDER BY n.entity",
            (folded, *where.parameters))]
        not_exact = f" AND rowid NOT IN ({', '.join(map(str, exact))})" if exact else ""
        tiers = [  # (full-text expression, extra SQL), in the order hits rank
            (f"{in_names} AND {in_heads}", not_exact),
            (f"{in_names} NOT {in_heads}", not_exact),
            (f"(about : ({words})) NOT {in_names}", ""),
        ]
        found, seen = [(number, 0) for number in exact[offset:offset + limit]], len(exact)
        for tier, (expression, extra) in enumerate(tiers, start=1):
            if len(found) >= limit:
                break
            expression, extra = expression + where.fulltext(), extra + where.sql("rowid")
            skip = max(0, offset - seen)
            if skip and (size := self._count(expression, extra, where.class_parameters)) <= skip:
                seen += size  # the page starts after this tier
                continue
            rows = connection.execute(
                f"SELECT rowid FROM words WHERE words MATCH ?{extra} ORDER BY rowid LIMIT ? OFFSET ?",
                (expression, *where.class_parameters, limit - len(found), skip)).fetchall()
            found += [(number, tier) for number, in rows]
            seen += skip + len(rows)  # all of this tier, if the page goes on to the next
        hits = self._hits(found, folded)
        if not counted:
            return Results(query, hits, offset + len(hits), {})
        any_column = f"({in_names}) OR (about : ({words}))"
        by_class = _Filter([], classes).sql("rowid")
        per_kind = {kind: count for kind in sorted(self.kinds)
                    if (count := self._count(f"({any_column}) AND kind : {_token(kind)}", by_class, classes))}
        total = sum(count for kind, count in per_kind.items() if not kinds or kind in kinds)
        return Results(query, hits, total, per_kind)

    def _expanded(self, term: str) -> str | None:
        """A prefix term (`"organ"*`) as the words it begins (`("organisation" OR "organisations")`) when they
        are few, else as it is; None when no indexed word begins with it."""
        prefix = term[1:-2] if term.endswith('"*') else None
        if prefix is None or len(prefix) <= INDEXED_PREFIX_CHARS:
            return term
        words = [word for word, in self._connection().execute(
            "SELECT term FROM terms WHERE term >= ? AND term < ? ORDER BY term LIMIT ?",
            (prefix, prefix + "\U0010ffff", EXPANDED_PREFIX_WORDS + 1))]
        if not words:
            return None
        if len(words) > EXPANDED_PREFIX_WORDS:
            return term
        return "(" + " OR ".join(f'"{word}"' for word in words) + ")"

    def _count(self, expression: str, extra: str, parameters: Sequence[str]) -> int:
        return self._connection().execute(f"SELECT count(*) FROM words WHERE words MATCH ?{extra}",
                                          (expression, *parameters)).fetchone()[0]

    def _hits(self, found: list[tuple[int, int]], folded: str) -> tuple[Hit, ...]:
        """The page's entities as hits, each with the name (or description) that matched best."""
        if not found:
            return ()
        numbers = [number for number, _ in found]
        marks = ", ".join("?" * len(numbers))
        connection = self._connection()
        entities = {row[0]: row[1:] for row in connection.execute(
            f"SELECT id, iri, kind, labels, descriptions, links FROM entities WHERE id IN ({marks})", numbers)}
        names = defaultdict(list)
        for number, name_folded, text, describes in connection.execute(
                f"SELECT entity, folded, text, describes FROM names WHERE entity IN ({marks}) ORDER BY rowid", numbers):
            names[number].append((name_folded, text, describes))
        hits = []
        for number, tier in found:
            iri, kind, labels, descriptions, links = entities[number]
            matched = _best_name(names[number], folded, tier)
            hits.append(Hit(iri, kind, json.loads(labels), json.loads(descriptions), links, matched, tier))
        return tuple(hits)

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
    uri_kind = {iri: iri[len(uri_space):].split("/", 1)[0] if iri.startswith(uri_space) else TERM_KIND for iri in texts}
    ranked = sorted(texts, key=lambda iri: (-links.get(iri, 0), iri))
    with replace_file(path) as partial:
        connection = sqlite3.connect(partial)
        try:
            connection.executescript(SCHEMA)
            for number, iri in enumerate(ranked, start=1):
                said = texts[iri]
                labels = {language: [name, name.language or ""]
                          for language in languages for name in (names.of(iri, language),)}
                connection.execute("INSERT INTO entities VALUES (?, ?, ?, ?, ?, ?)", (
                    number, iri, uri_kind[iri], links.get(iri, 0), json.dumps(labels, ensure_ascii=False),
                    json.dumps(_descriptions(said, languages), ensure_ascii=False)))
                connection.executemany("INSERT INTO types VALUES (?, ?)", [(number, c) for c in sorted(classes[iri])])
                heads, name_tokens, about = [], [], []
                for predicate, text in sorted(said, key=lambda pair: (pair[0], pair[1].value, pair[1].language or "")):
                    describes = predicate in DESCRIBING
                    written = text.value[:DESCRIPTION_CHARS] if describes else text.value
                    folded = fold(written)
                    if not folded:
                        continue
                    connection.execute("INSERT INTO names VALUES (?, ?, ?, ?, ?)",
                                       (number, folded, written, text.language or "", describes))
                    found = tokens(folded)
                    (about if describes else name_tokens).extend(found)
                    if not describes:
                        heads.append(found[0])
                connection.execute("INSERT INTO words (rowid, heads, names, about, kind) VALUES (?, ?, ?, ?, ?)",
                                   (number, " ".join(heads), " ".join(name_tokens), " ".join(about), uri_kind[iri]))
            connection.execute("INSERT INTO words (words) VALUES ('optimize')")
            connection.execute("CREATE VIRTUAL TABLE temp.vocabulary USING fts5vocab(main, words, row)")
            connection.execute("INSERT INTO terms SELECT term FROM temp.vocabulary")
            connection.commit()
        finally:
            connection.close()


def _descriptions(said: Iterable[tuple[str, Literal]], languages: Sequence[str]) -> dict[str, list[str]]:
    """The first description for each reader language (theirs, else English, else French, else any), each as
    [text, the language it is in, or ""]."""
    found: dict[str, str] = {}
    for predicate, text in sorted(said, key=lambda pair: (pair[0], pair[1].value)):
        if predicate in DESCRIBING:
            found.setdefault(text.language or "", text.value[:DESCRIPTION_CHARS])
    fallback = next((language for language in ("en", "fr", *found) if found.get(language)), "")
    return {language: [found[language], language] if found.get(language) else [found.get(fallback, ""), fallback]
            for language in languages if found}


__all__ = ["Hit", "Results", "SearchIndex", "build", "fold", "match_expression", "tokens", "NAMING_PREDICATES"]
