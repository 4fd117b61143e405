"""/sparql: the SPARQL 1.1 Protocol (query operation), its service description and the query UI.

This view reads the protocol (which parameters, from where, in what encoding), picks between
the page and the results, and writes the response. Checking and running the query is
`server.sparql`'s job, in a worker process.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph
from flask import Blueprint, Response, abort, render_template, request, send_from_directory
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from werkzeug.exceptions import RequestEntityTooLarge, ServiceUnavailable

from server.examples import Example
from server.formats import (ASK, DOCUMENT_FORMATS, HTML, RDF_FORMATS, RESULTS_FORMATS, SELECT, choose_format,
                            format_named, offered)
from server.http import finish
from server.indexes import cached
from server.links import Linker
from server.names import short_name
from server.negotiation import FORMAT_PARAMETER, negotiate, respond
from server.sparql.check import READ_ONLY, QueryRefused
from server.sparql.runner import TRUNCATED_HEADER, QueryJob, cacheable
from server.sparql.search_service import rewrite as rewrite_searches
from server.sparql.service_description import PREFIXES as SD_PREFIXES
from server.sparql.service_description import service_description, summary
from server.state import app_state

sparql = Blueprint("sparql", __name__)

FORM_TYPE, QUERY_TYPE = "application/x-www-form-urlencoded", "application/sparql-query"
YASGUI_BUILD = Path(__file__).resolve().parent.parent / "static" / "vendor" / "node_modules" / "@zazuko" / "yasgui" / "build"
# A GET longer than this would pass gunicorn's request-line limit (4094 bytes): the page posts instead.
MAX_LINK_LENGTH = 3500


@sparql.route("/sparql", methods=["GET", "POST"])
def endpoint():
    operation = read_operation()
    if operation is None:
        return service_page()
    job, example = operation
    wants_html = _wants_html()
    job = replace(job, for_html=wants_html)
    # A repeated GET of results is the replay's to answer (it keeps the finished response); a repeated
    # POST or results page (built anew for each request) costs a lookup of its results here. Either way
    # they hold as long as the dataset version.
    repeatable = cacheable(job)
    keep = repeatable and (wants_html or request.method == "POST")
    try:
        queries = app_state().queries
        client = request.remote_addr or ""

        def run():
            return queries.run(with_searches(job), client)

        result = cached(app_state(), ("sparql", job), run) if keep else run()
    except QueryRefused as refusal:
        if wants_html:
            retry = {"Retry-After": str(refusal.retry_after_s)} if refusal.retry_after_s else {}
            return render_query_page(job, example, error=refusal), refusal.status, retry
        if refusal.retry_after_s:
            raise ServiceUnavailable(refusal.message, retry_after=refusal.retry_after_s)
        abort(refusal.status, refusal.message)
    if wants_html:
        return render_query_page(job, example, result=result)
    response = Response(result.body, mimetype=result.media_type)
    if result.truncation_header:
        response.headers[TRUNCATED_HEADER] = result.truncation_header
        response.headers["Access-Control-Expose-Headers"] = TRUNCATED_HEADER  # readable by other sites' scripts
    return finish(response, vary=(), shareable=repeatable)


@sparql.route("/update", methods=["GET", "POST"])
@sparql.route("/sparql/update", methods=["GET", "POST"])
def update():
    """Where clients look for an update endpoint: there is none."""
    abort(403, READ_ONLY)


@sparql.get("/sparql/yasgui/<path:filename>")
def yasgui(filename: str):
    """YASGUI's built script and stylesheet, from the npm package `.ci/install` installs."""
    return send_from_directory(YASGUI_BUILD, filename, max_age=86400)


