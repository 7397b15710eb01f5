"""The large-graph path of the build: triples go straight into a pyoxigraph store, never into rdflib graphs.

Measured on 1M triples (../shared/notes/performance.md and bench/): adding triples to an rdflib Dataset costs about
50 µs each (50 s and over 1 GB), rdflib's longturtle about 65 s, and SPARQL on rdflib is 30–5000× slower than on
Oxigraph. So above `pipeline.LARGE_RECORDS` records the build

* generates each source's triples with the same builder functions as the small path, and adds them to one
  in-memory pyoxigraph Store (the whole graph, ontology included, in its default graph: a set, as rdflib's
  union graph is), counting per source as it goes;
* validates with SHACL compiled to SPARQL (graph.shacl_sparql) and the zero-row check queries on that store;
* writes cckg.ttl and data.ttl as *sorted* Turtle (`sorted_turtle_bytes`): every triple sorted by its N-Triples
  line, then written by pyoxigraph's Turtle serializer with the fixed prefixes (subjects grouped with `;` and
  `,`). The output is byte-identical for the same sources, parses to the same graph as the longturtle of the
  small path, and is written in about 2 s instead of minutes. The sorted text of every line is made once
  (`Loaded.union_ntriples`) and kept for the exports (graph.export: it is dist/cckg.nt).

The rdflib Dataset of such a build is made only if someone asks for `Build.dataset` (see pipeline.Build).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent import futures
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain, groupby
from operator import itemgetter
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from graph.build import builder, output
from graph.build.derive import DERIVED_GRAPH
from graph.terms import Terms
from graph.namespaces import KG, OA, ONTOLOGY, XSD
from graph.build.output import nt_line, nt_string, nt_term
from graph.sources.read import Source


def store_from_triples(triples: Iterable, terms: Terms | None = None) -> ox.Store:
    """An in-memory store whose default graph holds `triples` (for the check queries of the small path)."""
    terms = terms or Terms()
    store = ox.Store()
    store.extend([terms.quad(t) for t in triples])
    return store


@dataclass
class Loaded:
    """What the build made: the store (default graph: ontology and data), every graph's N-Triples lines and
    the figures the report counts."""

    store: ox.Store
    per_source: dict[str, int] = field(default_factory=dict)  # distinct triples in each source's named graph
    used: dict[URIRef, object] = field(default_factory=dict)  # predicate or class -> an example subject
    overlap: set[str] = field(default_factory=set)  # N-Triples lines of data triples that are also ontology triples
    data_lines: set[str] = field(default_factory=set)  # every data triple as its N-Triples line, for the outputs
    ontology_lines: set[str] = field(default_factory=set)
    source_lines: list[list[str]] = field(default_factory=list)  # each source's lines, sorted (of data_lines)
    derived_lines: set[str] = field(default_factory=set)  # the derived shortcuts' lines (graph.build.derive)

    @cached_property
    def ntriples(self) -> list[bytes]:
        """Each source's triples as N-Triples (for the writers: graph.export, viz.view, viz.overview), made when
        first asked for, after the core build: kept as bytes from the start they would add ~100 MB to its peak at
        1M triples. (`source_lines` are sorted: `add_source`.)"""
        return [output.join_lines(lines) for lines in self.source_lines]

    @cached_property
    def ontology_ntriples(self) -> bytes:
        """The ontology's triples as N-Triples, sorted."""
        return "\n".join([*sorted(self.ontology_lines), ""]).encode("utf-8")

    @cached_property
    def derived_ntriples(self) -> bytes:
        """The derived shortcuts' triples as N-Triples, sorted (the graph DERIVED_GRAPH)."""
        return "\n".join([*sorted(self.derived_lines), ""]).encode("utf-8")

    def graphs(self) -> list[tuple[str, bytes]]:
        """(graph IRI, sorted N-Triples) of the ontology's graph, each source document's, in build order, and the
        derived shortcuts' graph (if it has triples)."""
        derived = [(str(DERIVED_GRAPH), self.derived_ntriples)] if self.derived_lines else []
        return [(str(ONTOLOGY), self.ontology_ntriples),
                *((str(KG[source_id]), chunk) for source_id, chunk in zip(self.per_source, self.ntriples)), *derived]

    def union_ntriples(self) -> bytes:
        """Every triple once (ontology, data and the derived shortcuts), as sorted N-Triples: made once and kept, for
        cckg.ttl, data.ttl and the exports (cckg.nt is this text).

        Made from the sorted runs the build has (each source's lines, sorted as they were added, and the ontology's
        and the derived shortcuts'): Python's sort finds each run and merges them (about log2(runs) comparisons a
        line instead of log2(lines) for lines in no order: 0.17 s instead of 1.6 s at 1M), and a line that several
        graphs hold is kept once (they lie together once sorted)."""
        found = self.__dict__.get("_union")
        if found is None:
            runs = [sorted(self.ontology_lines), *self.source_lines, sorted(self.derived_lines)]
            every = list(map(itemgetter(0), groupby(sorted(chain.from_iterable(runs)))))  # (the sorted list freed)
            found = self.__dict__["_union"] = output.join_lines(every)
        return found

    def named_store(self, *, union: bool = True) -> ox.Store:
        """A store with one named graph per source document and the ontology's graph, and (`union`) their union in
        the default graph: the dataset as the exports and the query commands show it."""
        store = ox.Store()
        for name, chunk in self.graphs():
            store.load(chunk, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(name))
        if union:
            store.load(self.union_ntriples(), format=ox.RdfFormat.N_TRIPLES)
        return store


