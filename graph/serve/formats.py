"""What the endpoint writes and how it is chosen: the media types it offers (SPARQL results; Turtle, N-Triples,
RDF/XML, JSON-LD for graphs), content negotiation with q-values, the graph serializations run in the query workers
(RDF/XML and Turtle by Oxigraph's own writers), and gzip for clients that ask for it.

Negotiation follows RFC 9110 §12.5.1: the offered type the Accept header rates highest wins (the most specific range
decides a type's q-value; q=0 refuses it), ties go to our order; a `format=` / `output=` parameter that names a
format of the right kind wins over the header (SPARQLWrapper and Fuseki's clients send one). Nothing acceptable: 406.
"""

from __future__ import annotations

import gzip
import json
import re

from graph.store import results
from graph.namespaces import PREFIXES
from graph.store.results import Result
from graph.store.sparql import SKIP

#: Media types the endpoint writes for SELECT / ASK, in our order of preference: media type -> results format.
SOLUTION_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
#: Media types the endpoint writes for CONSTRUCT / DESCRIBE and graph downloads: media type -> format name.
GRAPH_TYPES = {
    "text/turtle": "ttl",
    "application/x-turtle": "ttl",
    "application/n-triples": "nt",
    "text/plain": "nt",  # N-Triples' old media type (some clients still ask for it)
    "application/rdf+xml": "rdfxml",
    "application/ld+json": "jsonld",
}
#: Graph formats by name -> the media type written (results.GRAPH_FORMATS and RDF/XML).
GRAPH_FORMATS = {**results.GRAPH_FORMATS, "rdfxml": "application/rdf+xml"}
#: Dataset (quads) media types for the whole store: media type -> format name.
DATASET_TYPES = {"application/n-quads": "nq", "application/trig": "trig"}
DATASET_FORMATS = {"nq": "application/n-quads", "trig": "application/trig"}

#: `format=` / `output=` values, by result kind.
SOLUTION_PARAMS = {"json": "json", "srj": "json", "xml": "xml", "srx": "xml", "csv": "csv", "tsv": "tsv"}
GRAPH_PARAMS = {"turtle": "ttl", "ttl": "ttl", "n-triples": "nt", "ntriples": "nt", "nt": "nt", "json-ld": "jsonld",
                "jsonld": "jsonld", "rdf": "rdfxml", "rdfxml": "rdfxml", "rdf+xml": "rdfxml", "xml": "rdfxml"}

#: W3C format IRIs (http://www.w3.org/ns/formats/) of everything the endpoint writes, for the service description.
SD_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
              "Turtle", "N-Triples", "RDF_XML", "JSON-LD", "N-Quads", "TriG")

#: Bodies smaller than this are sent as they are (gzip would save nothing worth the header).
GZIP_MIN = 512


