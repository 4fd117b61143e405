"""SPARQL syntax errors in words: the line and column in the query as its author wrote it, what is
there, and what could have been there.

pyoxigraph's parser names the place where it gave up and everything it would have accepted there,
character ranges included. That place is often past the mistake: it reads a keyword by taking as many
characters as the keyword has, whatever they are, so "ORDER BY DESC ?o" fails seven characters on,
where no keyword of seven letters fits. So the place is found by asking the same parser about the
query's beginnings instead: the mistake is where the longest beginning that could still be finished
into a query ends (each beginning is followed by spaces, which end any token but never a query). What
could follow there comes from two more kinds of question: the beginning followed by spaces (the
punctuation and terms expected: they fail at the end), and followed by n unreadable characters (the
keywords of n letters, which read exactly those). It all runs in the query worker, on an empty store,
only for a query that does not parse: a few dozen parses of at most the query's length.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

import pyoxigraph

from server.sparql.prefixes import Declared, read_prefixes, tokens

PAD = 40  # spaces after a beginning: more than any keyword's letters, so no keyword reads to the end
LONGEST_KEYWORD = 14  # ENCODE_FOR_URI
_MESSAGE = re.compile(r"error at (\d+):(\d+): expected (?:one of )?(.*)", re.DOTALL)
_ITEM = re.compile(r'''"(?:[^"\\]|\\.)*"|\[(?:'(?:[^'\\]|\\.)*'|[^\]'])*\]|[^,]+''')
_KEYWORD = re.compile(r"[A-Za-z_]+")
_BEYOND_11 = re.compile(r"<<|\{\|")

# What the parser's expectations are, in words; punctuation is quoted as it is. Anything else (RDF 1.2's
# << and {|, a string's escapes, path operators) is left out: a person mistyping SPARQL 1.1 needs none of it.
TERMS = {
    '"?"': "a variable", '"$"': "a variable", '"<"': "an IRI", '":"': "a prefixed name",
    '"\\""': "a string", "\"'\"": "a string", '"\\"\\"\\""': "a string", "\"'''\"": "a string",
    "['0'..='9']": "a number", '"true"': "true or false", '"false"': "true or false",
    '"_:"': "a blank node", '"["': "a blank node",
}
PUNCTUATION = ("{", "}", "(", ")", ".", ";", ",", "*")
OPERATORS = ("=", "!=", "<", ">", "<=", ">=", "&&", "||", "+", "-", "*", "/")
LEFT_OUT = ("VERSION", "LATERAL")  # SPARQL 1.2's and oxigraph's own, which the check refuses anyway
# Keywords people write, before the names of functions (which an expression may start with: dozens).
STRUCTURAL = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK", "PREFIX", "BASE", "WHERE", "FROM", "NAMED", "BY", "AS",
              "DISTINCT", "REDUCED", "FILTER", "OPTIONAL", "UNION", "MINUS", "BIND", "VALUES", "GRAPH",
              "SERVICE", "GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "ASC", "DESC", "NOT", "IN", "EXISTS",
              "UNDEF", "a")


def explain(declared: Declared) -> str | None:
    """Why the engine's parser refuses `declared.text`, in words; None when it reads it."""
    engine = pyoxigraph.Store()  # empty: a beginning that happens to be a whole query costs nothing to run
    defused = Declared(_defused(declared.text), declared.offset)  # and none can send a request
    first = _error(engine, defused.text)
    if first is None:
        return None
    place, items = first
    words = [item for item in items if " " in item and item[0] not in "[\""]  # a rule's own ("… is unbound")
    if words and "Prefix not found" not in words and "IRI parsing failed" not in words:
        return _at(declared, place, words[0].rstrip("."))
    reach = _reach(engine, defused)
    if "IRI parsing failed" in words:
        return _bad_iri(declared, reach)
    undeclared = _undeclared(declared, reach)
    if undeclared:
        return undeclared
    expected = _expected(engine, defused.text[:reach])
    found = _token_at(declared.text, reach)
    if found is None:
        return _unclosed_string(declared) or _at(declared, reach,
                                                 f"the query ends too early; expected {_listed(expected)}")
    text = f"unexpected {_quoted(found)}"
    hint = _misspelt(found, expected)
    if hint:
        text += f"; did you mean {hint}?"
    return _at(declared, reach, f"{text} Expected here: {_listed(expected)}" if hint else
               f"{text}; expected {_listed(expected)}")


