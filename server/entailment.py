"""What the published content entails, for graph/entailed (server/graphs.py).

Generated at every load from the asserted data and the ontology, never written by hand, kept apart
from what the sources assert, and part of SPARQL's default graph, so that the obvious query works:

* types: the superclasses of each instance's classes (`?a a cg:Agreement` finds every kind);
* super-properties: each triple restated with the super-properties of its predicate
  (`?x dcterms:date ?d` finds signing dates);
* inverses: each link read the other way through `owl:inverseOf` or `owl:SymmetricProperty`
  (`?person org:holds ?post`, `?narrower skos:broader ?broader` and `?broader skos:narrower ?narrower`);
* date bounds: `cg:earliestDate` and `cg:latestDate`, days (`xsd:date`) that sort and compare
  whatever the precision the sources state a date with (docs/modelling.md, "How to ask").

The rules are SPARQL files in server/queries/ (`entailed-*.rq`), applied until none adds anything,
since one rule's output can feed another (the inverse of a super-property); the dates are computed
here because SPARQL engines disagree on date arithmetic (Oxigraph 0.5 leaves most of it unbound).
"""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Callable, Iterable

from pyoxigraph import Literal, NamedNode, Triple

from server.namespaces import XSD

RULES = ("entailed-types", "entailed-super-properties", "entailed-inverses")
# Each round only follows a chain of axioms one step further; the ontology's chains are short.
MAX_ROUNDS = 10
DATED = "entailed-dated"
EARLIEST, LATEST = "def#earliestDate", "def#latestDate"  # relative to the base IRI
_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$")

Rows = Callable[[str], Iterable]  # runs one of server/queries/ by name


def entail(run_file: Rows, add: Callable[[list[Triple]], None], base_iri: str) -> int:
    """Adds what the rules entail (through `add`, into graph/entailed, which the rules read back as
    part of the default graph), then the date bounds; returns how many triples were added."""
    added = 0
    for _ in range(MAX_ROUNDS):
        new = list(dict.fromkeys(triple for rule in RULES for triple in run_file(rule)))
        if not new:
            break
        add(new)
        added += len(new)
    bounds = list(date_bounds(run_file(DATED), base_iri))
    add(bounds)
    return added + len(bounds)


def date_bounds(rows: Iterable, base_iri: str) -> Iterable[Triple]:
    """cg:earliestDate: the first day of the start (or signing) date; cg:latestDate: the last day of the
    stated end date, else the last day of the start plus the stated duration, less a day (a term of
    ten years from 14 June 2018 ends on 13 June 2028), else, for an event, the last day of its start.
    Each is the widest the stated precision allows: an event of "June 2019" lies between 1 and 30 June."""
    earliest: dict[NamedNode, datetime.date] = {}
    latest: dict[NamedNode, datetime.date] = {}
    for row in rows:
        thing, start = row["thing"], _period(row["start"])
        if not isinstance(thing, NamedNode) or start is None:
            continue
        earliest[thing] = min(start[0], earliest.get(thing, start[0]))
        last = _last_day(start, row["end"], row["duration"], row["event"])
        if last is not None:
            latest[thing] = max(last, latest.get(thing, last))
    for name, found in ((EARLIEST, earliest), (LATEST, latest)):
        predicate = NamedNode(base_iri + name)
        for thing, day in sorted(found.items(), key=lambda item: item[0].value):
            yield Triple(thing, predicate, Literal(day.isoformat(), datatype=NamedNode(XSD + "date")))


def _last_day(start, end, duration, event) -> datetime.date | None:
    if (stated_end := _period(end)) is not None:
        return stated_end[1]
    if duration is not None and (term := _years_months_days(duration.value)) is not None:
        years, months, days = term
        return _add_months(start[1], 12 * years + months) + datetime.timedelta(days=days - 1)
    if event is not None and event.value == "true":
        return start[1]
    return None


def _period(term) -> tuple[datetime.date, datetime.date] | None:
    """The first and last day a date of the given precision covers; None for anything else."""
    if not isinstance(term, Literal) or term.datatype is None:
        return None
    kind, text = term.datatype.value, term.value
    try:
        if kind == XSD + "date":
            day = datetime.date.fromisoformat(text[:10])
            return day, day
        if kind == XSD + "gYearMonth":
            year, month = int(text[:4]), int(text[5:7])
            return datetime.date(year, month, 1), datetime.date(year, month, calendar.monthrange(year, month)[1])
        if kind == XSD + "gYear":
            year = int(text[:4])
            return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    except ValueError:  # the shapes report ill-formed dates; bounds are left out
        return None
    return None


def _years_months_days(duration: str) -> tuple[int, int, int] | None:
    match = _DURATION.match(duration)
    if not match or not any(match.groups()):
        return None
    return tuple(int(part or 0) for part in match.groups())  # type: ignore[return-value]


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """As XPath adds a yearMonthDuration: the day of the month is kept, or the month's last if shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
