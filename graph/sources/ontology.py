"""The ontology: its modules on disk, loading them, the released ontology (one merged, version-stamped ontology),
and generating the closed namespace.

On disk the ontology is modular: the umbrella `ontology/cckg.ttl` imports one module per concern, and
`ontology/catalog-v001.xml` maps each module IRI to its file, so that Protégé and the OWL API open the umbrella
offline with all its modules. The build releases it as ONE ontology (`release`): the modules' axioms under the
umbrella's single header, which carries the version (owl:versionIRI, owl:versionInfo); each term keeps
rdfs:isDefinedBy its module. That is dist/ontology.ttl, the ontology graph of every export, and what the data is
validated with."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from graph.errors import InvalidData, Problem, UsageError
from graph.paths import ONTOLOGY_DIR, ROOT  # noqa: F401 - ROOT holds ontology/ and queries/ (checkout or package data)

UMBRELLA = "cckg.ttl"
CATALOG = "catalog-v001.xml"
TERMS_NS = "https://w3id.org/cckg/ontology/"
ONTOLOGY_IRI = URIRef("https://w3id.org/cckg/ontology")


def module_files(ontology_dir: Path = ONTOLOGY_DIR) -> list[Path]:
    """The umbrella and every module, in file-name order (shapes live in a subfolder and are not modules)."""
    files = sorted(ontology_dir.glob("*.ttl"))
    if not files:
        raise UsageError(f"{ontology_dir}: no ontology modules (*.ttl)")
    return files


def load_ontology(ontology_dir: Path = ONTOLOGY_DIR) -> Graph:
    """Parse every module into one graph and check that the umbrella imports exactly the modules present."""
    graph = Graph(bind_namespaces="none")
    problems: list[Problem] = []
    declared: dict[URIRef, str] = {}
    defined_by: list[tuple[str, URIRef, URIRef]] = []  # (file, term, its rdfs:isDefinedBy)
    for path in module_files(ontology_dir):
        shown = _shown(path)
        part = Graph(bind_namespaces="none")
        try:
            part.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises several parser exception types
            problems.append(Problem(shown, _line_of(exc), "", f"invalid Turtle: {exc}"))
            continue
        for iri in part.subjects(RDF.type, OWL.Ontology):
            declared[iri] = shown
        for term, module in part.subject_objects(RDFS.isDefinedBy):
            defined_by.append((shown, term, module))
        graph += part
    if problems:
        raise InvalidData(problems)
    imported = set(graph.objects(ONTOLOGY_IRI, OWL.imports))
    umbrella = _shown(ontology_dir / UMBRELLA)
    for iri, shown in sorted(declared.items()):
        if iri != ONTOLOGY_IRI and iri not in imported:
            problems.append(Problem(shown, 0, "owl:Ontology", f"module {iri} is not imported by {umbrella}"))
    for iri in sorted(imported - set(declared)):
        problems.append(Problem(umbrella, 0, "owl:imports", f"imports {iri}, which no module declares"))
    if ONTOLOGY_IRI not in declared:
        problems.append(Problem(umbrella, 0, "owl:Ontology", f"no owl:Ontology {ONTOLOGY_IRI}"))
    for shown, term, module in sorted(defined_by):
        if module not in declared:
            problems.append(Problem(shown, 0, str(term), f"rdfs:isDefinedBy {module}, which is not one of the modules"))
    if problems:
        raise InvalidData(problems)
    return graph



def release(graph: Graph, version: str) -> Graph:
    """The released ontology: the modules merged into one owl:Ontology, the umbrella, stamped with the version.

    The modules' headers and the umbrella's owl:imports of them are left out (their axioms are all here), so that
    an OWL tool opens dist/ontology.ttl, or its RDF/XML export, as the whole ontology and fetches nothing."""
    modules = {iri for iri in graph.subjects(RDF.type, OWL.Ontology) if iri != ONTOLOGY_IRI}
    merged = Graph(bind_namespaces="none")
    for s, p, o in graph:
        if s in modules or (s == ONTOLOGY_IRI and p == OWL.imports and o in modules):
            continue
        merged.add((s, p, o))
    stamp_version(merged, version)
    return merged


def stamp_version(graph: Graph, version: str) -> None:
    """Add owl:versionIRI and owl:versionInfo to every ontology header of `graph` (ODK-style release IRIs); the
    released ontology has one, the umbrella's."""
    for iri in sorted(graph.subjects(RDF.type, OWL.Ontology)):
        name = "ontology" if iri == ONTOLOGY_IRI else "ontology/module/" + str(iri).rsplit("/", 1)[1]
        graph.set((iri, OWL.versionIRI, URIRef(f"https://w3id.org/cckg/releases/{version}/{name}")))
        graph.set((iri, OWL.versionInfo, Literal(version)))


def defined_terms(graph: Graph) -> set[URIRef]:
    """Every term of our namespace that the ontology describes (classes, properties, individuals; not modules)."""
    return {
        s
        for s in graph.subjects()
        if isinstance(s, URIRef)
        and str(s).startswith(TERMS_NS)
        and str(s)[len(TERMS_NS):].isidentifier()
    }


def namespace_source(graph: Graph) -> str:
    """The text of graph/_namespace.py: a closed rdflib DefinedNamespace of our terms, sorted, no date line."""
    lines = [
        '"""The closed namespace of the China–Central Asia ontology: a typo in a term name raises at import.',
        "",
        "Generated by `python build.py namespace` from ontology/*.ttl. Do not edit; edit the ontology.",
        '"""',
        "",
        "from rdflib import URIRef",
        "from rdflib.namespace import DefinedNamespace, Namespace",
        "",
        "",
        "class CCKG(DefinedNamespace):",
        '    """Terms of https://w3id.org/cckg/ontology/."""',
        "",
        "    _fail = True",
        f'    _NS = Namespace("{TERMS_NS}")',
        "",
    ]
    for term in sorted(defined_terms(graph), key=lambda t: (str(t)[len(TERMS_NS):].lower(), str(t))):
        name = str(term)[len(TERMS_NS):]
        definition = graph.value(term, SKOS.definition) or graph.value(term, RDFS.label) or ""
        lines.append(f"    {name}: URIRef  # {' '.join(str(definition).split())}")
    return "\n".join(lines) + "\n"


def _shown(path: Path) -> str:
    from graph.sources.read import shown_path

    return shown_path(path)


def _line_of(exc: Exception) -> int:
    for attr in ("lines", "line", "lineno"):
        value = getattr(exc, attr, None)
        if isinstance(value, int):
            return value
    return 0
