"""Reading a SPARQL query before running it: its form, whether it orders its rows, its variables, what the
read-only endpoint would refuse, and its parameters as RDF terms (https://www.w3.org/TR/sparql11-query/).

Nothing here parses the query with a SPARQL grammar: the engine that runs it parses it once, and its syntax errors
become QueryError with the line, the column and a caret (`engine_error`). What the command line needs to know
before running a query (its form, its variables, a top-level ORDER BY, the prefixes it uses) is read by a small
scanner that skips strings, IRIs and comments (`inspect`), in microseconds; a query the scanner misreads is still
refused by the engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import Literal, URIRef

from graph.errors import UsageError
from graph.namespaces import PREFIXES, XSD

#: The longest query accepted (characters).
MAX_QUERY_LENGTH = 100_000

_FORMS = ("select", "ask", "construct", "describe")
_UPDATES = ("insert", "delete", "load", "clear", "drop", "create", "add", "move", "copy", "with")
_UPDATE_REFUSED = ("updates (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE…) are not allowed: this endpoint is "
                   "read-only")


class QueryError(Exception):
    """A query that cannot be run: malformed (status 400), not read-only (403) or using a refused feature (400).
    A syntax error carries its (line, column) as `position` and the parser's short reason as `detail`."""

    def __init__(self, message: str, *, status: int = 400, position: tuple[int, int] | None = None,
                 detail: str = ""):
        super().__init__(message)
        self.status = status
        self.position = position
        self.detail = detail


@dataclass(frozen=True)
class QueryInfo:
    """What the scanner reads in a query."""

    form: str  # select | ask | construct | describe
    ordered: bool  # the query has a top-level ORDER BY: keep the engine's row order
    variables: frozenset[str]  # every variable the query mentions
    refusal: str | None  # why the read-only endpoint must not run it (SERVICE, FROM), or None
    added: int = 0  # PREFIX lines `prepare` put before the user's text

    @property
    def is_graph(self) -> bool:
        return self.form in ("construct", "describe")


def inspect(text: str) -> QueryInfo:
    """Describe `text` (a query, not an update) from its tokens: QueryError if it has no query form (403 for an
    update). Syntax errors are the engine's to find (`engine_error`)."""
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(f"the query is longer than {MAX_QUERY_LENGTH} characters", status=413)
    form = None
    ordered = False
    service = datasets = False
    variables: set[str] = set()
    previous = ""
    for kind, value, depth in _scan(text):
        if kind == "var":
            variables.add(value)
            continue
        word = value.lower()
        if form is None and depth == 0:
            if word in _FORMS:
                form = word
            elif word in _UPDATES:
                raise QueryError(_UPDATE_REFUSED, status=403)
            elif word not in ("prefix", "base"):
                raise QueryError(f"syntax error: expected SELECT, ASK, CONSTRUCT or DESCRIBE, not {value!r}")
        elif word == "by" and previous == "order" and depth == 0:
            ordered = True
        elif word == "service":
            service = True
        elif word == "from" and depth == 0:
            datasets = True
        previous = word
    if form is None:
        raise QueryError("syntax error: the query has no SELECT, ASK, CONSTRUCT or DESCRIBE")
    refusal = None
    if service:
        refusal = "SERVICE (federated query) is not allowed: this endpoint makes no outbound requests"
    elif datasets:
        refusal = "FROM and FROM NAMED are not allowed: queries run on this endpoint's own graph"
    return QueryInfo(form=form, ordered=ordered, variables=frozenset(variables), refusal=refusal)


def _scan(text: str):
    """("word", keyword, depth) and ("var", name, depth) for the query's keywords and variables, outside strings,
    IRIs and comments; depth counts the `{` groups open around it. Prefixed names are skipped whole."""
    depth = 0
    for match in _SCAN.finditer(text):
        kind = match.lastgroup
        if kind == "word":
            if ":" not in match.group(0):
                yield "word", match.group(0), depth
        elif kind == "var":
            yield "var", match.group(0)[1:], depth
        elif kind == "open":
            depth += 1
        elif kind == "close" and depth:
            depth -= 1


