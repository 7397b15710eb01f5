"""Where the project's files are, in a checkout and in an installed package (`pip install .` or a wheel).

Three kinds of files:

- the project's own resources, read-only: the ontology (with its shapes and JSON-LD context) and the query
  library. In a checkout they are `ontology/` and `queries/` next to `graph/`; in an installed package they are
  the package data under `graph/_data/` (pyproject.toml maps the two folders there), so `ROOT / "ontology"` and
  `ROOT / "queries"` name them either way;
- the curated sources, a project folder the commands point at (`--sources`): by default `./sources` when the
  current directory has one, else the checkout's `sources/` (an installed package holds no sources);
- the outputs: `dist/` beside the sources folder chosen by default.
"""

from __future__ import annotations

import functools
from pathlib import Path

#: The folder above the package: the checkout, when the code runs from one (also an editable install).
CHECKOUT = Path(__file__).resolve().parent.parent
#: The package data of an installed copy (see [tool.setuptools.package-dir] in pyproject.toml).
PACKAGE_DATA = Path(__file__).resolve().parent / "_data"
DISTRIBUTION = "cckg"


def is_checkout(folder: Path) -> bool:
    """`folder` holds the project's pyproject.toml, ontology and queries (a git checkout or an unpacked sdist)."""
    return (folder / "pyproject.toml").is_file() and (folder / "ontology" / "cckg.ttl").is_file() \
        and (folder / "queries" / "cq").is_dir()


IN_CHECKOUT = is_checkout(CHECKOUT)
#: The folder holding `ontology/` and `queries/`.
ROOT = CHECKOUT if IN_CHECKOUT else PACKAGE_DATA
ONTOLOGY_DIR = ROOT / "ontology"
QUERIES_DIR = ROOT / "queries"


def project_dir(cwd: Path | None = None) -> Path:
    """The folder whose `sources/` and `dist/` the commands use by default: the current directory when it has a
    `sources/` folder (or when there is no checkout to fall back to), else the checkout."""
    cwd = (cwd or Path.cwd()).resolve()
    if (cwd / "sources").is_dir() or not IN_CHECKOUT:
        return cwd
    return CHECKOUT


PROJECT = project_dir()
SOURCES_DIR = PROJECT / "sources"
DIST = PROJECT / "dist"


@functools.cache
def version() -> str:
    """The project's version: pyproject.toml's in a checkout, the installed distribution's otherwise."""
    import importlib.metadata  # here, not at the top: only --version and the build need it
    import tomllib

    if IN_CHECKOUT:
        with open(CHECKOUT / "pyproject.toml", "rb") as handle:
            return tomllib.load(handle)["project"]["version"]
    return importlib.metadata.version(DISTRIBUTION)


#: Paths in messages are shown relative to this folder (the checkout, else the project folder).
SHOWN_FROM = CHECKOUT if IN_CHECKOUT else PROJECT
