"""`python -m bench run --size 100k`: coopgraph against its peers, on 127.0.0.1, on the same data.

Servers, started one at a time (the machine has two cores: running them together would measure their
fight for the CPU), each on the same generated data with the same IRIs:

* coopgraph-memory, coopgraph-disk, coopgraph-remote (`coopgraph serve`: Granian, 2 workers × 12 threads);
* coopgraph-gunicorn: the memory store under `--web-server gunicorn` (gthread, same workers and threads);
* oxigraph-memory, oxigraph-disk: raw `oxigraph serve` on the data and ontology as its default graph;
* rdflib-endpoint: rdflib behind FastAPI/uvicorn, as its CLI serves it;
* hello, hello-gunicorn: a bare Flask route under the same Granian (gunicorn) settings, answering as many
  bytes as coopgraph did for the same request: the ceiling of the Python tier under each server.

Workloads: the queries in bench/queries/*.rq (GET /sparql?query=…, relative IRIs resolved by a BASE
line), and entity documents as Turtle, JSON-LD and HTML (for the SPARQL servers, the equivalent
`CONSTRUCT WHERE { <entity> ?p ?o }`). Each runs at concurrency 1 and 8 with `wrk` for a fixed time,
after one request that checks the answer (and warms caches); a server too slow for wrk to finish a few
requests in that time is measured with a bounded number of plain requests instead.

Results: bench/results/<size>.json (everything measured) and bench/results/<size>.md (the tables),
from which bench/RESULTS.md quotes.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import quote

import psutil
import pyoxigraph
import requests

from bench import scenarios
from server.graphs import NAMED_GRAPHS
from server.settings import Settings
from bench.generate import generate, parse_size

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
BIN = Path(sys.executable).parent
BASE_IRI = "http://127.0.0.1:8000/"  # the same IRIs on every server, whatever port it listens on
ENTITY = "agreement/agreement-7"
CONCURRENCIES = (1, 8)
# As `coopgraph serve` runs each (server/serving.py).
GUNICORN_SETTINGS = ["--workers", "2", "--worker-class", "gthread", "--threads", "12", "--preload"]
GRANIAN_SETTINGS = ["--interface", "wsgi", "--workers", "2", "--blocking-threads", "12", "--backpressure", "12",
                    "--respawn-failed-workers"]

# name -> (media type asked for, document extension); the SPARQL peers answer a CONSTRUCT instead.
ENTITY_FORMATS = {"entity-ttl": ("text/turtle", "ttl"), "entity-jsonld": ("application/ld+json", "jsonld"),
                  "entity-html": ("text/html", "html")}
ENGINE_BOUND = {"join-date", "count-group", "optional-order"}


@dataclass(frozen=True)
class Workload:
    name: str
    query: str | None  # SPARQL text, or None for an entity document

    @property
    def kind(self) -> str:
        if self.name in ENTITY_FORMATS:
            return "entity"
        return "engine-bound" if self.name in ENGINE_BOUND else "light"

    def request(self, server: Server, sizes: dict[str, int]) -> tuple[str, dict[str, str]] | None:
        """The path and headers of this workload on `server`."""
        if server.kind == "hello":
            return f"/bytes/{sizes[self.name]}", {}
        if self.name in ENTITY_FORMATS:
            media_type, extension = ENTITY_FORMATS[self.name]
            if server.kind == "coopgraph":
                return f"/doc/{ENTITY}.{extension}", {"Accept": media_type}
            return self._sparql(server, f"CONSTRUCT WHERE {{ <id/{ENTITY}> ?p ?o }}", "text/turtle")
        accept = "text/turtle" if "CONSTRUCT" in self.query else "application/sparql-results+json"
        return self._sparql(server, self.query, accept)

    @staticmethod
    def _sparql(server: Server, query: str, accept: str) -> tuple[str, dict[str, str]]:
        return f"{server.sparql_path}?query={quote(f'BASE <{BASE_IRI}>' + chr(10) + query)}", {"Accept": accept}


def workloads() -> list[Workload]:
    queries = [Workload(path.stem, path.read_text(encoding="utf-8"))
               for path in sorted((BENCH_DIR / "queries").glob("*.rq"))]
    return queries + [Workload(name, None) for name in ENTITY_FORMATS]


@dataclass
class Server:
    name: str
    kind: str  # "coopgraph", "sparql" or "hello"
    command: list[str]
    ready_path: str
    sparql_path: str = "/sparql"
    companions: list[psutil.Process] = field(default_factory=list)  # processes it needs (the remote store)


@dataclass
class Measure:
    concurrency: int
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    tool: str  # "wrk" or "python"


@dataclass
class ServerResult:
    name: str
    startup_s: float
    peak_rss_mb: float = 0.0
    measures: dict[str, list[Measure]] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)  # bytes of each workload's answer
    failures: dict[str, str] = field(default_factory=dict)
    cold_ms: dict[str, list[float]] = field(default_factory=dict)  # first requests of other entities
    new_queries: dict[str, list[float]] = field(default_factory=dict)  # bench/scenarios.py, ms, sorted
    engine_new_queries: dict[str, list[float]] = field(default_factory=dict)  # the remote store's engine, directly
    storm: dict = field(default_factory=dict)  # bench/scenarios.py


class Running:
    """A server process group, its start-up time, and the peak RSS of all its processes (sampled)."""

    def __init__(self, server: Server, port: int, log: Path, timeout_s: float = 1800):
        self.server, self.url = server, f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        with open(log, "ab") as out:
            self.process = subprocess.Popen([part.replace("{port}", str(port)) for part in server.command],
                                            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True, cwd=PROJECT_ROOT)
        self.peak_rss = 0
        self._sampling = True
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        deadline = time.monotonic() + timeout_s
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{server.name} exited with {self.process.returncode}; see {log}")
            try:
                if requests.get(self.url + server.ready_path, timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{server.name} did not answer within {timeout_s} s; see {log}")
            time.sleep(0.05)
        self.startup_s = time.perf_counter() - started

    def _sample(self) -> None:
        root = psutil.Process(self.process.pid)
        while self._sampling:
            try:
                processes = [root, *root.children(recursive=True), *self.server.companions]
                self.peak_rss = max(self.peak_rss, sum(_rss(p) for p in processes))
            except psutil.NoSuchProcess:
                pass
            time.sleep(0.2)

    def stop(self) -> None:
        self._sampling = False
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _rss(process: psutil.Process) -> int:
    """The process's proportional set size: pages shared copy-on-write with the workers forked from
    the same master count once in all, not once per process (as RSS would count them)."""
    try:
        return process.memory_full_info().pss
    except (psutil.Error, AttributeError):
        return 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_WRK_LATENCY = re.compile(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(url: str, headers: dict[str, str], concurrency: int, seconds: float) -> Measure:
    command = ["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "30s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    latencies = {match[1]: float(match[2]) * _UNIT_MS[match[3]] for match in _WRK_LATENCY.finditer(output)}
    total = int(re.search(r"(\d+) requests in", output)[1])
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = (int(non_2xx[1]) if non_2xx else 0) + (sum(map(int, socket_errors.groups())) if socket_errors else 0)
    return Measure(concurrency, float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
                   latencies.get("50", float("nan")), latencies.get("99", float("nan")), total, errors, "wrk")


def run_python(url: str, headers: dict[str, str], concurrency: int, max_requests: int, max_seconds: float) -> Measure:
    """For servers too slow for a timed wrk run: `max_requests` requests (fewer after `max_seconds`)."""
    latencies, errors = [], 0
    started = time.perf_counter()

    def one(_):
        if time.perf_counter() - started > max_seconds:
            return None
        begin = time.perf_counter()
        response = requests.get(url, headers=headers, timeout=600)
        return time.perf_counter() - begin, response.status_code

    with ThreadPoolExecutor(concurrency) as pool:
        for outcome in pool.map(one, range(max_requests)):
            if outcome is not None:
                latencies.append(outcome[0] * 1000)
                errors += outcome[1] >= 300
    elapsed = time.perf_counter() - started
    latencies.sort()
    return Measure(concurrency, len(latencies) / elapsed, latencies[len(latencies) // 2],
                   latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], len(latencies), errors, "python")


def measure(running: Running, result: ServerResult, work: list[Workload], sizes: dict[str, int],
            seconds: float, log) -> None:
    for workload in work:
        path, headers = workload.request(running.server, sizes)
        url = running.url + path
        try:
            check = requests.get(url, headers=headers, timeout=600)
        except requests.RequestException as error:
            result.failures[workload.name] = str(error)
            continue
        if check.status_code != 200 or not check.content:
            result.failures[workload.name] = f"HTTP {check.status_code}: {check.text[:200]}"
            log(f"  {workload.name}: {result.failures[workload.name]}")
            continue
        result.sizes[workload.name] = len(check.content)
        for _ in range(6):  # both gunicorn workers keep their own cache: warm them all, as repeated traffic does
            requests.get(url, headers=headers, timeout=600)
        result.measures[workload.name] = []
        if running.server.kind == "coopgraph" and workload.kind == "entity":
            result.cold_ms[workload.name] = cold_latencies(running.url, workload, headers)
        for concurrency in CONCURRENCIES:
            found = run_wrk(url, headers, concurrency, seconds)
            if found.requests < 5 * concurrency:
                found = run_python(url, headers, concurrency, max_requests=concurrency, max_seconds=30)
            result.measures[workload.name].append(found)
            log(f"  {workload.name:15} c={concurrency}: {found.requests_per_s:10.1f} req/s  "
                f"p50 {found.p50_ms:8.2f} ms  p99 {found.p99_ms:8.2f} ms  errors {found.errors}")


def remote_dataset() -> str:
    """The protocol parameters coopgraph's remote store sends with every query (server/store/remote.py)."""
    settings = Settings(base_iri=BASE_IRI)
    return "".join([*(f"&default-graph-uri={quote(iri)}" for iri in settings.default_graph_iris),
                    *(f"&named-graph-uri={quote(settings.graph_iri(name))}" for name in NAMED_GRAPHS)])