def engine_error(message: str, text: str, added: int = 0) -> QueryError:
    """The engine's syntax error (Oxigraph's `error at L:C: …`) on `text` as `syntax error at line L, column C: …`
    with the offending line and a caret under the column, counted in the text as the user wrote it (without the
    `added` PREFIX lines `prepare` put first); an undeclared prefix is named."""
    match = _ERROR_AT.match(message)
    if not match:
        return QueryError(f"syntax error: {message}")
    if added:
        text = text.split("\n", added)[-1]
    line, column = int(match.group(1)) - added, int(match.group(2))
    expected = message[match.end():].strip().splitlines()[0] if message[match.end():].strip() else ""
    lines = text.splitlines()
    if "Prefix not found" in expected:
        before = lines[line - 1][:column] if 0 < line <= len(lines) else ""
        names = re.findall(r"([A-Za-z][\w.-]*)?:[\w%.-]*$", before.rstrip())
        return QueryError(_unknown_prefix(names[-1] if names else "?"), position=(line, column))
    rest = "\n".join([lines[line - 1][column - 1:]] + lines[line:]) if 0 < line <= len(lines) else ""
    detail = _unexpected(rest)  # not the engine's list of what it expected: long, and often beside the point
    return QueryError(_syntax_text(text, line, column, detail), position=(line, column), detail=detail)


_ERROR_AT = re.compile(r"^error at (\d+):(\d+): ")


def _unknown_prefix(name: str) -> str:
    return (f"unknown prefix {name}: declare it (PREFIX {name}: <…>); these need no declaration: "
            f"{', '.join(sorted(KNOWN_PREFIXES))}")


#: Prefixes a query may use without declaring them: the project's and the standard vocabularies' (PREFIXES), and a
#: few more that users of Wikidata and Data Cube type from habit.
KNOWN_PREFIXES: dict[str, str] = {
    **PREFIXES,
    "dc": "http://purl.org/dc/elements/1.1/",
    "qb": "http://purl.org/linked-data/cube#",
    "wdt": "http://www.wikidata.org/prop/direct/",
}


def complete(text: str) -> tuple[str, int]:
    """`text` with a PREFIX declaration for each known prefix it uses and does not declare (as the Wikidata Query
    Service does), added as lines before the query; and the number of lines added. Strings, IRIs and comments are
    not looked into; a prefix the query declares itself keeps the query's IRI."""
    full, added, _ = _complete(text)
    return full, added


def _complete(text: str) -> tuple[str, int, list[str]]:
    declared: set[str] = set()
    used: set[str] = set()
    for kind, name in _tokens(text):
        (declared if kind == "declare" else used).add(name)
    missing = sorted(p for p in used - declared if p in KNOWN_PREFIXES)
    unknown = sorted(p for p in used - declared if p not in KNOWN_PREFIXES)
    if not missing:
        return text, 0, unknown
    header = "".join(f"PREFIX {p}: <{KNOWN_PREFIXES[p]}>\n" for p in missing)
    return header + text, len(missing), unknown


def prepare(text: str) -> tuple[str, QueryInfo]:
    """The query as it will run (missing known prefixes declared, see `complete`) and what it is (`inspect`; its
    `added` counts the PREFIX lines put before the user's text, for `engine_error`). A prefix neither declared nor
    known is refused here, by name."""
    full, added, unknown = _complete(text)
    if unknown:
        raise QueryError(_unknown_prefix(unknown[0]))
    info = inspect(full)
    return full, QueryInfo(info.form, info.ordered, info.variables, info.refusal, added)


def _tokens(text: str):
    """("declare" | "pname", name) for each PREFIX declaration and prefixed name, outside strings, IRIs and
    comments."""
    for match in _TOKENS.finditer(text):
        kind = match.lastgroup
        if kind == "declare":
            yield kind, match.group("declared") or ""
        elif kind == "pname" and match.group("prefix") != "_":
            yield kind, match.group("prefix") or ""


