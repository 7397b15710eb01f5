"""What the graph view's side panel shows for each node: its facts, each with the quotes and documents behind it.

`details(source, nodes)` reads an rdflib Graph or, better, the build's Dataset (one named graph per source
document) or the part of it a focus view gathered (viz.triples.Triples, which knows each triple's documents): with
either a fact's quotes are taken only from the documents whose graphs state the fact. Each
fact carries the supporting quote(s): the `oa:exact` of the Web Annotations whose `oa:hasBody` is the record that
states it (the n-ary statement joining the two ends where there is one, else the subject, else the object).
The n-ary statements a node takes part in (tenures, participations, memberships, diplomatic relations,
non-memberships) are listed with their own fields and quotes. Quotes from reference documents carry the fact's row,
confidence and web pages. Everything is plain data (str, list, dict), sorted, ready for JSON.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS

from graph.namespaces import CCKG, DCTERMS, KG, OA, ORG, SDO, TIME
from graph.network.projection import curie, label, predicate_label
from viz.triples import Triples

#: Statement resources that join several things; listed in the panel of each thing they concern.
NARY = (CCKG.Tenure, CCKG.Participation, ORG.Membership, CCKG.NonMembership, CCKG.DiplomaticRelation)
#: Predicates never shown as facts (typing, names shown elsewhere, provenance plumbing).
HIDDEN = {
    RDF.type, RDFS.label, SKOS.prefLabel, SKOS.altLabel, PROV.wasDerivedFrom, DCTERMS.source, CCKG.referenceRow,
    CCKG.confidence, RDFS.isDefinedBy, SKOS.inScheme, SKOS.topConceptOf, SKOS.hasTopConcept, ORG.memberDuring,
}
#: Predicates the build derives from an n-ary statement (sources/README.md, "Also adds"): their quotes are the
#: statement's.
DERIVED_FROM = {
    ORG.holds: CCKG.Tenure,
    SDO.attendee: CCKG.Participation,
    CCKG.chairedBy: CCKG.Participation,
    CCKG.participatingCountry: CCKG.Participation,
    ORG.memberOf: ORG.Membership,
}
_INTERVAL_ENDS = ((TIME.hasBeginning, "from"), (TIME.hasEnd, "until"))
_INSTANT_VALUES = (TIME.inXSDDate, TIME.inXSDgYearMonth, TIME.inXSDgYear)
#: Terms read in loops, looked up once (an rdflib namespace makes the term anew on each attribute access).
_TYPE, _LABEL, _PREF_LABEL, _MEMBER_DURING, _PARTY, _KG = (RDF.type, RDFS.label, SKOS.prefLabel, ORG.memberDuring,
                                                          CCKG.party, str(KG))
_REFERENCE = (CCKG.referenceRow, CCKG.confidence, DCTERMS.source)
#: The n-ary statements listed in a node's panel: the first, in the panel's order; the others are counted, with the
#: library query that lists them all where one fits (`LISTED_BY`). China in the 1,000-node focus view of a 1M build
#: takes part in 3,809 participations: 1.7 MB of the page's 4.5 MB of data.
STATEMENTS_SHOWN = 100
_MEMBERSHIPS = (ORG.Membership, CCKG.NonMembership)
#: (group of the node, class of the statement) -> (library query of queries/cq/, its parameter naming the node):
#: the query that lists every such statement of the node.
LISTED_BY = {
    ("country", CCKG.Participation): ("meeting-delegations", "country"),
    ("country", CCKG.DiplomaticRelation): ("diplomatic-relations", "country"),
    ("meeting", CCKG.Participation): ("meeting-participants", "meeting"),
    ("person", CCKG.Tenure): ("person-posts", "person"),
    **{("country", c): ("country-memberships", "country") for c in _MEMBERSHIPS},
    **{(group, c): ("organization-members", "organization") for group in ("organization", "mechanism")
       for c in _MEMBERSHIPS},
}

Triple = tuple[object, object, object]


class _Sources:
    """The union graph, which documents state each triple, and every annotation by the resource it is about."""

    def __init__(self, source: Graph):
        self.docs_of: dict[Triple, set[URIRef]] | None = None
        self.drawn: dict[URIRef, str] = {}  # the drawn nodes' terms and CURIEs (set by `details`)
        self._memo: dict = {}  # (what, term) -> what the panel shows for it: the same for every mention
        if isinstance(source, Triples):  # a focus view's part (viz.view.gather_triples): read as it is, no copy
            self.graph = source
            self.docs_of = source.docs_of
        elif isinstance(source, Dataset):
            self.graph = Graph(bind_namespaces="none")
            self.docs_of = defaultdict(set)
            for graph in source.graphs():  # each named graph as a Graph (Dataset.quads goes through deprecated APIs)
                name = graph.identifier
                document = isinstance(name, URIRef) and str(name).startswith(str(KG))
                for s, p, o in graph:
                    self.graph.add((s, p, o))
                    if document:
                        self.docs_of[(s, p, o)].add(name)
        else:
            self.graph = source
        self.annotations: dict[URIRef, list[tuple[str, int, str]]] = defaultdict(list)
        if isinstance(source, Triples) and source.annotations is not None:  # found by the engine (viz.gather)
            self.annotations.update(source.annotations)
            return
        g = self.graph
        for ann in g.subjects(RDF.type, OA.Annotation):
            for body in g.objects(ann, OA.hasBody):
                for target in g.objects(ann, OA.hasTarget):
                    doc = g.value(target, OA.hasSource)
                    exact, start = None, 0
                    for selector in g.objects(target, OA.hasSelector):
                        exact = g.value(selector, OA.exact) or exact
                        start = int(g.value(selector, OA.start) or start)
                    if doc is not None and exact is not None:
                        self.annotations[body].append((curie(doc), start, str(exact)))
        for found in self.annotations.values():
            found.sort()

    def stated_in(self, triple: Triple) -> set[str] | None:
        """The documents (CURIEs) whose graphs hold the triple, or None when the source has no named graphs."""
        if self.docs_of is None:
            return None
        return {self._once("curie", d, curie) for d in self.docs_of.get(triple, ())}

    def _once(self, what: str, term, make):
        key = (what, term)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = make(term)
        return found

    def value(self, term) -> dict:
        """How a fact's or a field's value is shown (`_value`)."""
        return self._once("value", term, lambda t: _value(self.graph, t, self.drawn))

    def predicate(self, term) -> str:
        return self._once("predicate", term, lambda t: predicate_label(self.graph, t))

    def is_nary(self, term) -> bool:
        return self._once("nary", term, lambda t: _is_nary(self.graph, t))

    def class_label(self, node) -> str:
        from graph.network.projection import _main_class

        return self._once("class", _main_class(self.graph, node), lambda t: label(self.graph, t))

    def quotes(self, resource: object, docs: set[str] | None = None) -> list[dict]:
        """The quotes about a resource (from the given documents only, if any), with reference details."""
        found = []
        for doc, _start, exact in self.annotations.get(resource, []):
            if docs is not None and doc not in docs:
                continue
            quote = {"text": exact, "doc": doc}
            quote.update(self._reference(resource, doc))
            if quote not in found:
                found.append(quote)
        return found

    def _reference(self, resource: object, doc: str) -> dict:
        """Row, confidence and web pages of a reference record (restricted to the document when known)."""
        g, out = self.graph, {}
        if not self._once("reference", resource, lambda r: any((r, p, None) in g for p in _REFERENCE)):
            return out

        def values(prop):
            return sorted(
                (v for v in g.objects(resource, prop)
                 if (docs := self.stated_in((resource, prop, v))) is None or doc in docs),
                key=str,
            )

        rows = values(CCKG.referenceRow)
        if rows:
            out["row"] = ", ".join(str(r) for r in rows)
        levels = values(CCKG.confidence)
        if levels:
            out["confidence"] = ", ".join(label(g, c) for c in levels)
        pages = values(DCTERMS.source)
        if pages:
            out["pages"] = [str(p) for p in pages]
        return out


def details(source: Graph, nodes: Iterable[str] | None = None) -> dict:
    """{"docs": {doc: {...}}, "nodes": {curie: {...}}} for the given node CURIEs (default: every projected node)."""
    from graph.build.pipeline import gc_paused

    with gc_paused():
        return _details(source, nodes)


def _details(source: Graph, nodes: Iterable[str] | None) -> dict:
    sources = _Sources(source)
    g = sources.graph
    if nodes is None:
        from graph.network.projection import project

        nodes = list(project(g).nodes)
    wanted = sorted(set(nodes))
    by_curie = {c: term for c in wanted if (term := _term(g, c)) is not None}
    drawn = {term: c for c, term in by_curie.items()}
    sources.drawn = drawn
    panel = {c: _node(sources, term) for c, term in by_curie.items()}
    used = sorted({q["doc"] for info in panel.values() for q in _all_quotes(info)})
    return {"docs": {d: _document(g, term) for d in used if (term := _term(g, d)) is not None}, "nodes": panel}


def _term(g: Graph, name: str) -> URIRef | None:
    """The IRI a node or document CURIE names, if the graph has it as a subject or object."""
    from graph.namespaces import PREFIXES

    if name.startswith("<"):
        term = URIRef(name[1:-1])
    else:
        prefix, _, local = name.partition(":")
        if prefix not in PREFIXES:
            return None
        term = URIRef(PREFIXES[prefix] + local)
    if isinstance(g, Triples):
        term = g.canonical(term)
    if curie(term) != name or ((term, None, None) not in g and (None, None, term) not in g):
        return None
    return term


def _all_quotes(info: dict) -> Iterable[dict]:
    yield from info["sources"]
    for fact in info["facts"]:
        yield from fact["quotes"]
    for statement in info["statements"]:
        yield from statement["quotes"]


def _document(g: Graph, doc: URIRef) -> dict:
    title = g.value(doc, DCTERMS.title) or g.value(doc, RDFS.label) or curie(doc)
    out = {"title": str(title)}
    url = g.value(doc, SDO.url)
    if url is not None:
        out["url"] = str(url)
    text_file = g.value(doc, CCKG.textFile)
    if text_file is not None:
        out["file"] = str(text_file)
    return out


def _node(sources: _Sources, node: URIRef) -> dict:
    g, drawn = sources.graph, sources.drawn
    cls = sources.class_label(node)
    facts = []
    for p, o in g.predicate_objects(node):
        if p in HIDDEN or sources.is_nary(o) or _is_plumbing(o):
            continue
        facts.append({"dir": "out", "pred": sources.predicate(p), **sources.value(o),
                      "quotes": _fact_quotes(sources, (node, p, o))})
    for s, p in g.subject_predicates(node):
        if p in HIDDEN or s not in drawn or s == node:
            continue
        facts.append({"dir": "in", "pred": sources.predicate(p), **sources.value(s),
                      "quotes": _fact_quotes(sources, (s, p, node))})
    facts.sort(key=lambda f: (f["dir"] == "in", f["pred"], f["value"], f.get("node", "")))
    statements, more = _statements(sources, node)
    return {
        "label": label(g, node),
        "kind": cls,
        "iri": str(node),
        "alt_labels": sorted(str(a) for a in g.objects(node, SKOS.altLabel)),
        "sources": sources.quotes(node),
        "facts": facts,
        "statements": statements,
        **({"more": more} if more else {}),
    }


def _statements(sources: _Sources, node: URIRef) -> tuple[list[dict], list[dict]]:
    """The n-ary statements about a node, by (kind, label, IRI), the first STATEMENTS_SHOWN in full; and what is left
    out: [{"count", "kind", "command"?}] per class, with the `python build.py query` that lists them (LISTED_BY)."""
    from graph.network.projection import _main_class, node_group

    g = sources.graph
    found = sorted(((sources.class_label(s), label(g, s), str(s), s) for s in set(g.subjects(None, node))
                    if sources.is_nary(s)), key=lambda t: t[:3])
    shown = [_statement(sources, s, node, kind=kind, title=title) for kind, title, _, s in found[:STATEMENTS_SHOWN]]
    left: dict[URIRef, list] = {}
    for kind, _, _, s in found[STATEMENTS_SHOWN:]:
        left.setdefault(_main_class(g, s), [kind, 0])[1] += 1
    more = []
    group = node_group(g, node) if left else None
    for cls, (kind, count) in sorted(left.items(), key=lambda kv: (kv[1][0], str(kv[0]))):
        entry = {"count": count, "kind": kind}
        if (group, cls) in LISTED_BY:
            query, param = LISTED_BY[group, cls]
            entry["command"] = f"python build.py query {query} --param {param}={curie(node)}"
        more.append(entry)
    return shown, more


def _statement(sources: _Sources, statement: URIRef, about: URIRef, *, kind: str, title: str) -> dict:
    g = sources.graph
    fields = []
    for p, o in g.predicate_objects(statement):
        if p == _MEMBER_DURING:
            for link, name in _INTERVAL_ENDS:
                for instant in g.objects(o, link):
                    for when in (v for prop in _INSTANT_VALUES for v in g.objects(instant, prop)):
                        fields.append({"pred": name, "value": str(when)})
            continue
        if p in HIDDEN or o == about and p != _PARTY:
            continue
        fields.append({"pred": sources.predicate(p), **sources.value(o)})
    fields.sort(key=lambda f: (f["pred"], f["value"]))
    return {
        "label": title,
        "kind": kind,
        "fields": fields,
        "quotes": sources.quotes(statement),
    }


def _fact_quotes(sources: _Sources, triple: Triple) -> list[dict]:
    """The quotes behind a triple: of the n-ary statement it derives from, else of its subject, else its object."""
    g = sources.graph
    s, p, o = triple
    docs = sources.stated_in(triple)
    joining = []
    if p in DERIVED_FROM:
        kind = DERIVED_FROM[p]
        # the statements of that kind pointing to s that also point to o (tested one by one: o may be a hub)
        joining = sorted({x for x in g.subjects(None, s) if (x, _TYPE, kind) in g and (x, None, o) in g}, key=str)
    for carriers in (joining, [s], [o]):
        found = [q for c in carriers for q in sources.quotes(c, docs)]
        if found:
            return found
    return []


def _value(g: Graph, value: object, drawn: dict[URIRef, str]) -> dict:
    if isinstance(value, Literal):
        return {"value": str(value)}
    if value in drawn:
        return {"value": label(g, value), "node": drawn[value]}
    text = label(g, value) if (value, _LABEL, None) in g or (value, _PREF_LABEL, None) in g else curie(value)
    out = {"value": text}
    if str(value).startswith(("https://", "http://")) and not str(value).startswith(str(KG)):
        out["href"] = str(value)
    return out


def _is_nary(g: Graph, node: object) -> bool:
    return isinstance(node, URIRef) and any(cls in _NARY for cls in g.objects(node, _TYPE))


_NARY = frozenset(NARY)


def _is_plumbing(node: object) -> bool:
    return isinstance(node, URIRef) and "#" in node and node.startswith(_KG)


__all__ = ["NARY", "details"]
