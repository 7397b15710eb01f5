"""The part of a large build a focus view needs, found by the engine and read from the build's N-Triples lines.

The side panel (viz.details) and the projection (graph.network.projection) of the drawn nodes read:

* every triple of the drawn nodes and of the n-ary statements about them (`full`), and of the intervals and
  instants those statements point to;
* of everything else these point to, and of the documents quoted, only the triples of `PARTIAL` predicates
  (`partial`): its types and labels (how a value is shown), the ties the country and meeting filters follow
  (graph.network.projection._add_ties), a reference record's row, confidence and pages, a document's title and links;
* the quotes (`annotations`): (document, start, exact) of every Web Annotation about the statements, the drawn nodes
  and the objects of their facts, answered by one SPARQL query instead of gathering the annotations, targets and
  selectors as triples.

The 1,000-node focus view of a 1M-triple build gathered 239,100 triples before (annotation plumbing: 150,000, and
every triple of each value the panel only names); it gathers 57,576 now (a quarter), with the same page. The store
is asked with a few SPARQL queries (VALUES over the IRIs; the union of its graphs, so that any store holding the
build's triples will do), never pattern by pattern; a class is tested
in a FILTER (`?s a ?c FILTER(?c IN (…))`, `FILTER EXISTS { ?a a <C> }`): written as a pattern (`?s a <C>`) Oxigraph
0.5 starts from every instance of the class (5 s and 24 s here instead of 0.1 s).
"""

from __future__ import annotations

import itertools
import operator
from dataclasses import dataclass, field

from rdflib import URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from graph.namespaces import CCKG, DCTERMS, KG, OA, ONTOLOGY, ORG, SDO, TIME
from graph.network.projection import curie

#: Predicates read from the resources the panel and the projection only name (see the module docstring).
PARTIAL = (
    RDF.type, RDFS.label, SKOS.prefLabel,  # what it is, how it is shown
    CCKG.referenceRow, CCKG.confidence, DCTERMS.source,  # a reference record's quote details (viz.details)
    DCTERMS.title, SDO.url, CCKG.textFile,  # a document's entry
    # the ties of the country and meeting filters (graph.network.projection._add_ties)
    CCKG.country, CCKG.participatingCountry, ORG.hasMember, CCKG.actor, SDO.containedInPlace, CCKG.madeAt,
    ORG.memberOf, ORG.holds, CCKG.participant, CCKG.inMeeting, CCKG.inCapacityOf, CCKG.representing,
    SDO.attendee, CCKG.adopted, DCTERMS.subject, SDO.superEvent,
)
#: The derived shortcuts (ontology/shortcuts.ttl), in the build's derived graph, not in a source's lines.
SHORTCUTS = (CCKG.actorCountry, CCKG.representedCountry)
#: Links from a statement to the parts it is made of, gathered in full (its interval's beginning and end).
PARTS = (ORG.memberDuring, TIME.hasBeginning, TIME.hasEnd)


@dataclass
class Wanted:
    """IRIs whose triples a view needs in full and in part, and the quotes about the resources the panel quotes."""

    full: set[str] = field(default_factory=set)
    partial: set[str] = field(default_factory=set)
    annotations: dict[URIRef, list[tuple[str, int, str]]] = field(default_factory=dict)


def _values(iris) -> str:
    return " ".join(f"<{i}>" for i in sorted(iris))


def _column(store, query: str) -> set[str]:
    return {solution[0].value for solution in store.query(query, use_default_graph_as_union=True)}


def wanted(store, nodes: list[str]) -> Wanted:
    """What a view of `nodes` (IRIs) needs (see the module docstring)."""
    from viz.details import HIDDEN, NARY

    drawn = set(nodes)
    # tied by a source's triple: not by a derived shortcut (graph.build.derive), which the gathered lines never hold
    # (China's 28,880 incoming triples at 1M are 19,165 shortcuts: each type lookup skipped)
    statements = _column(store, f"SELECT DISTINCT ?s WHERE {{ VALUES ?o {{ {_values(drawn)} }} ?s ?p ?o "
                                f"FILTER(?p NOT IN ({', '.join(f'<{p}>' for p in SHORTCUTS)})) "
                                f"?s a ?c FILTER(?c IN ({', '.join(f'<{c}>' for c in NARY)})) }}")
    core = drawn | statements
    path = "|".join(f"<{p}>" for p in PARTS)
    parts = _column(store, f"SELECT DISTINCT ?x WHERE {{ VALUES ?s {{ {_values(statements)} }} "
                           f"?s ({path})+ ?x FILTER(isIRI(?x)) }}") if statements else set()
    full = core | parts
    objects = _column(store, f"SELECT DISTINCT ?o WHERE {{ VALUES ?s {{ {_values(core)} }} ?s ?p ?o "
                             f"FILTER(isIRI(?o)) }}")
    # the objects of the drawn nodes' facts, whose quotes a fact shows when its subject has none from its documents
    carriers = _column(store, f"SELECT DISTINCT ?o WHERE {{ VALUES ?s {{ {_values(drawn)} }} ?s ?p ?o "
                              f"FILTER(isIRI(?o)) FILTER(?p NOT IN ({', '.join(f'<{p}>' for p in HIDDEN)})) }}")
    annotations = quotes(store, core | carriers)
    documents = {d for found in annotations.values() for d, _, _ in found}
    partial = (objects | {_iri(d) for d in documents}) - full
    return Wanted(full, partial, annotations)