def run_scenarios(running: Running, result: ServerResult, companion: Running | None, log) -> None:
    """New queries on every SPARQL server but rdflib-endpoint (minutes per family there); the storm on coopgraph."""
    if running.server.kind == "hello" or running.server.name == "rdflib-endpoint":
        return
    try:
        result.new_queries = scenarios.new_queries(running.url + running.server.sparql_path, BASE_IRI)
        if companion is not None:  # the engine coopgraph-remote fronts, asked directly in the same run, for the
            # same dataset coopgraph names in each request (without it the engine reads an empty default graph)
            result.engine_new_queries = scenarios.new_queries(companion.url + "/query", BASE_IRI, dataset=remote_dataset())
        for family, ms in result.new_queries.items():
            log(f"  {family:15} new queries: p50 {ms[len(ms) // 2]:8.2f} ms  p90 {ms[int(len(ms) * 0.9)]:8.2f} ms")
        if running.server.kind == "coopgraph":
            result.storm = scenarios.storm(running.url, f"/doc/{ENTITY}.ttl", BASE_IRI)
            log(f"  storm: document p99 {result.storm['document_p99_ms']:.1f} ms, cheap queries "
                f"{result.storm['cheap_query_ms']} ms, heavy {result.storm['heavy_statuses']}")
    except (RuntimeError, requests.RequestException) as error:
        result.failures["scenarios"] = str(error)
        log(f"  scenarios: {error}")


