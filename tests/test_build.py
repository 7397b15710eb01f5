"""The build: outputs, determinism, round trips, and what bad input does (exit code, message, nothing written)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from conftest import DATA, ROOT, run_cli

OUTPUT_FILES = ("cckg.ttl", "ontology.ttl", "data.ttl", "validation-report.txt")


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def real_outputs(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = run_cli("--out", str(out), env={"PYTHONHASHSEED": "1"})
    assert result.returncode == 0, result.stderr
    return out


def test_build_writes_every_output(real_outputs):
    for name in OUTPUT_FILES:
        assert (real_outputs / name).stat().st_size > 0, name
    report = (real_outputs / "validation-report.txt").read_text(encoding="utf-8")
    assert "result: valid (0 problems)" in report
    assert re.search(r"queries/checks/\S+-violation\.rq: 0 violation", report)


def test_two_builds_are_byte_identical_whatever_the_hash_seed(real_outputs, tmp_path):
    again = tmp_path / "again"
    result = run_cli("--out", str(again), "-q", env={"PYTHONHASHSEED": "12345"})
    assert result.returncode == 0, result.stderr
    assert _digests(again) == _digests(real_outputs)


def test_turtle_round_trips_isomorphic_and_parses_with_oxigraph(real_outputs, built):
    from graph.build.output import fresh_graph

    expected = fresh_graph(built.all_triples())
    parsed = Graph().parse(real_outputs / "cckg.ttl", format="turtle")
    assert len(parsed) == len(expected)
    assert isomorphic(parsed, expected)
    store = pyoxigraph.Store()
    store.load(path=str(real_outputs / "cckg.ttl"), format=pyoxigraph.RdfFormat.TURTLE)
    assert len(store) == len(expected)


def test_parts_add_up(real_outputs):
    whole = Graph().parse(real_outputs / "cckg.ttl")
    onto = Graph().parse(real_outputs / "ontology.ttl")
    data = Graph().parse(real_outputs / "data.ttl")
    assert len(whole) == len(onto) + len(data)


def test_only_our_prefixes_are_written(real_outputs):
    from graph.namespaces import PREFIXES

    text = (real_outputs / "cckg.ttl").read_text(encoding="utf-8")
    written = set(re.findall(r"^PREFIX (\w*):", text, flags=re.M))
    assert written <= set(PREFIXES)
    assert not re.search(r"\b(ns\d+|schema\d+):", text)


def test_ontology_is_version_stamped(real_outputs):
    text = (real_outputs / "ontology.ttl").read_text(encoding="utf-8")
    assert "owl:versionIRI <https://w3id.org/cckg/releases/" in text


def test_no_blank_nodes_in_the_data(built):
    from rdflib import BNode

    assert not [t for t in built.data_triples() if any(isinstance(x, BNode) for x in t)]


def test_no_ill_typed_literals(built):
    from rdflib import Literal

    bad = [o for _, _, o in built.all_triples() if isinstance(o, Literal) and o.ill_typed]
    assert not bad


# ---- bad input: exit code, message naming file/line/field, nothing changed in the output folder


def _prefilled(tmp_path: Path) -> Path:
    out = tmp_path / "dist"
    out.mkdir()
    for name in OUTPUT_FILES:
        (out / name).write_text(f"previous {name}\n", encoding="utf-8")
    return out


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture lacks {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


BAD_INPUTS = {
    "malformed-yaml": ("label: Kazakhstan\n", "label: [Kazakhstan\n", 1, "malformed YAML"),
    "unknown-entity": ("actors: [mukhtar-tleuberdi]", "actors: [mukhtar-tleuberdy]", 1, "unknown id 'mukhtar-tleuberdy'"),
    "quote-not-in-text": ("quote: The ministers support the WHO.", "quote: The ministers oppose the WHO.", 1,
                          "not found verbatim"),
    "impossible-date": ("start: 2013-03-16", "start: 2013-02-30", 1, "not a real date"),
    "unknown-field": ("    chair: true\n", "    chiar: true\n", 1, "unknown field"),
    "wrong-kind-reference": ("chair: wang-yi", "chair: china", 1, "is a Country; expected Person"),
    "unknown-topic": ("topics: [epidemic-cooperation]\n    quote: Wang", "topics: [epidemics]\n    quote: Wang", 1,
                      "unknown topic 'epidemics'"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_reported_and_nothing_is_written(case, minimal_sources, tmp_path):
    old, new, expected_code, message = BAD_INPUTS[case]
    source = minimal_sources / "000-minimal.yaml"
    _replace(source, old, new)
    line = _line_of(source, new.strip().splitlines()[0])
    out = _prefilled(tmp_path)
    before = _digests(out)
    result = run_cli("--sources", str(minimal_sources), "--out", str(out), "-q")
    assert result.returncode == expected_code, result.stderr
    assert message in result.stderr
    assert f"000-minimal.yaml:{line}" in result.stderr, result.stderr
    assert _digests(out) == before
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)  # no temp file left behind


def test_a_second_label_in_another_source_is_refused(minimal_sources):
    (minimal_sources / "001-second.yaml").write_text(
        "document:\n  id: second-note\n  kind: article\n  title: Second note\n  text: texts/note.txt\n"
        "  language: en\nrecords:\n  - id: kazakhstan\n    a: Country\n    label: Republic of Kazakhstan\n"
        "    quote: Kazakhstan's Foreign Minister\n",
        encoding="utf-8",
    )
    result = run_cli("check", "--sources", str(minimal_sources), "-q")
    assert result.returncode == 1
    assert "001-second.yaml:10: kazakhstan.label: 'kazakhstan' already has the label 'Kazakhstan'" in result.stderr


def test_missing_text_file_names_the_field(minimal_sources, tmp_path):
    (minimal_sources / "texts" / "note.txt").unlink()
    out = _prefilled(tmp_path)
    before = _digests(out)
    result = run_cli("--sources", str(minimal_sources), "--out", str(out), "-q")
    assert result.returncode == 1
    assert "000-minimal.yaml:6: document.text: no such file" in result.stderr
    assert _digests(out) == before


def test_missing_sources_folder_is_a_usage_error(tmp_path):
    result = run_cli("--sources", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"), "-q")
    assert result.returncode == 2
    assert "no such directory" in result.stderr
    assert not (tmp_path / "out").exists()


def test_unknown_option_is_a_usage_error():
    assert run_cli("--no-such-option").returncode == 2


def test_missing_required_field_is_listed_with_its_record(minimal_sources, tmp_path):
    _replace(minimal_sources / "000-minimal.yaml", "    actors: [china]\n", "")
    result = run_cli("check", "--sources", str(minimal_sources), "-q")
    assert result.returncode == 1
    assert "(commitment-aid).actors: required for a Commitment" in result.stderr


def test_shacl_violation_is_located_at_its_record(minimal_sources):
    # A meeting held by a post, not by a person: the kind check catches it before SHACL, so break SHACL directly:
    # a diplomatic relation needs exactly two parties.
    source = minimal_sources / "000-minimal.yaml"
    text = source.read_text(encoding="utf-8") + (
        "  - id: relation-china-kazakhstan\n    a: DiplomaticRelation\n    parties: [china, kazakhstan, china]\n"
        "    quote: Kazakhstan's Foreign Minister\n"
    )
    source.write_text(text, encoding="utf-8")
    result = run_cli("check", "--sources", str(minimal_sources), "-q")
    assert result.returncode == 1
    assert "parties" in result.stderr


def test_check_writes_nothing(minimal_sources, tmp_path):
    result = run_cli("check", "--sources", str(minimal_sources), "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "valid:" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sources"]  # no dist/ appeared


def test_fixture_is_valid():
    assert (DATA / "minimal" / "000-minimal.yaml").exists()
    assert run_cli("check", "--sources", str(DATA / "minimal"), "-q").returncode == 0


def test_readme_quick_start_has_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line for line in block.strip().splitlines() if line.strip()]
    assert len(commands) == 2
    assert "build.py" in commands[0] and "pytest" in commands[1]


# ---- the breadth kinds (tests/data/breadth): both build paths, bad input, corroboration

@pytest.fixture()
def breadth_sources(tmp_path: Path) -> Path:
    """A writable copy of tests/data/breadth (every breadth kind and field once) for tests that corrupt it."""
    import shutil

    target = tmp_path / "sources"
    shutil.copytree(DATA / "breadth", target)
    return target


def test_breadth_fixture_builds_the_graph_of_its_records():
    from graph.build import pipeline
    from graph.build.loading import nt_line
    from graph.namespaces import CCKG, KG, LEVEL, QB, SDO

    built = pipeline.build(sources_dir=DATA / "breadth")
    triples = set(built.data_triples())
    assert {nt_line(t) for t in built.dataset.graph(KG[built.sources[0].id])} <= built.loaded.data_lines
    assert {nt_line(t) for t in triples} == built.loaded.data_lines
    assert "shapes/data.ttl (SHACL)" in [name for name, _ in built.report.checks]
    from rdflib import Literal, URIRef
    from rdflib.namespace import RDF, XSD

    amount = KG["commitment-financing-2023-amount"]
    expected = {
        (KG["cc5-summit-2023"], CCKG.hostCountry, KG.china),
        (KG["participation-tokayev-2023"], CCKG.participationRole, Literal("head of delegation", lang="en")),
        (KG["xian-declaration"], RDF.type, CCKG.Declaration),
        (KG["xian-declaration"], CCKG.signatory, KG.xi),
        (KG["xian-declaration"], SDO.locationCreated, KG.xian),
        (KG["cc5-summit-2023"], CCKG.adopted, KG["xian-declaration"]),
        (KG["decision-summit-every-two-years"], RDF.type, CCKG.Decision),
        (KG["decision-summit-every-two-years"], CCKG.recordedIn, KG["xian-declaration"]),
        (KG["commitment-financing-2023"], SDO.amount, amount),
        (amount, RDF.type, SDO.MonetaryAmount),
        (amount, SDO.value, Literal("26000000000.0", datatype=XSD.decimal)),
        (amount, SDO.currency, Literal("CNY")),
        (KG["partnership-china-kazakhstan-2011"], CCKG.partnershipLevel, LEVEL["comprehensive-strategic-partnership"]),
        (KG["partnership-china-kazakhstan-2011"], CCKG.actor, KG.kazakhstan),
        (KG["trade-china-kazakhstan-2023"], RDF.type, QB.Observation),
        (KG["trade-china-kazakhstan-2023"], RDF.type, SDO.Observation),
        (KG["trade-china-kazakhstan-2023"], QB.dataSet, CCKG.tradeDataSet),
        (KG["trade-china-kazakhstan-2023"], CCKG.value, Literal("41000000000.0", datatype=XSD.decimal)),
        (KG["trade-china-kazakhstan-2023"], CCKG.period, Literal("2023", datatype=XSD.gYear)),
        (KG["exports-china-kazakhstan-2023"], CCKG.tradeFlow, CCKG.exports),
        (KG["central-asia-china-gas-pipeline"], RDF.type, CCKG.InfrastructureProject),
        (KG["central-asia-china-gas-pipeline"], CCKG.openingDate, Literal("2009-12-14", datatype=XSD.date)),
        (KG["speech-silk-road-economic-belt"], CCKG.involves, KG.xi),
        (KG.sco, URIRef("http://purl.org/dc/terms/replaces"), KG["shanghai-five"]),
        (KG["breadth-reference"], SDO.citation, URIRef("https://example.org/trade")),
    }
    assert expected <= triples, expected - triples


BREADTH_BAD_INPUTS = {  # case: (old, new, message, the text of the line the message must name)
    "unknown-level": ("level: strategic-partnership\n", "level: eternal-friendship\n",
                      "level: unknown partnership level 'eternal-friendship'", "level: eternal-friendship"),
    "bad-currency": ("currency: CNY", "currency: yuan", "currency: 'yuan' is not an ISO 4217 currency code",
                     "currency: yuan"),
    "amount-without-currency": ("    currency: CNY\n", "", "currency: required with `amount`", "amount: 26000000000"),
    "bad-decimal": ("value: 31000000000,", "value: 31 billion,", "value: '31 billion' is not a decimal number",
                    "value: 31 billion"),
    "negative-decimal": ("value: 31000000000,", "value: -5,", "value: -5 is not a non-negative finite number",
                         "value: -5"),
    "unknown-measure": ("measure: exports,", "measure: re-exports,", "measure: 're-exports' is not one of trade-total",
                        "measure: re-exports"),
    "three-parties": ("parties: [china, kazakhstan]\n    level: strategic", "parties: [china, kazakhstan, uzbekistan]\n"
                      "    level: strategic", "parties: needs exactly two countries",
                      "parties: [china, kazakhstan, uzbekistan]"),
    "partner-not-a-place": ("partner: kazakhstan, period: 2022", "partner: xi, period: 2022",
                            "partner: 'xi' is a Person; expected City or Country or Place", "partner: xi"),
    "missing-period": (" period: 2022,", "", "period: required for a Observation", "id: trade-china-kazakhstan-2022"),
}


@pytest.mark.parametrize("case", sorted(BREADTH_BAD_INPUTS))
def test_breadth_bad_input_names_file_line_and_field(case, breadth_sources):
    old, new, message, where = BREADTH_BAD_INPUTS[case]
    source = breadth_sources / "000-breadth.yaml"
    _replace(source, old, new)
    line = _line_of(source, where)
    result = run_cli("check", "--sources", str(breadth_sources), "-q")
    assert result.returncode == 1, result.stderr
    found = [text for text in result.stderr.splitlines() if message in text]
    assert found, result.stderr
    assert f"000-breadth.yaml:{line}: " in found[0], found[0]


CORROBORATION = (
    "document:\n  id: second-report\n  kind: article\n  title: A second report\n  text: texts/note.txt\n"
    "  language: en\nrecords:\n"
)


def test_a_corroborating_record_adds_its_source_and_quote_not_a_copy(minimal_sources):
    from graph.build import pipeline
    from graph.namespaces import KG, OA, PROV
    from rdflib.namespace import RDF, RDFS

    (minimal_sources / "001-second.yaml").write_text(
        CORROBORATION + "  - id: commitment-aid\n    a: Commitment\n    note: the second report's wording\n"
        "    quote: Kazakhstan's Foreign Minister\n", encoding="utf-8")
    for _ in (1,):
        built = pipeline.build(sources_dir=minimal_sources)
        triples = set(built.data_triples())
        node = KG["commitment-aid"]
        assert {(node, PROV.wasDerivedFrom, KG["minimal-note"]), (node, PROV.wasDerivedFrom, KG["second-report"])} <= triples
        bodies = {s for s, p, o in triples if p == OA.hasBody and o == node}
        assert len(bodies) == 2 and any(str(b).startswith(str(KG["second-report"])) for b in bodies)
        assert len({o for s, p, o in triples if s == node and p == RDFS.label}) == 1
        assert len({o for s, p, o in triples if s == node and p == RDF.type}) == 1
        second = {t for t in built.dataset.graph(KG["second-report"]) if t[0] == node}
        assert (node, RDF.type, None) not in {(s, p, None) for s, p, o in second}
    report = run_cli("check", "--sources", str(minimal_sources))
    assert report.returncode == 0, report.stderr
    assert "corroborates 1 statement(s) of other sources" in report.stderr


@pytest.mark.parametrize(("record", "message"), [
    ("  - id: commitment-nothing\n    a: Commitment\n    quote: Kazakhstan's Foreign Minister\n",
     "001-second.yaml:8: commitment-nothing.id: corroborates the Commitment 'commitment-nothing', which no source records in full"),
    ("  - id: commitment-aid\n    a: Commitment\n    label: Aid again\n    actors: [china]\n"
     "    quote: Kazakhstan's Foreign Minister\n",
     "001-second.yaml:8: commitment-aid.id: statement id 'commitment-aid' is already used in"),
    ("  - id: commitment-aid\n    a: Support\n    quote: Kazakhstan's Foreign Minister\n",
     "001-second.yaml:9: commitment-aid.a: 'commitment-aid' is a Commitment"),
])
def test_a_wrong_corroboration_is_refused(minimal_sources, record, message):
    (minimal_sources / "001-second.yaml").write_text(CORROBORATION + record, encoding="utf-8")
    result = run_cli("check", "--sources", str(minimal_sources), "-q")
    assert result.returncode == 1
    assert message in result.stderr, result.stderr
