"""Exports of the built graph in every format people load it into, and the dataset's own VoID/DCAT description.

RDF formats (`ttl`, `nt`, `nq`, `trig`, `jsonld`, `xml`) carry the triples of one part of the build: the ontology,
the data, or all of it (ontology, data and the VoID description). N-Quads and TriG keep one named graph per source
document (its IRI the document's, `kg:<doc-id>`), the ontology in `https://w3id.org/cckg/ontology` and the VoID
description in `https://w3id.org/cckg/void`. Graph formats (`graphml`, `gexf`, `csv`) are written from the networkx
projection (viz.projection.project).

Every output is deterministic (byte-identical whatever the insertion order or PYTHONHASHSEED) and written atomically:
- Turtle is rdflib's longturtle (graph.output.turtle_bytes), the same writer as dist/cckg.ttl;
- N-Triples and N-Quads are written by pyoxigraph (about 50x faster than rdflib) and their lines sorted;
- TriG and RDF/XML are written by pyoxigraph from quads sorted by (graph, subject, predicate, object), so
  subjects stay grouped and the order is fixed;
- JSON-LD is compacted (`Compactor`) with the shipped context (ontology/context.jsonld, read as a dict: never
  fetched), then normalized: @graph sorted by @id, multi-valued arrays sorted (never inside @list), keys sorted.
  The output embeds the context, so it reads offline;
- GEXF has networkx's date stamp (meta/@lastmodifieddate) removed;
- GraphML and GEXF give every edge its own id (e0, e1… in sorted order) and carry the HTML view's drawing
  (viz/drawing.py: colour, size, seeded position), GEXF in its viz namespace, GraphML as node attributes.

On a large build (graph/loading.py) N-Triples, N-Quads, TriG, JSON-LD and the VoID description are made from the
N-Triples lines the build kept per source (pyoxigraph's canonical N-Triples, the same lines as `nt_term` writes),
never from rdflib terms: lines are sorted as bytes (the order of the strings), TriG is parsed and serialized one
graph at a time, JSON-LD is compacted from the lines node by node (`Compactor.nodes_from_lines`) and written by
`_dumps` (json.dumps's text, faster), the VoID counts are counted on the lines (`line_figures`). On the real data
forced onto that path the files are byte for byte those of the reference path (tests/test_export.py). The main
build writes them one at a time (graph.output.AtomicFiles), so that only one is in memory.

The VoID description (https://www.w3.org/TR/void/, https://www.w3.org/TR/vocab-dcat-2/) is computed from the
build: title, licence, version, sources, counts of triples, entities, classes and properties, a class partition
with the instances of each class, one subset per source document with its triple count, the SPARQL endpoint,
example resources and the vocabularies used. It holds no timestamp; the version is the build's.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

from graph.build import output
from graph.errors import UsageError
from graph.namespaces import BASE, DCAT, DCTERMS, KG, ONTOLOGY, OWL, PREFIXES, RDF, RDFS, VOID, XSD
from graph.sources.ontology import ROOT
from graph.namespaces import curie as _curie

#: Format name -> file extension.
FORMATS: dict[str, str] = {
    "ttl": "ttl",
    "nt": "nt",
    "nq": "nq",
    "trig": "trig",
    "jsonld": "jsonld",
    "xml": "rdf",
    "graphml": "graphml",
    "gexf": "gexf",
    "csv": "csv",
}
RDF_FORMATS = ("ttl", "nt", "nq", "trig", "jsonld", "xml")
PARTS = ("all", "ontology", "data")
#: What the main build (`python build.py`) writes besides the core Turtle; the rest on demand with `export`.
BUILD_FORMATS = ("nt", "nq", "trig", "jsonld")

CONTEXT_FILE = ROOT / "ontology" / "context.jsonld"
#: Where the context is published (the JSON-LD output embeds a copy, so nothing is ever fetched).
CONTEXT_IRI = BASE + "context.jsonld"

#: The VoID description: its document (also the named graph that holds it), the dataset and its parts.
VOID_GRAPH = URIRef(BASE + "void")
DATASET = URIRef(BASE + "void#dataset")
#: The local SPARQL endpoint (`python build.py serve`); a placeholder until the dataset has a public one.
SPARQL_ENDPOINT = "http://127.0.0.1:7878/sparql"
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
TITLE = "China–Central Asia Knowledge Graph"
DESCRIPTION = (
    "An open, sourced knowledge graph of the relations between China and the five Central Asian states: who met "
    "whom, in which post and mechanism, and what was proposed, committed, supported or opposed, every statement "
    "traced to the sentence of a source document that says so."
)
#: Resources a newcomer can start from; those the graph holds become void:exampleResource.
EXAMPLES = (KG["wang-yi"], KG["cc5-fm-2020"], KG["china-central-asia"])

GEXF_DATE = re.compile(rb'\s+lastmodifieddate="[^"]*"')
#: GEXF attributes networkx treats specially (dynamics, ids, drawing); never passed through from the projection.
GEXF_RESERVED = {"id", "start", "end", "viz", "pid", "type", "key"}

Triple = tuple


# ---------------------------------------------------------------- the VoID / DCAT description


@dataclass
class Figures:
    """What the VoID description counts, over the union of the ontology and data graphs (each triple once)."""

    triples: int
    entities: int
    subjects: int
    objects: int
    properties: int
    instances: dict  # class (URIRef) -> distinct instances
    vocabularies: list  # namespaces (URIRef) whose terms are used as a predicate or a class
    examples: list  # the EXAMPLES the graph has as subjects, in EXAMPLES order
    sizes: dict  # named graph IRI -> distinct triples


_FOLD_SUBJECT = "urn:cckg:fold:"


def store_folds(literals: Iterable[bytes]) -> dict[bytes, bytes]:
    """Typed literals (distinct canonical N-Triples texts) that the SPARQL store (Oxigraph) keeps as one value:
    each literal of such a group mapped to the text the store gives back for it. Oxigraph stores a literal of a
    type it knows by its value, so `"1"^^xsd:positiveInteger` and `"1"^^xsd:integer` are one term to it (both read
    back as `"1"^^xsd:integer`), and `"5.0"^^xsd:decimal` and `"5"^^xsd:decimal` too; the VoID counts count such
    literals once, as SPARQL does over the export. Empty when no two literals share a value (the usual case)."""
    literals = list(literals)
    if not literals:
        return {}
    store = ox.Store()
    store.load(b"".join(b"<%s%d> <%sv> %s .\n" % (_FOLD_SUBJECT.encode(), i, _FOLD_SUBJECT.encode(), text)
                        for i, text in enumerate(literals)), format=ox.RdfFormat.N_TRIPLES)
    groups: dict[bytes, list[bytes]] = defaultdict(list)
    for quad in store.quads_for_pattern(None, None, None):
        groups[str(quad.object).encode("utf-8")].append(literals[int(quad.subject.value[len(_FOLD_SUBJECT):])])
    return {text: value for value, texts in groups.items() if len(texts) > 1 for text in texts}


_RDF_TYPE = f"<{RDF.type}>".encode()


def line_figures(graphs: list["LineGraph"], whole: Iterable[bytes] | None = None) -> Figures:
    """The VoID figures of graphs held as canonical N-Triples lines (the large path), counted as `figures` counts
    terms: a term is the same term exactly when its N-Triples text is the same. `whole`: their distinct lines, if
    known."""
    if whole is None:
        whole = set()
        for g in graphs:
            whole.update(g.lines)
    subjects, objects, predicates = set(), set(), set()
    members: dict[bytes, set] = defaultdict(set)
    for line in whole:
        s, p, o = line[:-2].split(b" ", 2)
        subjects.add(s)
        predicates.add(p)
        objects.add(o)
        if p == _RDF_TYPE and o[:1] == b"<":
            members[o].add(s)
    n_triples, sizes = len(whole), {g.iri: len(g.lines) for g in graphs}
    fold = store_folds(o for o in objects if o[:1] == b'"' and b'"^^<' in o)
    if fold:  # as `figures`: a literal the store keeps as another's value counts as that one (in triples too)
        objects = {fold.get(o, o) for o in objects}
        n_triples = len(_folded_lines(whole, fold))
        sizes = {g.iri: len(_folded_lines(g.lines, fold)) for g in graphs}
    iri = lambda term: URIRef(term[1:-1].decode("utf-8"))  # noqa: E731
    kg = f"<{KG}".encode()
    used = {iri(p) for p in predicates} | {iri(c) for c in members}
    examples = {f"<{r}>".encode(): r for r in EXAMPLES}
    return Figures(
        triples=n_triples, entities=sum(1 for s in subjects if s.startswith(kg)), subjects=len(subjects),
        objects=len(objects), properties=len(predicates),
        instances={iri(cls): len(found) for cls, found in members.items()},
        vocabularies=vocabularies((None, p, None) for p in used),
        examples=[r for key, r in examples.items() if key in subjects],
        sizes=sizes,
    )


def _folded_lines(lines: Iterable[bytes], fold: dict[bytes, bytes]) -> set[tuple]:
    """N-Triples lines as (subject, predicate, object) with the object folded (`store_folds`)."""
    triples = set()
    for line in lines:
        s, p, o = line[:-2].split(b" ", 2)
        triples.add((s, p, fold.get(o, o)))
    return triples


def void_triples(result, counted: Figures, *, endpoint: str = SPARQL_ENDPOINT) -> list[Triple]:
    """The VoID/DCAT description of a build: counts (`line_figures`) over the union of the ontology and data graphs."""
    triples: list[Triple] = []
    add = triples.append
    add((DATASET, RDF.type, VOID.Dataset))
    add((DATASET, RDF.type, DCAT.Dataset))
    add((DATASET, DCTERMS.title, Literal(TITLE, lang="en")))
    add((DATASET, RDFS.label, Literal(TITLE, lang="en")))
    add((DATASET, DCTERMS.description, Literal(DESCRIPTION, lang="en")))
    add((DATASET, DCTERMS.license, LICENSE))
    add((DATASET, OWL.versionInfo, Literal(result.version)))
    add((DATASET, VOID.uriSpace, Literal(str(KG))))
    add((DATASET, VOID.sparqlEndpoint, URIRef(endpoint)))
    for resource in counted.examples:
        add((DATASET, VOID.exampleResource, resource))
    for vocabulary in counted.vocabularies:
        add((DATASET, VOID.vocabulary, vocabulary))
    add((DATASET, VOID.triples, _count(counted.triples)))
    add((DATASET, VOID.entities, _count(counted.entities)))
    add((DATASET, VOID.distinctSubjects, _count(counted.subjects)))
    add((DATASET, VOID.distinctObjects, _count(counted.objects)))
    add((DATASET, VOID.properties, _count(counted.properties)))
    add((DATASET, VOID.classes, _count(len(counted.instances))))
    for cls, n in sorted(counted.instances.items(), key=lambda kv: str(kv[0])):
        part = URIRef(f"{DATASET}-class-{_slug(cls)}")
        add((DATASET, VOID.classPartition, part))
        add((part, RDF.type, VOID.Dataset))
        add((part, VOID["class"], cls))
        add((part, VOID.entities, _count(n)))
    for graph_iri, title, source, n in subsets(result, counted.sizes):
        part = URIRef(f"{DATASET}-graph-{str(graph_iri).rsplit('/', 1)[-1]}")
        add((DATASET, VOID.subset, part))
        if graph_iri != ONTOLOGY:
            add((DATASET, DCTERMS.source, source))
        add((part, RDF.type, VOID.Dataset))
        add((part, DCTERMS.title, Literal(title, lang="en")))
        add((part, DCTERMS.source, source))
        add((part, VOID.triples, _count(n)))
    return triples


def subsets(result, sizes: dict) -> list[tuple[URIRef, str, URIRef, int]]:
    """(named graph, title, its source, triple count) for the ontology and each source document, by graph IRI."""
    titles = {KG[source.id]: f"Statements from “{source.meta['title']}”" for source in result.sources}
    titles[ONTOLOGY] = "The ontology"
    return [(iri, titles[iri], iri, n) for iri, n in sorted(sizes.items(), key=lambda kv: str(kv[0]))]


def vocabularies(triples: Iterable[Triple]) -> list[URIRef]:
    """The namespaces of the fixed prefix table whose terms are used as a predicate or a class."""
    used = set()
    for _, p, o in triples:
        used.add(str(p))
        if p == RDF.type:
            used.add(str(o))
    ours = {PREFIXES[name] for name in ("kg", "topic", "level")}
    found = {ns for ns in PREFIXES.values() if ns not in ours and any(term.startswith(ns) for term in used)}
    return [URIRef(ns) for ns in sorted(found)]


def _count(n: int) -> Literal:
    return Literal(n, datatype=XSD.integer)


def _slug(term: URIRef) -> str:
    curie = _curie(term)
    if curie.startswith("<"):
        return "iri-" + hashlib.sha256(str(term).encode()).hexdigest()[:12]
    return curie.replace(":", "-")


# ---------------------------------------------------------------- the parts of a build as named graphs


@dataclass(frozen=True)
class LineGraph:
    """A named graph as its distinct canonical N-Triples lines (bytes `<s> <p> <o> .`, no newline)."""

    iri: URIRef
    lines: list
    triples: tuple = ()  # the VoID graph's triples as rdflib terms (the VoID graph only)


def line_graphs(result, part: str, *, endpoint: str = SPARQL_ENDPOINT,
                whole: Iterable[bytes] | None = None) -> list[LineGraph]:
    """The named graphs of a part, sorted by IRI, without rdflib terms: the ontology's and each source's N-Triples
    kept by the build (pyoxigraph writes canonical N-Triples, the same lines as `nt_term`), and (part all) the VoID
    graph counted from those lines (`whole`: the distinct lines of the ontology and the sources, if known)."""
    if part not in PARTS:
        raise UsageError(f"unknown part {part!r}: expected one of {', '.join(PARTS)}")
    built = [LineGraph(ONTOLOGY, result.loaded.ontology_ntriples.splitlines())]
    built += [LineGraph(KG[s.id], chunk.splitlines()) for s, chunk in zip(result.sources, result.loaded.ntriples)]
    graphs = [g for g in built if part == "all" or (g.iri == ONTOLOGY) == (part == "ontology")]
    if part == "all":
        void = void_triples(result, line_figures(built, whole), endpoint=endpoint)
        graphs.append(LineGraph(VOID_GRAPH, sorted({_nt_line(t) for t in void}), tuple(void)))
    return sorted(graphs, key=lambda g: str(g.iri))


def _nt_line(triple: Triple) -> bytes:
    s, p, o = triple
    return f"{nt_term(s)} {nt_term(p)} {nt_term(o)} .".encode("utf-8")


class Exporter:
    """Serializes one part of a build to any format, from the N-Triples lines the build kept (`line_graphs`), never
    from rdflib terms; what formats share (the sorted lines) is computed once."""

    def __init__(self, result, *, part: str = "all", endpoint: str = SPARQL_ENDPOINT):
        self.result, self.part, self.endpoint = result, part, endpoint
        if part not in PARTS:
            raise UsageError(f"unknown part {part!r}: expected one of {', '.join(PARTS)}")

    @cached_property
    def lines(self) -> list[LineGraph]:
        """The part's named graphs as N-Triples lines."""
        whole = None
        if self.part == "all":  # the VoID counts and the single-graph formats read the same distinct lines
            whole = set(self.result.loaded.ontology_ntriples.splitlines())
            for chunk in self.result.loaded.ntriples:
                whole.update(chunk.splitlines())
            self.__dict__["_sorted_lines"] = sorted(whole)
        return line_graphs(self.result, self.part, endpoint=self.endpoint, whole=whole)

    def void_graph_triples(self) -> list[Triple]:
        """The VoID description's triples (part all)."""
        return list(next(g.triples for g in self.lines if g.iri == VOID_GRAPH))

    @cached_property
    def prefixes(self) -> dict[str, str]:
        """The fixed prefix table, cut to the namespaces the part uses (in the table's order)."""
        wanted = {p: f"<{ns}".encode() for p, ns in PREFIXES.items()}
        found = set()
        for graph in self.lines:
            text = b"\n".join(graph.lines)
            found.update(p for p, key in wanted.items() if p not in found and key in text)
        return {p: ns for p, ns in PREFIXES.items() if p in found}

    # -- made when asked for, not kept (they are large)

    def _line_nquads(self) -> list[bytes]:
        """The N-Quads file's lines: every graph's lines with the graph's name, sorted (the lines of `nquads`)."""
        lines = []
        for graph in self.lines:
            name = f"<{graph.iri}> .\n".encode()
            lines += [line[:-1] + name for line in graph.lines]
        lines.sort()
        return lines

    def _line_ntriples(self) -> list[bytes]:
        """The distinct N-Triples lines of the single-graph formats (VoID left out), sorted (no newline). The list
        holds the lines of `lines`, not copies, so it is kept for the formats that read it (nt, jsonld)."""
        found = self.__dict__.get("_sorted_lines")
        if found is None:
            lines: set[bytes] = set()
            for graph in self.lines:
                if graph.iri != VOID_GRAPH:
                    lines.update(graph.lines)
            found = self.__dict__["_sorted_lines"] = sorted(lines)
        return found

    def _line_quads(self) -> Iterable[ox.Quad]:
        """Every quad, by graph IRI then by line: the order of `quads`, one graph parsed at a time."""
        for graph in self.lines:  # sorted by IRI; within a graph, sorted N-Triples lines sort as their N-Quads
            name = f"<{graph.iri}> .\n".encode()
            yield from ox.parse(b"".join(line[:-1] + name for line in sorted(graph.lines)),
                                format=ox.RdfFormat.N_QUADS)

    @cached_property
    def projection(self):
        from graph.network.projection import project

        from graph.store.engines import StoreGraph

        if self.part == "all":  # read from the build's store (ontology + data), not rdflib
            return project(StoreGraph(self.result.loaded.store))
        store = ox.Store()  # the part's triples (VoID left out)
        store.load(b"\n".join([*self._line_ntriples(), b""]), format=ox.RdfFormat.N_TRIPLES)
        return project(StoreGraph(store))

    # -- the formats

    def to_bytes(self, fmt: str) -> dict[str, bytes]:
        """The files of one format: {suffix: content}; the suffix is "" except for csv ("nodes", "edges")."""
        return {suffix: content if isinstance(content, bytes) else b"".join(content)
                for suffix, content in self.to_pieces(fmt).items()}

    def to_pieces(self, fmt: str) -> dict[str, bytes | Iterable[bytes]]:
        """`to_bytes`, except that a large file may come as pieces of bytes to write one after another (N-Triples,
        N-Quads and JSON-LD), so that it is never joined in memory."""
        if fmt not in FORMATS:
            raise UsageError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
        return getattr(self, f"_{fmt}")()

    def _ttl(self) -> dict[str, bytes]:
        from graph.build.loading import sorted_turtle_bytes  # the writer of dist/cckg.ttl

        return {"": sorted_turtle_bytes(self._line_ntriples(), presorted=True)}

    def _nt(self) -> dict[str, bytes]:
        return {"": (line + b"\n" for line in self._line_ntriples())}

    def _nq(self) -> dict[str, bytes]:
        return {"": self._line_nquads()}  # pieces: the sorted lines

    def _trig(self) -> dict[str, bytes]:
        body = ox.serialize(self._line_quads(), format=ox.RdfFormat.TRIG, prefixes=self.prefixes)
        return {"": output.HEADER.encode("utf-8") + body}

    def _xml(self) -> dict[str, bytes]:
        text = b"\n".join([*self._line_ntriples(), b""])
        triples = ox.parse(text, format=ox.RdfFormat.N_TRIPLES)
        return {"": ox.serialize(triples, format=ox.RdfFormat.RDF_XML, prefixes=self.prefixes)}

    def _jsonld(self) -> dict[str, bytes]:
        context = load_context()  # compacted from the N-Triples lines, one node at a time: no rdflib terms
        nodes = sorted((node["@id"], _dumps(node, "    ").encode("utf-8"))
                       for node in Compactor(context).nodes_from_lines(self._line_ntriples()))
        return {"": _jsonld_pieces(context, [text for _, text in nodes])}

    def _graphml(self) -> dict[str, bytes]:
        """GraphML with the view's drawing as node attributes (x, y, size, color) for yEd's and Gephi's mappers."""
        import networkx as nx

        graph = _portable(self.projection)
        for node, drawn in drawing(self.projection).items():
            graph.nodes[node].update(drawn)
        buffer = io.BytesIO()
        nx.write_graphml(graph, buffer, encoding="utf-8", prettyprint=True)
        return {"": buffer.getvalue()}

    def _gexf(self) -> dict[str, bytes]:
        """GEXF 1.2 with the view's drawing in the `viz` namespace (viz:color, viz:size, viz:position), which Gephi
        shows as it opens the file. y is negated: the view's y axis points down, Gephi's up."""
        import networkx as nx

        from graph.network.drawing import rgb

        graph = _portable(self.projection, reserved=GEXF_RESERVED)
        for node, drawn in drawing(self.projection).items():
            r, g, b = rgb(drawn["color"])
            viz = {"color": {"r": r, "g": g, "b": b, "a": 1.0}, "size": drawn["size"]}
            if "x" in drawn:
                viz["position"] = {"x": drawn["x"], "y": -drawn["y"] + 0.0, "z": 0.0}
            graph.nodes[node]["viz"] = viz
        for u, v, key in graph.edges(keys=True):
            graph.edges[u, v, key]["id"] = key
        text = "\n".join(nx.generate_gexf(graph, encoding="utf-8", prettyprint=True)) + "\n"
        return {"": GEXF_DATE.sub(b"", text.encode("utf-8"))}

    def _csv(self) -> dict[str, bytes]:
        return {"nodes": nodes_csv(self.projection), "edges": edges_csv(self.projection)}


