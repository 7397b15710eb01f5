"""The interactive graph view: one self-contained, offline HTML page (and a static report) drawn from the projection.

pyvis builds the vis-network node and edge lists from the networkx projection; the page itself is rendered with
our own jinja2 template (`viz/templates/graph.html.j2`, autoescape on), not pyvis's, because pyvis's template loads
Bootstrap and tom-select from CDNs and turns tooltips into HTML (see ../shared/notes/libraries.md). All graph data
reaches the page as one JSON blob (`|tojson`, which escapes <, >, & and ') inside a
<script type="application/json"> element, and the page's script shows every label, quote and title as text.
vis-network's JS and CSS are inlined from the installed pyvis package, so the page makes no request at all.

Positions are computed in Python before the page opens (seeded, so rebuilds are byte-identical; viz/drawing.py, which
the GraphML and GEXF exports read too) and physics is off at load: the graph is still as soon as it is drawn;
physics can be switched on in the page.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import networkx as nx
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from pyvis.network import Network
from rdflib import Graph, URIRef

from graph.namespaces import CCKG, SDO
from viz.details import details
from graph.network.drawing import DENSE_SPRING_NODES, KAMADA_KAWAI_LIMIT, STYLES, dense_spring_layout, layout, sizes
from graph.network.projection import curie, label, project

TEMPLATES = Path(__file__).with_name("templates")
VIS_DIR = "templates/lib/vis-9.1.2"
GRAPH_FILE, REPORT_FILE = "graph.html", "report.html"
TITLE = "China–Central Asia Knowledge Graph"

#: Groups counted as actors in the report's "most central actors".
ACTORS = ("person", "country", "organization", "mechanism")


# ------------------------------------------------------------------------------------------------------ the page

def network(g: nx.MultiDiGraph, positions: dict[str, tuple[int, int]]) -> Network:
    """The pyvis Network of the projection: node ids are CURIEs, nodes and edges in the projection's order."""
    net = Network(directed=True, cdn_resources="remote")
    size = sizes(g)
    for node, attrs in g.nodes(data=True):
        group = attrs.get("group", "topic")
        shape = STYLES[group][1]  # the colour comes from the group (pyvis drops `color` when `group` is given)
        x, y = positions.get(node, (0, 0))
        net.add_node(
            node,
            label=_short(attrs.get("label") or node),
            title=_node_title(node, attrs),
            group=group,
            shape=shape,
            size=size[node],
            x=x,
            y=y,
        )
    for i, (u, v, key, attrs) in enumerate(g.edges(keys=True, data=True)):
        text = attrs.get("label", key)
        net.add_edge(u, v, id=f"e{i}", label=text, title=f"{g.nodes[u].get('label', u)} → {text} → "
                                                           f"{g.nodes[v].get('label', v)}", predicate=key)
    return net


#: Drawn labels are cut to this many characters (the tooltip, the search and the panel have the whole label).
LABEL_CHARS = 40


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


def _node_title(node: str, attrs: dict) -> str:
    """The hover text of a node: plain text (vis-network shows string titles with innerText)."""
    lines = [attrs.get("label") or node, f"{attrs.get('cls', '')}  ·  {node}"]
    if attrs.get("alt_labels"):
        lines.append(f"also: {attrs['alt_labels']}")
    lines.append("click for facts and sources")
    return "\n".join(lines)


def options(n_nodes: int) -> dict:
    """vis-network options: physics off at load (positions are precomputed), small edge labels, the group styles."""
    return {
        "autoResize": True,
        "layout": {"improvedLayout": False, "randomSeed": 1},
        "physics": {
            "enabled": False,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 110, "avoidOverlap": 0.3},
            "stabilization": {"enabled": False},
        },
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": n_nodes > 400,
                        "hideEdgesOnZoom": n_nodes > 400, "multiselect": False},
        "nodes": {"borderWidth": 1, "font": {"size": 13, "face": "system-ui, sans-serif", "strokeWidth": 3,
                                              "strokeColor": "#ffffff"}},
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.45}},
            "color": {"color": "#b3bcc4", "highlight": "#d35400", "hover": "#5d6d7e", "inherit": False},
            "font": {"size": 9, "align": "middle", "color": "#3b4650", "strokeWidth": 3, "strokeColor": "#ffffff",
                     "face": "system-ui, sans-serif"},
            "smooth": False,
            "selectionWidth": 2,
            "width": 1,
        },
        "groups": {name: {"color": colour, "shape": shape} for name, (colour, shape, _) in STYLES.items()},
    }


