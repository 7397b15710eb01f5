"""The IRIs of the graph: our own bases, the reused vocabularies, and the one fixed prefix table of every output."""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import (
    DCAT,
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    QB,
    RDF,
    RDFS,
    SDO,
    SH,
    SKOS,
    TIME,
    VOID,
    XSD,
    DefinedNamespace,
)

from graph._namespace import CCKG

BASE = "https://w3id.org/cckg/"
#: The ontology (umbrella) IRI; modules live under ONTOLOGY + "/module/".
ONTOLOGY = URIRef(BASE + "ontology")
MODULE = Namespace(BASE + "ontology/module/")
#: Every resource of the data: people, countries, meetings, statements, source documents, annotations.
KG = Namespace(BASE + "id/")
#: The topic concept scheme.
TOPIC = Namespace(BASE + "topic/")
#: The partnership-level concept scheme (ontology/partnership-levels.ttl).
LEVEL = Namespace(BASE + "level/")
#: Release IRIs: RELEASES + "<version>/<file>".
RELEASES = BASE + "releases/"
WD = Namespace("http://www.wikidata.org/entity/")


class OA(DefinedNamespace):
    """The W3C Web Annotation vocabulary (https://www.w3.org/TR/annotation-vocab/), the terms this project uses."""

    _fail = True
    _NS = Namespace("http://www.w3.org/ns/oa#")

    Annotation: URIRef
    SpecificResource: URIRef
    TextQuoteSelector: URIRef
    TextPositionSelector: URIRef
    hasBody: URIRef
    hasTarget: URIRef
    hasSource: URIRef
    hasSelector: URIRef
    motivatedBy: URIRef
    describing: URIRef
    identifying: URIRef
    exact: URIRef
    prefix: URIRef
    suffix: URIRef
    start: URIRef
    end: URIRef


#: The prefixes bound in every output, in this order. Nothing else is bound (no ns1, no schema1).
PREFIXES: dict[str, str] = {
    "cckg": str(CCKG),
    "kg": str(KG),
    "topic": str(TOPIC),
    "level": str(LEVEL),
    "dcat": str(DCAT),
    "dcterms": str(DCTERMS),
    "foaf": str(FOAF),
    "oa": str(OA._NS),
    "org": str(ORG),
    "owl": str(OWL),
    "prov": str(PROV),
    "qb": str(QB),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "schema": str(SDO),
    "sh": str(SH),
    "skos": str(SKOS),
    "time": str(TIME),
    "void": str(VOID),
    "wd": str(WD),
    "xsd": str(XSD),
}

#: Reused vocabularies whose terms the data may use: namespace -> closed namespace that lists the terms.
REUSED = {
    str(DCAT): DCAT,
    str(DCTERMS): DCTERMS,
    str(FOAF): FOAF,
    str(OA._NS): OA,
    str(ORG): ORG,
    str(OWL): OWL,
    str(PROV): PROV,
    str(QB): QB,
    str(RDF): RDF,
    str(RDFS): RDFS,
    str(SDO): SDO,
    str(SKOS): SKOS,
    str(TIME): TIME,
    str(VOID): VOID,
    str(XSD): XSD,
}

__all__ = [
    "BASE", "CCKG", "DCAT", "DCTERMS", "FOAF", "KG", "LEVEL", "MODULE", "OA", "ONTOLOGY", "ORG", "OWL", "PREFIXES", "PROV", "QB",
    "RDF", "RDFS", "RELEASES", "REUSED", "SDO", "SH", "SKOS", "TIME", "TOPIC", "VOID", "WD", "XSD",
]


#: namespace -> prefix (the first of PREFIXES for each namespace), for `curie`.
_PREFIX_OF: dict[str, str] = {ns: prefix for prefix, ns in reversed(PREFIXES.items())}
assert all(ns.endswith(("/", "#")) for ns in _PREFIX_OF), "curie splits an IRI at its last / or #"


def curie(term: object) -> str:
    """A term as it is shown in messages and pages: `prefix:local` with the fixed prefix table when the local part has
    no `/` or `#`, else `<IRI>`; a literal as its repr.

    A namespace of the table ends in `/` or `#`, so the one that can match is the text up to its last `/` or `#`: a
    dict lookup instead of a walk through the table (68k calls in the 1,000-node focus view of a 1M build)."""
    text = str(term)
    cut = max(text.rfind("/"), text.rfind("#")) + 1
    prefix = _PREFIX_OF.get(text[:cut]) if cut else None
    if prefix is not None:
        return f"{prefix}:{text[cut:]}"
    return f"<{text}>" if isinstance(term, URIRef) else repr(str(term))
