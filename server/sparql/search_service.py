"""`SERVICE <{base}search>`: the site's name index (server/search.py) inside a SPARQL query.

    PREFIX cg: <def#>
    SELECT ?hit ?rank ?agreement WHERE {
      SERVICE <search> { ?hit cg:searchText "zhej" ; cg:searchRank ?rank . }
      ?agreement cg:party ?hit .
    } ORDER BY ?rank

Before a query is handed to a query worker, the web process (which holds the index) replaces each such
block by a `VALUES` block of the index's hits, `VALUES (?hit ?rank) { (<…/zhejiang> 1) … }`, which the
engine joins with the rest of the query like any other pattern: the same answers on every store backend,
the remote engine included, and nothing is ever sent to a server. What the rewrite produces goes through
the usual screen and check (server/sparql/check.py), so any other SERVICE, whatever IRI or variable it
names, is refused exactly as before.

The block holds triple patterns about one variable, the hit (README, "SPARQL endpoint"):

| pattern | |
|---|---|
| `?hit cg:searchText "…"` | required, once: what to search for, a string written in the query |
| `?hit cg:searchRank ?rank` | the hit's place, 1 the best (exact names first, then the most linked-to) |
| `?hit cg:searchName ?name` | the name (or description) that matched, as written |
| `?hit cg:searchKind "organisation"` | only hits of these kinds (the `{kind}` of `id/{kind}/…`, or "term") |
| `?hit cg:searchLimit 20` | at most this many hits (default 100; a query's blocks together at most the row cap) |

Anything else in the block (another predicate, a FILTER, a group, a nested SERVICE, a text that is a
variable) is a 400 saying what is wrong. The block is found by a tokenizer that knows SPARQL's strings,
comments, IRIs and prefixed names, on the text as the engine reads it (escapes expanded, server/sparql/
check.py `normalise`), so a block inside a string or a comment is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin

import pyoxigraph

from server.search import MAX_QUERY_CHARS
from server.sparql.check import QueryRefused, normalise

SERVICE_PATH = "search"  # the service's IRI, relative to the base IRI
TERMS = ("searchText", "searchRank", "searchName", "searchKind", "searchLimit")
DEFAULT_LIMIT = 100
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

# The characters of SPARQL 1.1's names (grammar, productions 164-172).
_BASE_CHARS = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
               "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF")
_U_CHARS = _BASE_CHARS + "_"
_CHARS = _U_CHARS + r"\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PREFIX = rf"[{_BASE_CHARS}](?:[{_CHARS}.]*[{_CHARS}])?"
_LOCAL = rf"(?:[{_U_CHARS}:0-9]|{_PLX})(?:(?:[{_CHARS}.:]|{_PLX})*(?:[{_CHARS}:]|{_PLX}))?"
# An unterminated string runs to the end of its line (or of the text) and a word takes all the characters a
# prefixed name could: each character is read a bounded number of times, however the text is made (this runs
# in the web process, where no deadline stops it).
_TOKEN = re.compile(rf'''
    (?P<space>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>"""(?:[^"\\]|\\.?|"(?!""))*+(?:"""|\Z)|\'\'\'(?:[^'\\]|\\.?|'(?!''))*+(?:\'\'\'|\Z)
              |"(?:[^"\\\n]|\\.?)*+(?:"|(?=\n)|\Z)|'(?:[^'\\\n]|\\.?)*+(?:'|(?=\n)|\Z))
  | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][{_U_CHARS}0-9][{_U_CHARS}0-9\u00B7\u0300-\u036F\u203F-\u2040]*)
  | (?P<bnode>_:[{_U_CHARS}0-9](?:[{_CHARS}.]*[{_CHARS}])?)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<pname>(?:{_PREFIX})?:(?:{_LOCAL})?)
  | (?P<number>[0-9]+\.[0-9]*[eE][+-]?[0-9]+|\.[0-9]+[eE][+-]?[0-9]+|[0-9]+[eE][+-]?[0-9]+|[0-9]*\.[0-9]+|[0-9]+)
  | (?P<word>[{_U_CHARS}](?:[{_CHARS}.]*[{_CHARS}])?)
  | (?P<datatype>\^\^)
  | (?P<punct>[{{}}()\[\].,;])
  | (?P<other>.)
''', re.VERBOSE | re.DOTALL)
# A string token that is closed (the tokenizer also takes unclosed ones, to stay linear).
_WHOLE_STRING = re.compile("|".join((
    r'"""(?:[^"\\]|\\.|"(?!""))*"""',
    r"'''(?:[^'\\]|\\.|'(?!''))*'''",
    r'"(?:[^"\\\n]|\\.)*"',
    r"'(?:[^'\\\n]|\\.)*'",
)), re.DOTALL)
_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_SERVICE = re.compile(r"service", re.IGNORECASE)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words


@dataclass(frozen=True)
class Search:
    """One SERVICE <search> block: what to search for and which variables take the answers."""

    start: int  # where the block starts in the query text (its SERVICE keyword) and ends
    end: int
    hit: str  # variable names, without ? or $
    text: str
    rank: str | None = None
    name: str | None = None
    kinds: tuple[str, ...] = ()
    limit: int = DEFAULT_LIMIT


Searcher = Callable[..., object]  # SearchIndex.search: (text, kinds=…, limit=…, counted=…) -> Results


def rewrite(query: str, *, base_iri: str, search: Searcher, max_rows: int) -> str:
    """`query` with each `SERVICE <{base}search> { … }` replaced by the VALUES of its hits; `query` itself,
    untouched, when it has none. Raises QueryRefused (400) for a malformed search block."""
    text = normalise(query)
    if not _SERVICE.search(text):
        return query
    blocks = find_searches(text, base_iri=base_iri, max_rows=max_rows)
    if not blocks:
        return query
    parts, position = [], 0
    for block in blocks:
        parts += [text[position:block.start], values(block, search)]
        position = block.end
    rewritten = "".join([*parts, text[position:]])
    # The checker and the engine expand \u escapes once more: the rewrite must mean the same to them.
    if normalise(rewritten) != rewritten:
        raise QueryRefused(400, "A query with a SERVICE <search> block cannot also spell \\u escapes with "
                                "escapes (such as \\u005Cu0041): write the characters themselves.")
    return rewritten


def values(block: Search, search: Searcher) -> str:
    """The VALUES block standing for `block`: one row per hit, best first."""
    results = search(block.text, kinds=block.kinds, limit=block.limit, counted=False)  # hits only: no counts
    variables = [block.hit] + [name for name in (block.rank, block.name) if name]
    rows = []
    for rank, hit in enumerate(results.hits, start=1):
        terms = [str(pyoxigraph.NamedNode(hit.iri))]
        if block.rank:
            terms.append(str(rank))
        if block.name:
            terms.append(str(pyoxigraph.Literal(hit.matched)))
        rows.append(f"({' '.join(terms)})")
    # A row a line: rdflib's parser (the check) misreads a line holding an IRI with a `#` followed by SERVICE.
    return "".join((f" VALUES ({' '.join('?' + name for name in variables)}) {{\n",
                    *(row + "\n" for row in rows), "}\n"))


def find_searches(text: str, *, base_iri: str, max_rows: int) -> list[Search]:
    """The search blocks of a normalised query text, in order."""
    tokens = [token for token in tokenize(text) if token.kind not in ("space", "comment")]
    service_iri = base_iri + SERVICE_PATH
    prefixes: dict[str, str] = {}
    base = base_iri
    blocks: list[Search] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.is_word("PREFIX") and _kinds(tokens, i + 1, "pname", "iri"):
            prefixes[tokens[i + 1].text[:-1]] = resolve(base, tokens[i + 2].text[1:-1])
        elif token.is_word("BASE") and _kinds(tokens, i + 1, "iri"):
            base = resolve(base, tokens[i + 1].text[1:-1])
        elif token.is_word("SERVICE"):
            j = i + 2 if _kinds(tokens, i + 1, "word") and tokens[i + 1].is_word("SILENT") else i + 1
            if j < len(tokens) and _iri(tokens[j], prefixes, base) == service_iri:
                if j + 1 >= len(tokens) or tokens[j + 1].text != "{":
                    raise QueryRefused(400, f"SERVICE <{service_iri}> must be followed by a group {{ … }} of "
                                            "triple patterns.")
                closing = _closing(tokens, j + 1, service_iri)
                patterns = _Patterns(tokens[j + 2:closing], prefixes, base, base_iri, min(DEFAULT_LIMIT, max_rows))
                blocks.append(patterns.search(start=token.start, end=tokens[closing].end))
                i = closing + 1
                continue
        i += 1
    total = sum(block.limit for block in blocks)
    if total > max_rows:
        raise QueryRefused(400, f"The search blocks of this query ask for {total} hits in all (cg:searchLimit, "
                                f"{DEFAULT_LIMIT} by default); this endpoint gives at most {max_rows} a query.")
    return blocks


def tokenize(text: str) -> Iterable[Token]:
    for match in _TOKEN.finditer(text):
        yield Token(match.lastgroup, match.group(), match.start(), match.end())


def _kinds(tokens: Sequence[Token], start: int, *kinds: str) -> bool:
    return start + len(kinds) <= len(tokens) and all(
        tokens[start + n].kind == kind for n, kind in enumerate(kinds))


def _closing(tokens: Sequence[Token], opening: int, service_iri: str) -> int:
    """The index of the `}` closing the search block opened at tokens[opening]."""
    for index in range(opening + 1, len(tokens)):
        token = tokens[index]
        if token.text == "}":
            return index
        if token.text == "{":
            raise QueryRefused(400, f"A SERVICE <{service_iri}> block holds only triple patterns about the hit: "
                                    "no groups, FILTER, OPTIONAL, UNION or nested SERVICE.")
        if token.is_word("SERVICE"):
            raise QueryRefused(400, f"A SERVICE <{service_iri}> block cannot hold another SERVICE.")
    raise QueryRefused(400, f"The SERVICE <{service_iri}> block is not closed with a }}.")


class _Patterns:
    """Reads the triple patterns of one search block: `?hit cg:searchText "…" ; cg:searchRank ?r .` …"""

    def __init__(self, tokens: Sequence[Token], prefixes, base: str, base_iri: str, default_limit: int):
        self.tokens, self.prefixes, self.base, self.default_limit = tokens, prefixes, base, default_limit
        self.service = base_iri + SERVICE_PATH
        self.position = 0
        self.terms = {f"{base_iri}def#{term}": term for term in TERMS}

    def search(self, *, start: int, end: int) -> Search:
        subject, pairs = None, []
        while self.position < len(self.tokens):
            token = self._next()
            if token.kind != "var":
                raise self._refused(f"its patterns are about one variable, the hit (?hit cg:searchText \"…\"); "
                                    f"{token.text!r} is not a variable")
            if subject is not None and token.text[1:] != subject:
                raise self._refused(f"its patterns are about one variable, the hit; it names ?{subject} and "
                                    f"?{token.text[1:]}")
            subject = token.text[1:]
            pairs += self._predicate_objects()
            if self.position < len(self.tokens):
                if not self._peek("."):
                    raise self._refused(f"{self.tokens[self.position].text!r} follows a pattern where a . is expected")
                while self._peek("."):
                    self.position += 1
        if subject is None:
            raise self._refused("it is empty")
        return self._search(subject, pairs, start, end)

    def _predicate_objects(self) -> list[tuple[str, tuple[str, Token]]]:
        pairs = []
        while True:
            verb = self._next("a cg:search… term")
            if verb.kind == "word" and verb.text == "a":
                predicate = RDF_TYPE
            elif verb.kind in ("iri", "pname"):
                predicate = _iri(verb, self.prefixes, self.base, strict=True)
            else:
                raise self._refused(f"{verb.text!r} is not a cg:search… term")
            pairs.append((predicate, self._object()))
            while self._peek(","):
                self.position += 1
                pairs.append((predicate, self._object()))
            if not self._peek(";"):
                return pairs
            while self._peek(";"):
                self.position += 1
            if self.position >= len(self.tokens) or self._peek("."):
                return pairs

    def _object(self) -> tuple[str, Token]:
        """A value, with what it is: "var", "string" (plain, tagged or xsd:string), "number" or "other"."""
        token = self._next("a value")
        if token.kind == "var":
            return "var", token
        if token.kind == "number":
            return "number", token
        if token.kind == "string":
            if self._peek_kind("lang"):
                self.position += 1
            elif self._peek_kind("datatype"):
                self.position += 1
                datatype = self._next("a datatype")
                if datatype.kind not in ("iri", "pname"):
                    raise self._refused(f"{datatype.text!r} is not a datatype")
                if _iri(datatype, self.prefixes, self.base, strict=True) != XSD + "string":
                    return "other", token
            return "string", token
        if token.kind in ("iri", "pname", "word", "bnode"):
            return "other", token
        raise self._refused(f"{token.text!r} is not a value it takes")

    def _search(self, subject: str, pairs: list[tuple[str, tuple[str, Token]]], start: int, end: int) -> Search:
        by_term: dict[str, list[tuple[str, Token]]] = {term: [] for term in TERMS}
        for predicate, value in pairs:
            if predicate not in self.terms:
                raise self._refused(f"<{predicate}> is not one of its terms")
            by_term[self.terms[predicate]].append(value)
        texts = by_term["searchText"]
        if len(texts) != 1:
            raise self._refused("it needs one cg:searchText, the text to search for" if not texts
                                else "it takes one cg:searchText; search for each text in a block of its own")
        text = self._string(texts[0], "cg:searchText")
        if len(text) > MAX_QUERY_CHARS:
            raise self._refused(f"its cg:searchText is longer than {MAX_QUERY_CHARS} characters")
        variables = {}
        for term in ("searchRank", "searchName"):
            given = by_term[term]
            if len(given) > 1:
                raise self._refused(f"it takes cg:{term} at most once")
            if given:
                kind, token = given[0]
                if kind != "var":
                    raise self._refused(f"cg:{term} takes a variable, not {token.text!r}")
                variables[term] = token.text[1:]
        chosen = [subject, *variables.values()]
        if len(set(chosen)) != len(chosen):
            raise self._refused("the hit, its rank and its name each need a variable of their own")
        kinds = tuple(self._string(value, "cg:searchKind") for value in by_term["searchKind"])
        limits = by_term["searchLimit"]
        if len(limits) > 1:
            raise self._refused("it takes cg:searchLimit at most once")
        limit = self._limit(limits[0]) if limits else self.default_limit
        return Search(start, end, subject, text, variables.get("searchRank"), variables.get("searchName"),
                      kinds, limit)

    def _string(self, value: tuple[str, Token], term: str) -> str:
        kind, token = value
        if kind == "var":
            raise self._refused(f"{term} takes a string written in the query, not the variable {token.text} "
                                "(the search runs before the query)")
        if kind != "string":
            raise self._refused(f"{term} takes a string (\"…\"), not {token.text!r}")
        if not _WHOLE_STRING.fullmatch(token.text):
            raise self._refused(f"the string {token.text[:40]!r} is not closed")
        return _unquote(token.text)

    def _limit(self, value: tuple[str, Token]) -> int:
        kind, token = value
        if kind != "number" or not token.text.isdigit() or int(token.text) < 1:
            raise self._refused(f"cg:searchLimit takes a whole number of at least 1, not {token.text!r}")
        return int(token.text)

    def _next(self, what: str = "more") -> Token:
        if self.position >= len(self.tokens):
            raise self._refused(f"a pattern stops where {what} is expected")
        token = self.tokens[self.position]
        self.position += 1
        return token

    def _peek(self, text: str) -> bool:
        return self.position < len(self.tokens) and self.tokens[self.position].text == text

    def _peek_kind(self, kind: str) -> bool:
        return self.position < len(self.tokens) and self.tokens[self.position].kind == kind

    def _refused(self, why: str) -> QueryRefused:
        return QueryRefused(400, f"Malformed SERVICE <{self.service}> block: {why}. It takes triple patterns "
                                 "about one variable: ?hit cg:searchText \"…\" (required), cg:searchRank ?rank, "
                                 "cg:searchName ?name, cg:searchKind \"…\", cg:searchLimit N.")


def _iri(token: Token, prefixes, base: str, strict: bool = False) -> str | None:
    """The IRI an IRI or prefixed-name token stands for; None for anything else, or (unless `strict`,
    which refuses it) for a prefix the query does not declare."""
    if token.kind == "iri":
        return resolve(base, token.text[1:-1])
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        if prefix not in prefixes:
            if not strict:
                return None
            raise QueryRefused(400, f"The prefix {prefix}: is not declared (PREFIX {prefix}: <…>).")
        return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    return None


def resolve(base: str, reference: str) -> str:
    """`reference` resolved against `base` (RFC 3986), keeping an empty fragment (`<def#>`), which
    urljoin drops."""
    resolved = urljoin(base, reference)
    return resolved + "#" if reference.endswith("#") and not resolved.endswith("#") else resolved


def _unquote(literal: str) -> str:
    quote = 3 if literal[:3] in ('"""', "'''") else 1
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), literal[quote:-quote], flags=re.DOTALL)
