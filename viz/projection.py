"""The networkx projection of the graph: the things people refer to as nodes, their relations as labelled edges.

Literals, annotations, intervals and other provenance plumbing are not drawn; n-ary statement resources that only
join two things (diplomatic relations, non-memberships) become one edge between them. Node and edge order is
stable (sorted by IRI), so the same graph always projects the same way.
"""

from __future__ import annotations

import networkx as nx
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from graph.namespaces import CCKG, FOAF, KG, ORG, SDO, TOPIC

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
#: Predicates not drawn (the class hierarchy, provenance plumbing).
SKIP = {RDF.type, SKOS.inScheme, SKOS.topConceptOf, SKOS.hasTopConcept, RDFS.isDefinedBy}


def curie(term: URIRef) -> str:
    from graph.validate import _curie

    return _curie(term)


def node_group(graph: Graph, node: URIRef) -> str | None:
    """The group of a node (person, country, meeting…) or None when it is not drawn."""
    if not isinstance(node, URIRef):
        return None
    if not (str(node).startswith(str(KG)) or str(node).startswith(str(TOPIC))) or "#" in str(node):
        return None
    types = set(graph.objects(node, RDF.type))
    for cls, group in GROUPS:
        if cls in types:
            return group
    return None


def project(graph: Graph) -> nx.MultiDiGraph:
    """Project an RDF graph (data, with or without the ontology) onto a networkx MultiDiGraph."""
    g = nx.MultiDiGraph()
    groups = {}
    for subject in sorted({s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef)}, key=str):
        group = node_group(graph, subject)
        if group is not None:
            groups[subject] = group
    for node in sorted(groups, key=str):
        g.add_node(
            curie(node),
            iri=str(node),
            label=_label(graph, node),
            group=groups[node],
            cls=curie(_main_class(graph, node)),
            alt_labels="; ".join(sorted(str(a) for a in graph.objects(node, SKOS.altLabel))),
        )
    edges = []
    for s, p, o in graph:
        if p in SKIP or s not in groups or o not in groups:
            continue
        edges.append((curie(s), curie(o), curie(p), _label(graph, p)))
    for cls, (left, right, label) in AS_EDGES.items():
        for statement in graph.subjects(RDF.type, cls):
            a = sorted(graph.objects(statement, left), key=str)
            b = sorted(graph.objects(statement, right), key=str)
            if left == right and len(a) == 2:
                a, b = a[:1], a[1:]
            for x in a:
                for y in b:
                    if x in groups and y in groups:
                        edges.append((curie(x), curie(y), curie(statement), label))
    for u, v, key, label in sorted(set(edges)):
        g.add_edge(u, v, key=key, predicate=key, label=label)
    return g


def _label(graph: Graph, node: URIRef) -> str:
    for prop in (RDFS.label, SKOS.prefLabel):
        values = sorted(graph.objects(node, prop), key=lambda l: (getattr(l, "language", "") != "en", str(l)))
        if values:
            return str(values[0])
    text = str(node)
    return text.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _main_class(graph: Graph, node: URIRef) -> URIRef:
    types = set(graph.objects(node, RDF.type))
    for cls, _ in GROUPS:
        if cls in types:
            return cls
    return sorted(types, key=str)[0]


__all__ = ["GROUPS", "project", "node_group", "Literal"]