def cold_latencies(url: str, workload: Workload, headers: dict[str, str], count: int = 20) -> list[float]:
    """Milliseconds for the first request of `count` entities nobody asked for yet (nothing cached)."""
    extension = ENTITY_FORMATS[workload.name][1]
    offset = 100 + 100 * list(ENTITY_FORMATS).index(workload.name)  # other entities for each format
    found = []
    for n in range(offset, offset + count):
        begin = time.perf_counter()
        if requests.get(f"{url}/doc/agreement/agreement-{n}.{extension}", headers=headers, timeout=600).status_code != 200:
            return []  # data too small to hold that many agreements
        found.append((time.perf_counter() - begin) * 1000)
    return sorted(found)


PREPARED = "prepared.json"


@dataclass
class Preparation:
    project: Path
    knowledge_graph: Path  # data + ontology as N-Triples, for the peers
    triples: int
    timings: dict[str, float]  # load and dump-build times, seconds


def prepare(size: int, workdir: Path, remote: Server, log) -> Preparation:
    project = workdir / "project"
    project.mkdir(parents=True, exist_ok=True)
    timings = {}
    started = time.perf_counter()
    triples = generate(size, project)
    timings["generate"] = time.perf_counter() - started
    log(f"generated {triples} triples of data in {timings['generate']:.1f} s")

    knowledge_graph = workdir / "knowledge.nt"
    quads = []
    for folder in ("ontology", "data"):
        for path in sorted((project / folder).glob("*.ttl")):
            quads.extend(q.triple for q in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE,
                                                            base_iri=BASE_IRI))
    pyoxigraph.serialize(quads, str(knowledge_graph), pyoxigraph.RdfFormat.N_TRIPLES)
    del quads

    (workdir / PREPARED).unlink(missing_ok=True)
    for name in ("oxigraph-disk", "store", "remote-store", "dumps"):
        shutil.rmtree(workdir / name, ignore_errors=True)
    timings["load oxigraph-disk"] = _timed([str(BIN / "oxigraph"), "load", "--location", str(workdir / "oxigraph-disk"),
                                            "--file", str(knowledge_graph)])
    coopgraph = [str(BIN / "coopgraph")]
    common = ["--root", str(project), "--base-iri", BASE_IRI]
    timings["load coopgraph-disk"] = _timed([*coopgraph, "load", *common, "--no-validate", "--store", "disk",
                                             "--store-path", str(workdir / "store")])
    remote_store = Running(remote, free_port(), workdir / "remote-store.log")
    try:
        # Oxigraph's Graph Store Protocol at /store: each graph in one N-Triples PUT, not INSERT DATA.
        timings["load coopgraph-remote"] = _timed([*coopgraph, "load", *common, "--no-validate", "--store", "remote",
                                                   "--remote-endpoint", remote_store.url + "/query",
                                                   "--remote-graph-store", remote_store.url + "/store"])
    finally:
        remote_store.stop()
    timings["dump build (coopgraph build, disk store)"] = _timed(
        [*coopgraph, "build", *common, "--store", "disk", "--store-path", str(workdir / "store"),
         "--out", str(workdir / "dumps")])
    for name, seconds in timings.items():
        log(f"{name}: {seconds:.1f} s")
    (workdir / PREPARED).write_text(json.dumps({"size": size, "triples": triples, "timings": timings}))
    return Preparation(project, knowledge_graph, triples, timings)