def read_operation() -> tuple[QueryJob, Example | None] | None:
    """The query operation the request asks for (SPARQL 1.1 Protocol, 2.1), or None for a GET
    without a query. Aborts with 400, 403, 413 or 415 saying what is wrong."""
    limits = app_state().settings
    if request.method == "GET":
        queries, params = request.args.getlist("query"), request.args
    elif request.mimetype == FORM_TYPE:
        _check_charset("form")
        params = CombinedMultiDict([request.args, _form(3 * limits.max_query_bytes + 8192)])
        queries = params.getlist("query")
    elif request.mimetype == QUERY_TYPE:
        _check_charset("query")
        queries, params = [*request.args.getlist("query"), _body(limits.max_query_bytes)], request.args
    else:
        abort(415, f"A query sent by POST needs Content-Type {FORM_TYPE} (query=… in the body) or "
                   f"{QUERY_TYPE} (the query as the body); got {request.mimetype or 'none'}.")
    if "update" in params:
        abort(403, READ_ONLY)
    example = _example(params)
    if example is not None:
        queries = [*queries, example.query]
    if len(queries) > 1:
        abort(400, "Send exactly one query: this request has more than one (query and example parameters count).")
    if not queries or not queries[0].strip():
        if request.method == "GET" and not queries:
            return None
        abort(400, "No query: send it as the query parameter, or as the body with Content-Type application/sparql-query.")
    query = queries[0]
    if len(query.encode("utf-8")) > limits.max_query_bytes:
        abort(413, f"The query is longer than this endpoint's limit of {limits.max_query_bytes} bytes.")
    return QueryJob(
        query=query,
        accept=request.headers.get("Accept", ""),
        format_name=params.get(FORMAT_PARAMETER) or None,
        default_graphs=_graph_names(params, "default-graph-uri"),
        named_graphs=_graph_names(params, "named-graph-uri"),
    ), example


def with_searches(job: QueryJob) -> QueryJob:
    """The job with its `SERVICE <{base}search>` blocks answered here, from the name index the web process
    holds (server/sparql/search_service.py), before a query worker runs it; QueryRefused (400) for a
    malformed block. The page and the caches keep the query as sent."""
    state = app_state()
    query = rewrite_searches(job.query, base_iri=state.settings.base_iri, search=state.search.search,
                             max_rows=state.settings.max_result_rows)
    return job if query is job.query else replace(job, query=query)


def _check_charset(what: str) -> None:
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        abort(415, f"The {what} must be encoded in UTF-8 (SPARQL 1.1 Protocol); got charset={charset}.")


def _body(max_bytes: int) -> str:
    if request.content_length is not None and request.content_length > max_bytes:
        abort(413, f"The query is longer than this endpoint's limit of {max_bytes} bytes.")
    request.max_content_length = max_bytes  # also bounds a chunked body, which has no Content-Length
    try:
        return request.get_data(cache=False).decode("utf-8")
    except RequestEntityTooLarge:
        abort(413, f"The query is longer than this endpoint's limit of {max_bytes} bytes.")
    except UnicodeDecodeError as error:
        abort(400, f"The query is not valid UTF-8 (byte {error.start}).")


def _form(max_bytes: int) -> MultiDict:
    if request.content_length is not None and request.content_length > max_bytes:
        abort(413, f"The form is larger than this endpoint's limit of {max_bytes} bytes.")
    request.max_content_length = max_bytes
    try:
        return request.form
    except RequestEntityTooLarge:
        abort(413, f"The form is larger than this endpoint's limit of {max_bytes} bytes.")


def _example(params) -> Example | None:
    name = params.get("example")
    if name is None:
        return None
    examples = app_state().examples
    if name not in examples:
        abort(404, f"No example query named {name!r}; there are: {', '.join(examples) or 'none'}.")
    return examples[name]


def _graph_names(params, name: str) -> tuple[str, ...] | None:
    if name not in params:
        return None
    iris = tuple(params.getlist(name))
    for iri in iris:
        try:
            pyoxigraph.NamedNode(iri)
        except ValueError:
            abort(400, f"{name}={iri!r} is not an absolute IRI.")
    return iris


def _wants_html() -> bool:
    """A browser (or format=html) gets a page with a results table; programs get the results."""
    requested = request.values.get(FORMAT_PARAMETER)
    if requested:
        return format_named(requested, [HTML]) is HTML
    return choose_format(request.headers.get("Accept", ""), (*RESULTS_FORMATS, *RDF_FORMATS, HTML)) is HTML


