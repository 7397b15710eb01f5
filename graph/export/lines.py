"""The parts of a build as named graphs of canonical N-Triples texts (the ontology's, each source document's and the
VoID description's), and canonical N-Triples terms (https://www.w3.org/TR/n-triples/#canonical-ntriples)."""

from __future__ import annotations

import re

from rdflib import BNode, Literal, URIRef

from graph.errors import UsageError
from graph.namespaces import KG, ONTOLOGY, XSD
from graph.build.derive import DERIVED_GRAPH
from graph.export.void import VOID_GRAPH, Triple

#: The parts of a build an export carries: all (ontology, data and VoID), the ontology alone, the data alone.
PARTS = ("all", "ontology", "data")


def graph_texts(result, part: str, *, void: list[Triple] | None = None) -> list[tuple[URIRef, bytes]]:
    """The named graphs of a part, sorted by IRI, each as its sorted N-Triples text, without rdflib terms: the
    ontology's, each source's and the derived shortcuts' as the build kept them (pyoxigraph writes canonical N-Triples, the same lines as
    `nt_term`), and the `void` triples (part all: the VoID description) in the VoID graph."""
    if part not in PARTS:
        raise UsageError(f"unknown part {part!r}: expected one of {', '.join(PARTS)}")
    loaded = result.loaded
    built = [(ONTOLOGY, loaded.ontology_ntriples)]
    built += [(KG[source_id], text) for source_id, text in zip(loaded.per_source, loaded.ntriples)]
    if loaded.derived_lines:  # the derived shortcuts (graph.build.derive): data, in their own graph
        built.append((DERIVED_GRAPH, loaded.derived_ntriples))
    graphs = [g for g in built if part == "all" or (g[0] == ONTOLOGY) == (part == "ontology")]
    if void is not None:
        graphs.append((VOID_GRAPH, b"".join(line + b"\n" for line in sorted({_nt_line(t) for t in void}))))
    return sorted(graphs, key=lambda g: str(g[0]))


def _nt_line(triple: Triple) -> bytes:
    s, p, o = triple
    return f"{nt_term(s)} {nt_term(p)} {nt_term(o)} .".encode("utf-8")



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
