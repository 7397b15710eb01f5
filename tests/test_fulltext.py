"""The full-text index of the quotes (graph/store/fulltext.py): the phrase search through the index answers exactly as the
plain SPARQL query does (on the real graph, on a generated one and on a small fixture with Unicode case), the build
writes the index into the release with the same bytes every time, and the pages of a listing (graph/store/paging.py)
concatenate to the whole listing."""

from __future__ import annotations

import csv
import io

import pytest
from rdflib import Literal

from conftest import run_cli
from graph import api, errors
from graph.store import fulltext, library, paging, rewrite, sparql, engines as stores

PHRASE_QUERY = library.find("statements-by-phrase").text
PHRASES = ["health community", "HEALTH Community", "the", "AsiaInfo", "cooperation", "security", "vaccine",
           "no quote says this", "ab", "a", '"', "Central Asia health"]


@pytest.fixture(scope="module")
def real(built, tmp_path_factory):
    out = tmp_path_factory.mktemp("release")
    api.write_release(built, out)
    return out


def _answers(store, text, phrase, variable="phrase"):
    """The plain query's answer (on Oxigraph without the index, which OxigraphStore.query otherwise asks)."""
    if store.engine == "oxigraph":
        store = stores.OxigraphStore(store.store, origin=store.origin, fulltext=False)
    return stores.run(store, text, params={variable: Literal(phrase)})


def _indexed(store, phrase):
    """As the `query` command runs it: the library text read once, then prepared for the store and run on it
    (the prepared text uses Oxigraph's LATERAL, which rdflib's parser, behind stores.run, does not read)."""
    text, info = sparql.prepare(PHRASE_QUERY)
    params = {"phrase": Literal(phrase)}
    assert store.fulltext  # OxigraphStore.query asks the index itself: prepared twice, the text is the same
    return store.query(fulltext.prepare(store, text, params), params=params).normalized(ordered=info.ordered)


def _same_as_plain(store, phrases):
    for phrase in phrases:
        plain = _answers(store, PHRASE_QUERY, phrase)
        indexed = _indexed(store, phrase)
        assert indexed.variables == plain.variables, phrase
        assert indexed.rows == plain.rows, phrase  # same rows in the same order


def test_the_release_holds_an_index_in_step_with_its_dump(real):
    store = stores.OxigraphStore.from_file(real / "cckg.nq")
    index = fulltext.index_for(store)
    assert index.origin == str(real / fulltext.FILENAME)
    assert fulltext.FILENAME in (real / "release.sha256").read_text(encoding="utf-8")
    quotes = fulltext.store_quotes(store.store)
    assert int(index.meta()["quotes"]) == len(set(quotes)) > 100


def test_phrase_search_through_the_index_answers_as_plain_sparql_on_the_real_graph(real):
    store = stores.OxigraphStore.from_file(real / "cckg.nq")
    _same_as_plain(store, PHRASES)
    assert _answers(store, PHRASE_QUERY, "health community").rows  # the example finds something
    prepared = fulltext.prepare(store, PHRASE_QUERY, {"phrase": Literal("health community")})
    assert "VALUES ?exact" in prepared and "LATERAL" in prepared and "SELECT ?phrase ?statement" not in prepared


def test_phrase_search_through_the_index_answers_as_rdflib(real):
    fast = stores.OxigraphStore.from_file(real / "cckg.nq")
    slow = stores.RdflibStore.from_file(real / "cckg.nq")
    for phrase in ("health community", "AsiaInfo", "cooperation"):
        indexed = _indexed(fast, phrase)
        assert indexed.as_set() == _answers(slow, PHRASE_QUERY, phrase).as_set(), phrase


def test_phrase_search_through_the_index_on_a_generated_graph(generated_build):
    small = generated_build
    store = stores.OxigraphStore.from_build(small)
    assert fulltext.index_for(store).origin.startswith("in memory")  # a store built in memory: its own index
    words = sorted({w for q in fulltext.store_quotes(small.store)[:50] for w in q.split() if len(w) > 4})[:8]
    _same_as_plain(store, [*words, "proposal 1 of", "e"])


