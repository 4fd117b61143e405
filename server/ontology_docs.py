"""Documentation of the vocabulary and the shapes, generated from their graphs.

Every term the ontology defines under its own namespace gets a section (anchored by its local
name, so the term IRI `{base}def#Agreement` lands on `/def.html#Agreement`): its label and comment
in the reader's language, its kinds, its super- and sub-classes or -properties, domain and range,
the properties whose domain or range it is, the SHACL shapes targeting it with their property
constraints, and for classes the number of instances in the data. The shapes document lists every
shape, anchored the same way. Nothing here knows the dataset's subject matter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from pyoxigraph import Literal, NamedNode, Triple

from server.entity_page import PageBuilder, Property, Value
from server.links import Linker
from server.names import Name, Names, collation_key, in_best_language, pick_by_language, short_name, sort_key
from server.namespaces import DCTERMS, OWL, RDF, RDF_TYPE, RDFS, SH, SKOS

CLASS_TYPES = frozenset((OWL + "Class", RDFS + "Class"))
PROPERTY_TYPES = frozenset(OWL + name for name in (
    "ObjectProperty", "DatatypeProperty", "AnnotationProperty", "SymmetricProperty", "TransitiveProperty",
    "FunctionalProperty", "InverseFunctionalProperty", "AsymmetricProperty", "ReflexiveProperty",
    "IrreflexiveProperty")) | {RDF + "Property"}
# The kinds of property the documentation lists apart, in this order (UI text key, OWL type); the rest are
# "other properties".
PROPERTY_KINDS = (("object_properties", OWL + "ObjectProperty"), ("datatype_properties", OWL + "DatatypeProperty"),
                  ("annotation_properties", OWL + "AnnotationProperty"))
SHAPE_TYPES = frozenset((SH + "NodeShape", SH + "PropertyShape"))
COMMENTS = (RDFS + "comment", DCTERMS + "description", SKOS + "definition")

# (UI text key, predicate, read backwards?) for the facts a term's section lists, in this order.
CLASS_FACTS = (
    ("superclasses", RDFS + "subClassOf", False),
    ("subclasses", RDFS + "subClassOf", True),
    ("equivalent", OWL + "equivalentClass", False),
    ("disjoint", OWL + "disjointWith", False),
    ("properties_of", RDFS + "domain", True),
    ("values_of", RDFS + "range", True),
)
PROPERTY_FACTS = (
    ("domain", RDFS + "domain", False),
    ("range", RDFS + "range", False),
    ("superproperties", RDFS + "subPropertyOf", False),
    ("subproperties", RDFS + "subPropertyOf", True),
    ("inverse", OWL + "inverseOf", False),
    ("equivalent", OWL + "equivalentProperty", False),
)
OTHER_FACTS = (("equivalent", OWL + "equivalentClass", False),)

# Shape predicates shown in their own columns rather than as constraints.
SHAPE_OWN = frozenset((RDF_TYPE, SH + "path", SH + "message", SH + "severity", SH + "property",
                       SH + "targetClass", *COMMENTS, RDFS + "label"))


class GraphIndex:
    """Triples looked up by subject, or by predicate and object; RDF lists read as sequences."""

    def __init__(self, triples: Iterable[Triple]):
        self.triples = tuple(triples)
        self.by_subject: dict[object, list[Triple]] = defaultdict(list)
        self.by_predicate_object: dict[tuple[str, object], list[object]] = defaultdict(list)
        for triple in self.triples:
            self.by_subject[triple.subject].append(triple)
            self.by_predicate_object[(triple.predicate.value, triple.object)].append(triple.subject)

    def objects(self, subject, predicate: str) -> list[object]:
        return [t.object for t in self.by_subject.get(subject, ()) if t.predicate.value == predicate]

    def subjects(self, predicate: str, obj) -> list[object]:
        return list(self.by_predicate_object.get((predicate, obj), ()))

    def types(self, subject) -> set[str]:
        return {term.value for term in self.objects(subject, RDF_TYPE) if isinstance(term, NamedNode)}

    def list_items(self, node) -> list[object] | None:
        """The members of the RDF list starting at `node`, or None if it is not a list."""
        items, seen = [], set()
        while node != NamedNode(RDF + "nil"):
            if node in seen or not self.objects(node, RDF + "first"):
                return None
            seen.add(node)
            items += self.objects(node, RDF + "first")[:1]
            rest = self.objects(node, RDF + "rest")
            if not rest:
                return None
            node = rest[0]
        return items


@dataclass(frozen=True)
class Fact:
    key: str  # UI text key (superclasses, domain…)
    values: tuple[tuple[Value, ...], ...]  # each value as parts: a term, or a rendered expression


@dataclass(frozen=True)
class Constraint:
    path: tuple[Value, ...]
    parameters: tuple[tuple[str, tuple[Value, ...]], ...]
    message: str | None
    severity: str | None


@dataclass(frozen=True)
class ShapeDoc:
    iri: str
    anchor: str
    href: str | None
    title: str
    comment: str | None
    targets: tuple[Value, ...]
    parameters: tuple[tuple[str, tuple[Value, ...]], ...]  # node-level constraints
    constraints: tuple[Constraint, ...]
    message: str | None


@dataclass(frozen=True)
class TermDoc:
    iri: str
    anchor: str
    title: str
    comment: str | None
    kinds: tuple[Value, ...]
    facts: tuple[Fact, ...]
    shapes: tuple[ShapeDoc, ...]
    instances: int | None = None
    instances_href: str | None = None


@dataclass(frozen=True)
class TermGroup:
    key: str  # UI text key: classes, object_properties…
    anchor: str  # the id of its section (term anchors are local names, which never hold a "/")
    terms: tuple[TermDoc, ...]


@dataclass(frozen=True)
class VocabularyDoc:
    iri: str
    title: str
    comment: str | None
    header: tuple[Property, ...]
    groups: tuple[TermGroup, ...]  # classes, properties by kind, other terms; only those with terms


@dataclass(frozen=True)
class ShapesDoc:
    iri: str
    title: str
    comment: str | None
    shapes: tuple[ShapeDoc, ...]
    others: tuple[TermDoc, ...]  # constraint components, SPARQL constraints…


class Renderer:
    """RDF terms as sequences of Values (text with optional links): a named term by its name, a
    literal as itself, a list as "a, b", a union as "a or b", a blank node as "[name value; …]"."""

    def __init__(self, index: GraphIndex, *, term_names: Names, prefixes: Mapping[str, str],
                 language: str, linker: Linker):
        self.index, self.term_names, self.prefixes = index, term_names, prefixes
        self.language, self.linker = language, linker

    def name(self, iri: str) -> str:
        if self.term_names.known(iri):
            return self.term_names.of(iri, self.language)
        return short_name(iri, self.prefixes)

    def parts(self, term, depth: int = 0) -> tuple[Value, ...]:
        if isinstance(term, NamedNode):
            return (Value(self.name(term.value), href=self.linker.href(term.value), iri=term.value),)
        if isinstance(term, Literal):
            return (Value(term.value, language=term.language or None),)
        if depth > 4:
            return (Value("…"),)
        items = self.index.list_items(term)
        if items is not None:
            return self.joined(items, ", ", depth)
        union = self.index.objects(term, OWL + "unionOf")
        if union and (members := self.index.list_items(union[0])) is not None:
            return self.joined(members, " | ", depth)
        inverse = self.index.objects(term, SH + "inversePath")
        if inverse:
            return (Value("^"), *self.parts(inverse[0], depth + 1))
        inner: list[Value] = []
        for triple in self.index.by_subject.get(term, ()):
            if triple.predicate.value == RDF_TYPE:
                continue
            if inner:
                inner.append(Value("; "))
            inner += [Value(self.name(triple.predicate.value) + " "), *self.parts(triple.object, depth + 1)]
        return (Value("["), *inner, Value("]"))

    def joined(self, terms: Sequence[object], separator: str, depth: int) -> tuple[Value, ...]:
        parts: list[Value] = []
        for term in terms:
            if parts:
                parts.append(Value(separator))
            parts += self.parts(term, depth + 1)
        return tuple(parts)

    def text(self, subject, predicates: Sequence[str]) -> Name | None:
        """The subject's value for the first predicate that has one, in the reader's language (or, failing
        that, another: the Name says which, for the page to mark it)."""
        for predicate in predicates:
            literals = [term for term in self.index.objects(subject, predicate) if isinstance(term, Literal)]
            if literals:
                chosen = pick_by_language(literals, self.language)
                return Name(chosen.value, chosen.language or None)
        return None


def local_anchor(iri: str, document_iri: str) -> str | None:
    prefix = document_iri + "#"
    return iri[len(prefix):] if iri.startswith(prefix) and len(iri) > len(prefix) else None


class ShapeDocumenter:
    def __init__(self, renderer: Renderer, shapes_iri: str):
        self.render, self.shapes_iri = renderer, shapes_iri
        self.index = renderer.index

    def shape(self, node) -> ShapeDoc:
        iri = getattr(node, "value", "")
        parameters, constraints = self.parameters(node), []
        for property_shape in self.index.objects(node, SH + "property"):
            paths = self.index.objects(property_shape, SH + "path")
            constraints.append(Constraint(
                path=self.path(paths[0]) if paths else (),
                parameters=self.parameters(property_shape),
                message=self.render.text(property_shape, (SH + "message",)),
                severity=self.severity(property_shape),
            ))
        return ShapeDoc(
            iri=iri,
            anchor=local_anchor(iri, self.shapes_iri) or "",
            href=self.render.linker.href(iri) if iri else None,
            title=self.render.name(iri) if iri else "",
            comment=self.render.text(node, COMMENTS),
            targets=tuple(sorted((self.render.parts(target)[0] for target in
                                  self.index.objects(node, SH + "targetClass")), key=sort_key)),
            parameters=parameters,
            constraints=tuple(sorted(constraints, key=lambda c: collation_key("".join(part.text for part in c.path)))),
            message=self.render.text(node, (SH + "message",)),
        )

    def path(self, node) -> tuple[Value, ...]:
        """A SHACL path: a sequence path reads `a / b`, an inverse path `^a`."""
        steps = self.index.list_items(node)
        return self.render.parts(node) if steps is None else self.render.joined(steps, " / ", 0)

    def parameters(self, node) -> tuple[tuple[str, tuple[Value, ...]], ...]:
        found = []
        for triple in self.index.by_subject.get(node, ()):
            if triple.predicate.value not in SHAPE_OWN:
                found.append((self.render.name(triple.predicate.value), self.render.parts(triple.object)))
        return tuple(sorted(found, key=lambda item: item[0]))

    def severity(self, node) -> str | None:
        severities = self.index.objects(node, SH + "severity")
        return short_name(severities[0].value, {"sh": SH}).removeprefix("sh:") if severities else None

    def targeting(self, class_iri: str) -> tuple[ShapeDoc, ...]:
        shapes = self.index.subjects(SH + "targetClass", NamedNode(class_iri))
        return tuple(sorted((self.shape(node) for node in shapes), key=sort_key_of_shape))


def sort_key_of_shape(shape: ShapeDoc) -> tuple[str, str]:
    return (collation_key(shape.title), shape.iri)


def vocabulary_doc(ontology: Sequence[Triple], shapes: Sequence[Triple], *, ontology_iri: str,
                   shapes_iri: str, class_counts: Mapping[str, int], term_names: Names,
                   prefixes: Mapping[str, str], language: str, linker: Linker,
                   browse_href) -> VocabularyDoc:
    """The model of `/def.html`. `browse_href(class_iri)` links a class to its list of instances."""
    index = GraphIndex(ontology)
    render = Renderer(index, term_names=term_names, prefixes=prefixes, language=language, linker=linker)
    shape_docs = ShapeDocumenter(
        Renderer(GraphIndex(shapes), term_names=term_names, prefixes=prefixes, language=language, linker=linker),
        shapes_iri)
    classes, properties, others = [], defaultdict(list), []
    for subject in sorted({t.subject for t in index.triples if isinstance(t.subject, NamedNode)}, key=str):
        anchor = local_anchor(subject.value, ontology_iri)
        if anchor is None:
            continue
        types = index.types(subject)
        if types & CLASS_TYPES:
            count = class_counts.get(subject.value, 0)
            classes.append(term_doc(render, subject, anchor, CLASS_FACTS, shape_docs.targeting(subject.value),
                                    instances=count, instances_href=browse_href(subject.value) if count else None))
        elif types & PROPERTY_TYPES:
            kind = next((key for key, owl_type in PROPERTY_KINDS if owl_type in types), "other_properties")
            properties[kind].append(term_doc(render, subject, anchor, PROPERTY_FACTS, ()))
        else:
            others.append(term_doc(render, subject, anchor, OTHER_FACTS, ()))
    ontology_node = NamedNode(ontology_iri)
    header = PageBuilder(index.by_subject.get(ontology_node, []), term_names=term_names, prefixes=prefixes,
                         language=language, linker=linker)
    own = [t for t in index.by_subject.get(ontology_node, []) if t.predicate.value != RDF_TYPE]
    groups = (("classes", classes), *((key, properties[key]) for key, _ in PROPERTY_KINDS),
              ("other_properties", properties["other_properties"]), ("other_terms", others))
    return VocabularyDoc(
        iri=ontology_iri,
        title=header.names.of(ontology_iri, language),
        comment=render.text(ontology_node, COMMENTS),
        header=tuple(own_iris_in_full(p, ontology_iri, replace(linker, here=""))
                     for group in header.groups(own) for p in group.properties if p.iri not in COMMENTS),
        groups=tuple(TermGroup(key, "terms/" + key.replace("_", "-"), tuple(sorted(terms, key=term_sort_key)))
                     for key, terms in groups if terms),
    )


def own_iris_in_full(prop: Property, ontology_iri: str, linker: Linker) -> Property:
    """The ontology's own IRIs in its header (its namespace `def#`, its version IRI `def/1.0.0`) are what a
    reader copies: shown in full, and linked as any page of the site (not as `#`, this page's top)."""
    own = (ontology_iri + "#", ontology_iri + "/")
    return replace(prop, values=tuple(
        replace(value, text=value.iri, href=(linker.href(value.iri) or "").removesuffix("#") or None)
        if value.iri and value.iri.startswith(own) else value for value in prop.values))


def shapes_doc(shapes: Sequence[Triple], *, shapes_iri: str, term_names: Names, prefixes: Mapping[str, str],
               language: str, linker: Linker) -> ShapesDoc:
    """The model of `/shapes.html`: every shape with its constraints, then the other named things."""
    index = GraphIndex(shapes)
    render = Renderer(index, term_names=term_names, prefixes=prefixes, language=language, linker=linker)
    documenter = ShapeDocumenter(render, shapes_iri)
    shape_docs, others = [], []
    for subject in sorted({t.subject for t in index.triples if isinstance(t.subject, NamedNode)}, key=str):
        anchor = local_anchor(subject.value, shapes_iri)
        if anchor is None:
            continue
        if index.types(subject) & SHAPE_TYPES:
            shape_docs.append(documenter.shape(subject))
        else:
            others.append(term_doc(render, subject, anchor, (), ()))
    node = NamedNode(shapes_iri)
    return ShapesDoc(
        iri=shapes_iri,
        title=Names((t.subject, t.predicate, t.object) for t in index.by_subject.get(node, [])).of(shapes_iri, language),
        comment=render.text(node, COMMENTS),
        shapes=tuple(sorted(shape_docs, key=sort_key_of_shape)),
        others=tuple(sorted(others, key=term_sort_key)),
    )


def term_doc(render: Renderer, subject: NamedNode, anchor: str, fact_specs, shapes, **extra) -> TermDoc:
    facts = []
    for key, predicate, backwards in fact_specs:
        terms = (render.index.subjects(predicate, subject) if backwards
                 else render.index.objects(subject, predicate))
        rendered = sorted((render.parts(term) for term in terms), key=lambda parts: collation_key("".join(p.text for p in parts)))
        if rendered:
            facts.append(Fact(key, tuple(rendered)))
    kinds = sorted((render.parts(NamedNode(kind))[0] for kind in render.index.types(subject)), key=sort_key)
    comments = [term for predicate in COMMENTS for term in render.index.objects(subject, predicate)
                if isinstance(term, Literal)]
    comment = " ".join(term.value for term in in_best_language(comments, render.language)) or None
    return TermDoc(iri=subject.value, anchor=anchor, title=render.name(subject.value), comment=comment,
                   kinds=tuple(kinds), facts=tuple(facts), shapes=shapes, **extra)


def term_sort_key(term: TermDoc) -> tuple[str, str]:
    return (collation_key(term.title), term.iri)
