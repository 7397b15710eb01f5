"""The main job with its validation beside the writing (pipeline.start + write_outputs): a fault the validation finds
while the release is being written fails the build as before (InvalidData, exit 1) and leaves the output folder as
it was; the validation on threads reports exactly what a lone run reports."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from conftest import run_cli
from graph import api
from graph.build import builder, pipeline, validate
from graph.errors import InvalidData

PLANTED = "zz-planted-violation.rq"


def _tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` (sub-folders too) and its SHA-256."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _planted_checks(tmp_path: Path) -> Path:
    """queries/checks/ with one more check that flags every country: a fault only the validation finds."""
    checks = tmp_path / "checks"
    shutil.copytree(validate.CHECKS_DIR, checks)
    (checks / PLANTED).write_text("SELECT ?country WHERE { ?country a <https://schema.org/Country> }\n",
                                  encoding="utf-8")
    return checks


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(".dist."))


def test_a_check_fault_found_while_writing_publishes_nothing(minimal_sources, tmp_path):
    out = tmp_path / "dist"
    api.write_release(pipeline.build(sources_dir=minimal_sources), out)  # the previous, valid release
    before = _tree(out)
    assert "validation-report.txt" in before and "cckg.nq" in before

    result = pipeline.start(sources_dir=minimal_sources, checks_dir=_planted_checks(tmp_path))
    assert result.validation is not None
    with pytest.raises(InvalidData) as raised:
        api.write_release(result, out)
    names = {problem.message.partition(":")[0] for problem in raised.value.problems}
    assert names == {PLANTED}
    assert all(problem.file.endswith("000-minimal.yaml") for problem in raised.value.problems)
    assert _tree(out) == before  # the previous release, whole
    assert _leftovers(tmp_path) == []  # the stage written beside the validation is gone
    with pytest.raises(InvalidData):  # asked again, the build is still invalid
        result.validated()


def test_a_shacl_fault_through_the_command_exits_1_and_changes_nothing(minimal_sources, tmp_path):
    out = tmp_path / "dist"
    assert run_cli("--sources", str(minimal_sources), "--out", str(out), "-q").returncode == 0
    before = _tree(out)
    source = minimal_sources / "000-minimal.yaml"  # a diplomatic relation needs exactly two parties (SHACL)
    source.write_text(source.read_text(encoding="utf-8") + (
        "  - id: relation-china-kazakhstan\n    a: DiplomaticRelation\n    parties: [china, kazakhstan, china]\n"
        "    quote: Kazakhstan's Foreign Minister\n"), encoding="utf-8")
    result = run_cli("--sources", str(minimal_sources), "--out", str(out), "-q")
    assert result.returncode == 1, result.stderr
    assert "000-minimal.yaml:" in result.stderr and "parties" in result.stderr
    assert "nothing was written" in result.stderr
    assert _tree(out) == before
    assert _leftovers(tmp_path) == []


def test_the_report_on_threads_is_the_report_of_a_lone_run(minimal_sources, tmp_path):
    checks = _planted_checks(tmp_path)
    result = pipeline.start(sources_dir=minimal_sources, checks_dir=checks)
    threaded = result.validation.wait()
    locate = validate.locator(builder.Index(result.sources))
    alone = validate.validate_build(result.loaded, result.ontology, locate, validate.SHAPES_DIR, checks, workers=1)
    assert threaded.checks == alone.checks
    assert threaded.problems == alone.problems
    assert [name for name, _ in threaded.checks][:3] == [
        "shapes/data.ttl (SHACL)", "shapes/ontology.ttl (SHACL)", "terms from the ontology and reused vocabularies"]
    assert [name for name, _ in threaded.checks][3:] == [f"queries/checks/{p.name}" for p in sorted(checks.glob("*.rq"))]
    assert dict(threaded.checks)[f"queries/checks/{PLANTED}"] > 0
    # the store no longer holds the validation's inferred graph: the writers read it as the build made it
    assert list(result.store.named_graphs()) == []


def test_a_valid_build_from_start_writes_the_release_of_build(minimal_sources, tmp_path):
    api.write_release(pipeline.build(sources_dir=minimal_sources), tmp_path / "waited")
    result = pipeline.start(sources_dir=minimal_sources)
    api.write_release(result, tmp_path / "overlapped")
    assert "validate" in result.timings and "write" in result.timings
    assert _tree(tmp_path / "waited") == _tree(tmp_path / "overlapped")
