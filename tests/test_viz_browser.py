"""The graph view in real headless Chromium (Debian's, driven by Playwright) with every network request blocked."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import RDF

from graph.build import pipeline
from graph.namespaces import KG, OA
from graph.build.output import fresh_graph
from viz import render, writers
from viz.details import details
from graph.network.projection import curie, project

from conftest import DATA, require_tool

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
ARTICLE = "chinanews-2020-07-16"


@pytest.fixture(scope="module")
def browser():
    executable = require_tool(CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=ARGS)
        yield chromium
        chromium.close()


class Page:
    """A page opened from a file with every non-file request aborted and recorded, and console errors kept; ready
    when `ready` holds (by default: the graph drawn)."""

    def __init__(self, browser, path: Path, ready: str = "window.cckg && window.cckg.timings.firstDrawing > 0"):
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.errors.append(f"dialog: {d.message}"), d.dismiss()))
        self.page.route("**/*", self._route)
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_function(ready, timeout=30_000)

    def _route(self, route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            self.requests.append(route.request.url)
            route.abort()

    def search(self, text: str) -> list[str]:
        """Type into the search box like a user; the labels listed."""
        box = self.page.locator("#search")
        box.fill("")
        box.type(text)
        return self.page.locator("#search-results li button > span:first-child").all_inner_texts()

    def click_node(self, node: str) -> None:
        """Bring the node into view, then click it on the canvas with the mouse."""
        self.page.evaluate("id => window.cckg.network.focus(id, {scale: 1.0, animation: false})", node)
        self.page.evaluate("() => window.cckg.network.redraw()")
        x, y = self.page.evaluate("""id => { const n = window.cckg.network;
            const p = n.canvasToDOM(n.getPositions([id])[id]); return [p.x, p.y]; }""", node)
        box = self.page.locator("#graph").bounding_box()
        self.page.mouse.click(box["x"] + x, box["y"] + y)

    def close(self) -> None:
        self.page.close()


@pytest.fixture(scope="module")
def real_view(built, tmp_path_factory):
    out = tmp_path_factory.mktemp("view")
    writers.write_build_outputs(built, out)
    return out / "graph.html"


@pytest.fixture(scope="module")
def real_projection(whole_graph):
    return project(whole_graph)


def _meredov(g) -> str:
    found = [n for n, a in g.nodes(data=True) if a["group"] == "person" and "Meredov" in a["label"]]
    assert len(found) == 1, found
    return found[0]


def test_page_loads_offline_with_no_error_and_draws_every_node(browser, real_view, real_projection):
    page = Page(browser, real_view)
    try:
        drawn = page.page.evaluate("window.cckg.network.body.data.nodes.length")
        assert drawn == real_projection.number_of_nodes() > 0
        assert page.page.evaluate("window.cckg.edges.length") == real_projection.number_of_edges()
        assert page.requests == [] and page.errors == []
    finally:
        page.close()


@pytest.mark.parametrize("spelling", ["Meredov", "Meledov"])
def test_search_finds_meredov_by_either_spelling(browser, real_view, real_projection, spelling):
    label = real_projection.nodes[_meredov(real_projection)]["label"]
    page = Page(browser, real_view)
    try:
        assert label in page.search(spelling)
        assert page.requests == [] and page.errors == []
    finally:
        page.close()


def test_clicking_meredov_shows_a_quote_from_the_article(browser, real_view, real_projection, built, tmp_path):
    node = _meredov(real_projection)
    article = built.dataset.graph(KG[ARTICLE])
    iri = URIRef(real_projection.nodes[node]["iri"])
    about = {iri} | {s for s, _ in article.subject_predicates(iri)}  # him and the statements about him
    quotes = {str(article.value(sel, OA.exact))
              for ann in article.subjects(RDF.type, OA.Annotation) if article.value(ann, OA.hasBody) in about
              for target in article.objects(ann, OA.hasTarget) for sel in article.objects(target, OA.hasSelector)
              if article.value(sel, OA.exact) is not None}
    assert quotes, "the article quotes no annotation about him"
    page = Page(browser, real_view)
    try:
        page.click_node(node)
        page.page.wait_for_function("id => document.getElementById('panel').dataset.node === id", arg=node)
        panel = page.page.inner_text("#panel")
        assert any(q in panel for q in quotes), panel[:2000]
        assert page.page.locator("#panel blockquote").count() >= 1
        page.page.evaluate("() => window.cckg.network.fit({animation: false})")
        shot = tmp_path / "graph.png"  # the README's picture is made by bench/viz_pages.py --screenshots docs/
        page.page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000
        assert page.requests == [] and page.errors == []
    finally:
        page.close()


def test_hostile_labels_run_no_script(browser, tmp_path):
    result = pipeline.build(sources_dir=DATA / "hostile")
    g = project(fresh_graph(result.all_triples()))
    panel = details(result.dataset, g.nodes)
    data = render.page_data(g, panel, title="</title><script>window.PWNED=1</script>",
                            docs_href={d: "javascript:window.PWNED=1" for d in panel["docs"]},
                            report_href="javascript:window.PWNED=1")
    path = tmp_path / "hostile.html"
    path.write_bytes(render.render_html(data))
    page = Page(browser, path)
    try:
        for node in g.nodes:
            if g.nodes[node]["group"] == "topic":
                continue
            page.click_node(node)  # hover tooltip and click: the title and the side panel
            page.page.wait_for_timeout(100)
            assert page.page.evaluate("document.querySelectorAll('a[href^=\"javascript\" i]').length") == 0
            buttons = page.page.locator("#panel button.link")
            if buttons.count():
                buttons.first.click()  # follow a value to its node: the panel is rebuilt from the data
        assert page.search("<img src=x") == ["<img src=x onerror=window.PWNED=1>"]
        page.page.locator("#search-results li button").first.click()
        page.page.wait_for_timeout(300)
        assert page.page.evaluate("typeof window.PWNED") == "undefined"
        assert "<img src=x onerror=window.PWNED=1>" in page.page.inner_text("#panel")  # shown as text
        assert page.page.evaluate("document.querySelectorAll('img, svg, b[onmouseover]').length") == 0
        assert page.page.get_attribute("#report-link", "href") == "#"  # a javascript: link is never set
        assert page.requests == []
        assert not [e for e in page.errors if "PWNED" in e or "dialog" in e]
    finally:
        page.close()


def test_a_cut_panel_names_the_query_that_lists_the_rest(browser, tmp_path, monkeypatch):
    from viz import details as details_module

    result = pipeline.build(sources_dir=DATA / "minimal")
    g = project(fresh_graph(result.all_triples()))
    monkeypatch.setattr(details_module, "STATEMENTS_SHOWN", 1)
    panel = details(result.dataset, g.nodes)
    path = tmp_path / "cut.html"
    path.write_bytes(render.render_html(render.page_data(g, panel, title="cut", docs_href={})))
    page = Page(browser, path)
    try:
        page.click_node("kg:wang-yi")
        page.page.wait_for_function("id => document.getElementById('panel').dataset.node === id", arg="kg:wang-yi")
        assert page.page.locator("#panel .statement").count() == 1
        line = page.page.inner_text("#panel p.more")
        assert line == ("and 1 more (tenure) — see the query library: "
                        "python build.py query person-posts --param person=kg:wang-yi")
        assert page.page.inner_text("#panel p.more code").startswith("python build.py query person-posts")
        assert page.requests == [] and page.errors == []
    finally:
        page.close()


def test_node_ids_are_the_projection_curies(real_projection):
    assert all(n == curie(URIRef(real_projection.nodes[n]["iri"])) for n in real_projection.nodes)
