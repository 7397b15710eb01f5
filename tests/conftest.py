"""Shared fixtures: one build of the real sources per session, and helpers to run the CLI in a subprocess."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

try:  # hypothesis keeps no example database and its caches out of the checkout (it would write .hypothesis/)
    import tempfile

    from hypothesis import settings as _hypothesis_settings
    from hypothesis.configuration import set_hypothesis_home_dir

    _hypothesis_home = tempfile.mkdtemp(prefix="cckg-hypothesis-")
    atexit.register(shutil.rmtree, _hypothesis_home, ignore_errors=True)  # each process removes its own
    set_hypothesis_home_dir(_hypothesis_home)
    _hypothesis_settings.register_profile("cckg", database=None)
    _hypothesis_settings.load_profile("cckg")
except ImportError:  # the test extra is not installed: the hypothesis tests are not collected either
    pass


# --- the suite writes nothing into the working tree ---------------------------------------------------------------

#: Paths Python and pytest themselves write while tests run (bytecode, pytest's cache).
_OWN_FILES = ("__pycache__", ".pytest_cache")


def _tree_state() -> list[str] | None:
    """`git status --porcelain --ignored` of the checkout (new, changed and ignored paths), or None outside git."""
    try:
        run = subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=ROOT, capture_output=True,
                             text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if run.returncode != 0:
        return None
    return sorted(line for line in run.stdout.splitlines() if not any(own in line for own in _OWN_FILES))


#: Fixtures that make a large graph: a test that uses one is marked slow (`-m "not slow"` skips them).
_SLOW_FIXTURES = {"generated_sources", "generated_build"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput"):  # the controller only (pytest-xdist runs workers too)
        session.config._tree_before = _tree_state()


def pytest_sessionfinish(session, exitstatus):
    before = getattr(session.config, "_tree_before", None)
    if before is None:
        return
    after = _tree_state()
    if after is not None and after != before:
        changed = sorted(set(after) ^ set(before))
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = "the test run changed the working tree (tests must write under tmp_path):\n  " + "\n  ".join(changed)
        if reporter is not None:
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def run_cli(*args: str, env: dict | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run `python build.py ARGS` in a fresh process; returns the completed process (text mode)."""
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), *args],
        cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=600,
    )


@pytest.fixture(scope="session")
def built():
    """The real graph, built and validated once per test session (graph.pipeline.Build)."""
    from graph.build import pipeline

    return pipeline.build()


@pytest.fixture(scope="session")
def whole_graph(built):
    """Ontology + data of the real build as one rdflib Graph."""
    from graph.build.output import fresh_graph

    return fresh_graph(built.all_triples())


@pytest.fixture()
def minimal_sources(tmp_path: Path) -> Path:
    """A writable copy of tests/data/minimal (a small valid source) for tests that corrupt it."""
    target = tmp_path / "sources"
    shutil.copytree(DATA / "minimal", target)
    return target


def require_tool(path_or_name: str) -> str:
    """The tool's path (on PATH, or beside this interpreter: the console scripts of a venv that is not activated, as
    `.ci/run` runs `.venv/bin/python -m pytest`); in CI a missing tool fails the test, elsewhere it skips it."""
    found = (shutil.which(path_or_name) or shutil.which(path_or_name, path=str(Path(sys.executable).parent))
             or (path_or_name if Path(path_or_name).exists() else None))
    if found:
        return found
    if IN_CI:
        pytest.fail(f"{path_or_name} is required in CI but is not installed")
    pytest.skip(f"{path_or_name} is not installed")


@pytest.fixture(scope="session")
def generated_sources(tmp_path_factory) -> Path:
    """A generated sources folder of about 10k triples (bench/generate.py, seeded)."""
    from bench.generate import generate

    out = tmp_path_factory.mktemp("generated") / "sources"
    generate(out, triples=10_000, seed=3)
    return out


def outputs_under_hash_seeds(sources: Path, out: Path, writer: str) -> tuple[Path, Path]:
    """Build `sources` and write them with `writer` ("module:function", called as writer(build, folder)) in two
    fresh processes, with PYTHONHASHSEED 1 and 2; the two output folders."""
    module, function = writer.split(":")
    code = ("import sys, importlib; from pathlib import Path; from graph.build import pipeline; "
            "r = pipeline.build(sources_dir=Path(sys.argv[1]), version='0.1.0'); "
            f"importlib.import_module('{module}').{function}(r, Path(sys.argv[2]))")
    folders = (out / "1", out / "2")
    for seed, folder in zip(("1", "2"), folders):
        subprocess.run([sys.executable, "-c", code, str(sources), str(folder)], cwd=ROOT, check=True,
                       env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    return folders


def reference_quads(build) -> list:
    """The build's named graphs (the ontology's and each source's) as the reference makes them: an rdflib Dataset
    built from the same sources (builder.build_dataset), as pyoxigraph quads."""
    from rdflib import URIRef

    from graph.build import builder, derive
    from graph.terms import Terms

    dataset = builder.build_dataset(build.sources, build.ontology, text_root=build.text_root)
    terms, quads = Terms(), []
    for graph in dataset.graphs():
        if isinstance(graph.identifier, URIRef) and str(graph.identifier).startswith("https://"):
            quads += [terms.quad(t, terms.iri(graph.identifier)) for t in graph]
    derived = terms.iri(derive.DERIVED_GRAPH)
    return quads + [terms.quad(t, derived) for t in derived_reference(dataset)]


def derived_reference(dataset) -> set:
    """The derived shortcuts as the reference makes them: each rule of queries/derived/ run by rdflib's own SPARQL
    engine on the union of the dataset's graphs (the build runs them on Oxigraph)."""
    from rdflib import Graph

    from graph.build import derive

    union = Graph()
    for graph in dataset.graphs():
        union += graph
    return {t for path in derive.rules() for t in union.query(path.read_text(encoding="utf-8"))}


@pytest.fixture(scope="session")
def generated_build(generated_sources):
    """The generated sources, built (the same path as every build: one pyoxigraph store, compiled shapes)."""
    from graph.build import pipeline

    return pipeline.build(sources_dir=generated_sources, version="0.1.0")