def prepared(size: int, workdir: Path) -> Preparation | None:
    """What an earlier run prepared in `workdir` for this size (data, stores, dumps), if it finished."""
    try:
        done = json.loads((workdir / PREPARED).read_text())
    except (OSError, ValueError):
        return None
    if done["size"] != size:
        return None
    return Preparation(workdir / "project", workdir / "knowledge.nt", done["triples"], done["timings"])


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   env={k: v for k, v in os.environ.items() if not k.startswith("COOPGRAPH_")})
    return time.perf_counter() - started


def servers(preparation: Preparation, workdir: Path) -> dict[str, Server]:
    coopgraph = [str(BIN / "coopgraph"), "serve", "--root", str(preparation.project), "--base-iri", BASE_IRI,
                 "--port", "{port}", "--workers", "2", "--no-validate"]
    oxigraph = str(BIN / "oxigraph")
    return {
        "coopgraph-memory": Server("coopgraph-memory", "coopgraph", coopgraph, "/healthz"),
        "coopgraph-disk": Server("coopgraph-disk", "coopgraph",
                                 [*coopgraph, "--store", "disk", "--store-path", str(workdir / "store")], "/healthz"),
        "coopgraph-remote": Server("coopgraph-remote", "coopgraph", [*coopgraph, "--store", "remote"], "/healthz"),
        "coopgraph-gunicorn": Server("coopgraph-gunicorn", "coopgraph", [*coopgraph, "--web-server", "gunicorn"],
                                     "/healthz"),
        "oxigraph-memory": Server("oxigraph-memory", "sparql", [oxigraph, "serve", "--bind", "127.0.0.1:{port}"],
                                  "/query?query=ASK%7B%7D", "/query"),
        "oxigraph-disk": Server("oxigraph-disk", "sparql", [oxigraph, "serve-read-only", "--location",
                                                            str(workdir / "oxigraph-disk"), "--bind", "127.0.0.1:{port}"],
                                "/query?query=ASK%7B%7D", "/query"),
        "rdflib-endpoint": Server("rdflib-endpoint", "sparql", [str(BIN / "rdflib-endpoint"), "serve", "--host", "127.0.0.1",
                                                                "--port", "{port}", str(preparation.knowledge_graph)],
                                  "/?query=ASK%7B%7D", "/"),
        "hello": Server("hello", "hello", [str(BIN / "granian"), *GRANIAN_SETTINGS, "--access-log", "--host", "127.0.0.1",
                                           "--port", "{port}", "bench.hello:app"], "/bytes/1"),
        "hello-gunicorn": Server("hello-gunicorn", "hello", [str(BIN / "gunicorn"), *GUNICORN_SETTINGS, "--access-logfile", "-",
                                                             "--bind", "127.0.0.1:{port}", "bench.hello:app"], "/bytes/1"),
    }


