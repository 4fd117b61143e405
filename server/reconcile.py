"""The reconciliation service: the W3C Entity Reconciliation Community Group's API, version 0.2, over the name
index (server/search.py) and the store. No Flask here: server/views/reconcile.py reads the HTTP requests and
writes the answers this module computes.

**Identifiers.** An entity's id is its IRI relative to the identifier space `{base}id/` (`organisation/zhejiang-university`),
so `identifierSpace + id` is the IRI and the view template `{base}id/{{id}}` dereferences it; a full IRI is accepted
wherever an id is. Types and properties are named by their IRIs (the schema space is the vocabulary, `{base}def#`); a
prefixed name of the dataset's prefixes (`cg:Agreement`) or a name in the schema space (`Agreement`) is accepted too.
The service defines a few *shortcuts*, properties over paths of the data (an organisation's `territory`, a
person's `organisation`), declared with their values by the queries `server/queries/reconcile-shortcut*.rq`.

**Candidates** come from the name index (every name in every language, accents and case ignored, Chinese without
spaces, the sources' spelling variants), restricted to the query's types (asserted or entailed, any of them, or all
of them with `type_strict: "all"`). An entity is also found by the name of another that names it
(`reconcile-named-through.rq`: a person by a post they hold), with that name's score. An id (or the IRI) as the
query finds that entity. The index gives POOL candidates a query; the properties of the SCORED_FOR_PROPERTIES best
by name are read (queries of server/queries/reconcile-*.rq). A query of properties only finds the entities having one of the values given (an IRI, an
id, or a literal written exactly as the data has it: an owl:sameAs link, an identifier).

**Score** (0–100), the same for every query and independent of the rest of the batch:

* name N: 100 when a name of the entity (or of what names it) equals the query once folded (accents, case and
  punctuation ignored); 60 + 30·c when a name starts with the query; 40 + 30·c when every word of the query starts a
  word of a name, c being the share of that name the query covers (its length over the name's, folded); 20 when only
  a description matches;
* with properties, agreement A (0–1): for each property of the query, the best match of any value given against any
  value the entity has (1 the same entity or literal, the index's strength for a name given as text: 1 exact, 0.8
  the start, 0.6 its words; 0.6 a literal that starts with the text; ×0.8 for a value reached through a containing
  territory or organisation), averaged over the query's properties;
* score = N without properties, 0.7·N + 30·A with them (N×A alone when the query has no text).

Candidates are sorted by score, then as the index ranks them (closeness, how much links to the entity, IRI).
`match` is true for the first candidate alone, when its score is at least 95, its name equals the query (or it
was found by its id), and the next candidate scores at least 10 less: two namesakes are never matched.
The score's parts are also given as `features` (`name`, `properties`, `links`).
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode

from server.names import Names, readable_local_name
from server.request_args import ECHOED
from server.request_args import echo as echo_text
from server.search import TERM_KIND, Entry, Hit, SearchIndex, fold

VERSIONS = ("0.2",)
BATCH_SIZE = 50  # queries per batch (the manifest's batchSize); a larger batch is a 413
MAX_QUERY_BYTES = 1024  # of a query's text, a suggest prefix or an id (UTF-8)
DEFAULT_LIMIT, MAX_LIMIT = 10, 100  # candidates per query
POOL = 30  # candidates taken from the index per query, before scoring and the limit
SCORED_FOR_PROPERTIES = 20  # of those, the best by name whose property values are read
SUGGESTIONS = 10  # per suggest request (`cursor` pages through the rest)
MAX_EXTEND_IDS, MAX_EXTEND_PROPERTIES = 500, 50
MAX_PROPOSED = 100  # properties proposed for a type, at most
PREVIEW_WIDTH, PREVIEW_HEIGHT = 400, 180
MATCH_SCORE, MATCH_GAP = 95.0, 10.0
PROPERTY_WEIGHT = 0.3
WITHIN = 0.8  # a value reached through a containing territory or organisation
TEXT_STRENGTH = {0: 1.0, 1: 0.8, 2: 0.6}  # a value given as text, by the index's closeness to the value's name
SHORTCUT_ID = re.compile(r"[a-z][a-z0-9-]*")
ENTITY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_~-]*(?:/[A-Za-z0-9][A-Za-z0-9_~-]*)+")
NOT_IN_IRI = re.compile(r'[\s<>"{}|\\^`]')

XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGERS = frozenset(XSD + name for name in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger", "negativeInteger",
    "nonPositiveInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"))
DECIMALS = frozenset(XSD + name for name in ("decimal", "double", "float"))
DAY = re.compile(r"-?\d{4,}-\d{2}-\d{2}")
DATE_TIME = re.compile(r"-?(?:[1-9]\d*)?\d{4}-(?:1[0-2]|0[1-9])-(?:3[01]|0[1-9]|[12]\d)T(?:2[0-3]|[01]\d):[0-5]\d:[0-5]\d"
                       r"(?:\.\d+)?(?:Z|[+-](?:2[0-3]|[01]\d):[0-5]\d)?")
QUERY_KEYS = frozenset(("query", "type", "limit", "properties", "type_strict"))
TYPE_STRICTNESS = ("any", "should", "all")
LANGUAGE_NAMES = {"en": "English", "fr": "French", "zh": "Chinese"}


class ReconcileError(Exception):
    """A request the service cannot answer: `status` is the HTTP status (400, 404 or 413), `message` says why."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def echo(value: object) -> str:
    """A bad value quoted back in a message: short, and with control characters escaped."""
    if not isinstance(value, str):  # a JSON value, written as JSON (5, true, null, [1])
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= ECHOED else text[:ECHOED] + "…"
    return echo_text(value)


