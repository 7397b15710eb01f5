"""Chosen views of the built graph: an entity's neighbourhood (--focus) or a CONSTRUCT result (--query), as pages."""

from __future__ import annotations

import difflib
import itertools
import operator
from pathlib import Path

import networkx as nx
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue

from graph.errors import UsageError
from graph.namespaces import KG, OA, ORG, TIME, TOPIC
from graph.network.projection import AS_EDGES, GROUPS, SKIP, add_centrality, curie, project
from graph.store.engines import PatternGraph
from viz.render import TITLE, build_view


def resolve(g: nx.MultiDiGraph, entity: str) -> str:
    """The node id (CURIE) an ENTITY argument names: a CURIE, a slug of kg: or topic:, or a full IRI."""
    text = entity.strip()
    candidates = [text, f"kg:{text}", f"topic:{text}"]
    if text.startswith(("http://", "https://")):
        candidates.insert(0, curie(URIRef(text)))
    for candidate in candidates:
        if candidate in g:
            return candidate
    names = {n: n for n in g.nodes} | {g.nodes[n].get("label", n): n for n in g.nodes}
    close = difflib.get_close_matches(text, list(names), n=5, cutoff=0.5)
    hint = f"; did you mean {', '.join(sorted({names[c] for c in close}))}?" if close else ""
    raise UsageError(f"--focus: no node {entity!r} in the graph{hint}")


def neighbourhood(g: nx.MultiDiGraph, centre: str, depth: int) -> nx.MultiDiGraph:
    """The nodes within `depth` edges of `centre` (edges in either direction) and every edge between them."""
    reach = nx.single_source_shortest_path_length(g.to_undirected(as_view=True), centre, cutoff=depth)
    part = nx.MultiDiGraph()  # built in the projection's order (a subgraph view would iterate a set)
    part.add_nodes_from((n, g.nodes[n]) for n in g.nodes if n in reach)
    part.add_edges_from((u, v, k, d) for u, v, k, d in g.edges(keys=True, data=True) if u in reach and v in reach)
    return part


# ------------------------------------------------------------------------------- the focus view from the store

#: The ontology's named graph in the build's dataset.
ONTOLOGY_GRAPH = "https://w3id.org/cckg/ontology"


def quad_store(result):
    """A pyoxigraph store of the build with one named graph per source document and the ontology graph (the
    default graph is left empty: queries ask for the union), loaded from the N-Triples the build kept per source,
    so no rdflib Dataset is made."""
    return result.loaded.named_store(union=False)


class _Lookup:
    """Pattern lookups on the store's graphs (every graph, or the one `graph` names), with the drawn-node test
    cached."""

    def __init__(self, store, graph=None):
        import pyoxigraph as ox

        self.ox, self.store, self.graph = ox, store, graph
        self.rdf_type = ox.NamedNode(str(RDF.type))
        self.drawn_classes = {ox.NamedNode(str(c)) for c, _ in GROUPS}
        self.skip = {ox.NamedNode(str(p)) for p in SKIP}
        self.as_edges = {ox.NamedNode(str(c)): (ox.NamedNode(str(a)), ox.NamedNode(str(b)))
                         for c, (a, b, _) in AS_EDGES.items()}
        self._drawn: dict = {}

    def out(self, node):
        return self.store.quads_for_pattern(node, None, None, self.graph)

    def into(self, node, predicate=None):
        return self.store.quads_for_pattern(None, predicate, node, self.graph)

    def types(self, node) -> set:
        return {q.object for q in self.store.quads_for_pattern(node, self.rdf_type, None, self.graph)}

    def drawn(self, node) -> bool:
        """Is `node` a node of the projection (viz.projection.node_group)?"""
        found = self._drawn.get(node)
        if found is None:
            iri = node.value if isinstance(node, self.ox.NamedNode) else ""
            found = (iri.startswith((str(KG), str(TOPIC))) and "#" not in iri
                     and bool(self.types(node) & self.drawn_classes))
            self._drawn[node] = found
        return found

    def neighbours(self, node) -> set:
        """The projection's neighbours of a node: drawn nodes one edge away in either direction, directly or
        through a statement drawn as an edge (viz.projection.AS_EDGES)."""
        found = {q.object for q in self.out(node) if q.predicate not in self.skip and self.drawn(q.object)}
        for q in self.into(node):
            if q.predicate in self.skip:
                continue
            if self.drawn(q.subject):
                found.add(q.subject)
                continue
            for cls in self.types(q.subject) & set(self.as_edges):
                left, right = self.as_edges[cls]
                for end in (left, right):
                    found.update(e.object for e in self.store.quads_for_pattern(q.subject, end, None, self.graph)
                                 if self.drawn(e.object))
        found.discard(node)
        return found


