"""The benchmark's data generator: synthetic data with the shape of ours, conforming to the shapes.
(The benchmark itself is not a test: `python -m bench run`, see bench/RESULTS.md.)"""

from __future__ import annotations

import pyoxigraph
import pytest

from bench.generate import generate, parse_size
from conftest import PROJECT_ROOT, run_cli
from server.content import sources
from server.settings import Settings

RDF_TYPE = pyoxigraph.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("generated-10k")
    return folder, generate(10_000, folder)


def shape_of(settings: Settings) -> tuple[set[str], set[str]]:
    """(classes, predicates) the data folder uses."""
    classes, predicates = set(), set()
    for source in sources(settings, ["data"]):
        for quad in pyoxigraph.parse(path=str(source.path), format=pyoxigraph.RdfFormat.TURTLE,
                                     base_iri=settings.base_iri):
            predicates.add(quad.predicate.value.removeprefix(settings.base_iri))
            if quad.predicate == RDF_TYPE:
                classes.add(quad.object.value.removeprefix(settings.base_iri))
    return classes, predicates


def test_generated_data_conforms_to_the_shapes(generated):
    folder, _ = generated
    result = run_cli("validate", "--root", str(folder), timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Conforms")


def test_generated_data_has_the_size_and_shape_of_ours(generated):
    folder, triples = generated
    assert 9_000 <= triples <= 11_000
    classes, predicates = shape_of(Settings(root=folder))
    ours_classes, ours_predicates = shape_of(Settings(root=PROJECT_ROOT))
    assert predicates <= ours_predicates, predicates - ours_predicates
    assert classes <= ours_classes, classes - ours_classes
    for kind in ("def#Signature", "def#Attestation", "def#Figure", "def#Signing", "http://www.w3.org/ns/org#Post"):
        assert kind in classes


def test_generation_is_repeatable(generated, tmp_path):
    folder, _ = generated
    generate(10_000, tmp_path)
    assert (tmp_path / "data" / "generated.ttl").read_bytes() == (folder / "data" / "generated.ttl").read_bytes()


@pytest.mark.parametrize("text, size", [("10k", 10_000), ("100k", 100_000), ("1M", 1_000_000), ("2500", 2_500)])
def test_sizes_are_read_as_people_write_them(text, size):
    assert parse_size(text) == size


def test_a_bad_size_says_what_to_write():
    with pytest.raises(ValueError, match="10k"):
        parse_size("huge")