def parse_json(text: str, what: str):
    try:
        value = json.loads(text)
        json.dumps(value, ensure_ascii=False).encode("utf-8")  # what is echoed back must be text
    except RecursionError:
        raise ReconcileError(400, f"{what} is nested too deeply to be read.") from None
    except UnicodeEncodeError:
        raise ReconcileError(400, f"{what} holds an escaped lone surrogate (\\ud800 to \\udfff), which is not "
                                  "a character.") from None
    except ValueError as error:
        raise ReconcileError(400, f"{what} is not JSON: {error}.") from None
    return value


def check_text(text: str, what: str) -> str:
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_QUERY_BYTES:
        raise ReconcileError(400, f"{what} is {size:,} bytes long: at most {MAX_QUERY_BYTES:,} bytes (UTF-8).")
    return text


def positive_integer(value: object, what: str) -> int:
    """A JSON number that is a whole number from 1 (5.0 is 5); anything else, booleans included, is a 400."""
    whole = isinstance(value, int) or (isinstance(value, float) and math.isfinite(value) and value.is_integer())
    if isinstance(value, bool) or not whole or value < 1:
        raise ReconcileError(400, f"{what} must be a positive whole number, not {echo(value)}.")
    return int(value)


def whole_number(text: str | None, what: str, default: int | None, smallest: int = 1) -> int | None:
    """A whole number from a URL parameter (`cursor`, `limit`)."""
    if text is None or text == "":
        return default
    if not (text.isascii() and text.isdigit()) or len(text) > 9 or int(text) < smallest:
        raise ReconcileError(400, f"{what} must be a whole number from {smallest}, not {echo(text)}.")
    return int(text)


@dataclass(frozen=True)
class Reference:
    """A property value given as an entity: `{"id": …, "name": …}`."""
    id: str
    name: str = ""


@dataclass(frozen=True)
class PropertyQuery:
    written: str  # the pid as the client wrote it
    property: str  # a property IRI, or a shortcut's id
    values: tuple[str | int | float | bool | Reference, ...]


@dataclass(frozen=True)
class Query:
    text: str
    types: tuple[str, ...] = ()
    all_types: bool = False
    limit: int = DEFAULT_LIMIT
    properties: tuple[PropertyQuery, ...] = ()


@dataclass(frozen=True)
class Shortcut:
    id: str
    domain: str  # the class whose instances have it
    names: Mapping[str, str]
    descriptions: Mapping[str, str]

    @property
    def query(self) -> str:
        return f"reconcile-shortcut-{self.id}"


@dataclass
class Candidate:
    iri: str
    name: float  # N
    exact: bool
    rank: int  # the index's order
    links: int = 0
    agreement: float = 0.0  # A
    score: float = 0.0


@dataclass(frozen=True)
class Vocabulary:
    """What the service knows of types and properties beyond the index, read once per dataset version."""

    default_types: tuple[str, ...]
    shortcuts: Mapping[str, Shortcut]
    named_through: Mapping[str, tuple[str, ...]]  # an entity -> the entities its name names too
    ancestors: Mapping[str, frozenset[str]]  # a class -> all its named super-classes

    @classmethod
    def read(cls, store, superclasses: Mapping[str, Iterable[str]]) -> Vocabulary:
        names, descriptions, domains = defaultdict(dict), defaultdict(dict), {}
        for row in store.run_file("reconcile-shortcuts"):
            shortcut = row["shortcut"].value
            if not SHORTCUT_ID.fullmatch(shortcut):  # it names a query file
                raise ValueError(f"reconcile-shortcuts.rq: {shortcut!r} is not a shortcut id")
            names[shortcut][row["name"].language or ""] = row["name"].value
            descriptions[shortcut][row["description"].language or ""] = row["description"].value
            domains[shortcut] = row["domain"].value
        named = defaultdict(list)
        for row in store.run_file("reconcile-named-through"):
            named[row["named"].value].append(row["entity"].value)
        return cls(
            default_types=tuple(row["type"].value for row in store.run_file("reconcile-default-types")),
            shortcuts={shortcut: Shortcut(shortcut, domains[shortcut], names[shortcut], descriptions[shortcut])
                       for shortcut in sorted(domains)},
            named_through={iri: tuple(entities) for iri, entities in named.items()},
            ancestors=ancestor_closure(superclasses),
        )