def reach(store, centre: str, depth: int, *, limit: int | None = None) -> list[str]:
    """The drawn nodes within `depth` edges of `centre` (IRIs), breadth first, each depth sorted by IRI; cut to
    the first `limit` if given."""
    look = _Lookup(store)
    seen, frontier = [centre], [centre]
    known = {centre}
    for _ in range(depth):
        if not frontier or (limit is not None and len(seen) >= limit):
            break
        new: set[str] = set()
        for node in frontier:
            new.update(n.value for n in look.neighbours(look.ox.NamedNode(node)))
        new_sorted = sorted(new - known)
        if limit is not None:
            new_sorted = new_sorted[: limit - len(seen)]
        seen += new_sorted
        known.update(new_sorted)
        frontier = new_sorted
    return seen


#: Links to the parts a statement or an annotation is made of (intervals, instants, targets, selectors, documents).
PARTS = (ORG.memberDuring, TIME.hasBeginning, TIME.hasEnd, OA.hasTarget, OA.hasSelector, OA.hasSource)


def _last_resort_carriers(look, drawn: set, annotations: dict) -> set:
    """The objects whose quotes the panel may show for a drawn node's fact: a fact's quotes are its n-ary
    statement's, else its subject's, else its object's, from the documents that state it
    (viz.details._fact_quotes). So an object's annotations are needed only where the drawn subject has none from a
    document whose graph holds the fact. (Gathering every object's annotations took the 1,000-node view of a 1M
    graph to 300k triples: every person and country the drawn statements name, with all their quotes.)"""
    from viz.details import HIDDEN

    ox = look.ox
    hidden = {ox.NamedNode(str(p)) for p in HIDDEN}
    has_target, has_source = ox.NamedNode(str(OA.hasTarget)), ox.NamedNode(str(OA.hasSource))
    needed = set()
    for subject in drawn:
        documents = {source.object for annotation in annotations.get(subject, ())
                     for target in look.out(annotation) if target.predicate == has_target
                     for source in look.out(target.object) if source.predicate == has_source}
        for q in look.out(subject):
            if (isinstance(q.object, ox.NamedNode) and q.predicate not in hidden and q.object not in annotations
                    and q.graph_name not in documents):
                needed.add(q.object)
    return needed


def gather_resources(store, nodes: list[str], *, nary=None, annotate_all: bool = True, graph=None) -> set:
    """The resources (pyoxigraph NamedNodes) whose triples a view of `nodes` needs: the nodes, the n-ary statements
    about them (of the classes `nary`, by default viz.details.NARY) and what these point to; the annotations of
    the nodes and statements and, if `annotate_all`, of every object whose quotes the panel may show
    (`_last_resort_carriers`); and their parts (intervals, instants, targets, selectors, documents). Works on any
    store (the patterns ask every graph, or only `graph`, e.g. pyoxigraph.DefaultGraph())."""
    from viz.details import NARY

    look = _Lookup(store, graph)
    ox = look.ox
    nary = {ox.NamedNode(str(c)) for c in (NARY if nary is None else nary)}
    drawn = {ox.NamedNode(n) for n in nodes}
    core = set(drawn)
    if drawn and nary:  # the statements about the nodes, found by the engine (pattern by pattern through every
        # quad into a hub and each subject's types: 1 s of the 1M overview)
        scope = {"use_default_graph_as_union": True} if graph is None else {"default_graph": graph}
        core.update(solution[0] for solution in store.query(
            f"SELECT DISTINCT ?s WHERE {{ VALUES ?o {{ {' '.join(str(n) for n in sorted(drawn, key=str))} }} "
            f"?s ?p ?o . ?s a ?c FILTER(?c IN ({', '.join(str(c) for c in sorted(nary, key=str))})) }}", **scope))
    full = set(core)
    for subject in core:
        full.update(q.object for q in look.out(subject) if isinstance(q.object, ox.NamedNode))
    has_body = ox.NamedNode(str(OA.hasBody))
    annotations = {r: [q.subject for q in look.into(r, has_body)] for r in core}
    if annotate_all:
        for resource in _last_resort_carriers(look, drawn, annotations):
            annotations[resource] = [q.subject for q in look.into(resource, has_body)]
    for found in annotations.values():
        full.update(found)
    parts = {ox.NamedNode(str(p)) for p in PARTS}
    frontier = set(full)
    while frontier:
        found = {q.object for s in frontier for q in look.out(s)
                 if q.predicate in parts and isinstance(q.object, ox.NamedNode)}
        frontier = found - full
        full |= frontier
    return full


