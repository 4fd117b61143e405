"""The named graphs of a published dataset, by short name; `Settings.graph_iri(name)` gives their IRIs.

* ONTOLOGY, DATA, SHAPES hold the content folders of the same names (server/content.py);
* ENTAILED holds what data and ontology entail (server/entailment.py: the superclasses of every instance's
  classes, the super-properties of every predicate, the inverse of every link that has one, and the day bounds
  of every date), computed whenever the content is loaded, never written by hand; it is dumped;
* META holds the description the server generates (server/void.py), never part of a dump;
* DEFAULT_GRAPH: SPARQL's default graph is the union of these, so plain triple patterns find
  instances, vocabulary and what they entail, on every store backend.
"""

ONTOLOGY, DATA, SHAPES, ENTAILED, META = "ontology", "data", "shapes", "entailed", "meta"
CONTENT_GRAPHS = (ONTOLOGY, DATA, SHAPES)
NAMED_GRAPHS = (*CONTENT_GRAPHS, ENTAILED, META)
DEFAULT_GRAPH = (DATA, ONTOLOGY, ENTAILED)
