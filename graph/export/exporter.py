"""Exports of the built graph in every format people load it into, and the dataset's own VoID/DCAT description.

RDF formats (`ttl`, `nt`, `nq`, `trig`, `jsonld`, `xml`) carry the triples of one part of the build: the ontology,
the data, or all of it (ontology, data and the VoID description). N-Quads and TriG keep one named graph per source
document (its IRI the document's, `kg:<doc-id>`), the ontology in `https://w3id.org/cckg/ontology` and the VoID
description in `https://w3id.org/cckg/void`. Graph formats (`graphml`, `gexf`, `csv`) are written from the networkx
projection (viz.projection.project).

Every output is deterministic (byte-identical whatever the insertion order or PYTHONHASHSEED) and written atomically,
from the N-Triples texts the build kept (graph/build/loading.py: one sorted text per named graph, and the sorted text
of every triple once), never from rdflib terms and never line by line in Python where pyoxigraph can do it:
- N-Triples is the build's sorted text of every triple (the text dist/cckg.ttl is written from);
- N-Quads is every quad's line in sorted order, merged from the named graphs' sorted texts (`_nquads`);
- Turtle (the writer of dist/cckg.ttl, graph.build.output.turtle_of_ntriples), TriG and RDF/XML are written by
  pyoxigraph from those texts parsed in that order, so subjects stay grouped and the order is fixed;
- JSON-LD is compacted (`Compactor`) with the shipped context (ontology/context.jsonld, read as a dict: never
  fetched) from the sorted lines node by node, then normalized: @graph sorted by @id, multi-valued arrays sorted
  (never inside @list), keys sorted. The output embeds the context, so it reads offline;
- GEXF has networkx's date stamp (meta/@lastmodifieddate) removed;
- GraphML and GEXF give every edge its own id (e0, e1… in sorted order) and carry the HTML view's drawing
  (viz/drawing.py: colour, size, seeded position), GEXF in its viz namespace, GraphML as node attributes.
The main build writes them one at a time (graph.output.AtomicFiles), so that only one is in memory at a time, but
for a thread beside: while N-Triples and JSON-LD, which need only the sorted text of every triple, are written, it
makes the VoID figures (queries on the store) and the graphs' texts; then N-Quads is written, and TriG (pyoxigraph,
in a child process at scale: graph/build/apart.py) in a thread beside the writers that follow the exports
(`write_engine_outputs`).

The VoID description (https://www.w3.org/TR/void/, https://www.w3.org/TR/vocab-dcat-2/) is computed from the
build: title, licence, version, sources, counts of triples, entities, classes and properties, a class partition
with the instances of each class, one subset per source document with its triple count, the SPARQL endpoint,
example resources and the vocabularies used. It holds no timestamp; the version is the build's.
"""


from __future__ import annotations

import heapq
from concurrent import futures
import io
from collections.abc import Iterable
from itertools import chain
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef

from graph.build import apart, output
from graph.errors import UsageError
from graph.namespaces import PREFIXES
from graph.export.jsonld import Compactor, _jsonld_pieces, load_context
from graph.export.lines import PARTS, graph_texts
from graph.export.networks import GEXF_DATE, GEXF_RESERVED, _portable, drawing, edges_csv, nodes_csv
from graph.export.void import SPARQL_ENDPOINT, VOID_GRAPH, Triple, store_figures, void_triples

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
#: What the main build (`python build.py`) writes besides the core Turtle; the rest on demand with `export`.
BUILD_FORMATS = ("nt", "nq", "trig", "jsonld")
#: Of those, the formats the engine makes alone (pyoxigraph; in a child process at scale, graph.build.apart): the
#: main build makes them last, in a thread beside the writers after the exports (`write_engine_outputs`); first
#: the formats made in Python from the sorted text of every triple alone (TEXT_FORMATS: no graphs, no VoID), then
#: the others (LATER_FORMATS).
ENGINE_FORMATS = ("trig",)
TEXT_FORMATS = ("nt", "jsonld")
LATER_FORMATS = ("nq",)  # the rest, made in Python once the graphs' texts are made


