"""The graph view and the report of a large build, without the whole graph in rdflib or networkx.

A page of tens of thousands of nodes can be neither drawn nor read, and projecting a million triples through rdflib
takes many minutes. So when the build is large (graph/bulk.py), or when the projection has more than
VIEW_NODE_LIMIT nodes, dist/graph.html draws an *overview*: the backbone of the graph — its countries, then its
mechanisms, organizations and meetings (series included) — and then the rest, the most connected first within each
group, cut to OVERVIEW_NODES nodes (ties by CURIE, so the choice is deterministic). 400 nodes keep the page
readable and its writing within seconds at 1M triples (gathering, the side panel, the layout and the centrality
grow with it); a graph of at most that many nodes is drawn whole. The page says how many of how many nodes it
shows, and that `python build.py view --focus ENTITY` draws any entity's neighbourhood.

On a large build nothing here reads an rdflib graph of the whole build:

* the projection's figures (its nodes with their group and class, its edges, each node's degree) are counted by
  engine queries on the store's default graph (`summary`), by the rules of viz.projection.project;
* the overview's triples are gathered from the build's store (viz.view.gather_resources, its default graph) and
  picked from the N-Triples lines the build kept per source into a viz.triples.Triples index (viz.view.gather_triples), as the focus view does, but of the n-ary
  statements only those drawn as edges (AS_EDGES: diplomatic relations, non-memberships): the hubs of the backbone
  take part in most of the graph's tenures, participations and memberships (at 1M triples, gathering them all took
  most of the graph). So the side panel of the overview lists each node's own facts and quotes, and the focus view
  (`view --focus`) the statements it takes part in too. Likewise only the quotes about the drawn nodes are gathered,
  not those about every value of their facts (a meeting's attendees are mentioned in thousands of documents);
  degree and centrality are measured within the overview;
* dist/report.html takes its counts from the summary, and its timeline and labels from pattern lookups on the
  build's store. Betweenness centrality of the whole projection is out of reach at this size (networkx, minutes),
  so its "most central actors" become the most connected ones, by degree, and the page says so.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import networkx as nx
from rdflib import URIRef
from rdflib.namespace import RDFS, SKOS

from graph.namespaces import CCKG, KG, SDO, TOPIC
from graph.network.projection import AS_EDGES, GROUPS, SKIP, add_centrality, curie

#: The most nodes the overview draws.
OVERVIEW_NODES = 400
#: Above this many nodes in the projection the build's graph view is the overview (large builds: always).
VIEW_NODE_LIMIT = 2_000
#: The groups of the overview's backbone, in the order they are taken.
BACKBONE = ("country", "mechanism", "organization", "meeting")
#: Actors ranked in the report (viz.render.ACTORS) and how many.
REPORT_ACTORS = 15

_GROUP_OF = {str(cls): group for cls, group in GROUPS}
_GROUP_ORDER = [str(cls) for cls, _ in GROUPS]
_DRAWN_STRINGS = (str(KG), str(TOPIC))


@dataclass
class Summary:
    """The projection of the whole graph in figures: node IRI -> (group, class IRI), the distinct edges, degrees."""

    nodes: dict[str, tuple[str, str]]
    edges: int
    degree: dict[str, int]


def _in(values) -> str:
    return ", ".join(f"<{v}>" for v in values)


def _values(values) -> str:
    """IRIs as the body of a VALUES block: the engine looks each class up in its index (a FILTER IN over every
    rdf:type triple took it about 60 % longer at 1M triples)."""
    return " ".join(f"<{v}>" for v in values)


#: The projection's typed nodes (every subject typed with a class of GROUPS; the prefix test is made in Python).
_NODES_QUERY = f"SELECT ?s ?c WHERE {{ VALUES ?c {{ {_values(_GROUP_ORDER)} }} ?s a ?c FILTER(isIRI(?s)) }}"
#: Every triple from a typed node to an IRI by a drawn predicate (whether its ends are nodes is tested in Python:
#: testing the object's type in the query took the engine twice as long, 1.2 s at 1M triples).
_EDGES_QUERY = (f"SELECT ?s ?p ?o WHERE {{ VALUES ?c {{ {_values(_GROUP_ORDER)} }} ?s a ?c . ?s ?p ?o "
                f"FILTER(isIRI(?o) && ?p NOT IN ({_in(SKIP)})) }}")
#: The values of the statements drawn as edges (AS_EDGES): (statement, class, predicate, value).
_AS_EDGES_QUERY = ("SELECT ?st ?c ?p ?v WHERE { VALUES (?c ?p) { "
                   + " ".join(f"(<{c}> <{t}>)" for c, (left, right, _) in AS_EDGES.items()
                              for t in dict.fromkeys((left, right)))
                   + " } ?st a ?c ; ?p ?v }")


def _table(store, query: str) -> Iterator[list[str]]:
    """The rows of a SELECT whose values are all bound, each value in N-Triples syntax (an IRI as <…>): the engine
    evaluates the query and writes its TSV without the GIL, and no Python object is made per term (iterating the
    134k rows of `_EDGES_QUERY` at 1M triples took the GIL back once per row, and waited for it behind the
    report's thread)."""
    import pyoxigraph as ox

    lines = store.query(query).serialize(format=ox.QueryResultsFormat.TSV).decode("utf-8").splitlines()
    return (line.split("\t") for line in itertools.islice(lines, 1, None))  # each row split when read


def summary(store) -> Summary:
    """The projection's figures from the store's default graph (the ontology and every source), by
    graph.network.projection's rules, in three engine queries: a node is a kg: or topic: IRI without '#' typed with
    a class of GROUPS (its group and class: the first such class in GROUPS); an edge joins two nodes by a predicate
    not in SKIP, once per (subject, object, predicate); n-ary statements of AS_EDGES become one edge per pair of
    their values; the degree is that of the undirected simple graph. The nodes are in IRI order.

    The engine evaluates the patterns and writes their rows as TSV without the GIL (`_table`; the Python line scan
    this replaces took 3-4 s at 1M triples), and the store's default graph is all it reads (pipeline.write_outputs:
    no wait for the validation)."""
    types: dict[str, set] = defaultdict(set)
    for s, c in _table(store, _NODES_QUERY):
        types[s[1:-1]].add(c[1:-1])
    nodes: dict[str, tuple[str, str]] = {}
    for iri in sorted(types):
        if not iri.startswith(_DRAWN_STRINGS) or "#" in iri:
            continue
        found = types[iri]
        cls = next(c for c in _GROUP_ORDER if c in found)
        nodes[iri] = (_GROUP_OF[cls], cls)
    terms = {f"<{iri}>": iri for iri in nodes}  # the nodes as the TSV writes them
    edges = {(s, o, p) for s, p, o in _table(store, _EDGES_QUERY) if s in terms and o in terms}
    values: dict[tuple[str, str, str], set] = defaultdict(set)
    for statement, cls, p, v in store.query(_AS_EDGES_QUERY):
        values[(statement.value, cls.value, p.value)].add(v.value)
    statements = sorted({(statement, cls) for statement, cls, _ in values})
    for statement, cls in statements:
        left, right, _ = AS_EDGES[URIRef(cls)]
        a = sorted(values.get((statement, cls, str(left)), ()))
        b = sorted(values.get((statement, cls, str(right)), ()))
        if left == right and len(a) == 2:
            a, b = a[:1], a[1:]
        edges.update((f"<{x}>", f"<{y}>", statement) for x in a for y in b if x in nodes and y in nodes)
    neighbours: dict[str, set] = defaultdict(set)
    for s, o, _ in edges:
        neighbours[s].add(o)
        neighbours[o].add(s)
    degree = {terms[n]: len(found) + (1 if n in found else 0) for n, found in neighbours.items()}
    return Summary(nodes, len(edges), degree)


def bulk_summary(result) -> Summary:
    """`summary` of a build's store (computed once per build: the view, the report and the pages ask)."""
    from viz.timeline import per_build

    return per_build(result, "summary", lambda: summary(result.store))


def drawn_whole(result) -> bool:
    """Whether the build's projection is small enough to be drawn whole (at most VIEW_NODE_LIMIT nodes): the pages
    of such a build read its rdflib dataset (materialized on demand); a larger one gets the overview."""
    return len(bulk_summary(result).nodes) <= VIEW_NODE_LIMIT


def graph_summary(g: nx.MultiDiGraph) -> Summary:
    """The same figures read off a projection (small builds)."""
    simple = nx.Graph(g.to_undirected(as_view=True))
    nodes = {a["iri"]: (a["group"], _expand(a["cls"])) for _, a in g.nodes(data=True)}
    degree = {g.nodes[n]["iri"]: simple.degree(n) for n in g.nodes}
    return Summary(nodes, g.number_of_edges(), degree)


def _expand(value: str) -> str:
    from graph.namespaces import PREFIXES

    prefix, _, local = value.partition(":")
    return PREFIXES.get(prefix, prefix + ":") + local


def overview_nodes(found: Summary, limit: int | None = None) -> list[str]:
    """The overview's nodes (IRIs), the first `limit` of: the backbone groups in BACKBONE order, then every other
    node; within each, by degree (highest first), then CURIE. A graph of at most `limit` nodes is drawn whole."""
    limit = OVERVIEW_NODES if limit is None else limit
    rank = {group: i for i, group in enumerate(BACKBONE)}
    ranked = sorted((rank.get(group, len(BACKBONE)), -found.degree.get(iri, 0), curie(URIRef(iri)), iri)
                    for iri, (group, _) in found.nodes.items())
    return [iri for *_, iri in ranked[:limit]]


def overview_note(shown: int, total: int) -> str:
    return (f"Overview: {shown:,} of {total:,} nodes — the countries, mechanisms, organizations and meetings first, "
            f"then the rest, the most connected first. Draw any entity with its neighbours: "
            f"python build.py view --focus ENTITY [--depth N] (e.g. --focus kg:china).")


def overview_from_store(result, found: Summary, *, limit: int | None = None):
    """(projection, triples) of the overview of a large build: its nodes' triples (and those of the n-ary
    statements drawn as edges) gathered from the build's store and picked from the kept N-Triples lines into a
    `viz.triples.Triples` index with the documents stating each (viz.view.gather_triples, as the focus view does),
    never the whole graph nor an rdflib Dataset; degree and centrality within the overview."""
    from graph.network.projection import project
    import pyoxigraph as ox

    from viz.view import gather_resources, gather_triples

    nodes = overview_nodes(found, limit)  # gathered from the default graph: the build's whole graph, nothing else
    resources = gather_resources(result.store, nodes, nary=tuple(AS_EDGES), annotate_all=False,
                                 graph=ox.DefaultGraph())
    triples = gather_triples(result, resources)
    for t in result.ontology:  # predicate and class labels, the topic scheme
        triples.add(t)
    g = project(triples, centrality=False)
    return _keep(g, {curie(URIRef(n)) for n in nodes}), triples


def overview_of_projection(g: nx.MultiDiGraph, *, limit: int | None = None) -> nx.MultiDiGraph:
    """The overview cut from a whole projection (a small build whose projection is over VIEW_NODE_LIMIT)."""
    return _keep(g, {curie(URIRef(n)) for n in overview_nodes(graph_summary(g), limit)})


def _keep(g: nx.MultiDiGraph, keep: set[str]) -> nx.MultiDiGraph:
    part = nx.MultiDiGraph()  # built in the projection's order (a subgraph view would iterate a set)
    part.add_nodes_from((n, g.nodes[n]) for n in g.nodes if n in keep)
    part.add_edges_from((u, v, k, d) for u, v, k, d in g.edges(keys=True, data=True) if u in keep and v in keep)
    add_centrality(part)
    return part


# ------------------------------------------------------------------------------------------------- the report

class StoreLabels:
    """viz.projection.label on a pyoxigraph store (its default graph: the build's whole graph): the English
    rdfs:label first, else the first by text, else skos:prefLabel, else the IRI's local name."""

    def __init__(self, store):
        import pyoxigraph as ox

        self.ox, self.store, self.graph = ox, store, ox.DefaultGraph()
        self._cache: dict[str, str] = {}

    def objects(self, iri: str, prop) -> list:
        ox = self.ox
        return [q.object for q in
                self.store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(str(prop)), None, self.graph)]

    def subjects(self, prop, iri: str) -> set:
        ox = self.ox
        return {q.subject for q in
                self.store.quads_for_pattern(None, ox.NamedNode(str(prop)), ox.NamedNode(iri), self.graph)}

    def __call__(self, iri: str) -> str:
        found = self._cache.get(iri)
        if found is None:
            found = self._cache[iri] = self._label(iri)
        return found

    def _label(self, iri: str) -> str:
        for prop in (RDFS.label, SKOS.prefLabel):
            values = sorted({(getattr(v, "language", None) != "en", v.value) for v in self.objects(iri, prop)
                             if isinstance(v, self.ox.Literal)})
            if values:
                return values[0][1]
        return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def report_data(result, found: Summary, *, title: str, graph_href: str, drawn: int) -> dict:
    """viz.render.report_data for a large build: the same counts (of the whole projection, from `found`) and
    timeline (from the store); actors ranked by degree, since betweenness is out of reach at this size."""
    from viz.render import ACTORS, STYLES

    labels = StoreLabels(result.store)
    by_group: dict[str, int] = defaultdict(int)
    by_class: dict[str, int] = defaultdict(int)
    for group, cls in found.nodes.values():
        by_group[group] += 1
        by_class[curie(URIRef(cls))] += 1
    actors = sorted(((-found.degree.get(iri, 0), curie(URIRef(iri)), iri, group)
                     for iri, (group, _) in found.nodes.items() if group in ACTORS))[:REPORT_ACTORS]
    return {
        "title": title,
        "graph_href": graph_href,
        "nodes": len(found.nodes),
        "edges": found.edges,
        "drawn": drawn,
        "ranking": "degree",
        "groups": [{"group": k, "label": STYLES[k][2], "color": STYLES[k][0], "count": by_group[k]}
                   for k in STYLES if k in by_group],
        "classes": [{"cls": k, "count": v} for k, v in sorted(by_class.items(), key=lambda kv: (-kv[1], kv[0]))],
        "actors": [{"id": node, "label": labels(iri), "group": group, "centrality": 0.0, "degree": -d}
                   for d, node, iri, group in actors],
        "timeline": timeline(found, labels),
    }


