"""/sparql: the SPARQL 1.1 Protocol (query operation), its service description and the query UI.

This view reads the protocol (which parameters, from where, in what encoding), picks between
the page and the results, and writes the response. Checking and running the query is
`server.sparql`'s job, in a worker process. Two small JSON endpoints serve the page's script
(server/static/sparql.js): `/sparql/vocabulary`, the classes and properties the editor completes,
and `/sparql/labels`, the names of the IRIs of one results table, asked once per table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph
from flask import Blueprint, Response, abort, render_template, request, send_from_directory, url_for
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, ServiceUnavailable

from server.examples import Example
from server.formats import (ASK, DOCUMENT_FORMATS, HTML, RDF_FORMATS, RESULTS_FORMATS, SELECT, choose_format,
                            format_named, offered)
from server.http import finish
from server.i18n import reader_language
from server.indexes import cached
from server.links import Linker
from server.names import Name, Names, short_name
from server.negotiation import FORMAT_PARAMETER, linker, negotiate, respond
from server.observe import note
from server.sparql.check import READ_ONLY, QueryRefused
from server.sparql.prefixes import declare, predeclared
from server.sparql.runner import TRUNCATED_HEADER, QueryJob, cacheable
from server.sparql.search_service import rewrite as rewrite_searches
from server.sparql.service_description import PREFIXES as SD_PREFIXES
from server.sparql.service_description import service_description
from server.state import app_state
from server.store.sparql_text import with_values
from server.ui_text import UI_TEXT

sparql = Blueprint("sparql", __name__)

FORM_TYPE, QUERY_TYPE = "application/x-www-form-urlencoded", "application/sparql-query"
YASGUI_BUILD = Path(__file__).resolve().parent.parent / "static" / "vendor" / "node_modules" / "@zazuko" / "yasgui" / "build"
# A GET longer than this would pass gunicorn's request-line limit (4094 bytes): the page posts instead.
MAX_LINK_LENGTH = 3500
MAX_LABELLED_IRIS = 20_000  # IRIs one /sparql/labels request may ask about: a full table's, and then some
MAX_LABELS_BODY = 4 * 1024 * 1024


@sparql.route("/sparql", methods=["GET", "POST"])
def endpoint():
    operation = read_operation()
    if operation is None:
        return service_page()
    job, example = operation
    note(request.environ, "sparql", True)  # a query asked: its outcome is counted by its status
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
    malformed block. The page and the caches keep the query as sent. The block reads the predeclared
    prefixes too (`cg:searchText` undeclared): their line is put in front for it and taken off again,
    the runner declaring them once more for the whole query."""
    state = app_state()
    declared = declare(job.query, predeclared(state.dataset.prefixes))
    query = rewrite_searches(declared.text, base_iri=state.settings.base_iri, search=state.search.search,
                             max_rows=state.settings.max_result_rows)
    if query is declared.text:
        return job
    return replace(job, query=query[declared.offset:])


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
                     lambda: service_description(state.settings, state.dataset.store, state.dataset.prefixes))
    prefixes = {**SD_PREFIXES, "service": f"{state.settings.sparql_endpoint}#"}
    return respond(fmt, lambda: fmt.write(triples, prefixes=prefixes))


# ---------------------------------------------------------------------------------------------
# The vocabulary the editor completes, and the names of the IRIs in a results table


@sparql.get("/sparql/vocabulary")
def vocabulary():
    """The predeclared prefixes and the dataset's classes and properties, each with its name in the reader's
    language: what the editor completes from, so that it never asks another site."""
    state, language = app_state(), reader_language()
    terms, names = cached(state, ("sparql-vocabulary",), lambda: _vocabulary(state.dataset.store))
    response = Response(content_type="application/json")
    response.content_language = language

    def build() -> bytes:
        return _json({
            "prefixes": predeclared(state.dataset.prefixes),
            "terms": [{"iri": iri, "kind": kind, **_name(names.best(iri, language))} for iri, kind in terms],
        })
    return finish(response, body=build, vary=("Accept-Language",))


@sparql.post("/sparql/labels")
def labels():
    """POST {"iris": [...]}: the name, in the reader's language, and the page of each of these IRIs that has
    them. One request for a whole results table; names come from server/queries/sparql-labels.rq."""
    iris = _asked_iris()
    names, links = names_of(iris), linker()
    language = reader_language()
    response = Response(_json({"labels": {iri: {**_name(names.best(iri, language)), "href": links.href(iri)}
                                          for iri in iris}}), content_type="application/json")
    response.content_language = language
    response.vary.update(("Accept-Language", "Cookie"))
    return response


def names_of(iris) -> Names:
    """The names of these IRIs (one query, however many)."""
    iris = list(dict.fromkeys(iris))
    if not iris:
        return Names()
    rows = app_state().dataset.store.query(with_values("sparql-labels", [(iri,) for iri in iris]))
    return Names((row["term"], row["naming"], row["name"]) for row in rows)


def _vocabulary(store) -> tuple[tuple[tuple[str, str], ...], Names]:
    rows = list(store.run_file("sparql-vocabulary"))
    terms = tuple(dict.fromkeys((row["term"].value, row["kind"].value) for row in rows))
    return terms, Names((row["term"], row["naming"], row["name"]) for row in rows if row["name"] is not None)


