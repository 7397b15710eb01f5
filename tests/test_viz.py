"""The graph view without a browser: the projection (nodes, edges, order), the panel details, the page's safety."""

from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx
import pytest
import yaml

from graph.build import pipeline
from graph.build.output import fresh_graph
from viz import render, writers
from viz.details import details
from graph.network.projection import project

from conftest import DATA, ROOT, outputs_under_hash_seeds, run_cli

MINIMAL = DATA / "minimal"
HOSTILE = DATA / "hostile"
#: Source kinds drawn as nodes; the others (n-ary statements, roles) are folded into the panel.
DRAWN_KINDS = {"Person", "Country", "Mechanism", "MeetingSeries", "MinisterialMeeting", "Meeting", "Summit",
               "Proposal", "Measure", "Commitment", "Support", "Opposition", "Assessment", "Post", "Government",
               "Ministry", "InternationalOrganization", "Secretariat", "Initiative", "OutcomeDocument", "City",
               "Place", "NewsOrganization"}
HOSTILE_STRINGS = ["<img src=x onerror=window.PWNED=1>", "</script><script>window.PWNED=1</script>",
                   "<svg onload=window.PWNED=1>", "<b onmouseover=window.PWNED=1>"]


@pytest.fixture(scope="module")
def minimal():
    return pipeline.build(sources_dir=MINIMAL)


@pytest.fixture(scope="module")
def hostile():
    return pipeline.build(sources_dir=HOSTILE)


def _records(folder: Path) -> list[dict]:
    return [r for path in sorted(folder.glob("*.yaml")) for r in yaml.safe_load(path.read_text())["records"]]


def _page(result, tmp_path: Path) -> str:
    writers.write_build_outputs(result, tmp_path)
    return (tmp_path / "graph.html").read_text(encoding="utf-8")


