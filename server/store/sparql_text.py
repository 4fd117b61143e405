"""SPARQL text the stores send: bindings as VALUES, a graph replaced in one update, rows of IRIs.

Every value is written as an N-Triples term by pyoxigraph (which escapes it, and refuses a malformed
IRI), never pasted into the text as it came.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyoxigraph

from server.store.base import Binding, QueryFiles, term

# The query's skeleton, to find where its WHERE group opens: comments, strings and IRIs are skipped
# (they may hold braces); words and braces are kept.
_TOKENS = re.compile(r'''
    (?P<skip> \#[^\n]*
            | """(?:[^"\\]|\\.|"(?!""))*""" | \'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'
            | "(?:[^"\\\n]|\\.)*" | '(?:[^'\\\n]|\\.)*'
            | <[^<>"{}|^`\\\x00-\x20]*> )
  | (?P<open>\{) | (?P<close>\}) | (?P<open_paren>\() | (?P<close_paren>\)) | (?P<word>[A-Za-z_][\w-]*)
''', re.VERBOSE)

EMPTY_VALUES = re.compile(r"VALUES \((\?\w+(?: \?\w+)*)\) \{ \}")


def tokens(sparql: str):
    """The query's skeleton, as regex matches whose `lastgroup` says their kind: "skip" (a comment,
    string or IRI), "open"/"close" (braces), "open_paren"/"close_paren", "word"."""
    return _TOKENS.finditer(sparql)


def bind_values(sparql: str, bindings: dict[str, Binding]) -> str:
    """The query with `VALUES (?a ?b) { (<x> "y") }` as the first element of its WHERE group: the
    same answers as pyoxigraph's substitutions for the queries in server/queries/ (each bound
    variable is projected, see Store.run_file). Raises ValueError for a malformed IRI."""
    if not bindings:
        return sparql
    terms = [term(value) for value in bindings.values()]
    if any(isinstance(value, pyoxigraph.BlankNode) for value in terms):
        raise ValueError("a blank node cannot be sent to a remote store")
    values = (f" VALUES ({' '.join('?' + name for name in bindings)}) "
              f"{{ ({' '.join(str(value) for value in terms)}) }} ")
    position = _where_group_start(sparql)
    return sparql[:position] + values + sparql[position:]


def _where_group_start(sparql: str) -> int:
    depth, form, skipped_template = 0, None, False
    for token in tokens(sparql):
        kind = token.lastgroup
        if kind == "word" and depth == 0 and form is None and token.group().upper() in {
                "SELECT", "CONSTRUCT", "ASK", "DESCRIBE"}:
            form = token.group().upper()
        elif kind == "word" and depth == 0 and token.group().upper() == "WHERE":
            if form == "CONSTRUCT" and not skipped_template:
                raise ValueError("CONSTRUCT WHERE { … } takes only triple patterns: write the template out to bind")
            skipped_template = True  # the next group at depth 0 is the WHERE group
        elif kind == "open":
            if depth == 0 and form is not None:
                if form != "CONSTRUCT" or skipped_template:
                    return token.end()
                skipped_template = True  # CONSTRUCT's template
            depth += 1
        elif kind == "close":
            depth -= 1
    raise ValueError("no WHERE group in the query")


def replace_graph_update(graph: str, triples: Iterable[pyoxigraph.Triple]) -> str:
    """One SPARQL Update (one transaction) making `graph` hold exactly `triples`."""
    name = pyoxigraph.NamedNode(graph)  # raises ValueError for a malformed IRI
    # N-Triples is valid INSERT DATA syntax, escapes included.
    data = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES).decode()
    return f"DROP SILENT GRAPH {name} ; INSERT DATA {{ GRAPH {name} {{ {data} }} }}"


def with_values(name: str, rows: list[tuple[str, ...]]) -> str:
    """`server/queries/<name>.rq` with each of its empty `VALUES (?a ?b) { }` blocks holding `rows` of IRIs."""
    text = QueryFiles()[name]
    if not EMPTY_VALUES.search(text):
        raise ValueError(f"{name}.rq has no empty VALUES block to fill")
    data = " ".join("(" + " ".join(str(pyoxigraph.NamedNode(iri)) for iri in row) + ")" for row in rows)
    return EMPTY_VALUES.sub(lambda block: f"VALUES ({block[1]}) {{ {data} }}", text)
