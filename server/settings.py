"""Every setting, once: the fields of `Settings` are the table, each with its default and its help.

From that table come the `COOPGRAPH_<NAME>` environment variables, the command-line flags of each
command (server/cli.py), the README's settings table (`coopgraph settings --markdown`, checked by a
test), and the SPARQL endpoint's advertised limits (`LIMITS`). Precedence, strongest first: flags >
environment > defaults. A bad value is a SettingsError whose message is one line for a person.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from server.graphs import CONTENT_GRAPHS, DEFAULT_GRAPH

ENV_PREFIX = "COOPGRAPH_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Hosts meaning "every interface": not an address a client can use in an IRI.
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})
# remote_graph_store's values that are not URLs (server/store/graph_store.py says what they do).
GRAPH_STORE_AUTO, GRAPH_STORE_NONE = "auto", "none"

# The commands a flag belongs to.
VALIDATE, BUILD, LOAD, SERVE = "validate", "build", "load", "serve"
EVERY_COMMAND = (VALIDATE, BUILD, LOAD, SERVE)
STORE_COMMANDS = (BUILD, LOAD, SERVE)


class SettingsError(ValueError):
    """A setting has a value the server cannot work with."""


@dataclass(frozen=True)
class Limit:
    """How the SPARQL endpoint advertises a limit setting: a term of `{base}sparql#` with its words."""

    term: str
    label: str
    unit: str
    comment: str

    def shown(self, value: int | float) -> str:
        number = f"{value:g}" if isinstance(value, float) else str(value)
        return f"{number} {self.unit}".rstrip()


def setting(default: Any = None, *, help: str, factory: Callable[[], Any] | None = None, flag: str | None = None,
            commands: tuple[str, ...] = (), shown: str | None = None, minimum: float | None = None,
            maximum: float | None = None, limit: Limit | None = None):
    """One row of the table: a dataclass field whose metadata says how people set it and what it means.
    `flag` is the command-line flag of `commands`; `shown` the default as the README writes it."""
    metadata = {"help": help, "flag": flag, "commands": commands, "shown": shown, "minimum": minimum,
                "maximum": maximum, "limit": limit}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


def default_title() -> dict[str, str]:
    return {
        "en": "coopgraph: Franco-Chinese territorial cooperation",
        "fr": "coopgraph : coopération territoriale franco-chinoise",
        "zh": "coopgraph：中法地方合作",
    }


def default_description() -> dict[str, str]:
    return {
        "en": "Agreements, actors, territories, events and figures of the territorial cooperation between "
              "France and China, each statement traced to the sentence of the source that supports it.",
        "fr": "Accords, acteurs, territoires, événements et chiffres de la coopération territoriale entre "
              "la France et la Chine, chaque affirmation rattachée à la phrase de la source qui l'établit.",
        "zh": "中法地方合作的协议、参与方、地区、活动和数据，每一项陈述都追溯到来源中支持它的原句。",
    }


def default_publisher() -> dict[str, str]:
    return {"en": "coopgraph contributors", "fr": "contributeurs de coopgraph", "zh": "coopgraph 贡献者"}


def default_keywords() -> dict[str, list[str]]:
    return {
        "en": ["decentralised cooperation", "France", "China", "local authorities", "agreements"],
        "fr": ["coopération décentralisée", "France", "Chine", "collectivités territoriales", "accords"],
        "zh": ["地方合作", "法国", "中国", "地方政府", "协议"],
    }


# EU data themes (publications.europa.eu authority table), the usual dcat:theme values.
DEFAULT_THEMES = (
    "http://publications.europa.eu/resource/authority/data-theme/GOVE",
    "http://publications.europa.eu/resource/authority/data-theme/INTR",
    "http://publications.europa.eu/resource/authority/data-theme/REGI",
)


@dataclass(frozen=True)
class Settings:
    """Everything configurable. Values left as None derive from others: folders from `root` (and the
    base IRI), the base IRI from host and port, so every IRI a local server shows resolves on it."""

    root: Path = setting(PROJECT_ROOT, flag="--root", commands=EVERY_COMMAND, shown="the repository",
                         help="folder holding `ontology/`, `data/`, `shapes/` (each must exist)")
    ontology_dir: Path | None = setting(shown="`ROOT/ontology`", help="the ontology folder, if not under ROOT")
    data_dir: Path | None = setting(shown="`ROOT/data`", help="the data folder, if not under ROOT")
    shapes_dir: Path | None = setting(shown="`ROOT/shapes`", help="the shapes folder, if not under ROOT")
    examples_dir: Path | None = setting(
        shown="`ROOT/queries`",
        help="example queries for the SPARQL and home pages (`*.rq`, first line `# Question: …`)")
    var_dir: Path | None = setting(flag="--var-dir", commands=EVERY_COMMAND, shown="`ROOT/var`",
                                   help="where dumps and on-disk stores are written: one folder per base IRI, "
                                        "`VAR_DIR/sites/<host>_<port>-<hash>/`, so servers on other IRIs never share them")
    base_iri: str | None = setting(flag="--base-iri", commands=EVERY_COMMAND, shown="`http://HOST:PORT/`",
                                   help="IRI every relative IRI resolves against; absolute http(s), ending in `/`")
    host: str = setting("127.0.0.1", flag="--host", commands=EVERY_COMMAND,
                        help="where `serve` listens, and the default base IRI's host (`0.0.0.0` gives "
                             "127.0.0.1: pass `--base-iri` for a public name)")
    port: int = setting(8000, flag="--port", commands=EVERY_COMMAND, minimum=1, maximum=65535,
                        help="where `serve` listens, and the default base IRI's port: every command reads it, "
                             "so `build` and `load` make what a `serve` on that port serves")
    web_server: str = setting("granian", flag="--web-server", commands=(SERVE,),
                              help="the HTTP server `serve` runs the app in: `granian` (Rust, the fastest) or "
                                   "`gunicorn` (threads); both fork their workers from one loaded app (server/serving.py)")
    workers: int = setting(2, flag="--workers", commands=(SERVE,), minimum=1, help="web worker processes")
    access_log: bool = setting(True, flag="--no-access-log", commands=(SERVE,),
                               help="write each request to standard error as one JSON line (id, method, path, "
                                    "status, bytes, time, route, format): server/observe.py")
    max_request_target_bytes: int = setting(
        4094, minimum=64, maximum=8000,
        help="longest request target (path and query string, percent-encoded) a server answers; longer ones get a 414 "
             "(POST long SPARQL queries)")
    validate_on_start: bool = setting(True, flag="--no-validate", commands=(LOAD, SERVE),
                                      help="validate before loading or serving; violations stop it "
                                           "(`--no-validate` skips it, and `serve` then builds no dumps)")
    query_timeout_s: float = setting(10.0, minimum=0.001, help="time per SPARQL query, in seconds", limit=Limit(
        "timeoutSeconds", "time per query", "s", "A query still running after this many seconds is stopped (its worker process is killed and "
        "replaced); the client gets a 504 naming the limit."))
    max_query_bytes: int = setting(64 * 1024, shown="64 KiB", minimum=1, help="longest SPARQL query", limit=Limit(
        "maxQueryBytes", "query length", "bytes", "A longer query (in UTF-8 bytes) is refused with a 413."))
    max_query_nesting: int = setting(64, minimum=1, help="deepest nesting of braces or parentheses in a SPARQL query",
                                     limit=Limit("maxQueryNesting", "query nesting", "levels",
                                                 "A query nested deeper (braces or parentheses), or with more than 8 "
                                                 "SUBSTR, REGEX or REPLACE calls inside one another, is refused with "
                                                 "a 400 before any parser reads it."))
    max_result_rows: int = setting(10_000, minimum=1, help="result rows or triples per query", limit=Limit(
        "maxResultRows", "result rows", "", "Results are cut after this many rows (or triples), well-formed, "
                                             "with the header Coopgraph-Result-Truncated: max-rows=N (and a note on "
                                             "the page)."))
    max_response_bytes: int = setting(16 * 1024 * 1024, shown="16 MiB", minimum=1, help="largest SPARQL response",
                                      limit=Limit("maxResponseBytes", "response size", "bytes",
                                                  "Results larger than this many bytes are refused with a 503 naming "
                                                  "the limit."))
    query_memory_mb: int = setting(1024, minimum=1, help="memory per query worker beyond what it inherits, in MB",
                                   limit=Limit("memoryLimitMegabytes", "memory per query", "MB",
                                               "A query needing more memory than this beyond what its worker "
                                               "inherits is stopped; the client gets a 503 naming the limit."))
    query_workers: int = setting(3, minimum=1, help="SPARQL worker processes per web worker", limit=Limit(
        "queryWorkers", "query workers", "", "Queries run at once per web worker, at most one fewer from one client "
                      "(address) so that another always finds a slot."))
    query_wait_s: float = setting(1.0, minimum=0.0, help="how long a SPARQL query may wait for a free slot, in seconds",
                                  limit=Limit("queueWaitSeconds", "wait for a slot", "s",
                                              "A query finding every slot of its server process taken (or its client "
                                              "holding all but one) waits this long at most, then gets a 503 with "
                                              "Retry-After; so do queries beyond twice as many waiting."))
    threads: int = setting(12, flag="--threads", commands=(SERVE,), minimum=1,
                           help="threads per web worker; SPARQL takes at most 3 × `QUERY_WORKERS` of them "
                                "(running and waiting), and at least 2 must remain for pages")
    replay_cache_mb: float = setting(64.0, minimum=0.0,
                                     help="finished responses each web worker keeps to send again (server/replay.py), "
                                          "in MB; with `MODEL_CACHE_MB`, what bounds a worker's growth")
    model_cache_mb: float = setting(64.0, minimum=0.0,
                                    help="what each web worker keeps of what pages are built from (descriptions, "
                                         "indexes: server/cache.py), in MB")
    store: str = setting("memory", flag="--store", commands=STORE_COMMANDS,
                         help="where the triples live: `memory` (read from the content folders at start), "
                              "`disk` or `remote` (what `coopgraph load` filled)")
    store_path: Path | None = setting(flag="--store-path", commands=STORE_COMMANDS, shown="the site's `store/`",
                                      help="the on-disk store's folder")
    remote_endpoint: str | None = setting(flag="--remote-endpoint", commands=STORE_COMMANDS, shown="none",
                                          help="the remote store's SPARQL query URL, e.g. "
                                               "`http://127.0.0.1:7878/query`")
    remote_update_endpoint: str | None = setting(
        flag="--remote-update-endpoint", commands=STORE_COMMANDS, shown="the query URL with `/query` → `/update`",
        help="its update URL, used by `coopgraph load` and for `graph/meta`")
    remote_graph_store: str = setting(
        GRAPH_STORE_AUTO, flag="--remote-graph-store", commands=(LOAD,),
        help="its SPARQL 1.1 Graph Store Protocol URL, used by `coopgraph load` (Oxigraph `…/store`, Fuseki "
             "`…/DATASET/data`); `auto`: the query URL with `/query` → `/store` when the server there is "
             "Oxigraph, else SPARQL Update; `none`: SPARQL Update only")
    remote_deadline_parameter: str | None = setting(
        flag="--remote-deadline-parameter", commands=(SERVE,), shown="none",
        help="the query parameter passing each query's deadline to the remote engine, so it stops when coopgraph "
             "stops waiting: `timeout` (seconds: Fuseki), `timeout:ms` (milliseconds: Virtuoso); none for Oxigraph, "
             "whose deadline is its own `--timeout-s` (docs/scaling.md)")
    remote_timeout_s: float = setting(10.0, minimum=0.001,
                                      help="deadline of each request to the remote store, in seconds (the SPARQL "
                                           "endpoint uses `QUERY_TIMEOUT_S`)")
    title: dict[str, str] = setting(factory=default_title, shown="en/fr/zh titles",
                                    help="the dataset's title, a JSON object keyed by language")
    description: dict[str, str] = setting(factory=default_description, shown="en/fr/zh texts",
                                          help="the dataset's description (VoID/DCAT), a JSON object keyed by language")
    license: str = setting("https://creativecommons.org/licenses/by/4.0/", shown="CC BY 4.0",
                           help="the license IRI")
    publisher: dict[str, str] = setting(factory=default_publisher, shown="en/fr/zh names",
                                        help="the publisher's name, a JSON object keyed by language")
    publisher_iri: str | None = setting(shown="none (`{base}dataset#publisher`)", help="the publisher's IRI")
    keywords: dict[str, list[str]] = setting(factory=default_keywords, shown="en/fr/zh keywords",
                                             help="`{\"en\": [...], \"fr\": [...]}`")
    themes: tuple[str, ...] = setting(DEFAULT_THEMES, shown="EU data themes GOVE, INTR, REGI",
                                      help="a JSON list of `dcat:theme` IRIs")
    issued: str = setting("2026-11-22", help="first publication date")

    def __post_init__(self) -> None:
        try:
            root = Path(self.root).expanduser().resolve()
        except (OSError, RuntimeError) as error:
            raise SettingsError(f"root {self.root}: {error}") from None
        var_dir = Path(self.var_dir or root / "var").expanduser().resolve()
        base_iri = self.base_iri or _base_iri_for(self.host, self.port)
        derived = {
            "root": root,
            **{f"{name}_dir": Path(getattr(self, f"{name}_dir") or root / name).resolve() for name in CONTENT_GRAPHS},
            "var_dir": var_dir,
            "examples_dir": Path(self.examples_dir or root / "queries").resolve(),
            "base_iri": base_iri,
            "store_path": Path(self.store_path or var_dir / "sites" / site_name(base_iri) / "store").resolve(),
            "remote_update_endpoint": self.remote_update_endpoint or _update_endpoint_for(self.remote_endpoint),
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)  # frozen: only here
        for row in dataclasses.fields(self):
            _check_range(row, getattr(self, row.name))
        if self.threads < 3 * self.query_workers + 2:
            raise SettingsError(f"threads {self.threads} must be at least 3 × query_workers + 2 = "
                                f"{3 * self.query_workers + 2}, so that SPARQL never takes the threads pages need")
        _check_base_iri(self.base_iri)
        _check_store(self)
        _check_web_server(self)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ, **overrides) -> Settings:
        """Settings from `COOPGRAPH_<FIELD>` variables; overrides that are not None (typically CLI
        flags) win over the environment."""
        values = {}
        for row in dataclasses.fields(cls):
            raw = environ.get(env_name(row))
            if raw is not None and raw != "":
                values[row.name] = _convert(row, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def check_content(self) -> None:
        """The content folders exist: refuses, before anything is read or written, a root that is not a
        project (a missing folder, or `data/` given for the project)."""
        if not self.root.is_dir():
            raise SettingsError(f"root {self.root}: no such folder")
        missing = [name for name in CONTENT_GRAPHS if not getattr(self, f"{name}_dir").is_dir()]
        if missing:
            raise SettingsError(f"{self.root} has no {', '.join(name + '/' for name in missing)} folder: the root "
                                "must be a project folder holding ontology/, data/ and shapes/")

    # Folders of this base IRI.
    @property
    def site_dir(self) -> Path:
        return self.var_dir / "sites" / site_name(self.base_iri)

    @property
    def dumps_dir(self) -> Path:
        """Where `serve` keeps and serves the dumps, and `build` writes them by default."""
        return self.site_dir / "dumps"

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
    def sparql_endpoint(self) -> str:
        return f"{self.base_iri}sparql"

    @property
    def ontology_iri(self) -> str:
        return f"{self.base_iri}def"

    @property
    def vocabulary_namespace(self) -> str:
        return f"{self.ontology_iri}#"

    def entity_iri(self, type_: str, slug: str) -> str:
        return f"{self.base_iri}id/{type_}/{slug}"

    def limits(self) -> list[tuple[Limit, int | float]]:
        """The SPARQL endpoint's limits, each with how it is advertised."""
        return [(row.metadata["limit"], getattr(self, row.name)) for row in limit_settings()]


