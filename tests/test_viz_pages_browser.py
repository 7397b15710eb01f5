"""The timeline, the country pages and the graph view's first minute in headless Chromium, network blocked."""

from __future__ import annotations

import shutil
import statistics

import pytest
import yaml

from graph.curate import names as curate_names
from graph.build import pipeline
from graph.curate.text import words as name_words
from viz import pages, writers

from conftest import DATA
from test_viz_browser import Page, browser  # noqa: F401  (the browser fixture)

pytestmark = pytest.mark.browser

HOSTILE = ["<img src=x onerror=window.PWNED=1>", "</script><script>window.PWNED=1</script>",
           "<svg onload=window.PWNED=1>", '<a href="javascript:window.PWNED=1">link</a>']


@pytest.fixture(scope="module")
def real_dist(built, tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    writers.write_build_outputs(built, out)
    pages.write_build_outputs(built, out)
    return out


class Plain(Page):
    """A page without the graph (timeline, country page, report): test_viz_browser's Page, ready when its document
    is (or when `ready` holds)."""

    def __init__(self, browser, path, ready="document.readyState === 'complete'"):
        super().__init__(browser, path, ready)

    def clean(self) -> bool:
        return self.requests == [] and self.errors == []


TIMELINE_READY = "document.documentElement.dataset.drawn === '1'"


def _rows(built, name: str, **params):
    return pages._library_rows(built.store, name, **params)


# ------------------------------------------------------------------------------------------------------ timeline

def test_timeline_draws_the_cc5_meetings_in_date_order(browser, real_dist, built, tmp_path):
    expected = sorted((r["date"], r["meeting"]) for r in _rows(built, "mechanism-timeline") if r["date"]
                      and r["mechanism"].endswith("/china-central-asia"))
    assert len(expected) >= 8
    page = Plain(browser, real_dist / "timeline.html", TIMELINE_READY)
    try:
        drawn = page.page.evaluate("""() => Array.from(document.querySelectorAll(
            '.item[data-mechanism="kg:china-central-asia"]')).filter(g => g.dataset.kind !== 'treaty'
            && ['meeting', 'summit', 'event'].includes(g.dataset.kind)).map(g => {
              const b = g.getBBox(); return [b.x + b.width / 2, g.dataset.start, g.dataset.id]; })""")
        assert sorted(d[2] for d in drawn) == sorted("kg:" + m.rsplit("/", 1)[1] for _, m in expected)
        by_x = [d[1] for d in sorted(drawn, key=lambda d: d[0])]
        assert by_x == sorted(by_x) == [d for d, _ in expected]
        page.page.screenshot(path=str(tmp_path / "timeline.png"))
        assert page.clean(), (page.requests, page.errors)
    finally:
        page.page.close()


def test_timeline_item_click_shows_facts_and_sources(browser, real_dist):
    page = Plain(browser, real_dist / "timeline.html", TIMELINE_READY)
    try:
        page.page.locator('.item[data-id="kg:cc5-summit-2023"]').click()
        page.page.wait_for_function("document.getElementById('panel').dataset.node === 'kg:cc5-summit-2023'")
        panel = page.page.inner_text("#panel")
        assert "First China–Central Asia Summit" in panel and "source:" in panel
        assert page.page.locator("#panel .cite a").count() >= 1
        assert page.page.locator("#panel blockquote").count() >= 1  # the graph's panel: quotes behind the facts
        assert page.clean(), (page.requests, page.errors)
    finally:
        page.page.close()


def _set_years(page, low: int, high: int) -> None:
    page.evaluate("""([a, b]) => { const f = document.getElementById('year-from'), t = document.getElementById('year-to');
        f.value = a; f.dispatchEvent(new Event('input')); t.value = b; t.dispatchEvent(new Event('input')); }""",
                  [low, high])


def test_timeline_year_range_and_filters_leave_only_matching_items(browser, real_dist, built):
    from viz import timeline

    items = timeline.for_build(built).items
    page = Plain(browser, real_dist / "timeline.html", TIMELINE_READY)
    try:
        _set_years(page.page, 2010, 2015)
        drawn = page.page.evaluate("() => Array.from(document.querySelectorAll('.item')).map(g => "
                                   "[g.dataset.id, g.dataset.start, g.dataset.end])")
        expected = [i["id"] for i in items if i["start"] <= "2015-99" and (i["end"] or i["start"]) >= "2010"]
        assert drawn and sorted(d[0] for d in drawn) == sorted(expected)
        assert all(s <= "2015-99" and (e or s) >= "2010" for _, s, e in drawn)
        page.page.select_option("#filter-country", "kg:turkmenistan")
        ids = page.page.evaluate("() => Array.from(document.querySelectorAll('.item')).map(g => g.dataset.id)")
        assert ids and set(ids) == {i["id"] for i in items if i["id"] in expected
                                    and "kg:turkmenistan" in i["countries"]}
        page.page.select_option("#filter-country", "")
        page.page.select_option("#filter-mechanism", "kg:china-central-asia")
        _set_years(page.page, 1990, 2025)
        kinds = page.page.evaluate("() => Array.from(document.querySelectorAll('.item')).map(g => g.dataset.mechanism)")
        assert kinds and set(kinds) == {"kg:china-central-asia"}
        assert page.clean(), (page.requests, page.errors)
    finally:
        page.page.close()


# ------------------------------------------------------------------------------------------------- country pages

def test_country_page_shows_its_partnership_timeline_with_sources(browser, real_dist, built, tmp_path):
    rows = [r for r in _rows(built, "country-timeline", country="https://w3id.org/cckg/id/kazakhstan")
            if r["kind"] == "partnership"]
    assert rows
    page = Plain(browser, real_dist / "country" / "kazakhstan.html")
    try:
        steps = page.page.locator("#partnerships li")
        assert steps.count() == len(rows)
        dates = [steps.nth(i).get_attribute("data-date") for i in range(steps.count())]
        assert dates == sorted(r["date"] for r in rows)
        for i in range(steps.count()):
            item = steps.nth(i)
            assert item.locator(".cite a").count() >= 1, item.inner_text()
        text = page.page.inner_text("body")
        for r in rows:
            assert r["levelLabel"] in text
        for section in ("delegations", "stances", "memberships", "trade"):
            assert page.page.locator(f"#{section} + table tr").count() > 1, section
        assert page.page.locator("#trade + table .cite").count() >= 1
        page.page.screenshot(path=str(tmp_path / "kazakhstan.png"), full_page=False)
        assert page.clean(), (page.requests, page.errors)
    finally:
        page.page.close()


def test_every_country_page_is_linked_from_the_view(real_dist):
    html = (real_dist / "graph.html").read_text(encoding="utf-8")
    for slug in ("china", "kazakhstan", "kyrgyzstan", "tajikistan", "turkmenistan", "uzbekistan"):
        assert (real_dist / "country" / f"{slug}.html").is_file()
        assert f'"country/{slug}.html"' in html


# --------------------------------------------------------------------------------------- the graph's first minute

def _inside_viewport(page, ids=None) -> list[str]:
    """The shown nodes (or these) drawn outside the canvas."""
    return page.evaluate("""given => { const n = window.cckg.network, box = document.getElementById('graph');
        const w = box.clientWidth, h = box.clientHeight, ids = given || window.cckg.shownIds(), pos = n.getPositions(ids);
        return ids.filter(id => { const p = n.canvasToDOM(pos[id]);
                                  return p.x < 0 || p.y < 0 || p.x > w || p.y > h; }); }""", ids)


def test_first_view_labels_the_most_central_nodes(browser, real_dist):
    page = Page(browser, real_dist / "graph.html")
    try:
        top = page.page.evaluate("""() => { const n = window.cckg.network, s = n.getScale();
            return JSON.parse(document.getElementById('graph-data').textContent).top.map(id =>
                [id, n.body.nodes[id].options.font.size * s]); }""")
        assert len(top) >= 10
        assert all(size >= 12 for _, size in top), top  # vis-network draws labels from 5 px on
        assert _inside_viewport(page.page) == []
        assert page.requests == [] and page.errors == []
    finally:
        page.close()


def test_filters_and_the_year_range_refit_the_camera(browser, real_dist):
    page = Page(browser, real_dist / "graph.html")
    try:
        page.page.select_option("#filter-country", "kg:turkmenistan")
        assert page.page.evaluate("window.cckg.shownIds().length") > 1
        assert _inside_viewport(page.page) == []
        page.page.select_option("#filter-country", "")
        _set_years(page.page, 2020, 2021)
        shown = page.page.evaluate("""() => { const d = JSON.parse(document.getElementById('graph-data').textContent);
            const ids = new Set(window.cckg.shownIds());
            return d.nodes.filter(n => ids.has(n.id)).map(n => [n.id, n.span || null]); }""")
        dated = [(i, s) for i, s in shown if s]
        assert dated and all(s[0] <= "2021-99" and s[1] >= "2020" for _, s in dated)
        hidden = page.page.evaluate("""() => { const d = JSON.parse(document.getElementById('graph-data').textContent);
            const ids = new Set(window.cckg.shownIds());
            return d.nodes.filter(n => !ids.has(n.id) && n.span).map(n => n.span); }""")
        assert hidden and all(s[0] > "2021-99" or s[1] < "2020" for s in hidden)
        assert _inside_viewport(page.page) == []
        page.search("Meredov")
        page.page.locator("#search-results li button").first.click()
        found = page.page.evaluate("document.getElementById('panel').dataset.node")
        around = page.page.evaluate("id => window.cckg.network.getConnectedNodes(id)", found)
        assert _inside_viewport(page.page, [found, *around]) == []  # the search fits the camera on its result
        assert page.requests == [] and page.errors == []
    finally:
        page.close()


def test_search_is_tolerant_of_spellings_with_the_curators_folds(browser, real_dist):
    page = Page(browser, real_dist / "graph.html")
    try:
        assert "Mukhtar Tleuberdi" in page.search("Tleuberdy")
        assert "Nursultan Nazarbayev" in page.search("Nazarbaev")
        assert "Rashid Meredov" in page.search("Meledov")
        names = page.page.evaluate("""() => JSON.parse(document.getElementById('graph-data').textContent).nodes
                                       .flatMap(n => [n.name].concat(n.alt))""")
        words = sorted({w for name in names for w, _, _ in name_words(name)})
        folded = page.page.evaluate("ws => ws.map(w => window.cckg.nameFold(w))", words)
        assert folded == [curate_names.fold(w) for w in words]
        assert page.requests == [] and page.errors == []
    finally:
        page.close()


def test_double_click_expands_the_neighbours(browser, real_dist):
    page = Page(browser, real_dist / "graph.html")
    try:
        page.page.select_option("#filter-country", "kg:turkmenistan")
        node = "kg:turkmenistan"
        before = set(page.page.evaluate("window.cckg.shownIds()"))
        neighbours = set(page.page.evaluate("id => window.cckg.network.getConnectedNodes(id)", node))
        assert neighbours - before, "the filter should hide some neighbour"
        x, y = page.page.evaluate("""id => { const n = window.cckg.network;
            const p = n.canvasToDOM(n.getPositions([id])[id]); return [p.x, p.y]; }""", node)
        box = page.page.locator("#graph").bounding_box()
        page.page.mouse.dblclick(box["x"] + x, box["y"] + y)
        page.page.wait_for_function("id => document.getElementById('panel').dataset.node === id", arg=node)
        after = set(page.page.evaluate("window.cckg.shownIds()"))
        assert neighbours <= after
        assert _inside_viewport(page.page) == []
        assert page.requests == [] and page.errors == []
    finally:
        page.close()


def test_physics_starts_from_the_current_layout(browser, real_dist):
    page = Page(browser, real_dist / "graph.html")
    try:
        assert page.page.evaluate("window.cckg.network.physics.options.enabled") is False
        before = page.page.evaluate("window.cckg.network.getPositions()")
        page.page.check("#physics")
        page.page.wait_for_timeout(1500)
        after = page.page.evaluate("window.cckg.network.getPositions()")
        xs = [p["x"] for p in before.values()]
        ys = [p["y"] for p in before.values()]
        extent = max(max(xs) - min(xs), max(ys) - min(ys))
        moved = [((after[k]["x"] - p["x"]) ** 2 + (after[k]["y"] - p["y"]) ** 2) ** 0.5 for k, p in before.items()]
        assert statistics.median(moved) < 0.05 * extent, (statistics.median(moved), extent)
        page.page.uncheck("#physics")
        assert page.requests == [] and page.errors == []
    finally:
        page.close()


def test_the_current_view_exports_as_png(browser, real_dist, tmp_path):
    page = Page(browser, real_dist / "graph.html")
    try:
        with page.page.expect_download() as info:
            page.page.click("#export-png")
        target = tmp_path / "view.png"
        info.value.save_as(target)
        data = target.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
        assert page.requests == [] and page.errors == []
    finally:
        page.close()


# ------------------------------------------------------------------------------------------------------- hostile

@pytest.fixture(scope="module")
def hostile_dist(tmp_path_factory):
    """tests/data/hostile plus a dated meeting, a hostile China, a partnership and a declaration, built and written."""
    root = tmp_path_factory.mktemp("hostile")
    shutil.copytree(DATA / "hostile", root / "sources")
    path = root / "sources" / "000-hostile.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    quote = "The minister <img src=x onerror=window.PWNED=1>"
    for record in doc["records"]:
        if record["id"] == "hostile-meeting":
            record["date"] = "2020-07-16"
            record["countries"] = ["href-country", "china"]
    doc["records"] += [
        {"id": "china", "a": "Country", "label": HOSTILE[1] + " China", "quote": quote},
        {"id": "hostile-partnership", "a": "Partnership", "parties": ["china", "href-country"],
         "level": "strategic-partnership", "start": "2019-05-01", "quote": quote},
        {"id": "hostile-declaration", "a": "Declaration", "label": HOSTILE[2] + " declaration",
         "date": "2021-01-02", "parties": ["china", "href-country"], "adoptedAt": "hostile-meeting", "quote": quote},
    ]
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = pipeline.build(sources_dir=root / "sources")
    out = root / "dist"
    writers.write_build_outputs(result, out)
    pages.write_build_outputs(result, out)
    return out


def _inert(page) -> None:
    assert page.page.evaluate("typeof window.PWNED") == "undefined"
    assert page.page.evaluate("document.querySelectorAll('a[href^=\"javascript\" i], img, b[onmouseover], "
                              "svg[onload], script:not([type]):not(:empty) ~ script[src]').length") == 0
    assert not [e for e in page.errors if "PWNED" in e or "dialog" in e]
    assert page.requests == []


def test_hostile_labels_stay_inert_in_the_timeline(browser, hostile_dist):
    page = Plain(browser, hostile_dist / "timeline.html", TIMELINE_READY)
    try:
        ids = page.page.evaluate("() => Array.from(document.querySelectorAll('.item')).map(g => g.dataset.id)")
        assert {"kg:hostile-meeting", "kg:hostile-partnership", "kg:hostile-declaration"} <= set(ids)
        for item in ids:
            page.page.evaluate("id => window.cckgTimeline.choose(id)", item)
            page.page.wait_for_timeout(50)
            buttons = page.page.locator("#panel button.link")
            if buttons.count():
                buttons.first.click()
        page.page.select_option("#filter-country", "kg:href-country")
        assert HOSTILE[3] in page.page.inner_text("#filter-country")  # the label shown as text
        _inert(page)
    finally:
        page.page.close()


def test_hostile_labels_stay_inert_in_the_country_pages(browser, hostile_dist):
    page = Plain(browser, hostile_dist / "country" / "china.html")
    try:
        text = page.page.inner_text("body")
        assert HOSTILE[3] in text and HOSTILE[1] in text  # shown as text
        assert page.page.locator("#partnerships li").count() == 1
        _inert(page)
    finally:
        page.page.close()
    report = Plain(browser, hostile_dist / "report.html")
    try:
        _inert(report)
    finally:
        report.page.close()