def gather_lines(result, resources: set):
    """`gather` for a large build without a store of named graphs: the triples of `resources` (NamedNodes) picked
    from the N-Triples the build kept per source (graph/bulk.py), each into its source's named graph."""
    import pyoxigraph as ox
    from rdflib import Dataset

    from graph.terms import cached_from_oxigraph

    wanted = {f"<{r.value}>".encode() for r in resources}
    dataset = Dataset()
    term = cached_from_oxigraph()

    chunks = [(ONTOLOGY_GRAPH, result.loaded.ontology_ntriples)]
    chunks += [(str(KG[source.id]), chunk) for source, chunk in zip(result.sources, result.loaded.ntriples)]
    for name, chunk in sorted(chunks):
        kept = [line for line in chunk.splitlines() if line[:line.find(b" ")] in wanted]
        if not kept:
            continue
        graph = dataset.graph(URIRef(name))
        for t in ox.parse(b"\n".join(sorted(kept)) + b"\n", format=ox.RdfFormat.N_TRIPLES):
            graph.add((term(t.subject), term(t.predicate), term(t.object)))
    return dataset


def gather_triples(result, resources: set):
    """The triples of `resources` (NamedNodes) with the source documents that state them, as a `viz.triples.Triples`
    index: picked from each source's N-Triples lines (and the ontology's), read without a store of named graphs
    (loading one took 7 s at 1M triples) and without an rdflib Dataset (13 s to fill at 1M)."""
    from viz.triples import Triples

    wanted = {f"<{r.value}>" for r in resources}
    loaded = result.loaded
    chunks = [(ONTOLOGY_GRAPH, loaded.ontology_lines)]
    chunks += [(str(KG[source_id]), lines) for source_id, lines in zip(loaded.per_source, loaded.source_lines)]
    found = Triples()
    first, space = operator.itemgetter(0), itertools.repeat(" ")
    for name, lines in sorted(chunks, key=lambda c: c[0]):  # each line whose subject is wanted (as viz.gather.lines)
        kept = list(itertools.compress(lines, map(wanted.__contains__, map(first, map(str.partition, lines, space)))))
        if kept:  # the terms made from their texts, not parsed again; a chunk at a time (all at once: +30 MB at 1M)
            found.load_chunks([(sorted(kept), URIRef(name) if name.startswith(str(KG)) else None)])
    return found


def focus_from_store(result, focus: str, depth: int, *, limit: int | None = None, store=None):
    """(projection, triples, centre CURIE) of the focus view gathered from the store: the neighbourhood's triples
    only, never the whole graph, as a `viz.triples.Triples` with the documents stating each and the quotes
    (viz.gather: what the side panel, viz.details, and the projection read). The nodes, edges, labels and side
    panel are those of the whole-graph view;
    the degree and centrality are measured within the view, and the country and meeting filters of the nodes at its
    edge may miss ties that run outside what was gathered. None when `focus` names no drawn node (the caller falls
    back to the whole graph, for its suggestions). `store` (default: the build's store) is any store holding the
    build's triples, in any graphs."""
    from graph.build.pipeline import gc_paused

    with gc_paused():
        return _focus_from_store(result, focus, depth, limit, result.store if store is None else store)


def _focus_from_store(result, focus: str, depth: int, limit: int | None, store):
    centre = _resolve_iri(store, focus)
    if centre is None:
        return None
    from viz.gather import gather

    nodes = reach(store, centre, depth, limit=limit)
    found = gather(result, nodes, store)
    for t in result.ontology:  # predicate and class labels, the topic scheme
        found.add(t)
    part = project(_KeptEdges(found, nodes), centrality=False, only={URIRef(n) for n in nodes})
    add_centrality(part)  # degree and centrality within the view
    return part, found, curie(URIRef(centre))


class _KeptEdges(PatternGraph):
    """The gathered triples as the projection reads them, but whose full listing (the projection's edges) holds only
    the triples of the drawn nodes: the edges between the others, which the view cuts away, are never made (14,647
    edges for 2,507 nodes before the cut in the 1,000-node view of a 1M build). Every other pattern is answered in
    full, so labels, groups and the filters' ties stay the same."""

    def __init__(self, found, nodes: list[str]):
        self.found, self.nodes = found, [found.canonical(URIRef(n)) for n in nodes]

    def triples(self, pattern):
        if pattern != (None, None, None):
            return self.found.triples(pattern)
        return (t for node in self.nodes for t in self.found.triples((node, None, None)))

    def objects(self, subject=None, predicate=None):
        if subject is None or predicate is None:
            return super().objects(subject, predicate)
        return self.found.objects(subject, predicate)  # the index's own lookup (viz.triples)

    def subjects(self, predicate=None, obj=None):
        if predicate is None or obj is None:
            return super().subjects(predicate, obj)
        return self.found.subjects(predicate, obj)