# Canonical N-Triples (https://www.w3.org/TR/n-triples/#canonical-ntriples): ", \, LF and CR as ECHAR, the other
# control characters as UCHAR, everything else as itself.
_ESCAPES = {0x22: '\\"', 0x5C: "\\\\", 0x0A: "\\n", 0x0D: "\\r"}
_ESCAPES.update({c: f"\\u{c:04X}" for c in [*range(0x20), 0x7F] if c not in _ESCAPES})
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f]')
_XSD_STRING = str(XSD.string)


def nt_term(term) -> str:
    """One term in canonical N-Triples syntax."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        text = str(term)
        if _NEEDS_ESCAPE.search(text):
            text = text.translate(_ESCAPES)
        if term.language:
            return f'"{text}"@{term.language}'
        if term.datatype and str(term.datatype) != _XSD_STRING:
            return f'"{text}"^^<{term.datatype}>'
        return f'"{text}"'
    if isinstance(term, BNode):
        return f"_:{term}"
    raise TypeError(f"not an RDF term: {term!r}")


# ---------------------------------------------------------------- JSON-LD


def load_context(path: Path = CONTEXT_FILE) -> dict:
    """The shipped JSON-LD context (the value of its "@context")."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)["@context"]


class Compactor:
    """Compacts flat RDF (IRIs and literals; no lists, no blank nodes) with a JSON-LD 1.0 context of terms and
    prefixes: each predicate by its term (else a compact IRI), @id-typed terms with bare IRI strings, literals in
    the context's default language as plain strings."""

    def __init__(self, context: dict):
        self.language = context.get("@language")
        self.prefixes = sorted(
            ((ns, name) for name, ns in context.items() if isinstance(ns, str) and ns.endswith(("/", "#"))),
            key=lambda kv: -len(kv[0]),
        )
        self._by_ns: dict[str, str] = {}
        for ns, name in self.prefixes:  # the first of the longest-first order, as the scan of `prefixes` finds it
            self._by_ns.setdefault(ns, name)
        self._compacted: dict[str, str] = {}
        self.terms: dict[str, tuple[str, bool]] = {}  # IRI -> (term, values are IRIs)
        for name, value in sorted(context.items()):
            if name.startswith("@") or (isinstance(value, str) and value.endswith(("/", "#"))):
                continue
            iri = self.expand(value["@id"] if isinstance(value, dict) else value)
            coerced = isinstance(value, dict) and value.get("@type") == "@id"
            self.terms.setdefault(iri, (name, coerced))

    def expand(self, value: str) -> str:
        prefix, _, local = value.partition(":")
        for ns, name in self.prefixes:
            if name == prefix:
                return ns + local
        return value

    def compact_iri(self, iri: str) -> str:
        """prefix:local for the longest matching prefix, else the IRI itself (remembered: IRIs recur)."""
        found = self._compacted.get(iri)
        if found is None:
            found = self._compacted[iri] = self._compact(iri)
        return found

    def _compact(self, iri: str) -> str:
        # Every prefix ends with / or #: the candidates are the IRI cut after each / or #, longest first.
        by_ns = self._by_ns
        end = len(iri) - 1  # a prefix must leave a non-empty local part
        while end > 0:
            cut = max(iri.rfind("/", 0, end), iri.rfind("#", 0, end))
            if cut < 0:
                break
            name = by_ns.get(iri[: cut + 1])
            if name is not None and not iri[cut + 1:].startswith("//"):
                return f"{name}:{iri[cut + 1:]}"
            end = cut
        return iri

    def type_name(self, iri: str) -> str:
        term = self.terms.get(iri)
        return term[0] if term and not term[1] and term[0][:1].isupper() else self.compact_iri(iri)

    def value(self, obj, coerced: bool):
        """The compacted value of an object given as ("iri", IRI) | ("bnode", id) | ("literal", text, language,
        datatype IRI or None)."""
        kind = obj[0]
        if kind == "iri":
            return self.compact_iri(obj[1]) if coerced else {"@id": self.compact_iri(obj[1])}
        if kind == "bnode":
            return f"_:{obj[1]}" if coerced else {"@id": f"_:{obj[1]}"}
        _, text, language, datatype = obj
        if language:
            if language == self.language and not coerced:
                return text
            return {"@language": language, "@value": text}
        if datatype and datatype != _XSD_STRING:
            return {"@type": self.compact_iri(datatype), "@value": text}
        return {"@value": text} if self.language or coerced else text

    def nodes(self, triples: Iterable[Triple]) -> list[dict]:
        """The nodes of rdflib triples or of pyoxigraph triples (as `ox.parse` gives them)."""
        by_subject: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        rdf_type = str(RDF.type)
        terms, compact = self.terms, self.compact_iri
        for s, p, o in _plain(triples):
            node = by_subject[compact(s[1]) if s[0] == "iri" else f"_:{s[1]}"]
            if p == rdf_type and o[0] == "iri":
                node["@type"].append(self.type_name(o[1]))
                continue
            found = terms.get(p)
            key, coerced = found if found else (compact(p), False)
            node[key].append(self.value(o, coerced))
        nodes = []
        for subject, properties in by_subject.items():
            node = {"@id": subject}
            for key in sorted(properties):
                values = properties[key]
                if len(values) > 1:
                    values = sorted(_unique(values), key=_json_key)
                node[key] = values[0] if len(values) == 1 else values
            nodes.append(node)
        return sorted(nodes, key=lambda n: n["@id"])


    def nodes_from_lines(self, lines: Iterable[bytes]) -> Iterable[dict]:
        """The nodes of canonical N-Triples lines (bytes `<s> <p> <o> .`, distinct, sorted, so that each subject's
        lines are together), read without an RDF parser, one node at a time and unsorted: the nodes `nodes` gives
        for their terms. Terms recur, so each is compacted once."""
        keys: dict[bytes, tuple[str, bool]] = {}  # predicate -> (key, coerced)
        objects: dict[tuple[bytes, bool], object] = {}  # (IRI object, coerced) -> value
        types: dict[bytes, str] = {}
        rdf_type = f"<{RDF.type}>".encode()
        subject, properties = None, {}
        for line in lines:
            s, p, o = line[:-2].split(b" ", 2)
            if s != subject:
                if subject is not None:
                    yield self._node(subject, properties)
                subject, properties = s, {}
            if p == rdf_type and o[:1] == b"<":
                name = types.get(o)
                if name is None:
                    name = types[o] = self.type_name(o[1:-1].decode("utf-8"))
                properties.setdefault("@type", []).append(name)
                continue
            found = keys.get(p)
            if found is None:
                iri = p[1:-1].decode("utf-8")
                found = keys[p] = self.terms.get(iri) or (self.compact_iri(iri), False)
            key, coerced = found
            if o[:1] == b"<":
                value = objects.get((o, coerced))
                if value is None:
                    value = objects[(o, coerced)] = self.value(("iri", o[1:-1].decode("utf-8")), coerced)
            elif o[:2] == b"_:":
                value = self.value(("bnode", o[2:].decode("utf-8")), coerced)
            else:
                value = self.value(_nt_literal(o), coerced)
            properties.setdefault(key, []).append(value)
        if subject is not None:
            yield self._node(subject, properties)

    def _node(self, subject: bytes, properties: dict[str, list]) -> dict:
        node = {"@id": self.compact_iri(subject[1:-1].decode("utf-8")) if subject[:1] == b"<"
                else subject.decode("utf-8")}
        for key in sorted(properties):
            values = properties[key]
            if len(values) > 1:
                values = sorted(_unique(values), key=_json_key)
            node[key] = values[0] if len(values) == 1 else values
        return node