def parser_error(text: str, exc, *, lines_before: int = 0) -> QueryError:
    """rdflib's parse error (a pyparsing ParseException) as a QueryError: line, column, a short reason, a caret;
    `text` is the query without the `lines_before` lines the parser also read."""
    line = exc.lineno - lines_before
    detail = _reason(exc)
    return QueryError(_syntax_text(text, line, exc.col, detail), position=(line, exc.col), detail=detail)


def _syntax_text(text: str, line: int, col: int, detail: str) -> str:
    lines = text.splitlines() or [""]
    line_text = lines[min(max(line, 1), len(lines)) - 1].expandtabs(1)
    return f"syntax error at line {line}, column {col}: {detail}\n  {line_text}\n  {' ' * max(col - 1, 0)}^"


def _reason(exc) -> str:
    """What the parser stopped at, in a few words: never pyparsing's dump of the grammar it expected."""
    return _unexpected(exc.pstr[exc.loc:])


def _unexpected(rest: str) -> str:
    rest = rest.lstrip()
    if not rest:
        return "the query ends too early (a missing '}' or ')'?)"
    token = re.match(r"\S+", rest).group(0)[:30]
    return f"unexpected {token!r}"


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INT = re.compile(r"^[+-]?\d+$")
_CURIE = re.compile(r"^([a-z][a-z0-9]*):([^\s<>\"]*)$")
_LANG = re.compile(r'^"(.*)"@([a-zA-Z]+(?:-[a-zA-Z0-9]+)*)$', re.S)
_TYPED = re.compile(r'^"(.*)"\^\^(\S+)$', re.S)


def parse_term(value: str) -> URIRef | Literal:
    """A parameter value as an RDF term: <IRI>, a CURIE of the graph's prefixes (kg:wang-yi), "text"@lang,
    "lexical"^^type, a date YYYY-MM-DD (xsd:date), an integer, true/false, or else a plain string."""
    if value.startswith("<") and value.endswith(">"):
        iri = value[1:-1]
        if not iri or any(c in iri for c in ' <>"{}|\\^`'):
            raise UsageError(f"invalid IRI {value!r}")
        return URIRef(iri)
    if match := _LANG.match(value):
        return Literal(match.group(1), lang=match.group(2).lower())
    if match := _TYPED.match(value):
        return Literal(match.group(1), datatype=parse_term(match.group(2)))
    if value.startswith('"') and value.endswith('"') and len(value) >= 2:
        return Literal(value[1:-1])
    if (match := _CURIE.match(value)) and match.group(1) in PREFIXES:
        return URIRef(PREFIXES[match.group(1)] + match.group(2))
    if _DATE.match(value):
        return Literal(value, datatype=XSD.date)
    if _INT.match(value):
        return Literal(value, datatype=XSD.integer)
    if value in ("true", "false"):
        return Literal(value, datatype=XSD.boolean)
    return Literal(value)


def parse_params(pairs: list[str] | None, info: QueryInfo | None = None) -> dict[str, URIRef | Literal]:
    """`key=value` pairs as {variable name: term}; each key must be a variable of the query (when `info` is given)."""
    params: dict[str, URIRef | Literal] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        key = key.strip().lstrip("?$")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise UsageError(f"--param {pair!r}: expected key=value, the key a variable name")
        if info is not None and key not in info.variables:
            known = ", ".join(sorted(info.variables))
            raise UsageError(f"--param {key}: the query has no variable ?{key} (it has: {known})")
        params[key] = parse_term(value)
    return params


