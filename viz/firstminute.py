"""What the graph view needs for its first minute, added to the page data of viz.render.page_data:

* `top`: the most central nodes, whose labels the page keeps readable at any zoom;
* `matcher` and each node's `folds`: the curator's transliteration matcher (graph/curate_names.py: its folds,
  confusable letter pairs and thresholds), so that the search finds "Meledov" for "Meredov"; the names are folded
  here, in Python, by `graph.curate_names.fold` (words split by `graph.curate_text.words`), and the page folds the
  query with the same rules;
* `span` of each dated node and `years`: the time range slider (what existed or happened in the chosen years);
* `physics`: forces scaled to the drawn layout, so that turning physics on starts from it;
* `pages`: links to the timeline and the country pages.
"""

from __future__ import annotations

import math
import statistics

from graph.curate import names
from graph.curate.text import words

#: How many of the most central nodes are labelled at first view.
TOP_LABELS = 12


def matcher() -> dict:
    """The curator's matching rules as data for the page's script."""
    return {
        "folds": [list(pair) for pair in names._FOLDS],
        "confusable": sorted("".join(sorted(pair)) for pair in names.CONFUSABLE),
        "cheap": names.CHEAP,
        "threshold": names.FUZZY_THRESHOLD,
        "minLength": names.MIN_FUZZY_LENGTH,
    }


def name_folds(name: str) -> list[str]:
    """The folded words of a name, as the curator compares them."""
    return [f for f in (names.fold(w) for w, _, _ in words(name)) if f]


def top_nodes(nodes: list[dict], n: int = TOP_LABELS) -> list[str]:
    ranked = sorted(nodes, key=lambda x: (-x.get("centrality", 0.0), -x.get("degree", 0), x["id"]))
    return [x["id"] for x in ranked[:n]]


def physics(nodes: list[dict], edges: list[dict]) -> dict:
    """Barnes–Hut forces at the scale of the drawn layout: springs as long as the median drawn edge, no central
    gravity (which would pull the packed components together), strong damping and capped velocities."""
    pos = {n["id"]: (n["x"], n["y"]) for n in nodes}
    lengths = [math.dist(pos[e["from"]], pos[e["to"]]) for e in edges if e["from"] in pos and e["to"] in pos
               and e["from"] != e["to"]]
    spring = round(max(60.0, statistics.median(lengths))) if lengths else 100
    return {
        "solver": "barnesHut",
        "barnesHut": {"gravitationalConstant": -int(spring * 12), "centralGravity": 0.0, "springLength": spring,
                      "springConstant": 0.02, "damping": 0.5, "avoidOverlap": 0.1},
        "maxVelocity": 12,
        "minVelocity": 1.0,
        "timestep": 0.3,
        "stabilization": {"enabled": False},
    }


def enrich(data: dict, *, store=None, pages: dict | None = None) -> dict:
    """Add the first-minute fields to the page data (in place; returned for convenience)."""
    from viz import timeline

    for node in data["nodes"]:
        node["folds"] = [name_folds(name) for name in [node["name"], *node["alt"]]]
    data["matcher"] = matcher()
    data["top"] = top_nodes(data["nodes"])
    data["physics"] = physics(data["nodes"], data["edges"])
    if store is not None:
        spans = timeline.node_spans(store, [n["id"] for n in data["nodes"]])
        years = set()
        for node in data["nodes"]:
            if node["id"] in spans:
                node["span"] = spans[node["id"]]
                years.update(int(v[:4]) for v in node["span"] if v[:4] != "9999")
        if years:
            data["years"] = [min(years), max(years)]
    if pages:
        data["pages"] = pages
    return data


__all__ = ["TOP_LABELS", "enrich", "matcher", "name_folds", "physics", "top_nodes"]