def _jsonld_pieces(context: dict, nodes: list[bytes]) -> Iterable[bytes]:
    """The text of jsonld_bytes (json.dumps of {"@context", "@graph"} with indent 2) from the nodes' texts (each
    `_dumps(node, "    ")`, in order), piece by piece."""
    yield b'{\n  "@context": ' + _dumps(context, "  ").encode("utf-8") + b',\n  "@graph": '
    if not nodes:
        yield b"[]\n}\n"
        return
    yield b"[\n"
    for i, text in enumerate(nodes):
        yield (b",\n    " if i else b"    ") + text
    yield b"\n  ]\n}\n"


_NT_ESCAPE = re.compile(rb'\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))')
_NT_ECHAR = {b"t": "\t", b"b": "\b", b"n": "\n", b"r": "\r", b"f": "\f", b'"': '"', b"'": "'", b"\\": "\\"}


def _nt_literal(term: bytes) -> tuple:
    """("literal", text, language, datatype) of an N-Triples literal."""
    end = term.rindex(b'"')
    raw, rest = term[1:end], term[end + 1:]
    if b"\\" in raw:
        text = "".join(_unescape_parts(raw))
    else:
        text = raw.decode("utf-8")
    if rest[:1] == b"@":
        return ("literal", text, rest[1:].decode("ascii"), None)
    if rest[:2] == b"^^":
        return ("literal", text, None, rest[3:-1].decode("utf-8"))
    return ("literal", text, None, None)


