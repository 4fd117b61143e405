"""Choosing a representation: media type from ``Accept``, language from ``Accept-Language``.

Parsing is Werkzeug's (RFC 9110 q-values and wildcards), never regular expressions of our own.
This module only decides; building the bytes is ``representations``'s job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from pyoxigraph import QueryResultsFormat, RdfFormat
from werkzeug.datastructures import LanguageAccept, MIMEAccept


@dataclass(frozen=True)
class Format:
    """One representation an RDF resource, or a SPARQL query's results, can be given in."""

    name: str
    extension: str
    media_type: str
    # pyoxigraph's writer for this format, or None where another writer is used (HTML, compacted JSON-LD).
    rdf_format: RdfFormat | None = None
    # Other media types clients use for the same format.
    aliases: tuple[str, ...] = ()
    # pyoxigraph's writer for SPARQL SELECT/ASK results in this format, None for RDF formats.
    results_format: QueryResultsFormat | None = None

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)


HTML = Format("HTML", "html", "text/html")
TURTLE = Format("Turtle", "ttl", "text/turtle", RdfFormat.TURTLE)
# Plain-JSON clients get JSON-LD: it is JSON, and compacted it reads as such.
JSON_LD = Format("JSON-LD", "jsonld", "application/ld+json", aliases=("application/json",))
RDF_XML = Format("RDF/XML", "rdf", "application/rdf+xml", RdfFormat.RDF_XML)
N_TRIPLES = Format("N-Triples", "nt", "application/n-triples", RdfFormat.N_TRIPLES)

# Order matters: with equal preference (``*/*``, or no Accept at all) the first one wins,
# so a browser or a bare curl gets the page and RDF clients say what they want.
DOCUMENT_FORMATS: tuple[Format, ...] = (HTML, TURTLE, JSON_LD, RDF_XML, N_TRIPLES)
RDF_FORMATS: tuple[Format, ...] = (TURTLE, JSON_LD, RDF_XML, N_TRIPLES)

# SPARQL SELECT/ASK results. JSON first: the default when a client states no preference.
SPARQL_JSON = Format("JSON", "srj", "application/sparql-results+json",
                     aliases=("application/json",), results_format=QueryResultsFormat.JSON)
SPARQL_XML = Format("XML", "srx", "application/sparql-results+xml",
                    aliases=("application/xml", "text/xml"), results_format=QueryResultsFormat.XML)
SPARQL_CSV = Format("CSV", "csv", "text/csv", results_format=QueryResultsFormat.CSV)
SPARQL_TSV = Format("TSV", "tsv", "text/tab-separated-values", results_format=QueryResultsFormat.TSV)
RESULTS_FORMATS: tuple[Format, ...] = (SPARQL_JSON, SPARQL_XML, SPARQL_CSV, SPARQL_TSV)

LANGUAGES: tuple[str, ...] = ("en", "fr", "zh")
DEFAULT_LANGUAGE = "en"


def choose_format(accept: MIMEAccept, offered: Sequence[Format] = DOCUMENT_FORMATS) -> Format | None:
    """The offered format the client prefers, or None when nothing acceptable is offered (a 406).

    A request with no ``Accept`` header accepts anything, so it gets the first offered format.
    """
    if not accept:
        return offered[0]
    by_media_type = {media_type: fmt for fmt in offered for media_type in fmt.media_types}
    # Parameters other than q (`text/turtle; charset=utf-8`) would make Werkzeug match nothing;
    # every format here is UTF-8, so the media type alone decides.
    accept = MIMEAccept([(value.split(";")[0].strip(), quality) for value, quality in accept])
    best = accept.best_match(list(by_media_type))
    return by_media_type.get(best) if best else None


def format_for_extension(extension: str, offered: Iterable[Format] = DOCUMENT_FORMATS) -> Format | None:
    return next((fmt for fmt in offered if fmt.extension == extension), None)


def format_named(name: str, offered: Iterable[Format]) -> Format | None:
    """A format from a ``format=`` override: its extension, name, media type, media subtype or
    structured-syntax suffix, case-insensitively. So ``rdf+xml`` and ``turtle`` (what SPARQLWrapper
    sends) work, and ``xml`` or ``json`` mean RDF/XML or JSON-LD where only RDF formats are offered."""
    wanted = name.strip().lower()
    offered = list(offered)
    exact = next((fmt for fmt in offered if wanted in (fmt.extension, fmt.name.lower(), *fmt.media_types)), None)
    return exact or next((fmt for fmt in offered if wanted in _subtype_names(fmt)), None)


def _subtype_names(fmt: Format) -> set[str]:
    """``application/rdf+xml`` -> {"rdf+xml", "xml"}."""
    subtypes = {media_type.split("/", 1)[1] for media_type in fmt.media_types}
    return subtypes | {subtype.rsplit("+", 1)[1] for subtype in subtypes if "+" in subtype}


def choose_language(
    accept_languages: LanguageAccept,
    override: str | None = None,
    supported: Sequence[str] = LANGUAGES,
    default: str = DEFAULT_LANGUAGE,
) -> str:
    """The language to label things in: ``?lang=`` first, then ``Accept-Language``, then the default.

    Werkzeug matches ``fr-FR`` to ``fr`` and honours q-values; an unsupported override is ignored
    rather than refused, because a label in another language is still a useful page.
    """
    if override and override.lower() in supported:
        return override.lower()
    return accept_languages.best_match(list(supported), default=default) or default


def available_types(offered: Iterable[Format] = DOCUMENT_FORMATS) -> list[str]:
    """What a 406 lists."""
    return [fmt.media_type for fmt in offered]
