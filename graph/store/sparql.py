"""Reading a SPARQL query before running it: its form, whether it orders its rows, what it may not do, and its
parameters as RDF terms (https://www.w3.org/TR/sparql11-query/).

Every query is parsed with rdflib's SPARQL grammar, once per distinct text (cached), under a lock: pyparsing's
packrat cache is process-wide. The command line (`query`, `query --endpoint`) reads queries here; the endpoint does
not: its workers parse with the engine that runs the query, under its limits (graph.workers).
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass

from pyparsing import ParseException
from rdflib import Literal, URIRef, Variable
from rdflib.plugins.sparql import parser, prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue

from graph.errors import UsageError
from graph.namespaces import PREFIXES, XSD

#: The longest query accepted (characters).
MAX_QUERY_LENGTH = 100_000

_FORMS = {"SelectQuery": "select", "AskQuery": "ask", "ConstructQuery": "construct", "DescribeQuery": "describe"}
_LOCK = threading.Lock()


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
    """What the parse tree says about a query."""

    form: str  # select | ask | construct | describe
    ordered: bool  # the query has a top-level ORDER BY: keep the engine's row order
    variables: frozenset[str]  # every variable the query mentions
    has_values: bool  # the query ends with a VALUES clause
    refusal: str | None  # why the read-only endpoint must not run it, or None

    @property
    def is_graph(self) -> bool:
        return self.form in ("construct", "describe")


def inspect(text: str) -> QueryInfo:
    """Parse `text` (a query, not an update) and describe it; QueryError with the line and column if malformed."""
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(f"the query is longer than {MAX_QUERY_LENGTH} characters", status=413)
    return _inspect(text)


#: Prefixes a query may use without declaring them: the project's and the standard vocabularies' (PREFIXES), and a
#: few more that users of Wikidata and Data Cube type from habit.
KNOWN_PREFIXES: dict[str, str] = {
    **PREFIXES,
    "dc": "http://purl.org/dc/elements/1.1/",
    "qb": "http://purl.org/linked-data/cube#",
    "wdt": "http://www.wikidata.org/prop/direct/",
}
_DECLARED = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:", re.IGNORECASE)
_PNAME = re.compile(r"(?<![\w.:?$-])([A-Za-z][\w-]*(?:\.[\w-]+)*)?:(?=[\w%\\(){}\[\]\s,;.<\"'$?!*^|/=+-]|$)")


def complete(text: str) -> tuple[str, int]:
    """`text` with a PREFIX declaration for each known prefix it uses and does not declare (as the Wikidata Query
    Service does), added as lines before the query; and the number of lines added. Strings, IRIs and comments are
    not looked into; a prefix the query declares itself keeps the query's IRI."""
    declared: set[str] = set()
    used: set[str] = set()
    for kind, match in _tokens(text):
        if kind == "declare":
            declared.add(match.group(1) or "")
        elif kind == "pname":
            used.add(match.group(1) or "")
    missing = sorted(p for p in used - declared if p in KNOWN_PREFIXES)
    if not missing:
        return text, 0
    header = "".join(f"PREFIX {p}: <{KNOWN_PREFIXES[p]}>\n" for p in missing)
    return header + text, len(missing)


def prepare(text: str) -> tuple[str, QueryInfo]:
    """The query as it will run (missing known prefixes declared, see `complete`) and what it is; a syntax error
    is reported at the line and column of the text as the user wrote it, with a caret under that line."""
    full, added = complete(text)
    try:
        return full, inspect(full)
    except QueryError as exc:
        if exc.position is None or not added:
            raise
        line, col = exc.position
        raise QueryError(_syntax_text(text, line - added, col, exc.detail)) from None


def _tokens(text: str):
    """("declare" | "pname", match) for each PREFIX declaration and prefixed name, outside strings, IRIs and
    comments."""
    i = 0
    while i < len(text):
        c = text[i]
        if c == "#":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        if c in "\"'" and (match := _STRING.match(text, i)):
            i = match.end()
            continue
        if c == "<" and (match := _IRI.match(text, i)):
            i = match.end()
            continue
        if c in "pP" and (match := _DECLARED.match(text, i)) and (i == 0 or not text[i - 1].isalnum()):
            yield "declare", match
            i = match.end()
            continue
        if (c.isalpha() or c == ":") and (match := _PNAME.match(text, i)):
            if not (i and (text[i - 1].isalnum() or text[i - 1] in "_?$.:-")) and match.group(1) != "_":
                yield "pname", match
            i = match.end()
            continue
        i += 1


