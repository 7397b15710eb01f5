"""Query results independent of the engine, and their serializations: the SPARQL 1.1 result formats (JSON, XML,
CSV, TSV) and a text table for SELECT/ASK; Turtle, N-Triples and JSON-LD for CONSTRUCT/DESCRIBE.

Specifications: https://www.w3.org/TR/sparql11-results-json/, https://www.w3.org/TR/rdf-sparql-XMLres/,
https://www.w3.org/TR/sparql11-results-csv-tsv/. Every serialization is deterministic: rows are sorted unless the
query ordered them, triples always.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import json
import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Literal, URIRef

from graph.namespaces import PREFIXES, XSD
from graph.build.output import fresh_graph
from graph.store.media import GRAPH_FORMATS, SOLUTION_FORMATS  # noqa: F401 - the writers' names

Term = URIRef | BNode | Literal
_LOCAL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")

class RowLimitExceeded(Exception):
    """The result has more rows (or triples) than allowed."""

    def __init__(self, limit: int):
        super().__init__(f"the result has more than {limit} rows; add a LIMIT or narrow the query")
        self.limit = limit


@dataclass
class Result:
    """The answer to one query: solutions (SELECT), a boolean (ASK) or triples (CONSTRUCT/DESCRIBE)."""

    form: str  # select | ask | construct | describe
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[tuple[Term, Term, Term]] = field(default_factory=list)
    normal: bool = False  # every term already as normalize_term gives it (OxigraphStore converts so)

    @property
    def is_graph(self) -> bool:
        return self.form in ("construct", "describe")

    def normalized(self, *, ordered: bool) -> Result:
        """Plain literals for xsd:string, rows sorted unless `ordered`, triples sorted and deduplicated."""
        if self.normal:
            rows, triples = list(self.rows), set(self.triples)
        else:
            rows = [tuple(map(normalize_term, row)) for row in self.rows]
            triples = {tuple(map(normalize_term, triple)) for triple in self.triples}
        if not ordered:
            rows.sort(key=row_key)
        return Result(self.form, list(self.variables), rows, self.boolean, sorted(triples, key=row_key), True)

    def as_set(self) -> object:
        """An order-insensitive, engine-independent value for comparing results (a multiset of rows)."""
        if self.form == "ask":
            return self.boolean
        if self.is_graph:
            return sorted(comparable_key(t) for t in self.triples)
        return sorted(comparable_key(r) for r in self.rows)

    def as_list(self) -> list[tuple[str, ...]]:
        """The rows in their order, engine-independent (for ordered comparisons)."""
        return [comparable_key(r) for r in self.rows]


@contextlib.contextmanager
def collector_paused():
    """Python's cyclic garbage collector off while a result's rows are made (restored after): rows are tuples of
    terms, made by the ten thousand, without cycles, and at 1M triples the collector's passes over them made a whole
    listing's time swing between 46 and 85 ms (35-40 ms without them). Reference counting still frees them."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def normalize_term(term: Term | None) -> Term | None:
    """rdflib writes a plain literal where Oxigraph writes "…"^^xsd:string; use the plain form everywhere. Oxigraph
    writes a whole xsd:decimal without its point ("5"), the sources and rdflib with it ("5.0"): use the latter."""
    if not isinstance(term, Literal) or term.datatype is None:  # IRIs, blank nodes, simple and language literals
        return term
    if term.datatype == _XSD_STRING:
        return Literal(str(term))
    if term.datatype == _XSD_DECIMAL and "." not in str(term):
        text = str(term)
        if text.lstrip("+-").isdigit():
            return Literal(f"{text}.0", datatype=_XSD_DECIMAL)
    return term


_XSD_STRING, _XSD_DECIMAL = XSD.string, XSD.decimal


def row_key(row: tuple) -> tuple[str, ...]:
    return tuple("" if t is None else t.n3() for t in row)