def remote_store_server(workdir: Path) -> Server:
    return Server("oxigraph (remote store)", "sparql", [str(BIN / "oxigraph"), "serve", "--location",
                                                        str(workdir / "remote-store"), "--bind", "127.0.0.1:{port}"],
                  "/query?query=ASK%7B%7D", "/query")


def run(size_text: str, seconds: float, only: list[str] | None, workdir: Path, log=print, reuse: bool = False) -> dict:
    """Runs the chosen servers (all by default). With --only, the servers' results replace theirs in
    the last report of that size and the others are kept, so one server can be measured again."""
    size = parse_size(size_text)
    workdir.mkdir(parents=True, exist_ok=True)
    out = BENCH_DIR / "results"
    out.mkdir(exist_ok=True)
    report_path = out / f"{size_text}.json"
    previous = json.loads(report_path.read_text()) if only and report_path.exists() else {}
    remote = remote_store_server(workdir)
    preparation = (reuse and prepared(size, workdir)) or prepare(size, workdir, remote, log)
    available = servers(preparation, workdir)
    chosen = [name for name in available if not only or name in only]
    work = workloads()
    report = {
        "size": size_text, "triples": preparation.triples, "seconds_per_run": seconds,
        "machine": machine(), "timings": preparation.timings,
        "servers": previous.get("servers", {}), "workloads": {w.name: w.kind for w in work},
    }
    sizes: dict[str, int] = report["servers"].get("coopgraph-memory", {}).get("sizes", {})
    for name in chosen:
        server = available[name]
        companion = None
        if name == "coopgraph-remote":
            companion = Running(remote, free_port(), workdir / "remote-store.log")
            server.command = [*server.command, "--remote-endpoint", companion.url + "/query"]
            server.companions = [psutil.Process(companion.process.pid)]
        log(f"{name}: starting")
        try:
            running = Running(server, free_port(), workdir / f"{name}.log", timeout_s=1200)
        except RuntimeError as error:
            log(f"{name}: {error}")
            if companion:
                companion.stop()
            continue
        try:
            if name == "oxigraph-memory":  # an in-memory oxigraph is loaded over HTTP once it runs
                with open(preparation.knowledge_graph, "rb") as body:
                    requests.post(running.url + "/store?default", data=body,
                                  headers={"Content-Type": "application/n-triples"}, timeout=3600).raise_for_status()
            result = ServerResult(name, running.startup_s)
            log(f"{name}: ready in {running.startup_s:.2f} s")
            measure(running, result, work, sizes, seconds, log)
            run_scenarios(running, result, companion, log)
            if name == "coopgraph-memory":
                sizes.update(result.sizes)
            result.peak_rss_mb = running.peak_rss / 2**20
            report["servers"][name] = asdict(result)
        except RuntimeError as error:  # a server that does not start: said in the report, the others go on
            log(f"{name}: {error}")
        finally:
            running.stop()
            if companion:
                companion.stop()
        report["machine"] = machine()
        report_path.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")  # after each server
        (out / f"{size_text}.md").write_text(tables(report), encoding="utf-8")
    log(f"wrote {out / f'{size_text}.md'} and .json")
    return report


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "pyoxigraph": pyoxigraph.__version__ if hasattr(pyoxigraph, "__version__")
            else "?", "load_average_at_end": os.getloadavg(), "kernel": platform.release()}


