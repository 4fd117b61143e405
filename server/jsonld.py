"""JSON-LD: the context the server publishes, and compaction with it.

rdflib compacts JSON-LD, which pyoxigraph only writes expanded. The context is derived from the store
itself (every predicate and class in use gets a short name), so the server stays ignorant of what the
dataset is about.
"""

from __future__ import annotations

import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping

import rdflib
from pyoxigraph import BlankNode, NamedNode, RdfFormat, Triple, serialize

from server.namespaces import RDF_TYPE, XSD

XSD_STRING = XSD + "string"

# JSON-LD keywords get friendlier aliases, as in schema.org's context.
KEYWORD_ALIASES = {"id": "@id", "type": "@type"}


# Blank nodes cross to rdflib as IRIs of this scheme and come back as `_:label`: rdflib's parser would give them
# random labels, so the same triples would be written differently by each worker, under one ETag.
SKOLEM = "urn:x-coopgraph:blank:"


def compact_jsonld(triples: Iterable[Triple], context: Mapping) -> bytes:
    """Compacted JSON-LD with the context inlined, so the document stands alone and reads as plain JSON.
    The same triples always give the same bytes: blank node labels are kept, and nodes and values are
    sorted (never the members of an `@list`)."""
    graph = rdflib.Graph()
    # N-Triples is the lossless hand-over between the two libraries.
    graph.parse(data=serialize((_skolemised(triple) for triple in triples), format=RdfFormat.N_TRIPLES), format="nt")
    output = io.BytesIO()
    graph.serialize(output, format="json-ld", context=dict(context["@context"]), auto_compact=True)
    document = _sorted(json.loads(output.getvalue()))
    return json.dumps(document, indent=2, ensure_ascii=False).replace(f'"{SKOLEM}', '"_:').encode()


def _skolemised(triple: Triple) -> Triple:
    return Triple(*(NamedNode(SKOLEM + term.value) if isinstance(term, BlankNode) else term for term in triple))


def _sorted(value, key: str = ""):
    """Arrays in a stable order (JSON-LD arrays are sets, but for `@list` and the context), recursively."""
    if isinstance(value, dict):
        return {name: _sorted(member, name) for name, member in value.items()}
    if isinstance(value, list):
        members = [_sorted(member) for member in value]
        if key in ("@list", "@context"):
            return members
        return sorted(members, key=lambda member: json.dumps(member, sort_keys=True, ensure_ascii=False))
    return value


def jsonld_context(
    predicate_usage: Iterable[tuple[str, str, str]],
    classes: Iterable[str],
    prefixes: Mapping[str, str],
) -> dict:
    """A JSON-LD context giving every predicate and class in use a short, unambiguous term.

    ``predicate_usage`` yields (predicate IRI, kind, datatype IRI) rows as the query
    ``predicate-usage.rq`` returns them. A predicate whose values are all IRIs gets ``"@type": "@id"``;
    one whose values are all language-tagged gets a language map (``{"fr": …, "en": …}``); one whose
    literals share a datatype gets that ``@type``. Where two IRIs share a local name, each is named
    ``prefix_local`` instead, so no term is ever ambiguous.
    """
    kinds: dict[str, set[str]] = defaultdict(set)
    datatypes: dict[str, set[str]] = defaultdict(set)
    for predicate, kind, datatype in predicate_usage:
        if predicate == RDF_TYPE:
            continue
        kinds[predicate].add(kind)
        if kind == "literal":
            datatypes[predicate].add(datatype)

    names = _short_names([*kinds, *classes], prefixes, reserved=set(KEYWORD_ALIASES) | set(prefixes))
    context: dict = {**KEYWORD_ALIASES, **dict(sorted(prefixes.items()))}
    for iri, term in sorted(names.items(), key=lambda item: item[1]):
        if iri not in kinds:  # a class
            context[term] = iri
            continue
        definition: dict = {"@id": iri}
        if kinds[iri] == {"node"}:  # IRIs only: rdflib writes a blank node coerced to @id without its triples
            definition["@type"] = "@id"
        elif kinds[iri] == {"lang"}:
            definition["@container"] = "@language"
        elif kinds[iri] == {"literal"} and len(datatypes[iri]) == 1:
            (datatype,) = datatypes[iri]
            if datatype != XSD_STRING:
                definition["@type"] = datatype
        context[term] = definition
    return {"@context": context}


def dataset_jsonld_context(store, prefixes: Mapping[str, str]) -> dict:
    """The JSON-LD context of a loaded dataset (a Store, or anything with its `run_file`): a short term
    for every predicate and class in use."""
    usage = [(row["p"].value, row["kind"].value, row["datatype"].value) for row in store.run_file("predicate-usage")]
    classes = [row["class"].value for row in store.run_file("classes-in-use")]
    named = {name: namespace for name, namespace in prefixes.items() if name}  # "" is no JSON-LD term
    return jsonld_context(usage, classes, named)


def _short_names(iris: Iterable[str], prefixes: Mapping[str, str], reserved: set[str]) -> dict[str, str]:
    by_local: dict[str, list[str]] = defaultdict(list)
    for iri in dict.fromkeys(iris):
        by_local[_local_name(iri)].append(iri)
    names = {}
    for local, sharing in by_local.items():
        unique = len(sharing) == 1 and local and local not in reserved
        for iri in sharing:
            names[iri] = local if unique else _prefixed_name(iri, local, prefixes)
    return names


def _local_name(iri: str) -> str:
    local = re.split(r"[#/]", iri)[-1]
    return local if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", local) else ""


def _prefixed_name(iri: str, local: str, prefixes: Mapping[str, str]) -> str:
    for prefix, namespace in prefixes.items():
        if iri.startswith(namespace) and local:
            return f"{prefix}_{local}"
    return iri  # no safe short name: the IRI itself is a valid term
