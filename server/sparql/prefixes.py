"""Predeclared prefixes: a query may use `cg:`, `rdfs:`, `foaf:`… without declaring them.

Before a query is parsed (the screen, the check and the engine all read the same text, server/sparql/
check.py), `declare` puts one line in front of it declaring the predeclared prefixes the query uses and
does not declare itself: a prefix the query declares wins, and nothing else of its text changes. The line
is one line, so an error message only has to take one line off to point into the query as the person
wrote it (`Declared.offset`). The service description and the /sparql page list the same prefixes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pyoxigraph

from server.namespaces import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SCHEMA, SKOS, VOID, XSD

# Vocabularies every query may use undeclared, whatever the dataset; the dataset's own prefixes (its
# content files' @prefix lines) come on top, and win where they name the same prefix.
COMMON = {
    "rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD, "skos": SKOS, "dcterms": DCTERMS, "foaf": FOAF,
    "org": "http://www.w3.org/ns/org#", "prov": PROV, "schema": SCHEMA, "void": VOID, "dcat": DCAT,
}

# The characters of SPARQL 1.1's names (grammar, productions 164-172).
_BASE = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
         "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF")
_CHARS = _BASE + r"_\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
PREFIX_NAME = rf"[{_BASE}](?:[{_CHARS}.]*[{_CHARS}])?"
_LOCAL = rf"(?:[{_CHARS}:]|{_PLX})(?:(?:[{_CHARS}.:]|{_PLX})*(?:[{_CHARS}:]|{_PLX}))?"
# SPARQL's tokens, enough to tell a prefixed name from the same letters in a string, a comment or an IRI.
# An unclosed string runs to the end of its line (or of a long string, of the text), and a word takes all
# the characters a prefixed name could: each character is read a bounded number of times, however the
# text is made (a screened query's text is read in the web worker, where no deadline stops it).
_TOKEN = re.compile(rf'''
    (?P<space>\s++)
  | (?P<comment>\#[^\n]*+)
  | (?P<string>"""(?:[^"\\]|\\.?|"(?!""))*+(?:"""|\Z)|\'\'\'(?:[^'\\]|\\.?|'(?!''))*+(?:\'\'\'|\Z)
              |"(?:[^"\\\n]|\\.?)*+"?|'(?:[^'\\\n]|\\.?)*+'?)
  | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*+>)
  | (?P<var>[?$][{_CHARS}]++)
  | (?P<bnode>_:[{_CHARS}.]*+)
  | (?P<lang>@[A-Za-z]++(?:-[A-Za-z0-9]++)*+)
  | (?P<pname>(?:{PREFIX_NAME})?:(?:{_LOCAL})?)
  | (?P<number>[0-9]*+\.?[0-9]++(?:[eE][+-]?[0-9]++)?)
  | (?P<word>[{_BASE}_](?:[{_CHARS}.]*[{_CHARS}])?)
  | (?P<other>.)
''', re.VERBOSE | re.DOTALL)
_PREFIX_NAME = re.compile(PREFIX_NAME)


@dataclass(frozen=True)
class Token:
    kind: str  # the group of _TOKEN that matched: space, comment, string, iri, var, pname, word, ...
    text: str
    start: int


def tokens(text: str) -> Iterator[Token]:
    for match in _TOKEN.finditer(text):
        yield Token(match.lastgroup, match.group(), match.start())


@dataclass(frozen=True)
class Prefixes:
    """What a query text says and uses of prefixes."""

    declared: dict[str, str]  # name -> the IRI as written (perhaps relative)
    used: dict[str, int]  # name -> where the query first uses it


def read_prefixes(text: str) -> Prefixes:
    declared: dict[str, str] = {}
    used: dict[str, int] = {}
    significant = [token for token in tokens(text) if token.kind not in ("space", "comment")]
    for index, token in enumerate(significant):
        if token.kind != "pname":
            continue
        name = token.text.partition(":")[0]
        after_prefix = index > 0 and significant[index - 1].kind == "word" and significant[index - 1].text.upper() == "PREFIX"
        if after_prefix and token.text.endswith(":"):
            following = significant[index + 1] if index + 1 < len(significant) else None
            declared.setdefault(name, following.text[1:-1] if following and following.kind == "iri" else "")
        else:
            used.setdefault(name, token.start)
    return Prefixes(declared, used)


def predeclared(dataset_prefixes: Mapping[str, str]) -> dict[str, str]:
    """The prefixes a query may use undeclared: COMMON and the dataset's, sorted by name."""
    merged = {**COMMON, **{name: iri for name, iri in dataset_prefixes.items() if _is_prefix(name)}}
    return dict(sorted(merged.items()))


@dataclass(frozen=True)
class Declared:
    text: str  # what the parsers and the engine read
    offset: int  # characters put in front of the query's own text (0, or the one line of declarations)
    added: tuple[str, ...] = ()  # the prefixes declared for the query

    def position(self, index: int) -> tuple[int, int]:
        """(line, column), both from 1, in the query's own text, of a character index into `text`."""
        own = self.text[self.offset:]
        index = min(max(index - self.offset, 0), len(own))
        line = own.count("\n", 0, index) + 1
        return line, index - (own.rfind("\n", 0, index) + 1) + 1


def declare(text: str, prefixes: Mapping[str, str]) -> Declared:
    """`text` with a first line declaring the prefixes of `prefixes` it uses without declaring them."""
    found = read_prefixes(text)
    missing = [name for name in found.used if name not in found.declared and name in prefixes]
    if not missing:
        return Declared(text, 0)
    line = " ".join(f"PREFIX {name}: {pyoxigraph.NamedNode(prefixes[name])}" for name in sorted(missing)) + "\n"
    return Declared(line + text, len(line), tuple(sorted(missing)))


def _is_prefix(name: str) -> bool:
    return name == "" or _PREFIX_NAME.fullmatch(name) is not None
