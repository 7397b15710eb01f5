"""How the projection is drawn: each group's colour and shape, the seeded layout and the node sizes. Read by the
HTML view (viz/render.py) and by the GraphML and GEXF exports (graph/export.py), so that Gephi, yEd and the page
show the same picture. Plain networkx and numpy: no page library (pyvis, jinja2) is imported here.

Positions are in vis-network pixels (x to the right, y downwards), seeded, so the same graph always gets the same
positions; sizes grow with the square root of betweenness centrality (the projection's `centrality`).
"""

from __future__ import annotations

import math

import networkx as nx

from graph.network.projection import GROUPS

#: How each group is drawn: (colour, vis-network shape, legend label). Shapes keep their label below the shape.
STYLES: dict[str, tuple[str, str, str]] = {
    "person": ("#d62728", "dot", "person"),
    "country": ("#1f77b4", "star", "country"),
    "mechanism": ("#9467bd", "hexagon", "mechanism"),
    "meeting": ("#ff7f0e", "square", "meeting or series"),
    "proposal": ("#2ca02c", "triangle", "proposal or measure"),
    "commitment": ("#17becf", "triangleDown", "commitment"),
    "stance": ("#bcbd22", "diamond", "support or opposition"),
    "assessment": ("#8c564b", "diamond", "assessment"),
    "post": ("#e377c2", "dot", "post"),
    "organization": ("#7f7f7f", "hexagon", "organization"),
    "initiative": ("#393b79", "star", "initiative"),
    "document": ("#637939", "square", "outcome document"),
    "place": ("#c49c94", "triangleDown", "place"),
    "topic": ("#9c9ede", "dot", "topic"),
}
assert {g for _, g in GROUPS} <= set(STYLES), "every projection group needs a style"

#: Up to this many nodes the layout is Kamada–Kawai (tidier); above it a seeded spring layout (faster).
KAMADA_KAWAI_LIMIT = 60

# ---------------------------------------------------------------------------------------------------------- layout

def layout(g: nx.MultiDiGraph) -> dict[str, tuple[int, int]]:
    """Seeded positions in vis-network pixels for every node; the same graph always gets the same positions.

    Each connected component is laid out on its own (Kamada–Kawai up to KAMADA_KAWAI_LIMIT nodes, else a seeded
    spring layout), then the components are packed in rows, largest first, so that isolated nodes do not pile up.
    """
    simple = nx.Graph()
    simple.add_nodes_from(g.nodes)
    simple.add_edges_from((u, v) for u, v in g.edges() if u != v)
    components = sorted((sorted(c) for c in nx.connected_components(simple)), key=lambda c: (-len(c), c[0]))
    placed, boxes = {}, []
    for nodes in components:
        local = _component_layout(_induced(simple, nodes))
        xs, ys = [p[0] for p in local.values()], [p[1] for p in local.values()]
        boxes.append((local, min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)))
    row_width = max(boxes[0][3] if boxes else 0.0, 900.0)
    x = y = row_height = 0.0
    gap = 150.0
    for local, left, top, width, height in boxes:
        if x > 0 and x + width > row_width:
            x, y, row_height = 0.0, y + row_height + gap, 0.0
        for node, (px, py) in local.items():
            placed[node] = (int(round(x + px - left)), int(round(y + py - top)))
        x += width + gap
        row_height = max(row_height, height)
    return {node: placed[node] for node in g.nodes}


def _induced(simple: nx.Graph, nodes: list[str]) -> nx.Graph:
    """A new graph of these nodes in this order (subgraph views iterate a set: hash-seed dependent order)."""
    keep = set(nodes)
    part = nx.Graph()
    part.add_nodes_from(nodes)
    part.add_edges_from(sorted((min(u, v), max(u, v)) for u, v in simple.edges(nodes) if u in keep and v in keep))
    return part