def _unescape_parts(raw: bytes):
    at = 0
    for match in _NT_ESCAPE.finditer(raw):
        yield raw[at:match.start()].decode("utf-8")
        short, long, char = match.groups()
        yield chr(int(short or long, 16)) if (short or long) else _NT_ECHAR[char]
        at = match.end()
    yield raw[at:].decode("utf-8")


def _plain(triples: Iterable) -> Iterable[tuple]:
    """(subject, predicate IRI, object) with the terms as the plain tuples of Compactor.value, from rdflib triples
    (tuples of terms) or pyoxigraph triples or quads (whose graph is ignored)."""
    for t in triples:
        if isinstance(t, tuple):
            s, p, o = t
            yield _plain_rdflib(s), str(p), _plain_rdflib(o)
        else:  # a pyoxigraph Triple or Quad
            yield _plain_ox(t.subject), t.predicate.value, _plain_ox(t.object)


def _plain_rdflib(term) -> tuple:
    if isinstance(term, URIRef):
        return ("iri", str(term))
    if isinstance(term, BNode):
        return ("bnode", str(term))
    return ("literal", str(term), term.language, str(term.datatype) if term.datatype else None)


def _plain_ox(term) -> tuple:
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value)
    if isinstance(term, ox.BlankNode):
        return ("bnode", term.value)
    return ("literal", term.value, term.language, term.datatype.value)


