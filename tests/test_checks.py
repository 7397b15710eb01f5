"""The zero-row checks (queries/checks/*-violation.rq): none fires on the real graph, and each catches its fault."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from conftest import ROOT

CHECKS = sorted((ROOT / "queries" / "checks").glob("*-violation.rq"))
PREFIXES = """
PREFIX cckg: <https://w3id.org/cckg/ontology/>
PREFIX kg: <https://w3id.org/cckg/id/>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""

#: check file -> Turtle with exactly the fault that check must find (and the subject it must name).
FAULTS = {
    "missing-label-violation.rq": ("kg:x a foaf:Person .", "https://w3id.org/cckg/id/x"),
    "unsourced-statement-violation.rq": (
        'kg:s a cckg:Support ; rdfs:label "s"@en ; prov:wasDerivedFrom kg:doc . kg:doc a cckg:SourceDocument .',
        "https://w3id.org/cckg/id/s",
    ),
    "unsourced-entity-violation.rq": ('kg:p a foaf:Person ; rdfs:label "p"@en .', "https://w3id.org/cckg/id/p"),
    "untyped-date-violation.rq": ('kg:m schema:startDate "2020-07-16" .', "https://w3id.org/cckg/id/m"),
    "untyped-literal-violation.rq": ('kg:m rdfs:label "no language" .', "https://w3id.org/cckg/id/m"),
    "quote-offset-violation.rq": (
        'kg:t oa:hasSelector kg:q , kg:p . kg:q a oa:TextQuoteSelector ; oa:exact "four" . '
        "kg:p a oa:TextPositionSelector ; oa:start 10 ; oa:end 20 .",
        "https://w3id.org/cckg/id/t",
    ),
    "chair-not-participant-violation.rq": (
        "kg:pa a cckg:Participation ; cckg:inMeeting kg:m ; cckg:participant kg:w ; cckg:isChair true .",
        "https://w3id.org/cckg/id/m",
    ),
}


def test_every_check_has_a_fault_fixture():
    assert CHECKS, "no check queries found"
    assert sorted(p.name for p in CHECKS) == sorted(FAULTS)


@pytest.mark.parametrize("check", CHECKS, ids=lambda p: p.name)
def test_check_returns_zero_rows_on_the_real_graph(check: Path, whole_graph):
    rows = list(whole_graph.query(check.read_text(encoding="utf-8")))
    assert rows == [], "\n".join(" ".join(str(v) for v in row) for row in rows)


@pytest.mark.parametrize("check", CHECKS, ids=lambda p: p.name)
def test_check_catches_its_fault(check: Path):
    turtle, subject = FAULTS[check.name]
    graph = Graph().parse(data=PREFIXES + turtle, format="turtle")
    rows = list(graph.query(check.read_text(encoding="utf-8")))
    assert rows, f"{check.name} missed its fault"
    assert any(subject in {str(v) for v in row} for row in rows)


@pytest.mark.parametrize("check", CHECKS, ids=lambda p: p.name)
def test_check_has_a_header(check: Path):
    text = check.read_text(encoding="utf-8")
    for field in ("# title:", "# question:", "# returns:", "# params:"):
        assert field in text, f"{check.name} lacks {field}"
    assert "ORDER BY" in text