def ancestor_closure(superclasses: Mapping[str, Iterable[str]]) -> dict[str, frozenset[str]]:
    found: dict[str, frozenset[str]] = {}

    def ancestors(iri: str, seen: frozenset[str]) -> frozenset[str]:
        if iri not in found:
            direct = set(superclasses.get(iri, ())) - seen - {iri}
            found[iri] = frozenset(direct.union(*(ancestors(parent, seen | {iri}) for parent in direct)))
        return found[iri]

    for iri in list(superclasses):
        ancestors(iri, frozenset())
    return found


def folded_match(folded_query: str, name: str) -> int | None:
    """How a name matches what someone typed, folded: 0 equal, 1 starts with it, 2 its words start words of the
    name; None otherwise."""
    folded = fold(name)
    if not folded_query or not folded:
        return None
    if folded == folded_query:
        return 0
    if folded.startswith(folded_query):
        return 1
    words = folded.split()
    if all(any(word.startswith(part) for word in words) for part in folded_query.split()):
        return 2
    return None


class Reconciler:
    """The service for one request: the index, the store, what the dataset's vocabulary says, the reader's language.
    `keep(key, build)` keeps what is read once per dataset version (the app's model cache)."""

    def __init__(self, index: SearchIndex, store, *, base_iri: str, prefixes: Mapping[str, str], term_names: Names,
                 superclasses: Mapping[str, Iterable[str]], languages: Sequence[str], language: str,
                 keep: Callable[[tuple, Callable], object]):
        self.index, self.store, self.keep = index, store, keep
        self.uri_space, self.schema_space = f"{base_iri}id/", f"{base_iri}def#"
        self.prefixes, self.term_names = prefixes, term_names
        self.languages, self.language = tuple(languages), language
        self.vocabulary: Vocabulary = keep(("reconcile-vocabulary",), lambda: Vocabulary.read(store, superclasses))
        self.entity_kinds = tuple(sorted(self.index.kinds - {TERM_KIND}))

    # --- what the dataset offers, read once ---------------------------------------------------------------------

    def properties_in_use(self) -> dict[str, int]:
        """Property IRI -> statements using it on an entity."""
        return self.keep(("reconcile-properties",), lambda: {
            row["property"].value: int(row["uses"].value)
            for row in self.store.run_file("reconcile-properties", uriSpace=Literal(self.uri_space))})

    def types_in_use(self) -> dict[str, int]:
        """Class IRI -> entities having it, asserted or entailed."""
        return self.keep(("reconcile-types",), lambda: {
            row["type"].value: int(row["entities"].value)
            for row in self.store.run_file("reconcile-types", uriSpace=Literal(self.uri_space))})

    def properties_of_type(self, type_iri: str) -> list[tuple[str, int]]:
        return self.keep(("reconcile-type-properties", type_iri), lambda: [
            (row["property"].value, int(row["entities"].value))
            for row in self.store.run_file("reconcile-type-properties", type=NamedNode(type_iri))])

    # --- names and identifiers ----------------------------------------------------------------------------------

    def entity_id(self, iri: str) -> str:
        return iri[len(self.uri_space):]

    def entity_iri(self, written: str) -> str | None:
        """The IRI an id names (`organisation/x`, or the IRI itself), or None if it cannot name an entity."""
        written = written.strip()
        written = written.removeprefix(self.uri_space)
        return self.uri_space + written if ENTITY_ID.fullmatch(written) else None

    def term_iri(self, written: str, what: str, known: Callable[[str], bool], kind: str) -> str:
        """The IRI a type or property is named by: an IRI (bare or in <>), a prefixed name, or a name in the
        schema space; a 400 if it names nothing `known` accepts."""
        text = written.strip()
        if text.startswith("<") and text.endswith(">"):
            text = text[1:-1]
        if "://" in text:
            if NOT_IN_IRI.search(text) or any(unicodedata.category(c) == "Cc" for c in text):
                raise ReconcileError(400, f"{what} {echo(written)} is not an IRI.")
            iri = text
        else:
            prefix, colon, local = text.partition(":")
            if colon and local and prefix in self.prefixes:
                iri = self.prefixes[prefix] + local
            elif not colon and re.fullmatch(r"[A-Za-z_][\w.-]*", text):
                iri = self.schema_space + text
            else:
                raise ReconcileError(400, f"{what} {echo(written)} is neither an IRI nor a prefixed name of this "
                                          f"dataset ({', '.join(sorted(self.prefixes))}).")
        if not known(iri):
            raise ReconcileError(400, f"{what} {echo(written)}: <{iri[:ECHOED]}> is not one of this dataset's; "
                                      f"the {kind} suggest service lists them.")
        return iri

    def type_iri(self, written: str, what: str = "type") -> str:
        return self.term_iri(written, what, lambda iri: iri in self.index.classes, "type")

    def property_id(self, written: str, what: str = "property") -> str:
        """A shortcut's id, or a property IRI used on the entities."""
        if written.strip() in self.vocabulary.shortcuts:
            return written.strip()
        return self.term_iri(written, what, lambda iri: iri in self.properties_in_use(), "property")

    def type_name(self, iri: str) -> str:
        return self.term_names.of(iri, self.language)

    def property_name(self, property_id: str) -> str:
        shortcut = self.vocabulary.shortcuts.get(property_id)
        if shortcut is not None:
            return pick(shortcut.names, self.language) or shortcut.id
        return self.term_names.of(property_id, self.language)

    def term_names_all(self, iri: str) -> set[str]:
        """Every name a type or property answers to, in every language, with its local and prefixed names."""
        found = {self.term_names.best(iri, language) for language in self.languages} - {None}
        local = re.split(r"[#/]", iri)[-1]
        found |= {readable_local_name(iri), local, iri}
        found |= {f"{prefix}:{local}" for prefix, namespace in self.prefixes.items() if iri == namespace + local}
        return found

    def types_of(self, entry: Entry | None) -> list[dict]:
        """An entity's types for a client: the default types it has, then its most specific classes."""
        if entry is None:
            return []
        classes = entry.classes
        broader = set().union(*(self.vocabulary.ancestors.get(iri, frozenset()) for iri in classes))
        chosen = [iri for iri in self.vocabulary.default_types if iri in classes]
        chosen += sorted(iri for iri in classes - broader if iri not in chosen)
        return [{"id": iri, "name": self.type_name(iri)} for iri in chosen]

    # --- the manifest -------------------------------------------------------------------------------------------

    def manifest(self, name: str, service: str) -> dict:
        """The service manifest; `service` is the endpoint's URL (`{base}reconcile`)."""
        def at(path: str) -> dict:
            return {"service_url": service, "service_path": path}

        return {
            "versions": list(VERSIONS),
            "name": name,
            "identifierSpace": self.uri_space,
            "schemaSpace": self.schema_space,
            "batchSize": BATCH_SIZE,
            "defaultTypes": [{"id": iri, "name": self.type_name(iri)} for iri in self.vocabulary.default_types],
            "view": {"url": self.uri_space + "{{id}}"},
            "preview": {"url": service + "/preview?id={{id}}", "width": PREVIEW_WIDTH, "height": PREVIEW_HEIGHT},
            "suggest": {"entity": at("/suggest/entity"), "type": at("/suggest/type"),
                        "property": at("/suggest/property")},
            "extend": {
                "propose_properties": at("/propose_properties"),
                "property_settings": [
                    {"name": "limit", "label": "Limit", "type": "number", "default": 0,
                     "help_text": "At most this many values per cell (0: all of them)"},
                    {"name": "lang", "label": "Language", "type": "select", "default": "any",
                     "help_text": "Texts in this language only (texts without a language are always kept)",
                     "choices": [{"value": "any", "name": "any"}, *(
                         {"value": code, "name": LANGUAGE_NAMES.get(code, code)} for code in self.languages)]},
                ],
            },
        }

    # --- reconciliation queries ---------------------------------------------------------------------------------

    def reconcile_batch(self, text: str) -> dict:
        """A reconciliation query batch (JSON text) -> its result batch."""
        batch = parse_json(text, "queries")
        if not isinstance(batch, dict):
            raise ReconcileError(400, "queries must be a JSON object of queries by key, such as "
                                      '{"q0": {"query": "Zhejiang University"}}.')
        if len(batch) > BATCH_SIZE:
            raise ReconcileError(413, f"queries holds {len(batch)} queries: a batch is at most {BATCH_SIZE} "
                                      "(the manifest's batchSize); send the rest in another batch.")
        queries = {key: self.read_query(key, value) for key, value in batch.items()}
        return {key: {"result": self.reconcile(query)} for key, query in queries.items()}

    def read_query(self, key: str, raw: object) -> Query:
        where = f"query {echo(key)}"
        if not isinstance(raw, dict):
            raise ReconcileError(400, f"{where} must be a JSON object with a query and/or properties.")
        unknown = sorted(set(raw) - QUERY_KEYS)
        if unknown:
            raise ReconcileError(400, f"{where} has {', '.join(map(echo, unknown))}: a query has only "
                                      f"{', '.join(sorted(QUERY_KEYS))}.")
        if "query" not in raw and not raw.get("properties"):
            raise ReconcileError(400, f"{where} needs a query (a name) or properties.")
        text = raw.get("query", "")
        if not isinstance(text, str):
            raise ReconcileError(400, f"{where}: query must be a string, not {echo(text)}.")
        check_text(text, f"{where}: query")
        types = raw.get("type", [])
        types = [types] if isinstance(types, str) else types
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            raise ReconcileError(400, f"{where}: type must be a type id or a list of them, not {echo(types)}.")
        strictness = raw.get("type_strict", "any")
        if strictness not in TYPE_STRICTNESS:
            raise ReconcileError(400, f"{where}: type_strict must be one of {', '.join(TYPE_STRICTNESS)}, "
                                      f"not {echo(strictness)}.")
        limit = positive_integer(raw["limit"], f"{where}: limit") if "limit" in raw else DEFAULT_LIMIT
        return Query(
            text=" ".join(text.split()),
            types=tuple(dict.fromkeys(self.type_iri(t, f"{where}: type") for t in types if t.strip())),
            all_types=strictness == "all",
            limit=min(limit, MAX_LIMIT),
            properties=self.read_properties(raw.get("properties", []), where),
        )

    def read_properties(self, raw: object, where: str) -> tuple[PropertyQuery, ...]:
        if not isinstance(raw, list):
            raise ReconcileError(400, f"{where}: properties must be a list of {{\"pid\": …, \"v\": …}}.")
        found = []
        for item in raw:
            if not isinstance(item, dict) or not isinstance(item.get("pid"), str) or "v" not in item:
                raise ReconcileError(400, f"{where}: each property is {{\"pid\": a property id, \"v\": a value or "
                                          f"a list of values}}, not {echo(item)}.")
            values = item["v"] if isinstance(item["v"], list) else [item["v"]]
            read = []
            for value in values:
                if isinstance(value, dict) and isinstance(value.get("id"), str) \
                        and isinstance(value.get("name", ""), str):
                    read.append(Reference(check_text(value["id"], f"{where}: a value's id"), value.get("name", "")))
                elif isinstance(value, str | int | float) and not (isinstance(value, float) and not math.isfinite(value)):
                    read.append(check_text(value, f"{where}: a value") if isinstance(value, str) else value)
                else:
                    raise ReconcileError(400, f"{where}: a property value is a string, a number, a boolean or "
                                              f"{{\"id\": …, \"name\": …}}, not {echo(value)}.")
            found.append(PropertyQuery(item["pid"], self.property_id(item["pid"], f"{where}: pid"), tuple(read)))
        return tuple(found)

    def reconcile(self, query: Query) -> list[dict]:
        """The candidates for one query, best first."""
        if query.text:
            candidates = self.name_candidates(query)
        elif query.properties:
            candidates = self.value_candidates(query)
        else:
            return []  # a blank name and no properties: nothing to look for
        entries = self.index.entries(c.iri for c in candidates)
        candidates = [c for c in candidates if c.iri in entries and self.has_types(entries[c.iri], query)]
        if query.properties:
            self.score_properties(query, candidates)
        for candidate in candidates:
            if query.properties and query.text:
                candidate.score = (1 - PROPERTY_WEIGHT) * candidate.name + 100 * PROPERTY_WEIGHT * candidate.agreement
            elif query.properties:
                candidate.score = candidate.name * candidate.agreement
            else:
                candidate.score = candidate.name
            candidate.score = round(candidate.score, 2)
        candidates = sorted((c for c in candidates if c.score > 0), key=lambda c: (-c.score, c.rank))
        match = is_match(candidates)  # before the limit: a namesake past it still forbids a match
        return [self.candidate_json(c, entries[c.iri], query, position == 0 and match)
                for position, c in enumerate(candidates[:query.limit])]

    def has_types(self, entry: Entry, query: Query) -> bool:
        if not query.types:
            return True
        found = [iri in entry.classes for iri in query.types]
        return all(found) if query.all_types else any(found)

    def name_candidates(self, query: Query) -> list[Candidate]:
        folded = fold(query.text)
        found: dict[str, Candidate] = {}

        def add(candidate: Candidate) -> None:
            kept = found.get(candidate.iri)
            if kept is None or (candidate.name, -candidate.rank) > (kept.name, -kept.rank):
                found[candidate.iri] = candidate

        iri = self.entity_iri(query.text) if "/" in query.text else None
        if iri is not None:
            add(Candidate(iri, 100.0, True, -1))
        hits = self.index.search(query.text, kinds=self.entity_kinds, classes=query.types, limit=POOL, counted=False).hits
        for rank, hit in enumerate(hits):
            add(Candidate(hit.iri, name_score(folded, hit), hit.closeness == 0, rank * 2, hit.links))
        # Entities named by another's name (a person by a post they hold), just after it: searched apart when the
        # query has types, which the entity naming them may not have.
        named_through = self.vocabulary.named_through
        if named_through:
            naming = self.index.search(query.text, kinds=self.naming_kinds(), limit=POOL, counted=False).hits if query.types else hits
            for rank, hit in enumerate(naming):
                for entity in named_through.get(hit.iri, ()):
                    add(Candidate(entity, name_score(folded, hit), hit.closeness == 0, rank * 2 + 1))
        return list(found.values())

    def naming_kinds(self) -> list[str]:
        return self.keep(("reconcile-naming-kinds",), lambda: sorted(
            {iri[len(self.uri_space):].split("/", 1)[0] for iri in self.vocabulary.named_through
             if iri.startswith(self.uri_space)} & set(self.entity_kinds)))

    def value_candidates(self, query: Query) -> list[Candidate]:
        """A query of properties only: the entities having one of the values given (shortcuts are not searched)."""
        found: dict[str, Candidate] = {}
        for asked in query.properties:
            if asked.property in self.vocabulary.shortcuts:
                continue
            for value in asked.values:
                for term in self.exact_terms(value):
                    for row in self.store.run_file("reconcile-having", property=NamedNode(asked.property),
                                                   value=term):
                        iri = row["entity"].value
                        if iri.startswith(self.uri_space) and iri not in found:
                            found[iri] = Candidate(iri, 100.0, True, len(found))
        return list(found.values())

    def exact_terms(self, value) -> list:
        """The RDF terms a value given in a query stands for exactly."""
        if isinstance(value, Reference):
            iri = self.entity_iri(value.id)
            return [NamedNode(iri)] if iri else []
        if isinstance(value, bool):
            return [Literal("true" if value else "false", datatype=NamedNode(XSD + "boolean"))]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int | float):
            return [Literal(str(value), datatype=NamedNode(XSD + ("integer" if isinstance(value, int) else "decimal")))]
        terms = [Literal(value)]
        iri = self.entity_iri(value) if "/" in value else None
        if iri is not None:
            terms.append(NamedNode(iri))
        elif "://" in value and not NOT_IN_IRI.search(value):
            try:
                terms.append(NamedNode(value))
            except ValueError:
                pass  # not an IRI after all ("://")
        return terms

    def score_properties(self, query: Query, candidates: list[Candidate]) -> None:
        """Sets each candidate's agreement A with the query's properties (the best by name only: the rest keep 0)."""
        targets = [(asked, self.targets(asked.values)) for asked in query.properties]
        best_by_name = sorted(candidates, key=lambda c: (-c.name, c.rank))[:SCORED_FOR_PROPERTIES]
        for candidate in best_by_name:
            total = 0.0
            for asked, (iris, texts) in targets:
                best = 0.0
                for value, within in self.values(candidate.iri, asked.property, scoring=True):
                    factor = WITHIN if within else 1.0
                    if isinstance(value, NamedNode):
                        best = max(best, iris.get(value.value, 0.0) * factor)
                    elif isinstance(value, Literal):
                        best = max(best, literal_strength(value.value, texts) * factor)
                    if best == 1.0:
                        break
                total += best
            candidate.agreement = total / len(targets)

    def targets(self, values: Iterable) -> tuple[dict[str, float], list[str]]:
        """What values given in a query match: entity IRIs with a strength, and folded texts for literals."""
        iris: dict[str, float] = {}
        texts: list[str] = []

        def add(iri: str, strength: float) -> None:
            iris[iri] = max(iris.get(iri, 0.0), strength)

        for value in values:
            if isinstance(value, Reference):
                iri = self.entity_iri(value.id)
                if iri is not None:
                    add(iri, 1.0)
                elif "://" in value.id:
                    add(value.id.strip(), 1.0)
                value = value.name
                if not value:
                    continue
            if isinstance(value, bool):
                texts.append("true" if value else "false")
                continue
            if isinstance(value, float) and value.is_integer():
                value = int(value)  # 2.19e7 is the integer literal 21900000
            text = value if isinstance(value, str) else str(value)
            texts.append(fold(text))
            iri = self.entity_iri(text) if "/" in text else None
            if iri is not None:
                add(iri, 1.0)
            elif "://" in text:
                add(text.strip(), 1.0)
            for hit in self.index.search(text, limit=POOL, counted=False).hits:
                if hit.closeness in TEXT_STRENGTH:
                    add(hit.iri, TEXT_STRENGTH[hit.closeness])
        return iris, [text for text in texts if text]

    def values(self, iri: str, property_id: str, *, scoring: bool) -> list[tuple[object, bool]]:
        """The values (RDF terms) one entity has for a property or shortcut, each with whether it was reached
        through a containing territory or organisation (only when scoring)."""
        if property_id in self.vocabulary.shortcuts:
            rows = self.store.run_file(self.vocabulary.shortcuts[property_id].query, entity=NamedNode(iri))
            found = [(row["value"], row["within"].value == "true") for row in rows]
            return [pair for pair in found if scoring or not pair[1]]
        return [(row["value"], False)
                for row in self.store.run_file("reconcile-values", entity=NamedNode(iri), property=NamedNode(property_id))]

    def candidate_json(self, candidate: Candidate, entry: Entry, query: Query, match: bool) -> dict:
        result = {"id": self.entity_id(candidate.iri), "name": entry.label(self.language)}
        description = entry.description(self.language)
        if description:
            result["description"] = description
        features = [{"id": "name", "value": round(candidate.name, 2)}]
        if query.properties:
            features.append({"id": "properties", "value": round(candidate.agreement, 3)})
        features.append({"id": "links", "value": entry.links})
        return {**result, "type": self.types_of(entry), "score": candidate.score, "match": match,
                "features": features}

    # --- suggest services ---------------------------------------------------------------------------------------

    def suggest_entities(self, prefix: str, cursor: int) -> dict:
        text = " ".join(check_text(prefix, "prefix").split())
        if not text:
            return {"result": []}
        iris = []
        iri = self.entity_iri(text) if "/" in text else None
        if iri is not None and cursor == 0:
            iris.append(iri)
        hits = self.index.search(text, kinds=self.entity_kinds, limit=SUGGESTIONS, offset=cursor, counted=False).hits
        iris += [hit.iri for hit in hits if hit.iri != iri]
        entries = self.index.entries(iris)
        result = []
        for iri in iris[:SUGGESTIONS]:
            entry = entries.get(iri)
            if entry is None:
                continue
            item = {"id": self.entity_id(iri), "name": entry.label(self.language)}
            if entry.description(self.language):
                item["description"] = entry.description(self.language)
            result.append({**item, "notable": self.types_of(entry)})
        return {"result": result}

    def suggest_types(self, prefix: str, cursor: int) -> dict:
        counts = self.types_in_use()
        chosen = self.matching_terms(prefix, counts)
        descriptions = self.term_descriptions(chosen[cursor:cursor + SUGGESTIONS])
        result = []
        for iri in chosen[cursor:cursor + SUGGESTIONS]:
            item = self.type_json(iri, descriptions)
            parents = sorted(parent for parent in self.vocabulary.ancestors.get(iri, ())
                             if parent in counts and not any(
                                 parent in self.vocabulary.ancestors.get(other, ())
                                 for other in self.vocabulary.ancestors.get(iri, ()) if other in counts))
            if parents:
                item["broader"] = [{"id": parent, "name": self.type_name(parent)} for parent in parents]
            result.append(item)
        return {"result": result}

    def suggest_properties(self, prefix: str, cursor: int) -> dict:
        uses = {**self.properties_in_use(), **{shortcut: math.inf for shortcut in self.vocabulary.shortcuts}}
        chosen = self.matching_terms(prefix, uses)
        page = chosen[cursor:cursor + SUGGESTIONS]
        return {"result": [self.property_json(pid, self.term_descriptions(page)) for pid in page]}

    def matching_terms(self, prefix: str, weights: Mapping[str, float]) -> list[str]:
        """The types or properties answering to what someone typed (by any of their names, ids included): exact
        names first, then names starting with it, then words; the most used first within each."""
        folded = fold(check_text(prefix, "prefix"))
        ranked = []
        for iri, weight in weights.items():
            shortcut = self.vocabulary.shortcuts.get(iri)
            names = {*shortcut.names.values(), shortcut.id} if shortcut else self.term_names_all(iri)
            if not folded:
                ranked.append((3, -weight, iri))
                continue
            closeness = min((c for c in (folded_match(folded, name) for name in names) if c is not None), default=None)
            if closeness is not None:
                ranked.append((closeness, -weight, iri))
        return [iri for *_, iri in sorted(ranked)]

    def term_descriptions(self, iris: Iterable[str]) -> dict[str, str]:
        entries = self.index.entries(iris)
        return {iri: entry.description(self.language) for iri, entry in entries.items() if entry.description(self.language)}

    def type_json(self, iri: str, descriptions: Mapping[str, str]) -> dict:
        item = {"id": iri, "name": self.type_name(iri)}
        if descriptions.get(iri):
            item["description"] = descriptions[iri]
        return item

    def property_json(self, property_id: str, descriptions: Mapping[str, str]) -> dict:
        item = {"id": property_id, "name": self.property_name(property_id)}
        shortcut = self.vocabulary.shortcuts.get(property_id)
        description = pick(shortcut.descriptions, self.language) if shortcut else descriptions.get(property_id)
        if description:
            item["description"] = description
        return item

    # --- data extension -----------------------------------------------------------------------------------------

    def propose_properties(self, type_written: str | None, limit: int | None) -> dict:
        """The properties worth fetching for the entities of a type (all entities without one): the shortcuts
        that apply to it, then the properties its instances have, the most common first."""
        if type_written and type_written.strip():
            check_text(type_written, "type")
            type_iri = self.type_iri(type_written)
            lineage = {type_iri, *self.vocabulary.ancestors.get(type_iri, ())}
            chosen = [s.id for s in self.vocabulary.shortcuts.values() if s.domain in lineage]
            chosen += [iri for iri, _ in self.properties_of_type(type_iri)]
        else:
            chosen = [*self.vocabulary.shortcuts, *sorted(self.properties_in_use(), key=lambda iri: (
                -self.properties_in_use()[iri], iri))]
        chosen = chosen[:min(limit or MAX_PROPOSED, MAX_PROPOSED)]
        descriptions = self.term_descriptions(chosen)
        answer = {"type": type_written or "", "properties": [self.property_json(pid, descriptions) for pid in chosen]}
        if limit is not None:
            answer["limit"] = limit
        return answer

    def extend(self, text: str) -> dict:
        """A data extension query (JSON text) -> its response: for each id, each property's values."""
        asked = parse_json(text, "extend")
        if not isinstance(asked, dict) or not isinstance(asked.get("ids"), list) \
                or not isinstance(asked.get("properties"), list):
            raise ReconcileError(400, 'extend must be a JSON object {"ids": [entity ids], "properties": '
                                      '[{"id": a property id, "settings": {…}}]}.')
        ids, properties = asked["ids"], asked["properties"]
        if len(ids) > MAX_EXTEND_IDS or len(properties) > MAX_EXTEND_PROPERTIES:
            raise ReconcileError(413, f"extend asks for {len(ids)} ids and {len(properties)} properties: at most "
                                      f"{MAX_EXTEND_IDS} ids and {MAX_EXTEND_PROPERTIES} properties a request.")
        if not all(isinstance(written, str) for written in ids):
            raise ReconcileError(400, f"extend: ids are strings, not {echo(next(i for i in ids if not isinstance(i, str)))}.")
        columns = []
        for item in properties:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str) \
                    or not isinstance(item.get("settings", {}), dict):
                raise ReconcileError(400, f"extend: each property is {{\"id\": …, \"settings\": {{…}}}}, not {echo(item)}.")
            columns.append((item["id"], self.property_id(item["id"], "extend: property"),
                            read_settings(item.get("settings", {}), self.languages)))
        iris = {written: self.entity_iri(check_text(written, "extend: id")) for written in ids}
        values = {(iri, pid): self.values(iri, pid, scoring=False)
                  for iri in set(iris.values()) - {None} for _, pid, _ in columns}
        names = self.index.entries({term.value for found in values.values() for term, _ in found
                                    if isinstance(term, NamedNode) and term.value.startswith(self.uri_space)})
        rows = {}
        for written, iri in iris.items():
            rows[written] = {}
            for column, pid, (limit, language) in columns:
                cells = []
                for term, _ in values.get((iri, pid), ()):
                    cell = self.value_json(term, names, language)
                    if cell is not None and cell not in cells:
                        cells.append(cell)
                rows[written][column] = cells[:limit] if limit else cells
        return {"meta": [{"id": column, "name": self.property_name(pid)} for column, pid, _ in columns], "rows": rows}

    def value_json(self, term, names: Mapping[str, Entry], language: str | None) -> dict | None:
        """A value as the API writes it: an entity of this dataset as {id, name}, a literal as {int}, {float},
        {date} (a day as midnight UTC; a year or a month as text) or {str}, any other IRI as {str}."""
        if isinstance(term, NamedNode):
            iri = term.value
            if iri.startswith(self.uri_space):
                entry = names.get(iri)
                return {"id": self.entity_id(iri), "name": entry.label(self.language) if entry else readable_local_name(iri)}
            if self.term_names.known(iri) or iri in self.index.classes:  # a term of the vocabulary: its name
                return {"str": self.term_names.of(iri, self.language)}
            return {"str": iri}  # an IRI of another dataset (an owl:sameAs link to Wikidata…)
        if not isinstance(term, Literal):
            return None  # a blank node: nothing to show
        if language and term.language and term.language.split("-")[0].lower() != language:
            return None
        datatype, text = term.datatype.value, term.value
        try:
            if datatype in INTEGERS:
                return {"int": int(text)}
            if datatype in DECIMALS and math.isfinite(float(text)):
                return {"float": float(text)}
        except ValueError:
            pass
        if datatype == XSD + "date" and DAY.fullmatch(text):
            return {"date": f"{text}T00:00:00Z"}
        if datatype == XSD + "dateTime" and DATE_TIME.fullmatch(text):
            return {"date": text}
        return {"str": text}

    # --- preview ------------------------------------------------------------------------------------------------

    def preview(self, written: str) -> dict | None:
        """What the preview of an entity shows, or None if no entity has that id."""
        iri = self.entity_iri(check_text(written, "id"))
        entry = self.index.entries([iri]).get(iri) if iri else None
        if entry is None:
            return None
        return {"iri": iri, "id": self.entity_id(iri), "name": entry.label(self.language),
                "description": entry.description(self.language),
                "types": [item["name"] for item in self.types_of(entry)]}