def jsonld_bytes(triples: Iterable[Triple], *, context: dict | None = None) -> bytes:
    """Compact JSON-LD with the shipped context embedded: nodes sorted by @id, keys and set-valued arrays sorted."""
    context = context if context is not None else load_context()
    document = {"@context": context, "@graph": Compactor(context).nodes(triples)}
    return (_dumps(document) + "\n").encode("utf-8")


def _dumps(value, indent: str = "") -> str:
    """json.dumps(value, indent=2, ensure_ascii=False), the same text, written faster for the document's shape:
    strings by the C encoder, and no generator per value."""
    if type(value) is str:
        return _encode_string(value)
    inner = indent + "  "
    if type(value) is dict:
        if not value:
            return "{}"
        parts = [f"{inner}{_encode_string(k)}: {_dumps(v, inner)}" if type(k) is str else None for k, v in value.items()]
        if None in parts:  # a key that is not a string: json's own rules
            return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + indent)
        return "{\n" + ",\n".join(parts) + "\n" + indent + "}"
    if type(value) is list:
        if not value:
            return "[]"
        return "[\n" + ",\n".join(inner + _dumps(v, inner) for v in value) + "\n" + indent + "]"
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + indent)


def _unique(values: list) -> list:
    seen, kept = set(), []
    for value in values:
        key = _json_key(value)
        if key not in seen:
            seen.add(key)
            kept.append(value)
    return kept


