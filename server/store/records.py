"""What a store `coopgraph load` filled records about itself, so a server starts in milliseconds.

* The load record, in `{base}graph/meta`: the dataset version (`owl:versionInfo` of `{base}dataset`)
  and when its sources last changed (`dcterms:modified`). A store without one for this base IRI
  is not loaded (StoreNotLoaded).
* The recorded answers: the queries over the whole dataset a server runs when it starts (JSON-LD
  context, VoID counts) with their SELECT answers as SPARQL JSON, and the content's prefixes. A disk
  store keeps them in `answers.json` beside the database, a remote one in a graph of its own.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import pyoxigraph

from server.namespaces import DCTERMS, OWL, RDF, XSD
from server.store.base import StoreNotLoaded, term

if TYPE_CHECKING:
    from server.settings import Settings
    from server.store.base import Store

OWL_VERSION_INFO = pyoxigraph.NamedNode(OWL + "versionInfo")
DCTERMS_MODIFIED = pyoxigraph.NamedNode(DCTERMS + "modified")
XSD_DATETIME = pyoxigraph.NamedNode(XSD + "dateTime")

PREFIXES_KEY = "@prefixes"  # in the recorded answers: the content files' prefix declarations
ANSWERS_PREDICATE = RDF + "value"


def load_record(settings: Settings, version: str, modified: float) -> list[pyoxigraph.Triple]:
    """What a loaded store says about itself, with `dcterms:modified` written as the description
    (server/void.py) writes it, so the two agree."""
    dataset = pyoxigraph.NamedNode(settings.dataset_iri)
    moment = datetime.fromtimestamp(int(modified), tz=timezone.utc).isoformat(timespec="seconds")
    return [
        pyoxigraph.Triple(dataset, OWL_VERSION_INFO, pyoxigraph.Literal(version)),
        pyoxigraph.Triple(dataset, DCTERMS_MODIFIED, pyoxigraph.Literal(moment, datatype=XSD_DATETIME)),
    ]


def read_load_record(store: Store, settings: Settings, record=None) -> tuple[str, float]:
    """The (version, sources' modification time) `coopgraph load` wrote; StoreNotLoaded if none."""
    triples = list(store.run_file("load-record", dataset=settings.dataset_iri) if record is None else record)
    values = {triple.predicate: triple.object.value for triple in triples}
    if OWL_VERSION_INFO not in values or DCTERMS_MODIFIED not in values:
        raise StoreNotLoaded(f"the {settings.store} store holds no dataset loaded for the base IRI "
                             f"{settings.base_iri}: run `coopgraph load` with the same settings "
                             f"(--store {settings.store} and the same --base-iri, or --host and --port)")
    return values[OWL_VERSION_INFO], datetime.fromisoformat(values[DCTERMS_MODIFIED]).timestamp()


def answer_key(name: str, bindings: dict) -> str:
    return name + "".join(f" ?{var}={term(value)}" for var, value in sorted(bindings.items()))


def recorded_answer(answers: dict[str, str], name: str, bindings: dict):
    """The recorded answer of a query file with these bindings, as fresh QuerySolutions, or None."""
    recorded = answers.get(answer_key(name, bindings))
    if recorded is None:
        return None
    return pyoxigraph.parse_query_results(recorded.encode(), pyoxigraph.QueryResultsFormat.JSON)


def recorded_prefixes(answers: dict) -> dict[str, str] | None:
    """The prefixes `coopgraph load` recorded (parsing the sources again costs a second at 1M triples)."""
    prefixes = answers.get(PREFIXES_KEY)
    return json.loads(prefixes) if isinstance(prefixes, str) else None


def answers_graph(settings: Settings) -> str:
    """Where a remote store keeps its recorded answers: a graph outside the dataset's, never queried
    by a user (RemoteStore names only the dataset's graphs)."""
    return f"{settings.base_iri}graph/loading/answers"


class AnswerRecorder:
    """Runs query files on a store and keeps their SELECT answers as SPARQL JSON, to record them."""

    def __init__(self, store: Store):
        self.store, self.answers = store, {}

    def run_file(self, name, **bindings):
        results = self.store.run_file(name, **bindings)
        if not isinstance(results, pyoxigraph.QuerySolutions):
            return results
        text = results.serialize(format=pyoxigraph.QueryResultsFormat.JSON).decode()
        self.answers[answer_key(name, bindings)] = text
        return pyoxigraph.parse_query_results(text.encode(), pyoxigraph.QueryResultsFormat.JSON)