FIXTURE = """
@prefix cckg: <https://w3id.org/cckg/ontology/> . @prefix kg: <https://w3id.org/cckg/id/> .
@prefix oa: <http://www.w3.org/ns/oa#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
kg:x a schema:Country ; rdfs:label "Xland"@en .
kg:p1 a cckg:Proposal ; rdfs:label "first"@en ; cckg:actor kg:x ; schema:position 1 .
kg:m1 a cckg:Measure ; rdfs:label "second"@en ; cckg:actor kg:x ; cckg:partOf kg:p1 .
kg:s1 a cckg:Statement ; rdfs:label "not a listed kind"@en ; cckg:actor kg:x .
kg:a1 oa:hasBody kg:p1 ; oa:hasTarget kg:t1 . kg:t1 oa:hasSelector kg:q1 . kg:q1 oa:exact "Die GROSSE Straße in İzmir" .
kg:a2 oa:hasBody kg:m1 ; oa:hasTarget kg:t2 . kg:t2 oa:hasSelector kg:q2 . kg:q2 oa:exact "ΣΟΦΟΣ said \\"so\\" {twice}" .
kg:a3 oa:hasBody kg:s1 ; oa:hasTarget kg:t3 . kg:t3 oa:hasSelector kg:q3 . kg:q3 oa:exact "straße in izmir" .
"""


def test_phrase_search_through_the_index_on_a_fixture_with_unicode_case(tmp_path):
    path = tmp_path / "fixture.ttl"
    path.write_text(FIXTURE, encoding="utf-8")
    store = stores.OxigraphStore.from_file(path)
    phrases = ["straße", "STRASSE", "GROSSE", "i̇zmir", "İzmir", "σοφος", "σοφοσ", '"so"', "{twice}", "in i", "xyz"]
    _same_as_plain(store, phrases)
    assert [r[1].split("/")[-1] for r in _answers(store, PHRASE_QUERY, "straße").rows] == ["p1"]
    assert len(_answers(store, PHRASE_QUERY, "ΣΟΦΟΣ").rows) == 1


NAME_QUERY = library.find("name-lookup").text
NAMES = ["Meledov", "meledov", "AsiaInfo", "Treuberdi", "Wang", "kazakh", "Central Asia", "ministry of foreign",
         "no one is called this", "wa", "", "İ"]


def _names_same_as_plain(store, names):
    text, info = sparql.prepare(NAME_QUERY)
    for name in names:
        params = {"name": Literal(name)}
        prepared = fulltext.prepare(store, text, params)
        assert ("VALUES ?spelling {" in prepared) == (len(name) >= fulltext.MIN_PHRASE), name
        indexed = store.query(text, params=params).normalized(ordered=info.ordered)  # asks the index itself
        plain = _answers(store, NAME_QUERY, name, "name")
        assert indexed.variables == plain.variables and indexed.rows == plain.rows, name


def test_name_lookup_through_the_index_answers_as_plain_sparql(real):
    store = stores.OxigraphStore.from_file(real / "cckg.nq")
    index = fulltext.index_for(store)
    assert index.origin == str(real / fulltext.FILENAME)
    assert int(index.meta()["names"]) == len(set(fulltext.store_names(store.store))) > 100
    _names_same_as_plain(store, NAMES)
    assert len(_answers(store, NAME_QUERY, "Meledov", "name").rows) >= 1  # the example finds someone


def test_name_lookup_through_the_index_on_a_generated_graph(generated_build):
    store = stores.OxigraphStore.from_build(generated_build)
    labels = sorted(lexical for lexical, _ in fulltext.store_names(store.store))[::97][:6]
    _names_same_as_plain(store, [*labels, *(label[2:9] for label in labels)])


def test_a_name_query_over_other_properties_is_not_rewritten():
    """The name table holds rdfs:label and skos:altLabel only: a query whose spelling property may be another one
    runs as written."""
    other = NAME_QUERY.replace("{ rdfs:label skos:altLabel }", "{ rdfs:label foaf:name }")
    assert other != NAME_QUERY
    assert fulltext.phrase_variables(other) is None
    assert fulltext.phrase_variables(NAME_QUERY) == ("name", "spelling", "name")


def test_index_bytes_are_the_same_for_the_same_quotes():
    quotes = ["beta", "alpha", "gamma delta", "alpha"]
    assert fulltext.database_bytes(quotes) == fulltext.database_bytes(list(reversed(quotes)))
    assert fulltext.database_bytes(quotes) != fulltext.database_bytes(quotes[:2])


def test_an_index_beside_another_dump_is_not_used(real, tmp_path):
    dump = tmp_path / "cckg.nq"
    dump.write_bytes((real / "cckg.nq").read_bytes() + b"<urn:x> <urn:y> <urn:z> .\n")
    (tmp_path / fulltext.FILENAME).write_bytes((real / fulltext.FILENAME).read_bytes())
    store = stores.OxigraphStore.from_file(dump)
    assert fulltext.index_for(store).origin.startswith("in memory")


