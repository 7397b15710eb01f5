"""The library's shape (README "Layout"): stages in their order with no import against it (import-linter's layers
contract in pyproject.toml, run by its own command), no import circle between modules, a docstring for every
stage saying its job, and modules of a readable size."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

STAGES = ("sources", "build", "store", "network", "serve", "export", "curate", "cli")
MAX_LINES = 420  # "about 400"


def _modules() -> list[Path]:
    return sorted(p for folder in ("graph", "viz") for p in (ROOT / folder).rglob("*.py") if "_data" not in p.parts)


def test_lint_imports_keeps_the_stage_order():
    command = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    run = subprocess.run([command, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 kept, 0 broken" in run.stdout


def test_no_module_imports_itself_back():
    import grimp  # import-linter's import graph

    graph = grimp.build_graph("graph", "viz", cache_dir=None)  # no .grimp_cache/ in the checkout
    circles = sorted({tuple(sorted((m, i))) for m in graph.modules for i in graph.find_modules_directly_imported_by(m)
                      if graph.chain_exists(importer=i, imported=m)})
    assert circles == []


def test_every_stage_says_its_job_and_the_readme_names_it():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for stage in STAGES:
        init = ROOT / "graph" / stage / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc) > 80, stage
        assert f"`graph/{stage}/`" in readme, stage


def test_modules_stay_readable():
    long = {p.relative_to(ROOT).as_posix(): n for p in _modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}
    for path in _modules():
        assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or path.name == "_namespace.py", path