SETTINGS: tuple[dataclasses.Field, ...] = dataclasses.fields(Settings)


def limit_settings() -> tuple[dataclasses.Field, ...]:
    return tuple(row for row in SETTINGS if row.metadata["limit"])


def env_name(row: dataclasses.Field) -> str:
    return ENV_PREFIX + row.name.upper()


def site_name(base_iri: str) -> str:
    """A folder name for a base IRI: readable, and unique thanks to a hash of the whole IRI."""
    readable = re.sub(r"[^A-Za-z0-9.-]+", "_", base_iri.split("://", 1)[-1]).strip("_")[:60]
    return f"{readable}-{hashlib.sha256(base_iri.encode()).hexdigest()[:8]}"


def markdown_table() -> str:
    """The README's table of settings, from the fields' metadata."""
    lines = ["| setting | flag | default | meaning |", "|---|---|---|---|"]
    for row in SETTINGS:
        flag = row.metadata["flag"]
        commands = row.metadata["commands"]
        where = "" if not flag else f"`{flag}`" + ("" if commands == EVERY_COMMAND else f" ({', '.join(commands)})")
        lines.append(f"| `{row.name.upper()}` | {where} | {_shown_default(row)} | {row.metadata['help']} |")
    return "\n".join(lines) + "\n"