class Exporter:
    """Serializes one part of a build to any format, from the N-Triples texts the build kept (`graph_texts`: one
    sorted text per named graph, and the sorted text of every triple once), never from rdflib terms; the files are
    written by pyoxigraph's serializers, or (N-Triples, N-Quads) are those texts themselves. The texts are parsed
    leniently (IRIs and language tags not checked again): the build's store parsed every line strictly."""

    def __init__(self, result, *, part: str = "all", endpoint: str = SPARQL_ENDPOINT):
        self.result, self.part, self.endpoint = result, part, endpoint
        if part not in PARTS:
            raise UsageError(f"unknown part {part!r}: expected one of {', '.join(PARTS)}")

    @cached_property
    def void(self) -> list[Triple]:
        """The VoID description's triples (counted on the build's store: graph.export.void.store_figures)."""
        return void_triples(self.result, store_figures(self.result.loaded), endpoint=self.endpoint)

    @cached_property
    def graphs(self) -> list[tuple[URIRef, bytes]]:
        """The part's named graphs, sorted by IRI, each as its sorted N-Triples text; part all has the VoID's too."""
        return graph_texts(self.result, self.part, void=self.void if self.part == "all" else None)

    def void_graph_triples(self) -> list[Triple]:
        """The VoID description's triples (part all)."""
        return list(self.void)

    @cached_property
    def prefixes(self) -> dict[str, str]:
        """The fixed prefix table, cut to the namespaces the part uses (in the table's order). Part all's graphs but
        the VoID's hold the lines of the text of every triple once (`_text`), searched instead of them: a quarter
        fewer bytes, an unused namespace's search reading every one."""
        texts = [text for _, text in self.graphs]
        if self.part == "all":
            texts = [self._text(), *(text for iri, text in self.graphs if iri == VOID_GRAPH)]
        return {p: ns for p, ns in PREFIXES.items() if any(f"<{ns}".encode() in text for text in texts)}

    def _text(self) -> bytes:
        """The single-graph formats' triples (VoID left out), each once, as sorted N-Triples (the build's text)."""
        loaded = self.result.loaded
        if self.part == "all":
            return loaded.union_ntriples()
        if self.part == "ontology":
            return loaded.ontology_ntriples
        return output.join_lines(sorted(loaded.data_lines | loaded.derived_lines))  # as data.ttl

    def _nquads(self) -> Iterable[bytes]:
        """The N-Quads text, every line in sorted order (as one sort of all the quads' lines gives it): `_merged`
        of the graphs' sorted N-Triples texts. Sorted as a whole, not graph by graph: a store that loads the
        file in this order answers the listings about twice as fast at 1M (the default graph's triples, copied
        from the named graphs in their order, then lie together by subject; bench/: meeting-participants
        unbound 1.2 s graph by graph, 0.59 s sorted)."""
        return _merged([(f" <{iri}> .\n".encode(), text) for iri, text in self.graphs])

    @cached_property
    def projection(self):
        from graph.network.projection import project

        from graph.store.engines import StoreGraph

        if self.part == "all":  # read from the build's store (ontology + data), not rdflib
            return project(StoreGraph(self.result.loaded.store))
        store = ox.Store()  # the part's triples (VoID left out)
        store.load(self._text(), format=ox.RdfFormat.N_TRIPLES)
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
        return {"": output.turtle_of_ntriples(self._text(), checked=True)}  # the writer of dist/cckg.ttl

    def _nt(self) -> dict[str, bytes]:
        return {"": self._text()}

    def _nq(self) -> dict[str, Iterable[bytes]]:
        return {"": self._nquads()}  # pieces: one graph at a time

    def _trig(self) -> dict[str, bytes]:
        header = output.HEADER.encode("utf-8")
        if sum(len(text) for _, text in self.graphs) >= apart.APART_BYTES:  # in a child process (graph.build.apart)
            for iri, text in self.graphs:
                if iri == VOID_GRAPH:  # VoID's lines are checked here, the build's were parsed strictly already
                    for _ in ox.parse(_named(iri, text), format=ox.RdfFormat.N_QUADS):
                        pass
            pieces = (_named(iri, text) for iri, text in self.graphs)
            return {"": header + apart.serialize(pieces, source="N_QUADS", target="TRIG", prefixes=self.prefixes,
                                                 lenient=True)}
        quads = chain.from_iterable(ox.parse(_named(iri, text), format=ox.RdfFormat.N_QUADS,
                                             lenient=iri != VOID_GRAPH)  # VoID's lines are checked here
                                    for iri, text in self.graphs)
        return {"": header + ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=self.prefixes)}

    def _xml(self) -> dict[str, bytes]:
        triples = ox.parse(self._text(), format=ox.RdfFormat.N_TRIPLES, lenient=True)
        return {"": ox.serialize(triples, format=ox.RdfFormat.RDF_XML, prefixes=self.prefixes)}

    def _jsonld(self) -> dict[str, Iterable[bytes]]:
        context = load_context()  # compacted from the N-Triples lines, one node at a time: no rdflib terms
        nodes = sorted(Compactor(context).node_texts_from_lines(output.chunked_lines(self._text())))
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


