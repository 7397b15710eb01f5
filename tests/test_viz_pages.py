"""The timeline, country pages and charts without a browser: their data against the library queries, determinism,
bounds on a large build, and text that stays text."""

from __future__ import annotations

import re

from graph.build import pipeline
from viz import charts, firstminute, pages, timeline

from conftest import outputs_under_hash_seeds

KZ = "https://w3id.org/cckg/id/kazakhstan"


def test_timeline_items_are_dated_sorted_and_sourced(built):
    found = timeline.for_build(built)
    assert found.items and found.total == len(found.items)
    keys = [(i["start"], i["kind"], i["label"], i["id"]) for i in found.items]
    assert keys == sorted(keys)
    kinds = {i["kind"] for i in found.items}
    assert {"meeting", "summit", "treaty", "partnership", "relations", "term"} <= kinds
    assert all(i["doc"] in found.docs for i in found.items), "every item names its source document"
    partnerships = pages._library_rows(built.store, "country-timeline", country=KZ)
    expected = {timeline.curie_of(r["item"]) for r in partnerships if r["kind"] == "partnership"}
    assert expected == {i["id"] for i in found.items if i["kind"] == "partnership" and "kg:kazakhstan" in i["countries"]}
    terms = [i for i in found.items if i["kind"] == "term"]
    assert {t["role"] for t in terms} == {"head of state", "foreign minister"}


def test_country_data_comes_from_the_library_queries_with_sources(built):
    country = next(c for c in pages.countries(built.store) if c["iri"] == KZ)
    data = pages.country_data(built.store, country, all_countries=pages.countries(built.store),
                              docs=timeline.source_docs(built.store), docs_href={})
    rows = pages._library_rows(built.store, "country-timeline", country=KZ)
    assert [r["label"] for r in data["sections"]["relations"]] == [
        r["itemLabel"] for r in sorted(rows, key=lambda r: (r["date"] or "9999", r["countryLabel"], r["kind"],
                                                             r["itemLabel"]))]
    for name in ("relations", "partnerships", "memberships", "trade"):
        assert data["sections"][name], name
        assert all(r["source"] and r["source"]["title"] for r in data["sections"][name]), name
    delegates = [r for r in data["sections"]["delegations"] if r["person"]]
    assert delegates and all(r["source"] for r in delegates)
    assert all(r["partner"] in ("China", "Kazakhstan") and r["reporter"] in ("China", "Kazakhstan")
               for r in data["sections"]["trade"])


def test_pages_are_the_five_and_china_and_rebuild_byte_identical(built, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    pages.write_build_outputs(built, first)
    pages.write_build_outputs(built, second)
    names = sorted(p.name for p in (first / "country").iterdir())
    assert names == ["china.html", "kazakhstan.html", "kyrgyzstan.html", "tajikistan.html", "turkmenistan.html",
                     "uzbekistan.html"]
    for path in [first / "timeline.html", *sorted((first / "country").iterdir())]:
        assert path.read_bytes() == (second / path.relative_to(first)).read_bytes(), path.name
        assert not re.search(r"(src|href)=\"(https?:)?//(?!w3id)", path.read_text(encoding="utf-8").split(
            "<body>")[0]), "no resource is loaded from the network"


def test_charts_are_deterministic_inline_svg_with_their_numbers(built):
    report = {"classes": [{"cls": "foaf:Person", "count": 3}, {"cls": "cckg:Summit", "count": 2}],
              "actors": [{"label": "A $x$ <b>bold</b> & co", "centrality": 0.5, "degree": 3}]}
    one, two = charts.charts(built, report), charts.charts(built, report)
    assert [c["id"] for c in one] == ["trade-total", "trade-countries", "meetings", "classes", "actors"]
    assert [str(c["svg"]) for c in one] == [str(c["svg"]) for c in two]
    for chart in one:
        svg = str(chart["svg"])
        assert svg.startswith("<svg") and "<?xml" not in svg and "<!DOCTYPE" not in svg and "<script" not in svg
        assert chart["rows"] and all(len(r) == len(chart["columns"]) for r in chart["rows"])
    actors = str(one[-1]["svg"])
    assert "A $x$ &lt;b&gt;bold&lt;/b&gt; &amp; co" in actors  # no mathtext, no markup: the label as text
    region, countries, used = charts.trade_series(pages._library_rows(built.store, "trade-by-year"))
    assert region and set(countries) >= {"Kazakhstan", "Uzbekistan"}
    assert all(r["unit"] == "USD" and r["measure"] == "total trade" for r in used)


def test_first_minute_uses_the_curators_matcher():
    data = {"nodes": [{"id": "kg:a", "name": "Rashid Meredov", "alt": ["Meledov"], "x": 0, "y": 0,
                       "centrality": 0.1, "degree": 2},
                      {"id": "kg:b", "name": "Ürümqi", "alt": [], "x": 100, "y": 0, "centrality": 0.0, "degree": 1}],
            "edges": [{"from": "kg:a", "to": "kg:b"}]}
    firstminute.enrich(data)
    from graph.curate import names as curate

    assert data["nodes"][0]["folds"] == [[curate.fold("Rashid"), curate.fold("Meredov")], [curate.fold("Meledov")]]
    assert data["matcher"]["threshold"] == curate.FUZZY_THRESHOLD
    assert data["top"][0] == "kg:a"
    assert data["physics"]["barnesHut"]["centralGravity"] == 0.0 and data["physics"]["barnesHut"]["springLength"] == 100


def test_large_build_pages_are_bounded_and_deterministic(generated_sources, tmp_path):
    one, two = outputs_under_hash_seeds(generated_sources, tmp_path, "viz.pages:write_build_outputs")
    timeline_page = (one / "timeline.html").read_bytes()
    assert timeline_page == (two / "timeline.html").read_bytes()
    assert len(timeline_page) < 5_000_000
    for page in sorted((one / "country").iterdir()):
        assert page.read_bytes() == (two / "country" / page.name).read_bytes()
    result = pipeline.build(sources_dir=generated_sources)
    assert len(timeline.collect(result.store).items) <= timeline.MAX_ITEMS
