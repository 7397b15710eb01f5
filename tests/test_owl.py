"""The ontology in the OWL tools people open it with: the OWL API (Protégé's library, from Debian's
libowlapi-java) for the OWL 2 DL profile and the catalog, HermiT (bundled with owlready2) for consistency, and the
pySHACL command line of the README.

The OWL API checker (tests/owl/OwlCheck.java) is compiled at test time with javac into tmp_path. In CI (CI=true) a
missing javac, OWL API or owlready2 fails the test; elsewhere it skips."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATA, IN_CI, ROOT, require_tool

OWLAPI_DIR = Path("/usr/share/java")
#: The OWL API's jars and the libraries it needs at run time (Debian's libowlapi-java and its dependencies).
OWLAPI_JARS = ("owlapi-api", "owlapi-impl", "owlapi-parsers", "owlapi-apibinding", "owlapi-tools", "owlapi-rio",
               "guava", "caffeine", "commons-rdf-api", "atinject-jsr330-api", "slf4j-api", "slf4j-nop", "hppcrt",
               "jsr305", "commons-io", "commons-codec", "jackson-core", "jackson-databind", "jackson-annotations",
               "xz")
ONTOLOGY_IRI = "https://w3id.org/cckg/ontology"
#: Literal datatypes outside the OWL 2 datatype map that the data uses (dates); the OWL API reports each such
#: literal of a data property assertion. Declared as datatypes in ontology/imports.ttl; reasoners treat them as opaque.
DATE_TYPES = ("xsd:date", "xsd:gYear", "xsd:gYearMonth")


def _classpath() -> str:
    jars = [OWLAPI_DIR / f"{name}.jar" for name in OWLAPI_JARS]
    rdf4j = sorted(p for p in OWLAPI_DIR.glob("rdf4j-*.jar") if not re.search(r"-\d[\d.]*\.jar$", p.name))
    missing = [str(j) for j in jars if not j.exists()] + ([] if rdf4j else ["rdf4j-*.jar"])
    if missing:
        message = f"the OWL API (Debian's libowlapi-java) is not installed: missing {', '.join(missing)}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return ":".join(str(j) for j in [*jars, *rdf4j])


@pytest.fixture(scope="module")
def owl_check(tmp_path_factory):
    """run(file, *args) -> the checker's output lines, from tests/owl/OwlCheck.java compiled here."""
    javac, java = require_tool("javac"), require_tool("java")
    classpath = _classpath()
    classes = tmp_path_factory.mktemp("owlcheck")
    subprocess.run([javac, "-d", str(classes), "-cp", classpath, str(ROOT / "tests/owl/OwlCheck.java")],
                   check=True, capture_output=True, timeout=300)

    def run(path: Path, *args: str) -> list[str]:
        done = subprocess.run([java, "-cp", f"{classes}:{classpath}", "OwlCheck", str(path), *args],
                              capture_output=True, text=True, timeout=300)
        lines = done.stdout.splitlines()
        assert done.returncode == 0, "\n".join(lines[-5:]) + done.stderr[-2000:]
        return lines

    return run


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    """The outputs of two builds, each written as `python build.py` writes dist/: the real sources and the breadth
    fixture (documents, partnerships, projects, observations, events). {name: folder}."""
    from graph.export import exporter as export
    from graph import api
    from graph.build import pipeline

    folders = {}
    for name, sources in (("real", ROOT / "sources"), ("breadth", DATA / "breadth")):
        result = pipeline.build(sources_dir=sources, version="0.1.0")
        out = tmp_path_factory.mktemp(f"release-{name}")
        api.write_release(result, out)
        export.export(result, "xml", part="ontology", out=out / "cckg-ontology.rdf")
        folders[name] = out
    return folders


def _violations(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("violation ")]


def _ontologies(lines: list[str]) -> dict[str, int]:
    return {line.split()[1]: int(line.split()[2]) for line in lines if line.startswith("ontology ")}


def test_released_ontology_is_owl2_dl_with_one_header(owl_check, releases):
    """dist/ontology.ttl: one ontology (no imports to fetch), zero OWL 2 DL profile violations, and the reused
    relations the data uses are object properties, not annotation properties."""
    reused = ["http://www.w3.org/ns/org#member", "http://purl.org/dc/terms/subject", "http://www.w3.org/ns/oa#hasTarget",
              "http://www.w3.org/ns/prov#wasDerivedFrom", "http://purl.org/dc/terms/source"]
    lines = owl_check(releases["real"] / "ontology.ttl", *reused)
    assert list(_ontologies(lines)) == [ONTOLOGY_IRI]
    assert _ontologies(lines)[ONTOLOGY_IRI] > 700
    assert _violations(lines) == [] and lines[-1] == "violations 0"
    types = {line.split()[1]: line.split()[2] for line in lines if line.startswith("type ")}
    assert types == {iri: "ObjectProperty" for iri in reused}
    text = (releases["real"] / "ontology.ttl").read_text(encoding="utf-8")
    assert text.count("a owl:Ontology") == 1 and "owl:imports" not in text
    assert "owl:versionIRI <https://w3id.org/cckg/releases/0.1.0/ontology>" in text
    assert 'owl:versionInfo "0.1.0"' in text


def test_ontology_rdfxml_export_opens_as_the_whole_ontology(owl_check, releases):
    """`export --format xml --part ontology`: the OWL API reads one ontology, the umbrella, with every axiom of
    the Turtle release and no violation."""
    xml = owl_check(releases["real"] / "cckg-ontology.rdf")
    ttl = owl_check(releases["real"] / "ontology.ttl")
    assert _ontologies(xml) == _ontologies(ttl)
    assert _violations(xml) == []