def _merged(graphs: list[tuple[bytes, bytes]], piece: int = 1 << 22) -> Iterable[bytes]:
    """The sorted N-Quads lines of `graphs` (each its name as ` <g> .\n` and its sorted N-Triples text), in pieces of
    about `piece` bytes. A triple's line sorts as its quad's does (the graph name comes after the object, and the
    character after any object is the same space), and the graphs that hold one triple follow in the order of
    their names as the quads' lines end (` <g> .\n`). The texts are merged run by run, not line by line: the
    graph whose next line comes first gives every line up to the next line of another graph (`_run_end`; at 1M,
    115,000 runs for 947,000 lines, two thirds of them in runs of 64 lines or more), copied as one slice with its
    name put in (`bytes.replace`, as `_named`)."""
    rank = {name: i for i, name in enumerate(sorted(name for name, _ in graphs))}
    heap = []  # (next line, its graph's rank, graph, where the line starts, where it ends)
    for index, (name, text) in enumerate(graphs):
        if text:
            end = text.index(b"\n") + 1
            heap.append((text[:end], rank[name], index, 0, end))
    heapq.heapify(heap)
    pieces, size = [], 0
    while heap:
        _, _, index, start, end = heap[0]
        name, text = graphs[index]
        if len(heap) == 1:
            end = len(text)
            heapq.heappop(heap)
        else:  # the run: the lines that come before the least next line of the other graphs
            bound = heap[1] if len(heap) == 2 or heap[1] < heap[2] else heap[2]
            end = _run_end(text, end, bound[0], rank[name] < bound[1])
            if end < len(text):
                cut = text.index(b"\n", end) + 1
                heapq.heapreplace(heap, (text[end:cut], rank[name], index, end, cut))
            else:
                heapq.heappop(heap)
        pieces.append(text[start:end].replace(b" .\n", name))
        size += end - start
        if size >= piece:
            yield b"".join(pieces)
            pieces, size = [], 0
    if pieces:
        yield b"".join(pieces)


