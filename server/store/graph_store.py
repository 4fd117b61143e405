"""Whole graphs sent to a remote store with the SPARQL 1.1 Graph Store HTTP Protocol.

`coopgraph load` PUTs each staging graph as N-Triples to `<graph store>?graph=<staging graph>`: the
server parses plain N-Triples, several times faster than the same triples inside SPARQL Updates.

The setting `remote_graph_store` says where the protocol is served:

* a URL (Oxigraph: `http://host:7878/store`; Fuseki: `http://host:3030/<dataset>/data`);
* "none": SPARQL Update only (INSERT DATA), the portable way;
* "auto" (default): the query URL's `…/query` → `…/store`, used only when the server there says it
  is Oxigraph (`Server: Oxigraph/…` on `HEAD …/store?default`), whose Graph Store lives at that
  path; any other server, or none answering, keeps SPARQL Update.

On Oxigraph the PUT adds `no_transaction`: its bulk loader writes a million triples in a third of
the time of a transaction. That is safe for a staging graph nobody reads (a failed load drops it);
the swap that makes the data visible stays one transaction (server/load.py).
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from http.client import HTTPException
from typing import BinaryIO
from urllib.parse import urlencode

from server.settings import GRAPH_STORE_AUTO, GRAPH_STORE_NONE, Settings
from server.store.base import StoreError, StoreTimeout, StoreUnavailable
from server.store.client import is_oxigraph
from server.store.remote import N_TRIPLES



class GraphStore:
    """One Graph Store Protocol endpoint; each call is one request on its own connection."""

    def __init__(self, url: str, timeout_s: float, oxigraph: bool = False):
        self.url, self.timeout_s = url, timeout_s
        self.parameters = {"no_transaction": ""} if oxigraph else {}

    def put(self, graph: str, body: BinaryIO, size: int) -> None:
        """Makes `graph` hold exactly the N-Triples `body` (`size` bytes, streamed from where it is).
        Raises StoreUnavailable (refused, reset, 502-504), StoreTimeout or StoreError (any other
        answer than 2xx), each naming the server and the graph."""
        target = f"{self.url}?{urlencode({'graph': graph, **self.parameters})}"
        request = urllib.request.Request(target, data=body, method="PUT",
                                         headers={"Content-Type": N_TRIPLES, "Content-Length": str(size)})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                response.read()
        except urllib.error.HTTPError as error:
            detail = " ".join(error.read().decode("utf-8", "replace").split())[:500]
            failure = StoreUnavailable if error.code in (502, 503, 504) else StoreError
            raise failure(f"the Graph Store at {self.url} answered {error.code} to the PUT of <{graph}>: "
                          f"{detail or error.reason}") from None
        except (OSError, HTTPException) as error:  # URLError, refused or reset connections, timeouts
            reason = getattr(error, "reason", error)
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise StoreTimeout(f"the Graph Store at {self.url} did not answer within {self.timeout_s:g} s "
                                   f"to the PUT of <{graph}>") from None
            raise StoreUnavailable(f"the Graph Store at {self.url} cannot be reached ({reason}) "
                                   f"to PUT <{graph}>") from None


def graph_store_for(settings: Settings, timeout_s: float) -> GraphStore | None:
    """The Graph Store `coopgraph load` sends graphs to, or None for SPARQL Update (see the module)."""
    chosen = settings.remote_graph_store
    if chosen == GRAPH_STORE_NONE:
        return None
    if chosen != GRAPH_STORE_AUTO:
        return GraphStore(chosen, timeout_s, oxigraph=_is_oxigraph_graph_store(chosen))
    endpoint = (settings.remote_endpoint or "").rstrip("/")
    if not endpoint.endswith("/query"):
        return None
    candidate = endpoint.removesuffix("query") + "store"
    return GraphStore(candidate, timeout_s, oxigraph=True) if _is_oxigraph_graph_store(candidate) else None


def _is_oxigraph_graph_store(url: str) -> bool:
    """HEAD `url?default`: an Oxigraph server answers naming itself, without sending the graph."""
    return is_oxigraph(f"{url}?default")