def _resolve_iri(store, entity: str) -> str | None:
    """The IRI of the drawn node ENTITY names (as `resolve` reads it), or None."""
    import pyoxigraph as ox

    from graph.namespaces import PREFIXES

    text = entity.strip()
    candidates = []
    if text.startswith(("http://", "https://")):
        candidates.append(text)
    prefix, _, local = text.partition(":")
    if prefix in PREFIXES and local:
        candidates.append(PREFIXES[prefix] + local)
    candidates += [str(KG) + text, str(TOPIC) + text]
    classes = {str(c) for c, _ in GROUPS}
    for iri in candidates:
        if any(c in iri for c in ' <>"{}|\\^`'):
            continue
        if not (iri.startswith((str(KG), str(TOPIC))) and "#" not in iri):
            continue
        types = {q.object.value for q in store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(str(RDF.type)), None)}
        if types & classes:
            return iri
    return None


def check_construct(text: str, *, name: str = "query") -> None:
    """Accept only a CONSTRUCT with no SERVICE and no FROM: a view never reaches the network."""
    try:
        query = prepareQuery(text)
    except Exception as exc:  # pyparsing and rdflib raise several types for a bad query
        raise UsageError(f"{name}: not a valid SPARQL query: {exc}") from exc
    if query.algebra.name != "ConstructQuery":
        raise UsageError(f"{name}: --query needs a CONSTRUCT query (this one is a {query.algebra.name})")
    if "ServiceGraphPattern" in _names(query.algebra, set()) or query.algebra.get("datasetClause"):
        raise UsageError(f"{name}: SERVICE and FROM are not allowed in a view query")


def _names(node, found: set[str]) -> set[str]:
    if isinstance(node, CompValue):
        found.add(node.name)
        for value in node.values():
            _names(value, found)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _names(value, found)
    return found


def construct(whole: Graph, text: str, *, name: str = "query") -> Graph:
    """The CONSTRUCT result, with the types, labels and other spellings of its resources from the built graph."""
    check_construct(text, name=name)
    result = Graph(bind_namespaces="none")
    for triple in whole.query(text):
        result.add(triple)
    resources = {t for triple in result for t in triple if isinstance(t, URIRef)
                 and str(t).startswith((str(KG), str(TOPIC)))}
    for resource in resources:
        for prop in (RDF.type, RDFS.label, SKOS.prefLabel, SKOS.altLabel):
            for value in whole.objects(resource, prop):
                result.add((resource, prop, value))
    for s, p, o in whole.triples((None, RDFS.label, None)):  # predicate and class labels
        if not str(s).startswith((str(KG), str(TOPIC))):
            result.add((s, p, o))
    return result


def render_view(result, *, out_file: Path, focus: str | None = None, depth: int = 1, query: str | None = None,
                query_name: str | None = None, from_store: bool = True) -> tuple[nx.MultiDiGraph, bytes]:
    """The projection drawn and the page bytes of a view of a build result.

    A focus view (without --query) is gathered from the store (`focus_from_store`); with `from_store=False`, or for
    a query view, the whole graph is projected and cut (the reference the tests compare the store's focus with)."""
    from graph.build.output import fresh_graph
    from graph.build.pipeline import gc_paused

    if focus is not None and query is None and from_store:
        # one pause of the collector for the gathering and the page: re-enabled in between, it went over the
        # gathered index at once (0.2–0.9 s next to a 1M build, measured)
        with gc_paused():
            found = focus_from_store(result, focus, depth)
            if found is not None:
                g, dataset, centre = found
                title = (f"{TITLE} {result.version} — {g.nodes[centre].get('label', centre)} and {depth}-step "
                         "neighbourhood")
                return g, build_view(result, out_file=out_file, title=title, g=g, dataset=dataset)

    whole = fresh_graph(result.all_triples())
    parts = []
    if query is not None:
        g = project(construct(whole, query, name=query_name or "query"))
        parts.append(f"query {query_name}" if query_name else "query result")
    else:
        g = project(whole)
    if focus is not None:
        centre = resolve(g, focus)
        g = neighbourhood(g, centre, depth)
        parts.append(f"{g.nodes[centre].get('label', centre)} and {depth}-step neighbourhood")
    title = f"{TITLE} {result.version}" + (f" — {'; '.join(parts)}" if parts else "")
    return g, build_view(result, out_file=out_file, title=title, g=g)


__all__ = ["check_construct", "construct", "focus_from_store", "gather_lines", "gather_triples", "gather_resources",
           "neighbourhood", "quad_store", "reach", "render_view", "resolve"]