def service_page():
    """GET /sparql without a query: the UI for browsers, the service description for RDF clients."""
    fmt = negotiate(DOCUMENT_FORMATS)
    if fmt is HTML:
        return render_query_page(None, None)
    state = app_state()
    triples = cached(state, ("sparql-service-description",),
                     lambda: service_description(state.settings, state.dataset.store))
    prefixes = {**SD_PREFIXES, "service": f"{state.settings.sparql_endpoint}#"}
    return respond(fmt, lambda: fmt.write(triples, prefixes=prefixes))


# ---------------------------------------------------------------------------------------------
# The page


def render_query_page(job: QueryJob | None, example: Example | None, *, result=None, error: QueryRefused | None = None):
    state = app_state()
    settings, prefixes, examples = state.settings, state.dataset.prefixes, state.examples
    query = job.query if job else _starting_query(prefixes)
    table = _table(result, Linker(settings.base_iri), prefixes) if result else None
    return render_template(
        "sparql.html",
        query=query,
        example=example,
        examples=examples.values(),
        table=table,
        result=result,
        error=error,
        downloads=_downloads(job, example, result) if result else [],
        ran=job is not None,
        summary=summary(settings),
        limits=settings.limits(),
        default_graphs=settings.default_graph_iris,
        named_graphs=state.dataset.store.graphs(),
        yasgui_installed=(YASGUI_BUILD / "yasgui.min.js").is_file(),
        ui_config={
            "endpoint": settings.sparql_endpoint,
            "query": query,
            "prefixes": dict(prefixes),
            "examples": {name: ex.query for name, ex in examples.items()},
        },
    )


def _starting_query(prefixes) -> str:
    declarations = "".join(f"PREFIX {name}: <{namespace}>\n" for name, namespace in sorted(prefixes.items()))
    return f"{declarations}\nSELECT ?s ?p ?o\nWHERE {{ ?s ?p ?o }}\nLIMIT 20\n"


@dataclass(frozen=True)
class Cell:
    text: str
    href: str | None = None
    language: str | None = None
    datatype: str | None = None


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[Cell | None]]
    boolean: bool | None = None


def _table(result, linker: Linker, prefixes) -> Table:
    """The results as a table of display cells (the view's only reading of them)."""
    if result.form == ASK:
        return Table([], [], boolean=json.loads(result.body)["boolean"])
    if result.form == SELECT:
        solutions = pyoxigraph.parse_query_results(result.body, format=pyoxigraph.QueryResultsFormat.TSV)
        columns = [variable.value for variable in solutions.variables]
        rows = [[_cell(solution[column], linker, prefixes) for column in columns] for solution in solutions]
        return Table(columns, rows)
    triples = pyoxigraph.parse(result.body, format=pyoxigraph.RdfFormat.N_TRIPLES)
    return Table(["subject", "predicate", "object"],
                 [[_cell(term, linker, prefixes) for term in quad.triple] for quad in triples])


def _cell(term, linker: Linker, prefixes) -> Cell | None:
    if term is None:
        return None  # unbound
    if isinstance(term, pyoxigraph.NamedNode):
        return Cell(short_name(term.value, prefixes), href=linker.href(term.value))
    if isinstance(term, pyoxigraph.Literal):
        datatype = None if term.language or term.datatype.value.endswith("#string") else short_name(term.datatype.value, prefixes)
        return Cell(term.value, language=term.language, datatype=datatype)
    return Cell(str(term))  # a blank node or a triple term, in N-Triples syntax


def _downloads(job: QueryJob, example: Example | None, result) -> list[tuple[str, str, str]]:
    """(label, href or "", format) for each format the results come in: a link when it is short
    enough for a GET, else a button posting the query (the page renders both)."""
    params = {"example": example.name} if example else {"query": job.query}
    params |= {"default-graph-uri": job.default_graphs or (), "named-graph-uri": job.named_graphs or ()}
    downloads = []
    for fmt in offered(result.form):
        href = f"{request.path}?{urlencode({**params, 'format': fmt.extension}, doseq=True)}"
        downloads.append((fmt.name, href if len(href) <= MAX_LINK_LENGTH else "", fmt.extension))
    return downloads