def _blob(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', page, re.S)
    assert match, "the page has no data blob"
    return json.loads(match.group(1))


# --------------------------------------------------------------------------------------------------- projection

def test_projection_draws_entities_and_statements_not_nary_records_or_plumbing(minimal):
    g = project(fresh_graph(minimal.all_triples()))
    records = _records(MINIMAL)
    drawn = {f"kg:{r['id']}" for r in records if r["a"] in DRAWN_KINDS}
    folded = {f"kg:{r['id']}" for r in records if r["a"] not in DRAWN_KINDS}
    assert drawn and folded
    assert drawn <= set(g.nodes)
    assert not folded & set(g.nodes), "tenures, participations and roles are panel details, not nodes"
    assert all(n.startswith(("kg:", "topic:")) and "#" not in n for n in g.nodes), "no literal or annotation node"
    assert "kg:minimal-note" not in g, "the source document is provenance, not a node"


def test_projection_edges_are_labelled_relations_between_drawn_nodes(minimal):
    g = project(fresh_graph(minimal.all_triples()))
    edges = {(u, v, k) for u, v, k in g.edges(keys=True)}
    assert ("kg:wang-yi", "kg:post-china-foreign-minister", "org:holds") in edges  # derived from the tenure
    assert ("kg:cc5-fm-2020", "kg:wang-yi", "cckg:chairedBy") in edges
    assert ("kg:proposal-health", "topic:epidemic-cooperation", "dcterms:subject") in edges
    assert all(g.edges[e]["label"] for e in g.edges(keys=True))
    assert not [e for e in edges if e[2] in ("rdf:type", "prov:wasDerivedFrom", "rdfs:label")]


def test_projection_order_is_stable_whatever_the_insertion_order(minimal):
    triples = sorted(minimal.all_triples())
    a = project(fresh_graph(triples))
    b = project(fresh_graph(reversed(triples)))
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    assert list(a.edges(keys=True, data=True)) == list(b.edges(keys=True, data=True))
    assert list(a.nodes) == sorted(a.nodes, key=lambda c: str(a.nodes[c]["iri"]))


def test_projection_attributes_are_scalar_and_export_as_graphml(minimal):
    g = project(fresh_graph(minimal.all_triples()))
    for _, attrs in g.nodes(data=True):
        assert all(isinstance(v, (str, int, float)) for v in attrs.values()), attrs
        assert {"centrality", "degree", "countries", "meetings"} <= set(attrs)
    assert "kg:china" in g.nodes["kg:wang-yi"]["countries"].split("; ")  # through the post he holds
    assert "kg:cc5-fm-2020" in g.nodes["kg:proposal-health"]["meetings"].split("; ")
    assert "\n".join(nx.generate_graphml(g))


# ------------------------------------------------------------------------------------------------------ details

def test_curie_uses_the_prefix_table_when_the_local_part_has_no_slash_or_hash():
    from rdflib import Literal, URIRef

    from graph.namespaces import PREFIXES, curie

    for prefix, ns in PREFIXES.items():
        assert curie(URIRef(ns + "x-1")) == f"{prefix}:x-1" and curie(URIRef(ns)) == f"{prefix}:"
        assert curie(URIRef(ns + "a/b")) == f"<{ns}a/b>" and curie(URIRef(ns + "a#b")) == f"<{ns}a#b>"
    assert curie(URIRef("https://w3id.org/cckg/")) == "<https://w3id.org/cckg/>"
    assert curie(URIRef("urn:x")) == "<urn:x>" and curie(Literal("plain")) == "'plain'"


def test_details_give_each_fact_its_quote_and_the_nary_statements(minimal):
    text = (MINIMAL / "texts" / "note.txt").read_text(encoding="utf-8")
    panel = details(minimal.dataset)
    wang = panel["nodes"]["kg:wang-yi"]
    assert wang["sources"] and all(q["text"] in text for q in wang["sources"])
    holds = [f for f in wang["facts"] if f["pred"] == "holds"]
    assert holds and holds[0]["node"] == "kg:post-china-foreign-minister"
    tenure_quote = _records(MINIMAL)[[r["id"] for r in _records(MINIMAL)].index("tenure-wang-yi-fm")]["quote"]
    assert tenure_quote in [q["text"] for q in holds[0]["quotes"]]
    kinds = {s["kind"] for s in wang["statements"]}
    assert {"tenure", "participation"} <= kinds
    tenure = next(s for s in wang["statements"] if s["kind"] == "tenure")
    assert {"pred": "from", "value": "2013-03-16"} in tenure["fields"]
    assert tenure["label"] == "Wang Yi as Foreign Minister of China"  # its own label, not a field's
    assert panel["docs"]["kg:minimal-note"]["title"].startswith("A minimal note")


def test_the_panel_lists_the_first_statements_and_names_the_query_for_the_rest(minimal, monkeypatch):
    from viz import details as details_module

    whole = details(minimal.dataset)["nodes"]
    hub = max(whole, key=lambda n: (len(whole[n]["statements"]), n))  # the node taking part in most statements
    assert len(whole[hub]["statements"]) >= 2 and all("more" not in info for info in whole.values())
    monkeypatch.setattr(details_module, "STATEMENTS_SHOWN", 1)
    cut = details(minimal.dataset)["nodes"][hub]
    assert cut["statements"] == whole[hub]["statements"][:1]  # the first, in the panel's order
    assert sum(m["count"] for m in cut["more"]) == len(whole[hub]["statements"]) - 1
    left = {s["kind"] for s in whole[hub]["statements"][1:]}
    assert {m["kind"] for m in cut["more"]} == left and any("command" in m for m in cut["more"])
    for m in cut["more"]:
        if "command" in m:  # a library query naming the node lists every such statement
            pattern = r"python build\.py query (\S+) --param (\w+)=" + re.escape(hub)
            name, param = re.fullmatch(pattern, m["command"]).groups()
            assert f"# params: ?{param} " in (ROOT / "queries" / "cq" / f"{name}.rq").read_text(encoding="utf-8")


# -------------------------------------------------------------------------------------------------- the page

def test_page_is_self_contained_and_its_data_matches_the_projection(minimal, tmp_path):
    page = _page(minimal, tmp_path)
    data = _blob(page)
    g = project(fresh_graph(minimal.all_triples()))
    assert [n["id"] for n in data["nodes"]] == list(g.nodes)
    assert len(data["edges"]) == g.number_of_edges()
    assert all(isinstance(n["x"], int) and isinstance(n["y"], int) for n in data["nodes"])
    assert data["options"]["physics"]["enabled"] is False
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I), "an external reference"
    assert "<link" not in page and not re.search(r"<script[^>]*\ssrc=", page)
    assert "@version 9.1.2" in page and "dual licensed" in page  # vis-network inlined with its licence
    assert (tmp_path / "report.html").exists()


def test_template_never_uses_html_sinks():
    template = (ROOT / "viz" / "templates" / "graph.html.j2").read_text(encoding="utf-8")
    own_script = template.split("{{ vis_js }}", 1)[1]
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "|safe"):
        assert sink not in own_script, sink
    assert "|tojson" in template


