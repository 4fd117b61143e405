"""Sentences built from the patterns of `server/locales/*.json`, with values in them.

A pattern is words with placeholders, `{parties}`, and optional clauses in square brackets, which may nest:

    "{kind}[ between {parties}][, signed[ {when}][ in {place}][ by {signatories}]]."

A clause is dropped when a placeholder written directly in it has no value; a clause with no placeholder of
its own (`[, signed[…][…]]`) is dropped when every clause inside it is. So a translator writes one pattern per
language, in that language's word order, and the data decides which clauses are said.

A sentence is a tuple of pieces: strings (the site's words, escaped by the template) and values (anything
else: the page's `Value`s, shown with their links and languages).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from babel.lists import format_list

from server.readable import cldr_locale

TOKEN = re.compile(r"\{([a-z_]+)\}|\[|\]|[^\[\]{]+|\{")
MARK = "\x00"  # around a list item's number while Babel joins them


@dataclass(frozen=True)
class Slot:
    name: str


@dataclass(frozen=True)
class Clause:
    parts: tuple  # of str, Slot, Clause


@lru_cache(maxsize=512)
def parse(pattern: str) -> Clause:
    """The pattern's tree; a ValueError for an unbalanced bracket."""
    stack: list[list] = [[]]
    for match in TOKEN.finditer(pattern):
        token = match.group(0)
        if match.group(1):
            stack[-1].append(Slot(match.group(1)))
        elif token == "[":
            stack.append([])
        elif token == "]":
            if len(stack) == 1:
                raise ValueError(f"an unopened ']' in {pattern!r}")
            parts = stack.pop()
            stack[-1].append(Clause(tuple(parts)))
        else:
            stack[-1].append(token)
    if len(stack) != 1:
        raise ValueError(f"an unclosed '[' in {pattern!r}")
    return Clause(tuple(stack[0]))


def placeholders(pattern: str) -> frozenset[str]:
    """Every placeholder a pattern names, at any depth."""
    def walk(clause: Clause):
        for part in clause.parts:
            if isinstance(part, Slot):
                yield part.name
            elif isinstance(part, Clause):
                yield from walk(part)
    return frozenset(walk(parse(pattern)))


def fill(pattern: str, slots: Mapping[str, object]) -> tuple:
    """The sentence `pattern` says with `slots` (a piece, or a sequence of pieces, per placeholder; None or
    empty for none), its clauses without values dropped; adjacent words merged."""
    said = render(parse(pattern), slots, top=True)
    return merged(said or [])


def render(clause: Clause, slots: Mapping[str, object], *, top: bool = False) -> list | None:
    out: list = []
    nested = kept = 0
    for part in clause.parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, Slot):
            pieces = as_pieces(slots.get(part.name))
            if not pieces and not top:
                return None
            out += pieces
        else:
            nested += 1
            inner = render(part, slots)
            if inner is not None:
                kept += 1
                out += inner
    has_slots = any(isinstance(part, Slot) for part in clause.parts)
    if not top and not has_slots and nested and not kept:
        return None
    return out


def as_pieces(value) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, str) or not isinstance(value, Sequence):
        return [value]
    return [piece for piece in value if piece is not None and piece != ""]


def merged(pieces: Sequence) -> tuple:
    out: list = []
    for piece in pieces:
        if isinstance(piece, str) and out and isinstance(out[-1], str):
            out[-1] += piece
        else:
            out.append(piece)
    return tuple(out)


def joined(items: Sequence[Sequence | object], language: str, separator: str | None = None) -> tuple:
    """Items (each a piece or a sequence of pieces) as one list in the language's way: "A, B and C",
    "A, B et C", "A、B和C"; or joined by `separator` (for items that hold commas themselves)."""
    items = [as_pieces(item) for item in items]
    items = [item for item in items if item]
    if not items:
        return ()
    if separator is not None:
        out: list = []
        for number, item in enumerate(items):
            out += ([separator] if number else []) + item
        return merged(out)
    pattern = format_list([f"{MARK}{number}{MARK}" for number in range(len(items))], locale=cldr_locale(language))
    out = []
    for number, text in enumerate(pattern.split(MARK)):
        if number % 2:
            out += items[int(text)]
        elif text:
            out.append(text)
    return merged(out)


def plain(pieces: Sequence) -> str:
    """The sentence as text alone (for a title or a link's words)."""
    return "".join(piece if isinstance(piece, str) else getattr(piece, "text", str(piece)) for piece in pieces)


def capitalised(pieces: tuple) -> tuple:
    """The sentence with its first letter a capital, when it starts with the site's words."""
    if pieces and isinstance(pieces[0], str) and pieces[0]:
        return (pieces[0][0].upper() + pieces[0][1:], *pieces[1:])
    return pieces
