"""The networkx projection of the graph: the things people refer to as nodes, their relations as labelled edges.

Literals, annotations, intervals and other provenance plumbing are not drawn; n-ary statement resources that only
join two things (diplomatic relations, non-memberships) become one edge between them. Node and edge order is
stable (sorted by IRI), so the same graph always projects the same way.

Every node attribute is a scalar (string or number), so the projection exports as GraphML, GEXF or CSV: `iri`,
`label`, `group`, `cls`, `alt_labels` ("; "-joined), `degree`, `centrality` (betweenness on the undirected simple
graph, rounded), and `countries` / `meetings` ("; "-joined CURIEs of the countries and meetings the node is tied to,
which the view filters on). What each node says and which quote supports it is gathered by viz.details.
"""

from __future__ import annotations

import math
import re

import networkx as nx
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from graph.namespaces import CCKG, DCTERMS, FOAF, KG, ORG, SDO, TOPIC, curie

#: Class → group, most specific first. A node takes the group of the first class it has.
GROUPS: list[tuple[URIRef, str]] = [
    (FOAF.Person, "person"),
    (SDO.Country, "country"),
    (CCKG.Mechanism, "mechanism"),
    (CCKG.MeetingSeries, "meeting"),
    (CCKG.Meeting, "meeting"),
    (CCKG.MinisterialMeeting, "meeting"),
    (CCKG.Summit, "meeting"),
    (CCKG.Proposal, "proposal"),
    (CCKG.Measure, "proposal"),
    (CCKG.Commitment, "commitment"),
    (CCKG.Support, "stance"),
    (CCKG.Opposition, "stance"),
    (CCKG.Assessment, "assessment"),
    (ORG.Post, "post"),
    (CCKG.InternationalOrganization, "organization"),
    (CCKG.Government, "organization"),
    (CCKG.Ministry, "organization"),
    (CCKG.Secretariat, "organization"),
    (SDO.NewsMediaOrganization, "organization"),
    (CCKG.Initiative, "initiative"),
    (CCKG.OutcomeDocument, "document"),
    (SDO.City, "place"),
    (SDO.Place, "place"),
    (SKOS.Concept, "topic"),
]
_GROUP_OF = {cls: group for cls, group in GROUPS}
#: Statement resources drawn as one edge between two of their values: class → (from, to, edge label).
AS_EDGES = {
    CCKG.DiplomaticRelation: (CCKG.party, CCKG.party, "diplomatic relations"),
    CCKG.NonMembership: (CCKG.nonMember, CCKG.ofOrganization, "not a member of"),
}
#: Predicates not drawn (the class hierarchy, provenance plumbing, and the derived shortcuts of
#: ontology/shortcuts.ttl, which restate what the statement's own edges already draw).
SKIP = {RDF.type, SKOS.inScheme, SKOS.topConceptOf, SKOS.hasTopConcept, RDFS.isDefinedBy, CCKG.actorCountry,
        CCKG.representedCountry}
#: Terms read in loops, made once (an rdflib namespace makes the term anew on each attribute access).
_TYPE, _NAMES, _DRAWN_PREFIXES = RDF.type, (RDFS.label, SKOS.prefLabel), (str(KG), str(TOPIC))


def node_group(graph: Graph, node: URIRef) -> str | None:
    """The group of a node (person, country, meeting…) or None when it is not drawn."""
    if not isinstance(node, URIRef):
        return None
    if not str.startswith(node, _DRAWN_PREFIXES) or "#" in node:  # (rdflib's startswith takes no tuple)
        return None
    types = set(graph.objects(node, _TYPE))
    for cls, group in GROUPS:
        if cls in types:
            return group
    return None


def project(graph: Graph, *, centrality: bool = True, only: set | None = None) -> nx.MultiDiGraph:
    """Project an RDF graph (data, with or without the ontology) onto a networkx MultiDiGraph (without `degree` and
    `centrality` if `centrality` is false: the caller measures them on the part it keeps, `add_centrality`). With
    `only` (IRIs), the projection cut to those nodes and the edges between them (the others still tie them to
    countries and meetings), each node's attributes made for them alone."""
    g = nx.MultiDiGraph()
    groups = {}
    for subject in sorted({s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef)}, key=str):
        group = node_group(graph, subject)
        if group is not None:
            groups[subject] = group
    drawn = groups if only is None else {node: group for node, group in groups.items() if node in only}
    for node in sorted(drawn, key=str):
        g.add_node(
            curie(node),
            iri=str(node),
            label=_label(graph, node),
            group=groups[node],
            cls=curie(_main_class(graph, node)),
            alt_labels="; ".join(sorted(str(a) for a in graph.objects(node, SKOS.altLabel))),
        )
    edges = []
    for s, p, o in graph.triples((None, None, None)):
        if p in SKIP or s not in drawn or o not in drawn:
            continue
        edges.append((curie(s), curie(o), curie(p), predicate_label(graph, p)))
    for cls, (left, right, label) in AS_EDGES.items():
        for statement in graph.subjects(RDF.type, cls):
            a = sorted(graph.objects(statement, left), key=str)
            b = sorted(graph.objects(statement, right), key=str)
            if left == right and len(a) == 2:
                a, b = a[:1], a[1:]
            for x in a:
                for y in b:
                    if x in drawn and y in drawn:
                        edges.append((curie(x), curie(y), curie(statement), label))
    for u, v, key, label in sorted(set(edges)):
        g.add_edge(u, v, key=key, predicate=key, label=label)
    _add_ties(graph, g, groups, drawn)
    if centrality:
        add_centrality(g)
    return g