def _run_end(text: bytes, start: int, bound: bytes, tie: bool) -> int:
    """Where the first line of a sorted N-Triples `text` from `start` (a line's start) that does not come before
    `bound` starts (len(text) if none): the lines before come before it, and so does a line equal to it if `tie`.
    Found by galloping then halving over the bytes, a line read at each probe: runs are short or long."""
    low, high, step, last = start, len(text), 512, len(text)
    while low + step < last:  # galloping: every line before a line that comes before `bound` does too
        probe = text.rfind(b"\n", low, low + step) + 1
        if probe <= low:  # no line starts in the step: a longer one
            step *= 2
            continue
        cut = text.index(b"\n", probe) + 1
        line = text[probe:cut]
        if line < bound or (tie and line == bound):
            low, step = cut, step * 2
        else:
            high = probe
            break
    while low < high:
        found = text.rfind(b"\n", low, (low + high) // 2)
        probe = found + 1 if found >= 0 else low  # the start of the line holding the middle byte
        cut = text.index(b"\n", probe) + 1
        line = text[probe:cut]
        if line < bound or (tie and line == bound):
            low = cut
        else:
            high = probe
    return low


def _named(iri: URIRef, text: bytes) -> bytes:
    """N-Triples text as N-Quads of the graph `iri`: its name put before each line's final dot."""
    return text.replace(b" .\n", f" <{iri}> .\n".encode())


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
    """The main build's extra outputs: the common formats of the whole graph and void.ttl (`write_text_outputs`,
    then `write_engine_outputs`; graph.api.MAIN_WRITERS lists the two, to run the second beside the writers after
    it)."""
    return {**write_text_outputs(result, out_dir, quiet=quiet), **write_engine_outputs(result, out_dir, quiet=quiet)}


def write_text_outputs(result, out_dir: Path, *, quiet: bool = True) -> dict[str, Path]:
    """The main build's extra outputs made in Python (graph.api.MAIN_WRITERS): the common formats of the whole
    graph but the engine's (TEXT_FORMATS, LATER_FORMATS) and void.ttl.

    The files are made one at a time and renamed into place together (output.AtomicFiles), so that only one is in
    memory at a time (and the thread's: `_beside`); on a large build they come from the build's
    N-Triples lines (Exporter). Python's cyclic garbage collector is paused meanwhile (graph.pipeline.gc_paused):
    these are millions of acyclic objects."""
    from graph.build.pipeline import gc_paused

    with gc_paused():
        return _write_text_outputs(result, out_dir, quiet=quiet)


write_text_outputs.reads_default_graph_only = True  # (store_figures): pipeline.write_outputs need not wait


def _write_text_outputs(result, out_dir: Path, *, quiet: bool) -> dict[str, Path]:
    from graph.build.pipeline import Progress

    done = Progress(1, quiet=quiet)(f"exporting {', '.join(TEXT_FORMATS + LATER_FORMATS)} and void.ttl")
    exporter = Exporter(result, part="all")
    paths = {fmt: default_path(out_dir, fmt, "all") for fmt in BUILD_FORMATS}
    sizes: dict[str, int] = {}
    with output.AtomicFiles() as out:
        # A thread makes the VoID figures (queries on the store), the named graphs' texts and the prefixes while
        # this one writes the formats made from the sorted text of every triple alone (N-Triples, JSON-LD); then
        # this one writes the others (N-Quads). The engine's formats (TriG) are written by `write_engine_outputs`,
        # in a thread beside the writers that follow (pipeline.write_outputs): it is handed this exporter, whose
        # graphs' texts it reads. TriG after JSON-LD: the two at once raised the main job's peak at 1M above its
        # bound (1,551 MB measured).
        def described() -> dict:
            _ = exporter.prefixes
            return {}

        sizes.update(_beside(described, out, paths, TEXT_FORMATS, exporter))
        sizes.update({fmt: out.write(paths[fmt], exporter.to_pieces(fmt)[""]) for fmt in LATER_FORMATS})
        paths["void"] = out_dir / "void.ttl"
        sizes["void"] = out.write(paths["void"], output.turtle_bytes(exporter.void))
    result._export_engine_formats = exporter  # for write_engine_outputs
    output.release_freed_memory()  # what the formats freed in the heap
    done(", ".join(f"{paths[fmt].name} ({sizes[fmt] // 1024} KiB)" for fmt in (*TEXT_FORMATS, *LATER_FORMATS, "void")))
    return {fmt: paths[fmt] for fmt in (*TEXT_FORMATS, *LATER_FORMATS, "void")}


def write_engine_outputs(result, out_dir: Path, *, quiet: bool = True) -> dict[str, Path]:
    """The main build's formats made by the engine alone (ENGINE_FORMATS: TriG), from the named graphs' texts of
    the exporter `write_text_outputs` used (graph.api.MAIN_WRITERS, after it). pyoxigraph parses and serializes
    them in a child process (graph/build/apart.py: in a thread it would take the GIL once a quad), so
    pipeline.write_outputs runs this writer in a thread beside the writers after it (the full-text index, the view,
    the pages), whose Python work then has the other core. Made after `write_text_outputs`, with its exporter when
    it is handed one (the VoID and the graphs' texts made once)."""
    from graph.build.pipeline import Progress

    done = Progress(1, quiet=quiet)(f"exporting {', '.join(ENGINE_FORMATS)}")
    exporter = vars(result).pop("_export_engine_formats", None) or Exporter(result, part="all")
    paths = {fmt: default_path(out_dir, fmt, "all") for fmt in ENGINE_FORMATS}
    with output.AtomicFiles() as out:
        sizes = {fmt: out.write(paths[fmt], exporter.to_pieces(fmt)[""]) for fmt in ENGINE_FORMATS}
    output.release_freed_memory()
    done(", ".join(f"{paths[fmt].name} ({sizes[fmt] // 1024} KiB)" for fmt in ENGINE_FORMATS))
    return paths


write_engine_outputs.reads_default_graph_only = True  # the build's texts only
write_engine_outputs.runs_beside = True


def _beside(work, out: output.AtomicFiles, paths: dict[str, Path], formats, exporter: Exporter) -> dict[str, int]:
    """`work()` run in a thread while `formats` are written here; the sizes written and `work`'s (a dict of sizes),
    once both are done (on an error too, the thread is waited for: its files are removed only once it stopped)."""
    thread = output.in_thread("cckg-export", work)
    try:
        sizes = {fmt: out.write(paths[fmt], exporter.to_pieces(fmt)[""]) for fmt in formats}
    finally:
        futures.wait([thread])
    return {**sizes, **thread.result()}
