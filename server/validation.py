"""SHACL validation of the content folders, with a report a curator can act on.

Only sh:Violation blocks publication; warnings and infos are reported but the
data still conforms. Syntax errors surface as loading.SourceError.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

import pyshacl
import rdflib
from rdflib.namespace import SH

from server.content import DATA, ONTOLOGY, SHAPES, read_rdflib_graph, source_paths
from server.settings import Settings


@dataclass(frozen=True)
class ValidationResult:
    severity: str  # "Violation", "Warning" or "Info"
    focus_node: str
    path: str | None
    message: str
    source_shape: str
    value: str | None
    file: str | None  # the data file that defines the focus node, if any


@dataclass(frozen=True)
class ValidationReport:
    results: tuple[ValidationResult, ...]
    report_graph: rdflib.Graph

    @property
    def conforms(self) -> bool:
        return not self.violations

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Violation"]

    def summary(self) -> str:
        counts = defaultdict(int)
        for result in self.results:
            counts[result.severity] += 1
        tally = ", ".join(f"{n} {severity.lower()}{'s' if n > 1 else ''}" for severity, n in sorted(counts.items()))
        return f"{'Conforms' if self.conforms else 'Does not conform'}" + (f": {tally}" if tally else "")

    def text(self) -> str:
        """Results grouped by file, then focus node (violations first within one)."""
        lines = [self.summary()]
        by_file = defaultdict(list)
        for result in sorted(self.results, key=lambda r: (r.focus_node, r.severity != "Violation", r.path or "")):
            by_file[result.file or "(no data file)"].append(result)
        for file, results in sorted(by_file.items()):
            lines += ["", file]
            focus = None
            for r in results:
                if r.focus_node != focus:
                    focus = r.focus_node
                    lines.append(f"  {focus}")
                where = f" {r.path}" if r.path else ""
                value = f" (value: {r.value})" if r.value is not None else ""
                lines.append(f"    {r.severity}{where}: {r.message}{value}  [{r.source_shape}]")
        return "\n".join(lines) + "\n"

    def json(self) -> str:
        return json.dumps(
            {"conforms": self.conforms, "summary": self.summary(), "results": [asdict(r) for r in self.results]},
            ensure_ascii=False, indent=2,
        ) + "\n"

    def turtle(self) -> str:
        return self.report_graph.serialize(format="turtle")


class ValidationFailed(Exception):
    """The content does not conform; `report` says why."""

    def __init__(self, report: ValidationReport):
        self.report = report
        super().__init__(report.text())


def validate(settings: Settings) -> ValidationReport:
    """Validates the data files against the shapes, with the ontology at hand
    (pyshacl mixes it in so sh:class sees rdfs:subClassOf)."""
    base = settings.base_iri
    origins: dict[rdflib.term.Node, Path] = {}
    data = read_rdflib_graph(source_paths(settings, DATA), base, origins)
    ontology = read_rdflib_graph(source_paths(settings, ONTOLOGY), base)
    shapes = read_rdflib_graph(source_paths(settings, SHAPES), base)
    _, report_graph, _ = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ontology,
        inference="none", advanced=True, allow_warnings=True,
    )
    names = _Names(base, [shapes, ontology, data], shapes)
    results = tuple(
        _result(report_graph, node, names, origins, settings.root)
        # Only the report's own results: nested sh:detail results explain one of them, they are not findings.
        for node in report_graph.objects(None, SH.result)
    )
    return ValidationReport(results, report_graph)


def _result(report: rdflib.Graph, node, names: _Names, origins, root: Path) -> ValidationResult:
    def one(predicate):
        return report.value(node, predicate)

    focus, value = one(SH.focusNode), one(SH.value)
    origin = origins.get(focus)
    return ValidationResult(
        severity=str(one(SH.resultSeverity)).rsplit("#", 1)[-1],
        focus_node=names.show(focus),
        path=names.show_path(report, one(SH.resultPath)),
        message=str(one(SH.resultMessage) or "(no message)"),
        source_shape=names.show_shape(one(SH.sourceShape)),
        value=None if value is None else names.show(value),
        file=None if origin is None else _relative(origin, root),
    )


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


class _Names:
    """Writes nodes as a curator wrote them: prefixed names, or IRIs relative to the base."""

    def __init__(self, base: str, graphs: list[rdflib.Graph], shapes: rdflib.Graph):
        self.base, self.shapes = base, shapes
        self.namespaces = rdflib.namespace.NamespaceManager(rdflib.Graph(), bind_namespaces="core")
        for graph in graphs:
            for prefix, namespace in graph.namespaces():
                self.namespaces.bind(prefix, namespace, override=False)

    def show(self, node) -> str:
        if isinstance(node, rdflib.URIRef):
            shown = node.n3(self.namespaces)
            if shown.startswith("<") and node.startswith(self.base):
                return f"<{node[len(self.base):]}>"
            return shown
        if isinstance(node, rdflib.BNode):
            return "[]"
        return node.n3() if node is not None else ""

    def show_shape(self, shape) -> str:
        """A blank property shape is shown through the node shape holding it."""
        parent = self.shapes.value(predicate=SH.property, object=shape)
        if isinstance(shape, rdflib.BNode) and parent is not None:
            return f"{self.show(parent)} {self.show_path(self.shapes, self.shapes.value(shape, SH.path))}"
        return self.show(shape)

    def show_path(self, graph: rdflib.Graph, path) -> str | None:
        """Property paths in SPARQL syntax, for the common forms."""
        if path is None:
            return None
        if isinstance(path, rdflib.BNode):
            if (inverse := graph.value(path, SH.inversePath)) is not None:
                return "^" + self.show(inverse)
            if (graph.value(path, rdflib.RDF.first)) is not None:
                return "/".join(self.show(step) for step in rdflib.collection.Collection(graph, path))
            return "(complex path)"
        return self.show(path)
