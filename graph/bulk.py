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
  small path, and is written in about 2 s instead of minutes; ontology.ttl stays longturtle.

The rdflib Dataset of such a build is made only if someone asks for `Build.dataset` (see pipeline.Build).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from . import builder
from .namespaces import KG, PREFIXES
from .output import HEADER
from .sources import Source


class Terms:
    """Converts rdflib terms to pyoxigraph terms, reusing the NamedNode of an IRI already seen."""

    def __init__(self):
        self._iris: dict[str, ox.NamedNode] = {}

    def iri(self, value: str) -> ox.NamedNode:
        node = self._iris.get(value)
        if node is None:
            node = self._iris[value] = ox.NamedNode(value)
        return node

    def term(self, term):
        if isinstance(term, URIRef):
            return self.iri(term)
        if isinstance(term, Literal):
            if term.language:
                return ox.Literal(str(term), language=term.language)
            if term.datatype:
                return ox.Literal(str(term), datatype=self.iri(term.datatype))
            return ox.Literal(str(term))
        if isinstance(term, BNode):
            return ox.BlankNode(str(term))
        raise TypeError(f"not an RDF term: {term!r}")

    def quad(self, triple, graph=None) -> ox.Quad:
        s, p, o = triple
        return ox.Quad(self.term(s), self.iri(p), self.term(o), graph or ox.DefaultGraph())


def store_from_triples(triples: Iterable, terms: Terms | None = None) -> ox.Store:
    """An in-memory store whose default graph holds `triples` (for the check queries of the small path)."""
    terms = terms or Terms()
    store = ox.Store()
    store.extend([terms.quad(t) for t in triples])
    return store


@dataclass
class Loaded:
    """What the large path knows after loading: the store and the figures the small path reads off rdflib graphs."""

    store: ox.Store
    per_source: dict[str, int] = field(default_factory=dict)  # distinct triples in each source's named graph
    used: dict[URIRef, object] = field(default_factory=dict)  # predicate or class -> an example subject
    overlap: set = field(default_factory=set)  # data triples that are also ontology triples
    ntriples: list[bytes] = field(default_factory=list)  # each source's triples as N-Triples, for the outputs
    ontology_ntriples: bytes = b""


def load(sources: list[Source], ontology: Graph, *, text_root: Path) -> Loaded:
    """Generate every source's triples and add them to one store (default graph = ontology + data)."""
    terms = Terms()
    store = ox.Store()
    store.extend([terms.quad(t) for t in ontology])
    loaded = Loaded(store)
    index = builder.Index(sources)
    rdf_type = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    for source in sources:
        triples = source_triples(source, index, text_root)
        loaded.per_source[source.id] = len(triples)
        for s, p, o in triples:
            if p not in loaded.used:
                loaded.used[p] = s
            if p == rdf_type and isinstance(o, URIRef) and o not in loaded.used:
                loaded.used[o] = s
        loaded.overlap.update(t for t in triples if t in ontology)
        quads = [terms.quad(t) for t in triples]
        # Oxigraph stores xsd:positiveInteger etc. as xsd:integer, so the outputs are written from these
        # N-Triples of the generated terms, not from the store.
        loaded.ntriples.append(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
        store.extend(quads)
    loaded.ontology_ntriples = ox.serialize([terms.quad(t) for t in ontology], format=ox.RdfFormat.N_QUADS)
    return loaded


def source_triples(source: Source, index: builder.Index, text_root: Path) -> set:
    """The triples of one source's named graph (a set, as the graph is), generated as build_dataset does."""
    triples = set(builder.document_triples(source, text_root))
    for record in source.records:
        triples.update(builder.record_triples(record, index))
    return triples


def data_counts(loaded: Loaded, ontology: Graph) -> tuple[int, Counter]:
    """The number of distinct data triples and the instances per class in them (what pipeline._counts reports)."""
    store = loaded.store
    total = len(store) - len(ontology) + len(loaded.overlap)
    classes: Counter = Counter()
    for row in store.query("SELECT ?c (COUNT(*) AS ?n) WHERE { ?s a ?c FILTER isIRI(?c) } GROUP BY ?c"):
        classes[URIRef(row[0].value)] = int(row[1].value)
    rdf_type = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    for s, p, o in ontology.triples((None, rdf_type, None)):
        if isinstance(o, URIRef) and (s, p, o) not in loaded.overlap:
            classes[o] -= 1
    return total, +classes


def sorted_turtle_pair(loaded: Loaded, ontology: Graph) -> tuple[bytes, bytes]:
    """cckg.ttl (ontology + data) and data.ttl of the large path, each as `sorted_turtle_bytes`."""
    data = set()
    for chunk in loaded.ntriples:
        data.update(chunk.splitlines())
    onto = set(loaded.ontology_ntriples.splitlines())
    return sorted_turtle_bytes(data | onto), sorted_turtle_bytes(data)


def sorted_turtle_bytes(lines: set[bytes]) -> bytes:
    """Deterministic Turtle: the distinct N-Triples lines sorted (by code point), then serialized by pyoxigraph in
    that order with the fixed prefixes (a subject's triples grouped with `;` and `,`)."""
    ordered = sorted(line for line in lines if line)
    triples = ox.parse(b"\n".join(ordered) + b"\n", format=ox.RdfFormat.N_TRIPLES)
    body = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    # pyoxigraph writes the @prefix lines in hash order (which varies by process): write them in PREFIXES order.
    lines = body.split(b"\n")
    n = next(i for i, line in enumerate(lines) if not line.startswith(b"@prefix "))
    prefixes = sorted(lines[:n], key=lambda line: list(PREFIXES).index(line.split(b" ")[1][:-1].decode()))
    return HEADER.encode("utf-8") + b"\n".join(prefixes + lines[n:])


def source_graph(source_id: str) -> URIRef:
    return KG[source_id]
