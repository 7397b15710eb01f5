"""Chosen views of the built graph: an entity's neighbourhood (--focus) or a CONSTRUCT result (--query), as pages."""

from __future__ import annotations

import difflib
from pathlib import Path

import networkx as nx
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue

from graph.errors import UsageError
from graph.namespaces import KG, TOPIC
from viz.projection import curie, project
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
                query_name: str | None = None) -> tuple[nx.MultiDiGraph, bytes]:
    """The projection drawn and the page bytes of a view of a build result."""
    from graph.output import fresh_graph

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


__all__ = ["check_construct", "construct", "neighbourhood", "render_view", "resolve"]
