"""Rewrites of a query's text for the embedded Oxigraph engine, each keeping the answer row for row: Oxigraph
evaluates a sub-SELECT and an OPTIONAL group on their own, over the whole graph, and then joins them by hashing;
rewritten, the rows already found drive the lookups that follow.

* `lateral_optionals`: every `OPTIONAL { … }` at the top level of the WHERE group as `LATERAL { OPTIONAL { … } }`
  (Oxigraph's extension, SEP-0006): evaluated once per row found before it. The answer is the same for an OPTIONAL
  whose variables shared with the rest of the query are bound by the patterns before it (the library queries
  that ask for it, `# binding: inline lateral`, and the phrase search, are written so).
* `inline_sub_select`: a plain sub-SELECT replaced by its body when none of its hidden variables occurs outside.

Used by graph.store.library (a query's own choice of binding) and graph.store.fulltext (the phrase search); rdflib
and remote servers run the queries as written. Strings, comments and IRIs are skipped (graph.store.sparql.groups).
"""

from __future__ import annotations

import re

from graph.store.sparql import groups


def inline_sub_select(text: str, position: int) -> str:
    """The sub-SELECT around `position` (a group `{ SELECT … WHERE { BODY } }`, no modifiers) replaced by BODY, if
    none of BODY's variables that it does not project occurs elsewhere in the query (then the rows are the same).
    Oxigraph evaluates a sub-SELECT on its own and joins it by hashing; inlined, the candidates bound before the
    quote pattern drive the joins that follow."""
    for match in reversed(list(re.finditer(r"\{\s*SELECT\b", text[:position], re.IGNORECASE))):
        end = _group_end(text, match.start())
        if end <= position:
            continue
        where = text.index("{", match.end())
        body_end = _group_end(text, where)
        if text[body_end:end - 1].strip():  # GROUP BY, ORDER BY, LIMIT…: not a plain projection
            return text
        projection = text[match.end():where]
        projected = set(re.findall(r"[?$](\w+)", projection))
        body = text[where + 1:body_end - 1]
        outside = text[:match.start()] + text[end:]
        hidden = set(re.findall(r"[?$](\w+)", body)) - projected
        if "*" in projection or any(re.search(rf"[?$]{v}\b", outside) for v in hidden):
            return text
        return text[:match.start()] + body + text[end:]
    return text


def lateral_optionals(text: str) -> str:
    """`OPTIONAL { … }` at the top level of the main WHERE group as `LATERAL { OPTIONAL { … } }` (the groups as
    graph.store.sparql reads them: strings, IRIs and comments skipped)."""
    found = groups(text)
    if not found:
        return text
    where = found[0]  # the first group: the WHERE group of a SELECT
    out, last = [], 0
    for group in found:
        if group.depth != where.depth + 1 or not where.start < group.start < where.end:
            continue
        keyword = _OPTIONAL.search(text, max(0, group.start - 64), group.start)
        if keyword is None or (keyword.start() and (text[keyword.start() - 1].isalnum()
                                                    or text[keyword.start() - 1] in "_?$:")):
            continue
        out += [text[last:keyword.start()], "LATERAL { ", text[keyword.start():group.end + 1], " }"]
        last = group.end + 1
    return "".join(out) + text[last:]


#: The keyword right before a group's `{`.
_OPTIONAL = re.compile(r"OPTIONAL\s*\Z", re.IGNORECASE)


def _group_end(text: str, start: int) -> int:
    """The index after the `}` that closes the `{` at `start`."""
    return next(g.end + 1 for g in groups(text) if g.start == start)