def timeline(found: Summary, labels: StoreLabels) -> list[dict]:
    """viz.render.timeline from the store: the meetings (not series) in date order, with their series, place,
    chair, countries and the statements made there."""
    series_class = str(CCKG.MeetingSeries)
    rows = []
    for iri, (group, cls) in found.nodes.items():
        if group != "meeting" or cls == series_class:
            continue
        start = sorted(v.value for v in labels.objects(iri, SDO.startDate))
        end = sorted(v.value for v in labels.objects(iri, SDO.endDate))
        rows.append({
            "id": curie(URIRef(iri)),
            "date": start[0] if start else "",
            "end": end[0] if end else "",
            "label": labels(iri),
            "kind": labels(cls),
            "series": "; ".join(sorted(labels(s.value) for s in labels.objects(iri, SDO.superEvent))),
            "location": "; ".join(sorted(labels(s.value) for s in labels.objects(iri, SDO.location))),
            "chair": "; ".join(sorted(labels(s.value) for s in labels.objects(iri, CCKG.chairedBy))),
            "countries": len(set(labels.objects(iri, CCKG.participatingCountry))),
            "statements": len(labels.subjects(CCKG.madeAt, iri)),
        })
    rows.sort(key=lambda r: (r["date"] or "9999", r["label"]))
    return rows


__all__ = ["BACKBONE", "OVERVIEW_NODES", "VIEW_NODE_LIMIT", "Summary", "bulk_summary", "graph_summary",
           "overview_from_store", "overview_nodes", "overview_of_projection", "report_data", "summary", "timeline"]