def page_data(g: nx.MultiDiGraph, panel: dict, *, title: str, docs_href: dict[str, str],
              report_href: str | None = None, note: str | None = None) -> dict:
    """Everything the page needs, as one JSON-ready dict (sorted, so the page is byte-identical on rebuild); `note`
    is a line shown under the title (the overview says what it shows of how much)."""
    net = network(g, layout(g))
    nodes = []
    for entry in net.nodes:
        attrs = g.nodes[entry["id"]]
        nodes.append({
            **{k: entry[k] for k in ("id", "label", "group", "shape", "size", "x", "y")},  # the title: made in the page
            "color": STYLES[entry["group"]][0],
            "name": attrs.get("label") or entry["id"],
            "alt": [a for a in attrs.get("alt_labels", "").split("; ") if a],
            "countries": [c for c in attrs.get("countries", "").split("; ") if c],
            "meetings": [m for m in attrs.get("meetings", "").split("; ") if m],
            "cls": attrs.get("cls", ""),
            "centrality": attrs.get("centrality", 0.0),
            "degree": attrs.get("degree", 0),
        })
    edges = [{k: e[k] for k in ("id", "from", "to", "label", "predicate")} for e in net.edges]
    counts = {}
    for entry in nodes:
        counts[entry["group"]] = counts.get(entry["group"], 0) + 1
    legend = [{"group": name, "color": colour, "shape": shape, "label": text, "count": counts[name]}
              for name, (colour, shape, text) in STYLES.items() if name in counts]
    labels = {n["id"]: n["name"] for n in nodes}
    docs = {d: {**info, "href": docs_href.get(d, "")} for d, info in panel.get("docs", {}).items()}
    details, texts = quote_table(panel.get("nodes", {}))
    extra = {"note": note} if note else {}
    return {
        "title": title,
        **extra,
        "nodes": nodes,
        "edges": edges,
        "options": options(len(nodes)),
        "legend": legend,
        "countries": sorted(({"id": c, "label": labels.get(c, c)} for c in _all(nodes, "countries")),
                            key=lambda c: c["label"]),
        "meetings": sorted(({"id": m, "label": labels.get(m, m)} for m in _all(nodes, "meetings")),
                           key=lambda m: m["label"]),
        "details": details,
        "texts": texts,
        "docs": docs,
        "report": report_href or "",
    }


def quote_table(details: dict) -> tuple[dict, list[str]]:
    """The panels with each quote's text given once: every quote's `text` replaced by `t`, its index in the returned
    list of texts, in the order first met (the page puts the text back when it shows a panel). The 1,000-node focus
    view of a 1M build repeats 107 kB of quotes into 515 kB."""
    texts: dict[str, int] = {}

    def shared(quotes: list[dict]) -> list[dict]:
        out = []
        for q in quotes:
            q = dict(q)
            q["t"] = texts.setdefault(q.pop("text"), len(texts))
            out.append(q)
        return out

    found = {}
    for node, info in details.items():
        info = {**info, "sources": shared(info["sources"])}
        info["facts"] = [{**f, "quotes": shared(f["quotes"])} for f in info["facts"]]
        info["statements"] = [{**st, "quotes": shared(st["quotes"])} for st in info["statements"]]
        found[node] = info
    return found, list(texts)


def _all(nodes: list[dict], key: str) -> set[str]:
    return {value for n in nodes for value in n[key]}


def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                       keep_trailing_newline=True)


def vis_assets() -> tuple[str, str]:
    """vis-network 9.1.2's JS (with its licence header) and CSS, read from the installed pyvis package."""
    lib = resources.files("pyvis") / VIS_DIR
    js = (lib / "vis-network.min.js").read_text(encoding="utf-8")
    css = (lib / "vis-network.css").read_text(encoding="utf-8")
    for text in (js, css):  # inlined as code: must not be able to close its element
        if "</script" in text.lower() or "</style" in text.lower() or "<!--" in text:
            raise RuntimeError("the vendored vis-network cannot be inlined safely")
    return js, css


def render_html(data: dict) -> bytes:
    """The page: our template, the data as JSON, vis-network inlined."""
    js, css = vis_assets()
    environment = _environment()
    # |tojson without the blanks after separators (6% of the page)
    environment.policies["json.dumps_kwargs"] = {"sort_keys": True, "separators": (",", ":")}
    template = environment.get_template("graph.html.j2")
    return template.render(data=data, title=data["title"], vis_js=Markup(js), vis_css=Markup(css)).encode("utf-8")


# --------------------------------------------------------------------------------------------------- the report

