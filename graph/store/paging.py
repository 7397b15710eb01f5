"""Pages of a listing: a SELECT query with a top-level ORDER BY, cut by LIMIT and OFFSET (queries/README.md,
"Pages of a listing"). The ORDER BY of every library query makes its row order total and deterministic, so the
pages of one build concatenate to the whole listing."""

from __future__ import annotations

import re

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
