"""The dataset's description in VoID and DCAT 3, generated from the store and the dumps' manifest.

Every count comes from a query in `server/queries/void-*.rq`; the texts, license, publisher, keywords
and themes come from the settings. Nothing here is written by hand for this dataset.

IRIs (all under the base IRI, so they resolve on the server itself):
`dataset` the dataset (void:Dataset and dcat:Dataset), `dataset#sparql` the SPARQL service,
`dataset#publisher` the publisher unless the settings name one, `dumps/#<file>` each distribution,
`graph/ontology`, `graph/data` the subsets, `graph/shapes` the shapes the data conforms to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from server.dumps import DATASET, KNOWLEDGE_GRAPH, MANIFEST, META, Manifest, dumps_dir, read_manifest
from server.loading import DATA, ONTOLOGY, SHAPES
from server.representations import jsonld_context
from server.settings import Settings
from server.store import Store

if TYPE_CHECKING:
    from server.state import AppState

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
DCTERMS = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
SPDX = "http://spdx.org/rdf/terms#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"

# Prefixes the description's own serialisations use, besides those of the content files.
PREFIXES = {"void": VOID, "dcat": DCAT, "dcterms": DCTERMS, "foaf": FOAF, "spdx": SPDX,
            "rdf": RDF, "rdfs": RDFS, "xsd": XSD}

EXAMPLES = 5  # example resources named, at most

# What each dump holds, for people (dcterms:description of the distribution), by language.
HOLDS = {
    DATASET: {"en": "the whole dataset with its named graphs (ontology, data, shapes)",
              "fr": "tout le jeu de données avec ses graphes nommés (ontologie, données, formes)"},
    KNOWLEDGE_GRAPH: {"en": "the data and the ontology in one graph",
                      "fr": "les données et l'ontologie en un seul graphe"},
    ONTOLOGY: {"en": "the ontology alone", "fr": "l'ontologie seule"},
    SHAPES: {"en": "the SHACL shapes the data conforms to", "fr": "les formes SHACL auxquelles les données se conforment"},
}
NOT_DUMPED = {
    "en": "This description is generated from the store at each build and kept in the named graph {meta}. "
          "It is not part of the dumps, whose sizes and checksums it gives.",
    "fr": "Cette description est générée depuis l'entrepôt à chaque construction et conservée dans le graphe "
          "nommé {meta}. Elle ne fait pas partie des dumps, dont elle donne les tailles et sommes de contrôle.",
}


@dataclass(frozen=True)
class Partition:
    iri: str  # the class or the property
    count: int  # entities of the class, or triples using the property


@dataclass(frozen=True)
class Facts:
    """What the SPARQL queries count in the default graph (data + ontology)."""

    triples: int
    entities: int
    distinct_subjects: int
    distinct_objects: int
    classes: tuple[Partition, ...]
    properties: tuple[Partition, ...]
    examples: tuple[str, ...]
    graph_sizes: dict[str, int]  # named graph IRI -> triples

    @property
    def vocabularies(self) -> tuple[str, ...]:
        """The namespaces of the classes and properties in use; a hash namespace is named without its '#'
        (so `cg:` is the ontology's own IRI)."""
        namespaces = {namespace_of(p.iri).removesuffix("#") for p in (*self.classes, *self.properties)}
        return tuple(sorted(namespaces - {""}))


@dataclass(frozen=True)
class Published:
    """What the server says about its dumps, as of one manifest."""

    manifest: Manifest | None  # None: no dumps of this dataset version and base IRI in the folder
    folder: Path
    facts: Facts
    triples: list[Triple]  # the description, also in the graph `{base}graph/meta`
    last_modified: datetime  # the data's or the build's, whichever is newer
    tag: str  # changes with the dataset version and the manifest, for ETags


def publish(state: AppState) -> Published:
    """The description of the dataset and of the dumps `serve` keeps (`dumps_dir`), regenerated and put
    into `{base}graph/meta` whenever the manifest changes, e.g. after a `coopgraph build` beside the server.
    Costs a stat() when nothing changed."""
    folder = dumps_dir(state.settings)
    try:
        info = (folder / MANIFEST).stat()
        stamp = f"{info.st_ino}-{info.st_mtime_ns}-{info.st_size}"
    except OSError:
        stamp = "none"
    return state.cache.get_or_build(("published", state.version, stamp),
                                    lambda: _published(state, folder, f"{state.version}-{stamp}"))


def _published(state: AppState, folder: Path, tag: str) -> Published:
    settings = state.settings
    manifest = read_manifest(folder)
    if manifest is not None and (manifest.base_iri, manifest.dataset_version) != (settings.base_iri, state.version):
        manifest = None  # dumps of other data, or with other IRIs: neither described nor served
    facts = state.cache.get_or_build(("void-facts", state.version), lambda: count_facts(state.store, settings))
    last_modified = max(state.last_modified, manifest.built_at) if manifest else state.last_modified
    triples = describe(settings, facts, manifest, state.last_modified)
    state.store.replace_graph(settings.graph_iri(META), triples)
    return Published(manifest, folder, facts, triples, last_modified, tag)


def uri_space(settings: Settings) -> str:
    return f"{settings.base_iri}id/"


def dataset_iri(settings: Settings) -> str:
    return f"{settings.base_iri}dataset"


def count_facts(store: Store, settings: Settings) -> Facts:
    """Runs the void-*.rq queries. Only the meta graph changes after loading, and it is not counted."""
    (totals,) = store.run_file("void-totals")
    (entities,) = store.run_file("void-entities", uriSpace=Literal(uri_space(settings)))
    return Facts(
        triples=_int(totals["triples"]),
        entities=_int(entities["entities"]),
        distinct_subjects=_int(totals["distinctSubjects"]),
        distinct_objects=_int(totals["distinctObjects"]),
        classes=tuple(Partition(row["class"].value, _int(row["entities"]))
                      for row in store.run_file("void-class-partitions")),
        properties=tuple(Partition(row["property"].value, _int(row["triples"]))
                         for row in store.run_file("void-property-partitions")),
        examples=tuple(row["example"].value for row in store.run_file("void-examples",
                                                                      uriSpace=Literal(uri_space(settings))))[:EXAMPLES],
        graph_sizes={row["graph"].value: _int(row["triples"]) for row in store.run_file("graph-sizes")
                     if row["graph"].value != settings.graph_iri(META)},
    )


def distribution_iri(settings: Settings, name: str) -> str:
    return f"{settings.base_iri}dumps/#{name}"


def download_url(settings: Settings, name: str) -> str:
    return f"{settings.base_iri}dumps/{name}"


class _Triples:
    """Collects triples, with terms written as plain Python values: a str is an IRI, use lit() for text."""

    def __init__(self):
        self.triples: list[Triple] = []

    def add(self, subject, predicate: str, *objects) -> None:
        for obj in objects:
            self.triples.append(Triple(_node(subject), NamedNode(predicate), _node(obj)))

    def texts(self, subject, predicate: str, by_language: dict[str, str]) -> None:
        for language, text in sorted(by_language.items()):
            self.add(subject, predicate, Literal(text, language=language))

    def grouped(self) -> list[Triple]:
        """The triples with each subject's together (in order of first mention), for readable Turtle."""
        first: dict = {}
        for triple in self.triples:
            first.setdefault(triple.subject, len(first))
        return sorted(self.triples, key=lambda triple: first[triple.subject])


def describe(settings: Settings, facts: Facts, manifest: Manifest | None,
             modified: datetime) -> list[Triple]:
    """The whole description: the dataset, its subsets, the SPARQL service and one distribution per dump.
    `modified` is when the data last changed; without a manifest there are no distributions."""
    out = _Triples()
    base, dataset = settings.base_iri, dataset_iri(settings)
    graph = settings.graph_iri

    out.add(dataset, RDF + "type", VOID + "Dataset", DCAT + "Dataset")
    out.texts(dataset, DCTERMS + "title", settings.title)
    out.texts(dataset, DCTERMS + "description", settings.description)
    out.texts(dataset, RDFS + "comment", {lang: text.format(meta=graph(META)) for lang, text in NOT_DUMPED.items()})
    out.add(dataset, DCTERMS + "license", settings.license)
    out.add(dataset, DCTERMS + "issued", Literal(settings.issued, datatype=NamedNode(XSD + "date")))
    out.add(dataset, DCTERMS + "modified", _datetime(modified))
    publisher = settings.publisher_iri or f"{dataset}#publisher"
    out.add(dataset, DCTERMS + "publisher", publisher)
    out.add(publisher, RDF + "type", FOAF + "Agent")
    out.texts(publisher, FOAF + "name", settings.publisher)
    for language, words in sorted(settings.keywords.items()):
        out.add(dataset, DCAT + "keyword", *(Literal(word, language=language) for word in words))
    out.add(dataset, DCAT + "theme", *settings.themes)
    out.add(dataset, DCAT + "landingPage", base)
    out.add(dataset, DCTERMS + "conformsTo", graph(SHAPES))

    # VoID statistics of the default graph.
    out.add(dataset, VOID + "triples", facts.triples)
    out.add(dataset, VOID + "entities", facts.entities)
    out.add(dataset, VOID + "distinctSubjects", facts.distinct_subjects)
    out.add(dataset, VOID + "distinctObjects", facts.distinct_objects)
    out.add(dataset, VOID + "classes", len(facts.classes))
    out.add(dataset, VOID + "properties", len(facts.properties))
    out.add(dataset, VOID + "uriSpace", Literal(uri_space(settings)))
    out.add(dataset, VOID + "sparqlEndpoint", f"{base}sparql")
    out.add(dataset, VOID + "exampleResource", *facts.examples)
    out.add(dataset, VOID + "vocabulary", *facts.vocabularies)
    for partition in facts.classes:
        node = BlankNode()
        out.add(dataset, VOID + "classPartition", node)
        out.add(node, VOID + "class", partition.iri)
        out.add(node, VOID + "entities", partition.count)
    for partition in facts.properties:
        node = BlankNode()
        out.add(dataset, VOID + "propertyPartition", node)
        out.add(node, VOID + "property", partition.iri)
        out.add(node, VOID + "triples", partition.count)

    # The named graphs: data and ontology make up the dataset; the shapes describe it.
    for name in (ONTOLOGY, DATA, SHAPES):
        out.add(graph(name), RDF + "type", VOID + "Dataset")
        out.add(graph(name), VOID + "triples", facts.graph_sizes.get(graph(name), 0))
        if name != SHAPES:
            out.add(dataset, VOID + "subset", graph(name))

    service = f"{dataset}#sparql"
    out.add(service, RDF + "type", DCAT + "DataService")
    out.texts(service, DCTERMS + "title", {"en": "SPARQL endpoint", "fr": "Point d'accès SPARQL"})
    out.add(service, DCAT + "endpointURL", f"{base}sparql")
    out.add(service, DCAT + "servesDataset", dataset)
    out.add(service, DCTERMS + "conformsTo", SPARQL_PROTOCOL)

    if manifest is not None:
        out.triples += distributions(settings, manifest)
    return out.grouped()


def distributions(settings: Settings, manifest: Manifest) -> list[Triple]:
    """One dcat:Distribution per dump, each attached to the dataset it is a copy of."""
    out = _Triples()
    for file in manifest.files:
        holds = file.dump.holds
        owner = dataset_iri(settings) if holds in (DATASET, KNOWLEDGE_GRAPH) else settings.graph_iri(holds)
        node = distribution_iri(settings, file.name)
        out.add(owner, DCAT + "distribution", node)
        out.add(owner, VOID + "dataDump", download_url(settings, file.name))
        out.add(node, RDF + "type", DCAT + "Distribution")
        out.add(node, DCTERMS + "title", Literal(file.name))
        out.texts(node, DCTERMS + "description", HOLDS[holds])
        out.add(node, DCAT + "downloadURL", download_url(settings, file.name))
        out.add(node, DCAT + "accessURL", f"{settings.base_iri}dumps/")
        out.add(node, DCAT + "mediaType", IANA_MEDIA_TYPES + file.media_type)
        if file.encoding == "gzip":
            out.add(node, DCAT + "compressFormat", IANA_MEDIA_TYPES + "application/gzip")
        out.add(node, DCAT + "byteSize", Literal(str(file.bytes), datatype=NamedNode(XSD + "nonNegativeInteger")))
        out.add(node, DCTERMS + "modified", _datetime(datetime.fromisoformat(file.modified)))
        out.add(node, DCTERMS + "license", settings.license)
        checksum = BlankNode()
        out.add(node, SPDX + "checksum", checksum)
        out.add(checksum, RDF + "type", SPDX + "Checksum")
        out.add(checksum, SPDX + "algorithm", SPDX + "checksumAlgorithm_sha256")
        out.add(checksum, SPDX + "checksumValue", Literal(file.sha256, datatype=NamedNode(XSD + "hexBinary")))
    return out.grouped()


def description_context(triples: list[Triple], prefixes: dict[str, str]) -> dict:
    """A JSON-LD context for the description alone (`title`, `triples`, `byteSize`…), made the way
    representations.jsonld_context makes the dataset's, from what the triples use."""
    usage = set()
    for triple in triples:
        obj = triple.object
        if not isinstance(obj, Literal):
            usage.add((triple.predicate.value, "blank" if isinstance(obj, BlankNode) else "node", ""))
        else:
            usage.add((triple.predicate.value, "lang" if obj.language else "literal", obj.datatype.value))
    classes = {t.object.value for t in triples if t.predicate.value == RDF + "type"}
    return jsonld_context(sorted(usage), sorted(classes), {**PREFIXES, **prefixes})


def namespace_of(iri: str) -> str:
    """The IRI up to its last '#' or '/', or '' when it has neither after the scheme."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[:cut + 1] if cut > iri.find("://") + 2 else ""


def _node(value):
    if isinstance(value, NamedNode | BlankNode | Literal):
        return value
    if isinstance(value, bool):
        raise TypeError("no booleans in the description")
    if isinstance(value, int):
        return Literal(str(value), datatype=NamedNode(XSD + "integer"))
    return NamedNode(value)


def _datetime(moment: datetime) -> Literal:
    text = moment.astimezone(timezone.utc).isoformat(timespec="seconds")
    return Literal(text, datatype=NamedNode(XSD + "dateTime"))


def _int(term) -> int:
    return int(term.value)

