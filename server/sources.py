"""The source texts the data quotes: which document's text is which file, where each quote is in it,
and the page model of `/sources/{slug}.html`.

* A document `{base}id/document/{slug}` has a text when its `dcterms:identifier` is the plain name
  of a file in the sources folder (`DATA_DIR/sources/`): the file name comes from the data, never
  from the URL, and a name with a slash, a `..`, or one leading (through a link) outside the folder is
  no file at all. `server/queries/source-documents.rq` lists the candidates.
* Quotes are located with their whitespace normalised (`normalise_whitespace`: the texts wrap their
  lines where the quotes do not): the statements `prov:wasDerivedFrom` the document with a `cg:quote`
  (`server/queries/source-text.rq`). Overlapping passages are merged into one mark; each statement is
  anchored once, by the last segment of its IRI, at the start of its first passage.
* Nothing here writes HTML: the template escapes every text (server/templates/source.html).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from server.entity_page import QUOTE, PageBuilder, Property, Value
from server.formats import HTML, TEXT, Format
from server.indexes import cached, term_names
from server.links import Linker
from server.names import Names
from server.namespaces import DCTERMS, RDF
from server.state import AppState

# The texts' own format, offered only here: the file's bytes (they are UTF-8, as data/sources/README.md says).
SOURCE_FORMATS: tuple[Format, ...] = (HTML, TEXT)  # HTML first: a browser, or no preference, gets the page
SOURCES_FOLDER = "sources"  # under DATA_DIR
DOCUMENT_KIND = "document"  # documents are {base}id/document/{slug}
SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_~-]*")
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")  # a plain name: no slash, no leading dot
WHITESPACE = re.compile(r"\s+")
TITLE = DCTERMS + "title"
SUBJECT, PREDICATE, OBJECT = RDF + "subject", RDF + "predicate", RDF + "object"
TEXT_PIECE, LINE_PIECE, OPEN_PIECE, CLOSE_PIECE, ANCHOR_PIECE = "text", "line", "open", "close", "anchor"
# At one offset: a passage ends, then a line starts, then the next passage opens with its anchors.
PIECE_ORDER = {CLOSE_PIECE: 0, LINE_PIECE: 1, OPEN_PIECE: 2, ANCHOR_PIECE: 3}
MAX_NAMED_IN_404 = 20


def normalise_whitespace(text: str) -> str:
    """Every run of whitespace as one space, none at the ends: how a quote is compared with its text."""
    return WHITESPACE.sub(" ", text).strip()


def source_path(slug: str, fmt: Format | None = None) -> str:
    """`/sources/{slug}`, or with the format's extension."""
    return f"/sources/{slug}" + (f".{fmt.extension}" if fmt else "")


def anchor_of(iri: str) -> str | None:
    """A statement's anchor on its text's page: the last segment of its IRI (None for a blank node)."""
    local = re.split(r"[/#]", iri)[-1] if "/" in iri or "#" in iri else ""
    return local or None


# --- which documents have a text ------------------------------------------------------------------


@dataclass(frozen=True)
class SourceFile:
    slug: str
    document: str  # the document's IRI
    name: str  # its dcterms:identifier, the file's name in the sources folder
    path: Path


def plain_file(folder: Path, name: str) -> Path | None:
    """The file `name` of `folder`, if it is a plain name of a regular file inside it (a link
    leading outside the folder is not)."""
    if not FILE_NAME.fullmatch(name):
        return None
    path = folder / name
    try:
        resolved = path.resolve(strict=True)
        inside = resolved.parent == folder.resolve(strict=True)
    except OSError:
        return None
    return path if inside and resolved.is_file() else None


def source_files(state: AppState) -> Mapping[str, SourceFile]:
    """The documents whose text this server has, by slug (once per dataset version)."""
    def build() -> dict[str, SourceFile]:
        folder = state.settings.data_dir / SOURCES_FOLDER
        prefix = state.settings.entity_iri(DOCUMENT_KIND, "")
        found: dict[str, SourceFile] = {}
        for row in state.dataset.store.run_file("source-documents"):
            iri, name = row["document"].value, row["identifier"].value
            slug = iri[len(prefix):] if iri.startswith(prefix) else ""
            if not SLUG.fullmatch(slug) or slug in found:
                continue
            path = plain_file(folder, name)
            if path is not None:
                found[slug] = SourceFile(slug, iri, name, path)
        return found
    return cached(state, ("source-files",), build)


