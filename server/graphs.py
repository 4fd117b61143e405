"""The named graphs of a published dataset, by short name; `Settings.graph_iri(name)` gives their IRIs.

* ONTOLOGY, DATA, SHAPES hold the content folders of the same names (server/content.py);
* ENTAILED holds what data and ontology entail (server/queries/entailments.rq: the superclasses of every
  instance's classes), computed whenever the content is loaded, never written by hand; it is dumped;
* META holds the description the server generates (server/void.py), never part of a dump;
* DEFAULT_GRAPH: SPARQL's default graph is the union of these, so plain triple patterns find
  instances, vocabulary and entailed types, on every store backend.
"""

ONTOLOGY, DATA, SHAPES, ENTAILED, META = "ontology", "data", "shapes", "entailed", "meta"
CONTENT_GRAPHS = (ONTOLOGY, DATA, SHAPES)
NAMED_GRAPHS = (*CONTENT_GRAPHS, ENTAILED, META)
DEFAULT_GRAPH = (DATA, ONTOLOGY, ENTAILED)
