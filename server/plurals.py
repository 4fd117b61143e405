"""How many instances a class has, in words: "9 agreements", "1 agreement", "9 accords", "协议：9".

The plural is the ontology's `cg:pluralLabel` of the class (`{base}def#pluralLabel`, values in
ontology/plural-labels.ttl), in the language of the name the page shows, so another dataset names its own;
whether a count takes the singular or the plural is CLDR's rule for that language (Babel): 0 is plural in
English, singular in French. The order of number and noun is the page's words (`class_count` in
server/locales/*.json). A language whose nouns do not change (Chinese) needs no plural; a class with none in
the name's language is counted as "agreement: 9" (`class_count_no_plural`), never as "9 agreement".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError

from server.indexes import ClassEntry, cached
from server.names import Name
from server.state import AppState
from server.ui_text import UI_TEXT


@dataclass(frozen=True)
class CountPhrase:
    """The words around the number: `before`, the number (the page shows it, formatted), `after`."""

    before: str
    after: str
    noun: Name  # its language is the phrase's (`lang_of` marks one that is not the page's)


def plural_labels(state: AppState) -> dict[str, tuple[tuple[str, str | None], ...]]:
    """Each class's plural names, as (text, language tag or None)."""
    def build():
        found: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
        for row in state.dataset.store.run_file("plural-labels"):
            found[row["class"].value].append((row["plural"].value, row["plural"].language or None))
        return {iri: tuple(sorted(plurals)) for iri, plurals in found.items()}
    return cached(state, ("plural-labels",), build)


def primary(language: str | None) -> str | None:
    return language.lower().split("-")[0] if language else None


def is_one(count: int, language: str) -> bool:
    """CLDR's plural category "one" for `count` in `language` (1 in English; 0 and 1 in French; never in Chinese)."""
    try:
        return Locale.parse(language).plural_form(count) == "one"
    except (UnknownLocaleError, ValueError):
        return count == 1


def count_phrase(count: int, noun: Name, plurals: Iterable[tuple[str, str | None]], page_language: str) -> CountPhrase:
    """`noun` is the class's name as the page shows it; the phrase is in that name's language when the site
    has words in it (an English name on a Chinese page reads "9 agreements"), else in the page's."""
    language = primary(getattr(noun, "language", None))
    words = language if language in UI_TEXT else page_language
    if is_one(count, words):
        pattern, word = UI_TEXT[words]["class_count"], noun
    else:
        plural = next((text for text, tag in plurals if primary(tag) == language), None)
        pattern, word = ((UI_TEXT[words]["class_count"], Name(plural, getattr(noun, "language", None))) if plural
                         else (UI_TEXT[words]["class_count_no_plural"], noun))
    before, _, after = pattern.partition("{count}")
    return CountPhrase(before.replace("{noun}", word), after.replace("{noun}", word), word)


def class_count_phrases(state: AppState, entries: Iterable[ClassEntry], page_language: str) -> dict[str, CountPhrase]:
    """The phrase of each entry's count, by class IRI."""
    plurals = plural_labels(state)
    return {entry.iri: count_phrase(entry.count, entry.title, plurals.get(entry.iri, ()), page_language)
            for entry in entries}