def missing_source(state: AppState, slug: str) -> str:
    """Why there is no text at /sources/{slug}, and which texts there are."""
    known = sorted(source_files(state))
    listed = ", ".join(source_path(other) for other in known[:MAX_NAMED_IN_404])
    more = f" and {len(known) - MAX_NAMED_IN_404} more" if len(known) > MAX_NAMED_IN_404 else ""
    texts = f"the source texts are {listed}{more}." if known else "this server has no source texts."
    if not SLUG.fullmatch(slug):
        return (f"Source texts are at /sources/<slug>, where <slug> is a document's (letters, digits, "
                f"'-', '_' or '~'); {slug!r} is not one: {texts}")
    return f"No source text for {state.settings.entity_iri(DOCUMENT_KIND, slug)}: {texts}"


@dataclass(frozen=True)
class TextLinks:
    """Links to the documents' texts, for entity pages (which know nothing of this module): a
    document's text, and a statement's passage in it. They keep the page's `?lang=`."""

    slugs: Mapping[str, str]  # document IRI -> slug
    linker: Linker

    def html(self, document: str, statement: str | None = None) -> str | None:
        slug = self.slugs.get(document)
        if slug is None:
            return None
        anchor = anchor_of(statement) if statement else None
        return self.linker.local(source_path(slug, HTML)) + (f"#{anchor}" if anchor else "")

    def text(self, document: str) -> str | None:
        slug = self.slugs.get(document)
        return source_path(slug, TEXT) if slug is not None else None


def text_links(state: AppState, linker: Linker) -> TextLinks:
    return TextLinks({source.document: slug for slug, source in source_files(state).items()}, linker)


# --- locating quotes ----------------------------------------------------------------------------


class NormalisedText:
    """A text with each run of whitespace as one space, remembering where each character came from,
    so a quote found in it is a range of the original text."""

    def __init__(self, text: str):
        parts, origins, position = [], [], 0
        for match in WHITESPACE.finditer(text):
            parts.append(text[position:match.start()])
            origins.extend(range(position, match.start()))
            parts.append(" ")
            origins.append(match.start())
            position = match.end()
        parts.append(text[position:])
        origins.extend(range(position, len(text)))
        self.text = "".join(parts)
        self.origins = origins

    def find(self, quote: str) -> tuple[int, int] | None:
        """The (start, end) in the original text of the first place `quote` is said, whitespace aside."""
        needle = normalise_whitespace(quote)
        found = self.text.find(needle) if needle else -1
        if found < 0:
            return None
        return self.origins[found], self.origins[found + len(needle) - 1] + 1


@dataclass(frozen=True)
class Statement:
    """A statement quoting the document: what it asserts and its quotes."""

    iri: str
    quotes: tuple[str, ...]
    subject: object | None = None
    predicate: str | None = None
    objects: tuple[object, ...] = ()

    @property
    def anchor(self) -> str | None:
        return anchor_of(self.iri)


@dataclass(frozen=True)
class Mark:
    """A passage of the text quoted by one or more statements (overlapping quotes merged)."""

    number: int  # 1, 2… in the text's order
    start: int
    end: int
    line: int
    anchor: str | None  # the mark's own id: the first statement anchored at its start
    statements: tuple[str, ...]  # the IRIs of the statements quoting it, in the order their quotes start


@dataclass(frozen=True)
class Piece:
    """One step of the text as the page writes it: some text, a line's start, a mark opening or
    closing, or an (empty) anchor of a statement whose quote starts inside a mark."""

    kind: str
    text: str = ""
    number: int = 0  # the line's
    mark: Mark | None = None


@dataclass(frozen=True)
class LocatedText:
    text: str
    lines: int
    pieces: tuple[Piece, ...]
    marks: tuple[Mark, ...]
    anchors: Mapping[str, int]  # statement IRI -> the line of its anchor (0: in the list of quotes not located)
    # (statement IRI, quote, anchor) of each quote not found in the text; the anchor, when the
    # statement has none in the text, goes on its entry in the list of those (so it is on the page once).
    unlocated: tuple[tuple[str, str, str | None], ...]