@functools.lru_cache(maxsize=512)
def _inspect(text: str) -> QueryInfo:
    with _LOCK:
        try:
            tree = parser.parseQuery(text)
            prepareQuery(text)  # the algebra translation must succeed too (fail closed)
        except ParseException as exc:
            if _is_update(text):
                raise QueryError("updates (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE…) are not allowed: "
                                 "this endpoint is read-only", status=403) from None
            detail = _reason(text, exc)
            raise QueryError(_syntax_text(text, exc.lineno, exc.col, detail), position=(exc.lineno, exc.col),
                             detail=detail) from None
        except Exception as exc:  # noqa: BLE001 - rdflib raises many kinds on bad queries
            if match := re.match(r"Unknown namespace prefix : (\S+)", str(exc)):
                raise QueryError(f"unknown prefix {match.group(1)}: declare it (PREFIX {match.group(1)}: <…>); "
                                 f"these need no declaration: {', '.join(sorted(KNOWN_PREFIXES))}") from None
            raise QueryError(f"the query cannot be prepared: {_first_line(exc)}") from None
    query = tree[1]
    names: set[str] = set()
    variables: set[str] = set()
    datasets: list[object] = []
    _walk(tree, names, variables, datasets)
    refusal = None
    if "ServiceGraphPattern" in names:
        refusal = "SERVICE (federated query) is not allowed: this endpoint makes no outbound requests"
    elif datasets:
        refusal = "FROM and FROM NAMED are not allowed: queries run on this endpoint's own graph"
    return QueryInfo(
        form=_FORMS[query.name],
        ordered="orderby" in query,  # CompValue.get returns the key itself when absent
        variables=frozenset(variables),
        has_values="valuesClause" in query,
        refusal=refusal,
    )


def _walk(node: object, names: set[str], variables: set[str], datasets: list[object]) -> None:
    if isinstance(node, CompValue):
        names.add(node.name)
        if node.name == "DatasetClause" or "datasetClause" in node:
            datasets.append(node)
        for value in node.values():
            _walk(value, names, variables, datasets)
    elif isinstance(node, Variable):
        variables.add(str(node))
    elif isinstance(node, (list, tuple)):
        for value in node:
            _walk(value, names, variables, datasets)
    elif hasattr(node, "asList"):  # pyparsing ParseResults
        for value in node:
            _walk(value, names, variables, datasets)


def _is_update(text: str) -> bool:
    try:
        parser.parseUpdate(text)
    except Exception:  # noqa: BLE001
        return False
    return True


def syntax_message(text: str, exc: ParseException) -> str:
    """The line and column of the problem, a short reason, and the offending line with a caret under the column."""
    return _syntax_text(text, exc.lineno, exc.col, _reason(text, exc))


def _syntax_text(text: str, line: int, col: int, detail: str) -> str:
    lines = text.splitlines() or [""]
    line_text = lines[min(max(line, 1), len(lines)) - 1].expandtabs(1)
    return f"syntax error at line {line}, column {col}: {detail}\n  {line_text}\n  {' ' * (col - 1)}^"


def _reason(text: str, exc: ParseException) -> str:
    """What the parser stopped at, in a few words: never pyparsing's dump of the grammar it expected."""
    rest = text[exc.loc:].lstrip()
    if not rest:
        return "the query ends too early (a missing '}' or ')'?)"
    token = re.match(r"\S+", rest).group(0)[:30]
    return f"unexpected {token!r}"


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


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
_STRING = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')


def values_clause(params: dict[str, URIRef | Literal]) -> str:
    """An inline VALUES block binding the parameters, each term written by rdflib (escaped)."""
    if not params:
        return ""
    names = sorted(params)
    variables = " ".join(f"?{name}" for name in names)
    terms = " ".join(params[name].n3() for name in names)
    return f" VALUES ({variables}) {{ ({terms}) }} "


def bind_inline(text: str, params: dict[str, URIRef | Literal]) -> str:
    """The query with a VALUES block for `params` at the start of its WHERE group, for endpoints that take no
    pre-bound variables (remote servers). Joined first, the values are visible to every FILTER of the group, as
    pre-bound variables would be; the values are RDF terms written by rdflib, never raw text.

    A sub-SELECT is evaluated on its own, before the group around it sees any value; so a parameter it mentions
    gets the same VALUES block at the start of the sub-SELECT's WHERE group too, as the embedded engines'
    pre-binding does (Oxigraph's substitutions and rdflib's initBindings reach into sub-SELECTs)."""
    if not params:
        return text
    info = inspect(text)
    groups = _groups(text)
    top = [g for g in groups if g.depth == 0]
    # CONSTRUCT { template } WHERE { … } opens two top-level groups; CONSTRUCT WHERE { … } and the others one.
    index = 1 if info.form == "construct" and len(top) > 1 else 0
    if not top:
        raise UsageError("cannot find the query's WHERE clause to bind the parameters")
    inserts = {top[index].start: values_clause(params)}
    for group in groups:
        if group.subselect:
            body = text[group.start:group.end]
            mentioned = {k: v for k, v in params.items() if re.search(rf"[?$]{re.escape(k)}(?![A-Za-z0-9_])", body)}
            if mentioned:
                inserts[group.start] = values_clause(mentioned)
    for at in sorted(inserts, reverse=True):
        text = text[:at + 1] + inserts[at] + text[at + 1:]
    return text


@dataclass(frozen=True)
class _Group:
    start: int  # offset of its `{`
    end: int  # offset of its `}`
    depth: int  # 0 for a group at the top level of the query
    subselect: bool  # the WHERE group of a nested SELECT


_SELECT = re.compile(r"select(?![A-Za-z0-9_])", re.IGNORECASE)


def _groups(text: str) -> list[_Group]:
    """Every `{ … }` group of the query, in order of opening, skipping comments, strings and IRIs; a group is a
    sub-SELECT's WHERE group if it is the first `{` after a nested SELECT keyword."""
    found: list[_Group] = []
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
            found.append(_Group(start, i, len(stack), subselect))
        i += 1
    return sorted(found, key=lambda g: g.start)