#: Datatypes derived from xsd:integer. Oxigraph stores their values as xsd:integer (a loaded
#: "1"^^xsd:positiveInteger comes back as "1"^^xsd:integer), rdflib keeps them: comparisons fold them.
INTEGER_TYPES = frozenset(XSD[t] for t in (
    "integer", "positiveInteger", "nonNegativeInteger", "negativeInteger", "nonPositiveInteger", "long", "int",
    "short", "byte", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"))


def comparable_key(row: tuple) -> tuple[str, ...]:
    """row_key with integer-derived datatypes folded to xsd:integer and xsd:string to plain literals."""
    out = []
    for term in row:
        term = normalize_term(term)
        if isinstance(term, Literal) and term.datatype in INTEGER_TYPES:
            term = Literal(str(term), datatype=XSD.integer)
        out.append("" if term is None else term.n3())
    return tuple(out)


def serialize(result: Result, fmt: str) -> bytes:
    """The result in `fmt` (a key of SOLUTION_FORMATS or GRAPH_FORMATS)."""
    writers = GRAPH_WRITERS if result.is_graph else SOLUTION_WRITERS
    if fmt not in writers:
        kinds = "CONSTRUCT/DESCRIBE" if result.is_graph else "SELECT/ASK"
        raise ValueError(f"format {fmt!r} does not apply to {kinds} results (use one of {', '.join(writers)})")
    return writers[fmt](result)


def _json_term(term: Term) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype:
        out["datatype"] = str(term.datatype)
    return out


def to_json(result: Result, *, indent: int | None = 1) -> bytes:
    """SPARQL JSON results; `indent=None` writes them on one line (by the json module's C encoder: the endpoint)."""
    if result.form == "ask":
        doc: dict = {"head": {}, "boolean": bool(result.boolean)}
    else:
        bindings = [
            {var: _json_term(term) for var, term in zip(result.variables, row) if term is not None}
            for row in result.rows
        ]
        doc = {"head": {"vars": result.variables}, "results": {"bindings": bindings}}
    separators = (",", ":") if indent is None else None
    return (json.dumps(doc, ensure_ascii=False, indent=indent, separators=separators) + "\n").encode("utf-8")


def _xml_term(term: Term) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{escape(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{escape(str(term))}</bnode>"
    attr = f" xml:lang={quoteattr(term.language)}" if term.language else (
        f" datatype={quoteattr(str(term.datatype))}" if term.datatype else "")
    return f"<literal{attr}>{escape(str(term))}</literal>"


def to_xml(result: Result) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    if result.form == "ask":
        lines += ["  <head/>", f"  <boolean>{'true' if result.boolean else 'false'}</boolean>"]
    else:
        lines.append("  <head>")
        lines += [f"    <variable name={quoteattr(v)}/>" for v in result.variables]
        lines += ["  </head>", "  <results>"]
        for row in result.rows:
            lines.append("    <result>")
            for var, term in zip(result.variables, row):
                if term is not None:
                    lines.append(f"      <binding name={quoteattr(var)}>{_xml_term(term)}</binding>")
            lines.append("    </result>")
        lines.append("  </results>")
    lines.append("</sparql>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def to_csv(result: Result) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if result.form == "ask":
        writer.writerow(["_askResult"])
        writer.writerow(["true" if result.boolean else "false"])
    else:
        writer.writerow(result.variables)
        for row in result.rows:
            writer.writerow([_csv_term(t) for t in row])
    return buffer.getvalue().encode("utf-8")


def _csv_term(term: Term | None) -> str:
    """CSV cells are plain values: the IRI, the literal's lexical form, `_:label` for a blank node, "" unbound (the
    csv module quotes a cell holding a comma, a quote, CR or LF, RFC 4180 style)."""
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


#: Literals TSV may write bare (Turtle's abbreviated numbers and booleans), by datatype: the form they must have.
_TSV_BARE = {
    XSD.integer: re.compile(r"[+-]?[0-9]+"),
    XSD.decimal: re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    XSD.double: re.compile(r"[+-]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)[eE][+-]?[0-9]+"),
    XSD.boolean: re.compile(r"true|false"),
}
_TSV_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _tsv_term(term: Term | None) -> str:
    """A TSV cell: the term in Turtle / N-Triples syntax, a literal on one line (backslash, quote, line feed, carriage
    return and tab escaped); numbers and booleans bare when their lexical form is Turtle's; "" unbound."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    text = str(term)
    bare = _TSV_BARE.get(term.datatype)
    if bare is not None and bare.fullmatch(text):
        return text
    quoted = '"' + "".join(_TSV_ESCAPES.get(c, c) for c in text) + '"'
    if term.language:
        return f"{quoted}@{term.language}"
    if term.datatype and term.datatype != XSD.string:
        return f"{quoted}^^<{term.datatype}>"
    return quoted


def to_tsv(result: Result) -> bytes:
    if result.form == "ask":
        return f"?_askResult\n{'true' if result.boolean else 'false'}\n".encode()
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    lines += ["\t".join(_tsv_term(t) for t in row) for row in result.rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _table_cell(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return curie(term)
    if isinstance(term, Literal) and term.language:
        return f"{term}@{term.language}"
    return str(term).replace("\n", " ")


def curie(iri: URIRef) -> str:
    """prefix:local where one of the graph's prefixes fits and the local part is plain, else <iri>."""
    text = str(iri)
    for prefix, ns in PREFIXES.items():
        if text.startswith(ns) and _LOCAL.fullmatch(text[len(ns):]):
            return f"{prefix}:{text[len(ns):]}"
    return f"<{text}>"


def to_table(result: Result) -> bytes:
    """A plain-text table for the terminal: CURIEs for IRIs, one line per row, then the row count."""
    if result.form == "ask":
        return ("yes\n" if result.boolean else "no\n").encode()
    header = list(result.variables)
    cells = [[_table_cell(t) for t in row] for row in result.rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(header)]
    out = [" | ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(),
           "-+-".join("-" * w for w in widths)]
    out += [" | ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    out.append(f"({len(cells)} row{'' if len(cells) == 1 else 's'})")
    return ("\n".join(out) + "\n").encode("utf-8")


def to_turtle(result: Result) -> bytes:
    graph = fresh_graph(result.triples)
    graph.bind("sd", "http://www.w3.org/ns/sparql-service-description#")
    graph.bind("formats", "http://www.w3.org/ns/formats/")
    return graph.serialize(format="longturtle").encode("utf-8")


def ntriples(triples) -> bytes:
    """Sorted N-Triples (rdflib's writer escapes line breaks, which n3() would keep in long strings)."""
    text = fresh_graph(triples).serialize(format="nt", encoding="utf-8").decode("utf-8")
    lines = sorted({line for line in text.splitlines() if line.strip()})
    return ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8")


def to_ntriples(result: Result) -> bytes:
    return ntriples(result.triples)


def to_jsonld(result: Result) -> bytes:
    """JSON-LD (expanded, with the graph's prefixes as context), nodes sorted by @id and values sorted."""
    doc = json.loads(fresh_graph(result.triples).serialize(format="json-ld", context=dict(PREFIXES)))
    nodes = doc.get("@graph", [doc] if "@id" in doc else [])
    for node in nodes:
        for key, value in node.items():
            if isinstance(value, list):
                node[key] = sorted(value, key=lambda v: json.dumps(v, sort_keys=True))
    nodes.sort(key=lambda n: n.get("@id", ""))
    out = {"@context": dict(PREFIXES), "@graph": [{k: v for k, v in n.items() if k != "@context"} for n in nodes]}
    return (json.dumps(out, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


SOLUTION_WRITERS = {"json": to_json, "xml": to_xml, "csv": to_csv, "tsv": to_tsv, "table": to_table}
GRAPH_WRITERS = {"ttl": to_turtle, "nt": to_ntriples, "jsonld": to_jsonld}
