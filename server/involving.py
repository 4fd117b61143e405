"""Everything involving a territory, an organisation or a person: which agreements, events and programmes
name it, or name a place within it, an organisation based there, governing or representing it, one of its
units, or a person holding a post in it; each with the path that connects them, in words.

`find` runs `server/queries/involving.rq` (the paths, in IRIs) and reads the names it needs; it depends on
no language, and the entity view keeps it per dataset version like the description. `section` turns it
into the page's "Involved in" section in the reader's language, with the words of `server/locales/*.json`
(`involving_how_<property>` for the first step, `involving_link_<property>` for each next one).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pyoxigraph import NamedNode

from server.links import Linker
from server.names import Names, collation_key
from server.namespaces import FOAF
from server.store import Store

ORG = "http://www.w3.org/ns/org#"
# What the section is shown for: IRIs relative to the base (the vocabulary's) or absolute.
INVOLVED = ("def#Territory", ORG + "Organization", FOAF + "Person")
# The kinds of things, in the order of the page, with the word of their group.
KINDS = (("def#Agreement", "agreements"), ("def#Event", "events"), ("def#Programme", "programmes"))
EARLIEST = "def#earliestDate"
MAX_ITEMS = 100  # things shown per kind; the others are counted (`/sparql` lists them all)


@dataclass(frozen=True)
class Path:
    """thing --how--> nodes[0] --links[0]--> nodes[1] … --links[-1]--> the resource; no nodes: the thing
    names the resource itself."""

    how: str
    nodes: tuple[str, ...] = ()
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class Involvement:
    thing: str
    paths: tuple[Path, ...]  # the shortest ways it involves the resource
    earliest: str = ""  # its cg:earliestDate, for the order


@dataclass(frozen=True)
class Found:
    """What involves one resource, whatever the reader's language."""

    resource: str
    kinds: tuple[tuple[str, tuple[Involvement, ...], int], ...]  # (group word, things shown, how many in all)
    names: Names


@dataclass(frozen=True)
class Segment:
    """One step of a path in words: `before` + the name (a link unless it is the page's own resource) + `after`."""

    before: str
    name: str
    href: str | None
    after: str = ""


@dataclass(frozen=True)
class Item:
    title: str
    href: str | None
    paths: tuple[tuple[Segment, ...], ...]


@dataclass(frozen=True)
class Group:
    kind: str  # "agreements", "events" or "programmes"
    items: tuple[Item, ...]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def involves(types: Iterable[str], base_iri: str) -> bool:
    """Whether a resource of these classes gets the section."""
    wanted = {absolute(iri, base_iri) for iri in INVOLVED}
    return any(iri in wanted for iri in types)


def find(store: Store, resource: str, base_iri: str) -> Found:
    paths: dict[str, dict[Path, None]] = defaultdict(dict)
    kind_of: dict[str, str] = {}
    for row in store.run_file("involving", resource=resource):
        thing = row["thing"].value
        kind_of[thing] = row["kindOfThing"].value
        nodes = tuple(row[name].value for name in ("via", "mid", "mid2") if row[name] is not None)
        links = tuple(row[name].value for name in ("link", "link2", "link3") if row[name] is not None)
        paths[thing][Path(row["how"].value, nodes, links)] = None
    shortest = {thing: _shortest(found) for thing, found in paths.items()}
    names, earliest = Names(), {}
    chosen: list[tuple[str, list[str], int]] = []
    for class_iri, word in KINDS:
        things = sorted((thing for thing, kind in kind_of.items() if kind == absolute(class_iri, base_iri)),
                        key=lambda thing: (len(shortest[thing][0].links), thing))
        chosen.append((word, things[:MAX_ITEMS], len(things)))
    wanted = {resource} | {thing for _, things, _ in chosen for thing in things}
    wanted |= {node for _, things, _ in chosen for thing in things for path in shortest[thing] for node in path.nodes}
    date = absolute(EARLIEST, base_iri)
    for iri in sorted(wanted):
        for triple in store.run_file("describe", resource=iri):
            if triple.subject == NamedNode(iri):
                names.add(triple.subject, triple.predicate, triple.object)
                if triple.predicate.value == date:
                    earliest[iri] = min(earliest.get(iri, triple.object.value), triple.object.value)
    kinds = tuple((word, tuple(Involvement(thing, shortest[thing], earliest.get(thing, "")) for thing in things), total)
                  for word, things, total in chosen)
    return Found(resource, kinds, names)


def section(found: Found, *, language: str, words: Mapping[str, str], linker: Linker,
            term_names: Names) -> tuple[Group, ...]:
    """The "Involved in" section for one reader: groups of things, each with its paths in words,
    in date order (undated last), then by name."""
    names = found.names
    groups = []
    for kind, involvements, total in found.kinds:
        if not involvements:
            continue
        items = [Item(names.of(inv.thing, language), linker.href(inv.thing),
                      tuple(_words(path, found.resource, names, language, words, linker, term_names)
                            for path in inv.paths))
                 for inv in involvements]
        order = {id(item): (not inv.earliest, inv.earliest, collation_key(item.title), inv.thing)
                 for item, inv in zip(items, involvements)}
        groups.append(Group(kind, tuple(sorted(items, key=lambda item: order[id(item)])), total))
    return tuple(groups)


def _shortest(paths: Iterable[Path]) -> tuple[Path, ...]:
    """The paths with the fewest steps, in a stable order."""
    paths = list(paths)
    fewest = min(len(path.links) for path in paths)
    return tuple(sorted((path for path in paths if len(path.links) == fewest),
                        key=lambda path: (path.how, path.nodes, path.links)))


def _words(path: Path, resource: str, names: Names, language: str, words: Mapping[str, str], linker: Linker,
           term_names: Names) -> tuple[Segment, ...]:
    targets = [*path.nodes, resource]
    steps = [("involving_how_", path.how, targets[0])]
    steps += [("involving_link_", link, targets[n + 1]) for n, link in enumerate(path.links)]
    segments = []
    for key, predicate, target in steps:
        template = words.get(key + local_name(predicate)) or _fallback(key, predicate, language, term_names)
        before, _, after = template.partition("{name}")
        href = None if target == resource else linker.href(target)
        segments.append(Segment(before, names.of(target, language), href, after))
    return tuple(segments)


def _fallback(key: str, predicate: str, language: str, term_names: Names) -> str:
    """Words for a property the locales do not know: its label."""
    label = term_names.of(predicate, language)
    return f"{label}: {{name}}" if key == "involving_how_" else f", {label} {{name}}"


def local_name(iri: str) -> str:
    """`party` for `…/def#party`, `organizer` for `http://schema.org/organizer`."""
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def absolute(iri: str, base_iri: str) -> str:
    return iri if "://" in iri else base_iri + iri


__all__ = ["Found", "Group", "Item", "Path", "Segment", "find", "involves", "section"]