def beyond_sparql_11(declared: Declared, index: int) -> str:
    """The message for a text the engine reads but the SPARQL 1.1 checker (server/sparql/check.py) stops
    reading at `index`."""
    found = _token_at(declared.text, index)
    what = f"unexpected {_quoted(found)}" if found else "the query ends too early"
    line, column = declared.position(index)
    return (f"SPARQL syntax error at line {line}, column {column}: {what}. Queries are checked with a SPARQL 1.1 "
            "parser before they run; syntax beyond SPARQL 1.1 is refused.")


def undeclared_prefix(declared: Declared) -> str | None:
    """The message for the first prefix the query uses without declaring it, if any."""
    return _undeclared(declared, len(declared.text))


# ---------------------------------------------------------------------------------------------
# Asking the parser

# SERVICE, the one construct that makes the engine send a request, and what may follow it. pyoxigraph
# has no parse-only call: a text it reads, it runs. So the parser only ever reads the text with SERVICE
# written otherwise, at the same length: GRAPH, which takes the same shape, where it stands as a word
# (a keyword may be glued to what precedes it: `}SERVICE`), else letters no keyword is made of.
_SERVICE = re.compile(r"(?P<word>(?<![\w?$:])service(?![\w:-])(?:\s+silent(?![\w:-]))?)|service", re.IGNORECASE)


def _defused(text: str) -> str:
    return _SERVICE.sub(lambda match: "GRAPH" + " " * (len(match.group()) - 5) if match["word"] else "xervice", text)



def _error(engine, text: str) -> tuple[int, list[str]] | None:
    """(character index, what the parser expected there) of the parser's error, None if it reads the text."""
    try:
        engine.query(text)
    except SyntaxError as error:
        message = str(error)
    except Exception:  # noqa: BLE001 (read, but refused while running: not a syntax error)
        return None
    else:
        return None
    match = _MESSAGE.match(message)
    if not match:
        return len(text), [message]
    line, column = int(match[1]), int(match[2])
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    index = starts[min(line, len(starts)) - 1] + column - 1
    return min(index, len(text)), [item.strip() for item in _ITEM.findall(match[3]) if item.strip()]


def _continues(engine, beginning: str) -> bool:
    """Whether the parser can read `beginning` as the start of a query (or a whole one)."""
    padded = beginning + " " * PAD
    error = _error(engine, padded)
    return error is None or error[0] >= len(padded)


def _reach(engine, declared: Declared) -> int:
    """Where the longest beginning of the text that could still become a query ends (a token's start)."""
    text = declared.text
    if _continues(engine, text):
        return len(text)
    starts = [declared.offset] + [token.start for token in tokens(text)
                                  if token.start > declared.offset and token.kind != "space"] + [len(text)]
    low, high = 0, len(starts) - 1  # the declarations alone continue; the whole text does not
    while high - low > 1:
        middle = (low + high) // 2
        if _continues(engine, text[:starts[middle]]):
            low = middle
        else:
            high = middle
    return starts[low]


def _expected(engine, beginning: str) -> list[str]:
    """What the parser would accept after `beginning` (which it can continue), as its own item names."""
    expected: list[str] = []
    error = _error(engine, beginning + " " * PAD)
    if error is None:
        expected.append("the end of the query")
    else:
        expected += [item for item in error[1] if item != "[_]"]
    for letters in range(1, LONGEST_KEYWORD + 1):
        # A keyword of n letters tried there reads exactly n characters: n unreadable ones, to the end of
        # the text. A longer one tried before there may end there too: only those of n letters count.
        probe = beginning + " " + "\x01" * letters
        error = _error(engine, probe)
        if error is not None and error[0] == len(probe):
            expected += [item for item in error[1] if _KEYWORD.fullmatch(item) and len(item) == letters]
    return list(dict.fromkeys(expected))