def _asked_iris() -> list[str]:
    if request.mimetype != "application/json":
        raise BadRequest(f"Send the IRIs as JSON, {{\"iris\": [\"http://…\", …]}}, with Content-Type "
                         f"application/json; got {request.mimetype or 'none'}.")
    if request.content_length is not None and request.content_length > MAX_LABELS_BODY:
        abort(413, f"The request is larger than this endpoint's limit of {MAX_LABELS_BODY} bytes.")
    request.max_content_length = MAX_LABELS_BODY
    try:
        asked = json.loads(request.get_data(cache=False))
    except RequestEntityTooLarge:
        abort(413, f"The request is larger than this endpoint's limit of {MAX_LABELS_BODY} bytes.")
    except ValueError as error:
        raise BadRequest(f"The body is not JSON: {error}.") from None
    iris = asked.get("iris") if isinstance(asked, dict) else None
    if not isinstance(iris, list) or not all(isinstance(iri, str) for iri in iris):
        raise BadRequest('The body must be an object whose "iris" is a list of IRIs (strings).')
    if len(iris) > MAX_LABELLED_IRIS:
        raise BadRequest(f"Ask about at most {MAX_LABELLED_IRIS} IRIs at once; this request has {len(iris)}.")
    for iri in iris:
        try:
            pyoxigraph.NamedNode(iri)
        except ValueError:
            raise BadRequest(f"{iri[:200]!r} is not an absolute IRI.") from None
    return iris


def _name(name: Name | None) -> dict:
    return {"name": str(name), "lang": name.language or ""} if name is not None else {}


def _json(value) -> bytes:
    """JSON in UTF-8, with <, > and & escaped, so nothing in it can be read as markup."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


# ---------------------------------------------------------------------------------------------
# The page


def render_query_page(job: QueryJob | None, example: Example | None, *, result=None, error: QueryRefused | None = None):
    state, language = app_state(), reader_language()
    settings, prefixes, examples = state.settings, state.dataset.prefixes, state.examples
    words = UI_TEXT[language]
    query = job.query if job else _starting_query(prefixes)
    table = _table(result, linker(), prefixes, language) if result else None
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
        limits=[(words.get(f"sparql_limit_{limit.term}") or limit.label.capitalize(), _shown(limit, value, words))
                for limit, value in settings.limits()],
        default_graphs=settings.default_graph_iris,
        named_graphs=state.dataset.store.graphs(),
        predeclared=predeclared(prefixes),
        yasgui_installed=(YASGUI_BUILD / "yasgui.min.js").is_file(),
        ui_config={
            "endpoint": url_for("sparql.endpoint"),
            "query": query,
            # A page that ran a query (a link to its results, the no-JavaScript form) runs it in the editor too.
            "run": job is not None,
            "lang": language,
            "vocabulary": url_for("sparql.vocabulary", lang=language),
            "labels": url_for("sparql.labels", lang=language),
            "suggest": url_for("search.suggest"),
            "prefixes": predeclared(prefixes),
            "examples": {name: ex.query for name, ex in examples.items()},
            "words": {"results": words["sparql_results"],
                      **{key[len("sparql_js_"):]: text for key, text in words.items() if key.startswith("sparql_js_")}},
        },
    )


def _starting_query(prefixes) -> str:
    declarations = "".join(f"PREFIX {name}: <{namespace}>\n" for name, namespace in sorted(prefixes.items()))
    return f"{declarations}\nSELECT ?s ?p ?o\nWHERE {{ ?s ?p ?o }}\nLIMIT 20\n"


def _shown(limit, value, words) -> str:
    """A limit's value with its unit in the reader's words ("65536 octets")."""
    shown = limit.shown(value)
    unit = words.get(f"sparql_unit_{limit.unit}") if limit.unit else None
    return shown[: -len(limit.unit)] + unit if unit else shown


@dataclass(frozen=True)
class Cell:
    text: str
    href: str | None = None
    language: str | None = None
    datatype: str | None = None
    label: str | None = None  # an IRI's name, in the reader's language where it has one
    label_language: str | None = None


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[Cell | None]]
    boolean: bool | None = None


def _table(result, linker: Linker, prefixes, language: str) -> Table:
    """The results as a table of display cells (the view's only reading of them), IRIs named."""
    if result.form == ASK:
        return Table([], [], boolean=json.loads(result.body)["boolean"])
    if result.form == SELECT:
        solutions = pyoxigraph.parse_query_results(result.body, format=pyoxigraph.QueryResultsFormat.TSV)
        columns = [variable.value for variable in solutions.variables]
        terms = [[solution[column] for column in columns] for solution in solutions]
    else:
        columns = ["subject", "predicate", "object"]
        terms = [list(quad.triple) for quad in pyoxigraph.parse(result.body, format=pyoxigraph.RdfFormat.N_TRIPLES)]
    names = names_of(term.value for row in terms for term in row if isinstance(term, pyoxigraph.NamedNode))
    return Table(columns, [[_cell(term, linker, prefixes, names, language) for term in row] for row in terms])


def _cell(term, linker: Linker, prefixes, names: Names, language: str) -> Cell | None:
    if term is None:
        return None  # unbound
    if isinstance(term, pyoxigraph.NamedNode):
        name = names.best(term.value, language)
        return Cell(short_name(term.value, prefixes), href=linker.href(term.value),
                    label=str(name) if name is not None else None, label_language=name.language if name else None)
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
