"""The one registry of formats: everything the server writes RDF, results or pages in.

Each `Format` says its media types, extension, writer, W3C format IRI, whether it is worth gzipping,
and where it is offered (`uses`): negotiated documents, the results of each SPARQL query form, dumps.
Everything else is derived from FORMATS: content negotiation and `format=` everywhere, the 406
messages, the service description's result formats, the dumps' media types and names, and which
responses are compressed. Adding a format is one entry here (and its tests).

Negotiation reads Werkzeug's parsed headers (RFC 9110 q-values and wildcards); this module only
decides, server/http.py answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pyoxigraph import QueryResultsFormat, RdfFormat, Triple, serialize
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from server.jsonld import compact_jsonld
from server.namespaces import FORMATS as W3C_FORMATS

# Where a format is offered.
DOCUMENT = "document"  # negotiated documents: entities, the vocabulary, the dataset, the service description
SELECT, ASK, CONSTRUCT, DESCRIBE = "SELECT", "ASK", "CONSTRUCT", "DESCRIBE"  # results of each query form
DUMP = "dump"  # files of /dumps/
SOURCE_TEXT = "source text"  # /sources/<slug>: a source document's text
SEARCH_RESULTS = "search results"  # /search: the hits of a search, as plain JSON
QUERY_FORMS = (SELECT, ASK, CONSTRUCT, DESCRIBE)


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    media_type: str
    uses: frozenset[str]
    aliases: tuple[str, ...] = ()  # other media types clients use for the same format
    w3c: str | None = None  # its name under http://www.w3.org/ns/formats/
    rdf_format: RdfFormat | None = None  # pyoxigraph's writer of RDF in this format
    results_format: QueryResultsFormat | None = None  # pyoxigraph's writer of SELECT/ASK results
    # (marker, extra): pyoxigraph's writing of n solutions in this format has n <= count(marker) + extra, so
    # counting it bounds the rows from above while the bytes stream (exactly for TSV and XML).
    row_marker: tuple[bytes, int] | None = None
    compacted: bool = False  # documents are compacted JSON-LD (rdflib), with the dataset's context inlined
    compresses: bool = True  # worth gzipping on the wire

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)

    @property
    def format_iri(self) -> str | None:
        return W3C_FORMATS + self.w3c if self.w3c else None

    @property
    def content_type(self) -> str:
        """The Content-Type header: text types say their charset (every format here is UTF-8)."""
        return self.media_type + ("; charset=utf-8" if self.media_type.startswith("text/") else "")

    def write(self, triples: Iterable[Triple], *, prefixes: Mapping[str, str], context: Mapping | None = None) -> bytes:
        """The triples as a document in this format: prefixes for Turtle and RDF/XML, JSON-LD compacted
        with `context` (a JSON-LD context object; the prefixes alone when None)."""
        if self.compacted:
            return compact_jsonld(triples, context or {"@context": dict(prefixes)})
        if self.rdf_format is None:
            raise ValueError(f"{self.name} is not an RDF serialisation")
        return serialize(triples, format=self.rdf_format, prefixes=dict(prefixes))


_DOCUMENTS_AND_GRAPHS = frozenset({DOCUMENT, CONSTRUCT, DESCRIBE})

HTML = Format("HTML", "html", "text/html", frozenset({DOCUMENT}))
TURTLE = Format("Turtle", "ttl", "text/turtle", _DOCUMENTS_AND_GRAPHS | {DUMP}, w3c="Turtle",
                rdf_format=RdfFormat.TURTLE)
# Plain-JSON clients get JSON-LD: it is JSON, and compacted it reads as such. Dumps are expanded
# (pyoxigraph writes them as fast as the other formats; the published context compacts them).
JSON_LD = Format("JSON-LD", "jsonld", "application/ld+json", _DOCUMENTS_AND_GRAPHS | {DUMP},
                 aliases=("application/json",), w3c="JSON-LD", rdf_format=RdfFormat.JSON_LD, compacted=True)
RDF_XML = Format("RDF/XML", "rdf", "application/rdf+xml", _DOCUMENTS_AND_GRAPHS | {DUMP}, w3c="RDF_XML",
                 rdf_format=RdfFormat.RDF_XML)
N_TRIPLES = Format("N-Triples", "nt", "application/n-triples", _DOCUMENTS_AND_GRAPHS | {DUMP}, w3c="N-Triples",
                   rdf_format=RdfFormat.N_TRIPLES)
TRIG = Format("TriG", "trig", "application/trig", frozenset({DUMP}), w3c="TriG", rdf_format=RdfFormat.TRIG)
N_QUADS = Format("N-Quads", "nq", "application/n-quads", frozenset({DUMP}), w3c="N-Quads",
                 rdf_format=RdfFormat.N_QUADS)
# SPARQL SELECT/ASK results. JSON first: the default when a client states no preference.
# ASK has no rows: CSV and TSV are defined for SELECT only.
SPARQL_JSON = Format("JSON", "srj", "application/sparql-results+json", frozenset({SELECT, ASK}),
                     aliases=("application/json",), w3c="SPARQL_Results_JSON", results_format=QueryResultsFormat.JSON,
                     row_marker=(b"},{", 1))  # between solutions; a literal's "},{" only raises the bound
SPARQL_XML = Format("XML", "srx", "application/sparql-results+xml", frozenset({SELECT, ASK}),
                    aliases=("application/xml", "text/xml"), w3c="SPARQL_Results_XML",
                    results_format=QueryResultsFormat.XML, row_marker=(b"<result>", 0))
SPARQL_CSV = Format("CSV", "csv", "text/csv", frozenset({SELECT}), w3c="SPARQL_Results_CSV",
                    results_format=QueryResultsFormat.CSV, row_marker=(b"\n", -1))  # quoted newlines raise it
SPARQL_TSV = Format("TSV", "tsv", "text/tab-separated-values", frozenset({SELECT}), w3c="SPARQL_Results_TSV",
                    results_format=QueryResultsFormat.TSV, row_marker=(b"\n", -1))  # a header line, then a line each

TEXT = Format("Plain text", "txt", "text/plain", frozenset({SOURCE_TEXT}))
# Plain JSON, not JSON-LD nor SPARQL results: search hits (/search; /suggest and /reconcile write it too).
JSON = Format("JSON", "json", "application/json", frozenset({SEARCH_RESULTS}))

# Order matters: with equal preference (`*/*`, or no Accept at all) the first offered wins, so a
# browser or a bare curl gets the page and RDF clients say what they want.
FORMATS: tuple[Format, ...] = (HTML, TURTLE, JSON_LD, RDF_XML, N_TRIPLES, TRIG, N_QUADS,
                               SPARQL_JSON, SPARQL_XML, SPARQL_CSV, SPARQL_TSV, TEXT, JSON)

# What the pages themselves use besides the formats above, also worth gzipping.
ASSET_MEDIA_TYPES = ("text/css", "text/plain", "text/javascript", "application/javascript", "application/json",
                     "image/svg+xml")


def offered(use: str) -> tuple[Format, ...]:
    """The formats offered for `use` (DOCUMENT, a query form, DUMP), in the registry's order."""
    return tuple(fmt for fmt in FORMATS if use in fmt.uses)


