"""Checking a query before it runs: the screen and the SPARQL 1.1 checker (see server/sparql/__init__.py).

A new rule a query must pass goes into `check_query` (the parsed algebra is at hand there), with a test
in tests/test_sparql_check.py; if the rule names a word, add it to `NEEDS_FULL_CHECK` so the screen
never lets such a query skip the check.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import pyoxigraph
from pyparsing import ParseBaseException
from rdflib.plugins.sparql.algebra import translateQuery, traverse
from rdflib.plugins.sparql.parser import Query, UpdateUnit, expandUnicodeEscapes
from rdflib.plugins.sparql.parserutils import CompValue

from server.formats import ASK, CONSTRUCT, DESCRIBE, SELECT
from server.sparql.prefixes import Declared, declare
from server.sparql.syntax import beyond_sparql_11, explain, undeclared_prefix
from server.store.sparql_text import tokens

FORMS = {"SelectQuery": SELECT, "AskQuery": ASK, "ConstructQuery": CONSTRUCT, "DescribeQuery": DESCRIBE}
READ_ONLY = "This SPARQL service is read-only: SPARQL Update is not accepted, here or anywhere on this server."


RETRY_AFTER_S = 5  # what a 503 asks a client to wait: a busy worker is free again within a query's time


class QueryRefused(Exception):
    """A query that gets no results: an HTTP status and a message for a person (a 503 says when to retry)."""

    def __init__(self, status: int, message: str):
        super().__init__(status, message)  # both in args, so it pickles across the pipe
        self.status, self.message = status, message

    @property
    def retry_after_s(self) -> int | None:
        return RETRY_AFTER_S if self.status == 503 else None

    def __str__(self) -> str:
        return self.message


# Functions with an optional last argument: the engine's parser backtracks over each nested one, so ten
# nested SUBSTR( cost milliseconds and twenty seconds, whether the query is valid or not.
BACKTRACKING_CALLS = frozenset({"SUBSTR", "REGEX", "REPLACE"})
MAX_BACKTRACKING_NESTING = 8


def check_shape(text: str, max_nesting: int) -> None:
    """Refuses (400), before any parser sees it, a query nested deeper than `max_nesting` braces or
    parentheses (thousands of groups crash the engine's recursive evaluation) or with more than
    MAX_BACKTRACKING_NESTING nested SUBSTR/REGEX/REPLACE calls (the parser's time doubles with each)."""
    braces = parens = backtracking = 0
    calls: list[bool] = []  # per open parenthesis: is it a backtracking call's
    previous_word = ""
    for token in tokens(text):
        kind = token.lastgroup
        if kind == "open":
            braces += 1
        elif kind == "close":
            braces -= 1
        elif kind == "open_paren":
            calls.append(previous_word.upper() in BACKTRACKING_CALLS)
            backtracking += calls[-1]
            parens += 1
        elif kind == "close_paren" and calls:
            backtracking -= calls.pop()
            parens -= 1
        previous_word = token.group() if kind == "word" else ""
        if braces > max_nesting or parens > max_nesting:
            raise QueryRefused(400, f"The query is nested more than {max_nesting} levels deep (braces or "
                                    "parentheses); this endpoint refuses it. Flatten it.")
        if backtracking > MAX_BACKTRACKING_NESTING:
            raise QueryRefused(400, f"The query nests more than {MAX_BACKTRACKING_NESTING} calls of SUBSTR, REGEX "
                                    "or REPLACE inside one another, which would take the query parser exponential "
                                    "time; bind the inner results to variables first.")


@dataclass(frozen=True)
class CheckedQuery:
    text: str  # what oxigraph runs: exactly what rdflib checked
    form: str
    default_graphs: tuple[str, ...]  # FROM, resolved against the base IRI
    named_graphs: tuple[str, ...]  # FROM NAMED
    has_dataset: bool  # the query names its own dataset
    offset: int = 0  # characters of predeclared prefixes in front of the query's own text

    @property
    def declared(self) -> Declared:
        return Declared(self.text, self.offset)


def check_query(query: str, base_iri: str, prefixes: Mapping[str, str] | None = None) -> CheckedQuery:
    """Parses and checks a query, declaring for it those of `prefixes` it uses without declaring them
    (server/sparql/prefixes.py); raises QueryRefused (400 bad syntax or SERVICE, 403 update)."""
    declared = declare(normalise(query), prefixes or {})
    text = declared.text
    try:
        parsed = Query.parse_string(text, parse_all=True)
    except ParseBaseException as error:
        if _is_update(text):
            raise QueryRefused(403, READ_ONLY) from None
        # The engine's parser says where and why, in words (server/sparql/syntax.py); when it reads the
        # text, the text goes beyond what this checker reads.
        raise QueryRefused(400, explain(declared) or beyond_sparql_11(declared, error.loc)) from None
    except Exception as error:  # rdflib's parse actions raise plain exceptions for some bad input
        raise QueryRefused(400, explain(declared) or f"SPARQL syntax error: {error}") from None
    try:
        algebra = translateQuery(parsed, base=base_iri).algebra
    except Exception as error:  # e.g. an undeclared prefix
        raise QueryRefused(400, undeclared_prefix(declared) or f"The query is not valid SPARQL: {error}") from None
    if _uses_service(algebra):
        raise QueryRefused(400, "SERVICE is not allowed: this endpoint never sends requests to other "
                                "servers. Query their endpoints directly. The one SERVICE it answers is its own "
                                f"name search, SERVICE <{base_iri}search> {{ ?hit cg:searchText \"…\" }}.")
    dataset = algebra.get("datasetClause") or []
    return CheckedQuery(
        text=text,
        form=FORMS[algebra.name],
        default_graphs=tuple(str(clause["default"]) for clause in dataset if "default" in clause),
        named_graphs=tuple(str(clause["named"]) for clause in dataset if "named" in clause),
        has_dataset=bool(dataset),
        offset=declared.offset,
    )


def normalise(query: str) -> str:
    try:
        text = expandUnicodeEscapes(query)
    except ValueError as error:
        raise QueryRefused(400, f"SPARQL syntax error: {error}") from None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise QueryRefused(400, "SPARQL syntax error: a \\u escape names a lone surrogate, not a character") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


# What sends a query through rdflib's full check rather than straight to oxigraph, matched on the
# normalised text (escapes expanded), ignoring case (and, with re's Unicode folding, more besides):
# SERVICE, the one construct that makes oxigraph send a request, can only be written with these
# letters; FROM, whose dataset the check reads; and RDF 1.2's `<<` and `{|`, which only the full
# check refuses. A comment or string holding one of them costs the full check, never a miss.
NEEDS_FULL_CHECK = re.compile(r"service|from|<<|\{\|", re.IGNORECASE)


def form_of(results, text: str) -> str:
    """The form of a screened query, from what oxigraph returned. CONSTRUCT and DESCRIBE return the
    same kind of answer in the same formats; the word tells them apart, for the label only."""
    if isinstance(results, pyoxigraph.QueryBoolean):
        return ASK
    if isinstance(results, pyoxigraph.QuerySolutions):
        return SELECT
    return DESCRIBE if re.search(r"\bdescribe\b", text, re.IGNORECASE) else CONSTRUCT


def _is_update(text: str) -> bool:
    try:
        UpdateUnit.parse_string(text, parse_all=True)
    except Exception:
        return False
    return True


def _uses_service(algebra) -> bool:
    found = []

    def visit(node):
        if isinstance(node, CompValue) and node.name == "ServiceGraphPattern":
            found.append(node)

    traverse(algebra, visit)
    return bool(found)


