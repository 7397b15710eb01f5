"""The build against hostile or careless input (issue 15, failures 7 and 8): no source lost in silence, texts only
from sources/texts/, offsets that do not depend on line endings, no control or bidi characters, no hierarchy
cycles; and a release that is all or nothing, even when builds are killed."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import DATA, ROOT, run_cli

MINIMAL = DATA / "minimal"


def _check(sources: Path) -> subprocess.CompletedProcess:
    return run_cli("check", "--sources", str(sources), "-q")


def _refused(sources: Path, *needles: str, code: int = 1) -> str:
    result = _check(sources)
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr
    return result.stderr


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture lacks {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _append(path: Path, records: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + records, encoding="utf-8")


# ---- failure 7: every entry of sources/ that looks like a source is read or refused, never skipped


def _dangling(d: Path) -> str:
    (d / "010-gone.yaml").symlink_to(d / "no-such-file.yaml")
    return "010-gone.yaml: a dangling symlink"


def _loop(d: Path) -> str:
    (d / "010-loop.yaml").symlink_to(d / "011-loop.yaml")
    (d / "011-loop.yaml").symlink_to(d / "010-loop.yaml")
    return "010-loop.yaml: a symlink loop"


def _folder(d: Path) -> str:
    (d / "010-folder.yaml").mkdir()
    return "010-folder.yaml: a folder, not a source file"


def _yml(d: Path) -> str:
    shutil.copy(d / "000-minimal.yaml", d / "010-copy.yml")
    return "010-copy.yml: not loaded: source files end in .yaml (rename it to 010-copy.yaml)"


def _upper(d: Path) -> str:
    shutil.copy(d / "000-minimal.yaml", d / "010-copy.YAML")
    return "010-copy.YAML: not loaded"


def _fifo(d: Path) -> str:
    os.mkfifo(d / "010-pipe.yaml")
    return "010-pipe.yaml: not a regular file"


def _outside_link(d: Path) -> str:
    outside = d.parent / "elsewhere.yaml"
    shutil.copy(d / "000-minimal.yaml", outside)
    (d / "010-linked.yaml").symlink_to(outside)
    return "010-linked.yaml: a symlink to"


def _link_to_folder(d: Path) -> str:
    (d / "020-other.yaml").symlink_to(d / "texts")
    return "020-other.yaml: a folder, not a source file"


def _link_without_yaml_name(d: Path) -> str:
    shutil.copy(d / "000-minimal.yaml", d / "texts" / "kept.yaml")
    (d / "source-link").symlink_to(d / "texts" / "kept.yaml")
    return "source-link: a symlink to the YAML file kept.yaml under a name that does not end in .yaml"


def _subfolder(d: Path) -> str:
    (d / "2021").mkdir()
    shutil.copy(d / "000-minimal.yaml", d / "2021" / "a.yaml")
    return "2021: a folder holding 1 YAML file(s) (a.yaml) that the build does not load"


ENTRY_CASES = {f.__name__.strip("_"): f for f in (_dangling, _loop, _folder, _yml, _upper, _fifo, _outside_link,
                                                   _link_to_folder, _link_without_yaml_name, _subfolder)}


@pytest.mark.parametrize("case", sorted(ENTRY_CASES))
def test_an_entry_that_looks_like_a_source_is_refused_not_skipped(case, minimal_sources, tmp_path):
    expected = ENTRY_CASES[case](minimal_sources)
    out = tmp_path / "dist"
    result = run_cli("--sources", str(minimal_sources), "--out", str(out), "-q")
    assert result.returncode == 1, result.stderr
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_a_symlinked_source_inside_the_folder_is_read(minimal_sources):
    archive = minimal_sources / "archive"
    archive.mkdir()
    (minimal_sources / "000-minimal.yaml").rename(archive / "minimal.yml.txt")
    (minimal_sources / "000-minimal.yaml").symlink_to(archive / "minimal.yml.txt")
    result = _check(minimal_sources)
    assert result.returncode == 0, result.stderr


# ---- failure 7: `text:` resolves inside sources/texts/


def _outside_copy(d: Path) -> Path:
    outside = d.parent / "outside" / "note.txt"
    outside.parent.mkdir()
    shutil.copy(d / "texts" / "note.txt", outside)
    return outside


def test_text_may_not_be_an_absolute_path(minimal_sources):
    outside = _outside_copy(minimal_sources)
    _replace(minimal_sources / "000-minimal.yaml", "text: texts/note.txt", f"text: {outside}")
    _refused(minimal_sources, "000-minimal.yaml:6: document.text:", "is an absolute path")


def test_text_may_not_climb_out_with_dot_dot(minimal_sources):
    _outside_copy(minimal_sources)
    _replace(minimal_sources / "000-minimal.yaml", "text: texts/note.txt", "text: texts/../../outside/note.txt")
    _refused(minimal_sources, "000-minimal.yaml:6: document.text:", "without ..")


def test_text_must_be_under_texts(minimal_sources):
    shutil.copy(minimal_sources / "texts" / "note.txt", minimal_sources / "note.txt")
    _replace(minimal_sources / "000-minimal.yaml", "text: texts/note.txt", "text: note.txt")
    _refused(minimal_sources, "000-minimal.yaml:6: document.text:", "is not under texts/")


def test_text_symlink_may_not_escape_texts(minimal_sources):
    outside = _outside_copy(minimal_sources)
    (minimal_sources / "texts" / "note.txt").unlink()
    (minimal_sources / "texts" / "note.txt").symlink_to(outside)
    _refused(minimal_sources, "000-minimal.yaml:6: document.text:", "outside the texts folder")


def test_text_symlink_loop_is_a_clear_error(minimal_sources):
    texts = minimal_sources / "texts"
    (texts / "note.txt").unlink()
    (texts / "note.txt").symlink_to(texts / "other.txt")
    (texts / "other.txt").symlink_to(texts / "note.txt")
    _refused(minimal_sources, "000-minimal.yaml:6: document.text: texts/note.txt: a symlink loop")


def test_a_symlink_inside_texts_is_followed(minimal_sources):
    texts = minimal_sources / "texts"
    (texts / "note.txt").rename(texts / "real-note.txt")
    (texts / "note.txt").symlink_to(texts / "real-note.txt")
    assert _check(minimal_sources).returncode == 0


# ---- failure 7: a BOM and CRLF/CR line endings change no offset


def _data(build) -> set:
    return set(build.data_triples())


@pytest.mark.parametrize("variant", ["crlf", "bom-cr"])
def test_line_endings_and_bom_give_the_same_offsets_as_lf(variant, built, tmp_path):
    from rdflib import URIRef

    from graph.build import pipeline

    sources = tmp_path / "sources"
    shutil.copytree(ROOT / "sources", sources, ignore=shutil.ignore_patterns("drafts"))
    for text in (sources / "texts").iterdir():
        lf = text.read_bytes()
        assert b"\r" not in lf and lf.count(b"\n") > 3
        converted = lf.replace(b"\n", b"\r\n") if variant == "crlf" else b"\xef\xbb\xbf" + lf.replace(b"\n", b"\r")
        text.write_bytes(converted)
    again = pipeline.build(sources_dir=sources, quiet=True)
    start = URIRef("http://www.w3.org/ns/oa#start")
    offsets = {(s, o) for s, p, o in _data(again) if p == start}
    assert offsets and offsets == {(s, o) for s, p, o in _data(built) if p == start}
    assert _data(again) == _data(built)


# ---- failure 7: control, NUL and bidi characters are refused in every text field, with the field named


CHARACTER_CASES = {
    "nul-in-label": ("label: Wang Yi\n", 'label: "Wang\\0 Yi"\n', "records[2] (wang-yi).label", "U+0000"),
    "rlo-in-alt-label": ("altLabels: [Treuberdi]", 'altLabels: ["Treu\\u202Eberdi"]',
                         "records[3] (mukhtar-tleuberdi).altLabels[0]", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    "isolate-in-title": ("title: A minimal note on the first China + Central Asia foreign ministers' meeting",
                         "title: \"A \\u2066minimal note on the first China + Central Asia foreign ministers'"
                         " meeting\"",
                         "document.title",
                         "U+2066 LEFT-TO-RIGHT ISOLATE"),
    "c1-in-label": ("label: Support the WHO", 'label: "Support the \\x9bWHO"', "records[15] (ministers-support-who)"
                    ".label", "U+009B"),
    "rlm-in-description": ("    label: China\n", '    label: China\n    description: "China\\u200F"\n',
                           "records[0] (china).description", "U+200F RIGHT-TO-LEFT MARK"),
    "escape-in-note": ("    label: Kazakhstan\n", '    label: Kazakhstan\n    note: "ESC \\e[31m red"\n',
                       "records[1] (kazakhstan).note", "U+001B"),
    "rlo-in-a-key": ("    label: China\n", '    "lab\\u202Eel": China\n', "records[0] (china).lab\\u202eel",
                     "U+202E RIGHT-TO-LEFT OVERRIDE"),
    "surrogate-in-label": ("label: Mukhtar Tleuberdi", 'label: "Mukhtar \\uD800Tleuberdi"',
                           "records[3] (mukhtar-tleuberdi).label", "U+D800 (a lone surrogate)"),
}


@pytest.mark.parametrize("case", sorted(CHARACTER_CASES))
def test_refused_characters_in_a_field_are_named(case, minimal_sources):
    old, new, field, what = CHARACTER_CASES[case]
    source = minimal_sources / "000-minimal.yaml"
    _replace(source, old, new)
    _refused(minimal_sources, f"{field}: character", what)


def test_a_bidi_override_in_a_quote_and_its_text_is_refused(minimal_sources):
    _replace(minimal_sources / "texts" / "note.txt", "The ministers support the WHO.",
             "The ministers support the \u202eOHW eht.")
    _replace(minimal_sources / "000-minimal.yaml", "quote: The ministers support the WHO.",
             'quote: "The ministers support the \\u202EOHW eht."')
    stderr = _refused(minimal_sources, "records[15] (ministers-support-who).quote: character 27: U+202E")
    assert "note.txt:" in stderr and "U+202E RIGHT-TO-LEFT OVERRIDE is not allowed in a text" in stderr


# ---- failure 7: no record is part of itself


CYCLE_CASES = {
    "proposal-part-of-itself": ("    position: 1\n    topics: [epidemic-cooperation]\n    quote: Wang Yi proposed",
                                "    position: 1\n    partOf: proposal-health\n    topics: [epidemic-cooperation]\n"
                                "    quote: Wang Yi proposed",
                                "proposal-health.partOf: 'proposal-health' names itself"),
    "two-proposals": ("    position: 1\n    topics: [epidemic-cooperation]\n    quote: Wang Yi proposed",
                      "    position: 1\n    partOf: proposal-other\n    topics: [epidemic-cooperation]\n"
                      "    quote: Wang Yi proposed",
                      "a cycle: proposal-health → proposal-other → proposal-health"),
    "ministry-parent": ("", "", "mfa-china.parent: 'mfa-china' names itself as its parent"),
    "country-region": ("    label: China\n", "    label: China\n    region: kazakhstan\n",
                       "a cycle: china → kazakhstan → china"),
}

EXTRA_RECORDS = {
    "two-proposals": "  - id: proposal-other\n    a: Proposal\n    label: Another proposal\n    actors: [wang-yi]\n"
                     "    partOf: proposal-health\n    quote: Wang Yi proposed\n",
    "ministry-parent": "  - id: mfa-china\n    a: Ministry\n    label: Ministry of Foreign Affairs of China\n"
                       "    country: china\n    parent: mfa-china\n    quote: Foreign Minister Wang Yi\n",
    "country-region": None,
}


@pytest.mark.parametrize("case", sorted(CYCLE_CASES))
def test_a_hierarchy_cycle_is_refused(case, minimal_sources):
    old, new, message = CYCLE_CASES[case]
    source = minimal_sources / "000-minimal.yaml"
    if old:
        _replace(source, old, new)
    if case == "country-region":
        _replace(source, "    label: Kazakhstan\n", "    label: Kazakhstan\n    region: china\n")
    if EXTRA_RECORDS.get(case):
        _append(source, EXTRA_RECORDS[case])
    _refused(minimal_sources, message)


# ---- failure 8: a release is all or nothing


def _digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # dist/country/ too


def _build_command(out: Path, version: str) -> list[str]:
    return [sys.executable, str(ROOT / "build.py"), "--sources", str(MINIMAL), "--out", str(out),
            "--version", version, "-q"]


def _reference(out: Path, version: str) -> tuple[dict[str, str], float]:
    started = time.monotonic()
    done = subprocess.run(_build_command(out, version), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return _digests(out), time.monotonic() - started


def test_builds_killed_at_random_moments_leave_one_complete_release(tmp_path):
    versions = ("9.0.1", "9.0.2")
    refs, took = zip(*(_reference(tmp_path / f"ref-{v}", v) for v in versions))
    assert refs[0] != refs[1] and set(refs[0]) == set(refs[1])
    parent = tmp_path / "site"
    parent.mkdir()
    out = parent / "dist"
    subprocess.run(_build_command(out, versions[0]), cwd=ROOT, check=True, timeout=300)
    rng = random.Random(15)
    span = min(took)
    interrupted = 0
    for kill in range(10):
        build = subprocess.Popen(_build_command(out, versions[(kill + 1) % 2]), cwd=ROOT,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.35, 1.05) * span)
        build.send_signal(signal.SIGKILL)
        build.wait(timeout=60)
        interrupted += build.returncode == -signal.SIGKILL
        found = _digests(out)
        assert found in refs, f"kill {kill}: not one whole release: {sorted(found)}"
    assert interrupted >= 3, f"only {interrupted} of 10 kills landed during a build"
    subprocess.run(_build_command(out, versions[1]), cwd=ROOT, check=True, timeout=300)
    assert _digests(out) == refs[1]
    assert sorted(p.name for p in parent.iterdir()) == ["dist"]  # no stage of a killed build is left


def test_stale_stages_and_temporaries_are_removed_by_the_next_build(tmp_path):
    out = tmp_path / "dist"
    assert run_cli("--sources", str(MINIMAL), "--out", str(out), "-q").returncode == 0
    release = _digests(out)
    (out / ".cckg.nt.abc123.tmp").write_text("half", encoding="utf-8")  # a killed export
    for stale in (".dist.building-0a1b2c", ".dist.previous-3d4e5f"):
        (tmp_path / stale).mkdir()
        (tmp_path / stale / "cckg.ttl").write_text("half", encoding="utf-8")
    assert run_cli("--sources", str(MINIMAL), "--out", str(out), "-q").returncode == 0
    assert _digests(out) == release
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_the_manifest_checks_the_release(tmp_path):
    out = tmp_path / "dist"
    assert run_cli("--sources", str(MINIMAL), "--out", str(out), "-q").returncode == 0
    lines = (out / "release.sha256").read_text(encoding="utf-8").splitlines()
    listed = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in lines}
    assert listed == {name: digest for name, digest in _digests(out).items() if name != "release.sha256"}
    if shutil.which("sha256sum"):
        assert subprocess.run(["sha256sum", "--check", "--quiet", "release.sha256"], cwd=out).returncode == 0


def test_exports_and_views_written_into_the_release_do_not_break_the_next_build(tmp_path):
    out = tmp_path / "dist"
    assert run_cli("--sources", str(MINIMAL), "--out", str(out), "-q").returncode == 0
    release = _digests(out)
    assert run_cli("export", "--sources", str(MINIMAL), "--format", "xml", "--out", str(out / "cckg.rdf"),
                   "-q").returncode == 0
    assert run_cli("view", "--sources", str(MINIMAL), "--focus", "wang-yi", "--out", str(out / "view.html"),
                   "-q").returncode == 0
    assert {"cckg.rdf", "view.html"} <= set(os.listdir(out))
    assert run_cli("--sources", str(MINIMAL), "--out", str(out), "-q").returncode == 0
    assert _digests(out) == release  # the release replaced whole: the files of the previous one went with it


def test_a_folder_that_is_not_a_release_is_not_replaced(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    result = run_cli("--sources", str(MINIMAL), "--out", str(out), "-q")
    assert result.returncode == 2
    assert "not a build's output folder" in result.stderr and "notes.txt" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_a_release_set_aside_by_a_killed_swap_is_put_back(tmp_path):
    from graph.build import release

    out = tmp_path / "dist"
    assert run_cli("--sources", str(MINIMAL), "--out", str(out), "-q").returncode == 0
    before = _digests(out)
    out.rename(tmp_path / ".dist.previous-0123ab")  # the fallback swap killed between its two renames
    release.recover(out)
    assert _digests(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


# ---- add-source reads an article as the build reads a text


def test_add_source_reads_a_bom_and_crlf_article_as_the_build_does(tmp_path):
    from graph.curate import draft as curate

    lf = (DATA / "curate" / "third-fm-meeting.txt").read_bytes()
    assert b"\r" not in lf
    article = tmp_path / "article.txt"
    article.write_bytes(b"\xef\xbb\xbf" + lf.replace(b"\n", b"\r\n"))
    assert curate.read_article(article)[0] == lf.decode("utf-8")


def test_add_source_refuses_an_article_with_a_bidi_override(minimal_sources, tmp_path):
    article = tmp_path / "article.txt"
    article.write_text("Wang Yi met Mukhtar Tleuberdi.\nThey agreed \u202eon nothing.\n", encoding="utf-8")
    result = run_cli("add-source", str(article), "--sources", str(minimal_sources), "-q")
    assert result.returncode == 2, result.stderr
    assert "article.txt:2: column 13: U+202E RIGHT-TO-LEFT OVERRIDE is not allowed in a text" in result.stderr
    assert "\u202e" not in result.stderr
    assert not (minimal_sources / "drafts").exists()


def test_a_draft_that_cannot_be_read_is_listed_not_skipped(minimal_sources, tmp_path):
    drafts = minimal_sources / "drafts"
    drafts.mkdir()
    (drafts / "gone.yaml").symlink_to(drafts / "no-such-draft.yaml")
    shutil.copy(minimal_sources / "000-minimal.yaml", drafts / "note.yml")
    out = tmp_path / "dist"
    result = run_cli("--sources", str(minimal_sources), "--out", str(out), "-q")
    assert result.returncode == 0, result.stderr
    report = (out / "validation-report.txt").read_text(encoding="utf-8")
    assert "gone.yaml: unreadable: a dangling symlink" in report
    assert "note.yml: unreadable: not loaded: source files end in .yaml" in report
    listed = run_cli("drafts", "--sources", str(minimal_sources), "--strict")
    assert listed.returncode == 1 and "gone.yaml" in listed.stdout
