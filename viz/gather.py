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
every triple of each value the panel only names); it gathers 49,471 now (a fifth), with the same page. The store
is asked with a few SPARQL queries (VALUES over the IRIs; the union of its graphs, so that any store holding the
build's triples will do), never pattern by pattern; a class is tested
in a FILTER (`?s a ?c FILTER(?c IN (…))`, `FILTER EXISTS { ?a a <C> }`): written as a pattern (`?s a <C>`) Oxigraph
0.5 starts from every instance of the class (5 s and 24 s here instead of 0.1 s).
"""

from __future__ import annotations

import itertools
import operator
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field

from rdflib import URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS

from graph.namespaces import CCKG, DCTERMS, KG, OA, ONTOLOGY, ORG, SDO, TIME
from graph.network.projection import curie

#: The ties of the country and meeting filters (graph.network.projection._add_ties), read only where both ends are
#: gathered (a tie to a resource whose triples are not gathered joins nothing the view draws): their lines are kept
#: only if the object is gathered too (the meetings' attendees were 12 % of the 1,000-node focus view of a 1M build).
TIES = (
    CCKG.country, CCKG.participatingCountry, ORG.hasMember, CCKG.actor, SDO.containedInPlace, CCKG.madeAt,
    ORG.memberOf, ORG.holds, CCKG.participant, CCKG.inMeeting, CCKG.inCapacityOf, CCKG.representing,
    SDO.attendee, CCKG.adopted, DCTERMS.subject, SDO.superEvent,
)
#: Predicates read from the resources the panel and the projection only name (see the module docstring).
PARTIAL = (
    RDF.type, RDFS.label, SKOS.prefLabel,  # what it is, how it is shown
    CCKG.referenceRow, CCKG.confidence, DCTERMS.source,  # a reference record's quote details (viz.details)
    DCTERMS.title, SDO.url, CCKG.textFile,  # a document's entry
    *TIES,
)
#: Read of the drawn nodes and statements only where the object is drawn (as an edge; the panel hides it): the
#: documents each record is derived from (9 % of the lines of the 1,000-node focus view of a 1M build).
_DERIVED_FROM = PROV.wasDerivedFrom
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
    """What a view of `nodes` (IRIs) needs (see the module docstring), asked in turn."""
    statements, parts, objects = heads_of(store, set(nodes))
    full = set(nodes) | statements | parts
    annotations = _quoted(store, set(nodes), statements)
    documents = {_iri(d) for found in annotations.values() for d, _, _ in found}
    return Wanted(full, (objects | documents) - full, annotations)


def heads_of(store, drawn: set[str]) -> tuple[set[str], set[str], set[str]]:
    """(statements, their parts, the objects of the nodes and statements): what the line scan needs."""
    from viz.details import NARY

    statements = _column(store, f"SELECT DISTINCT ?s WHERE {{ VALUES ?o {{ {_values(drawn)} }} ?s ?p ?o . "
                                f"?s a ?c FILTER(?c IN ({', '.join(f'<{c}>' for c in NARY)})) }}")
    core = drawn | statements
    path = "|".join(f"<{p}>" for p in PARTS)
    parts = _column(store, f"SELECT DISTINCT ?x WHERE {{ VALUES ?s {{ {_values(statements)} }} "
                           f"?s ({path})+ ?x FILTER(isIRI(?x)) }}") if statements else set()
    objects = _column(store, f"SELECT DISTINCT ?o WHERE {{ VALUES ?s {{ {_values(core)} }} ?s ?p ?o "
                             f"FILTER(isIRI(?o)) }}")
    return statements, parts, objects


def _quoted(store, drawn: set[str], statements: set[str]) -> dict:
    """The quotes about the nodes, the statements and the objects of the drawn nodes' facts (whose quotes a fact
    shows when its subject has none from its documents)."""
    from viz.details import HIDDEN

    carriers = _column(store, f"SELECT DISTINCT ?o WHERE {{ VALUES ?s {{ {_values(drawn)} }} ?s ?p ?o "
                              f"FILTER(isIRI(?o)) FILTER(?p NOT IN ({', '.join(f'<{p}>' for p in HIDDEN)})) }}")
    return quotes(store, drawn | statements | carriers)


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
    the lines of `PARTIAL` predicates of a `partial` one (less the lines `_scan` leaves out, which nothing reads).
    `graph_of(source_id)` names a source's graph."""
    return [(name, sorted(kept)) for name, kept, _ in _scan(result, want.full, want.partial, set(), graph_of) if kept]


