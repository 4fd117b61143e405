"""Values written for people: a date as "14 June 2018" / "14 juin 2018" / "2018年6月14日" at the precision its
datatype states, a duration as "10 years", a number as "1,200" / "1 200", a language IRI as "French".

Everything comes from CLDR through Babel (no month names or plural rules written here). Each function takes
the RDF lexical form and returns a `Written`: the words, and the lexical form itself for the page to keep
(`<time datetime>` or `<data value>`), so nothing is lost. None means "not a value this module writes":
the page then shows the lexical form with its datatype, as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent
from babel.units import format_unit

from server.namespaces import XSD

# The CLDR locale each page language is written in: English pages write "14 June 2018" (en_GB), not
# "June 14, 2018" (en_US), the order the site's French and Chinese readers also expect.
CLDR_LOCALES = {"en": "en_GB"}
DAY, MONTH, YEAR, INSTANT = "day", "month", "year", "instant"  # a date's stated precision

TIMEZONE = r"(?:Z|[+-]\d{2}:\d{2})?"
DATE = re.compile(rf"(\d{{4}})-(\d{{2}})-(\d{{2}}){TIMEZONE}")
YEAR_MONTH = re.compile(rf"(\d{{4}})-(\d{{2}}){TIMEZONE}")
YEAR_ONLY = re.compile(rf"(\d{{4}}){TIMEZONE}")
DURATION = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?")
DURATION_UNITS = ("duration-year", "duration-month", "duration-week", "duration-day",
                  "duration-hour", "duration-minute", "duration-second")
NUMBER_TYPES = frozenset(XSD + name for name in (
    "integer", "decimal", "double", "float", "int", "long", "short", "byte", "nonNegativeInteger",
    "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong",
    "unsignedShort", "unsignedByte"))
# Where language codes live as IRIs (dcterms:language values): the Library of Congress and Lexvo.
LANGUAGE_IRI = re.compile(r"https?://(?:id\.loc\.gov/vocabulary/iso639-[12]|lexvo\.org/id/iso639-[13])/([a-z]{2,3})")


@dataclass(frozen=True)
class Written:
    text: str  # the words
    machine: str  # the lexical form, kept on the page
    element: str  # "time" (a date: `datetime`) or "data" (anything else: `value`)
    precision: str | None = None  # a date's: DAY, MONTH, YEAR or INSTANT


@lru_cache(maxsize=8)
def cldr_locale(language: str) -> Locale:
    """The CLDR locale a page language is written in (English if Babel knows nothing of it)."""
    try:
        return Locale.parse(CLDR_LOCALES.get(language, language).replace("-", "_"))
    except (ValueError, LookupError):
        return Locale.parse(CLDR_LOCALES["en"])


def literal(lexical: str, datatype: str | None, language: str, words: dict | None = None) -> Written | None:
    """A typed literal written for a reader of `language`; None when its datatype is not one written
    for people (or its lexical form is not valid for it). `words` (the page's) write booleans."""
    if datatype in (XSD + "date", XSD + "gYearMonth", XSD + "gYear", XSD + "dateTime"):
        return a_date(lexical, datatype, language)
    if datatype == XSD + "duration":
        return duration(lexical, language)
    if datatype in NUMBER_TYPES:
        return number(lexical, language)
    if datatype == XSD + "boolean" and words and lexical.strip() in ("true", "false", "1", "0"):
        truth = lexical.strip() in ("true", "1")
        return Written(words["value_true" if truth else "value_false"], lexical, "data")
    return None


def a_date(lexical: str, datatype: str, language: str) -> Written | None:
    """xsd:date "2018-06-14" as "14 June 2018", xsd:gYearMonth "2019-06" as "June 2019", xsd:gYear "2019"
    as "2019": never more precise than the data."""
    locale, text = cldr_locale(language), lexical.strip()
    try:
        if datatype == XSD + "date" and (match := DATE.fullmatch(text)):
            day = date(*map(int, match.groups()))
            return Written(format_date(day, "long", locale=locale), text, "time", DAY)
        if datatype == XSD + "gYearMonth" and (match := YEAR_MONTH.fullmatch(text)):
            month = datetime(int(match[1]), int(match[2]), 1)
            return Written(format_skeleton("yMMMM", month, locale=locale), text, "time", MONTH)
        if datatype == XSD + "gYear" and (match := YEAR_ONLY.fullmatch(text)):
            return Written(format_skeleton("y", datetime(int(match[1]), 1, 1), locale=locale), text, "time", YEAR)
        if datatype == XSD + "dateTime":
            instant = datetime.fromisoformat(text)
            return Written(format_datetime(instant, "long" if instant.tzinfo else "medium", locale=locale),
                           text, "time", INSTANT)
    except ValueError:  # a month 13, a 30 February: shown as stated
        return None
    return None


def duration(lexical: str, language: str) -> Written | None:
    """xsd:duration "P10Y" as "10 years" / "10 ans" / "10年"; "P1Y6M" as "1 year, 6 months"."""
    text = lexical.strip()
    match = DURATION.fullmatch(text)
    if not match or text in ("P", "PT") or text.endswith("T"):
        return None
    locale = cldr_locale(language)
    parts = [format_unit(Decimal(amount), unit, length="long", locale=locale)
             for amount, unit in zip(match.groups(), DURATION_UNITS, strict=True) if amount is not None]
    return Written(format_list(parts, style="unit", locale=locale), text, "data")


def number(lexical: str, language: str, *, percent: bool = False) -> Written | None:
    """"1200" as "1,200" / "1 200"; `percent`: "1.5" as "1.5%" / "1,5 %"."""
    try:
        amount = Decimal(lexical.strip())
    except InvalidOperation:
        return None
    if not amount.is_finite():
        return None
    locale = cldr_locale(language)
    if percent:
        return Written(format_percent(amount / 100, locale=locale, decimal_quantization=False), lexical, "data")
    return Written(format_decimal(amount, locale=locale, decimal_quantization=False), lexical, "data")


def language_name(iri: str, language: str) -> str | None:
    """`http://id.loc.gov/vocabulary/iso639-1/fr` as "French" / "français" / "法语"; None for any other IRI."""
    match = LANGUAGE_IRI.fullmatch(iri)
    if not match:
        return None
    code = match[1]
    try:
        code = Locale.parse(code).language  # a three-letter code Babel knows as a two-letter one
    except (ValueError, LookupError):
        pass
    return cldr_locale(language).languages.get(code)


def join(items: list[str], language: str) -> str:
    """"A, B and C" / "A, B et C" / "A、B和C"."""
    return format_list(items, locale=cldr_locale(language)) if items else ""


def primary(language: str | None) -> str:
    """"zh" for "zh-Hans", "en" for "en-GB": what decides whether a text is in the page's language."""
    return (language or "").split("-")[0].lower()