def line_starts(text: str) -> list[int]:
    starts = [0] if text else []
    starts += [match.end() for match in re.finditer("\n", text) if match.end() < len(text)]
    return starts


def locate(text: str, statements: Iterable[Statement]) -> LocatedText:
    """Where each statement's quotes are in `text`, as marks (overlapping passages merged into one)
    and the pieces a page writes the text in, each statement anchored once."""
    normalised = NormalisedText(text)
    spans, unlocated = [], []
    for statement in sorted(statements, key=lambda s: s.iri):
        for quote in sorted(set(statement.quotes)):
            found = normalised.find(quote)
            if found is None:
                unlocated.append((statement, quote))
            else:
                spans.append((*found, statement))
    spans.sort(key=lambda span: (span[0], -span[1], span[2].iri))

    starts = line_starts(text)

    def line_of(offset: int) -> int:
        return bisect_right(starts, offset)

    groups: list[list[tuple[int, int, Statement]]] = []
    for span in spans:
        if groups and span[0] < max(end for _, end, _ in groups[-1]):
            groups[-1].append(span)
        else:
            groups.append([span])

    events: dict[int, list[Piece]] = defaultdict(list)
    for number, start in enumerate(starts, 1):
        events[start].append(Piece(LINE_PIECE, number=number))
    anchored: dict[str, int] = {}  # anchor -> line
    anchors_of: dict[str, int] = {}  # statement IRI -> line of its anchor
    marks = []
    for number, group in enumerate(groups, 1):
        start, end = group[0][0], max(end for _, end, _ in group)
        own, inner = None, []
        for span_start, _, statement in group:
            anchor = statement.anchor
            if statement.iri in anchors_of or anchor is None or anchor in anchored:
                continue
            anchored[anchor] = anchors_of[statement.iri] = line_of(span_start)
            if own is None and span_start == start:
                own = anchor
            else:
                inner.append((span_start, anchor))
        mark = Mark(number, start, end, line_of(start), own,
                    tuple(dict.fromkeys(statement.iri for _, _, statement in group)))
        marks.append(mark)
        events[start].append(Piece(OPEN_PIECE, mark=mark))
        events[end].append(Piece(CLOSE_PIECE, mark=mark))
        for offset, anchor in inner:
            events[offset].append(Piece(ANCHOR_PIECE, text=anchor))

    pieces, position = [], 0
    for offset in sorted(events):
        if offset > position:
            pieces.append(Piece(TEXT_PIECE, text=text[position:offset]))
            position = offset
        pieces += sorted(events[offset], key=lambda piece: PIECE_ORDER[piece.kind])
    if position < len(text):
        pieces.append(Piece(TEXT_PIECE, text=text[position:]))
    listed = []
    for statement, quote in unlocated:
        anchor = statement.anchor
        if statement.iri in anchors_of or anchor is None or anchor in anchored:
            anchor = None
        else:
            anchored[anchor], anchors_of[statement.iri] = 0, 0
        listed.append((statement.iri, quote, anchor))
    return LocatedText(text, len(starts), tuple(pieces), tuple(marks), anchors_of, tuple(listed))


# --- the page --------------------------------------------------------------------------------------


