"""RDF terms between rdflib (the API for building and reading) and pyoxigraph (the engine): one conversion each way,
shared by every stage."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

_XSD_STRING = ox.NamedNode("http://www.w3.org/2001/XMLSchema#string")


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


def to_oxigraph(term):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def from_oxigraph(term):
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)
    raise TypeError(f"unsupported term from Oxigraph: {term!r}")


def cached_from_oxigraph(*, simple_literals: bool = False):
    """`from_oxigraph` with a memory: each distinct term is converted once (IRIs recur in most triples). With
    `simple_literals`, an xsd:string literal becomes a simple literal, as rdflib's parsers and the build give it."""
    terms: dict = {}

    def convert(term):
        found = terms.get(term)
        if found is None:
            found = from_oxigraph(term)
            if (simple_literals and isinstance(term, ox.Literal) and not term.language
                    and term.datatype == _XSD_STRING):
                found = Literal(term.value)
            terms[term] = found
        return found

    return convert