#: Above this many nodes betweenness is estimated from a seeded sample of CENTRALITY_SAMPLE sources (exact is
#: O(nodes × edges): about 3 s for the 1,000-node focus view of a 1M graph, 1 s from 300 sources, 0.3 s from 100;
#: it only sizes the nodes and picks the dozen labelled at first view).
EXACT_CENTRALITY_LIMIT = 600
CENTRALITY_SAMPLE = 100
#: ... and fewer sources on very large projections, about this many edge visits in all (at least 30 sources): the
#: whole projection of a 1M-triple build (22,851 nodes, 99,926 edges) took 81 s with 300 sources.
CENTRALITY_BUDGET = 3_000_000


def add_centrality(g: nx.MultiDiGraph) -> None:
    """`degree` and `centrality` (normalized betweenness of the undirected simple graph, 4 decimals) per node."""
    simple = nx.Graph(g.to_undirected(as_view=True))
    n = simple.number_of_nodes()
    k = None if n <= EXACT_CENTRALITY_LIMIT else min(
        n, CENTRALITY_SAMPLE, max(30, CENTRALITY_BUDGET // max(1, simple.number_of_edges())))
    betweenness = betweenness_centrality(simple, k=k) if n else {}
    for node in g.nodes:
        g.nodes[node]["degree"] = simple.degree(node)
        g.nodes[node]["centrality"] = round(betweenness.get(node, 0.0), 4)


def betweenness_centrality(simple: nx.Graph, k: int | None = None) -> dict:
    """`nx.betweenness_centrality(simple, k=k, seed=0)` (normalized, endpoints excluded), the same figures to the last
    bit: Brandes' breadth-first searches and accumulation in the same order, on the nodes numbered and their
    neighbours in lists instead of dicts (networkx's took 0.3 s of the 1,000-node focus view of a 1M build)."""
    import random
    from collections import deque

    nodes = list(simple)
    n = len(nodes)
    if k == n:
        k = None
    index = {v: i for i, v in enumerate(nodes)}
    adjacency = [[index[w] for w in simple[v]] for v in nodes]
    sources = range(n) if k is None else [index[v] for v in random.Random(0).sample(nodes, k)]
    found = [0.0] * n
    for s in sources:
        order, before, sigma, depth = [], [[] for _ in range(n)], [0.0] * n, [-1] * n
        sigma[s], depth[s] = 1.0, 0
        queue = deque([s])
        while queue:
            v = queue.popleft()
            order.append(v)
            next_depth, paths = depth[v] + 1, sigma[v]
            for w in adjacency[v]:
                if depth[w] < 0:
                    queue.append(w)
                    depth[w] = next_depth
                if depth[w] == next_depth:
                    sigma[w] += paths
                    before[w].append(v)
        delta = [0] * n
        while order:
            w = order.pop()
            coeff = (1 + delta[w]) / sigma[w]
            for v in before[w]:
                delta[v] += sigma[v] * coeff
            if w != s:
                found[w] += delta[w]
    pairs = n - 1  # networkx's _rescale, normalized, without endpoints
    if pairs >= 2:
        if k is None:
            scale = 1 / (pairs * (pairs - 1))
            if scale != 1:
                found = [b * scale for b in found]
        else:
            sampled = set(sources)
            on_source = 1 / ((k - 1) * (pairs - 1)) if k > 1 else math.nan
            elsewhere = 1 / (k * (pairs - 1))
            found = [b * (on_source if i in sampled else elsewhere) for i, b in enumerate(found)]
    return dict(zip(nodes, found))


#: How a node is tied to a country (for the country filter): predicates from the node to a country…
_COUNTRY_LINKS = (CCKG.country, CCKG.participatingCountry, ORG.hasMember, CCKG.actor, SDO.containedInPlace)
_COUNTRY, _PARTICIPATING_COUNTRY, _, _ACTOR, _ = _COUNTRY_LINKS
#: … and predicates from the node to a meeting (for the meeting filter).
_MEETING_LINKS = (CCKG.madeAt,)
#: The other terms `_add_ties` reads, made once (an rdflib namespace makes the term anew on each attribute access:
#: 24,391 times in the 1,000-node focus view of a 1M build; viz.gather has its index use these very objects).
_TIE_TERMS = (ORG.memberOf, ORG.holds, _COUNTRY, CCKG.participant, CCKG.inMeeting, CCKG.inCapacityOf,
              CCKG.representing, SDO.attendee, _PARTICIPATING_COUNTRY, CCKG.adopted, _ACTOR, DCTERMS.subject,
              SDO.superEvent, CCKG.Participation, CCKG.MeetingSeries)


def _add_ties(graph: Graph, g: nx.MultiDiGraph, groups: dict[URIRef, str], drawn: dict[URIRef, str]) -> None:
    """`countries` and `meetings` of every drawn node: the countries and meetings it is tied to (through any node of
    `groups`), directly or by one step."""
    (member_of, holds, country, participant, in_meeting, in_capacity_of, representing, attendee, participating_country,
     adopted, actor, subject, super_event, participation_class, series_class) = _TIE_TERMS
    countries = {node: set() for node in groups}
    meetings = {node: set() for node in groups}
    for node, group in groups.items():
        if group == "country":
            countries[node].add(node)
        if group == "meeting" and (node, _TYPE, series_class) not in graph:
            meetings[node].add(node)
    for node in groups:
        for prop in _COUNTRY_LINKS:
            for value in graph.objects(node, prop):
                if groups.get(value) == "country":
                    countries[node].add(value)
        for prop in _MEETING_LINKS:
            for value in graph.objects(node, prop):
                if value in meetings:
                    meetings[node].add(value)
    for member, org in graph.subject_objects(member_of):
        if groups.get(member) == "country" and org in countries:
            countries[org].add(member)
    # People: the countries of the posts they hold and of the participations they represent.
    for person, post in graph.subject_objects(holds):
        if person in countries:
            countries[person].update(c for c in graph.objects(post, country) if groups.get(c) == "country")
    for participation in graph.subjects(_TYPE, participation_class):
        people = [p for p in graph.objects(participation, participant) if p in groups]
        where = [m for m in graph.objects(participation, in_meeting) if m in groups]
        posts = [p for p in graph.objects(participation, in_capacity_of) if p in groups]
        for person in people:
            countries[person].update(c for c in graph.objects(participation, representing) if c in groups)
            meetings[person].update(where)
        for post in posts:
            meetings[post].update(where)
    for meeting, person in graph.subject_objects(attendee):
        if person in meetings and meeting in meetings:
            meetings[person].add(meeting)
    for meeting, country in graph.subject_objects(participating_country):
        if country in meetings and meeting in meetings:
            meetings[country].add(meeting)
    for meeting, document in graph.subject_objects(adopted):
        if document in meetings and meeting in meetings:
            meetings[document].add(meeting)
    # Statements take the countries of their actors; topics the meetings of the statements about them.
    for statement, actor in graph.subject_objects(actor):
        if statement in countries and actor in countries:
            countries[statement].update(countries[actor])
    for statement, topic in graph.subject_objects(subject):
        if statement in meetings and topic in meetings:
            meetings[topic].update(meetings[statement])
    for series in [n for n in groups if (n, _TYPE, series_class) in graph]:
        meetings[series].update(m for m in graph.subjects(super_event, series) if m in meetings)
    for node in drawn:
        attrs = g.nodes[curie(node)]
        attrs["countries"] = "; ".join(sorted(curie(c) for c in countries[node]))
        attrs["meetings"] = "; ".join(sorted(curie(m) for m in meetings[node]))


def _label(graph: Graph, node: URIRef) -> str:
    for prop in _NAMES:
        values = list(graph.objects(node, prop))
        if len(values) > 1:  # (most have one: no sort)
            values.sort(key=lambda l: (getattr(l, "language", "") != "en", str(l)))
        if values:
            return str(values[0])
    text = str(node)
    return text.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


#: Labels of reused predicates the ontology does not label itself.
PREDICATE_LABELS = {
    SDO.superEvent: "in series",
    SDO.containedInPlace: "in",
    ORG.subOrganizationOf: "part of",
}


def predicate_label(graph: Graph, prop: URIRef) -> str:
    """The predicate's rdfs:label, else a fixed label, else its local name in words ("hasMember" → "has member")."""
    for value in graph.objects(prop, RDFS.label):
        return str(value)
    if prop in PREDICATE_LABELS:
        return PREDICATE_LABELS[prop]
    local = str(prop).rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", local).lower()


def _main_class(graph: Graph, node: URIRef) -> URIRef:
    types = set(graph.objects(node, _TYPE))
    for cls, _ in GROUPS:
        if cls in types:
            return cls
    return sorted(types, key=str)[0]


#: The display label of a node (English rdfs:label, else skos:prefLabel, else the IRI's local name).
label = _label

__all__ = ["GROUPS", "Literal", "add_centrality", "curie", "label", "node_group", "predicate_label", "project"]
