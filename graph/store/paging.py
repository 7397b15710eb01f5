"""Pages of a listing: a SELECT query with a top-level ORDER BY, cut by LIMIT and OFFSET (queries/README.md,
"Pages of a listing"). The ORDER BY of every library query makes its row order total and deterministic, so the
pages of one build concatenate to the whole listing.

Oxigraph sorts the whole answer before it cuts it (no top-k). A library query whose first ORDER BY keys are
variables bound in every row can declare them with a `# page-key:` header line (`PageKey`): its pages are then
read by seek (`fetch`): the keys' values in order from a cheap pattern, then the query with the keys bound to
successive chunks of them (a VALUES block), each chunk sorted by the query's own ORDER BY, until the page is
full. The rows of the smallest keys come first in the whole answer, so they are the same rows in the same order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graph.errors import UsageError

_MODIFIER = re.compile(r"\b(LIMIT|OFFSET)\s+\d+\s*$", re.IGNORECASE)


def page_bounds(limit: int | None, offset: int | None, page: int | None) -> tuple[int | None, int | None]:
    """(limit, offset) from --limit/--offset or --page N (1-based, of --limit rows, default 1,000)."""
    if page is not None:
        if offset is not None:
            raise UsageError("give either --page or --offset, not both")
        if page < 1:
            raise UsageError(f"--page {page}: pages are numbered from 1")
        limit = limit or 1000
        return limit, (page - 1) * limit
    for name, value in (("--limit", limit), ("--offset", offset)):
        if value is not None and value < 0:
            raise UsageError(f"{name} {value}: must be 0 or more")
    return limit, offset


def paginate(text: str, info, limit: int | None, offset: int | None) -> str:
    """`text` with LIMIT/OFFSET appended; a usage error unless it is a SELECT ordered at its top level and not
    already cut."""
    if limit is None and offset is None:
        return text
    if info.form != "select" or not info.ordered:
        raise UsageError("--limit/--offset/--page need a SELECT query with a top-level ORDER BY (else the pages of "
                         "two runs need not fit together)")
    if _MODIFIER.search(_strip_comments(text).rstrip()):
        raise UsageError("the query already has a LIMIT or OFFSET: give --limit/--offset/--page to an uncut query")
    tail = "".join(f"\n{word} {value}" for word, value in (("LIMIT", limit), ("OFFSET", offset)) if value is not None)
    return text.rstrip() + tail + "\n"


def _strip_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


@dataclass(frozen=True)
class PageKey:
    """`# page-key: ?a ?b { PATTERN }`: the query's first ORDER BY keys, ascending variables bound in every row
    of the answer, and a pattern whose solutions hold every (?a, ?b) the query can give (more does no harm)."""

    variables: tuple[str, ...]
    pattern: str

    @classmethod
    def parse(cls, value: str, where: str = "page-key") -> PageKey:
        names, brace, rest = value.partition("{")
        variables = tuple(re.findall(r"[?$]([A-Za-z_]\w*)", names))
        if not brace or not variables or names.strip() != " ".join(f"?{v}" for v in variables) \
                or not rest.rstrip().endswith("}"):
            raise UsageError(f"{where}: expected `# page-key: ?var … {{ pattern }}`, not {value!r}")
        return cls(variables, "{" + rest.rstrip())

    def check(self, text: str, where: str = "page-key") -> None:
        """A usage error unless the query's first ORDER BY conditions are these variables, ascending, in order."""
        conditions = order_conditions(text)[:len(self.variables)]
        if [c.replace(" ", "") for c in conditions] not in (
                [f"?{v}" for v in self.variables], [f"ASC(?{v})" for v in self.variables]):
            raise UsageError(f"{where}: the page key {' '.join('?' + v for v in self.variables)} is not the "
                             f"start of the query's ORDER BY ({' '.join(conditions)})")


def order_conditions(text: str) -> list[str]:
    """The conditions of the query's last ORDER BY as written (`?a`, `DESC(?b)`, `COALESCE(STR(?d), "")`), without
    the spaces between a function and its parenthesis."""
    from graph.store.sparql import _SKIP

    masked = re.sub(_SKIP, lambda m: m.group(0) if m.group(0)[0] in "\"'" else " " * len(m.group(0)), text)
    found = list(re.finditer(r"\bORDER\s+BY\b", masked, re.IGNORECASE))
    if not found:
        return []
    rest = _MODIFIER.sub("", _MODIFIER.sub("", masked[found[-1].end():].rstrip()).rstrip())
    conditions, depth, current = [], 0, ""
    for token in re.findall(r"\(|\)|\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[^\s()]+|\s+", rest):
        if token.isspace() and depth == 0:
            if current and not re.fullmatch(r"[A-Za-z_]+", current):
                conditions.append(current)
                current = ""
            continue
        current += token
        depth += (token == "(") - (token == ")")
    return conditions + ([current] if current else [])


#: Keys in the first chunk of a page read by seek: one, as a key may hold thousands of rows (about-country: China
#: as an actor, 1,699 rows at 1M). Each next chunk holds as many keys as should give CHUNK_ROWS rows (or the rows
#: the page still needs), from the rows a key gave in the last chunk, at most GROWTH times as many keys: at 1M
#: triples Oxigraph changes its plan for a VALUES block of more rows and takes 3-8 times longer a row
#: (meeting-participants: 32 keys 264 rows 21 ms, 128 keys 1,043 rows 570 ms; proposals-and-measures: 32 keys
#: 353 rows 10 ms, 64 keys 744 rows 50 ms).
FIRST_CHUNK = 1
GROWTH = 8
CHUNK_ROWS = 400