def test_the_rewrites_skip_strings_comments_and_iris():
    text = ('SELECT ?a WHERE { ?a <urn:p> "OPTIONAL { }" . # OPTIONAL {\n OPTIONAL { ?a <urn:q> "}" } '
            '{ SELECT ?b WHERE { ?b <urn:r> ?c } } OPTIONAL { ?a <urn:s> ?d . OPTIONAL { ?d <urn:t> ?e } } }')
    out = rewrite.lateral_optionals(text)
    assert out.count("LATERAL") == 2
    assert 'LATERAL { OPTIONAL { ?a <urn:q> "}" } }' in out
    assert "LATERAL { OPTIONAL { ?a <urn:s> ?d . OPTIONAL { ?d <urn:t> ?e } } }" in out
    assert rewrite.inline_sub_select(text, text.index("<urn:r>")) == text.replace(
        "{ SELECT ?b WHERE { ?b <urn:r> ?c } }", " ?b <urn:r> ?c ")
    clash = text + " ?c"  # ?c, hidden by the sub-SELECT, also occurs outside it: not inlined
    assert rewrite.inline_sub_select(clash, clash.index("<urn:r>")) == clash


# --- pages of a listing ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["about-country", "statement-source", "meeting-participants"])
def test_pages_concatenate_to_the_whole_listing(real, name):
    store = stores.OxigraphStore.from_file(real / "cckg.nq")
    text, info = sparql.prepare(library.find(name).text)
    whole = stores.run(store, text).rows
    assert len(whole) > 40
    pages, size = [], 17
    for number in range(1, len(whole) // size + 3):
        rows = stores.run(store, paging.paginate(text, info, *paging.page_bounds(size, None, number))).rows
        assert len(rows) <= size
        pages += rows
    assert pages == whole


def test_cli_pages(real):
    args = ("query", "about-country", "--format", "csv", "--data", str(real / "cckg.nq"))
    whole = list(csv.reader(io.StringIO(run_cli(*args).stdout)))
    first = run_cli(*args, "--limit", "10")
    second = run_cli(*args, "--limit", "10", "--page", "2")
    rest = run_cli(*args, "--offset", "20")
    assert [first.returncode, second.returncode, rest.returncode] == [0, 0, 0], first.stderr + second.stderr
    rows = [list(csv.reader(io.StringIO(r.stdout)))[1:] for r in (first, second, rest)]
    assert whole[0] == list(csv.reader(io.StringIO(first.stdout)))[0]
    assert rows[0] + rows[1] + rows[2] == whole[1:] and len(rows[0]) == 10


def test_pages_need_an_ordered_select():
    info = sparql.inspect("SELECT ?s WHERE { ?s ?p ?o }")
    with pytest.raises(errors.UsageError, match="ORDER BY"):
        paging.paginate("SELECT ?s WHERE { ?s ?p ?o }", info, 10, None)
    text = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 5"
    with pytest.raises(errors.UsageError, match="already"):
        paging.paginate(text, sparql.inspect(text), 10, None)
    with pytest.raises(errors.UsageError):
        paging.page_bounds(10, 5, 2)
    assert paging.page_bounds(None, None, 3) == (1000, 2000)


def test_a_phrase_bound_in_the_text_is_read_only_when_unambiguous():
    """inline_phrase: the one simple string every VALUES block gives the variable (as bind_inline writes it, \\u
    escapes read); None when a block gives several values or other variables, a comment holds it, or BIND sets it."""
    bound = sparql.bind_inline(sparql.prepare(PHRASE_QUERY)[0], {"phrase": Literal('a "b" \\ é')})
    assert fulltext.inline_phrase(bound, "phrase") == Literal('a "b" \\ é')
    assert fulltext.inline_phrase('SELECT * WHERE { VALUES ?phrase { "a\\u00e9" } }', "phrase") == Literal("aé")
    for text in ('SELECT * WHERE { VALUES ?phrase { "a" "b" } }', 'SELECT * WHERE { # VALUES ?phrase { "a" }\n }',
                 'SELECT * WHERE { VALUES ?phrase { "a" } BIND ("b" AS ?phrase) }',
                 'SELECT * WHERE { VALUES (?phrase ?x) { ("a" 1) } }',
                 'SELECT * WHERE { VALUES ?phrase { "a" } { SELECT * WHERE { VALUES ?phrase { "b" } } } }'):
        assert fulltext.inline_phrase(text, "phrase") is None, text