_IRI = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_STRING_PATTERN = (r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')
_STRING = re.compile(_STRING_PATTERN)
SKIP = _SKIP = rf"\#[^\n]*|{_STRING_PATTERN}|{_IRI.pattern}"  # comments, strings, IRIs: no keyword in them
#: The scanner's tokens (`_scan`): what to skip, variables, keywords (a prefixed name is one token), braces.
_SCAN = re.compile(rf"(?P<skip>{_SKIP})|(?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)"
                   r"|(?P<word>(?<![\w@^:])[A-Za-z_][\w-]*(?:\.[\w-]+)*(?::[\w%\\.:-]*)?)|(?P<open>\{)|(?P<close>\})")
#: PREFIX declarations and prefixed names (`_tokens`), outside what `_SKIP` skips.
_TOKENS = re.compile(rf"(?P<skip>{_SKIP})|(?P<declare>(?<![A-Za-z0-9])(?i:PREFIX)\s+(?P<declared>[A-Za-z][\w.-]*)?:)"
                     r"|(?P<pname>(?<![\w.:?$-])(?P<prefix>[A-Za-z][\w-]*(?:\.[\w-]+)*)?:"
                     r"(?=[\w%\\(){}\[\]\s,;.<\"'$?!*^|/=+-]|$))")


def values_clause(params: dict[str, URIRef | Literal | list]) -> str:
    """An inline VALUES block binding the parameters, each term written by rdflib (escaped). A parameter given a
    list of terms is a column of several rows (all lists of one length; a single term repeats on every row):
    the keys of a page (graph.store.paging); repeated rows are written once."""
    if not params:
        return ""
    names = sorted(params)
    variables = " ".join(f"?{name}" for name in names)
    height = max((len(v) for v in params.values() if isinstance(v, list)), default=1)
    columns = [v if isinstance(v, list) else [v] * height for v in (params[name] for name in names)]
    rows = dict.fromkeys(" ".join(term.n3() for term in row) for row in zip(*columns))
    return f" VALUES ({variables}) {{ {' '.join(f'({row})' for row in rows)} }} "


#: What comes right before a group joined with the group around it: OPTIONAL, UNION, or the end of the previous
#: element (`{`, `}`, `.`); not MINUS, EXISTS, GRAPH ?g, SERVICE <…>, LATERAL or a VALUES block's data.
_JOINED = re.compile(r"(?:(?<![\w?$:])(?i:OPTIONAL|UNION)|[{}.])\s*\Z")
#: A group that is a sub-SELECT written directly inside it (`OPTIONAL { SELECT … }`).
_SELECT_FIRST = re.compile(r"\s*SELECT(?![A-Za-z0-9_])", re.IGNORECASE)


def bind_inline(text: str, params: dict[str, URIRef | Literal], *, joined: bool = True) -> str:
    """The query with a VALUES block for `params` at the start of its WHERE group, for endpoints that take no
    pre-bound variables (remote servers). Joined first, the values are visible to every FILTER of the group, as
    pre-bound variables would be; the values are RDF terms written by rdflib, never raw text.

    A sub-SELECT is evaluated on its own, before the group around it sees any value; so a parameter it mentions
    gets the same VALUES block at the start of the sub-SELECT's WHERE group too, as the embedded engines'
    pre-binding does (Oxigraph's substitutions and rdflib's initBindings reach into sub-SELECTs).

    So does a group right inside the WHERE group that is joined with it (`OPTIONAL { … }`, a `UNION` branch, a
    plain `{ … }`): the engine evaluates such a group on its own too, over the whole graph, and only then joins it
    with the top-level VALUES (at 1M triples, meeting-delegations bound to one meeting: 113 ms -> 1 ms). The rows
    are the same: every row of the WHERE group carries the parameter's value, so the group's rows with another
    value were dropped by the join anyway, and a row that leaves the parameter unbound joins the same way bound
    to it. A group after MINUS, EXISTS, GRAPH, SERVICE or LATERAL keeps its text (there the binding would change
    the answer or is not needed), and so does a group that assigns the variable itself (`BIND (… AS ?v)`). With
    `joined=False` only the WHERE group and the sub-SELECTs get the block: for a text whose OPTIONALs are then
    run LATERAL (graph.store.rewrite), where the rows before them bind the parameters already and Oxigraph
    refuses a VALUES block that binds a variable again.

    A parameter given a list of terms (several rows: the keys of a page, graph.store.paging) reaches a sub-SELECT
    only if the variable occurs in the sub-SELECT's own patterns (in one that sees it only through a sub-SELECT
    nested in it, the rows would multiply the sub-SELECT's answer) and the sub-SELECT does not BIND it."""
    if not params:
        return text
    info = inspect(text)
    found = groups(text)
    rows = any(isinstance(v, list) for v in params.values())
    top = [g for g in found if g.depth == 0]
    # CONSTRUCT { template } WHERE { … } opens two top-level groups; CONSTRUCT WHERE { … } and the others one.
    index = 1 if info.form == "construct" and len(top) > 1 else 0
    if not top:
        raise UsageError("cannot find the query's WHERE clause to bind the parameters")
    inserts = {top[index].start: values_clause(params)}
    where = top[index]
    # Comments, strings and IRIs blanked out, so that only the query's own words decide what comes before a group.
    masked = re.sub(_SKIP, lambda m: " " * len(m.group(0)), text)
    for group in found:
        joined_here = (joined and group.depth == where.depth + 1 and where.start < group.start < where.end
                  and _JOINED.search(masked, max(0, group.start - 64), group.start)
                  and not _SELECT_FIRST.match(text, group.start + 1))
        if group.subselect or joined_here:
            body = text[group.start:group.end]
            if rows and group.subselect:  # several rows: only where the group itself binds the variable
                body = _own_text(text, group, found)
            mentioned = {k: v for k, v in params.items() if re.search(rf"[?$]{re.escape(k)}(?![A-Za-z0-9_])", body)
                         and not ((joined_here or rows) and re.search(rf"\bAS\s+[?$]{re.escape(k)}(?![A-Za-z0-9_])", body, re.I))}
            if mentioned:
                inserts[group.start] = values_clause(mentioned)
    for at in sorted(inserts, reverse=True):
        text = text[:at + 1] + inserts[at] + text[at + 1:]
    return text


def _own_text(text: str, group: Group, found: list[Group]) -> str:
    """A sub-SELECT's WHERE group without the sub-SELECTs nested in it (whose variables it does not see)."""
    inner = [g for g in found if g.subselect and group.start < g.start < group.end]
    parts, at = [], group.start
    for g in inner:
        if g.start >= at:
            parts.append(text[at:g.start])
            at = g.end + 1
    return "".join(parts) + text[at:group.end]


@dataclass(frozen=True)
class Group:
    start: int  # offset of its `{`
    end: int  # offset of its `}`
    depth: int  # 0 for a group at the top level of the query
    subselect: bool  # the WHERE group of a nested SELECT


_SELECT = re.compile(r"select(?![A-Za-z0-9_])", re.IGNORECASE)


def groups(text: str) -> list[Group]:
    """Every `{ … }` group of the query, in order of opening, skipping comments, strings and IRIs; a group is a
    sub-SELECT's WHERE group if it is the first `{` after a nested SELECT keyword."""
    found: list[Group] = []
    stack: list[tuple[int, bool]] = []
    pending_select = False
    i = 0
    while i < len(text):
        c = text[i]
        if c == "#":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        if c in "\"'":
            match = _STRING.match(text, i)
            if match:
                i = match.end()
                continue
        if c == "<":
            match = _IRI.match(text, i)
            if match:
                i = match.end()
                continue
        if c in "sS" and stack and _SELECT.match(text, i) and not (text[i - 1].isalnum() or text[i - 1] in "_?$:"):
            pending_select = True
            i += 6
            continue
        if c == "{":
            stack.append((i, pending_select))
            pending_select = False
        elif c == "}" and stack:
            start, subselect = stack.pop()
            found.append(Group(start, i, len(stack), subselect))
        i += 1
    return sorted(found, key=lambda g: g.start)