def statements_from(triples: Iterable[Triple], quote_predicate: str) -> list[Statement]:
    """The quoting statements of a `source-text` answer."""
    parts: dict[object, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for triple in triples:
        if triple.predicate.value in (quote_predicate, SUBJECT, PREDICATE, OBJECT):
            parts[triple.subject][triple.predicate.value].append(triple.object)
    found = []
    for node, said in parts.items():
        if not said.get(quote_predicate):
            continue
        iri = node.value if isinstance(node, NamedNode) else f"_:{getattr(node, 'value', '')}"
        predicates = said.get(PREDICATE) or [None]
        found.append(Statement(
            iri=iri, quotes=tuple(sorted(quote.value for quote in said[quote_predicate])),
            subject=(said.get(SUBJECT) or [None])[0],
            predicate=predicates[0].value if predicates[0] is not None else None,
            objects=tuple(sorted(said.get(OBJECT, ()), key=str))))
    return found


@dataclass(frozen=True)
class SourceText:
    """What a document's text page is built from, whatever the reader's language."""

    source: SourceFile
    located: LocatedText
    statements: Mapping[str, Statement]
    triples: tuple[Triple, ...]  # the document's names, the statements, the names of what they are about
    language: str | None  # the text's, as its quotes say (the most frequent of their language tags)


def source_text(state: AppState, source: SourceFile, data: bytes, digest: str) -> SourceText:
    """The located text of `source` whose bytes are `data`, of SHA-256 `digest` (kept per version and content)."""
    def build() -> SourceText:
        triples = tuple(state.dataset.store.run_file("source-text", document=source.document))
        quote = state.settings.base_iri + QUOTE
        statements = statements_from(triples, quote)
        languages = Counter(t.object.language for t in triples if t.predicate.value == quote
                            and isinstance(t.object, Literal) and t.object.language)
        text = data.decode("utf-8", errors="replace")
        return SourceText(source, locate(text, statements), {s.iri: s for s in statements}, triples,
                          min(languages, key=lambda tag: (-languages[tag], tag)) if languages else None)
    return cached(state, ("source-text", source.slug, digest), build)


@dataclass(frozen=True)
class Claim:
    """What one statement quoting a passage asserts, for a reader."""

    statement: str
    href: str | None  # the statement's own page
    anchor: str | None
    line: int | None  # where it is anchored
    subject: Value | None
    predicate: Property | None  # with the asserted values

    @property
    def summary(self) -> str:
        values = ", ".join(value.text for value in self.predicate.values) if self.predicate else ""
        said = f"{self.predicate.label}: {values}" if self.predicate else ""
        return " — ".join(part for part in (self.subject.text if self.subject else "", said) if part)


@dataclass(frozen=True)
class Passage:
    mark: Mark
    claims: tuple[Claim, ...]

    @property
    def summary(self) -> str:
        return "\n".join("• " + claim.summary for claim in self.claims)


@dataclass(frozen=True)
class SourcePage:
    slug: str
    document: str
    document_href: str | None
    language: str | None  # the text's
    title: str
    headline: Value | None  # the document's own title (dcterms:title), in its language
    file_name: str
    html_href: str
    text_href: str
    lines: int
    pieces: tuple[Piece, ...]
    passages: tuple[Passage, ...]  # one per mark, in the order of the text
    unlocated: tuple[tuple[Claim, str, str | None], ...]  # (what it asserts, the quote, its anchor here)

    def passage(self, mark: Mark) -> Passage:
        return self.passages[mark.number - 1]


def source_page(state: AppState, text: SourceText, *, language: str, linker: Linker) -> SourcePage:
    """The page model of a document's text for one reader's language."""
    builder = PageBuilder(text.triples, term_names=term_names(state), prefixes=state.dataset.prefixes,
                          language=language, linker=linker)
    names = Names((t.subject, t.predicate, t.object) for t in text.triples)
    located, document = text.located, text.source.document

    def claim(iri: str) -> Claim:
        statement = text.statements[iri]
        predicate = None
        if statement.predicate:
            predicate = Property(statement.predicate, builder.term_names.of(statement.predicate, language),
                                 linker.href(statement.predicate),
                                 tuple(builder.value(term) for term in statement.objects))
        subject = builder.value(statement.subject) if isinstance(statement.subject, NamedNode | BlankNode) else None
        return Claim(iri, linker.href(iri) if not iri.startswith("_:") else None,
                     statement.anchor, located.anchors.get(iri), subject, predicate)

    headlines = [t.object for t in text.triples
                 if t.subject == NamedNode(document) and t.predicate.value == TITLE and isinstance(t.object, Literal)]
    title = names.of(document, language)
    headline = next((builder.value(h) for h in sorted(headlines, key=str) if h.value != title), None)
    return SourcePage(
        slug=text.source.slug, document=document, document_href=linker.href(document), language=text.language,
        title=title,
        headline=headline, file_name=text.source.name,
        html_href=linker.local(source_path(text.source.slug, HTML)), text_href=source_path(text.source.slug, TEXT),
        lines=located.lines, pieces=located.pieces,
        passages=tuple(Passage(mark, tuple(claim(iri) for iri in mark.statements)) for mark in located.marks),
        unlocated=tuple((claim(iri), quote, anchor) for iri, quote, anchor in located.unlocated),
    )