def _scan(result, full: set[str], partial: set[str], aside: set[str], graph_of) -> list[tuple[str, list, list]]:
    """(graph IRI, lines it needs, lines put aside) of each source document and the ontology, in graph order: the
    lines `lines` keeps for `full` and `partial`, and apart from them the `PARTIAL` lines of the `aside` subjects
    (IRIs; those of `full` and `partial` are ignored), unsorted. A `TIES` line is kept only if its object is one
    of these subjects, a line of `full` deriving it from a document only if the document is of `full`."""
    full_heads = {f"<{i}>" for i in full}
    partial_heads = {f"<{i}>" for i in partial} - full_heads
    aside_heads = {f"<{i}>" for i in aside} - full_heads - partial_heads
    heads = full_heads | partial_heads | aside_heads
    predicates, ties, derived = {f"<{p}>" for p in PARTIAL}, {f"<{p}>" for p in TIES}, f"<{_DERIVED_FROM}>"
    loaded = result.loaded
    chunks = [(str(ONTOLOGY), loaded.ontology_lines)]
    chunks += [(graph_of(source_id), source) for source_id, source in zip(loaded.per_source, loaded.source_lines)]
    first, space = operator.itemgetter(0), itertools.repeat(" ")
    out = []
    for name, source in sorted(chunks, key=first):
        picked = itertools.compress(source, map(heads.__contains__, map(first, map(str.partition, source, space))))
        kept, put_aside = [], []
        for line in picked:
            head, predicate, rest = line.split(" ", 2)
            if head in full_heads:
                if predicate != derived or rest[:-2] in full_heads:
                    kept.append(line)
            elif predicate in predicates and (predicate not in ties or rest[:-2] in heads):
                (put_aside if head in aside_heads else kept).append(line)
        out.append((name, kept, put_aside))
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
            *projection._COUNTRY_LINKS, *projection._MEETING_LINKS]


def gather(result, nodes: list[str], store=None, *, engine: Executor | None = None, heads: list | None = None):
    """The part of the build a view of `nodes` (IRIs) needs, as a `viz.triples.Triples` with each triple's documents
    and the quotes (`Triples.annotations`); `store` (default: the build's) is any store holding the build's triples.

    The engine's queries run in a thread (`engine`, else one of its own) beside the Python work that does not wait
    for them: the quotes are asked while the build's lines are scanned for the other heads, the lines of every
    source document (the quotes' documents, known only then) put aside in the same pass. The lines kept, and their
    order, are those of `wanted` and `lines` asked in turn. `heads`: futures of `heads` for parts of `nodes` that
    together make them all (asked already, e.g. while the nodes were found)."""
    from viz.triples import Triples

    store = result.store if store is None else store
    if engine is None:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cckg-gather") as own:
            return gather(result, nodes, store, engine=own, heads=heads)
    drawn = set(nodes)
    graph_of = lambda source_id: str(KG[source_id])  # noqa: E731
    asked = heads or [engine.submit(heads_of, store, drawn)]
    found_heads = engine.submit(lambda: [set().union(*column) for column in zip(*(f.result() for f in asked))])
    quoted = engine.submit(lambda: _quoted(store, drawn, found_heads.result()[0]))
    statements, parts, objects = found_heads.result()
    full = drawn | statements | parts
    partial = objects - full
    documents = {str(KG[source.id]) for source in result.sources}
    scanned = _scan(result, full, partial, documents, graph_of)
    annotations = quoted.result()
    quoted_documents = {_iri(d) for found in annotations.values() for d, _, _ in found} - full - partial
    chunks = []
    missing = quoted_documents - documents  # a quoted document that is no source's: a scan of its own
    extra = {name: kept for name, kept, _ in _scan(result, set(), missing, set(), graph_of)} if missing else {}
    wanted_heads = {f"<{d}>" for d in quoted_documents}
    for name, kept, aside in scanned:
        kept = kept + [line for line in aside if line[:line.find(" ")] in wanted_heads] + extra.get(name, [])
        if kept:
            chunks.append((sorted(kept), URIRef(name) if name.startswith(str(KG)) else None))
    found = Triples(canonical=_compared())
    found.load_chunks(chunks)
    found.annotations = {found.canonical(k): v for k, v in annotations.items()}
    return found


__all__ = ["PARTIAL", "PARTS", "Wanted", "gather", "lines", "quotes", "wanted"]
