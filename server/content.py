"""The content folders (ontology, data, shapes): their files, their version, and reading them into named graphs.

Content files write RELATIVE IRIs (`@prefix cg: <def#> .`, `<id/agreement/x>`),
so every file is parsed against the configured base IRI: the same files then
publish correctly under any host name.
"""

from __future__ import annotations

import hashlib
import re
from contextlib import contextmanager
from collections.abc import Iterable, Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
import rdflib
from rdflib.plugins.parsers.notation3 import BadSyntax

from server.graphs import DATA, ONTOLOGY, SHAPES
from server.settings import Settings

# Which files go to which named graph ({base}graph/<name>), as glob patterns.
SOURCE_PATTERNS = {ONTOLOGY: "*.ttl", DATA: "**/*.ttl", SHAPES: "*.ttl"}


class SourceError(Exception):
    """A content file cannot be read: it names the file and line, for a person."""

    def __init__(self, path: Path, line: int | None, message: str):
        self.path, self.line, self.message = Path(path), line, message
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.path}:{self.line if self.line is not None else '?'}: {self.message}"


@dataclass(frozen=True)
class Source:
    graph: str  # short graph name: "ontology", "data" or "shapes"
    path: Path
    folder: Path

    @property
    def key(self) -> str:
        """A name independent of where the project lives, e.g. "data/x/y.ttl"."""
        return f"{self.graph}/{self.path.relative_to(self.folder).as_posix()}"


def folder_of(settings: Settings, graph: str) -> Path:
    return {ONTOLOGY: settings.ontology_dir, DATA: settings.data_dir, SHAPES: settings.shapes_dir}[graph]


def sources(settings: Settings, graphs: Iterable[str] = SOURCE_PATTERNS) -> list[Source]:
    """Every content file, in a stable order. A missing folder has no files."""
    found = []
    for graph in graphs:
        folder = folder_of(settings, graph)
        paths = sorted(p for p in folder.glob(SOURCE_PATTERNS[graph]) if p.is_file())
        found += [Source(graph, path, folder) for path in paths]
    return found


def source_paths(settings: Settings, graph: str) -> list[Path]:
    return [source.path for source in sources(settings, [graph])]


def load_into(store: pyoxigraph.Store, settings: Settings, bulk: bool = False) -> None:
    """Loads each content file into its named graph of an oxigraph store; `bulk` for an empty
    on-disk store (much faster on large files, without transactions)."""
    for source in sources(settings):
        with _errors_named(source.path):
            (store.bulk_load if bulk else store.load)(
                path=str(source.path),
                format=pyoxigraph.RdfFormat.TURTLE,
                base_iri=settings.base_iri,
                to_graph=pyoxigraph.NamedNode(settings.graph_iri(source.graph)),
            )


def declared_prefixes(settings: Settings) -> dict[str, str]:
    """The `@prefix` declarations of every content file, resolved against the base IRI
    (`cg` -> `{base}def#`); where files disagree on a name, the first file read wins.
    They make the Turtle and JSON-LD the server writes read like the files curators wrote."""
    prefixes: dict[str, str] = {}
    for source in sources(settings):
        with _errors_named(source.path):
            parser = pyoxigraph.parse(path=str(source.path), format=pyoxigraph.RdfFormat.TURTLE,
                                      base_iri=settings.base_iri)
            for _ in parser:  # the parser learns the prefixes as it reads
                pass
        for name, namespace in parser.prefixes.items():
            prefixes.setdefault(name, namespace)
    return prefixes


def read_rdflib_graph(
    paths: Iterable[Path],
    base: str,
    origins: MutableMapping[rdflib.term.Node, Path] | None = None,
) -> rdflib.Graph:
    """Parses Turtle files into one rdflib Graph (for pyshacl).

    If `origins` is given, it receives subject -> the first file that states
    something about that subject (so reports can say which file to fix)."""
    # "core" bindings only: rdflib's defaults bind schema: to https://schema.org/,
    # which would rename the files' own http://schema.org/ prefix to schema1.
    graph = rdflib.Graph(bind_namespaces="core")
    for path in paths:
        part = rdflib.Graph(bind_namespaces="core")
        with _errors_named(path):
            part.parse(path, format="turtle", publicID=base)
        if origins is not None:
            for subject in part.subjects(unique=True):
                origins.setdefault(subject, Path(path))
        for prefix, namespace in part.namespaces():
            graph.bind(prefix, namespace, override=False)
        graph += part
    return graph


def dataset_version(settings: Settings) -> str:
    """A short fingerprint of the published dataset: base IRI plus every source
    file's name and bytes. Changes whenever anything published could change."""
    digest = hashlib.sha256(settings.base_iri.encode())
    for source in sources(settings):
        digest.update(b"\0" + source.key.encode() + b"\0")
        digest.update(source.path.read_bytes())
    return digest.hexdigest()[:16]


def sources_mtime(settings: Settings) -> float:
    """The newest modification time of any source file (epoch seconds; 0 if none)."""
    return max((source.path.stat().st_mtime for source in sources(settings)), default=0.0)


@contextmanager
def _errors_named(path: Path) -> Iterator[None]:
    """Turns any parser's syntax error into a SourceError naming the file and line."""
    try:
        yield
    except (SyntaxError, ValueError, OSError) as error:
        line, message = _line_and_message(error)
        raise SourceError(Path(path), line, message) from error


# pyoxigraph: "Parser error at line 4 column 1: Unexpected end"
_OXIGRAPH_POSITION = re.compile(r"^(?:Parser error )?at line (\d+) column \d+: ")


def _line_and_message(error: BaseException) -> tuple[int | None, str]:
    if isinstance(error, BadSyntax):
        # BadSyntax counts newlines before the error: the line is one more.
        return error.lines + 1, error._why
    if isinstance(error, SyntaxError) and error.lineno is not None:
        message = error.msg if isinstance(error.msg, str) else str(error)
        return error.lineno, _OXIGRAPH_POSITION.sub("", message)
    if isinstance(error, OSError):
        return None, error.strerror or str(error)
    return None, str(error)