def test_hostile_labels_appear_only_json_escaped(hostile, tmp_path):
    page = _page(hostile, tmp_path)
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    for bad in HOSTILE_STRINGS + ["</title><script>"]:
        assert bad not in page and bad not in report, bad
    assert page.count("</script>") == 3  # the data blob, vis-network and our script; none from the data
    assert "\\u003cimg src=x onerror=window.PWNED=1\\u003e" in page
    labels = {n["name"] for n in _blob(page)["nodes"]}
    assert {"<img src=x onerror=window.PWNED=1>", "</script><script>window.PWNED=1</script>"} <= labels


def test_vendored_vis_network_cannot_break_out_of_its_element():
    js, css = render.vis_assets()
    assert "</script" not in js.lower() and "</style" not in css.lower()


# --------------------------------------------------------------------------------------------------- the CLI

def test_build_writes_the_view_byte_identically(tmp_path):
    out = tmp_path / "dist"
    digests = []
    for seed in ("1", "2"):
        result = run_cli("--sources", str(MINIMAL), "--out", str(out), "-q", env={"PYTHONHASHSEED": seed})
        assert result.returncode == 0, result.stderr
        digests.append({name: (out / name).read_bytes() for name in ("graph.html", "report.html")})
    assert digests[0] == digests[1]
    assert not list(out.glob(".*.tmp"))


def test_view_focus_draws_the_neighbourhood(tmp_path, minimal):
    out = tmp_path / "wang.html"
    result = run_cli("view", "--sources", str(MINIMAL), "--focus", "wang-yi", "--depth", "1", "--out", str(out), "-q")
    assert result.returncode == 0, result.stderr
    g = project(fresh_graph(minimal.all_triples()))
    expected = {"kg:wang-yi", *g.successors("kg:wang-yi"), *g.predecessors("kg:wang-yi")}
    assert {n["id"] for n in _blob(out.read_text(encoding="utf-8"))["nodes"]} == expected


def test_view_query_draws_a_construct_result(tmp_path):
    query = tmp_path / "actors.rq"
    query.write_text("PREFIX cckg: <https://w3id.org/cckg/ontology/>\n"
                     "CONSTRUCT { ?s cckg:actor ?a } WHERE { ?s cckg:actor ?a }\n", encoding="utf-8")
    out = tmp_path / "actors.html"
    result = run_cli("view", "--sources", str(MINIMAL), "--query", str(query), "--out", str(out), "-q")
    assert result.returncode == 0, result.stderr
    data = _blob(out.read_text(encoding="utf-8"))
    actors = {(r["id"], a) for r in _records(MINIMAL) for a in r.get("actors", [])}
    assert {(e["from"], e["to"]) for e in data["edges"]} == {(f"kg:{s}", f"kg:{a}") for s, a in actors}


@pytest.mark.parametrize("args, message", [
    (["--focus", "nobody-at-all"], "no node"),
    (["--depth", "-1"], "--depth"),
])
def test_view_usage_errors_exit_2(args, message, tmp_path):
    result = run_cli("view", "--sources", str(MINIMAL), "--out", str(tmp_path / "v.html"), "-q", *args)
    assert result.returncode == 2 and message in result.stderr
    assert not (tmp_path / "v.html").exists()


@pytest.mark.parametrize("text", ["SELECT * WHERE { ?s ?p ?o }",
                                  "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",
                                  "CONSTRUCT { ?s ?p ?o } FROM <http://127.0.0.1:9/x> WHERE { ?s ?p ?o }"])
def test_view_refuses_queries_that_are_not_a_local_construct(text, tmp_path):
    query = tmp_path / "q.rq"
    query.write_text(text, encoding="utf-8")
    result = run_cli("view", "--sources", str(MINIMAL), "--query", str(query), "--out", str(tmp_path / "v.html"))
    assert result.returncode == 2, result.stderr


@pytest.mark.parametrize("focus, depth", [("wang-yi", 1), ("wang-yi", 2), ("kg:cc5-fm-2020", 2),
                                          ("topic:epidemic-cooperation", 1)])
