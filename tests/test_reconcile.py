"""The reconciliation service (/reconcile, W3C Entity Reconciliation API 0.2) on the real project.

* The specification's own JSON schemas (tests/fixtures/reconciliation/0.2, their source in its README) accept their
  valid examples and refuse their invalid ones; every request we send and every response we get validates.
* Golden candidate lists: accented, Chinese, variant-spelled and ambiguous names; property scoring; data extension
  values against the data; the preview; bad input; CORS and JSONP.
* A real client: tests/openrefine_session.py drives a live server over HTTP as OpenRefine does, on every backend.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from server import create_app
from server.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SPEC = Path(__file__).resolve().parent / "fixtures" / "reconciliation" / "0.2"
SESSION_SCRIPT = Path(__file__).resolve().parent / "openrefine_session.py"
SCHEMAS = {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted((SPEC / "schemas").glob("*.json"))}
REGISTRY = Registry().with_resources(
    (schema["$id"], Resource.from_contents(schema, default_specification=DRAFT7)) for schema in SCHEMAS.values())
# Examples of parts of a schema, which the specification's test script (test.sh) does not check: their schema.
PARTS = {"data-extension-metadata": ("manifest", "/properties/extend"),
         "preview-metadata": ("manifest", "/properties/preview"),
         "suggest-metadata": ("manifest", "/properties/suggest/definitions/service_definition"),
         "reconciliation-candidate": ("reconciliation-result-batch", "/patternProperties/^.*$/properties/result/items")}

ORG, PERSON = "http://www.w3.org/ns/org#Organization", "http://xmlns.com/foaf/0.1/Person"


def validator(name: str, pointer: str = "") -> Draft7Validator:
    schema = SCHEMAS[name]
    if pointer:
        schema = {"$ref": f"{schema['$id']}#{pointer}"}
    return Draft7Validator(schema, registry=REGISTRY)


def assert_valid(name: str, document) -> None:
    errors = [f"{list(error.absolute_path)}: {error.message}" for error in validator(name).iter_errors(document)]
    assert not errors, f"not a valid {name}: {errors}"


def spec_examples():
    for folder in sorted((SPEC / "examples").iterdir()):
        name, pointer = PARTS.get(folder.name, (folder.name, ""))
        if name not in SCHEMAS:
            continue  # security schemes, flyout responses, the preview's HTML: no schema of their own
        for path in sorted(folder.glob("*/*.json")):
            yield pytest.param(name, pointer, path, id=f"{folder.name}/{path.parent.name}/{path.name}")


@pytest.mark.parametrize(("name", "pointer", "path"), list(spec_examples()))
def test_the_specifications_schemas_accept_its_valid_examples_and_refuse_its_invalid_ones(name, pointer, path):
    errors = list(validator(name, pointer).iter_errors(json.loads(path.read_text(encoding="utf-8"))))
    assert (not errors) == (path.parent.name == "valid"), [error.message for error in errors]


def test_every_schema_has_examples_both_ways_where_the_specification_gives_them():
    tried = {(name, path.parent.name) for name, _, path in (param.values for param in spec_examples())}
    assert {("manifest", "valid"), ("manifest", "invalid"), ("reconciliation-query-batch", "invalid"),
            ("reconciliation-result-batch", "invalid"), ("data-extension-response", "invalid")} <= tried


# --- the service, on the real project ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app(Settings(root=PROJECT_ROOT, var_dir=tmp_path_factory.mktemp("reconcile-var")))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def base(app):
    from server.state import EXTENSION_KEY

    return app.extensions[EXTENSION_KEY].settings.base_iri


def reconcile(client, batch: dict, method: str = "POST") -> dict:
    assert_valid("reconciliation-query-batch", batch)
    if method == "POST":
        response = client.post("/reconcile", data={"queries": json.dumps(batch)})
    else:
        response = client.get("/reconcile", query_string={"queries": json.dumps(batch)})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert_valid("reconciliation-result-batch", response.get_json())
    return response.get_json()


def candidates(client, query: dict) -> list[dict]:
    return reconcile(client, {"q": query})["q"]["result"]


def ids(result: list[dict]) -> list[str]:
    return [candidate["id"] for candidate in result]


def test_the_manifest(client, base):
    response = client.get("/reconcile")
    assert response.status_code == 200 and response.mimetype == "application/json"
    manifest = response.get_json()
    assert_valid("manifest", manifest)
    assert manifest["versions"] == ["0.2"]
    assert manifest["identifierSpace"] == f"{base}id/" and manifest["schemaSpace"] == f"{base}def#"
    assert manifest["view"]["url"] == f"{base}id/{{{{id}}}}"
    assert manifest["batchSize"] == 50
    assert [t["id"] for t in manifest["defaultTypes"]] == [
        f"{base}def#Agreement", ORG, PERSON, f"{base}def#Territory", f"{base}def#Event", f"{base}def#Programme"]
    assert all(t["name"] for t in manifest["defaultTypes"])
    assert manifest["preview"] == {"url": f"{base}reconcile/preview?id={{{{id}}}}", "width": 400, "height": 180}
    for kind in ("entity", "type", "property"):
        assert manifest["suggest"][kind] == {"service_url": f"{base}reconcile", "service_path": f"/suggest/{kind}"}
    assert manifest["extend"]["propose_properties"]["service_path"] == "/propose_properties"
    assert {s["name"] for s in manifest["extend"]["property_settings"]} == {"limit", "lang"}


def test_the_view_template_dereferences_an_id_as_openrefine_builds_it(client):
    # OpenRefine writes encodeURI(view.url.replace("{{id}}", id)): the slash of an id stays a slash.
    (candidate,) = candidates(client, {"query": "浙江大学"})
    response = client.get(f"/id/{candidate['id']}")
    assert response.status_code == 303


def test_get_and_post_answer_the_same(client):
    batch = {"q0": {"query": "Zheijiang"}, "q1": {"query": "Pékin", "type": ORG, "limit": 2}}
    assert reconcile(client, batch, "GET") == reconcile(client, batch, "POST")


# --- golden candidate lists ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "expected"), [
    ({"query": "Region Ile de France"}, "organisation/region-ile-de-france"),  # no accents
    ({"query": "Région Île-de-France", "type": ORG}, "organisation/region-ile-de-france"),
    ({"query": "浙江大学"}, "organisation/zhejiang-university"),  # Chinese
    ({"query": "Zheijiang"}, "territory/zhejiang"),  # the sources' variant
    ({"query": "Whenzhou"}, "territory/wenzhou"),
    ({"query": "袁家军", "type": PERSON}, "person/yuan-jiajun"),
    ({"query": "organisation/zhejiang-university"}, "organisation/zhejiang-university"),  # an id
])
def test_a_name_finds_its_entity_first_and_matches_it(client, query, expected):
    result = candidates(client, query)
    assert result[0]["id"] == expected and result[0]["match"] is True and result[0]["score"] == 100
    assert not any(candidate["match"] for candidate in result[1:])


def test_the_candidates_of_an_accentless_name(client):
    result = candidates(client, {"query": "Region Ile de France", "limit": 4})
    # the Region itself, then the territory its names (« région parisienne », « Île-de-France ») together cover
    assert ids(result)[:2] == ["organisation/region-ile-de-france", "territory/ile-de-france"]
    assert [c["score"] for c in result] == sorted((c["score"] for c in result), reverse=True)
    assert result[0]["name"] == "Île-de-France Region"
    assert result[0]["type"][0] == {"id": ORG, "name": "organization"}


def test_pekin_is_the_city_or_its_government_as_the_type_says(client, base):
    both = candidates(client, {"query": "Pékin"})
    assert set(ids(both)[:2]) == {"organisation/beijing-municipal-government", "territory/beijing"}
    assert both[0]["score"] == both[1]["score"] == 100 and not both[0]["match"]  # namesakes: no match
    government = candidates(client, {"query": "Pékin", "type": ORG})
    assert ids(government)[0] == "organisation/beijing-municipal-government" and government[0]["match"]
    city = candidates(client, {"query": "Pekin", "type": f"{base}def#Territory"})
    assert ids(city) == ["territory/beijing"] and city[0]["match"]
    assert ids(candidates(client, {"query": "Pékin", "type": "cg:Territory"})) == ["territory/beijing"]


def test_president_amiens_cluster_is_a_post_and_its_holder(client):
    # data/people.ttl: only Frédéric Lajoux's post is asserted (the source's second "Président Amiens Cluster", after
    # Pascal Fradcourt's name, is recorded as a contradiction, not as a post). The post has the name; its holder is
    # found through it with the same score: a tie, so nothing is matched.
    result = candidates(client, {"query": "Président Amiens Cluster"})
    assert ids(result)[:2] == ["post/president-amiens-cluster-frederic-lajoux", "person/frederic-lajoux"]
    assert result[0]["score"] == result[1]["score"] == 100
    assert not any(candidate["match"] for candidate in result)
    assert "person/pascal-fradcourt" not in ids(result)
    people = candidates(client, {"query": "Président Amiens Cluster", "type": PERSON})
    assert ids(people) == ["person/frederic-lajoux"]


def test_a_limit_of_one_still_sees_the_namesake(client):
    (only,) = candidates(client, {"query": "Pékin", "limit": 1})
    assert only["match"] is False


@pytest.mark.parametrize(("query", "prop", "before", "after"), [
    ({"query": "Président", "type": PERSON}, {"pid": "organisation", "v": "Amiens Cluster"},
     "person/franck-margain", "person/frederic-lajoux"),
    ({"query": "Président", "type": PERSON}, {"pid": "organisation", "v": {"id": "organisation/cci-amiens-picardie"}},
     "person/franck-margain", "person/fany-ruin"),
    ({"query": "Université", "type": ORG}, {"pid": "territory", "v": "Zheijiang"},
     "organisation/universite-amiens", "organisation/zhejiang-university"),
    ({"query": "Université", "type": ORG}, {"pid": "territory", "v": "China"},  # through a containing territory
     "organisation/universite-amiens", "organisation/zhejiang-university"),
    ({"query": "accord de coopération", "type": "cg:Agreement"},
     {"pid": "cg:party", "v": ["Municipalité de Pékin", {"id": "organisation/x", "name": "x"}]},
     "agreement/idf-zhejiang-2018", "agreement/idf-beijing-1987"),
])
def test_properties_change_the_order(client, query, prop, before, after):
    assert ids(candidates(client, query))[0] == before
    result = candidates(client, {**query, "properties": [prop]})
    assert ids(result)[0] == after
    assert next(f["value"] for f in result[0]["features"] if f["id"] == "properties") >= 0.8


def test_a_query_of_properties_only_finds_by_value(client):
    result = candidates(client, {"properties": [{"pid": "owl:sameAs", "v": "http://www.wikidata.org/entity/Q142"}]})
    assert ids(result) == ["territory/france"] and result[0]["match"]


def test_types_filter_and_type_strict_all(client):
    assert all(any(t["id"] == PERSON for t in c["type"])
               for c in candidates(client, {"query": "Président", "type": [PERSON]}))
    assert candidates(client, {"query": "Pékin", "type": [ORG, "cg:Territory"], "type_strict": "all"}) == []
    either = candidates(client, {"query": "Pékin", "type": [ORG, "cg:Territory"], "type_strict": "any"})
    assert set(ids(either)[:2]) == {"organisation/beijing-municipal-government", "territory/beijing"}
    assert ids(either)[2:] == ["organisation/universite-centrale-pekin-hangzhou"]


def test_a_blank_query_finds_nothing_and_an_empty_batch_is_an_empty_answer(client):
    assert candidates(client, {"query": "   "}) == []
    assert reconcile(client, {}) == {}


# --- suggest, propose, extend, preview -----------------------------------------------------------------------------

def suggest(client, kind: str, prefix: str, **more) -> list[dict]:
    response = client.get(f"/reconcile/suggest/{kind}", query_string={"prefix": prefix, **more})
    assert response.status_code == 200, response.get_data(as_text=True)
    schema = {"entity": "suggest-entities-response", "type": "suggest-types-response",
              "property": "suggest-properties-response"}[kind]
    assert_valid(schema, response.get_json())
    return response.get_json()["result"]


def test_entity_suggest(client):
    found = suggest(client, "entity", "Zhej")
    assert found[0]["id"] == "territory/zhejiang" and "organisation/zhejiang-university" in ids(found)
    assert found[0]["notable"][0]["name"] == "territory"
    assert suggest(client, "entity", "浙江")[0]["id"] in ("territory/zhejiang", "organisation/zhejiang-university")
    assert suggest(client, "entity", "organisation/ziipc")[0]["id"] == "organisation/ziipc"
    assert ids(suggest(client, "entity", "Zhej", cursor=1))[0] == ids(found)[1]
    assert suggest(client, "entity", "") == []


def test_type_suggest(client, base):
    found = suggest(client, "type", "univ")
    assert found[0]["id"] == f"{base}def#University" and found[0]["broader"][0]["id"] == ORG
    assert suggest(client, "type", "cg:Territory")[0]["id"] == f"{base}def#Territory"
    assert suggest(client, "type", "territoire")[0]["id"] == f"{base}def#Territory"  # the French label


def test_property_suggest(client, base):
    assert suggest(client, "property", "party")[0] == {
        "id": f"{base}def#party", "name": "party",
        "description": "A party to the agreement; an agreement has at least two distinct parties."}
    assert suggest(client, "property", "terr")[0]["id"] == "territory"
    assert suggest(client, "property", "situé")[0]["id"] == f"{base}def#basedIn"


def test_propose_properties(client, base):
    response = client.get("/reconcile/propose_properties", query_string={"type": ORG, "limit": 5})
    assert response.status_code == 200
    proposed = response.get_json()
    assert_valid("data-extension-property-proposal", proposed)
    assert proposed["type"] == ORG and proposed["limit"] == 5 and len(proposed["properties"]) == 5
    assert proposed["properties"][0]["id"] == "territory"
    person = client.get("/reconcile/propose_properties", query_string={"type": "foaf:Person"}).get_json()
    assert_valid("data-extension-property-proposal", person)
    assert person["properties"][0]["id"] == "organisation"
    assert "http://www.w3.org/ns/org#holds" in ids(person["properties"])
    assert "territory" not in ids(person["properties"])


def test_data_extension_against_the_data(app, client, base):
    from server.state import EXTENSION_KEY

    query = {"ids": ["organisation/zhejiang-university", "agreement/idf-zhejiang-2018", "person/franck-margain",
                     "figure/beijing-population", "nope/nothing"],
             "properties": [{"id": "cg:party"}, {"id": "territory"}, {"id": "organisation"},
                            {"id": f"{base}def#signingDate"}, {"id": "schema:value"},
                            {"id": "rdfs:label", "settings": {"lang": "zh", "limit": "1"}}]}
    assert_valid("data-extension-query", query)
    response = client.post("/reconcile", data={"extend": json.dumps(query)})
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    assert_valid("data-extension-response", answer)
    assert [m["id"] for m in answer["meta"]] == [p["id"] for p in query["properties"]]
    assert answer["meta"][0]["name"] == "party"
    rows = answer["rows"]
    assert set(rows) == set(query["ids"])
    # data/agreements.ttl: the parties of the 2018 agreement, as the store has them
    store = app.extensions[EXTENSION_KEY].dataset.store
    parties = {row["p"].value for row in store.query(
        f"SELECT ?p WHERE {{ <{base}id/agreement/idf-zhejiang-2018> <{base}def#party> ?p }}")}
    assert {f"{base}id/{cell['id']}" for cell in rows["agreement/idf-zhejiang-2018"]["cg:party"]} == parties == {
        f"{base}id/organisation/region-ile-de-france", f"{base}id/organisation/zhejiang-provincial-government"}
    assert rows["agreement/idf-zhejiang-2018"][f"{base}def#signingDate"] == [{"date": "2018-06-14T00:00:00Z"}]
    # data/organisations.ttl: Zhejiang University is based in Zhejiang, and named 浙江大学 in Chinese
    assert rows["organisation/zhejiang-university"]["territory"] == [{"id": "territory/zhejiang", "name": "Zhejiang"}]
    assert rows["organisation/zhejiang-university"]["rdfs:label"] == [{"str": "浙江大学"}]
    assert rows["organisation/zhejiang-university"]["cg:party"] == []
    # data/people.ttl: Franck Margain holds the post of president of Choose Paris Region
    assert rows["person/franck-margain"]["organisation"] == [
        {"id": "organisation/choose-paris-region", "name": "Choose Paris Region"}]
    assert rows["figure/beijing-population"]["schema:value"] == [{"int": 21900000}]
    assert all(cells == [] for cells in rows["nope/nothing"].values())


def test_the_preview_is_small_escaped_and_frameable(client):
    response = client.get("/reconcile/preview", query_string={"id": "organisation/zhejiang-university"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "<h1>Zhejiang University</h1>" in page and "/id/organisation/zhejiang-university" in page
    assert "X-Frame-Options" not in response.headers
    assert "frame-ancestors" not in response.headers["Content-Security-Policy"]
    assert "script" not in page.lower()
    french = client.get("/reconcile/preview?id=organisation/zhejiang-university&lang=fr").get_data(as_text=True)
    assert "Université du Zhejiang" in french
    quoted = client.get("/reconcile/preview?id=post/president-amiens-cluster-frederic-lajoux&lang=fr")
    assert "Président d’Amiens Cluster (Frédéric Lajoux)" in quoted.get_data(as_text=True)
    missing = client.get("/reconcile/preview", query_string={"id": "<script>alert(1)</script>"},
                         headers={"Accept": "text/html"})
    assert missing.status_code == 404 and "<script>alert" not in missing.get_data(as_text=True)


# --- bad input -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("queries", "status", "says"), [
    ("{not json", 400, "not JSON"),
    ("[" * 50000, 400, "nested too deeply"),
    ('["Zhejiang"]', 400, "JSON object of queries"),
    ('{"q": {"query": "Zh\\ud800ejiang"}}', 400, "lone surrogate"),  # not text: it could not be echoed
    (json.dumps({f"q{i}": {"query": "Zhejiang"} for i in range(51)}), 413, "at most 50"),
    (json.dumps({"q": {"query": "Zhejiang", "type": "cg:NoSuchClass"}}), 400, "not one of this dataset's"),
    (json.dumps({"q": {"query": "Zhejiang", "type": "nope:Thing"}}), 400, "neither an IRI nor a prefixed name"),
    (json.dumps({"q": {"query": "Zhejiang", "type": 7}}), 400, "type must be"),
    (json.dumps({"q": {"query": "x" * 1025}}), 400, "at most 1,024 bytes"),
    (json.dumps({"q": {"query": "é" * 600}}), 400, "at most 1,024 bytes"),
    (json.dumps({"q": {"query": "Zhejiang", "limit": 0}}), 400, "positive whole number"),
    (json.dumps({"q": {"query": "Zhejiang", "limit": -3}}), 400, "positive whole number"),
    (json.dumps({"q": {"query": "Zhejiang", "limit": 2.5}}), 400, "positive whole number"),
    (json.dumps({"q": {"query": "Zhejiang", "limit": "5"}}), 400, "positive whole number"),
    (json.dumps({"q": {"query": "Zhejiang", "limit": True}}), 400, "positive whole number"),
    (json.dumps({"q": {"query": "Zhejiang", "limit": 1e308 * 10}}), 400, "positive whole number"),
    (json.dumps({"q": {"limit": 1}}), 400, "needs a query"),
    (json.dumps({"q": {"properties": []}}), 400, "needs a query"),
    (json.dumps({"q": {"query": "Zhejiang", "props": []}}), 400, "has 'props'"),
    (json.dumps({"q": "Zhejiang"}), 400, "must be a JSON object"),
    (json.dumps({"q": {"query": 12}}), 400, "query must be a string"),
    (json.dumps({"q": {"query": "x", "type_strict": "most"}}), 400, "type_strict"),
    (json.dumps({"q": {"query": "x", "properties": [{"pid": "cg:nope", "v": "x"}]}}), 400, "not one of this dataset's"),
    (json.dumps({"q": {"query": "x", "properties": [{"pid": "territory"}]}}), 400, "each property is"),
    (json.dumps({"q": {"query": "x", "properties": [{"pid": "territory", "v": [[1]]}]}}), 400, "a property value is"),
    (json.dumps({"q": {"query": "x", "properties": "territory"}}), 400, "properties must be a list"),
])
def test_bad_queries_are_refused_with_a_message(client, queries, status, says):
    too_long = len("/reconcile?" + urlencode({"queries": queries})) > Settings().max_request_target_bytes
    for response in (client.post("/reconcile", data={"queries": queries}),
                     client.get("/reconcile", query_string={"queries": queries})):
        if too_long and response.request.method == "GET":  # as every web server would refuse it
            assert response.status_code == 414 and "POST" in response.get_data(as_text=True)
            continue
        assert response.status_code == status, response.get_data(as_text=True)
        assert says in response.get_data(as_text=True)
        assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(("path", "parameters", "says"), [
    ("/reconcile/suggest/entity", {"prefix": "x", "cursor": "-1"}, "cursor"),
    ("/reconcile/suggest/type", {"prefix": "x", "cursor": "a"}, "cursor"),
    ("/reconcile/suggest/property", {"prefix": "x" * 2000}, "at most 1,024 bytes"),
    ("/reconcile/propose_properties", {"type": "cg:Nope"}, "not one of this dataset's"),
    ("/reconcile/propose_properties", {"type": ORG, "limit": "0"}, "limit"),
    ("/reconcile", {"extend": "{}"}, "extend must be"),
    ("/reconcile", {"extend": json.dumps({"ids": [1], "properties": []})}, "ids are strings"),
    ("/reconcile", {"extend": json.dumps({"ids": ["x/y"], "properties": [{"id": "cg:nope"}]})}, "not one of"),
    ("/reconcile", {"extend": json.dumps({"ids": ["x/y"], "properties": [{"id": "territory",
                                                                        "settings": {"limit": "many"}}]})}, "limit"),
    ("/reconcile", {"callback": "alert(document.cookie)"}, "callback"),
])
def test_bad_parameters_are_refused_with_a_message(client, path, parameters, says):
    response = client.get(path, query_string=parameters)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert says in response.get_data(as_text=True)


ODD_VALUES = [None, True, 0, -1, 2.5, 10 ** 400, -(10 ** 400), 1e-300, "", " ", "\x00", "💥", "<b>", "a:b", "://",
              "id/", "territory", "cg:party", "organisation/ziipc", [], [[]], {}, {"id": 5}, {"id": "x/y", "name": 3}]


@pytest.mark.parametrize("odd", ODD_VALUES, ids=[repr(value)[:20] for value in ODD_VALUES])
def test_odd_values_anywhere_are_never_a_server_error(client, odd):
    batches = [{"q": odd}, {"q": {"query": odd}}, {"q": {"query": "x", "type": odd}}, {"q": {"query": "x", "limit": odd}},
               {"q": {"query": "x", "properties": odd}}, {"q": {"query": "x", "properties": [{"pid": odd, "v": "x"}]}},
               {"q": {"query": "x", "properties": [{"pid": "territory", "v": odd}]}},
               {"q": {"properties": [{"pid": "schema:value", "v": odd}]}}]
    extensions = [odd, {"ids": odd, "properties": []}, {"ids": ["x/y"], "properties": odd},
                  {"ids": [odd], "properties": [{"id": "territory"}]},
                  {"ids": ["x/y"], "properties": [{"id": "territory", "settings": odd}]},
                  {"ids": ["x/y"], "properties": [{"id": "territory", "settings": {"limit": odd, "lang": odd}}]}]
    for field, documents in (("queries", batches), ("extend", extensions)):
        for document in documents:
            response = client.post("/reconcile", data={field: json.dumps(document)})
            assert response.status_code in (200, 400, 413), (document, response.get_data(as_text=True))
    for path in ("suggest/entity", "suggest/type", "suggest/property", "propose_properties", "preview"):
        text = odd if isinstance(odd, str) else json.dumps(odd)
        response = client.get(f"/reconcile/{path}", query_string={"prefix": text, "type": text, "id": text,
                                                                    "cursor": text, "limit": text})
        assert response.status_code in (200, 400, 404), (path, odd, response.get_data(as_text=True))


def test_an_extension_too_large_and_a_post_without_fields(client):
    too_many = {"ids": [f"x/{i}" for i in range(501)], "properties": [{"id": "territory"}]}
    assert client.post("/reconcile", data={"extend": json.dumps(too_many)}).status_code == 413
    assert client.post("/reconcile", data={"nothing": "here"}).status_code == 400
    assert client.post("/reconcile", data={"queries": "x" * (3 * 2**20)}).status_code == 413


def test_whatever_is_echoed_is_escaped(client):
    markup = '<img src=x onerror="alert(1)">'
    for queries in (json.dumps({"q": {"query": "x", "type": markup}}), json.dumps({markup: {"query": 1}})):
        response = client.post("/reconcile", data={"queries": queries}, headers={"Accept": "text/html"})
        assert response.status_code == 400
        assert markup not in response.get_data(as_text=True) and "&lt;img" in response.get_data(as_text=True)
    # Markup and SPARQL as names are searched as text, and come back as JSON strings.
    result = reconcile(client, {"q0": {"query": markup}, "q1": {"query": "SELECT * WHERE { ?s ?p ?o }"},
                                "q2": {"query": "line\nbreak\ttab\x00"}})
    assert all(isinstance(answer["result"], list) for answer in result.values())


# --- CORS and JSONP --------------------------------------------------------------------------------------------------

def test_cors_on_get_post_and_preflight(client):
    origin = {"Origin": "https://openrefine.example"}
    assert client.get("/reconcile", headers=origin).headers["Access-Control-Allow-Origin"] == "*"
    posted = client.post("/reconcile", data={"queries": json.dumps({"q": {"query": "Zheijiang"}})}, headers=origin)
    assert posted.headers["Access-Control-Allow-Origin"] == "*"
    for path in ("/reconcile", "/reconcile/suggest/entity", "/reconcile/preview"):
        preflight = client.options(path, headers={**origin, "Access-Control-Request-Method": "POST",
                                                  "Access-Control-Request-Headers": "Content-Type"})
        assert preflight.status_code == 200
        assert preflight.headers["Access-Control-Allow-Origin"] == "*"
        assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
        assert "content-type" in preflight.headers["Access-Control-Allow-Headers"].lower()
        assert "Access-Control-Allow-Credentials" not in preflight.headers


def test_jsonp(client):
    response = client.get("/reconcile/suggest/entity", query_string={"prefix": "Zhej", "callback": "app.show_1"})
    assert response.status_code == 200 and response.mimetype == "application/javascript"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    text = response.get_data(as_text=True)
    assert text.startswith("/**/app.show_1(") and text.endswith(");")
    assert json.loads(text[len("/**/app.show_1("):-2])["result"][0]["id"] == "territory/zhejiang"
    posted = client.post("/reconcile?callback=f", data={"queries": json.dumps({"q": {"query": "x"}})})
    assert posted.status_code == 400


# --- a real client over HTTP, on every backend ---------------------------------------------------------------------

@pytest.mark.every_backend
def test_an_openrefine_session_over_http(live_server):
    endpoint = live_server.url + "reconcile"
    run = subprocess.run([sys.executable, str(SESSION_SCRIPT), endpoint], capture_output=True, text=True, timeout=120,
                         check=False)
    assert run.returncode == 0, run.stderr
    session = json.loads(run.stdout)
    reconciled = session["reconciled"]
    assert len(reconciled) == 10
    assert [row["match"] for row in reconciled] == [row["expected"] for row in reconciled]
    extension = session["extension"]
    assert_valid("data-extension-response", {key: extension[key] for key in ("meta", "rows")})
    assert extension["meta"][0]["id"] == "territory"
    assert set(extension["rows"]) == {row["match"] for row in reconciled}
    rows = extension["rows"]
    assert rows["organisation/zhejiang-university"]["territory"] == [{"id": "territory/zhejiang", "name": "Zhejiang"}]
    assert rows["organisation/region-ile-de-france"]["territory"] == [
        {"id": "territory/ile-de-france", "name": "Île-de-France"}]
    # The same service's other answers on this backend validate too.
    import requests

    assert_valid("manifest", requests.get(endpoint, timeout=30).json())
    assert_valid("suggest-properties-response",
                 requests.get(endpoint + "/suggest/property", params={"prefix": "ter"}, timeout=30).json())
