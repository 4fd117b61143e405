"""One settings object, built from defaults, `COOPGRAPH_*` variables and CLI flags.

Precedence, strongest first: explicit overrides (CLI flags) > environment > defaults.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from server.graphs import DEFAULT_GRAPH

ENV_PREFIX = "COOPGRAPH_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Hosts meaning "every interface": not an address a client can use in an IRI.
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})
# remote_graph_store's values that are not URLs (server/graph_store.py says what they do).
GRAPH_STORE_AUTO, GRAPH_STORE_NONE = "auto", "none"


class SettingsError(ValueError):
    """A setting has a value the server cannot work with."""


def default_title() -> dict[str, str]:
    return {
        "en": "coopgraph: Franco-Chinese territorial cooperation",
        "fr": "coopgraph : coopération territoriale franco-chinoise",
    }


def default_description() -> dict[str, str]:
    return {
        "en": "Agreements, actors, territories, events and figures of the territorial cooperation between "
              "France and China, each statement traced to the sentence of the source that supports it.",
        "fr": "Accords, acteurs, territoires, événements et chiffres de la coopération territoriale entre "
              "la France et la Chine, chaque affirmation rattachée à la phrase de la source qui l'établit.",
    }


def default_publisher() -> dict[str, str]:
    return {"en": "coopgraph contributors", "fr": "contributeurs de coopgraph"}


def default_keywords() -> dict[str, list[str]]:
    return {
        "en": ["decentralised cooperation", "France", "China", "local authorities", "agreements"],
        "fr": ["coopération décentralisée", "France", "Chine", "collectivités territoriales", "accords"],
    }


# EU data themes (publications.europa.eu authority table), the usual dcat:theme values.
DEFAULT_THEMES = (
    "http://publications.europa.eu/resource/authority/data-theme/GOVE",
    "http://publications.europa.eu/resource/authority/data-theme/INTR",
    "http://publications.europa.eu/resource/authority/data-theme/REGI",
)


@dataclass(frozen=True)
class Settings:
    """Everything configurable. Folders left as None derive from `root`;
    `base_iri` left as None derives from host and port, so every IRI the
    server shows resolves on the server itself."""

    root: Path = PROJECT_ROOT
    ontology_dir: Path | None = None
    data_dir: Path | None = None
    shapes_dir: Path | None = None
    var_dir: Path | None = None
    # The SPARQL UI's example queries (*.rq, first line `# Question: …`).
    examples_dir: Path | None = None
    base_iri: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    validate_on_start: bool = True
    # Limits for the public SPARQL endpoint.
    query_timeout_s: float = 10.0
    max_query_bytes: int = 64 * 1024
    max_result_rows: int = 10_000
    max_response_bytes: int = 16 * 1024 * 1024
    query_workers: int = 2
    query_memory_mb: int = 1024
    # Where the triples live: "memory" (read from the content folders at start), "disk" (a store
    # `coopgraph load` filled, at store_path, default var/store) or "remote" (a SPARQL 1.1 server).
    store: str = "memory"
    store_path: Path | None = None
    remote_endpoint: str | None = None  # its query URL, e.g. http://127.0.0.1:7878/query
    remote_update_endpoint: str | None = None  # for `coopgraph load`; default: the query URL's .../update
    # Its SPARQL 1.1 Graph Store Protocol URL, for `coopgraph load`: a URL, "none" (SPARQL Update only)
    # or "auto" (…/query → …/store on an Oxigraph server; see server/graph_store.py).
    remote_graph_store: str = GRAPH_STORE_AUTO
    remote_timeout_s: float = 10.0
    title: dict[str, str] = field(default_factory=default_title)
    # The dataset's VoID/DCAT description: texts keyed by language, IRIs, an ISO date.
    description: dict[str, str] = field(default_factory=default_description)
    license: str = "https://creativecommons.org/licenses/by/4.0/"
    publisher: dict[str, str] = field(default_factory=default_publisher)
    publisher_iri: str | None = None  # None: a node of the dataset's own page
    keywords: dict[str, list[str]] = field(default_factory=default_keywords)
    themes: tuple[str, ...] = DEFAULT_THEMES
    issued: str = "2026-11-22"

    def __post_init__(self) -> None:
        root = Path(self.root).resolve()
        derived = {
            "root": root,
            "ontology_dir": self.ontology_dir or root / "ontology",
            "data_dir": self.data_dir or root / "data",
            "shapes_dir": self.shapes_dir or root / "shapes",
            "var_dir": self.var_dir or root / "var",
            "examples_dir": self.examples_dir or root / "tests" / "queries",
            "base_iri": self.base_iri or _base_iri_for(self.host, self.port),
            "store_path": self.store_path or Path(self.var_dir or root / "var") / "store",
            "remote_update_endpoint": self.remote_update_endpoint or _update_endpoint_for(self.remote_endpoint),
        }
        for name, value in derived.items():
            if name.endswith("_dir") or name == "store_path":
                value = Path(value).resolve()
            object.__setattr__(self, name, value)  # frozen: only here
        _check_base_iri(self.base_iri)
        _check_store(self)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ, **overrides) -> Settings:
        """Settings from `COOPGRAPH_<FIELD>` variables; overrides that are not
        None (typically CLI flags) win over the environment."""
        values = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is not None and raw != "":
                values[f.name] = _convert(f.name, f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    # IRIs the server mints. All of them live under the base IRI.
    def graph_iri(self, name: str) -> str:
        return f"{self.base_iri}graph/{name}"

    @property
    def default_graph_iris(self) -> tuple[str, ...]:
        """The graphs whose union is SPARQL's default graph."""
        return tuple(self.graph_iri(name) for name in DEFAULT_GRAPH)

    @property
    def dataset_iri(self) -> str:
        return f"{self.base_iri}dataset"

    @property
    def ontology_iri(self) -> str:
        return f"{self.base_iri}def"

    @property
    def vocabulary_namespace(self) -> str:
        return f"{self.ontology_iri}#"

    def entity_iri(self, type_: str, slug: str) -> str:
        return f"{self.base_iri}id/{type_}/{slug}"