def _component_layout(component: nx.Graph, *, fold: bool = True) -> dict[str, tuple[float, float]]:
    n = component.number_of_nodes()
    if n == 1:
        return {next(iter(component.nodes)): (0.0, 0.0)}
    if fold and n >= DENSE_SPRING_NODES[0]:
        leaves = _leaves(component)
        if leaves:
            return _with_leaves(component, leaves)
    scale = max(80.0, 110.0 * math.sqrt(n))
    if n <= KAMADA_KAWAI_LIMIT:
        pos = nx.kamada_kawai_layout(component, pos=nx.circular_layout(component), scale=scale)
    elif DENSE_SPRING_NODES[0] <= n <= DENSE_SPRING_NODES[1]:
        pos = dense_spring_layout(component, seed=7, iterations=max(20, min(60, DENSE_SPRING_BUDGET // (n * n))),
                                  scale=scale)
    else:
        pos = nx.spring_layout(component, seed=7, iterations=60, scale=scale)
    return {node: (float(x), float(y)) for node, (x, y) in pos.items()}


#: In a component of DENSE_SPRING_NODES[0] nodes or more, the leaves are placed around the node they hang from, on a
#: sunflower spiral: the i-th (from 0) LEAF_SPACING × √(i + 1) pixels from it, so that n leaves spread as far as n
#: nodes of the spring layout (its scale: 110 × √n), and the first view draws no label but the emphasized ones
#: (labels drawn at the first view of 1,000 nodes took Chromium 0.2 s more).
LEAF_SPACING = 110.0
_GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))


def _leaves(component: nx.Graph) -> dict[str, list[str]]:
    """{node: its leaves (neighbours of degree 1), in the component's order}; {} when it has none."""
    found: dict[str, list[str]] = {}
    for node in component.nodes:
        if component.degree(node) == 1:
            hub = next(iter(component[node]))
            if component.degree(hub) > 1:
                found.setdefault(hub, []).append(node)
    return found


def _with_leaves(component: nx.Graph, leaves: dict[str, list[str]]) -> dict[str, tuple[float, float]]:
    """A large component's layout with its leaves folded: the core (the component less its leaves) laid out by
    `_component_layout`, then each node's leaves spread around it on a sunflower spiral (an even density, and no
    force computed: the 1,000-node focus view of a 1M build is one hub with 999 leaves, whose dense spring layout
    took 0.5 s)."""
    folded = {leaf for found in leaves.values() for leaf in found}
    core = _induced(component, [n for n in component.nodes if n not in folded])
    pos = _component_layout(core, fold=False)
    for hub, found in leaves.items():
        cx, cy = pos[hub]
        for i, leaf in enumerate(found):
            radius = LEAF_SPACING * math.sqrt(i + 1)
            angle = i * _GOLDEN_ANGLE
            pos[leaf] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle))
    return {node: pos[node] for node in component.nodes}


#: Components of this many nodes (their leaves folded first: `_with_leaves`) are laid out by `dense_spring_layout`:
#: below, networkx's own spring layout is dense already; from 500 nodes networkx switches to a sparse energy
#: minimization that took 4.5 s for a 1,000-node component; above, the n × n arrays grow too large.
DENSE_SPRING_NODES = (500, 2500)
#: ... with at most this many node-pair steps (iterations × n²): 60 iterations up to 700 nodes, 30 at 1,000 (the
#: temperature cools over however many there are).
DENSE_SPRING_BUDGET = 30_000_000


