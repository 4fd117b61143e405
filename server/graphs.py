"""The named graphs of a published dataset, by short name; `Settings.graph_iri(name)` gives their IRIs.

* ONTOLOGY, DATA, SHAPES hold the content folders of the same names (server/content.py);
* META holds the description the server generates (server/void.py), never part of a dump;
* DEFAULT_GRAPH: SPARQL's default graph is the union of these, so plain triple patterns find both
  instances and vocabulary, on every store backend.
"""

ONTOLOGY, DATA, SHAPES, META = "ontology", "data", "shapes", "meta"
CONTENT_GRAPHS = (ONTOLOGY, DATA, SHAPES)
NAMED_GRAPHS = (*CONTENT_GRAPHS, META)
DEFAULT_GRAPH = (DATA, ONTOLOGY)
