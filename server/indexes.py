"""Dataset-wide views the pages share: names of vocabulary terms, classes with their instance
counts (as a tree), the kinds of entity the IRI scheme shows, and the instances of a class.

Each is computed once per dataset version and kept in the app state's cache; the counts are the
figures of server/figures.py, counted when the server started.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from server.links import Linker
from server.names import Names, collation_key, short_name
from server.state import AppState


@dataclass(frozen=True)
class ClassEntry:
    iri: str
    title: str
    count: int
    href: str | None  # its list of instances
    children: tuple[ClassEntry, ...] = ()
    kind: str | None = None  # the IRI scheme's kind this class stands for, on the home page


def cached(state: AppState, key: tuple, build: Callable):
    """`build()`, kept in the app's cache under `key` and the dataset version."""
    return state.cache.get_or_build((*key, state.dataset.version), build)


def term_names(state: AppState) -> Names:
    """Names of the ontology's terms, for labelling properties and classes."""
    return cached(state, ("term-names",), lambda: Names(
        (row["term"], row["naming"], row["name"]) for row in state.dataset.store.run_file("labels-of-terms")))


def class_counts(state: AppState) -> dict[str, int]:
    """The figure `instances` (server/figures.py) of every class in use: its instances in the default graph,
    direct or through a sub-class, as counted when the server started."""
    return state.published.facts.instances


def superclasses(state: AppState) -> dict[str, set[str]]:
    """Each class's direct named super-classes."""
    def build():
        found: dict[str, set[str]] = defaultdict(set)
        for row in state.dataset.store.run_file("class-hierarchy"):
            found[row["class"].value].add(row["superclass"].value)
        return dict(found)
    return cached(state, ("superclasses",), build)


def browse_path(iri: str, prefixes: Mapping[str, str]) -> str:
    """The site path listing a class's instances: `/browse/cg:Agreement`, or `/browse/?class=<IRI>`
    for a class no prefix covers."""
    name = short_name(iri, prefixes)
    return f"/browse/{name}" if name != iri else f"/browse/?{urlencode({'class': iri})}"


def class_from_name(name: str, prefixes: Mapping[str, str]) -> str | None:
    """The class IRI for `cg:Agreement`, or None if the prefix is unknown."""
    prefix, colon, local = name.partition(":")
    return prefixes[prefix] + local if colon and local and prefix in prefixes else None


def class_tree(state: AppState, language: str, linker: Linker) -> tuple[ClassEntry, ...]:
    """Every class with instances, under its super-classes that have instances too (a class with
    several super-classes appears under each); the roots sorted by name."""
    counts, parents, names = class_counts(state), superclasses(state), term_names(state)
    children: dict[str, list[str]] = defaultdict(list)
    roots = []
    for iri in counts:
        known_parents = [parent for parent in parents.get(iri, ()) if parent in counts]
        for parent in known_parents:
            children[parent].append(iri)
        if not known_parents:
            roots.append(iri)

    def entry(iri: str, ancestors: frozenset[str]) -> ClassEntry:
        below = [entry(child, ancestors | {iri}) for child in children.get(iri, ()) if child not in ancestors]
        return ClassEntry(iri, names.of(iri, language), counts[iri],
                          linker.local(browse_path(iri, state.dataset.prefixes)), tuple(sorted(below, key=entry_key)))

    return tuple(sorted((entry(iri, frozenset()) for iri in roots), key=entry_key))


def featured_classes(state: AppState, language: str, linker: Linker) -> tuple[ClassEntry, ...]:
    """One class per kind of entity in the IRI scheme (`id/{kind}/…`): the most specific class
    all entities of that kind belong to, or else the one most of them belong to; each with its
    figure `instances` (which may count instances of other kinds too: it is the class's)."""
    counts = class_counts(state)

    def build():
        sizes, by_kind = {}, defaultdict(dict)
        for row in state.dataset.store.run_file("class-kinds"):
            kind, count = row["kind"].value, int(row["instances"].value)
            if row["class"] is None:
                sizes[kind] = count
            else:
                by_kind[kind][row["class"].value] = count
        ancestors = ancestor_sets(superclasses(state))
        chosen = []
        for kind in sizes:
            classes = {iri: count for iri, count in by_kind.get(kind, {}).items() if iri in counts}
            if not classes:
                continue
            # Among the classes covering the most entities, the one with the most ancestors among them.
            most = max(classes.values())
            candidates = [iri for iri, count in classes.items() if count == most]
            best = max(candidates, key=lambda iri: (len(ancestors.get(iri, set()) & set(candidates)), iri))
            chosen.append((kind, best))
        return chosen

    names = term_names(state)
    return tuple(sorted(
        (ClassEntry(iri, names.of(iri, language), counts[iri], linker.local(browse_path(iri, state.dataset.prefixes)),
                    kind=kind)
         for kind, iri in cached(state, ("featured-classes",), build)),
        key=entry_key))


def ancestor_sets(parents: Mapping[str, set[str]]) -> dict[str, set[str]]:
    """Every class's super-classes, direct or not."""
    found: dict[str, set[str]] = {}

    def ancestors(iri: str, path: frozenset[str]) -> set[str]:
        if iri not in found:
            result: set[str] = set()
            for parent in parents.get(iri, ()):
                if parent not in path:
                    result |= {parent} | ancestors(parent, path | {iri})
            found[iri] = result
        return found[iri]

    for iri in parents:
        ancestors(iri, frozenset())
    return found


def instances_of(state: AppState, class_iri: str, language: str) -> list[tuple[str, str]]:
    """The (name, IRI) of every instance of a class that has an IRI (those the figure `instances` counts,
    blank nodes left out), sorted by name."""
    def build():
        names, members = Names(), {}
        for row in state.dataset.store.run_file("class-instances", **{"class": class_iri}):
            members[row["instance"].value] = row["instance"]
            if row["name"] is not None:
                names.add(row["instance"], row["naming"], row["name"])
        return names, list(members)

    names, members = cached(state, ("class-instances", class_iri), build)
    return sorted(((names.of(iri, language), iri) for iri in members), key=lambda pair: (collation_key(pair[0]), pair[1]))


def entry_key(entry: ClassEntry) -> tuple[str, str]:
    return (collation_key(entry.title), entry.iri)
