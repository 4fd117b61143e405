"""The namespaces the server itself writes or reads terms of. Each is said once, here."""

import hashlib

from pyoxigraph import BlankNode

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
SCHEMA = "http://schema.org/"
PROV = "http://www.w3.org/ns/prov#"
SH = "http://www.w3.org/ns/shacl#"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"

RDF_TYPE = RDF + "type"


def blank_node(*parts: str):
    """A blank node whose label is derived from what it stands for, so every worker and every restart
    writes the same bytes (and ETags) for the same description."""
    return BlankNode("b" + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:20])