def preferring(first: Format, formats: Sequence[Format]) -> tuple[Format, ...]:
    """`formats` with `first` first: what a client stating no preference gets."""
    return (first, *(fmt for fmt in formats if fmt is not first))


DOCUMENT_FORMATS = offered(DOCUMENT)
RDF_FORMATS = offered(CONSTRUCT)
RESULTS_FORMATS = offered(SELECT)
COMPRESSED_MEDIA_TYPES = tuple(dict.fromkeys(
    [*(media_type for fmt in FORMATS if fmt.compresses for media_type in fmt.media_types), *ASSET_MEDIA_TYPES]))


def choose_format(accept: str, offered_formats: Sequence[Format]) -> Format | None:
    """The offered format an `Accept` header prefers, or None when nothing acceptable is offered (a 406).
    A request with no `Accept` header accepts anything, so it gets the first offered format."""
    accept = accept.strip()
    if not accept:
        return offered_formats[0]
    by_media_type = {media_type: fmt for fmt in offered_formats for media_type in fmt.media_types}
    if "," not in accept and ";" not in accept:  # one media type, as programs send: no parsing needed
        wanted = accept.lower()
        if wanted in by_media_type or "*" not in wanted:
            return by_media_type.get(wanted)
    # Parameters other than q (`text/turtle; charset=utf-8`) would make Werkzeug match nothing;
    # every format here is UTF-8, so the media type alone decides.
    parsed = MIMEAccept([(value.split(";")[0].strip(), quality) for value, quality in
                         parse_accept_header(accept, MIMEAccept)])
    best = parsed.best_match(list(by_media_type))
    return by_media_type.get(best) if best else None


def format_for_extension(extension: str, offered_formats: Iterable[Format] = DOCUMENT_FORMATS) -> Format | None:
    return next((fmt for fmt in offered_formats if fmt.extension == extension), None)


def format_named(name: str, offered_formats: Iterable[Format]) -> Format | None:
    """A format from a `format=` parameter: its extension, name, media type, media subtype or
    structured-syntax suffix, case-insensitively. So `rdf+xml` and `turtle` (what SPARQLWrapper
    sends) work, and `xml` or `json` mean RDF/XML or JSON-LD where only RDF formats are offered."""
    wanted = name.strip().lower()
    offered_formats = list(offered_formats)
    exact = next((fmt for fmt in offered_formats
                  if wanted in (fmt.extension, fmt.name.lower(), *fmt.media_types)), None)
    return exact or next((fmt for fmt in offered_formats if wanted in _subtype_names(fmt)), None)


def _subtype_names(fmt: Format) -> set[str]:
    """`application/rdf+xml` -> {"rdf+xml", "xml"}."""
    subtypes = {media_type.split("/", 1)[1] for media_type in fmt.media_types}
    return subtypes | {subtype.rsplit("+", 1)[1] for subtype in subtypes if "+" in subtype}


def not_offered(asked: str, offered_formats: Sequence[Format], what: str = "here") -> str:
    """The 406 message, the same wherever a format is refused."""
    return (f"{asked} is not offered {what}; offered: "
            f"{', '.join(fmt.media_type for fmt in offered_formats)} "
            f"(format={', '.join(fmt.extension for fmt in offered_formats)}).")


def prefixes_used(triples: Iterable[Triple], prefixes: Mapping[str, str]) -> dict[str, str]:
    """The prefixes some IRI of the triples starts with (datatypes included), so a short document
    does not open with every prefix of the dataset."""
    iris = set()
    for triple in triples:
        for part in triple:
            iris.add(getattr(part, "value", ""))
            datatype = getattr(part, "datatype", None)
            if datatype is not None:
                iris.add(datatype.value)
    return {name: namespace for name, namespace in prefixes.items() if any(iri.startswith(namespace) for iri in iris)}
