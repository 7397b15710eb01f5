"""The query library and the `query` command: every query documents itself, gives the same answers on plain rdflib
and on the embedded Oxigraph store, and the command's formats, parameters and errors behave as documented."""

from __future__ import annotations

import csv
import decimal
import io
import json
import re
import shutil
import xml.dom.minidom

import pytest
from rdflib import Graph, Literal, URIRef

from conftest import DATA, run_cli
from graph.store import library, results, sparql, engines as stores
from graph import api
from graph.build import pipeline

CQ = library.load("cq")


def _examples(query: library.LibraryQuery) -> dict:
    return {p.name: sparql.parse_term(p.example) for p in query.params if p.example}


@pytest.fixture(scope="module")
def engines(built):
    return stores.OxigraphStore.from_build(built), stores.RdflibStore.from_build(built)


@pytest.fixture(scope="module")
def dump(built, tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    return pipeline.write_outputs(built, out)["all"]


def test_the_library_has_at_least_15_competency_questions():
    assert len(CQ) >= 15


@pytest.mark.parametrize("query", CQ, ids=lambda q: q.name)
def test_every_query_documents_itself(query):
    assert list(query.header) == [*library.HEADER_FIELDS, *(f for f in library.OPTIONAL_FIELDS if f in query.header)]
    assert all(query.header[f].strip() for f in query.header)
    assert query.header.get("binding", "inline").split(" ", 1)[0] == "inline"  # the one choice besides pre-binding
    prefixes = re.findall(r"^(prefix|PREFIX) ", query.text, re.M)
    assert prefixes and set(prefixes) == {"PREFIX"}
    info = sparql.inspect(query.text)
    assert info.ordered, "every library query has ORDER BY"
    assert info.refusal is None
    for param in query.params:
        assert param.example, f"?{param.name} has no example"
        assert re.search(rf"SELECT[^{{]*\?{param.name}\b", query.text), f"?{param.name} must be projected"


PARITY_CASES = [pytest.param(q, bound, id=f"{q.name}-{'example-params' if bound else 'unbound'}")
                for q in CQ for bound in (False, True)
                if bound or not any(p.required for p in q.params)]  # a required parameter is always bound


@pytest.mark.parametrize("query, bound", PARITY_CASES)
def test_same_answers_on_rdflib_and_oxigraph(engines, query, bound):
    params = _examples(query) if bound else {}
    oxigraph, rdflib_store = engines
    fast = stores.run(oxigraph, query.text, params=params)
    slow = stores.run(rdflib_store, query.text, params=params)
    assert fast.variables == slow.variables
    assert fast.as_set() == slow.as_set()
    assert fast.rows, f"{query.name} finds nothing on the real graph with {params}"


def test_row_order_is_deterministic(engines):
    oxigraph, _ = engines
    text = "SELECT ?s ?p WHERE { ?s ?p ?o } LIMIT 50"
    result = stores.run(oxigraph, text)
    assert len(result.rows) == 50
    assert result.rows == sorted(result.rows, key=results.row_key)  # no ORDER BY: sorted by term
    assert results.serialize(result, "csv") == results.serialize(stores.run(oxigraph, text), "csv")


@pytest.mark.parametrize("query", [q for q in CQ if q.inline_binding], ids=lambda q: q.name)
def test_cli_runs_each_inline_query_with_its_required_parameters(dump, engines, query):
    """A query bound inline (`# binding: inline`) is checked for its required parameters before its parameters
    become a VALUES block: with its examples it answers as the library path does, without them exit 2."""
    params = {p.name: p.example for p in query.params if p.example}
    run = run_cli("query", query.name, *(f"--param={k}={v}" for k, v in params.items()), "--format", "csv",
                  "--data", str(dump))
    assert run.returncode == 0, run.stderr
    expected = stores.run(engines[0], query.text, params={k: sparql.parse_term(v) for k, v in params.items()})
    assert len(list(csv.reader(io.StringIO(run.stdout)))) == len(expected.rows) + 1
    if any(p.required for p in query.params):
        assert run_cli("query", query.name, "--data", str(dump)).returncode == 2


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json", "xml"])
def test_cli_select_formats(dump, engines, fmt):
    run = run_cli("query", "meeting-participants", "--param", "meeting=kg:cc5-fm-2020", "--format", fmt,
                  "--data", str(dump))
    assert run.returncode == 0, run.stderr
    expected = stores.run(engines[0], library.find("meeting-participants").text,
                          params={"meeting": sparql.parse_term("kg:cc5-fm-2020")})
    n = len(expected.rows)
    assert n >= 6
    text = run.stdout
    if fmt == "json":
        assert len(json.loads(text)["results"]["bindings"]) == n
    elif fmt == "xml":
        assert len(xml.dom.minidom.parseString(text).getElementsByTagName("result")) == n
    elif fmt == "csv":
        assert len(list(csv.reader(io.StringIO(text)))) == n + 1
    elif fmt == "tsv":
        assert len(text.strip().splitlines()) == n + 1 and text.startswith("?meeting\t")
    else:
        assert f"({n} rows)" in text and "Wang Yi" in text


@pytest.mark.parametrize("fmt, parse", [("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")])
def test_cli_construct_formats(dump, fmt, parse):
    text = "PREFIX kg: <https://w3id.org/cckg/id/> CONSTRUCT { kg:wang-yi ?p ?o } WHERE { kg:wang-yi ?p ?o }"
    run = run_cli("query", "-e", text, "--format", fmt, "--data", str(dump))
    assert run.returncode == 0, run.stderr
    graph = Graph().parse(data=run.stdout, format=parse)
    assert len(graph) >= 3
    again = run_cli("query", "-e", text, "--format", fmt, "--data", str(dump))
    assert again.stdout == run.stdout


def test_cli_engines_agree(dump):
    runs = [run_cli("query", "country-memberships", "--format", "csv", "--engine", e, "--data", str(dump))
            for e in ("oxigraph", "rdflib")]
    assert [r.returncode for r in runs] == [0, 0]
    assert runs[0].stdout == runs[1].stdout and runs[0].stdout.count("\n") > 5


def test_cli_params_are_bound_not_spliced(dump):
    # A value that would break the query if it were pasted into its text.
    run = run_cli("query", "name-lookup", "--param", 'name="x" } ; DROP ALL ; SELECT * { "', "--format", "csv",
                  "--data", str(dump))
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["name,resource,label,type,matched,wikidata"]
    run = run_cli("query", "name-lookup", "--param", "name=AsiaInfo", "--format", "csv", "--data", str(dump))
    assert "https://w3id.org/cckg/id/cica" in run.stdout


def test_cli_malformed_query_reports_line_and_column(dump):
    run = run_cli("query", "-e", "SELECT ?s WHERE {\n  ?s ?p\n}", "--data", str(dump))
    assert run.returncode == 2
    assert re.search(r"line \d+, column \d+", run.stderr), run.stderr


@pytest.mark.parametrize("args, message", [
    (["query", "no-such-query"], "neither a library query"),
    (["query", "person-posts", "--param", "nobody=kg:x"], "no variable ?nobody"),
    (["query", "post-holders-on-date"], "needs --param date"),
    (["query", "person-posts", "--format", "ttl"], "does not apply"),
    (["query", "-e", "ASK {}", "--param", "bad"], "expected key=value"),
])
def test_cli_usage_errors_exit_2(dump, args, message):
    run = run_cli(*args, "--data", str(dump))
    assert run.returncode == 2 and message in run.stderr, run.stderr


def test_cli_list_shows_the_library():
    run = run_cli("query", "--list")
    assert run.returncode == 0
    for query in CQ:
        assert query.name in run.stdout and query.title in run.stdout


def test_cli_builds_sources_when_asked():
    run = run_cli("query", "-e", "ASK { ?s ?p ?o }", "--sources", str(DATA / "minimal"), "-q")
    assert run.returncode == 0 and run.stdout.strip() == "yes", run.stderr


def test_parse_term():
    assert sparql.parse_term("kg:wang-yi") == sparql.URIRef("https://w3id.org/cckg/id/wang-yi")
    assert sparql.parse_term("2020-07-16").datatype == sparql.XSD.date
    assert sparql.parse_term('"Treuberdi"@en').language == "en"
    assert str(sparql.parse_term("<https://example.org/x>")) == "https://example.org/x"
    assert sparql.parse_term("42").datatype == sparql.XSD.integer


def test_inline_binding_reaches_sub_selects_that_use_the_parameter():
    """Remote servers get parameters as VALUES blocks: at the top of the WHERE group and in each sub-SELECT that
    mentions the parameter (evaluated first, it would otherwise see it unbound), never inside strings or comments."""
    from rdflib import Literal

    text = ('PREFIX ex: <http://example.org/>\n# { SELECT in a comment\n'
            'SELECT ?s ?w WHERE { { SELECT ?s ?w WHERE { ?s ex:p ?o FILTER (CONTAINS(?o, ?w)) } }\n'
            '  ?s ex:q "} select {" . { select ?s WHERE { ?s ex:r ?wx } } }')
    bound = sparql.bind_inline(text, {"w": Literal("hi")})
    block = ' VALUES (?w) { ("hi") } '
    assert bound.count(block) == 2
    assert bound.index(block) == bound.index("WHERE {") + len("WHERE {")  # the outer group first
    assert "{ SELECT ?s ?w WHERE {" + block + " ?s ex:p" in bound
    assert "{ select ?s WHERE { ?s ex:r ?wx } }" in bound  # ?wx is not ?w
    assert '"} select {"' in bound and "# { SELECT in a comment" in bound
    graph = Graph().parse(data='<http://example.org/a> <http://example.org/p> "hi there" ; '
                               '<http://example.org/q> "} select {" ; <http://example.org/r> 1 .', format="turtle")
    assert [str(row.s) for row in graph.query(bound)] == ["http://example.org/a"]


def test_inline_binding_reaches_the_groups_joined_at_the_top_and_nothing_else():
    """The VALUES block also opens each group joined with the WHERE group (OPTIONAL, a UNION branch, a plain
    group) that mentions the parameter, so the engine need not evaluate it over the whole graph first; not a group
    after MINUS, EXISTS, GRAPH or SERVICE, not one that assigns the variable (BIND … AS), not a VALUES block's data,
    and words in comments, strings and IRIs do not count."""
    from rdflib import Literal

    text = ('PREFIX ex: <http://example.org/>\n'
            'SELECT * WHERE { ?s ex:p ?w . OPTIONAL { ?s ex:q ?w } # a comment ending OPTIONAL\n'
            ' MINUS { ?s ex:r ?w } FILTER NOT EXISTS { ?s ex:t ?w } GRAPH <http://example.org/g.#x> { ?s ex:u ?w }\n'
            ' SERVICE <http://example.org/sparql> { ?s ex:v ?w } { ?s ex:y ?w } UNION { BIND ("x" AS ?w) }\n'
            ' OPTIONAL { ?s ex:z ?o } OPTIONAL { SELECT ?s WHERE { ?s ex:a ?w } } VALUES ?w { "hi" } }')
    bound = sparql.bind_inline(text, {"w": Literal("hi")})
    block = ' VALUES (?w) { ("hi") } '
    for opened in ("WHERE {", "?s ex:p ?w . OPTIONAL {", "} {"):
        assert opened + block in bound, opened
    for kept in ("MINUS { ?s", "EXISTS { ?s", "#x> { ?s", "sparql> { ?s", 'UNION { BIND', "OPTIONAL { ?s ex:z",
                 "OPTIONAL { SELECT", '?w { "hi" }'):
        assert kept in bound, kept
    assert bound.count(block) == 4  # the WHERE group, the first OPTIONAL, the plain group, the sub-SELECT


def test_inline_binding_answers_as_pre_binding_for_every_library_query(built):
    """Every library query with parameters, bound by VALUES blocks as a remote server gets it, answers exactly as
    with pre-bound parameters (on Oxigraph), for its example and for other values the parameter takes."""
    from graph.store import engines, library

    store = engines.OxigraphStore.from_build(built)
    checked = 0
    for query in library.load("cq"):
        examples = {p.name: sparql.parse_term(p.example) for p in query.params if p.example}
        if not examples:
            continue
        text, info = sparql.prepare(query.text)
        unbound = store.query(text) if all(p.name in examples for p in query.params) else None
        for name in examples:
            column = unbound.variables.index(name) if unbound and name in unbound.variables else None
            values = sorted({row[column] for row in unbound.rows if row[column] is not None}, key=str)[:4] \
                if column is not None else []
            for value in [examples[name], *values]:
                params = {**examples, name: value}
                a = store.query(text, params=params).normalized(ordered=info.ordered)
                b = store.query(sparql.bind_inline(text, params)).normalized(ordered=info.ordered)
                assert a.rows == b.rows, (query.name, params)
                checked += bool(a.rows)
    assert checked >= 20


# --- SPARQL as users type it: undeclared known prefixes, syntax errors with a caret -------------------------------


def test_known_prefixes_are_declared_when_the_query_omits_them():
    text, added = sparql.complete('SELECT ?p WHERE { ?p a foaf:Person ; rdfs:label "org:x" . } # skos:y')
    assert added == 2  # foaf and rdfs; not org (in a string) nor skos (in a comment)
    assert text.splitlines()[:2] == ["PREFIX foaf: <http://xmlns.com/foaf/0.1/>",
                                     "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>"]
    # A declared prefix keeps the query's own IRI; IRIs and variables are not mistaken for prefixed names.
    own = "PREFIX kg: <http://example.org/>\nSELECT ?kg WHERE { ?kg a <http://xmlns.com/foaf:x> ; kg:p ?o }"
    assert sparql.complete(own) == (own, 0)
    assert sparql.complete("SELECT * WHERE { ?s nope:p ?o }") == ("SELECT * WHERE { ?s nope:p ?o }", 0)


def test_cli_runs_the_readme_example_without_prefixes(dump):
    run = run_cli("query", "-e", "SELECT ?p WHERE { ?p a foaf:Person }", "--format", "csv", "--data", str(dump))
    assert run.returncode == 0, run.stderr
    assert "https://w3id.org/cckg/id/wang-yi" in run.stdout.splitlines()[1:]


def test_syntax_error_points_at_the_users_line_with_a_caret(dump):
    query = "SELECT ?n WHERE {\n  ?p foaf:name ?n .\n  FILTER(?n = \"x\"\n}"
    run = run_cli("query", "-e", query, "--data", str(dump))
    assert run.returncode == 2
    lines = run.stderr.splitlines()
    # The engine (which parses the query once) stops after the user's line 4 (the PREFIX line added for foaf: is
    # not counted), where the text ends without closing the FILTER.
    assert "line 4, column 2: the query ends too early" in lines[0], run.stderr
    assert "Expected" not in run.stderr and "|" not in run.stderr  # no dump of the grammar
    assert lines[1].strip() == "}" and lines[2].strip() == "^"
    assert lines[2].index("^") == lines[1].index("}") + 1
    # A token the engine did not expect is named, on the user's line, with the caret under it.
    run = run_cli("query", "-e", 'SELECT ?n WHERE {\n  ?p foaf:name ?n .\n  FILTER(?n = "x" ?x)\n}',
                  "--data", str(dump))
    lines = run.stderr.splitlines()
    assert run.returncode == 2 and "line 4, column 1: unexpected '}'" in lines[0], run.stderr
    assert lines[1].strip() == "}" and lines[2].index("^") == lines[1].index("}")


def test_an_unknown_prefix_is_named():
    with pytest.raises(sparql.QueryError, match="unknown prefix nope"):
        sparql.prepare("SELECT * WHERE { ?s nope:p ?o }")
    # The engine's own message (a prefix the scanner cannot see, in a declared-but-shadowed spot) is named too.
    error = sparql.engine_error("error at 1:27: expected one of Prefix not found, ['%']", "SELECT * WHERE { ?s nope:p ?o }")
    assert str(error).startswith("unknown prefix nope:")


def test_the_scanner_reads_form_order_variables_and_refusals():
    """What the command line needs before running a query, read without a SPARQL parser: strings, IRIs, comments
    and sub-SELECTs do not mislead it."""
    info = sparql.inspect('PREFIX ex: <http://e/?x>\n# ORDER BY ?c\nSELECT ?a WHERE { ?a ex:p "ORDER BY ?s" '
                          '{ SELECT ?b WHERE { ?b ex:q ?a } ORDER BY ?b } }')
    assert (info.form, info.ordered, info.variables, info.refusal) == ("select", False, {"a", "b"}, None)
    info = sparql.inspect("construct { ?s ?p ?o } where { ?s ?p ?o } order by ?s")
    assert info.form == "construct" and info.is_graph and info.ordered
    assert sparql.inspect("ASK { SERVICE <http://x/> { ?s ?p ?o } }").refusal.startswith("SERVICE")
    assert sparql.inspect("SELECT * FROM <http://x/> { ?s ?p ?o }").refusal.startswith("FROM")
    with pytest.raises(sparql.QueryError) as caught:
        sparql.inspect("INSERT DATA { <http://a/> <http://a/> <http://a/> }")
    assert caught.value.status == 403


# --- --engine rdflib answers as Oxigraph on every output the build writes -----------------------------------------

#: The dumps of the build that `query --data` reads (dist/cckg.nq is the default one).
DUMPS = ("cckg.nq", "cckg.trig", "cckg.ttl", "cckg.nt", "cckg.jsonld", "data.ttl")


@pytest.fixture(scope="module")
def dist_like(built, tmp_path_factory):
    out = tmp_path_factory.mktemp("dist-like")
    api.write_release(built, out)
    return out


_XSD = "http://www.w3.org/2001/XMLSchema#"


def _as_stored_by_oxigraph(term):
    """Oxigraph's store keeps a literal of a type derived from xsd:integer (xsd:positiveInteger…) as xsd:integer,
    with the same value, an xsd:decimal in its XSD 1.1 canonical form ("5" for "5.0"), and gives a simple literal
    the type xsd:string; rdflib keeps the type and the form it was given."""
    if isinstance(term, Literal) and not term.language and term.datatype is None:
        return Literal(str(term), datatype=URIRef(_XSD + "string"), normalize=False)
    if isinstance(term, Literal) and term.datatype and str(term.datatype)[len(_XSD):] in (
            "positiveInteger", "nonNegativeInteger", "negativeInteger", "nonPositiveInteger", "long", "int",
            "short", "byte", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"):
        return Literal(str(term), datatype=URIRef(_XSD + "integer"), normalize=False)
    if isinstance(term, Literal) and term.datatype == URIRef(_XSD + "decimal"):  # "5.0" is stored as "5"
        value = decimal.Decimal(str(term))
        text = str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")
        return Literal(text, datatype=term.datatype, normalize=False)
    return term


@pytest.mark.parametrize("name", DUMPS)
def test_both_engines_load_the_same_graph_from_every_output(dist_like, name, built):
    fast = stores.OxigraphStore.from_file(dist_like / name)
    slow = stores.RdflibStore.from_file(dist_like / name)
    convert = stores.cached_from_oxigraph()
    default = {(convert(q.subject), convert(q.predicate), convert(q.object))
               for q in fast.store.quads_for_pattern(None, None, None, stores.ox.DefaultGraph())}
    assert default == {(s, p, _as_stored_by_oxigraph(o)) for s, p, o in slow.graph}
    expected = set(built.data_triples()) if name == "data.ttl" else set(built.all_triples())
    assert expected <= set(slow.graph)  # the whole build (the quad formats also carry the VoID description)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["cckg.nq", "cckg.ttl"])  # the dumps `query` picks by itself, in that order
def test_every_library_query_answers_the_same_on_both_engines_from_the_dump(dist_like, name):
    fast = stores.OxigraphStore.from_file(dist_like / name)
    slow = stores.RdflibStore.from_file(dist_like / name)
    for query in CQ:
        params = _examples(query)
        a, b = stores.run(fast, query.text, params=params), stores.run(slow, query.text, params=params)
        assert a.variables == b.variables and a.as_set() == b.as_set(), query.name
        assert a.rows, query.name


# --- the release's on-disk store (graph.store.ondisk): made once per cckg.nq, then opened read-only -------------


def test_the_on_disk_store_answers_as_the_dump_in_memory(dist_like, tmp_path):
    from graph.store import ondisk

    digest = ondisk.release_digest(dist_like)
    assert digest and len(digest) == 64
    store = ondisk.open_release(dist_like / "cckg.nq", digest, root=tmp_path)
    assert store is not None and sorted(p.name for p in tmp_path.iterdir()) == [digest]  # no temporary folder left
    on_disk = stores.OxigraphStore(store, origin="cache")
    in_memory = stores.OxigraphStore.from_file(dist_like / "cckg.nq")
    assert len(on_disk) == len(in_memory) and on_disk.graphs() == in_memory.graphs()
    for query in CQ:
        params = _examples(query)
        a, b = stores.run(on_disk, query.text, params=params), stores.run(in_memory, query.text, params=params)
        assert a.as_list() == b.as_list(), query.name
    with pytest.raises((OSError, RuntimeError)):  # opened read-only
        store.update("INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }")


def test_racing_processes_share_one_store_and_stale_ones_go(dist_like, tmp_path):
    import os
    import subprocess
    import sys
    import time

    from graph.store import ondisk

    digest = ondisk.release_digest(dist_like)
    old = tmp_path / ("0" * 64)
    old.mkdir()
    abandoned = tmp_path / ".0123456789ab-xyz"
    abandoned.mkdir()
    month_ago = time.time() - 30 * 86400
    os.utime(old, (month_ago, month_ago))
    os.utime(abandoned, (month_ago, month_ago))
    code = ("import sys; from pathlib import Path; from graph.store import ondisk; "
            "print(len(ondisk.open_release(Path(sys.argv[1]), sys.argv[2], root=Path(sys.argv[3]))))")
    racers = [subprocess.Popen([sys.executable, "-c", code, str(dist_like / "cckg.nq"), digest, str(tmp_path)],
                               stdout=subprocess.PIPE, text=True) for _ in range(3)]
    counts = [int(r.communicate(timeout=300)[0]) for r in racers]
    assert len(set(counts)) == 1 and counts[0] > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [digest]


def test_cli_queries_the_release_through_the_cache(dist_like, tmp_path):
    """The default data (dist/ beside sources/) goes through the on-disk store, made in $XDG_CACHE_HOME; the answer
    is the dump's."""
    project = tmp_path / "project"
    (project / "sources").mkdir(parents=True)
    shutil.copytree(dist_like, project / "dist")
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    args = ("query", "meeting-participants", "--param", "meeting=kg:cc5-fm-2020", "--format", "csv")
    first = run_cli(*args, env=env, cwd=project)
    again = run_cli(*args, env=env, cwd=project)
    direct = run_cli(*args, "--data", str(dist_like / "cckg.nq"))
    assert first.returncode == 0 and first.stdout == again.stdout == direct.stdout, first.stderr
    assert [p.name for p in (tmp_path / "cache" / "cckg" / "stores").iterdir()] == [
        json.loads((dist_like / "manifest.json").read_text())["files"]["cckg.nq"]]


def test_inline_binding_answers_as_pre_binding_on_the_real_graph(built):
    """A library query with `# binding: inline` (its parameters as a leading VALUES block, faster on Oxigraph for
    these; with `inline lateral`, its OPTIONALs per row on Oxigraph) answers exactly as with pre-bound parameters,
    for its example and for every country, topic or meeting."""
    from graph.store import engines, library

    store = engines.OxigraphStore.from_build(built)
    flagged = [q for q in library.load("cq") if q.inline_binding]
    assert {q.name for q in flagged} >= {"commitments-by-topic", "meeting-participants", "post-holders-on-date",
                                         "proposals-and-measures"}
    assert [q.name for q in flagged if q.lateral_optionals] == ["proposals-and-measures"]
    checked = 0
    for query in flagged:
        text, info = sparql.prepare(query.text)
        examples = {p.name: sparql.parse_term(p.example) for p in query.params if p.example}
        unbound = store.query(text)
        for name in examples:  # the example, and up to 8 other values the variable takes in the unbound answer
            column = unbound.variables.index(name) if name in unbound.variables else None
            values = sorted({row[column] for row in unbound.rows if row[column] is not None}, key=str)[:8] \
                if column is not None else []
            for value in [examples[name], *values]:
                params = {**examples, name: value}
                inline_text, rest = query.bind(text, params, engine="oxigraph")
                assert rest == {} and "VALUES" in inline_text
                assert ("LATERAL" in inline_text) == query.lateral_optionals
                assert "LATERAL" not in query.bind(text, params, engine="rdflib")[0]
                a = store.query(text, params=params).normalized(ordered=info.ordered)
                b = store.query(inline_text).normalized(ordered=info.ordered)
                assert a.rows == b.rows, (query.name, params)
                checked += bool(a.rows)
    assert checked >= 3  # the examples answer on the real graph
