"""Command-line conventions: --version, `-` for stdout, export reading a current build (dist/manifest.json) and
writing several formats at once, progress on a terminal only, and a clear message for a port in use."""

from __future__ import annotations

import json
import os
import pty
import shutil
import socket
import subprocess
import sys

import pytest

from conftest import DATA, ROOT, run_cli


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project folder: a copy of the minimal sources and its build in dist/ (tests write elsewhere in it)."""
    folder = tmp_path_factory.mktemp("project")
    shutil.copytree(DATA / "minimal", folder / "sources")
    built = run_cli("build", "--sources", str(folder / "sources"), "--out", str(folder / "dist"), "-q")
    assert built.returncode == 0, built.stderr
    return folder


def test_version():
    from graph import paths

    for flag in ("--version", "-V"):
        run = run_cli(flag)
        assert run.returncode == 0 and run.stdout.strip() == f"cckg {paths.version()}", run.stderr


def test_a_python_without_the_packages_is_told_how_to_install_them():
    """`python3 build.py` on a stock machine (no venv yet): exit 2, the missing package and the quick start's
    command named, no traceback (-S: this interpreter without its site-packages)."""
    run = subprocess.run([sys.executable, "-S", str(ROOT / "build.py"), "check"], capture_output=True, text=True,
                         cwd=ROOT)
    assert run.returncode == 2, run.stderr
    assert "is not installed for" in run.stderr and ".venv/bin/pip install -e ." in run.stderr
    assert "Traceback" not in run.stderr


def test_the_build_records_its_inputs_in_a_manifest(project):
    manifest = json.loads((project / "dist" / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["inputs"]) == {"sources", "ontology", "code"}
    assert "large" not in manifest and set(manifest["files"]) == {"cckg.nq"}
    assert str(project) not in json.dumps(manifest)  # no absolute path: builds stay byte-identical anywhere


def _export(project, *args):
    return run_cli("export", "--sources", str(project / "sources"), "--dist", str(project / "dist"), *args)


def test_export_reads_a_current_build_and_writes_what_a_rebuild_writes(project):
    fresh = _export(project, "--format", "ttl,graphml", "--format", "nq", "--out", str(project / "a"))
    assert fresh.returncode == 0, fresh.stderr
    assert "reading the current build" in fresh.stderr and "validating" not in fresh.stderr
    again = _export(project, "--format", "ttl,graphml,nq", "--rebuild", "--out", str(project / "b"))
    assert again.returncode == 0 and "validating" in again.stderr, again.stderr
    names = sorted(p.name for p in (project / "a").iterdir())
    assert names == ["cckg.graphml", "cckg.nq", "cckg.ttl"]
    for name in names:
        assert (project / "a" / name).read_bytes() == (project / "b" / name).read_bytes(), name


def test_export_builds_again_when_a_source_changed(project, tmp_path):
    shutil.copytree(project, tmp_path / "copy")
    project = tmp_path / "copy"
    source = next((project / "sources").glob("*.yaml"))
    source.write_text(source.read_text(encoding="utf-8") + "\n# a curator's note\n", encoding="utf-8")
    run = _export(project, "--format", "nt", "--out", str(project / "x.nt"))
    assert run.returncode == 0, run.stderr
    assert "reading the current build" not in run.stderr and "validating" in run.stderr


def test_export_to_stdout(project):
    run = subprocess.run([sys.executable, str(ROOT / "build.py"), "export", "--sources", str(project / "sources"),
                          "--dist", str(project / "dist"), "--format", "nt", "--out", "-", "-q"],
                         capture_output=True, cwd=project)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count(b" .\n") > 10 and not (project / "-").exists()
    bad = _export(project, "--format", "nt,ttl", "--out", "-")
    assert bad.returncode == 2 and "one format" in bad.stderr
    unknown = _export(project, "--format", "ttl,docx")
    assert unknown.returncode == 2 and "'docx'" in unknown.stderr


def test_view_to_stdout(project):
    run = subprocess.run([sys.executable, str(ROOT / "build.py"), "view", "--sources", str(project / "sources"),
                          "--out", "-", "-q"], capture_output=True, cwd=project)
    assert run.returncode == 0, run.stderr
    assert run.stdout.lstrip().lower().startswith(b"<!doctype html") and not (project / "-").exists()


def test_progress_is_a_bar_on_a_terminal_and_plain_lines_in_a_log(project):
    args = [sys.executable, str(ROOT / "build.py"), "check", "--sources", str(project / "sources")]
    logged = subprocess.run(args, capture_output=True, text=True, cwd=project)
    assert logged.returncode == 0 and "[2/6] reading sources" in logged.stderr and "\r" not in logged.stderr
    # The same on a terminal (a pseudo-terminal as stderr): the bar redraws with carriage returns.
    leader, follower = pty.openpty()
    with subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=follower, cwd=project) as process:
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed: the process ended
                break
            if not chunk:
                break
            seen += chunk
        assert process.wait(timeout=120) == 0
    os.close(leader)
    assert b"source files" in seen and b"\r" in seen


def test_a_port_in_use_is_named(project):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = run_cli("serve", "--port", str(port), "--sources", str(project / "sources"), "-q")
    assert run.returncode == 2
    assert f"127.0.0.1:{port}" in run.stderr and "already in use" in run.stderr and "Traceback" not in run.stderr
