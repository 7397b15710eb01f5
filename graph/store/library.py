"""The query library: the competency questions in queries/cq/*.rq (and the checks in queries/checks/), each a
self-documenting SPARQL file whose `#` header gives its title, question, columns and parameters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from graph.errors import UsageError
from graph.paths import QUERIES_DIR

CATEGORIES = ("cq", "checks")
#: The header every library query has, in this order; then, optionally, OPTIONAL_FIELDS.
HEADER_FIELDS = ("title", "question", "returns", "params")
OPTIONAL_FIELDS = ("binding", "page-key", "materialized")

_FIELD = re.compile(r"^#\s*(title|question|returns|params|binding|page-key|materialized):\s*(.*)$")
_PARAM = re.compile(r"\?([A-Za-z_][A-Za-z0-9_]*)\s+—\s+([^;]*?)(?:\(example:\s*([^)]*)\))?\s*(?:;|$)")


@dataclass(frozen=True)
class Param:
    name: str
    description: str
    example: str | None

    @property
    def required(self) -> bool:
        return "required" in self.description


@dataclass(frozen=True)
class LibraryQuery:
    """One .rq file of the library."""

    name: str  # file stem, e.g. meeting-participants
    category: str  # cq | checks
    path: Path
    text: str
    header: dict[str, str]

    @property
    def title(self) -> str:
        return self.header.get("title", self.name)

    @property
    def question(self) -> str:
        return self.header.get("question", "")

    @property
    def params(self) -> list[Param]:
        return parse_params(self.header.get("params", ""))

    @property
    def inline_binding(self) -> bool:
        """`# binding: inline`: its parameters are written into the query as a leading VALUES block rather than
        pre-bound (Oxigraph applies pre-bound values after evaluating the whole pattern; for a query whose pattern
        is large without them, the VALUES block is joined first: commitments-by-topic at 1M, 268 ms -> 17 ms). The
        answers are the same (tests/test_queries.py); for other queries pre-binding is as fast or faster."""
        return self._binding[:1] == ["inline"]

    @property
    def lateral_optionals(self) -> bool:
        """`# binding: inline lateral`: also, on the embedded Oxigraph engine and with parameters given, its
        top-level OPTIONAL groups run once per row found (graph.store.rewrite.lateral_optionals) instead of over
        the whole graph: proposals-and-measures at 1M, 86 ms -> 3 ms. Whole listings (no parameter) run as written:
        there the per-row evaluation is the slower one."""
        return self._binding[:2] == ["inline", "lateral"]

    @property
    def page_key(self):
        """`# page-key: ?var … { pattern }`: its pages are read by seek (graph.store.paging.PageKey), or None."""
        if "page-key" not in self.header:
            return None
        from graph.store.paging import PageKey

        return PageKey.parse(self.header["page-key"], f"{self.path}: page-key")

    @property
    def materialized(self) -> tuple[str, ...] | None:
        """`# materialized: ?var …` (or `none`): the build keeps the query's whole answer in the release's listing
        tables (graph.store.listings), which also answer a run binding only these parameters; None without the line."""
        if "materialized" not in self.header:
            return None
        return tuple(re.findall(r"\?([A-Za-z_]\w*)", self.header["materialized"]))

    @property
    def _binding(self) -> list[str]:
        return self.header.get("binding", "").split()

    def bind(self, text: str, params: dict, *, engine: str | None = None) -> tuple[str, dict]:
        """(text, params) to run on `engine` ("oxigraph", "rdflib", or None for a remote server): the query's own
        choice of binding (`inline_binding`, `lateral_optionals`) applied to `text`."""
        if not params or not self.inline_binding:
            return text, params
        from graph.store import rewrite
        from graph.store.sparql import bind_inline

        lateral = self.lateral_optionals and engine == "oxigraph"
        text = bind_inline(text, params, joined=not lateral)
        if lateral:
            text = rewrite.lateral_optionals(text)
        return text, {}


def parse_header(text: str) -> dict[str, str]:
    """The `# field: value` lines before the first PREFIX; indented `#   ` lines continue the previous field."""
    header: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _FIELD.match(line)
        if match:
            current = match.group(1)
            header[current] = match.group(2).strip()
        elif current and line.startswith("#  "):
            header[current] += " " + line[1:].strip()
    return header


def parse_params(text: str) -> list[Param]:
    """`?name — description (example: VALUE); ?other — …` → params; "none" → []."""
    if text.strip() in ("", "none"):
        return []
    return [Param(m.group(1), m.group(2).strip().rstrip(","), (m.group(3) or "").strip() or None)
            for m in _PARAM.finditer(text)]


def load(category: str, queries_dir: Path = QUERIES_DIR) -> list[LibraryQuery]:
    """Every query of one category, by name."""
    files = sorted((queries_dir / category).glob("*.rq"))
    return [read(path, category) for path in files]


def read(path: Path, category: str = "file") -> LibraryQuery:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror}") from None
    return LibraryQuery(path.stem, category, path, text, parse_header(text))


def all_queries(queries_dir: Path = QUERIES_DIR) -> list[LibraryQuery]:
    return [q for category in CATEGORIES for q in load(category, queries_dir)]


def find(name: str, queries_dir: Path = QUERIES_DIR) -> LibraryQuery:
    """A library query by name (cq/ first, then checks/), or a .rq file by path."""
    for category in CATEGORIES:
        path = queries_dir / category / f"{name}.rq"
        if path.is_file():
            return read(path, category)
    path = Path(name)
    if path.suffix == ".rq" or path.is_file():
        if not path.is_file():
            raise UsageError(f"{name}: no such file")
        return read(path)
    names = ", ".join(q.name for q in load("cq", queries_dir))
    raise UsageError(f"{name!r} is neither a library query nor a .rq file (library: {names})")