def read_settings(settings: Mapping[str, object], languages: Sequence[str]) -> tuple[int, str | None]:
    """A property's data extension settings: `limit` (values per cell, 0 all) and `lang`."""
    raw_limit = settings.get("limit", 0)
    try:
        limit = int(raw_limit) if not isinstance(raw_limit, bool) else -1
    except (TypeError, ValueError, OverflowError):
        limit = -1
    if limit < 0:
        raise ReconcileError(400, f"extend: the setting limit is a whole number from 0, not {echo(raw_limit)}.")
    language = settings.get("lang", "any")
    if language not in ("any", "", None, *languages):
        raise ReconcileError(400, f"extend: the setting lang is one of any, {', '.join(languages)}, not {echo(language)}.")
    return limit, language if language in languages else None


def name_score(folded_query: str, hit: Hit) -> float:
    """N, from how the index matched the name (see the module's docstring)."""
    if hit.closeness == 0:
        return 100.0
    if hit.closeness >= 3:
        return 20.0
    coverage = min(1.0, len(folded_query) / max(1, len(fold(hit.matched))))
    return (60.0 if hit.closeness == 1 else 40.0) + 30.0 * coverage


def literal_strength(literal: str, texts: Sequence[str]) -> float:
    folded = fold(literal)
    if not folded:
        return 0.0
    if folded in texts:
        return 1.0
    return 0.6 if any(text and folded.startswith(text) for text in texts) else 0.0


def is_match(chosen: Sequence[Candidate]) -> bool:
    """The first candidate is a match: an exact name, a score of at least MATCH_SCORE, no close second."""
    if not chosen or not chosen[0].exact or chosen[0].score < MATCH_SCORE:
        return False
    return len(chosen) == 1 or chosen[0].score - chosen[1].score >= MATCH_GAP


def pick(texts: Mapping[str, str], language: str) -> str:
    return texts.get(language) or texts.get("en") or next(iter(texts.values()), "")


__all__ = ["BATCH_SIZE", "VERSIONS", "ReconcileError", "Reconciler", "Vocabulary", "whole_number"]
