"""The graph formats of the networkx projection (graph.network.projection): GraphML and GEXF with the view's drawing
(colour, size, seeded position; GEXF in its viz namespace, GraphML as node attributes) and every edge its own id,
and the nodes and edges as CSV."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable



GEXF_DATE = re.compile(rb'\s+lastmodifieddate="[^"]*"')
#: GEXF attributes networkx treats specially (dynamics, ids, drawing); never passed through from the projection.
GEXF_RESERVED = {"id", "start", "end", "viz", "pid", "type", "key"}




def _portable(projection, *, reserved: frozenset | set = frozenset()):
    """A copy of the projection in sorted order with only scalar attributes of one type per name (GraphML/GEXF).

    Edges get unique ids `e0`, `e1`… in that order (as their key: networkx writes a multigraph edge's key as its
    GraphML id), since the projection's key, the predicate, is shared by many edges (Gephi keeps one edge per id);
    the predicate stays an edge attribute."""
    import networkx as nx

    node_attrs = _scalar_attributes((data for _, data in projection.nodes(data=True)), reserved)
    edge_attrs = _scalar_attributes((data for *_, data in projection.edges(keys=True, data=True)), reserved)
    graph = nx.MultiDiGraph()
    for node in sorted(projection.nodes):
        data = projection.nodes[node]
        graph.add_node(node, **_keep(data, node_attrs))
    edges = sorted(projection.edges(keys=True, data=True), key=lambda e: (e[0], e[1], str(e[2])))
    for i, (u, v, key, data) in enumerate(edges):
        graph.add_edge(u, v, key=f"e{i}", **{"predicate": str(key), **_keep(data, edge_attrs)})
    return graph


#: Above this many nodes the graph exports carry no positions: the seeded layout of tens of thousands of nodes
#: takes minutes (viz/overview.py draws at most this many in the view for the same reason).
LAYOUT_NODE_LIMIT = 2_000


def drawing(projection) -> dict[str, dict]:
    """node -> {x, y, size, color}: what the HTML view draws (viz/drawing.py: the seeded layout, betweenness
    sizes, group colours); without x and y above LAYOUT_NODE_LIMIT nodes."""
    from graph.network.drawing import colour, layout, sizes

    size = sizes(projection)
    positions = layout(projection) if projection.number_of_nodes() <= LAYOUT_NODE_LIMIT else {}
    drawn = {}
    for node, attrs in projection.nodes(data=True):
        entry = {"size": float(size[node]), "color": colour(attrs.get("group", "topic"))}
        if node in positions:
            entry["x"], entry["y"] = (float(c) for c in positions[node])
        drawn[node] = entry
    return drawn


def _scalar_attributes(datas: Iterable[dict], reserved) -> dict[str, type]:
    """name -> the type its values are written as: their own if all share one scalar type, else str."""
    types: dict[str, set] = defaultdict(set)
    for data in datas:
        for name, value in data.items():
            if name not in reserved and value is not None:
                types[name].add(type(value))
    kept = {}
    for name, found in types.items():
        if found <= {str, int, float, bool}:
            kept[name] = next(iter(found)) if len(found) == 1 else str
    return kept


def _keep(data: dict, attrs: dict[str, type]) -> dict:
    return {name: attrs[name](value) for name, value in sorted(data.items()) if name in attrs and value is not None}


NODE_COLUMNS = ("id", "iri", "label", "class", "group", "altLabels")
EDGE_COLUMNS = ("source", "target", "predicate", "label")


def nodes_csv(projection) -> bytes:
    rows = []
    for node in sorted(projection.nodes):
        data = projection.nodes[node]
        rows.append((node, data.get("iri", ""), data.get("label", ""), data.get("cls", ""), data.get("group", ""),
                     data.get("alt_labels", "")))
    return _csv_bytes(NODE_COLUMNS, rows)


def edges_csv(projection) -> bytes:
    rows = sorted(
        (u, v, data.get("predicate", str(key)), data.get("label", ""))
        for u, v, key, data in projection.edges(keys=True, data=True)
    )
    return _csv_bytes(EDGE_COLUMNS, rows)


def _csv_bytes(header: tuple[str, ...], rows: Iterable[tuple]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(("" if v is None else str(v) for v in row) for row in rows)
    return buffer.getvalue().encode("utf-8")