def test_focus_from_store_matches_the_whole_graph_view(built, focus, depth):
    """The focus view gathered from the store (large builds) draws the same nodes, edges, labels and side panel as
    the neighbourhood cut from the whole projection (the reference, used for the real data)."""
    from viz import view

    whole = project(fresh_graph(built.all_triples()))
    reference = view.neighbourhood(whole, view.resolve(whole, focus), depth)
    g, dataset, centre = view.focus_from_store(built, focus, depth)
    assert centre == view.resolve(whole, focus)
    assert list(g.nodes) == list(reference.nodes)
    assert list(g.edges(keys=True, data=True)) == list(reference.edges(keys=True, data=True))
    assert [(n, g.nodes[n]["label"], g.nodes[n]["cls"], g.nodes[n]["group"]) for n in g.nodes] == \
        [(n, reference.nodes[n]["label"], reference.nodes[n]["cls"], reference.nodes[n]["group"]) for n in reference]
    assert details(dataset, g.nodes) == details(built.dataset, reference.nodes)


def test_focus_from_store_cuts_to_a_limit_and_reports_unknown_entities(built):
    from viz import view

    store = view.quad_store(built)
    g, found, _ = view.focus_from_store(built, "wang-yi", 3, limit=40, store=store)
    assert g.number_of_nodes() == 40
    # a store with one named graph per source (default graph empty) gathers what the build's store does
    same, found_here, _ = view.focus_from_store(built, "wang-yi", 3, limit=40)
    assert list(same.nodes) == list(g.nodes)
    assert details(found, g.nodes) == details(found_here, same.nodes)
    assert any(info["sources"] for info in details(found, g.nodes)["nodes"].values())
    assert view.focus_from_store(built, "nobody-at-all", 1, store=store) is None


