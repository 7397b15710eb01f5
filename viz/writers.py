"""The main build's writer of the graph view and the graph report (graph.api.MAIN_WRITERS): dist/graph.html and
dist/report.html. It puts together what the other modules of viz/ make (the page: render; the overview of a graph
too large to draw: overview; the charts: charts; the links to the timeline and country pages: pages), so that none
of them needs to import another's writer."""

from __future__ import annotations

from pathlib import Path

from graph.network.projection import project
from viz import charts, overview, pages
from viz.render import GRAPH_FILE, REPORT_FILE, TITLE, build_view, render_report, report_data


def write_build_outputs(result, out_dir: Path, *, quiet: bool = True) -> dict[str, Path]:
    """The main build's writer (graph.api.MAIN_WRITERS): dist/graph.html and dist/report.html, atomically.

    A build whose projection has more than viz.overview.VIEW_NODE_LIMIT nodes (counted on the build's N-Triples
    lines) gets the overview (viz/overview.py) instead of the whole graph, and a report computed without the whole
    rdflib graph; the others the whole graph. Python's cyclic garbage collector is paused meanwhile (as during the
    build, graph.pipeline.gc_paused) and run once at the end if the whole graph was drawn, for the rdflib graphs'
    reference cycles (the overview makes none; a full collection among a large build's objects takes a second)."""
    import gc

    from graph.build.pipeline import gc_paused

    with gc_paused():
        written = _write_build_outputs(result, out_dir, quiet=quiet)
    if overview.drawn_whole(result):
        gc.collect()
    return written


#: Every pattern and query of the view and the report reads the store's default graph only (viz.overview: the
#: summary's queries, StoreLabels, gather_resources with DefaultGraph), so pipeline.write_outputs need not wait for
#: the validation's inferred graph to leave the store.
write_build_outputs.reads_default_graph_only = True


def _write_build_outputs(result, out_dir: Path, *, quiet: bool) -> dict[str, Path]:
    from graph.build.output import fresh_graph, in_thread, write_atomically
    from graph.build.pipeline import Progress

    progress = Progress(1, quiet=quiet)
    done = progress(f"drawing the graph view into {out_dir}/")
    title = f"{TITLE} {result.version}"
    ahead = in_thread("cckg-report-inputs", _report_inputs, result)  # beside the view's Python work
    if not overview.drawn_whole(result):  # too many nodes to draw: the overview, from the store
        found = overview.bulk_summary(result)  # the projection in figures, counted by the engine
        g, dataset = overview.overview_from_store(result, found)
        note = overview.overview_note(g.number_of_nodes(), len(found.nodes))
        page = build_view(result, out_file=out_dir / GRAPH_FILE, title=title, g=g, dataset=dataset,
                          report_href=REPORT_FILE, note=note, pages=pages.links(result))
        ahead.result()
        report = render_report(charts.add_charts(overview.report_data(result, found, title=title,
                                                                      graph_href=GRAPH_FILE,
                                                                      drawn=g.number_of_nodes()), result))
        whole_nodes, whole_edges = len(found.nodes), found.edges
    else:  # the whole graph, materialized as rdflib terms (small enough to draw whole)
        whole = fresh_graph(result.all_triples())
        g = project(whole)
        whole_nodes, whole_edges = g.number_of_nodes(), g.number_of_edges()
        ahead.result()
        report = render_report(charts.add_charts(report_data(g, whole, title=title, graph_href=GRAPH_FILE), result))
        page = build_view(result, out_file=out_dir / GRAPH_FILE, title=title, g=g, report_href=REPORT_FILE,
                          pages=pages.links(result))
    files = {out_dir / GRAPH_FILE: page, out_dir / REPORT_FILE: report}
    write_atomically(files)
    done(f"{g.number_of_nodes()} of {whole_nodes} nodes, {g.number_of_edges()} of {whole_edges} edges drawn; "
         + ", ".join(f"{p.name} ({len(b) // 1024} KiB)" for p, b in files.items()))
    return {"graph": out_dir / GRAPH_FILE, "graph_report": out_dir / REPORT_FILE}


def _report_inputs(result) -> None:
    """What the report's charts read, made in a thread while the main thread draws the overview: the timeline's and
    the trade's engine queries (pyoxigraph evaluates without the GIL) and matplotlib's import, and the other
    queries of the country pages (viz.pages.Library.fetch: made here, the pages' writer, after this one, finds them
    made instead of waiting for them while the other core stands idle). Kept on the build (viz.timeline.per_build),
    where the pages find them too; the report and the pages are the same whichever thread made them."""
    from viz import timeline
    from viz.render import document_links

    pages.library(result).fetch()  # trade-by-year among them
    timeline.for_build(result, document_links(result.sources))
    timeline.source_docs_of_build(result)
    charts._pyplot()