def fetch(store, text: str, info, limit: int | None, offset: int | None, *, params: dict | None = None,
          key: PageKey | None = None, bind=None, added: int = 0):
    """Rows `offset`… (at most `limit`) of the ordered SELECT `text` on `store` (an engines store), as a Result.
    With a page key and a limit, read by seek (see the module's docstring); else LIMIT/OFFSET appended
    (`paginate`). `params` are the query's parameters, `bind(text, params) -> (text, params)` its own choice of
    binding (LibraryQuery.bind) applied to every text run."""
    from graph.store.results import Result
    from graph.store.sparql import bind_inline

    bind = bind or (lambda t, p: (t, p))
    if key is None or limit is None:
        page_text, page_params = bind(text, dict(params or {}))
        page_text = paginate(page_text, info, limit, offset)
        return store.query(page_text, params=page_params, added=added).normalized(ordered=info.ordered)
    paginate(text, info, limit, offset)  # the same usage errors
    key.check(text)
    need = (offset or 0) + limit
    bound, bound_params = bind(text, dict(params or {}))
    keys = key_values(store, text, key, params or {})
    rows: list = []
    variables = None
    start, size = 0, FIRST_CHUNK
    while len(rows) < need and start < len(keys):
        chunk = keys[start:start + size]
        values = {name: [row[i] for row in chunk] for i, name in enumerate(key.variables)}
        # Each chunk is cut at the rows the page still needs: its rows come in the query's order, and a key may
        # give thousands (country-stances [all] at 1M: China's 2,403 rows for a page of 1,000).
        chunk_text = paginate(bind_inline(bound, values), info, need - len(rows), None)
        result = store.query(chunk_text, params=bound_params, added=added)
        variables = result.variables
        rows += result.normalized(ordered=True).rows
        wanted = min(CHUNK_ROWS, (need - len(rows)) * 5 // 4 + 1)
        start, size = start + size, max(1, min(GROWTH * size, wanted * len(chunk) // max(len(result.rows), 1)))
    if variables is None:  # no key at all: the query's columns from the query cut to nothing
        variables = store.query(bound.rstrip() + "\nLIMIT 0\n", params=bound_params, added=added).variables
    return Result("select", variables, rows[offset or 0:need], normal=True)


def key_values(store, text: str, key: PageKey, params: dict) -> list[tuple]:
    """The page key's values (tuples of terms), each once, in the query's ORDER BY order. IRIs are ordered by
    their characters (SPARQL 1.1, section 15.1), so a key of IRIs only is sorted here, in Python: Oxigraph's
    ORDER BY takes about 7 us an IRI (statement-source at 1M: 31,109 resources, 250 ms sorted by the engine,
    about 70 ms read from a pyoxigraph store and sorted here); other terms are sorted by the engine."""
    from graph.store.sparql import bind_inline, groups

    first = min(g.start for g in groups(text))
    # the prologue ends at the first SELECT outside a comment (a header comment may say "sub-SELECT")
    prologue = text[:next(m.start() for m in re.finditer(r"(?i)\bSELECT\b", text[:first])
                          if "#" not in re.sub(r"<[^<>]*>", "", text[text.rfind("\n", 0, m.start()) + 1:m.start()]))]
    names = " ".join(f"?{v}" for v in key.variables)
    mentioned = {k: v for k, v in params.items() if re.search(rf"[?$]{k}(?!\w)", key.pattern)}
    distinct = bind_inline(f"{prologue}SELECT DISTINCT {names} WHERE {key.pattern}\n", mentioned)
    iris = _iri_rows(store, distinct)
    if iris is not None:
        return _Iris(sorted(iris))
    ordered = f"{prologue}SELECT {names} WHERE {{ {distinct[len(prologue):].strip()} }}\nORDER BY {names}\n"
    return store.query(ordered).rows


def _iri_rows(store, text: str) -> list[tuple[str, ...]] | None:
    """The rows of `text` as tuples of IRIs (strings), or None if a term is not an IRI. On an OxigraphStore the
    pyoxigraph store is read directly: converting 31,109 terms to rdflib would take longer than sorting them."""
    import pyoxigraph as ox
    from rdflib import URIRef

    from graph.store.engines import OxigraphStore

    if isinstance(store, OxigraphStore):
        # Written by the engine as tab-separated values (an IRI as <…>: it holds no tab, space, < or >), read here
        # by splitting: 31,109 rows in about 10 ms, where making a Python term of each took 40 ms.
        # A cell is an IRI if it starts with "<": a literal starts with '"' or a digit, a blank node with "_:".
        data = store.store.query(text).serialize(format=ox.QueryResultsFormat.TSV).decode()
        header, _, body = data.partition("\n")
        lines = body.split("\n")[:-1]
        width = header.count("\t") + 1
        if ("\n" + body).count("\n<") + body.count("\t<") != len(lines) * width:
            return None
        if width == 1:
            return [(line[1:-1],) for line in lines]
        return [tuple(cell[1:-1] for cell in line.split("\t")) for line in lines]
    found = store.query(text).rows
    if not all(type(term) is URIRef for row in found for term in row):
        return None
    return [tuple(map(str, row)) for row in found]


class _Iris(list):
    """Rows of IRIs kept as strings; a slice is given as rdflib terms (only the keys a page binds are made)."""

    def __getitem__(self, index):
        from rdflib import URIRef

        found = super().__getitem__(index)
        if isinstance(index, slice):
            return [tuple(URIRef(value) for value in row) for row in found]
        return tuple(URIRef(value) for value in found)