def test_gathered_triples_answer_every_pattern_as_an_rdflib_graph(built):
    """viz.triples.Triples (what a focus view gathers, read by the projection and the panel) answers the eight
    triple patterns, `value` and `in` as an rdflib Graph of the same triples does, and knows each triple's documents."""
    from rdflib import Graph

    from graph.namespaces import KG
    from viz import view

    nodes = view.reach(built.store, str(KG["wang-yi"]), 1)
    found = view.gather_triples(built, view.gather_resources(built.store, nodes))
    graph = Graph()
    for t in found:
        graph.add(t)
    assert len(found) == len(graph) > 100
    s, p, o = sorted(graph, key=lambda t: (str(t[0]), str(t[1]), str(t[2])))[len(graph) // 2]
    for pattern in [(s, None, None), (None, p, None), (None, None, o), (s, p, None), (s, None, o), (None, p, o),
                    (s, p, o), (None, None, None)]:
        assert sorted(found.triples(pattern)) == sorted(graph.triples(pattern)), pattern
    assert found.value(s, p) in set(graph.objects(s, p)) and (s, p, o) in found
    documents = {d for docs in found.docs_of.values() for d in docs}
    assert documents and all(str(d).startswith(str(KG)) for d in documents)
    assert {t for t in found.docs_of} <= set(graph)


def test_dense_spring_layout_of_a_large_component():
    """Components of 500+ nodes get the dense Fruchterman–Reingold layout: the same positions every time, inside
    the scale, and linked nodes drawn closer than nodes taken at random."""
    import math

    import networkx as nx

    from viz.render import DENSE_SPRING_NODES, dense_spring_layout, layout

    ring = nx.Graph()
    names = [f"n{i:03d}" for i in range(DENSE_SPRING_NODES[0])]
    ring.add_edges_from(zip(names, names[1:] + names[:1]))
    ring.add_edges_from((names[i], names[(i * 7) % len(names)]) for i in range(0, len(names), 5))
    first = dense_spring_layout(ring, seed=7, iterations=30, scale=1000.0)
    assert first == dense_spring_layout(ring, seed=7, iterations=30, scale=1000.0)
    assert set(first) == set(names)
    assert all(math.isfinite(x) and math.isfinite(y) and abs(x) <= 1000.0 + 1e-6 and abs(y) <= 1000.0 + 1e-6
               for x, y in first.values())

    def distance(a, b):
        return math.dist(first[a], first[b])

    linked = sum(distance(u, v) for u, v in ring.edges()) / ring.number_of_edges()
    apart = sum(distance(names[i], names[(i * 131 + 17) % len(names)]) for i in range(len(names))) / len(names)
    assert linked < apart / 3
    multi = nx.MultiDiGraph(ring)  # the page layout uses it for such a component, in whole pixels
    placed = layout(multi)
    assert set(placed) == set(names) and all(isinstance(x, int) for x, _ in placed.values())


# ------------------------------------------------------------------- the overview and the report from the lines

def test_summary_from_lines_is_the_projection_in_figures(generated_build):
    """viz.overview.summary counts, from the build's N-Triples, the nodes (group, class), edges and degrees of
    viz.projection.project of the whole graph."""
    from viz import overview

    g = project(fresh_graph(generated_build.all_triples()))
    found = overview.bulk_summary(generated_build)
    reference = overview.graph_summary(g)
    assert len(found.nodes) == g.number_of_nodes() > 200
    assert found.nodes == reference.nodes
    assert found.edges == g.number_of_edges() == reference.edges
    assert {n: d for n, d in found.degree.items() if d} == {n: d for n, d in reference.degree.items() if d}


def test_report_from_lines_has_the_reference_counts_and_timeline(generated_sources):
    from viz import overview

    large = pipeline.build(sources_dir=generated_sources, version="0.1.0")
    whole = fresh_graph(large.all_triples())
    g = project(whole)
    reference = render.report_data(g, whole, title="t", graph_href="graph.html")
    found = overview.report_data(large, overview.bulk_summary(large), title="t", graph_href="graph.html", drawn=10)
    for key in ("nodes", "edges", "groups", "classes", "timeline"):
        assert found[key] == reference[key], key
    assert len(found["timeline"]) > 3 and found["ranking"] == "degree"
    degrees = [a["degree"] for a in found["actors"]]
    assert degrees == sorted(degrees, reverse=True) and len(degrees) == overview.REPORT_ACTORS
    for actor in found["actors"]:
        assert g.nodes[actor["id"]]["degree"] == actor["degree"] and g.nodes[actor["id"]]["label"] == actor["label"]
    assert large._dataset is None


def test_a_build_too_large_to_draw_gets_a_bounded_overview_and_says_how_to_see_the_rest(generated_sources, tmp_path,
                                                                                        monkeypatch):
    from viz import overview

    large = pipeline.build(sources_dir=generated_sources, version="0.1.0")
    monkeypatch.setattr(overview, "OVERVIEW_NODES", 60)
    monkeypatch.setattr(overview, "VIEW_NODE_LIMIT", 100)  # the generated graph's ~300 nodes count as too many
    writers.write_build_outputs(large, tmp_path)
    page = (tmp_path / "graph.html").read_text(encoding="utf-8")
    data = _blob(page)
    total = len(overview.bulk_summary(large).nodes)
    assert len(data["nodes"]) == 60
    assert f"60 of {total:,} nodes" in data["note"] and "python build.py view --focus ENTITY" in data["note"]
    assert '<p id="overview-note">' in page
    found = overview.bulk_summary(large)
    chosen = overview.overview_nodes(found, 60)
    assert {n["id"] for n in data["nodes"]} == {render.curie(render.URIRef(iri)) for iri in chosen}
    groups = [found.nodes[iri][0] for iri in chosen]
    ranks = [overview.BACKBONE.index(g) if g in overview.BACKBONE else len(overview.BACKBONE) for g in groups]
    assert ranks == sorted(ranks) and groups.count("country") == sum(1 for v in found.nodes.values() if v[0] == "country")
    ids = {n["id"] for n in data["nodes"]}
    assert all(e["from"] in ids and e["to"] in ids for e in data["edges"]) and data["edges"]
    assert set(data["details"]) == ids  # every drawn node has its panel
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Most connected actors" in report and "draws an overview of 60 of them" in report
    assert large._dataset is None


def test_large_build_view_is_byte_identical_whatever_the_hash_seed(generated_sources, tmp_path):
    outputs_under_hash_seeds(generated_sources, tmp_path, "viz.writers:write_build_outputs")
    for name in ("graph.html", "report.html"):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes(), name


def test_small_build_over_the_node_limit_draws_the_overview(built, tmp_path, monkeypatch):
    from viz import overview

    monkeypatch.setattr(overview, "VIEW_NODE_LIMIT", 100)
    monkeypatch.setattr(overview, "OVERVIEW_NODES", 50)
    data = _blob(_page(built, tmp_path))
    whole = project(fresh_graph(built.all_triples()))
    assert whole.number_of_nodes() > 100
    expected = overview.overview_nodes(overview.bulk_summary(built), 50)  # chosen from the figures of the lines
    assert overview.overview_of_projection(whole).number_of_nodes() == len(expected) == 50
    assert {n["id"] for n in data["nodes"]} == {render.curie(render.URIRef(iri)) for iri in expected}
    assert data["note"].startswith(f"Overview: 50 of {whole.number_of_nodes():,} nodes")
