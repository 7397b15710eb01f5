"""The package as a user installs it: a wheel built from the project, installed (not editable) into a fresh virtual
environment, and its `cckg` command run from a folder outside the checkout."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: What the wheel is built from: the checkout's files, copied so the build's build/ and *.egg-info stay out of it.
PROJECT_FILES = ("pyproject.toml", "README.md", "graph", "viz", "ontology", "queries")

pytestmark = pytest.mark.slow


def _setuptools_builds_offline() -> bool:
    """The running Python can build the wheel itself (no download of a build backend): setuptools >= 70.1 makes
    wheels without the separate `wheel` package, and pyproject.toml asks for >= 68."""
    try:
        version = tuple(int(x) for x in importlib.metadata.version("setuptools").split(".")[:2])
    except importlib.metadata.PackageNotFoundError:
        return False
    return version >= (70, 1)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The `bin/` folder of a fresh venv holding the wheel (dependencies reused from this Python's)."""
    base = tmp_path_factory.mktemp("package")
    project = base / "project"
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            project.mkdir(exist_ok=True)
            shutil.copy2(source, project / name)
    wheels = base / "wheels"
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(project)]
    if _setuptools_builds_offline():  # else pip fetches the build backend pyproject.toml names from the index
        build.insert(4, "--no-build-isolation")
    subprocess.run(build, check=True, cwd=base, capture_output=True, text=True)
    (wheel,) = wheels.glob("cckg-*.whl")
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    bin_dir = env_dir / "bin"
    # The dependencies are those this Python has (in the suite's own venv, or the system's): their folders are put on
    # the new venv's path by a .pth file (plain paths: the .pth files in them, such as an editable install of this
    # project, are not processed), so nothing is downloaded. The venv's own site-packages, with the wheel, comes first.
    site = next((env_dir / "lib").glob("python3*/site-packages"))
    deps = [p for p in sys.path if p.endswith(("site-packages", "dist-packages")) and Path(p).is_dir()]
    (site / "cckg-test-dependencies.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    # --ignore-installed: this Python may itself have the project installed (editable); the venv gets its own copy.
    subprocess.run([sys.executable, "-m", "pip", "--python", str(bin_dir / "python"), "install", "-q", "--no-index",
                    "--no-deps", "--ignore-installed", str(wheel)], check=True, capture_output=True, text=True)
    return bin_dir


def test_the_wheel_holds_what_the_cli_needs(installed: Path, tmp_path: Path) -> None:
    site = Path(subprocess.run([str(installed / "python"), "-c", "import graph, os; print(os.path.dirname(graph.__file__))"],
                               check=True, capture_output=True, text=True, cwd=tmp_path).stdout.strip())
    assert site.parent.name == "site-packages" and ROOT not in site.parents  # the installed copy, not the checkout
    for relative in ("cli/query.py", "serve/static/yasgui.min.js", "_data/ontology/cckg.ttl", "_data/ontology/shapes/data.ttl",
                     "_data/ontology/context.jsonld", "_data/queries/cq/meeting-participants.rq",
                     "_data/queries/checks/missing-label-violation.rq"):
        assert (site / relative).is_file(), relative
    assert (site.parent / "viz" / "templates" / "graph.html.j2").is_file()
    assert not (site.parent / "sources").exists()  # the curated sources are a project folder, not package data


def test_cckg_builds_and_queries_from_another_folder(installed: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    cckg = str(installed / "cckg")

    version = subprocess.run([cckg, "--version"], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.strip() == f"cckg {importlib.metadata.version('cckg')}"

    built = subprocess.run([cckg, "build", "--sources", str(ROOT / "sources"), "--out", "out", "-q"], cwd=elsewhere,
                           env=env, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    assert (elsewhere / "out" / "cckg.nq").is_file() and (elsewhere / "out" / "graph.html").is_file()
    assert not (elsewhere / "dist").exists()

    answer = subprocess.run([cckg, "query", "country-memberships", "--param", "country=kg:kazakhstan", "--format",
                             "csv", "--data", "out/cckg.nq"], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert answer.returncode == 0, answer.stderr
    lines = answer.stdout.splitlines()
    assert lines[0].startswith("country,") and any("kg:sco" in line or "/id/sco" in line for line in lines[1:])

    # Without --sources and with no ./sources, the command says what is missing (exit 2), instead of a traceback.
    missing = subprocess.run([cckg, "check"], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert missing.returncode == 2 and "sources" in missing.stderr and "Traceback" not in missing.stderr


def test_wheel_contents_list_no_checkout_only_files(installed: Path) -> None:
    (wheel,) = (installed.parent.parent / "wheels").glob("cckg-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "graph/_data/ontology/cckg.ttl" in names
    assert not [n for n in names if n.startswith(("sources/", "tests/", "dist/", "bench/"))]
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "cckg = graph.cli.main:main" in entry_points