def load(sources: list[Source], ontology: Graph, *, text_root: Path) -> Loaded:
    """Generate every source's triples and add them to one store (default graph = ontology + data).

    Performance: each triple becomes its N-Triples line straight from the rdflib terms (`nt_line`), the quotes'
    annotations straight from their spans (`annotation_lines`, no rdflib terms), and the store parses each
    source's lines in a thread (`StoreLoader`) while Python makes the next source's; converting the terms to
    pyoxigraph objects and serializing them again cost about twice as much (bench/, 1M triples). The lines are
    kept for the outputs (graph.build.output.turtle_pair)."""
    loaded = start({nt_line(t) for t in ontology})
    used = loaded.used
    index = builder.Index(sources)
    annotated = False
    with StoreLoader(loaded.store) as loader:
        for source in sources:
            lines = set()
            add = lines.add
            for triple in _generated(source, index, text_root, annotations=False):
                add(nt_line(triple))
                _note_used(used, triple)
            for record in source.records:
                found = list(annotation_lines(record))
                if found and not annotated:  # the terms of an annotation, noted once (they are the same in every one)
                    annotated = True
                    for triple in builder.annotation_triples(record):
                        _note_used(used, triple)
                lines.update(found)
            add_source(loaded, source.id, lines, loader=loader)
    return loaded


class StoreLoader:
    """N-Triples texts parsed into a store by one thread beside the caller (pyoxigraph releases the GIL while it
    parses and inserts), in the order given; at most `PENDING` texts wait at a time, so the texts held stay small.
    Leaving the `with` block waits for every load and raises the first one's error (a SyntaxError of the engine)."""

    PENDING = 8

    def __init__(self, store: ox.Store):
        self.store = store
        self.pool = futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="cckg-store-load")
        self.waiting: deque[futures.Future] = deque()

    def __enter__(self) -> StoreLoader:
        return self

    def load(self, text: bytes) -> None:
        self.waiting.append(self.pool.submit(self.store.load, text, format=ox.RdfFormat.N_TRIPLES))
        while len(self.waiting) > self.PENDING:
            self.waiting.popleft().result()

    def __exit__(self, error_type, *_) -> None:
        try:
            while self.waiting and error_type is None:  # on the caller's error, its own is raised, not theirs
                self.waiting.popleft().result()
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)


_RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def _note_used(used: dict, triple) -> None:
    """Note the triple's predicate (and its class, for rdf:type) with the first subject using it (check_terms)."""
    s, p, o = triple
    if p not in used:
        used[p] = s
    if str.__eq__(p, _RDF_TYPE) and isinstance(o, URIRef) and o not in used:  # str's ==: rdflib's is Python
        used[o] = s


_A, _OA = nt_term(_RDF_TYPE), {name: nt_term(OA[name]) for name in (
    "Annotation", "motivatedBy", "hasBody", "hasTarget", "SpecificResource", "hasSource", "hasSelector",
    "TextQuoteSelector", "exact", "prefix", "suffix", "TextPositionSelector", "start", "end")}
_NON_NEGATIVE = f"^^{nt_term(XSD.nonNegativeInteger)}"
_MOTIVATIONS = {term: nt_term(term) for term in (OA.describing, OA.identifying)}


