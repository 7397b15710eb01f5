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
    """`OPTIONAL { … }` at the top level of the main WHERE group as `LATERAL { OPTIONAL { … } }`."""
    out, depth, i, n = [], 0, 0, len(text)
    where_depth = None
    while i < n:
        c = text[i]
        if c == "#":  # a comment runs to the end of the line
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(text[i:j])
            i = j
            continue
        if c in "\"'":
            j = _string_end(text, i)
            out.append(text[i:j])
            i = j
            continue
        if c == "<" and re.match(r"<[^\s<>\"{}|^`\\]*>", text[i:]):
            j = text.index(">", i) + 1
            out.append(text[i:j])
            i = j
            continue
        if c == "{":
            if where_depth is None:
                where_depth = depth + 1
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == where_depth and text[i:i + 8].upper() == "OPTIONAL" and not _word(text, i - 1) \
                and not _word(text, i + 8):
            start = text.index("{", i)
            end = _group_end(text, start)
            out.append("LATERAL { " + text[i:end] + " }")
            i = end
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _word(text: str, i: int) -> bool:
    return 0 <= i < len(text) and (text[i].isalnum() or text[i] in "_?$:")


def _string_end(text: str, i: int) -> int:
    quote = text[i]
    long = text[i:i + 3] == quote * 3
    if long:
        end = text.find(quote * 3, i + 3)
        return len(text) if end < 0 else end + 3
    j = i + 1
    while j < len(text) and text[j] != quote:
        j += 2 if text[j] == "\\" else 1
    return j + 1


def _group_end(text: str, start: int) -> int:
    """The index after the `}` that closes the `{` at `start` (the query's groups as graph.store.sparql reads them:
    strings and comments skipped)."""
    from graph.store.sparql import groups

    return next(g.end + 1 for g in groups(text) if g.start == start)