def _iri(document: str) -> str:
    """The IRI of a document CURIE (kg:…), as `quotes` gives it."""
    prefix, _, local = document.partition(":")
    return str(KG) + local if prefix == "kg" else document[1:-1]


def quotes(store, bodies: set[str]) -> dict[URIRef, list[tuple[str, int, str]]]:
    """{resource: sorted [(document CURIE, start, exact)]}: the quotes of the Web Annotations whose body is one of
    `bodies`, one per annotation target that has a document and a quote, as viz.details reads them from triples
    (the start is the position selector's, else 0)."""
    if not bodies:
        return {}
    query = f"""SELECT ?body ?target ?doc ?exact ?start WHERE {{
      VALUES ?body {{ {_values(bodies)} }}
      ?ann <{OA.hasBody}> ?body ; <{OA.hasTarget}> ?target . FILTER EXISTS {{ ?ann a <{OA.Annotation}> }}
      ?target <{OA.hasSource}> ?doc ; <{OA.hasSelector}> ?quote . ?quote <{OA.exact}> ?exact .
      OPTIONAL {{ ?target <{OA.hasSelector}> ?at . ?at <{OA.start}> ?start }}
    }}"""
    found: dict = {}
    # one quote per target (of its first document)
    for body, target, doc, exact, start in store.query(query, use_default_graph_as_union=True):
        key = (body.value, target.value)
        quote = (doc.value, int(start.value) if start is not None else 0, exact.value)
        if key not in found or quote < found[key]:
            found[key] = quote
    annotations: dict = {}
    names = {doc: curie(URIRef(doc)) for doc in {doc for doc, _, _ in found.values()}}
    for (body, _), (doc, start, exact) in sorted(found.items()):
        annotations.setdefault(URIRef(body), []).append((names[doc], start, exact))
    for listed in annotations.values():
        listed.sort()
    return annotations


def lines(result, want: Wanted, graph_of) -> list[tuple[str, list[str]]]:
    """(graph IRI, the lines it needs) of each source document and the ontology: every line of a `full` subject,
    the lines of `PARTIAL` predicates of a `partial` one. `graph_of(source_id)` names a source's graph."""
    full = {f"<{i}>" for i in want.full}
    partial = {f"<{i}>" for i in want.partial}
    heads = full | partial
    predicates = {f"<{p}>" for p in PARTIAL}
    loaded = result.loaded
    chunks = [(str(ONTOLOGY), loaded.ontology_lines)]
    chunks += [(graph_of(source_id), source) for source_id, source in zip(loaded.per_source, loaded.source_lines)]
    first, space = operator.itemgetter(0), itertools.repeat(" ")
    out = []
    for name, source in sorted(chunks, key=first):
        picked = itertools.compress(source, map(heads.__contains__, map(first, map(str.partition, source, space))))
        kept = [line for line in picked if line[:line.find(" ")] in full or line.split(" ", 2)[1] in predicates]
        if kept:
            out.append((name, sorted(kept)))
    return out


def _compared() -> list[URIRef]:
    """The constant terms the side panel and the projection compare the gathered triples with (viz.details first:
    it compares most)."""
    from graph.network import projection
    from viz import details

    return [details._TYPE, details._LABEL, details._PREF_LABEL, details._MEMBER_DURING, details._PARTY, *details.NARY,
            *details.HIDDEN, *details.DERIVED_FROM, *details.DERIVED_FROM.values(), *details._REFERENCE,
            *(p for p, _ in details._INTERVAL_ENDS), *details._INSTANT_VALUES, *projection._NAMES,
            *(c for c, _ in projection.GROUPS), *projection.AS_EDGES, *projection.SKIP,
            *projection._COUNTRY_LINKS, *projection._MEETING_LINKS, *projection._TIE_TERMS]


def gather(result, nodes: list[str], store=None):
    """The part of the build a view of `nodes` (IRIs) needs, as a `viz.triples.Triples` with each triple's documents
    and the quotes (`Triples.annotations`); `store` (default: the build's) is any store holding the build's triples."""
    from viz.triples import Triples

    want = wanted(result.store if store is None else store, nodes)
    found = Triples(canonical=_compared())
    found.load_chunks([(kept, URIRef(name) if name.startswith(str(KG)) else None)
                       for name, kept in lines(result, want, lambda source_id: str(KG[source_id]))])
    found.annotations = {found.canonical(k): v for k, v in want.annotations.items()}
    return found


__all__ = ["PARTIAL", "PARTS", "SHORTCUTS", "Wanted", "gather", "lines", "quotes", "wanted"]