def annotation_lines(record) -> Iterator[str]:
    """The N-Triples lines of `builder.annotation_triples(record)` (about 70 % of a generated graph's triples),
    written straight from the quotes' spans: making their rdflib terms first cost about twice as much (bench/)."""
    oa = _OA
    doc, body = f"<{KG}{record.source.id}>", f"<{KG}{record.id}>"  # nt_term(KG[…]), without making the URIRef
    motivation = _MOTIVATIONS[builder.annotation_motivation(record)]
    for stem, quote, start, end, prefix, suffix in builder.quote_spans(record):
        ann, target, quote_sel, pos_sel = f"<{stem}>", f"<{stem}.target>", f"<{stem}.quote>", f"<{stem}.position>"
        yield f"{ann} {_A} {oa['Annotation']} ."
        yield f"{ann} {oa['motivatedBy']} {motivation} ."
        yield f"{ann} {oa['hasBody']} {body} ."
        yield f"{ann} {oa['hasTarget']} {target} ."
        yield f"{target} {_A} {oa['SpecificResource']} ."
        yield f"{target} {oa['hasSource']} {doc} ."
        yield f"{target} {oa['hasSelector']} {quote_sel} ."
        yield f"{target} {oa['hasSelector']} {pos_sel} ."
        yield f"{quote_sel} {_A} {oa['TextQuoteSelector']} ."
        yield f"{quote_sel} {oa['exact']} {nt_string(quote)} ."
        yield f"{quote_sel} {oa['prefix']} {nt_string(prefix)} ."
        yield f"{quote_sel} {oa['suffix']} {nt_string(suffix)} ."
        yield f"{pos_sel} {_A} {oa['TextPositionSelector']} ."
        yield f'{pos_sel} {oa["start"]} "{start}"{_NON_NEGATIVE} .'
        yield f'{pos_sel} {oa["end"]} "{end}"{_NON_NEGATIVE} .'


def start(ontology_lines: set[str]) -> Loaded:
    """A Loaded whose store holds the ontology (its N-Triples lines), ready for `add_source`."""
    loaded = Loaded(ox.Store(), ontology_lines=ontology_lines)
    loaded.store.load(loaded.ontology_ntriples, format=ox.RdfFormat.N_TRIPLES)
    return loaded


def add_source(loaded: Loaded, source_id: str, lines: set[str], *, loader: StoreLoader | None = None) -> None:
    """Add one source's distinct N-Triples lines to the store (through `loader`, if given: then they are in the
    store once it finished) and the figures."""
    loaded.per_source[source_id] = len(lines)
    loaded.overlap.update(lines & loaded.ontology_lines)
    # Oxigraph stores xsd:positiveInteger etc. as xsd:integer, so the outputs are written from these lines of the
    # generated terms, not from the store. They are kept sorted: the sorted texts of the exports are made from them
    # (Loaded.ntriples, Loaded.union_ntriples); sorting here costs the build nothing, as it waits for the store.
    ordered = sorted(lines)
    text = output.join_lines(ordered)
    if loader is None:
        loaded.store.load(text, format=ox.RdfFormat.N_TRIPLES)
    else:
        loader.load(text)
    loaded.source_lines.append(ordered)
    loaded.data_lines |= lines


def add_derived(loaded: Loaded, lines: set[str]) -> None:
    """Add the derived shortcuts' N-Triples lines (graph.build.derive) to the store and the outputs."""
    loaded.derived_lines = lines
    if lines:
        loaded.store.load(loaded.derived_ntriples, format=ox.RdfFormat.N_TRIPLES)


def _generated(source: Source, index: builder.Index, text_root: Path, *, annotations: bool = True):
    """The triples of one source as the builder generates them (repeats included; `source_triples` is the set);
    without the quotes' annotations if not `annotations` (`annotation_lines` writes them)."""
    yield from builder.document_triples(source, text_root)
    for record in source.records:
        yield from builder.record_triples(record, index, annotations=annotations)


def source_triples(source: Source, index: builder.Index, text_root: Path) -> set:
    """The triples of one source's named graph (a set, as the graph is), generated as build_dataset does."""
    return set(_generated(source, index, text_root))


def data_counts(loaded: Loaded, ontology: Graph) -> tuple[int, Counter]:
    """The number of distinct data triples and the instances per class in them (what pipeline._counts reports)."""
    store = loaded.store
    total = len(store) - len(ontology) + len(loaded.overlap)
    classes: Counter = Counter()
    for row in store.query("SELECT ?c (COUNT(*) AS ?n) WHERE { ?s a ?c FILTER isIRI(?c) } GROUP BY ?c"):
        classes[URIRef(row[0].value)] = int(row[1].value)
    for s, p, o in ontology.triples((None, _RDF_TYPE, None)):
        if isinstance(o, URIRef) and nt_line((s, p, o)) not in loaded.overlap:
            classes[o] -= 1
    return total, +classes


def source_graph(source_id: str) -> URIRef:
    return KG[source_id]
