"""The VoID/DCAT description of a build (https://www.w3.org/TR/void/, https://www.w3.org/TR/vocab-dcat-2/), counted on
the build's store: title, licence, version, sources, counts of triples, entities, classes and properties,
a class partition, one subset per source document, the SPARQL endpoint, example resources, the vocabularies used.
No timestamp; the version is the build's."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain, repeat
from operator import itemgetter

import pyoxigraph as ox
from rdflib import Literal, URIRef

from graph.build.derive import DERIVED_GRAPH, rules
from graph.namespaces import BASE, DCAT, DCTERMS, KG, ONTOLOGY, OWL, PREFIXES, PROV, RDF, RDFS, VOID, XSD
from graph.namespaces import curie as _curie

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

Triple = tuple


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
_TYPED_LINE = re.compile(r'"\^\^<').search  # an N-Triples line whose object is a typed literal


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


def store_figures(loaded) -> Figures:
    """The VoID figures of a build (graph.build.loading.Loaded), counted by SPARQL on its store, whose default graph
    holds the union of the ontology and data graphs, each triple once and each literal as the store keeps it (as
    SPARQL over the export counts them); each named graph's size from its lines (`graph_sizes`)."""
    store = loaded.store
    # The triples and their distinct objects; the distinct subjects and the kg: IRIs among them, filtered once per
    # subject, not once per triple (with COUNT(DISTINCT ?s) in two scans: 0.3 CPU s more at 1M); the distinct
    # predicates, whose count is the number of rows.
    (row,) = store.query("SELECT (COUNT(*) AS ?t) (COUNT(DISTINCT ?o) AS ?o) { ?s ?p ?o }")
    n_triples, objects = int(row["t"].value), int(row["o"].value)
    (row,) = store.query(f"SELECT (COUNT(*) AS ?s) (SUM(IF(isIRI(?s) && STRSTARTS(STR(?s), \"{KG}\"), 1, 0)) AS ?e) "
                         f"{{ SELECT DISTINCT ?s {{ ?s ?p ?o }} }}")
    subjects, entities = int(row["s"].value), int(row["e"].value)
    instances = {URIRef(r["c"].value): int(r["n"].value) for r in store.query(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) { ?s a ?c FILTER isIRI(?c) } GROUP BY ?c")}
    predicates = {URIRef(r["p"].value) for r in store.query("SELECT DISTINCT ?p { ?s ?p ?o }")}
    used = predicates | set(instances)
    return Figures(
        triples=n_triples, entities=entities, subjects=subjects, objects=objects, properties=len(predicates),
        instances=instances, vocabularies=vocabularies((None, p, None) for p in used),
        examples=[r for r in EXAMPLES  # the default graph (the whole graph), not a validation's inferred graph
                  if next(store.quads_for_pattern(ox.NamedNode(r), None, None, ox.DefaultGraph()), None)],
        sizes=graph_sizes(loaded),
    )


def graph_sizes(loaded) -> dict[URIRef, int]:
    """Named graph IRI -> its distinct triples, counted as SPARQL counts them over the export: the graph's lines,
    less those whose object the store keeps as the same value as another line's (`store_folds`); only lines with a
    typed literal can be such."""
    sizes, typed = {}, {}
    names = [ONTOLOGY, *(KG[source_id] for source_id in loaded.per_source)]
    every = [loaded.ontology_lines, *loaded.source_lines]
    if loaded.derived_lines:  # the derived shortcuts' graph (graph.build.derive)
        names.append(DERIVED_GRAPH)
        every.append(loaded.derived_lines)
    for name, lines in zip(names, every):
        sizes[name] = len(lines)
        typed[name] = list(filter(_TYPED_LINE, lines))
    # The distinct objects of those lines: each line split by str.split in C (its object as `o .`), the end cut once
    # per distinct object; a line is split in Python only where the store folds some literal (half the time at 1M).
    ends = set(map(itemgetter(2), map(str.split, chain.from_iterable(typed.values()), repeat(" "), repeat(2))))
    fold = {o.decode("utf-8"): value for o, value in store_folds({o[:-2].encode("utf-8") for o in ends}).items()}
    if fold:
        for name, found in typed.items():
            hits = [(s, p, fold[o]) for s, p, o in (line[:-2].split(" ", 2) for line in found) if o in fold]
            sizes[name] -= len(hits) - len(set(hits))
    return sizes


def void_triples(result, counted: Figures, *, endpoint: str = SPARQL_ENDPOINT) -> list[Triple]:
    """The VoID/DCAT description of a build: counts (`store_figures`) over the union of the ontology and data graphs."""
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
        if graph_iri not in (ONTOLOGY, DERIVED_GRAPH):  # the source documents
            add((DATASET, DCTERMS.source, source))
        add((part, RDF.type, VOID.Dataset))
        add((part, DCTERMS.title, Literal(title, lang="en")))
        add((part, DCTERMS.source, source))
        add((part, VOID.triples, _count(n)))
        if graph_iri == DERIVED_GRAPH:  # its provenance: the source graphs and the rules it was derived by
            add((part, DCTERMS.description, Literal(DERIVED_DESCRIPTION, lang="en")))
            for source in result.sources:
                add((part, PROV.wasDerivedFrom, KG[source.id]))
    return triples


#: What the VoID description says of the derived graph (graph.build.derive).
DERIVED_DESCRIPTION = (
    "Shortcuts no source states, materialized by the build from the source documents' graphs (ontology module "
    "shortcuts, as Wikidata's truthy statements): each triple is a result of one SPARQL CONSTRUCT rule of the "
    "release's queries/derived/ (" + ", ".join(p.name for p in rules()) + "), and "
    "a check for each rule, queries/checks/<rule>-violation.rq, holds the graph equal to its rules."
)


def subsets(result, sizes: dict) -> list[tuple[URIRef, str, URIRef, int]]:
    """(named graph, title, its source, triple count) for the ontology, each source document and the derived
    shortcuts, by graph IRI."""
    titles = {KG[source.id]: f"Statements from “{source.meta['title']}”" for source in result.sources}
    titles[ONTOLOGY] = "The ontology"
    titles[DERIVED_GRAPH] = "Derived shortcuts (materialized by the build)"
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