@pytest.mark.parametrize("name", ["real", "breadth"])
def test_ontology_with_its_data_has_only_date_literals_outside_owl2_dl(owl_check, releases, name):
    """dist/cckg.ttl (ontology + data): every term is declared with one OWL type (no undeclared term, no illegal
    punning); what the OWL API still reports is only each date literal, whose datatype (xsd:date, gYear, gYearMonth)
    OWL 2's datatype map lacks."""
    lines = owl_check(releases[name] / "cckg.ttl")
    assert list(_ontologies(lines)) == [ONTOLOGY_IRI]
    others = [v for v in _violations(lines)
              if not (v.startswith("violation UseOfDefinedDatatypeInLiteral ")
                      and re.search(r'"\^\^(' + "|".join(DATE_TYPES) + r")\s", v))]
    assert others == [], others[:5]


def test_catalog_opens_the_modular_ontology_offline(owl_check):
    """ontology/cckg.ttl with ontology/catalog-v001.xml (what Protégé reads beside the file): the OWL API resolves
    every owl:imports to its module file (no fetching: the checker has no other IRI mapper, and a missing import is
    an error), and the modules hold the axioms of the released ontology."""
    from rdflib import Graph
    from rdflib.namespace import OWL, RDF

    lines = owl_check(ROOT / "ontology/cckg.ttl", "--catalog", str(ROOT / "ontology/catalog-v001.xml"))
    assert not [line for line in lines if line.startswith("error")]
    loaded = _ontologies(lines)
    declared = set()
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        declared.update(str(iri) for iri in Graph().parse(path).subjects(RDF.type, OWL.Ontology))
    assert set(loaded) == declared and len(declared) == len(list((ROOT / "ontology").glob("*.ttl")))
    assert sum(loaded.values()) > 700


def test_catalog_names_every_module_file():
    import xml.etree.ElementTree as ET

    from rdflib import Graph
    from rdflib.namespace import OWL, RDF

    root = ET.parse(ROOT / "ontology/catalog-v001.xml").getroot()
    mapped = {e.get("name"): e.get("uri") for e in root.iter("{urn:oasis:names:tc:entity:xmlns:xml:catalog}uri")}
    expected = {}
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        for iri in Graph().parse(path).subjects(RDF.type, OWL.Ontology):
            expected[str(iri)] = path.name
    assert mapped == expected


@pytest.mark.parametrize("name", ["real", "breadth"])
def test_hermit_finds_the_data_consistent_with_the_ontology(releases, name, tmp_path):
    """HermiT (through owlready2) reasons over ontology + data: consistent, and it sees the data's relations (a
    person is inferred an agent; a country's membership via org:memberOf is read as an object property). A
    contradiction added on purpose is found, so the reasoner really ran."""
    owlready2 = _owlready2()
    world = owlready2.World()
    world.get_ontology(f"file://{releases[name] / 'cckg.nt'}").load()
    owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True)
    if name == "real":
        person = world["https://w3id.org/cckg/id/wang-yi"]
        agent = world["http://xmlns.com/foaf/0.1/Agent"]
        assert agent in person.INDIRECT_is_a
        member_of = world["http://www.w3.org/ns/org#memberOf"]
        assert isinstance(member_of, owlready2.ObjectPropertyClass)
    broken = tmp_path / "broken.nt"
    broken.write_bytes((releases[name] / "cckg.nt").read_bytes() + (
        b"<http://xmlns.com/foaf/0.1/Person> <http://www.w3.org/2002/07/owl#disjointWith> "
        b"<http://www.w3.org/ns/prov#Entity> .\n"
        b"<https://w3id.org/cckg/id/test-contradiction> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        b"<http://xmlns.com/foaf/0.1/Person> .\n"
        b"<https://w3id.org/cckg/id/test-contradiction> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        b"<http://www.w3.org/ns/prov#Entity> .\n"))
    other = owlready2.World()
    other.get_ontology(f"file://{broken}").load()
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        owlready2.sync_reasoner_hermit(other, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True)


def _owlready2():
    require_tool("java")
    try:
        import owlready2
    except ImportError:
        if IN_CI:
            pytest.fail("owlready2 (the test extra) is required in CI")
        pytest.skip("owlready2 is not installed")
    return owlready2


#: The README's pySHACL command (section "Using it from other tools"), run from a checkout after `python build.py`.
PYSHACL_COMMAND = "pyshacl -s ontology/shapes/data.ttl -e dist/ontology.ttl -i rdfs dist/data.ttl"


def test_readme_gives_the_pyshacl_command():
    assert f"\n{PYSHACL_COMMAND}\n" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["real", "breadth"])
def test_pyshacl_command_finds_no_violation(releases, name, tmp_path):
    """The README's command line, as typed, in a folder laid out as a checkout (ontology/ and dist/): the
    shapes with the released ontology find the data valid (no false violation)."""
    shutil.copytree(ROOT / "ontology", tmp_path / "ontology")
    (tmp_path / "dist").mkdir()
    for file in ("ontology.ttl", "data.ttl"):
        shutil.copy(releases[name] / file, tmp_path / "dist" / file)
    executable = shutil.which("pyshacl") or str(Path(sys.executable).with_name("pyshacl"))
    done = subprocess.run([executable, *PYSHACL_COMMAND.split()[1:]], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "Conforms: True" in done.stdout