def _json_key(value) -> str:
    if type(value) is str:  # what json.dumps gives for a string, without its overhead
        return _encode_string(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


_encode_string = json.encoder.encode_basestring  # json.dumps(s, ensure_ascii=False) for a str s


# ---------------------------------------------------------------- graph formats


def _portable(projection, *, reserved: frozenset | set = frozenset()):
    """A copy of the projection in sorted order with only scalar attributes of one type per name (GraphML/GEXF).

    Edges get unique ids `e0`, `e1`… in that order (as their key: networkx writes a multigraph edge's key as its
    GraphML id), since the projection's key, the predicate, is shared by many edges (Gephi keeps one edge per id);
    the predicate stays an edge attribute."""
    import networkx as nx

    node_attrs = _scalar_attributes((data for _, data in projection.nodes(data=True)), reserved)
    edge_attrs = _scalar_attributes((data for *_, data in projection.edges(keys=True, data=True)), reserved)
    graph = nx.MultiDiGraph()
    for node in sorted(projection.nodes):
        data = projection.nodes[node]
        graph.add_node(node, **_keep(data, node_attrs))
    edges = sorted(projection.edges(keys=True, data=True), key=lambda e: (e[0], e[1], str(e[2])))
    for i, (u, v, key, data) in enumerate(edges):
        graph.add_edge(u, v, key=f"e{i}", **{"predicate": str(key), **_keep(data, edge_attrs)})
    return graph


#: Above this many nodes the graph exports carry no positions: the seeded layout of tens of thousands of nodes
#: takes minutes (viz/overview.py draws at most this many in the view for the same reason).
LAYOUT_NODE_LIMIT = 2_000


def drawing(projection) -> dict[str, dict]:
    """node -> {x, y, size, color}: what the HTML view draws (viz/drawing.py: the seeded layout, betweenness
    sizes, group colours); without x and y above LAYOUT_NODE_LIMIT nodes."""
    from graph.network.drawing import colour, layout, sizes

    size = sizes(projection)
    positions = layout(projection) if projection.number_of_nodes() <= LAYOUT_NODE_LIMIT else {}
    drawn = {}
    for node, attrs in projection.nodes(data=True):
        entry = {"size": float(size[node]), "color": colour(attrs.get("group", "topic"))}
        if node in positions:
            entry["x"], entry["y"] = (float(c) for c in positions[node])
        drawn[node] = entry
    return drawn


def _scalar_attributes(datas: Iterable[dict], reserved) -> dict[str, type]:
    """name -> the type its values are written as: their own if all share one scalar type, else str."""
    types: dict[str, set] = defaultdict(set)
    for data in datas:
        for name, value in data.items():
            if name not in reserved and value is not None:
                types[name].add(type(value))
    kept = {}
    for name, found in types.items():
        if found <= {str, int, float, bool}:
            kept[name] = next(iter(found)) if len(found) == 1 else str
    return kept


def _keep(data: dict, attrs: dict[str, type]) -> dict:
    return {name: attrs[name](value) for name, value in sorted(data.items()) if name in attrs and value is not None}


NODE_COLUMNS = ("id", "iri", "label", "class", "group", "altLabels")
EDGE_COLUMNS = ("source", "target", "predicate", "label")


def nodes_csv(projection) -> bytes:
    rows = []
    for node in sorted(projection.nodes):
        data = projection.nodes[node]
        rows.append((node, data.get("iri", ""), data.get("label", ""), data.get("cls", ""), data.get("group", ""),
                     data.get("alt_labels", "")))
    return _csv_bytes(NODE_COLUMNS, rows)


def edges_csv(projection) -> bytes:
    rows = sorted(
        (u, v, data.get("predicate", str(key)), data.get("label", ""))
        for u, v, key, data in projection.edges(keys=True, data=True)
    )
    return _csv_bytes(EDGE_COLUMNS, rows)


def _csv_bytes(header: tuple[str, ...], rows: Iterable[tuple]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(("" if v is None else str(v) for v in row) for row in rows)
    return buffer.getvalue().encode("utf-8")


# ---------------------------------------------------------------- files


def default_path(out_dir: Path, fmt: str, part: str) -> Path:
    """dist/cckg[-part].<ext>: the file an export writes unless --out says otherwise."""
    stem = "cckg" if part == "all" else f"cckg-{part}"
    return out_dir / f"{stem}.{FORMATS[fmt]}"


def file_paths(path: Path, files: dict[str, bytes]) -> dict[Path, bytes]:
    """Where each file of a format goes: csv's nodes and edges sit beside PATH as <stem>-nodes.csv, <stem>-edges.csv."""
    placed = {}
    for suffix, content in files.items():
        placed[path if not suffix else path.with_name(f"{path.stem}-{suffix}{path.suffix or '.csv'}")] = content
    return placed


def export(result, fmt: str, *, part: str = "all", out: Path, endpoint: str = SPARQL_ENDPOINT) -> list[Path]:
    """Write one format of one part atomically; returns the files written."""
    files = file_paths(out, Exporter(result, part=part, endpoint=endpoint).to_bytes(fmt))
    output.write_atomically(files)
    return sorted(files)


def write_build_outputs(result, out_dir: Path, *, quiet: bool = True) -> dict[str, Path]:
    """The main build's extra outputs (graph.api.MAIN_WRITERS): the common formats of the whole graph and void.ttl.

    The files are made one at a time and renamed into place together (output.AtomicFiles), so that only one is in
    memory at a time; on a large build they come from the build's N-Triples lines (Exporter). Python's cyclic
    garbage collector is paused meanwhile (graph.pipeline.gc_paused): these are millions of acyclic objects."""
    from graph.build.pipeline import gc_paused

    with gc_paused():
        return _write_build_outputs(result, out_dir, quiet=quiet)


def _write_build_outputs(result, out_dir: Path, *, quiet: bool) -> dict[str, Path]:
    from graph.build.pipeline import Progress

    done = Progress(1, quiet=quiet)(f"exporting {', '.join(BUILD_FORMATS)} and void.ttl")
    exporter = Exporter(result, part="all")
    written: dict[str, Path] = {}
    sizes: list[str] = []
    with output.AtomicFiles() as out:
        for fmt in BUILD_FORMATS:
            for path, content in file_paths(default_path(out_dir, fmt, "all"), exporter.to_pieces(fmt)).items():
                size = out.write(path, content)
                written[fmt] = path
                sizes.append(f"{path.name} ({size // 1024} KiB)")
            content = None
        void_path = out_dir / "void.ttl"
        content = output.turtle_bytes(exporter.void_graph_triples())
        out.write(void_path, content)
        sizes.append(f"{void_path.name} ({len(content) // 1024} KiB)")
        written["void"] = void_path
    done(", ".join(sizes))
    return written