def report_data(g: nx.MultiDiGraph, rdf: Graph, *, title: str, graph_href: str) -> dict:
    """Counts by class, the most central actors and the mechanism's timeline, for the report page."""
    by_group, by_class = {}, {}
    for _, attrs in g.nodes(data=True):
        by_group[attrs["group"]] = by_group.get(attrs["group"], 0) + 1
        by_class[attrs["cls"]] = by_class.get(attrs["cls"], 0) + 1
    actors = sorted(((a["centrality"], a["degree"], n, a) for n, a in g.nodes(data=True) if a["group"] in ACTORS),
                    key=lambda t: (-t[0], -t[1], t[2]))[:15]
    return {
        "title": title,
        "graph_href": graph_href,
        "nodes": g.number_of_nodes(),
        "edges": g.number_of_edges(),
        "groups": [{"group": k, "label": STYLES[k][2], "color": STYLES[k][0], "count": by_group[k]}
                   for k in STYLES if k in by_group],
        "classes": [{"cls": k, "count": v} for k, v in sorted(by_class.items(), key=lambda kv: (-kv[1], kv[0]))],
        "actors": [{"id": n, "label": a["label"], "group": a["group"], "centrality": c, "degree": d}
                   for c, d, n, a in actors],
        "timeline": timeline(g, rdf),
    }


def timeline(g: nx.MultiDiGraph, rdf: Graph) -> list[dict]:
    """The drawn meetings in date order, with their series, place, chair, countries and statements made there."""
    rows = []
    for node, attrs in g.nodes(data=True):
        if attrs["group"] != "meeting" or attrs["cls"] == curie(CCKG.MeetingSeries):
            continue
        iri = URIRef(attrs["iri"])
        date = rdf.value(iri, SDO.startDate)
        end = rdf.value(iri, SDO.endDate)
        rows.append({
            "id": node,
            "date": str(date) if date is not None else "",
            "end": str(end) if end is not None else "",
            "label": attrs["label"],
            "kind": label(rdf, URIRef(_expand(attrs["cls"]))) if attrs.get("cls") else "",
            "series": "; ".join(sorted(label(rdf, s) for s in rdf.objects(iri, SDO.superEvent))),
            "location": "; ".join(sorted(label(rdf, s) for s in rdf.objects(iri, SDO.location))),
            "chair": "; ".join(sorted(label(rdf, s) for s in rdf.objects(iri, CCKG.chairedBy))),
            "countries": len(set(rdf.objects(iri, CCKG.participatingCountry))),
            "statements": len(set(rdf.subjects(CCKG.madeAt, iri))),
        })
    rows.sort(key=lambda r: (r["date"] or "9999", r["label"]))
    return rows


def _expand(value: str) -> str:
    from graph.namespaces import PREFIXES

    prefix, _, local = value.partition(":")
    return PREFIXES.get(prefix, prefix + ":") + local


def render_report(data: dict) -> bytes:
    return _environment().get_template("report.html.j2").render(**data).encode("utf-8")


# ------------------------------------------------------------------------------------------------------ writers

def document_links(sources) -> dict[str, str]:
    """doc CURIE → link: the document's URL if it has one, else its text file as seen from dist/ ("../sources/…").

    The file link assumes the page sits in the repository's dist/ (the default), so that the output does not depend
    on where it is written and rebuilds elsewhere stay byte-identical.
    """
    from graph.build.pipeline import ROOT

    links, folders, root = {}, {}, ROOT.resolve()
    for source in sources:
        url = source.meta.get("url")
        if not url:
            path = _resolved(source.text_path, folders)
            try:
                url = "../" + path.relative_to(root).as_posix()
            except ValueError:
                url = path.name
        links[f"kg:{source.id}"] = url
    return links


def _resolved(path: Path, folders: dict) -> Path:
    """`path.resolve()`, each folder resolved once (1,020 sources' paths took 0.15-0.34 s to resolve one by one)."""
    if path.name in ("", ".", "..") or path.is_symlink():
        return path.resolve()
    folder = folders.get(path.parent)
    if folder is None:
        folder = folders[path.parent] = path.parent.resolve()
    return folder / path.name


def build_view(result, *, out_file: Path, title: str, g: nx.MultiDiGraph | None = None,
               report_href: str | None = None, dataset=None, note: str | None = None,
               pages: dict | None = None) -> bytes:
    """The page for a build result (or for a chosen projection `g` of it, e.g. a focus view); the side panel reads
    `dataset` if given (the part of the build gathered for a focus view), else the build's whole dataset. The
    first-minute fields (viz/firstminute.py: labels, spelling-tolerant search, time range) are added; `pages`
    links the timeline and country pages."""
    from graph.build.output import fresh_graph
    from viz import firstminute
    from graph.build.pipeline import gc_paused

    with gc_paused():  # the page's many small dicts next to a large build set off full collections
        if g is None:
            g = project(fresh_graph(result.all_triples()))
        panel = details(result.dataset if dataset is None else dataset, g.nodes)
        data = page_data(g, panel, title=title, docs_href=document_links(result.sources),
                         report_href=report_href, note=note)
        firstminute.enrich(data, store=getattr(result, "store", None), pages=pages)
        return render_html(data)


__all__ = ["DENSE_SPRING_NODES", "KAMADA_KAWAI_LIMIT", "STYLES", "build_view", "dense_spring_layout", "layout", "network", "page_data", "render_html", "render_report",
           "report_data", "vis_assets"]
