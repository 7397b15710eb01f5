"""The ontology: modules and umbrella, term cards, the closed namespace, alignment to standard vocabularies."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from conftest import ROOT, run_cli
from graph.sources.ontology import load_ontology, module_files, namespace_source


@pytest.fixture(scope="module")
def onto() -> Graph:
    return load_ontology()


def test_every_module_is_imported_by_the_umbrella(onto):
    modules = set(onto.subjects(RDF.type, OWL.Ontology)) - {URIRef("https://w3id.org/cckg/ontology")}
    imported = set(onto.objects(URIRef("https://w3id.org/cckg/ontology"), OWL.imports))
    assert modules and modules == imported
    assert len(module_files()) == len(modules) + 1


def test_every_term_has_its_card(onto):
    from graph.sources.ontology import defined_terms

    terms = defined_terms(onto)
    assert len(terms) > 40
    for term in terms:
        labels = [l for l in onto.objects(term, RDFS.label) if l.language == "en"]
        definitions = [d for d in onto.objects(term, SKOS.definition) if d.language == "en"]
        assert len(labels) == 1, term
        assert len(definitions) == 1, term
        assert onto.value(term, RDFS.isDefinedBy) in set(onto.subjects(RDF.type, OWL.Ontology)), term


def test_term_card_shapes_catch_a_missing_definition(tmp_path):
    import shutil

    copy = tmp_path / "ontology"
    shutil.copytree(ROOT / "ontology", copy)
    agents = copy / "agents.ttl"
    text = agents.read_text(encoding="utf-8")
    text = text.replace('    skos:definition "Links a tenure to the post held during it."@en ;\n', "")
    agents.write_text(text, encoding="utf-8")
    result = run_cli("check", "--ontology", str(copy), "--sources", str(ROOT / "tests/data/minimal"), "-q")
    assert result.returncode == 1
    assert "cckg:post" in result.stderr and "definition" in result.stderr


def test_generated_namespace_is_fresh(onto):
    current = (ROOT / "graph" / "_namespace.py").read_text(encoding="utf-8")
    assert current == namespace_source(onto), "run: python build.py namespace"


def test_closed_namespace_rejects_typos():
    from graph.namespaces import CCKG, OA

    assert str(CCKG.Tenure) == "https://w3id.org/cckg/ontology/Tenure"
    with pytest.raises(AttributeError):
        CCKG.Tenur  # noqa: B018
    with pytest.raises(AttributeError):
        OA.hasBodyy  # noqa: B018


@pytest.mark.parametrize(
    ("ours", "standard"),
    [
        ("Tenure", "http://www.w3.org/ns/org#Membership"),
        ("Meeting", "https://schema.org/Event"),
        ("Mechanism", "http://www.w3.org/ns/org#OrganizationalCollaboration"),
        ("Statement", "http://www.w3.org/ns/prov#Entity"),
        ("SourceDocument", "https://schema.org/CreativeWork"),
        ("InternationalOrganization", "http://www.w3.org/ns/org#FormalOrganization"),
        ("Treaty", "https://schema.org/CreativeWork"),
        ("Declaration", "http://www.w3.org/ns/prov#Entity"),
        ("Agreement", "https://schema.org/CreativeWork"),
        ("Decision", "http://www.w3.org/ns/prov#Entity"),
        ("PartnershipStatus", "http://www.w3.org/ns/prov#Entity"),
        ("PartnershipLevel", "http://www.w3.org/2004/02/skos/core#Concept"),
        ("InfrastructureProject", "https://schema.org/Project"),
    ],
)
def test_classes_align_to_standard_vocabularies(onto, ours, standard):
    from graph.namespaces import CCKG

    assert URIRef(standard) in set(onto.transitive_objects(CCKG[ours], RDFS.subClassOf))


@pytest.mark.parametrize(
    ("ours", "standard"),
    [
        ("chairedBy", "https://schema.org/attendee"),
        ("actor", "http://www.w3.org/ns/prov#wasAttributedTo"),
        ("madeAt", "http://www.w3.org/ns/prov#wasGeneratedBy"),
        ("partOf", "http://purl.org/dc/terms/isPartOf"),
        ("adopted", "http://www.w3.org/ns/prov#generated"),
        ("hostCountry", "https://schema.org/organizer"),
        ("participationRole", "https://schema.org/roleName"),
        ("signatory", "http://purl.org/dc/terms/contributor"),
        ("recordedIn", "https://schema.org/subjectOf"),
        ("announcedBy", "http://www.w3.org/ns/prov#wasAttributedTo"),
        ("involves", "http://www.w3.org/ns/prov#wasAssociatedWith"),
        ("value", "https://schema.org/value"),
        ("unit", "https://schema.org/unitText"),
        ("period", "http://purl.org/dc/terms/date"),
        ("openingDate", "http://purl.org/dc/terms/date"),
    ],
)
def test_properties_align_to_standard_vocabularies(onto, ours, standard):
    from graph.namespaces import CCKG

    assert URIRef(standard) in set(onto.transitive_objects(CCKG[ours], RDFS.subPropertyOf))


def test_trade_data_cube_structure(onto):
    """The trade observations' data set has a structure whose components are the Data Cube's dimension, measure and
    attribute properties, and every partnership-level concept is in the level scheme with a card."""
    from rdflib import Namespace
    from graph.namespaces import CCKG, LEVEL

    QB = Namespace("http://purl.org/linked-data/cube#")
    assert onto.value(CCKG.tradeDataSet, QB.structure) == CCKG.tradeStructure
    parts = {p: o for c in onto.objects(CCKG.tradeStructure, QB.component) for p, o in onto.predicate_objects(c)
             if p in (QB.dimension, QB.measure, QB.attribute)}
    dims = {o for c in onto.objects(CCKG.tradeStructure, QB.component) for o in onto.objects(c, QB.dimension)}
    assert dims == {CCKG.reporter, CCKG.partner, CCKG.period, CCKG.tradeFlow}
    assert parts[QB.measure] == CCKG.value and parts[QB.attribute] == CCKG.unit
    for prop, cls in [(CCKG.reporter, QB.DimensionProperty), (CCKG.value, QB.MeasureProperty),
                      (CCKG.unit, QB.AttributeProperty)]:
        assert (prop, RDF.type, cls) in onto
    levels = set(onto.subjects(SKOS.inScheme, LEVEL.scheme))
    assert {LEVEL["strategic-partnership"], LEVEL["comprehensive-strategic-partnership"]} <= levels
    for level in levels:
        assert onto.value(level, SKOS.definition) is not None and onto.value(level, RDFS.label) is not None


def test_build_refuses_a_reused_term_the_imports_module_does_not_declare(tmp_path):
    """Undeclared, an OWL tool would read org:member as an annotation property: the build names the record."""
    import shutil

    copy = tmp_path / "ontology"
    shutil.copytree(ROOT / "ontology", copy)
    imports = copy / "imports.ttl"
    text = imports.read_text(encoding="utf-8")
    assert "org:member a owl:ObjectProperty .\n" in text
    imports.write_text(text.replace("org:member a owl:ObjectProperty .\n", ""), encoding="utf-8")
    result = run_cli("check", "--ontology", str(copy), "--sources", str(ROOT / "tests/data/minimal"), "-q")
    assert result.returncode == 1
    assert "000-minimal.yaml:" in result.stderr
    assert "org#member, which ontology/imports.ttl does not declare" in result.stderr


def test_a_term_defined_by_no_module_is_an_error(tmp_path):
    import shutil

    copy = tmp_path / "ontology"
    shutil.copytree(ROOT / "ontology", copy)
    agents = copy / "agents.ttl"
    text = agents.read_text(encoding="utf-8")
    agents.write_text(text.replace("rdfs:isDefinedBy <https://w3id.org/cckg/ontology/module/agents>",
                                   "rdfs:isDefinedBy <https://w3id.org/cckg/ontology/module/agentz>", 1),
                      encoding="utf-8")
    result = run_cli("check", "--ontology", str(copy), "--sources", str(ROOT / "tests/data/minimal"), "-q")
    assert result.returncode == 1
    assert "agents.ttl" in result.stderr
    assert "module/agentz, which is not one of the modules" in result.stderr


def test_release_merges_the_modules_under_one_versioned_header():
    from graph.sources.ontology import ONTOLOGY_IRI, release

    onto = release(load_ontology(), "9.9.9")
    assert set(onto.subjects(RDF.type, OWL.Ontology)) == {ONTOLOGY_IRI}
    assert not list(onto.objects(ONTOLOGY_IRI, OWL.imports))
    assert str(onto.value(ONTOLOGY_IRI, OWL.versionIRI)) == "https://w3id.org/cckg/releases/9.9.9/ontology"
    assert str(onto.value(ONTOLOGY_IRI, OWL.versionInfo)) == "9.9.9"
    modular = load_ontology()
    modules = set(modular.subjects(RDF.type, OWL.Ontology)) - {ONTOLOGY_IRI}
    kept = {t for t in modular if t[0] not in modules and t[1] != OWL.imports}
    assert kept <= set(onto)
