"""How long the graph view takes to become still in headless Chromium: the seed graph and a 1,000-node focus view.

    python bench/view_render.py [--runs 3] [--nodes 1000] [--sources DIR]
    python bench/view_render.py --page PAGE.html [--page ...] [--runs 3]

Builds the real graph (sources/) and writes its page; generates a synthetic RDF graph in the project's vocabulary
(meetings with participating countries, attendees holding posts, proposals with actors and topics, every record
quoted) and draws a --focus view of exactly N nodes from it; with --sources (e.g. bench/generate.py's 1M sources), also
the benchmark's focus view of that build (bench/run.py: kg:china, depth 4, cut to N nodes, gathered from the store). Each page is opened in Debian's Chromium with every
network request aborted; the time is from navigation start to the first vis-network 'afterDrawing' (physics is off at
load, so the graph is still once drawn). Prints a Markdown table. Not a test: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import networkx as nx  # noqa: E402
from rdflib import Literal  # noqa: E402
from rdflib.namespace import RDF, RDFS, SKOS, XSD  # noqa: E402

from graph.build import pipeline  # noqa: E402
from graph.namespaces import CCKG, DCTERMS, FOAF, KG, OA, ORG, PROV, SDO, TOPIC  # noqa: E402
from graph.build.output import fresh_graph  # noqa: E402
from viz import render, writers  # noqa: E402
from viz.details import details  # noqa: E402
from graph.network.projection import project  # noqa: E402
from viz.view import neighbourhood  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
TOPICS = ["connectivity", "security", "epidemic-cooperation", "trade-and-investment", "digital-economy"]


def synthetic(meetings: int):
    """A dataset-like graph: `meetings` meetings of 6 countries, 6 officials each (posts, tenures), 5 proposals."""
    g = fresh_graph()
    doc = KG["synthetic-doc"]
    g.add((doc, RDF.type, CCKG.SourceDocument))
    g.add((doc, DCTERMS.title, Literal("Synthetic benchmark document", lang="en")))
    countries = [KG[f"country-{i}"] for i in range(30)]
    for i, c in enumerate(countries):
        g.add((c, RDF.type, SDO.Country))
        g.add((c, RDFS.label, Literal(f"Country {i}", lang="en")))
    n_ann = 0

    def quote(node, text):
        nonlocal n_ann
        n_ann += 1
        ann, target, sel = (KG[f"synthetic-doc#a{n_ann}{s}"] for s in ("", ".target", ".quote"))
        g.add((ann, RDF.type, OA.Annotation))
        g.add((ann, OA.hasBody, node))
        g.add((ann, OA.hasTarget, target))
        g.add((target, OA.hasSource, doc))
        g.add((target, OA.hasSelector, sel))
        g.add((sel, OA.exact, Literal(text)))
        g.add((node, PROV.wasDerivedFrom, doc))

    for m in range(meetings):
        meeting = KG[f"meeting-{m}"]
        g.add((meeting, RDF.type, CCKG.MinisterialMeeting))
        g.add((meeting, RDFS.label, Literal(f"Meeting {m}", lang="en")))
        g.add((meeting, SDO.startDate, Literal(f"{2000 + m % 25}-0{1 + m % 9}-1{m % 10}", datatype=XSD.date)))
        quote(meeting, f"the meeting number {m}")
        present = [countries[(m * 7 + k) % len(countries)] for k in range(6)]
        for k, country in enumerate(present):
            g.add((meeting, CCKG.participatingCountry, country))
            person, post = KG[f"person-{m}-{k}"], KG[f"post-{m}-{k}"]
            g.add((person, RDF.type, FOAF.Person))
            g.add((person, RDFS.label, Literal(f"Official {m}-{k}", lang="en")))
            g.add((post, RDF.type, ORG.Post))
            g.add((post, RDFS.label, Literal(f"Minister {m}-{k}", lang="en")))
            g.add((post, CCKG.country, country))
            g.add((person, ORG.holds, post))
            g.add((meeting, SDO.attendee, person))
            quote(person, f"minister {m}-{k} attended")
        for j in range(5):
            proposal = KG[f"proposal-{m}-{j}"]
            g.add((proposal, RDF.type, CCKG.Proposal))
            g.add((proposal, RDFS.label, Literal(f"Proposal {j} of meeting {m}", lang="en")))
            g.add((proposal, CCKG.actor, KG[f"person-{m}-{j % 6}"]))
            g.add((proposal, CCKG.madeAt, meeting))
            g.add((proposal, DCTERMS.subject, TOPIC[TOPICS[(m + j) % len(TOPICS)]]))
            quote(proposal, f"proposal {j} was made at meeting {m}")
    for t in TOPICS:
        g.add((TOPIC[t], RDF.type, SKOS.Concept))
        g.add((TOPIC[t], RDFS.label, Literal(t.replace("-", " "), lang="en")))
    return g


def focus_of_size(g: nx.MultiDiGraph, size: int) -> nx.MultiDiGraph:
    """The neighbourhood of the most central node, grown depth by depth, cut to exactly `size` nodes (BFS order)."""
    centre = max(g.nodes, key=lambda n: (g.nodes[n]["centrality"], n))
    order = list(nx.bfs_tree(g.to_undirected(as_view=True), centre))[:size]
    keep = set(order)
    part = neighbourhood(g, centre, len(g))  # the whole component, in projection order
    for n in [n for n in part.nodes if n not in keep]:
        part.remove_node(n)
    return part


def page_for(g, panel, path: Path, title: str) -> Path:
    path.write_bytes(render.render_html(render.page_data(g, panel, title=title, docs_href={})))
    return path


def time_page(browser, path: Path) -> dict:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    requests, errors = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:")
               else (requests.append(r.request.url), r.abort()))
    page.goto(path.as_uri())
    page.wait_for_function("window.cckg && window.cckg.timings.firstDrawing > 0", timeout=120_000)
    t = page.evaluate("window.cckg.timings")
    n = page.evaluate("window.cckg.network.body.data.nodes.length")
    page.close()
    return {"still_ms": t["firstDrawing"], "nodes": n, "requests": len(requests), "errors": len(errors)}


def time_pages(paths: list[Path], runs: int) -> int:
    """Time pages already written: the still-after figure of each, in the same table."""
    from playwright.sync_api import sync_playwright

    print("| page | nodes | HTML KiB | still after, ms (median; all runs) |")
    print("|---|---|---|---|")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for path in paths:
            found = [time_page(browser, path.resolve()) for _ in range(runs)]
            assert all(r["requests"] == 0 and r["errors"] == 0 for r in found), found
            times = sorted(r["still_ms"] for r in found)
            print(f"| {path.name} | {found[0]['nodes']} | {path.stat().st_size // 1024} | {statistics.median(times):.0f} "
                  f"({', '.join(f'{t:.0f}' for t in times)}) |")
        browser.close()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--sources", type=Path, help="also draw the benchmark's focus view of these sources' build")
    parser.add_argument("--page", type=Path, action="append", default=[],
                        help="time only this page, already written (e.g. a focus view; repeatable): no build")
    args = parser.parse_args()
    if args.page:
        return time_pages(args.page, args.runs)
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        result = pipeline.build()
        writers.write_build_outputs(result, tmp)
        seed_py = time.perf_counter() - t0
        seed = project(fresh_graph(result.all_triples()))
        pages = [("seed graph (dist/graph.html)", tmp / "graph.html", seed.number_of_nodes(), seed.number_of_edges(),
                  seed_py)]
        t0 = time.perf_counter()
        rdf = synthetic(meetings=args.nodes // 8)
        whole = project(rdf)
        focus = focus_of_size(whole, args.nodes)
        panel = details(rdf, focus.nodes)
        path = page_for(focus, panel, tmp / "focus.html", f"synthetic focus view ({args.nodes} nodes)")
        pages.append((f"{args.nodes}-node focus view (synthetic, {len(rdf)} triples, {whole.number_of_nodes()} "
                      "nodes in all)", path, focus.number_of_nodes(), focus.number_of_edges(),
                      time.perf_counter() - t0))
        if args.sources:
            from bench.run import FOCUS_CENTRE, FOCUS_DEPTH
            from viz import view

            built = pipeline.build(sources_dir=args.sources, quiet=True)
            from graph.build.pipeline import gc_paused

            t0 = time.perf_counter()
            path = tmp / "focus-built.html"
            with gc_paused():  # as viz.view.render_view does
                focus, dataset, _ = view.focus_from_store(built, FOCUS_CENTRE, FOCUS_DEPTH, limit=args.nodes)
                path.write_bytes(render.build_view(built, out_file=path, title="focus", g=focus, dataset=dataset))
            pages.append((f"{args.nodes}-node focus view of {FOCUS_CENTRE} (depth {FOCUS_DEPTH}) in the build of "
                          f"{args.sources.name} ({built.counts['triples (all)']:,} triples)", path,
                          focus.number_of_nodes(), focus.number_of_edges(), time.perf_counter() - t0))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for name, path, n, e, py in pages:
                runs = [time_page(browser, path) for _ in range(args.runs)]
                assert all(r["nodes"] == n and r["requests"] == 0 and r["errors"] == 0 for r in runs), runs
                times = sorted(r["still_ms"] for r in runs)
                rows.append((name, n, e, path.stat().st_size // 1024, py, times))
            browser.close()
    print("| view | nodes | edges | HTML KiB | Python s (build or generate, project, layout, page) | still after, ms (median; all runs) |")
    print("|---|---|---|---|---|---|")
    for name, n, e, kib, py, times in rows:
        print(f"| {name} | {n} | {e} | {kib} | {py:.1f} | {statistics.median(times):.0f} "
              f"({', '.join(f'{t:.0f}' for t in times)}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