# --- the tables ---------------------------------------------------------------------------------------

COOPGRAPH = ("coopgraph-memory", "coopgraph-disk", "coopgraph-remote", "coopgraph-gunicorn")
# The bare route under the same web server as each coopgraph server.
HELLO_FOR = {"coopgraph-gunicorn": "hello-gunicorn"}
PEER_FOR_STORE = {"coopgraph-memory": "oxigraph-memory", "coopgraph-disk": "oxigraph-disk",
                  "coopgraph-remote": "oxigraph-disk", "coopgraph-gunicorn": "oxigraph-memory"}


def _rate(report, server, workload, concurrency) -> float | None:
    for found in report["servers"].get(server, {}).get("measures", {}).get(workload, []):
        if found["concurrency"] == concurrency:
            return found["requests_per_s"]
    return None


def _ratio(numerator, denominator) -> str:
    if numerator is None or denominator in (None, 0):
        return "–"
    return f"{numerator / denominator:.2f}×"


def new_query_table(report: dict) -> list[str]:
    """New queries: each server's p50 and p90, and coopgraph's difference with the engine under it."""
    peers = {"coopgraph-memory": ("oxigraph-memory", "new_queries"), "coopgraph-disk": ("oxigraph-disk", "new_queries"),
             "coopgraph-remote": ("coopgraph-remote", "engine_new_queries")}
    servers = report["servers"]
    rows = []
    for server, (peer, key) in peers.items():
        mine, theirs = servers.get(server, {}).get("new_queries"), servers.get(peer, {}).get(key)
        for family, ms in (mine or {}).items():
            other = (theirs or {}).get(family)
            cells = [f"{ms[len(ms) // 2]:.2f} / {ms[int(len(ms) * 0.9)]:.2f}"]
            if other:
                cells += [f"{other[len(other) // 2]:.2f} / {other[int(len(other) * 0.9)]:.2f}",
                          f"{ms[len(ms) // 2] - other[len(other) // 2]:+.2f}"]
            else:
                cells += ["–", "–"]
            rows.append(f"| {family} | {server} | {peer if key == 'new_queries' else 'its Oxigraph server'} | "
                        + " | ".join(cells) + " |")
    if not rows:
        return []
    return ["", f"## New queries ({scenarios.PER_FAMILY} distinct per family, one at a time)", "",
            "Target: within 1 ms of `oxigraph serve` on the memory store, within 2 ms of the engine fronted on the "
            "remote store (p50 difference).", "",
            "| family | server | peer | server p50 / p90 (ms) | peer p50 / p90 (ms) | p50 difference (ms) |",
            "|---|---|---|---|---|---|", *rows]