def dense_spring_layout(component: nx.Graph, *, seed: int, iterations: int, scale: float) -> dict:
    """Fruchterman–Reingold with every pair's forces as n × n numpy arrays (float32): repulsion k²/d between all nodes,
    attraction d²/k along edges, each step capped by a temperature that cools linearly; seeded start, so the same
    component always gets the same positions; rescaled to [-scale, scale] around the origin."""
    import numpy as np

    nodes = list(component.nodes)
    n = len(nodes)
    index = {node: i for i, node in enumerate(nodes)}
    ends = [(index[u], index[v]) for u, v in component.edges() if u != v]
    rows = np.array([i for i, j in ends] + [j for i, j in ends], dtype=np.intp)  # both directions of each edge
    cols = np.array([j for i, j in ends] + [i for i, j in ends], dtype=np.intp)
    pos = np.random.RandomState(seed).rand(n, 2).astype(np.float32)  # float32: half the memory traffic
    k = np.float32(math.sqrt(1.0 / n))
    temperature = np.float32(0.1)
    cooling = np.float32(temperature / (iterations + 1))
    # three n × n buffers, written in place: a fresh 4 MB array per operation cost as much as the arithmetic
    dx, dy, force = (np.empty((n, n), dtype=np.float32) for _ in range(3))
    for _ in range(iterations):
        # the pairwise differences x_i - x_j, y_i - y_j; the displacement of node i, sum_j f_ij (p_i - p_j) =
        # p_i * sum_j f_ij - sum_j f_ij p_j, as sums over rows (a sum over a third axis of n × n × 2 took 9 of the
        # 10 s of the 1,000-node layout; the matrix product f @ p, 6 ms a step, most of the rest)
        x, y = pos[:, 0], pos[:, 1]
        np.subtract(x[:, np.newaxis], x[np.newaxis, :], out=dx)
        np.subtract(y[:, np.newaxis], y[np.newaxis, :], out=dy)
        np.multiply(dx, dx, out=dx)
        np.multiply(dy, dy, out=dy)
        distance = np.add(dx, dy, out=dy)
        np.sqrt(distance, out=distance)
        np.maximum(distance, np.float32(0.01), out=distance)
        along = distance[rows, cols] / k  # attraction d²/k along the edges, as a force per unit of distance
        np.multiply(distance, distance, out=force)
        np.divide(k * k, force, out=force)  # repulsion k²/d, per unit of distance
        force[rows, cols] -= along
        np.multiply(force, x[np.newaxis, :], out=dx)
        pulled_x = dx.sum(axis=1)
        np.multiply(force, y[np.newaxis, :], out=dx)
        pulled_y = dx.sum(axis=1)
        displacement = pos * force.sum(axis=1)[:, np.newaxis] - np.stack([pulled_x, pulled_y], axis=1)
        length = np.sqrt((displacement ** 2).sum(axis=-1))
        length[length < 0.01] = 0.1
        pos += displacement * (temperature / length)[:, np.newaxis]
        temperature -= cooling
    pos -= pos.mean(axis=0)
    extent = np.abs(pos).max() or 1.0
    pos *= scale / extent
    return {node: (float(x), float(y)) for node, (x, y) in zip(nodes, pos)}



# ----------------------------------------------------------------------------------------------------------- sizes

#: Node sizes run from SIZE_MIN (no betweenness) to SIZE_MIN + SIZE_RANGE (the most central node).
SIZE_MIN, SIZE_RANGE = 9, 26


def node_size(centrality: float, top: float) -> float:
    """The drawn size of a node of this betweenness, `top` being the largest of the graph (one decimal)."""
    return round(SIZE_MIN + SIZE_RANGE * math.sqrt(centrality / (top or 1.0)), 1)


def sizes(g: nx.MultiDiGraph) -> dict[str, float]:
    top = max((g.nodes[n].get("centrality", 0.0) for n in g.nodes), default=0.0) or 1.0
    return {node: node_size(attrs.get("centrality", 0.0), top) for node, attrs in g.nodes(data=True)}


def colour(group: str) -> str:
    """The group's colour as #rrggbb (a group without a style is drawn as a topic)."""
    return STYLES.get(group, STYLES["topic"])[0]


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


__all__ = ["DENSE_SPRING_BUDGET", "DENSE_SPRING_NODES", "KAMADA_KAWAI_LIMIT", "STYLES", "colour", "dense_spring_layout", "layout",
           "node_size", "rgb", "sizes"]
