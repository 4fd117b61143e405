"""Drives a reconciliation service over HTTP as OpenRefine does, from a CSV of names (standard library only).

    .venv/bin/python tests/openrefine_session.py http://127.0.0.1:8000/reconcile [--names names.csv]

OpenRefine's steps, in its order: read the manifest (GET the endpoint); reconcile the column in batches
(POST `queries=`, each query with its type as chosen among the manifest's default types, `type_strict: "should"`),
auto-matching a row whose first candidate says `match: true`; then "Add columns from reconciled values": ask for the
properties proposed for the column's type (GET propose_properties) and fetch them for the matched ids (POST
`extend=`). The CSV has the columns `name`, `type` (the name of one of the manifest's default types, or empty) and
`expected` (the id the name should match, used by tests/test_reconcile.py). Prints the session as JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import urllib.parse
import urllib.request
from pathlib import Path

NAMES = Path(__file__).resolve().parent / "fixtures" / "reconciliation" / "names.csv"
OPENREFINE_BATCH = 10  # OpenRefine's default batch size
EXTENDED = 4  # properties fetched, as a user ticks a few in the dialog


def get(url: str, **parameters) -> dict:
    if parameters:
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode(parameters)
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/json"}), timeout=60) as r:
        return json.load(r)


def post(url: str, **form) -> dict:
    body = urllib.parse.urlencode({key: json.dumps(value) for key, value in form.items()}).encode()
    request = urllib.request.Request(url, data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8", "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def read_names(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def session(endpoint: str, rows: list[dict]) -> dict:
    manifest = get(endpoint)
    if "0.2" not in manifest.get("versions", ()):
        raise SystemExit(f"{endpoint} does not speak version 0.2 of the reconciliation API")
    type_ids = {entry["name"]: entry["id"] for entry in manifest.get("defaultTypes", ())}
    batch_size = min(OPENREFINE_BATCH, manifest.get("batchSize", OPENREFINE_BATCH))

    queries = {}
    for number, row in enumerate(rows):
        query = {"query": row["name"]}
        if row.get("type"):
            query.update(type=type_ids[row["type"]], type_strict="should")
        queries[f"q{number}"] = query
    results = {}
    keys = list(queries)
    for start in range(0, len(keys), batch_size):
        results.update(post(endpoint, queries={key: queries[key] for key in keys[start:start + batch_size]}))

    reconciled = []
    for number, row in enumerate(rows):
        candidates = results[f"q{number}"]["result"]
        matched = candidates[0] if candidates and candidates[0].get("match") else None
        reconciled.append({"name": row["name"], "type": row.get("type", ""), "expected": row.get("expected", ""),
                           "match": matched and matched["id"], "candidates": [c["id"] for c in candidates[:3]]})

    extension = {}
    matched_ids = [row["match"] for row in reconciled if row["match"]]
    propose = manifest.get("extend", {}).get("propose_properties")
    if matched_ids and propose:
        column_type = type_ids.get(next((row["type"] for row in rows if row.get("type")), ""), "")
        proposed = get(propose["service_url"] + propose["service_path"], type=column_type, limit=EXTENDED)
        properties = [{"id": item["id"]} for item in proposed["properties"]]
        extension = post(endpoint, extend={"ids": matched_ids, "properties": properties})
        extension["proposed_for"] = proposed["type"]
    return {"service": manifest["name"], "reconciled": reconciled, "extension": extension}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("endpoint", help="the reconciliation service, e.g. http://127.0.0.1:8000/reconcile")
    parser.add_argument("--names", type=Path, default=NAMES, help="CSV with name, type, expected")
    arguments = parser.parse_args(argv)
    json.dump(session(arguments.endpoint, read_names(arguments.names)), sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
