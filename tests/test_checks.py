"""The zero-row checks (queries/checks/*-violation.rq): none fires on the real graph, and each catches its fault."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from conftest import ROOT

CHECKS = sorted((ROOT / "queries" / "checks").glob("*-violation.rq"))
PREFIXES = """
PREFIX cckg: <https://w3id.org/cckg/ontology/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX kg: <https://w3id.org/cckg/id/>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


def _tenure(rid: str, post: str, start: str, end: str | None = None) -> str:
    """A tenure of `post` with its OWL-Time term as the builder writes it (dates as YYYY, YYYY-MM or YYYY-MM-DD)."""
    def instant(key: str, value: str) -> str:
        prop, dtype = {4: ("inXSDgYear", "gYear"), 7: ("inXSDgYearMonth", "gYearMonth")}.get(len(value),
                                                                                           ("inXSDDate", "date"))
        return f'kg:{rid}-term time:{"hasBeginning" if key == "start" else "hasEnd"} kg:{rid}-{key} . ' \
               f'kg:{rid}-{key} time:{prop} "{value}"^^xsd:{dtype} . '
    return (f"kg:{rid} a cckg:Tenure ; cckg:post kg:{post} ; org:memberDuring kg:{rid}-term . "
            + instant("start", start) + (instant("end", end) if end else ""))

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
    "overlapping-tenure-violation.rq": (
        _tenure("t1", "fm", "2019-09-18") + _tenure("t2", "fm", "2023-04-03"),
        "https://w3id.org/cckg/id/t1",
    ),
    "partnership-parties-violation.rq": (
        "kg:p a cckg:PartnershipStatus ; cckg:party kg:china , kg:kazakhstan , kg:uzbekistan . "
        "kg:china a schema:Country . kg:kazakhstan a schema:Country . kg:uzbekistan a schema:Country .",
        "https://w3id.org/cckg/id/p",
    ),
    "unlisted-url-violation.rq": (
        "kg:f dcterms:source <https://example.org/x> ; prov:wasDerivedFrom kg:doc . "
        "<https://example.org/x> a schema:WebPage . kg:doc a cckg:SourceDocument ; schema:citation <https://example.org/y> .",
        "https://w3id.org/cckg/id/f",
    ),
    "actor-country-violation.rq": (  # a country's own statement without its materialized shortcut
        "kg:s cckg:actor kg:kazakhstan . kg:kazakhstan a schema:Country .",
        "https://w3id.org/cckg/id/s",
    ),
    "represented-country-violation.rq": (  # a delegate's statement at the meeting without its shortcut
        "kg:s cckg:actor kg:w ; cckg:madeAt kg:m . "
        "kg:pa cckg:participant kg:w ; cckg:representing kg:china ; cckg:inMeeting kg:m .",
        "https://w3id.org/cckg/id/s",
    ),
    "untyped-country-violation.rq": (  # a post's country that the graph never types as a country
        "kg:post cckg:country kg:atlantis . kg:atlantis rdfs:label \"Atlantis\"@en .",
        "https://w3id.org/cckg/id/post",
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


def _rows(check: str, turtle: str) -> list:
    """The check's rows on rdflib, after checking that Oxigraph (where the build runs it) finds as many."""
    from graph.build.loading import store_from_triples

    graph = Graph().parse(data=PREFIXES + turtle, format="turtle")
    text = (ROOT / "queries" / "checks" / check).read_text(encoding="utf-8")
    rows = list(graph.query(text))
    assert len(list(store_from_triples(graph).query(text))) == len(rows)
    return rows


@pytest.mark.parametrize(("first", "second", "overlap"), [
    (("2013-03-16", "2022-12-30"), ("2022-12-30", None), False),  # a handover on one day
    (("2019-09-18", "2023"), ("2023-04-03", None), False),  # the year cannot say which came first
    (("2019-09-18", "2023-04"), ("2023-04-03", "2024"), False),
    (("2019-09-18", "2023-05-01"), ("2023-04-03", None), True),
    (("2019", None), ("2021-01-05", "2022-02-01"), True),  # a term without an end is still running
    (("2022-12-30", "2023-07-25"), ("2013-03-16", "2022-12-30"), False),
    (("2010", "2012"), ("2011", "2013"), True),
])
def test_overlapping_tenures_compare_dates_at_their_common_precision(first, second, overlap):
    turtle = _tenure("a", "fm", *first) + _tenure("b", "fm", *second)
    assert bool(_rows("overlapping-tenure-violation.rq", turtle)) is overlap
    # a post that several people hold at once is exempt
    assert not _rows("overlapping-tenure-violation.rq", turtle + "kg:fm cckg:multipleHolders true .")


def test_tenures_of_different_posts_or_without_a_start_do_not_overlap():
    turtle = _tenure("a", "fm", "2019") + _tenure("b", "dpm", "2019")
    turtle += "kg:c a cckg:Tenure ; cckg:post kg:fm ."
    assert not _rows("overlapping-tenure-violation.rq", turtle)


def test_a_listed_url_and_a_partnership_of_two_countries_pass():
    assert not _rows("unlisted-url-violation.rq",
                     "kg:f dcterms:source <https://example.org/x> ; prov:wasDerivedFrom kg:d1 , kg:d2 . "
                     "<https://example.org/x> a schema:WebPage . kg:d1 a cckg:SourceDocument . "
                     "kg:d2 a cckg:SourceDocument ; schema:citation <https://example.org/x> .")
    assert not _rows("partnership-parties-violation.rq",
                     "kg:p a cckg:PartnershipStatus ; cckg:party kg:china , kg:kazakhstan . "
                     "kg:china a schema:Country . kg:kazakhstan a schema:Country .")
    assert _rows("partnership-parties-violation.rq",
                 "kg:p a cckg:PartnershipStatus ; cckg:party kg:china , kg:sco . kg:china a schema:Country .")


#: A statement by a minister at a meeting, and a joint statement of two countries (no shortcut: several actors).
_ACTOR_COUNTRY = (
    "kg:s cckg:actor kg:w ; cckg:madeAt kg:m . kg:pa cckg:participant kg:w ; cckg:representing kg:china ; "
    "cckg:inMeeting kg:m . kg:j cckg:actor kg:china , kg:kazakhstan . "
    "kg:china a schema:Country . kg:kazakhstan a schema:Country . "
)


def test_actor_country_shortcut_is_held_equal_to_its_rule_in_both_directions():
    """The materialized shortcut (queries/derived/actor-country.rq) passes; a missing triple, an extra one and one
    on a statement of several actors are each found, on rdflib and on Oxigraph (`_rows`)."""
    from graph.build import derive
    from graph.build.loading import store_from_triples

    graph = Graph().parse(data=PREFIXES + _ACTOR_COUNTRY, format="turtle")
    derived = {str(t) for t in store_from_triples(graph).query(derive.rules()[0].read_text(encoding="utf-8"))}
    assert derived == {"<https://w3id.org/cckg/id/s> <https://w3id.org/cckg/ontology/actorCountry> "
                       "<https://w3id.org/cckg/id/china>"}
    check = "actor-country-violation.rq"
    assert _rows(check, _ACTOR_COUNTRY + "kg:s cckg:actorCountry kg:china .") == []
    found = {(str(r[0]), str(r[1]), str(r[2])) for r in _rows(check, _ACTOR_COUNTRY)}
    assert found == {("https://w3id.org/cckg/id/s", "https://w3id.org/cckg/id/china", "missing")}
    planted = "kg:s cckg:actorCountry kg:china , kg:kazakhstan . kg:j cckg:actorCountry kg:china ."
    found = {(str(r[0]), str(r[1]), str(r[2])) for r in _rows(check, _ACTOR_COUNTRY + planted)}
    assert found == {("https://w3id.org/cckg/id/s", "https://w3id.org/cckg/id/kazakhstan", "extra"),
                     ("https://w3id.org/cckg/id/j", "https://w3id.org/cckg/id/china", "extra")}


#: A joint statement of a minister and a delegate at a meeting, each representing a country there (both countries
#: are linked: the shortcut names the country, not the actor), and the minister's statement at another meeting
#: where the minister represented no country (no link).
_REPRESENTED = (
    "kg:s cckg:actor kg:w , kg:d ; cckg:madeAt kg:m . kg:o cckg:actor kg:w ; cckg:madeAt kg:m2 . "
    "kg:pa cckg:participant kg:w ; cckg:representing kg:china ; cckg:inMeeting kg:m . "
    "kg:pb cckg:participant kg:d ; cckg:representing kg:kazakhstan ; cckg:inMeeting kg:m . "
    "kg:pc cckg:participant kg:w ; cckg:inMeeting kg:m2 . "
)


def test_represented_country_shortcut_is_held_equal_to_its_rule_in_both_directions():
    """queries/derived/represented-country.rq links a statement to each country one of its actors represented at
    its meeting; the check passes on the rule's own triples and finds a missing one and an extra one, on rdflib and
    on Oxigraph (`_rows`)."""
    from graph.build import derive
    from graph.build.loading import store_from_triples

    graph = Graph().parse(data=PREFIXES + _REPRESENTED, format="turtle")
    rule = next(p for p in derive.rules() if p.name == "represented-country.rq").read_text(encoding="utf-8")
    derived = {str(t) for t in store_from_triples(graph).query(rule)}
    link = "<https://w3id.org/cckg/id/s> <https://w3id.org/cckg/ontology/representedCountry> "
    assert derived == {link + "<https://w3id.org/cckg/id/china>", link + "<https://w3id.org/cckg/id/kazakhstan>"}
    assert {tuple(map(str, t)) for t in graph.query(rule)} == {
        ("https://w3id.org/cckg/id/s", "https://w3id.org/cckg/ontology/representedCountry", f"https://w3id.org/cckg/id/{c}")
        for c in ("china", "kazakhstan")}
    check = "represented-country-violation.rq"
    held = "kg:s cckg:representedCountry kg:china , kg:kazakhstan ."
    assert _rows(check, _REPRESENTED + held) == []
    planted = "kg:s cckg:representedCountry kg:china . kg:o cckg:representedCountry kg:china ."
    found = {(str(r[0]), str(r[1]), str(r[2])) for r in _rows(check, _REPRESENTED + planted)}
    assert found == {("https://w3id.org/cckg/id/s", "https://w3id.org/cckg/id/kazakhstan", "missing"),
                     ("https://w3id.org/cckg/id/o", "https://w3id.org/cckg/id/china", "extra")}