def tables(report: dict) -> str:
    servers_run = list(report["servers"])
    lines = [f"# {report['size']} ({report['triples']} data triples), {report['seconds_per_run']} s per measure",
             "", "Machine: " + ", ".join(f"{k} {v}" for k, v in report["machine"].items()), ""]
    lines += ["## Throughput (requests/s) and latency p50 / p99 (ms)", "",
              "| workload | kind | c | " + " | ".join(servers_run) + " |",
              "|---|---|---|" + "---|" * len(servers_run)]
    for workload, kind in report["workloads"].items():
        for concurrency in CONCURRENCIES:
            cells = []
            for server in servers_run:
                found = [m for m in report["servers"][server]["measures"].get(workload, [])
                         if m["concurrency"] == concurrency]
                cells.append(f"{found[0]['requests_per_s']:.1f} ({found[0]['p50_ms']:.1f} / {found[0]['p99_ms']:.1f})"
                             if found else "–")
            lines.append(f"| {workload} | {kind} | {concurrency} | " + " | ".join(cells) + " |")
    lines += ["", "## Ratios (coopgraph ÷ peer, same run)", "",
              "Targets: engine-bound ≥ 0.8× oxigraph on the same kind of store; light and entity ≥ 0.7× hello "
              "(same bytes); everything ≥ 10× rdflib-endpoint.", "",
              "| workload | kind | c | server | ÷ oxigraph (same store) | ÷ hello | ÷ rdflib-endpoint |",
              "|---|---|---|---|---|---|---|"]
    for workload, kind in report["workloads"].items():
        for concurrency in CONCURRENCIES:
            for server in COOPGRAPH:
                mine = _rate(report, server, workload, concurrency)
                if mine is None:
                    continue
                lines.append(f"| {workload} | {kind} | {concurrency} | {server} | "
                             f"{_ratio(mine, _rate(report, PEER_FOR_STORE[server], workload, concurrency))} | "
                             f"{_ratio(mine, _rate(report, HELLO_FOR.get(server, 'hello'), workload, concurrency))} | "
                             f"{_ratio(mine, _rate(report, 'rdflib-endpoint', workload, concurrency))} |")
    lines += ["", "## Start-up, memory, load and dumps", "", "| server | start-up (s) | peak memory (PSS), all processes (MB) |",
              "|---|---|---|"]
    for server, result in report["servers"].items():
        lines.append(f"| {server} | {result['startup_s']:.2f} | {result['peak_rss_mb']:.0f} |")
    lines += ["", "| step | seconds |", "|---|---|"]
    lines += [f"| {step} | {seconds:.1f} |" for step, seconds in report["timings"].items()]
    cold = {(server, w): ms for server, r in report["servers"].items() for w, ms in r.get("cold_ms", {}).items()}
    if cold:
        lines += ["", "## Entity documents nobody asked for yet (20 each, ms)", "", "| server | workload | p50 | max |",
                  "|---|---|---|---|"]
        lines += [f"| {server} | {w} | {ms[len(ms) // 2]:.1f} | {ms[-1]:.1f} |" for (server, w), ms in cold.items()]
    lines += new_query_table(report)
    storms = {server: r["storm"] for server, r in report["servers"].items() if r.get("storm")}
    if storms:
        lines += ["", f"## The storm ({scenarios.STORM} heavy queries from one client for {scenarios.STORM_S:g} s)", "",
                  "| server | cached document p50 / p99 (ms) | cheap new queries from another client (ms) | heavy queries |",
                  "|---|---|---|---|"]
        lines += [f"| {server} | {s['document_p50_ms']:.1f} / {s['document_p99_ms']:.1f} | "
                  f"{', '.join(f'{ms:.0f}' for ms in s['cheap_query_ms'])} ({s['cheap_query_statuses']}) | "
                  f"{s['heavy_statuses']} |" for server, s in storms.items()]
    failures = {f"{server}: {w}": why for server, r in report["servers"].items() for w, why in r["failures"].items()}
    if failures:
        lines += ["", "## Failures", ""] + [f"- {where}: {why}" for where, why in failures.items()]
    return "\n".join(lines) + "\n"