def _base_iri_for(host: str, port: int) -> str:
    return f"http://{'127.0.0.1' if host in WILDCARD_HOSTS else host}:{port}/"


def _check_base_iri(iri: str) -> None:
    parts = urlsplit(iri)
    if parts.scheme not in ("http", "https") or not parts.netloc or not iri.endswith("/"):
        raise SettingsError(
            f"base IRI {iri!r} must be an absolute http(s) IRI ending in '/', "
            "e.g. 'http://127.0.0.1:8000/'"
        )
    if parts.query or parts.fragment:
        raise SettingsError(f"base IRI {iri!r} must have no query or fragment")


STORES = ("memory", "disk", "remote")


def _update_endpoint_for(query_endpoint: str | None) -> str | None:
    """Oxigraph and Fuseki answer updates at .../update beside .../query; other servers at the same URL."""
    if query_endpoint and query_endpoint.rstrip("/").endswith("/query"):
        return query_endpoint.rstrip("/").removesuffix("query") + "update"
    return query_endpoint


def _is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _check_store(settings: Settings) -> None:
    if settings.store not in STORES:
        raise SettingsError(f"store {settings.store!r} must be one of {', '.join(STORES)}")
    for name in ("remote_endpoint", "remote_update_endpoint"):
        url = getattr(settings, name)
        if url is not None and not _is_http_url(url):
            raise SettingsError(f"{name} {url!r} must be an absolute http(s) URL, e.g. 'http://127.0.0.1:7878/query'")
    graph_store = settings.remote_graph_store
    if graph_store not in (GRAPH_STORE_AUTO, GRAPH_STORE_NONE) and (
            not _is_http_url(graph_store) or urlsplit(graph_store).query or urlsplit(graph_store).fragment):
        raise SettingsError(f"remote_graph_store {graph_store!r} must be 'auto', 'none' or an absolute http(s) URL "
                            "without query, e.g. 'http://127.0.0.1:7878/store'")
    if settings.store == "remote" and not settings.remote_endpoint:
        raise SettingsError("store 'remote' needs remote_endpoint, e.g. COOPGRAPH_REMOTE_ENDPOINT=http://127.0.0.1:7878/query")
    if settings.remote_timeout_s <= 0:
        raise SettingsError(f"remote_timeout_s {settings.remote_timeout_s!r} must be positive")


def _convert(name: str, type_name: str, raw: str):
    """Turns an environment string into the field's type (annotations are strings
    here because of `from __future__ import annotations`)."""
    try:
        if type_name == "bool":
            lowered = raw.strip().lower()
            if lowered not in {"1", "true", "yes", "on", "0", "false", "no", "off"}:
                raise ValueError(raw)
            return lowered in {"1", "true", "yes", "on"}
        if type_name == "int":
            return int(raw)
        if type_name == "float":
            return float(raw)
        if type_name.startswith("dict"):
            return dict(json.loads(raw))
        if type_name.startswith("tuple"):  # a JSON list
            values = json.loads(raw)
            if not isinstance(values, list):
                raise ValueError(raw)
            return tuple(values)
        if "Path" in type_name:
            return Path(raw)
        return raw
    except (ValueError, TypeError) as error:
        raise SettingsError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a valid {type_name}") from error
