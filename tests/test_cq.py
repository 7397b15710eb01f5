"""The competency-question manifest (tests/cq/manifest.ttl): each library query, with its parameters, answers on
the real graph what the article and the reference facts say — on plain rdflib and on the embedded store.

The expected answers were written by hand from the texts. Where the graph disagrees with the text, the data is
wrong: the entry goes into ALLOWED_FAILURES with the reason (a strict xfail), never into the expected answer.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from rdflib import Graph, Literal, Namespace
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS
from rdflib.util import from_n3

from graph.store import library, results, sparql, engines as stores

HERE = Path(__file__).resolve().parent / "cq"
MANIFEST = HERE / "manifest.ttl"
#: The manifest of the breadth kinds' queries on their fixture (its cqt:data names the sources folder).
BREADTH_MANIFEST = HERE / "breadth" / "manifest.ttl"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
CQT = Namespace("https://w3id.org/cckg/tests/cq#")

#: Entries whose answer on the real graph differs from the texts: entry name -> what is wrong in the data.
ALLOWED_FAILURES: dict[str, str] = {
}


def _path(iri) -> Path:
    return Path(unquote(urlparse(str(iri)).path))


def load_manifest(path: Path = MANIFEST) -> list[dict]:
    graph = Graph().parse(path, format="turtle")
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    entries = []
    for node in Collection(graph, graph.value(manifest, MF.entries)):
        action = graph.value(node, MF.action)
        bindings = {str(graph.value(b, CQT.variable)): str(graph.value(b, CQT.value))
                    for b in graph.objects(action, CQT.binding)}
        entries.append({
            "name": str(graph.value(node, MF.name)),
            "comment": str(graph.value(node, RDFS.comment)),
            "query": _path(graph.value(action, QT.query)),
            "bindings": bindings,
            "result": _path(graph.value(node, MF.result)),
            "ordered": bool(graph.value(node, CQT.ordered, default=Literal(False)).toPython()),
        })
    return entries


def read_expected(path: Path) -> tuple[list[str], list[tuple]]:
    """A SPARQL TSV result (https://www.w3.org/TR/sparql11-results-csv-tsv/): columns and rows of RDF terms."""
    lines = path.read_text(encoding="utf-8").splitlines()
    columns = [c.lstrip("?") for c in lines[0].split("\t")]
    rows = []
    for line in lines[1:]:
        cells = line.split("\t")
        assert len(cells) == len(columns), f"{path.name}: {line!r}"
        rows.append(tuple(from_n3(c) if c else None for c in cells))
    return columns, rows


ENTRIES = load_manifest()
BREADTH_ENTRIES = load_manifest(BREADTH_MANIFEST)


def manifest_data(path: Path) -> Path | None:
    """The sources folder a manifest's entries run on (cqt:data), or None for the real sources."""
    graph = Graph().parse(path, format="turtle")
    data = graph.value(next(graph.subjects(RDF.type, MF.Manifest)), CQT.data)
    return _path(data) if data is not None else None


def test_manifest_covers_the_library_and_has_at_least_15_entries():
    assert len(ENTRIES) >= 15
    used = {e["query"].stem for e in ENTRIES}
    assert len(used) >= 12, sorted(used)
    for entry in ENTRIES:
        assert entry["query"].is_file() and entry["result"].is_file(), entry["name"]
        assert entry["comment"].strip()


@pytest.fixture(scope="module")
def engines(built):
    return {"oxigraph": stores.OxigraphStore.from_build(built), "rdflib": stores.RdflibStore.from_build(built)}


@pytest.fixture(scope="module")
def breadth_engines():
    from graph.build import pipeline

    data = manifest_data(BREADTH_MANIFEST)
    assert data is not None and data.is_dir(), data
    built = pipeline.build(sources_dir=data)
    return {"oxigraph": stores.OxigraphStore.from_build(built), "rdflib": stores.RdflibStore.from_build(built)}


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["name"])
def test_competency_question(engines, entry, engine, request):
    if entry["name"] in ALLOWED_FAILURES:
        request.applymarker(pytest.mark.xfail(reason=ALLOWED_FAILURES[entry["name"]], strict=True))
    _check_entry(engines[engine], entry)


def test_breadth_manifest_covers_the_breadth_queries():
    used = {e["query"].stem for e in BREADTH_ENTRIES}
    assert used == {"country-timeline", "meeting-delegations", "documents-and-commitments", "trade-by-year"}
    for entry in BREADTH_ENTRIES:
        assert entry["query"].is_file() and entry["result"].is_file(), entry["name"]
        assert read_expected(entry["result"])[1], entry["name"]


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("entry", BREADTH_ENTRIES, ids=lambda e: e["name"])
def test_breadth_competency_question(breadth_engines, entry, engine):
    _check_entry(breadth_engines[engine], entry)


def _check_entry(engine, entry: dict) -> None:
    query = library.read(entry["query"], "cq")
    params = {k: sparql.parse_term(v) for k, v in entry["bindings"].items()}
    result = stores.run(engine, query.text, params=params)
    columns, expected = read_expected(entry["result"])
    missing = [c for c in columns if c not in result.variables]
    assert not missing, f"{query.name} has no column {missing}"
    index = [result.variables.index(c) for c in columns]
    got = _distinct([results.comparable_key(tuple(row[i] for i in index)) for row in result.rows])
    want = _distinct([results.comparable_key(row) for row in expected])
    if entry["ordered"]:
        assert got == want
    else:
        assert sorted(got) == sorted(want), _diff(got, want)


def _distinct(rows: list[tuple]) -> list[tuple]:
    seen, out = set(), []
    for row in rows:
        if row not in seen:
            seen.add(row)
            out.append(row)
    return out


def _diff(got: list[tuple], want: list[tuple]) -> str:
    extra = sorted(set(got) - set(want))
    lacking = sorted(set(want) - set(got))
    return f"in the graph but not in the text: {extra}\nin the text but not in the graph: {lacking}"
