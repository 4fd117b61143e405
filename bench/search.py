"""`python -m bench search --size 1M`: finding entities by name, against the alternative people have today.

On synthetic data of the given size (bench/generate.py), in one run on this machine:

* the search index: its build time and size (server/search.py, built in this process from a memory store);
* coopgraph serve (memory store, as `serve` runs it): /suggest as someone types (distinct prefixes of real
  names, never asked before, so no cache answers), /search pages, and 10-name /reconcile batches;
* the peers: `oxigraph serve` on the same triples answering the same lookups by a CONTAINS scan and by a
  REGEX scan of the labels (what a user of a bare SPARQL endpoint writes), and a bare Flask route (the floor
  of any Python web request here).

Each family's requests are distinct (wrk goes through them, then round again with a counter parameter, so no
response cache answers) and kept `CONCURRENCY` in flight for SECONDS; wrk's p50 and p99 in milliseconds, and each
family's ratio to the peers of the same run. Results go to
bench/results/search-SIZE.{json,md}. Not a test: the machine is shared and noisy; ratios are the point.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import pyoxigraph
import requests

from bench.generate import generate, parse_size
from bench.run import (_UNIT_MS, _WRK_LATENCY, BASE_IRI, BENCH_DIR, Preparation, Running, free_port, machine,
                       servers)
from server.i18n import LANGUAGES
from server.search import build
from server.settings import Settings
from server.store import MemoryStore

CONCURRENCY = 8
REQUESTS = 2000  # distinct requests per family, at most
SECONDS = 10.0  # of each family's run
RECONCILE_BATCH = 10
PREPARED = "prepared-search.json"
LABEL_SCAN = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?s ?label WHERE {{ ?s rdfs:label ?label "
              "FILTER({test}) }} LIMIT 10")
SCANS = {"contains": 'CONTAINS(LCASE(STR(?label)), "{text}")', "regex": 'REGEX(STR(?label), "^{text}", "i")'}


def prepare(size: int, workdir: Path, log) -> tuple[Path, Path, int]:
    """The generated project and its triples as N-Triples (for oxigraph serve), made once per size."""
    project, knowledge = workdir / "project", workdir / "knowledge.nt"
    try:
        done = json.loads((workdir / PREPARED).read_text())
        if done["size"] == size:
            return project, knowledge, done["triples"]
    except (OSError, ValueError, KeyError):
        pass
    project.mkdir(parents=True, exist_ok=True)
    triples = generate(size, project)
    quads = [quad.triple for folder in ("ontology", "data") for path in sorted((project / folder).glob("*.ttl"))
             for quad in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE, base_iri=BASE_IRI)]
    pyoxigraph.serialize(quads, str(knowledge), pyoxigraph.RdfFormat.N_TRIPLES)
    (workdir / PREPARED).write_text(json.dumps({"size": size, "triples": triples}))
    log(f"generated {triples} triples")
    return project, knowledge, triples


def index_build(project: Path, workdir: Path) -> tuple[dict, Path]:
    settings = Settings(root=project, base_iri=BASE_IRI, var_dir=workdir / "var")
    started = time.perf_counter()
    store = MemoryStore.from_sources(settings)
    loaded = time.perf_counter()
    path = workdir / "index.sqlite"
    build(store, settings, path, LANGUAGES)
    built = time.perf_counter()
    return {"load_s": round(loaded - started, 2), "build_s": round(built - loaded, 2),
            "size_mb": round(path.stat().st_size / 2**20, 1)}, path


def typed_names(index: Path, count: int) -> list[str]:
    """Distinct names of the data, in random (seeded) order: what people would type."""
    with sqlite3.connect(index) as connection:
        names = sorted({text for (text,) in connection.execute("SELECT text FROM names WHERE describes = 0")})
    random.Random(7).shuffle(names)
    return names[:count]


def prefixes(names: list[str]) -> list[str]:
    """As typed, two to six letters of a name's first word; each distinct."""
    seen, found = set(), []
    for name in names:
        word = name.split()[0]
        for length in range(2, min(6, len(word)) + 1):
            if word[:length].lower() not in seen:
                seen.add(word[:length].lower())
                found.append(word[:length])
    return found


def drive(requests_to_make: list[tuple[str, str, bytes | None, dict]], workdir: Path) -> dict:
    """(method, url, body, headers), `CONCURRENCY` at a time for SECONDS, through wrk (its latency figures,
    not a Python client's): each request in turn, and round again with a counter parameter added (`_=N`)
    so that no response cache answers a request it has seen."""
    if not requests_to_make:
        return {"requests": 0}
    script = workdir / "requests.lua"
    lines = ["local requests = {}"]
    for method, url, body, headers in requests_to_make:
        path = url.split("/", 3)[3]
        entries = ", ".join(f"[{_lua(name)}] = {_lua(value)}" for name, value in headers.items())
        lines.append(f"table.insert(requests, {{{_lua(method)}, {_lua('/' + path)}, "
                     f"{_lua(body.decode()) if body else 'nil'}, {{{entries}}}}})")
    lines += ["local n = 0",
              "request = function()",
              "  n = n + 1",
              "  local r = requests[(n - 1) % #requests + 1]",
              "  local path = r[2]",
              "  if n > #requests then path = path .. (string.find(path, '?', 1, true) and '&' or '?') .. '_=' .. n end",
              "  return wrk.format(r[1], path, r[4], r[3])",
              "end"]
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    origin = "/".join(requests_to_make[0][1].split("/", 3)[:3])
    output = subprocess.run(["wrk", "-t1", f"-c{CONCURRENCY}", f"-d{round(SECONDS)}s", "--latency", "--timeout", "30s",
                             "-s", str(script), origin], capture_output=True, text=True, check=True).stdout
    latencies = {match[1]: float(match[2]) * _UNIT_MS[match[3]] for match in _WRK_LATENCY.finditer(output)}
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"requests": int(re.search(r"(\d+) requests in", output)[1]), "errors": int(non_2xx[1]) if non_2xx else 0,
            "per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
            "p50_ms": round(latencies.get("50", float("nan")), 2), "p99_ms": round(latencies.get("99", float("nan")), 2),
            "distinct": len(requests_to_make)}


