"""The figures the site states about its dataset, each defined once, here.

A `Figure` has a name, the one file of `server/queries/` that counts it, and its meaning in every language
the site speaks: `server/locales/<language>.json` holds `figure_<name>` (what to call it) and
`figure_<name>_meaning` (exactly what it counts, and the SPARQL that gives the same number). The pages and
the VoID description (server/void.py) take their numbers from here, the SPARQL service description runs the
same query files, and the README states none (it says where to find them): nothing counts on its own.

What every figure counts is SPARQL's DEFAULT GRAPH unless it says otherwise: the union of graph/data,
graph/ontology and graph/entailed (server/graphs.py), which `/sparql` queries when a query names no graph.
So the instances of a class are the distinct resources `?x` with `?x a <class>` there, those of its
sub-classes included (graph/entailed gives every instance the superclasses of its classes).

The figures are counted once per server, before it forks its workers (server/void.py: `publish`), and
kept on the app state as `published.facts`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from pyoxigraph import Literal

from server.graphs import DATA, DEFAULT_GRAPH, META
from server.ui_text import UI_TEXT

if TYPE_CHECKING:
    from server.settings import Settings
    from server.store import Store


@dataclass(frozen=True)
class Figure:
    name: str  # its name here and in the locales
    query: str  # the file of server/queries/ that counts it
    per: str = ""  # what it is counted for each of ("class", "graph", "property"), or "" for one number

    @property
    def label(self) -> str:
        """The locale key of its name."""
        return f"figure_{self.name}"

    @property
    def meaning(self) -> str:
        """The locale key of what it counts."""
        return f"figure_{self.name}_meaning"


TRIPLES = Figure("triples", "default-graph-size")  # distinct triples of the default graph
DATA_TRIPLES = Figure("data_triples", "graph-sizes")  # GRAPH_TRIPLES of graph/data: what the sources assert
GRAPH_TRIPLES = Figure("graph_triples", "graph-sizes", per="graph")
INSTANCES = Figure("instances", "void-class-partitions", per="class")
CLASSES = Figure("classes", "void-class-partitions")  # how many classes INSTANCES counts
PROPERTY_TRIPLES = Figure("property_triples", "void-property-partitions", per="property")
PROPERTIES = Figure("properties", "void-property-partitions")  # how many properties PROPERTY_TRIPLES counts
ENTITIES = Figure("entities", "void-entities")
DISTINCT_SUBJECTS = Figure("distinct_subjects", "void-totals")
DISTINCT_OBJECTS = Figure("distinct_objects", "void-totals")

FIGURES = (TRIPLES, DATA_TRIPLES, GRAPH_TRIPLES, INSTANCES, CLASSES, PROPERTY_TRIPLES, PROPERTIES, ENTITIES,
           DISTINCT_SUBJECTS, DISTINCT_OBJECTS)
BY_NAME = {figure.name: figure for figure in FIGURES}  # for templates: `figures.triples.meaning`

# How VoID says what its statistics count (server/void.py), by language: `{data}`, `{ontology}`, `{entailed}`
# are the graphs' IRIs.
VOID_COUNTS = "void_counts"


@dataclass(frozen=True)
class Partition:
    iri: str  # the class or the property
    count: int  # instances of the class (its sub-classes' included), or triples using the property


@dataclass(frozen=True)
class Figures:
    """The counted figures of one dataset version, each field named after its Figure."""

    triples: int
    graph_sizes: dict[str, int]  # GRAPH_TRIPLES: named graph IRI -> triples (graph/meta once it is written)
    data_triples: int
    classes: tuple[Partition, ...]  # INSTANCES, per class
    properties: tuple[Partition, ...]  # PROPERTY_TRIPLES, per property
    entities: int
    distinct_subjects: int
    distinct_objects: int

    @property
    def instances(self) -> dict[str, int]:
        """INSTANCES: class IRI -> its instances, direct or through a sub-class."""
        return {partition.iri: partition.count for partition in self.classes}

    def with_graph_size(self, graph: str, triples: int) -> Figures:
        return replace(self, graph_sizes={**self.graph_sizes, graph: triples})


def count(store: Store, settings: Settings) -> Figures:
    """Runs the figures' queries. graph/meta, which the description is written into afterwards, is left
    out (`Figures.with_graph_size` adds it once written)."""
    (triples,) = store.run_file(TRIPLES.query)
    (totals,) = store.run_file(DISTINCT_SUBJECTS.query)
    entities = list(store.run_file(ENTITIES.query, uriSpace=Literal(uri_space(settings))))
    sizes = {row["graph"].value: _int(row["triples"]) for row in store.run_file(GRAPH_TRIPLES.query)
             if row["graph"].value != settings.graph_iri(META)}
    return Figures(
        triples=_int(triples["triples"]),
        graph_sizes=sizes,
        data_triples=sizes.get(settings.graph_iri(DATA), 0),
        classes=tuple(Partition(row["class"].value, _int(row["entities"])) for row in store.run_file(INSTANCES.query)),
        properties=tuple(Partition(row["property"].value, _int(row["triples"]))
                         for row in store.run_file(PROPERTY_TRIPLES.query)),
        entities=_int(entities[0]["entities"]) if entities else 0,
        distinct_subjects=_int(totals["distinctSubjects"]),
        distinct_objects=_int(totals["distinctObjects"]),
    )


def uri_space(settings: Settings) -> str:
    """Where the dataset's entities live (VoID's void:uriSpace): ENTITIES counts the IRIs under it."""
    return f"{settings.base_iri}id/"


def void_counts(settings: Settings) -> dict[str, str]:
    """What the VoID statistics count, in every language the site speaks."""
    graphs = {name: settings.graph_iri(name) for name in DEFAULT_GRAPH}
    return {language: words[VOID_COUNTS].format(**graphs) for language, words in UI_TEXT.items()}


def _int(term) -> int:
    return int(term.value)