# ---------------------------------------------------------------------------------------------
# Words


def _at(declared: Declared, index: int, what: str) -> str:
    line, column = declared.position(index)
    message = f"SPARQL syntax error at line {line}, column {column}: {what}."
    if _BEYOND_11.search(declared.text):
        message += " (Queries are read as SPARQL 1.1: RDF 1.2's << >> and {| |} are refused.)"
    return message


def _undeclared(declared: Declared, before: int) -> str | None:
    found = read_prefixes(declared.text)
    uses = sorted((position, name) for name, position in found.used.items() if name not in found.declared)
    if not uses or uses[0][0] > before:
        return None
    position, name = uses[0]
    return _at(declared, position, f"prefix {name}: is not declared; add PREFIX {name}: <…> before the query")


def _bad_iri(declared: Declared, reach: int) -> str:
    text = declared.text
    start = text.rfind("<", 0, reach + 1)
    end = text.find(">", start)
    iri = text[start:end + 1] if start >= 0 and end > start else text[start:start + 40]
    return _at(declared, max(start, 0), f"{_quoted(iri)} is not a valid IRI: an IRI has no spaces, and none of "
                                        '< > " { } | ^ ` \\ (write them %-encoded)')


def _unclosed_string(declared: Declared) -> str | None:
    significant = [token for token in tokens(declared.text) if token.kind not in ("space", "comment")]
    last = significant[-1] if significant else None
    if last is None or last.kind != "string":
        return None
    quote = last.text[:3] if last.text[:3] in ('"""', "'''") else last.text[0]
    if len(last.text) >= 2 * len(quote) and last.text.endswith(quote) and not last.text.endswith("\\" + quote):
        return None
    shown = last.text[:20] + ("…" if len(last.text) > 20 else "")
    return _at(declared, last.start, f"the string {_quoted(shown)} is not closed: end it with {quote}")


def _token_at(text: str, index: int) -> str | None:
    for token in tokens(text[index:]):
        if token.kind != "space":
            return token.text if len(token.text) <= 40 else token.text[:40] + "…"
    return None


def _quoted(text: str) -> str:
    return f"“{text}”"


def _listed(items: Iterable[str]) -> str:
    items = list(items)
    # Where "=" may come, so may every operator: there "<" is "less than", not an IRI, and "*" a product.
    operators = '"="' in items
    if operators:
        items = [item for item in items if item.strip('"') not in OPERATORS]
    terms = list(dict.fromkeys(TERMS[item] for item in items if item in TERMS))
    punctuation = [_quoted(mark) for mark in PUNCTUATION if f'"{mark}"' in items]
    if operators:
        punctuation.append("an operator")
    keywords = [item for item in items if _KEYWORD.fullmatch(item) and item not in LEFT_OUT]
    structural = [word for word in STRUCTURAL if word in keywords]
    functions = sorted(word for word in keywords if word not in STRUCTURAL)
    parts = terms + punctuation + structural
    if functions:
        shown = ", ".join(functions[:4]) + (", …" if len(functions) > 4 else "")
        parts.append(f"a function ({shown})" if len(functions) > 1 else functions[0])
    if "the end of the query" in items:
        parts.append("the end of the query")
    if not parts:
        return "something else"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def _misspelt(found: str, expected: list[str]) -> str | None:
    """The expected keyword a word that is none looks like a misspelling of (SELEC, LIMT, FILTRE)."""
    if not _KEYWORD.fullmatch(found):
        return None
    keywords = {item.upper(): item for item in expected if _KEYWORD.fullmatch(item) and len(item) > 1}
    if found.upper() in keywords:
        return None
    close = difflib.get_close_matches(found.upper(), list(keywords), n=1, cutoff=0.7)
    return keywords[close[0]] if close else None