def limits_table() -> str:
    """The README's table of the SPARQL endpoint's limits, as the service description advertises them."""
    lines = ["| limit (setting) | default | when reached |", "|---|---|---|"]
    for row in limit_settings():
        limit = row.metadata["limit"]
        lines.append(f"| {limit.label} (`{row.name.upper()}`) | {limit.shown(row.default)} | {limit.comment} |")
    return "\n".join(lines) + "\n"


def _shown_default(row: dataclasses.Field) -> str:
    if row.metadata["shown"]:
        return row.metadata["shown"]
    value = row.default
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"`{value}`"
    return f"{value:,}".replace(",", " ") if value >= 10_000 else str(value)


def _base_iri_for(host: str, port: int) -> str:
    host = "127.0.0.1" if host in WILDCARD_HOSTS else host
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def _check_range(row: dataclasses.Field, value) -> None:
    minimum, maximum = row.metadata["minimum"], row.metadata["maximum"]
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        bounds = f"from {minimum:g} to {maximum:g}" if maximum is not None else f"at least {minimum:g}"
        raise SettingsError(f"{row.name} {value!r} must be {bounds}")


def _check_base_iri(iri: str) -> None:
    example = "e.g. 'http://127.0.0.1:8000/'"
    try:
        parts = urlsplit(iri)
        parts.port  # noqa: B018 (raises ValueError for a port out of range or not a number)
    except ValueError as error:
        raise SettingsError(f"base IRI {iri!r} is not a valid IRI ({error}); {example}") from None
    if parts.scheme not in ("http", "https") or not parts.netloc or not iri.endswith("/"):
        raise SettingsError(f"base IRI {iri!r} must be an absolute http(s) IRI ending in '/', {example}")
    if parts.query or parts.fragment:
        raise SettingsError(f"base IRI {iri!r} must have no query or fragment")
    bad = re.search(r'[\s<>"{}|\\^`\x00-\x1f]', iri)
    if bad:
        raise SettingsError(f"base IRI {iri!r} holds {bad.group()!r}, which no IRI may hold; {example}")