def _lua(text: str) -> str:
    """A Lua string literal."""
    return '"' + "".join(c if c.isalnum() or c in " -_./?=&%:+,;*()[]{}@!~'" else f"\\{ord(c):03d}"
                         for c in text) + '"'


def run(size_text: str, workdir: Path, log=print) -> dict:
    size = parse_size(size_text)
    workdir.mkdir(parents=True, exist_ok=True)
    project, knowledge, triples = prepare(size, workdir, log)
    index, index_path = index_build(project, workdir)
    log(f"index: {index}")
    names = typed_names(index_path, REQUESTS * 5)
    typed = prefixes(names)[:REQUESTS]
    report = {"size": size_text, "triples": triples, "machine": machine(), "index": index, "families": {}}

    available = servers(Preparation(project, knowledge, triples, {}), workdir)
    coopgraph = Running(available["coopgraph-memory"], free_port(), workdir / "coopgraph.log", timeout_s=1800)
    report["coopgraph_startup_s"] = round(coopgraph.startup_s, 1)
    families = report["families"]
    try:
        families["suggest"] = drive([("GET", f"{coopgraph.url}/suggest?q={quote(text)}", None, {}) for text in typed],
                                     workdir)
        families["search-page"] = drive([("GET", f"{coopgraph.url}/search?q={quote(text)}", None,
                                          {"Accept": "text/html"}) for text in typed], workdir)
        batches = [names[i:i + RECONCILE_BATCH] for i in range(0, len(names), RECONCILE_BATCH)]
        families["reconcile-10"] = drive([
            ("POST", f"{coopgraph.url}/reconcile",
             ("queries=" + quote(json.dumps({f"q{n}": {"query": name} for n, name in enumerate(batch)}))).encode(),
             {"Content-Type": "application/x-www-form-urlencoded"}) for batch in batches], workdir)
    finally:
        coopgraph.stop()

    oxigraph = Running(available["oxigraph-memory"], free_port(), workdir / "oxigraph.log")
    try:
        with open(knowledge, "rb") as body:
            requests.post(oxigraph.url + "/store?default", data=body, headers={"Content-Type": "application/n-triples"},
                          timeout=3600).raise_for_status()
        for scan, test in SCANS.items():
            families[f"oxigraph-{scan}"] = drive([
                ("GET", f"{oxigraph.url}/query?query=" + quote(LABEL_SCAN.format(test=test.format(
                    text=text.lower().replace('"', "")))), None, {"Accept": "application/sparql-results+json"})
                for text in typed], workdir)
    finally:
        oxigraph.stop()

    hello = Running(available["hello"], free_port(), workdir / "hello.log")
    try:
        families["hello"] = drive([("GET", f"{hello.url}/bytes/{200 + n % 7}", None, {}) for n in range(REQUESTS)],
                                  workdir)
    finally:
        hello.stop()

    out = BENCH_DIR / "results"
    out.mkdir(exist_ok=True)
    (out / f"search-{size_text}.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    (out / f"search-{size_text}.md").write_text(table(report), encoding="utf-8")
    log(table(report))
    return report


def table(report: dict) -> str:
    families = report["families"]
    floor = families.get("hello", {}).get("p50_ms")
    scan = families.get("oxigraph-contains", {}).get("p50_ms")
    lines = [f"# Search, {report['size']} ({report['triples']} data triples), {CONCURRENCY} clients",
             "", f"Index: built in {report['index']['build_s']} s from a store loaded in {report['index']['load_s']} s; "
             f"{report['index']['size_mb']} MB. coopgraph serve ready in {report.get('coopgraph_startup_s')} s.",
             "", "| family | requests | errors | req/s | p50 ms | p99 ms | p50 / hello | p50 / oxigraph CONTAINS scan |",
             "|---|---|---|---|---|---|---|---|"]
    for name, measured in families.items():
        if not measured.get("requests"):
            lines.append(f"| {name} | 0 | | | | | | |")
            continue
        ratio = (lambda base: f"{measured['p50_ms'] / base:.2f}" if base else "")
        lines.append(f"| {name} | {measured['requests']} | {measured['errors']} | {measured['per_s']} | "
                     f"{measured['p50_ms']} | {measured['p99_ms']} | {ratio(floor)} | {ratio(scan)} |")
    return "\n".join(lines) + "\n"