def parse_accept(header: str) -> list[tuple[str, float]]:
    """An Accept (or Accept-Encoding) header as (range, q) pairs, lower-cased; a malformed q counts as 0."""
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = min(max(float(f[2:]), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((fields[0].lower(), q))
    return ranges


def best_match(accept: str, offered: list[str]) -> str | None:
    """The offered media type the Accept header rates highest (q-values, then our order); None if none is."""
    ranges = parse_accept(accept)
    best: tuple[float, int] | None = None
    choice = None
    for index, media in enumerate(offered):
        major = media.split("/")[0]
        matches = [(2 if pattern == media else 1 if pattern == f"{major}/*" else 0, q)
                   for pattern, q in ranges if pattern in (media, f"{major}/*", "*/*")]
        if not matches:
            continue
        q = max(matches)[1]  # the most specific range decides
        if q > 0 and (best is None or (q, -index) > best):
            best, choice = (q, -index), media
    return choice


def negotiate(accept: str | None, offered: dict[str, str], params: dict[str, list[str]] | None = None,
              names: dict[str, str] | None = None) -> tuple[str, str] | None:
    """(media type, format name) for the request: a `format=`/`output=` value of `names` that `offered` writes,
    else the Accept header's best match (no header: our first type); None when nothing offered is acceptable."""
    for key in ("format", "output"):
        for value in (params or {}).get(key, []):
            name = (names or {}).get(value.lower())
            if name in offered.values():
                return next(t for t, n in offered.items() if n == name), name
            if value in offered:  # a media type as the parameter's value
                return value, offered[value]
    media = best_match(accept or "*/*", list(offered))
    return (media, offered[media]) if media else None


def content_type(media: str) -> str:
    """The Content-Type header for a media type: a UTF-8 charset for text formats (JSON's media types have none)."""
    if media.endswith("+json") or media == "application/json" or media == "application/ld+json":
        return media
    return f"{media}; charset=utf-8"


def serialize_graph(result: Result, fmt: str) -> bytes:
    """A CONSTRUCT/DESCRIBE result in `fmt` (a key of GRAPH_FORMATS): RDF/XML and Turtle by Oxigraph's writers
    (the project's prefixes declared), N-Triples and JSON-LD by graph.results. Triples come sorted (normalized)."""
    if fmt not in ("rdfxml", "ttl"):
        return results.serialize(result, fmt)
    import pyoxigraph as ox

    from graph.terms import to_oxigraph

    triples = [ox.Triple(*(to_oxigraph(t) for t in triple)) for triple in result.triples]
    used = {str(t) for triple in result.triples for t in triple}
    prefixes = {p: ns for p, ns in sorted(PREFIXES.items()) if any(u.startswith(ns) for u in used)}
    prefixes.setdefault("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#")
    out = ox.serialize(triples, format=ox.RdfFormat.RDF_XML if fmt == "rdfxml" else ox.RdfFormat.TURTLE,
                       prefixes=prefixes)
    return out if out is not None else b""


def serialize(result: Result, fmt: str) -> bytes:
    """Any result in `fmt`: graph results through serialize_graph, solutions through graph.results (JSON on one
    line: indented, the json module writes it in Python, several times slower)."""
    if result.is_graph:
        return serialize_graph(result, fmt)
    return results.to_json(result, indent=None) if fmt == "json" else results.serialize(result, fmt)


_XSD = "http://www.w3.org/2001/XMLSchema#"
#: ORDER BY as two keywords of graph.store.sparql's scanner (neither part of a longer word, a prefixed name or a
#: variable), braces, and what it skips; the lookahead passes over any other character at once.
_ORDER_SCAN = re.compile(rf"(?=[#\"'<{{}}oO])(?:(?P<skip>{SKIP})|(?P<open>\{{)|(?P<close>\}})"
                         r"|(?P<order>(?<![\w@^:.?$\u00B7-])(?i:order)(?:\s+|\#[^\n]*)+(?i:by)(?![\w:.-])))")


def is_ordered(text: str) -> bool:
    """sparql.inspect(text).ordered (an ORDER BY outside any group: the rows keep the engine's order) for a query
    the engine has parsed, in a third of the time: only what the scanner skips, braces and ORDER BY are matched."""
    depth = 0
    for match in _ORDER_SCAN.finditer(text):
        kind = match.lastgroup
        if kind == "order" and depth == 0:
            return True
        depth += 1 if kind == "open" else -1 if kind == "close" and depth else 0
    return False


def solutions_json(variables: list[str], rows: list[tuple]) -> bytes:
    """SPARQL JSON results of a SELECT whose rows hold the engine's terms (OxigraphStore.query with
    `engine_terms`), in their order: the same bytes as results.to_json(result.normalized(…), indent=None) writes
    for their rdflib terms (an xsd:string literal as a simple one, a whole xsd:decimal with ".0"), without making
    rdflib terms or dictionaries (tests/test_endpoint_formats.py compares the two on every term of the graph)."""
    import pyoxigraph as ox

    quote = json.encoder.encode_basestring  # the json module's C string writer (ensure_ascii=False)
    names = [quote(v) + ":" for v in variables]
    named, blank, literal = ox.NamedNode, ox.BlankNode, ox.Literal
    cells = {}  # term -> its JSON object, for terms that recur in the answer
    out = []
    for row in rows:
        fields = []
        for name, term in zip(names, row):
            if term is None:
                continue
            found = cells.get(term)
            if found is None:
                kind = type(term)
                if kind is named:
                    found = '{"type":"uri","value":' + quote(term.value) + "}"
                elif kind is blank:
                    found = '{"type":"bnode","value":' + quote(term.value) + "}"
                elif kind is literal:
                    found = _json_literal(term, quote)
                else:
                    raise TypeError(f"unsupported term from Oxigraph: {term!r}")
                cells[term] = found
            fields.append(name + found)
        out.append("{" + ",".join(fields) + "}")
    head = ",".join(quote(v) for v in variables)
    return ('{"head":{"vars":[' + head + ']},"results":{"bindings":[' + ",".join(out) + "]}}\n").encode("utf-8")


def _json_literal(term, quote) -> str:
    value, language = term.value, term.language
    if language:
        return '{"type":"literal","value":' + quote(value) + ',"xml:lang":' + quote(language) + "}"
    datatype = term.datatype.value
    if datatype == _XSD + "string":
        return '{"type":"literal","value":' + quote(value) + "}"
    if datatype == _XSD + "decimal" and "." not in value and value.lstrip("+-").isdigit():
        value += ".0"  # as results.normalize_term writes a whole decimal
    return '{"type":"literal","value":' + quote(value) + ',"datatype":' + quote(datatype) + "}"


def wants_gzip(accept_encoding: str | None) -> bool:
    """Whether the client accepts gzip (`gzip` or `*` with q > 0, `identity` alone does not count)."""
    for coding, q in parse_accept(accept_encoding or ""):
        if coding in ("gzip", "x-gzip", "*") and q > 0:
            return True
    return False


def encode(body: bytes, accept_encoding: str | None) -> tuple[bytes, dict[str, str]]:
    """The body as sent and the headers that say how: gzip (deterministic: no timestamp) when the client accepts it
    and the body is worth it; `Vary: Accept-Encoding` either way."""
    if len(body) >= GZIP_MIN and wants_gzip(accept_encoding):
        return gzip.compress(body, compresslevel=6, mtime=0), {"Content-Encoding": "gzip"}
    return body, {}


__all__ = ["DATASET_FORMATS", "DATASET_TYPES", "GRAPH_FORMATS", "GRAPH_PARAMS", "GRAPH_TYPES", "SD_FORMATS",
           "SOLUTION_PARAMS", "SOLUTION_TYPES", "best_match", "content_type", "encode", "is_ordered", "negotiate",
           "serialize", "serialize_graph", "solutions_json", "wants_gzip"]