def _update_endpoint_for(query_endpoint: str | None) -> str | None:
    """Oxigraph and Fuseki answer updates at .../update beside .../query; other servers at the same URL."""
    if query_endpoint and query_endpoint.rstrip("/").endswith("/query"):
        return query_endpoint.rstrip("/").removesuffix("query") + "update"
    return query_endpoint


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not re.search(r"\s", url)


def _check_web_server(settings: Settings) -> None:
    from server.serving import WEB_SERVERS  # the registry of servers, which reads settings itself

    if settings.web_server not in WEB_SERVERS:
        raise SettingsError(f"web_server {settings.web_server!r} must be one of {', '.join(WEB_SERVERS)}")


def _check_store(settings: Settings) -> None:
    from server.store import BACKENDS  # the registry of backends, which reads settings itself

    if settings.store not in BACKENDS:
        raise SettingsError(f"store {settings.store!r} must be one of {', '.join(BACKENDS)}")
    for name in ("remote_endpoint", "remote_update_endpoint"):
        url = getattr(settings, name)
        if url is not None and not _is_http_url(url):
            raise SettingsError(f"{name} {url!r} must be an absolute http(s) URL, e.g. 'http://127.0.0.1:7878/query'")
    graph_store = settings.remote_graph_store
    if graph_store not in (GRAPH_STORE_AUTO, GRAPH_STORE_NONE) and (
            not _is_http_url(graph_store) or urlsplit(graph_store).query or urlsplit(graph_store).fragment):
        raise SettingsError(f"remote_graph_store {graph_store!r} must be 'auto', 'none' or an absolute http(s) URL "
                            "without query, e.g. 'http://127.0.0.1:7878/store'")
    parameter = settings.remote_deadline_parameter
    if parameter is not None and not re.fullmatch(r"[A-Za-z_][\w.-]*(:ms|:s)?", parameter):
        raise SettingsError(f"remote_deadline_parameter {parameter!r} must be a parameter name, optionally with "
                            "its unit, e.g. 'timeout' or 'timeout:ms'")
    if settings.store == "remote" and not settings.remote_endpoint:
        raise SettingsError("store 'remote' needs remote_endpoint, e.g. COOPGRAPH_REMOTE_ENDPOINT=http://127.0.0.1:7878/query")


def _convert(row: dataclasses.Field, raw: str):
    """Turns an environment string into the field's type (annotations are strings here because of
    `from __future__ import annotations`)."""
    type_name = row.type
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
    except (ValueError, TypeError):
        raise SettingsError(f"{env_name(row)}={raw!r} is not a valid {type_name}") from None
