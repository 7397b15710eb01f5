"""The exports (graph/export.py, `python build.py export`): round trips, JSON-LD offline, graph formats, VoID, bytes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from conftest import IN_CI, ROOT, derived_reference, outputs_under_hash_seeds, reference_quads, run_cli
from graph import namespaces as ns  # not its namespaces: pytest probes module-level names
from graph.export import exporter as export
from graph.export import jsonld as export_jsonld, lines as export_lines, networks as export_networks
from graph.export import void as export_void
from graph.errors import Problem
from graph.namespaces import DCTERMS, FOAF, KG, ONTOLOGY, OWL, RDF, VOID
from graph.build import derive
from graph.build.output import fresh_graph
from graph.terms import cached_from_oxigraph

TRIPLE_FORMATS = {  # format -> (rdflib parser, pyoxigraph format)
    "ttl": ("turtle", ox.RdfFormat.TURTLE),
    "nt": ("nt", ox.RdfFormat.N_TRIPLES),
    "jsonld": ("json-ld", ox.RdfFormat.JSON_LD),
    "xml": ("xml", ox.RdfFormat.RDF_XML),
}
QUAD_FORMATS = {"nq": ("nquads", ox.RdfFormat.N_QUADS), "trig": ("trig", ox.RdfFormat.TRIG)}


@pytest.fixture(scope="module")
def exporters(built):
    return {part: export.Exporter(built, part=part) for part in export.PARTS}


@pytest.fixture()
def no_network(monkeypatch):
    """Any attempt to open a connection or resolve a name fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)


def expected_triples(built, part: str) -> Graph:
    """What a part holds, assembled straight from the build (not through the exporter)."""
    triples = {
        "ontology": list(built.ontology),
        "data": [*built.data_triples(), *built.derived_triples()],  # the derived shortcuts are data too
        "all": list(built.all_triples()),  # single-graph formats leave the VoID graph to void.ttl, nq and trig
    }[part]
    return fresh_graph(triples)


# ---------------------------------------------------------------- RDF round trips


@pytest.mark.parametrize("part", export.PARTS)
@pytest.mark.parametrize("fmt", TRIPLE_FORMATS)
def test_triple_export_parses_back_isomorphic_with_rdflib_and_oxigraph(built, exporters, fmt, part, no_network):
    data = exporters[part].to_bytes(fmt)[""]
    rdflib_format, ox_format = TRIPLE_FORMATS[fmt]
    expected = expected_triples(built, part)
    parsed = Graph().parse(data=data, format=rdflib_format)
    assert len(parsed) == len(expected) > 0
    assert isomorphic(parsed, expected)
    assert len(set(ox.parse(data, format=ox_format))) == len(expected)


@pytest.mark.parametrize("part", export.PARTS)
@pytest.mark.parametrize("fmt", QUAD_FORMATS)
def test_quad_export_has_one_isomorphic_named_graph_per_source(built, exporters, fmt, part):
    data = exporters[part].to_bytes(fmt)[""]
    _, ox_format = QUAD_FORMATS[fmt]
    # Read with pyoxigraph: rdflib's N-Quads and TriG parsers go through its deprecated ConjunctiveGraph.
    convert = cached_from_oxigraph()
    parsed: dict = {}
    for quad in ox.parse(data, format=ox_format):
        graph = parsed.setdefault(convert(quad.graph_name), Graph())
        graph.add((convert(quad.subject), convert(quad.predicate), _plain(convert(quad.object))))
    wanted = _wanted_graphs(built, exporters["all"], part)
    assert set(parsed) == set(wanted)
    for iri, triples in wanted.items():
        assert isomorphic(parsed[iri], fresh_graph(triples)), iri
    by_graph: dict[str, int] = {}
    for quad in ox.parse(data, format=ox_format):
        by_graph[quad.graph_name.value] = by_graph.get(quad.graph_name.value, 0) + 1
    assert by_graph == {str(iri): len(set(triples)) for iri, triples in wanted.items()}


def _wanted_graphs(built, exporter, part: str) -> dict:
    """The named graphs a part's export must hold, from the reference: the build's rdflib Dataset (made from the
    sources) and, for part all, the VoID description."""
    graphs = {ONTOLOGY: set(built.ontology)} if part != "data" else {}
    if part != "ontology":
        graphs.update({KG[s.id]: set(built.dataset.graph(KG[s.id])) for s in built.sources})
    if part != "ontology" and built.loaded.derived_lines:
        graphs[derive.DERIVED_GRAPH] = derived_reference(built.dataset)
    if part == "all":
        graphs[export_void.VOID_GRAPH] = set(exporter.void_graph_triples())
    return graphs


def _plain(term):
    """A simple literal as rdflib makes it (pyoxigraph gives it the datatype xsd:string)."""
    if isinstance(term, Literal) and term.datatype == ns.XSD.string:
        return Literal(str(term))
    return term


def test_named_graphs_are_the_source_documents_the_ontology_the_derived_and_the_void(built):
    iris = [iri for iri, _ in export.Exporter(built).graphs]
    assert set(iris) == {ONTOLOGY, export_void.VOID_GRAPH, derive.DERIVED_GRAPH} | {KG[s.id] for s in built.sources}
    assert iris == sorted(iris, key=str)
    assert len(built.sources) >= 1


@pytest.mark.parametrize("fmt", ["trig", "xml"])
def test_only_our_prefixes_are_written(exporters, fmt):
    text = exporters["all"].to_bytes(fmt)[""].decode("utf-8")
    assert "ns1" not in text and "schema1" not in text
    assert "prefix kg: <https://w3id.org/cckg/id/>" in text.lower() or 'xmlns:kg="https://w3id.org/cckg/id/"' in text


# ---------------------------------------------------------------- JSON-LD


def test_jsonld_embeds_the_shipped_context_and_expands_offline(built, exporters, no_network):
    shipped = json.loads(export_jsonld.CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]
    document = json.loads(exporters["all"].to_bytes("jsonld")[""])
    assert document["@context"] == shipped
    expanded = Graph().parse(data=json.dumps(document), format="json-ld")
    assert isomorphic(expanded, expected_triples(built, "all"))


def test_jsonld_keys_read_as_words(exporters):
    document = json.loads(exporters["all"].to_bytes("jsonld")[""])
    keys = {key for node in document["@graph"] for key in node}
    assert keys, "no node in @graph"
    not_words = sorted(k for k in keys if not k.startswith("@") and not k.isalnum())
    assert not not_words, f"keys that are IRIs or CURIEs, not context terms: {not_words}"
    types = {t for node in document["@graph"] for t in _as_list(node.get("@type", []))}
    assert {"Person", "Country", "MinisterialMeeting"} <= types
    assert not [t for t in types if t.startswith("http")]


def test_context_defines_every_predicate_and_class_the_graph_uses(exporters):
    context = export_jsonld.load_context()
    prefixes = {k: v for k, v in context.items() if isinstance(v, str) and v.startswith("http")}
    defined = set()
    for term, value in context.items():
        iri = value["@id"] if isinstance(value, dict) else value
        if term.startswith("@") or term in prefixes:
            continue
        prefix, _, local = iri.partition(":")
        defined.add(prefixes[prefix] + local)
    triples = [t for t in ox.parse(exporters["all"].to_bytes("nt")[""], format=ox.RdfFormat.N_TRIPLES)]
    used = {t.predicate.value for t in triples if t.predicate.value != str(RDF.type)}
    used |= {t.object.value for t in triples if t.predicate.value == str(RDF.type)}
    used -= {str(VOID.Dataset)}  # shares its word with dcat:Dataset; written as void:Dataset
    assert sorted(used - defined) == []


def test_jsonld_arrays_are_sorted(exporters):
    document = json.loads(exporters["all"].to_bytes("jsonld")[""])
    ids = [node["@id"] for node in document["@graph"]]
    assert ids == sorted(ids)
    for node in document["@graph"]:
        for key, value in node.items():
            if isinstance(value, list):
                assert value == sorted(value, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False)), key


def _as_list(value):
    return value if isinstance(value, list) else [value]


# ---------------------------------------------------------------- graph formats and CSV


@pytest.fixture(scope="module")
def projection(exporters):
    return exporters["all"].projection


@pytest.mark.parametrize("fmt,reader", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_graph_formats_load_back_with_the_same_nodes_and_edges(exporters, projection, fmt, reader, tmp_path):
    path = tmp_path / f"g.{fmt}"
    path.write_bytes(exporters["all"].to_bytes(fmt)[""])
    loaded = reader(path) if fmt == "gexf" else reader(path, force_multigraph=True)
    assert loaded.number_of_nodes() == projection.number_of_nodes() > 0
    assert loaded.number_of_edges() == projection.number_of_edges() > 0
    assert set(loaded.nodes) == set(projection.nodes)
    for node in ("kg:wang-yi", "kg:china"):
        assert loaded.nodes[node]["label"] == projection.nodes[node]["label"]
        assert loaded.nodes[node]["cls"] == projection.nodes[node]["cls"]
        assert loaded.nodes[node]["group"] == projection.nodes[node]["group"]


@pytest.fixture(scope="module")
def view_drawing(built, projection):
    """node -> (x, y, size, colour) as the HTML view draws the whole projection (viz.render.page_data)."""
    from viz.render import page_data

    data = page_data(projection, {}, title="t", docs_href={})
    return {n["id"]: (n["x"], n["y"], n["size"], n["color"]) for n in data["nodes"]}


def _igraph():
    """python-igraph (the test extra); required in CI."""
    try:
        import igraph
    except ImportError:
        if IN_CI:
            pytest.fail("python-igraph (the test extra) is required in CI")
        pytest.skip("python-igraph is not installed")
    return igraph


def _edge_keys(projection) -> list[tuple]:
    return sorted((u, v, str(k)) for u, v, k in projection.edges(keys=True))


def test_graphml_in_networkx_has_unique_edge_ids_and_the_views_drawing(exporters, projection, view_drawing, tmp_path):
    """Gephi keeps one edge per id: every edge has its own id (e0, e1…), the predicate is an attribute; each node
    carries the view's x, y, size and colour."""
    path = tmp_path / "g.graphml"
    path.write_bytes(exporters["all"].to_bytes("graphml")[""])
    loaded = nx.read_graphml(path, force_multigraph=True)
    ids = [key for _, _, key in loaded.edges(keys=True)]
    assert len(ids) == len(set(ids)) == projection.number_of_edges() > 500
    assert sorted(ids) == sorted(f"e{i}" for i in range(len(ids)))
    assert sorted((u, v, d["predicate"]) for u, v, d in loaded.edges(data=True)) == _edge_keys(projection)
    for node, data in loaded.nodes(data=True):
        x, y, size, colour = view_drawing[node]
        assert (data["x"], data["y"], data["size"], data["color"]) == (x, y, size, colour), node


def test_graphml_in_igraph(exporters, projection, view_drawing, tmp_path):
    """python-igraph (its C core's GraphML reader) reads the same graph: counts, node ids, the drawing attributes
    and each edge's predicate and label."""
    igraph = _igraph()
    path = tmp_path / "g.graphml"
    path.write_bytes(exporters["all"].to_bytes("graphml")[""])
    g = igraph.Graph.Read_GraphML(str(path))
    assert g.is_directed()
    assert (g.vcount(), g.ecount()) == (projection.number_of_nodes(), projection.number_of_edges())
    assert set(g.vs["id"]) == set(projection.nodes)
    for vertex in g.vs:
        assert (vertex["x"], vertex["y"], vertex["size"], vertex["color"]) == view_drawing[vertex["id"]]
    names = g.vs["id"]
    assert sorted((names[e.source], names[e.target], e["predicate"]) for e in g.es) == _edge_keys(projection)
    assert {e["label"] for e in g.es} >= {"holds", "member of"}


def test_gexf_in_networkx_has_unique_edge_ids_and_viz_colour_size_position(exporters, projection, view_drawing,
                                                                            tmp_path):
    """GEXF's viz namespace: viz:color (the group's colour), viz:size (betweenness, as the view), viz:position (the
    view's layout, y pointing up as in Gephi); one id per edge."""
    from graph.network.drawing import rgb

    data = exporters["all"].to_bytes("gexf")[""]
    assert b'xmlns:viz="http://www.gexf.net/1.2draft/viz"' in data
    path = tmp_path / "g.gexf"
    path.write_bytes(data)
    loaded = nx.read_gexf(path)
    ids = [d["id"] for *_, d in loaded.edges(keys=True, data=True)]
    assert len(ids) == len(set(ids)) == projection.number_of_edges()
    assert sorted((u, v, d["predicate"]) for u, v, d in loaded.edges(data=True)) == _edge_keys(projection)
    for node, attrs in loaded.nodes(data=True):
        x, y, size, colour = view_drawing[node]
        viz = attrs["viz"]
        assert (viz["position"]["x"], -viz["position"]["y"]) == (x, y), node
        assert viz["size"] == size
        assert (viz["color"]["r"], viz["color"]["g"], viz["color"]["b"]) == rgb(colour)


def test_gexf_in_igraph(exporters, projection, tmp_path):
    """igraph has no GEXF reader: it takes the graph networkx read from the GEXF file (Graph.from_networkx)."""
    igraph = _igraph()
    path = tmp_path / "g.gexf"
    path.write_bytes(exporters["all"].to_bytes("gexf")[""])
    g = igraph.Graph.from_networkx(nx.read_gexf(path))
    assert (g.vcount(), g.ecount()) == (projection.number_of_nodes(), projection.number_of_edges())
    assert len(set(g.es["id"])) == g.ecount()
    assert all(v["viz"]["size"] >= 9 for v in g.vs)


def test_gexf_has_no_date_stamp(exporters):
    assert b"lastmodifieddate" not in exporters["all"].to_bytes("gexf")[""]


def test_csv_ids_match_the_projection(exporters, projection):
    files = exporters["all"].to_bytes("csv")
    nodes = list(csv.DictReader(io.StringIO(files["nodes"].decode("utf-8"))))
    edges = list(csv.DictReader(io.StringIO(files["edges"].decode("utf-8"))))
    assert [row["id"] for row in nodes] == sorted(projection.nodes)
    assert list(nodes[0]) == list(export_networks.NODE_COLUMNS) and list(edges[0]) == list(export_networks.EDGE_COLUMNS)
    for row in nodes:
        data = projection.nodes[row["id"]]
        assert (row["iri"], row["label"], row["class"], row["group"]) == (data["iri"], data["label"], data["cls"], data["group"])
    assert len(edges) == projection.number_of_edges()
    assert {(r["source"], r["target"], r["predicate"]) for r in edges} == {
        (u, v, d["predicate"]) for u, v, d in projection.edges(data=True)
    }


def test_csv_writes_nodes_and_edges_beside_out(built, tmp_path):
    written = export.export(built, "csv", out=tmp_path / "kg.csv")
    assert [p.name for p in written] == ["kg-edges.csv", "kg-nodes.csv"]


# ---------------------------------------------------------------- VoID


@pytest.fixture(scope="module")
def store(exporters) -> ox.Store:
    """The N-Quads export loaded into Oxigraph, for counting with SPARQL."""
    store = ox.Store()
    store.load(exporters["all"].to_bytes("nq")[""], format=ox.RdfFormat.N_QUADS)
    return store


def _void(store: ox.Store, query: str) -> list:
    prefix = f"PREFIX void: <{VOID}> PREFIX dcterms: <{DCTERMS}> PREFIX owl: <{OWL}> "
    return list(store.query(prefix + query.replace("VOIDGRAPH", f"<{export_void.VOID_GRAPH}>")))


def _number(term) -> int:
    return int(term.value)


NOT_VOID = "GRAPH ?g { ?s ?p ?o } FILTER(?g != VOIDGRAPH)"


def test_void_counts_equal_sparql_counts(store):
    (stated,) = _void(store, "SELECT ?t ?e ?ds ?do ?np ?nc { GRAPH VOIDGRAPH { ?d a void:Dataset ; void:uriSpace ?u ;"
                             " void:triples ?t ; void:entities ?e ; void:distinctSubjects ?ds ; void:distinctObjects ?do ;"
                             " void:properties ?np ; void:classes ?nc } }")
    (counted,) = _void(store, f"""SELECT (COUNT(*) AS ?t) (COUNT(DISTINCT ?s) AS ?ds) (COUNT(DISTINCT ?o) AS ?do)
        (COUNT(DISTINCT ?p) AS ?np) {{ SELECT DISTINCT ?s ?p ?o {{ {NOT_VOID} }} }}""")
    (entities,) = _void(store, f"""SELECT (COUNT(DISTINCT ?s) AS ?e) {{ {NOT_VOID}
        FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{KG}")) }}""")
    (classes,) = _void(store, "SELECT (COUNT(DISTINCT ?c) AS ?n) { GRAPH ?g { ?s a ?c } FILTER(?g != VOIDGRAPH) }")
    assert _number(stated["t"]) == _number(counted["t"]) > 0
    assert _number(stated["ds"]) == _number(counted["ds"])
    assert _number(stated["do"]) == _number(counted["do"])
    assert _number(stated["np"]) == _number(counted["np"])
    assert _number(stated["e"]) == _number(entities["e"]) > 0
    assert _number(stated["nc"]) == _number(classes["n"])


def test_void_counts_literals_the_store_keeps_as_one_value_once():
    """Oxigraph keeps "1"^^xsd:positiveInteger and "1"^^xsd:integer as one value (and "5.0", "5" as decimals):
    the VoID figures, counted on the build's store, count such literals once, as SPARQL over the export does."""

    s, p, q = KG.a, KG.p, KG.q
    one = [Literal("1", datatype=ns.XSD.positiveInteger), Literal("1", datatype=ns.XSD.integer)]
    five = [Literal("5.0", datatype=ns.XSD.decimal), Literal("5", datatype=ns.XSD.decimal)]
    kept = [Literal("1", datatype=ns.XSD.string), Literal("1", lang="en"), Literal("2", datatype=ns.XSD.integer)]
    triples = [(s, p, o) for o in one + five + kept] + [(s, q, one[0])]
    from graph.build import loading

    loaded = loading.start(set())
    loading.add_source(loaded, "g", {export_lines._nt_line(t).decode() for t in triples})
    store = ox.Store()
    store.load(b"\n".join(export_lines._nt_line(t) for t in triples), format=ox.RdfFormat.N_TRIPLES)
    (counted,) = store.query("SELECT (COUNT(*) AS ?t) (COUNT(DISTINCT ?o) AS ?o) { ?s ?p ?o }")
    figures = export_void.store_figures(loaded)
    assert (figures.triples, figures.objects) == (_number(counted["t"]), _number(counted["o"])) == (6, 5)
    assert figures.sizes == {ONTOLOGY: 0, KG.g: 6}


def test_void_class_partitions_equal_sparql_counts(store):
    stated = {row["c"].value: _number(row["n"]) for row in _void(
        store, "SELECT ?c ?n { GRAPH VOIDGRAPH { ?d void:classPartition ?p . ?p void:class ?c ; void:entities ?n } }")}
    counted = {row["c"].value: _number(row["n"]) for row in _void(
        store, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) { GRAPH ?g { ?s a ?c } FILTER(?g != VOIDGRAPH) } GROUP BY ?c")}
    assert stated == counted
    assert stated[str(FOAF.Person)] > 0


def test_void_subsets_equal_sparql_counts_per_named_graph(store, built):
    stated = {row["src"].value: _number(row["n"]) for row in _void(
        store, "SELECT ?src ?n { GRAPH VOIDGRAPH { ?d void:subset ?p . ?p dcterms:source ?src ; void:triples ?n } }")}
    counted = {row["g"].value: _number(row["n"]) for row in _void(
        store, f"SELECT ?g (COUNT(*) AS ?n) {{ {NOT_VOID} }} GROUP BY ?g")}
    assert stated == counted
    assert set(stated) == {str(ONTOLOGY), str(derive.DERIVED_GRAPH)} | {str(KG[s.id]) for s in built.sources}


def test_void_gives_the_derived_graph_its_provenance(built):
    """The derived shortcuts' subset says what it was derived from (each source document's graph) and by which rule;
    the dataset's sources stay the source documents."""
    from graph.namespaces import PROV

    void = fresh_graph(export.Exporter(built).void_graph_triples())
    (part,) = void.subjects(DCTERMS.source, derive.DERIVED_GRAPH)
    assert set(void.objects(part, PROV.wasDerivedFrom)) == {KG[s.id] for s in built.sources}
    assert "actor-country.rq" in str(void.value(part, DCTERMS.description))
    assert derive.DERIVED_GRAPH not in set(void.objects(export_void.DATASET, DCTERMS.source))


def test_void_describes_title_licence_version_sources_endpoint_and_examples(built):
    void = fresh_graph(export.Exporter(built, endpoint="http://localhost:9999/sparql").void_graph_triples())
    dataset = export_void.DATASET
    assert (dataset, RDF.type, VOID.Dataset) in void
    assert (dataset, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in void
    assert (dataset, OWL.versionInfo, Literal(built.version)) in void
    assert void.value(dataset, DCTERMS.title) is not None
    assert set(void.objects(dataset, DCTERMS.source)) == {KG[s.id] for s in built.sources}
    assert set(void.objects(dataset, VOID.sparqlEndpoint)) == {URIRef("http://localhost:9999/sparql")}
    examples = set(void.objects(dataset, VOID.exampleResource))
    subjects = set(fresh_graph(built.data_triples()).subjects())
    assert examples and examples <= subjects
    assert URIRef("http://xmlns.com/foaf/0.1/") in set(void.objects(dataset, VOID.vocabulary))


def test_void_uses_only_known_terms(built):
    from graph.build.validate import unknown_terms

    void = fresh_graph(export.Exporter(built).void_graph_triples())
    assert unknown_terms(void, built.ontology, lambda node: Problem("void", 0, str(node), "")) == []


# ---------------------------------------------------------------- the command line and determinism

EXPORT_ALL = """
import sys
from pathlib import Path
from graph.export import exporter as export
from graph.build import pipeline
result = pipeline.build()
out = Path(sys.argv[1])
for part in export.PARTS:
    for fmt in export.FORMATS:
        export.export(result, fmt, part=part, out=export.default_path(out, fmt, part))
"""


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_every_format_is_byte_identical_whatever_the_hash_seed(tmp_path):
    digests = []
    for seed in ("0", "4242"):
        out = tmp_path / seed
        done = subprocess.run([sys.executable, "-c", EXPORT_ALL, str(out)], cwd=ROOT, capture_output=True,
                              text=True, env={**_env(), "PYTHONHASHSEED": seed}, timeout=600)
        assert done.returncode == 0, done.stderr
        digests.append(_digests(out))
    assert len(digests[0]) == len(export.PARTS) * (len(export.FORMATS) + 1)  # csv writes two files
    assert digests[0] == digests[1]


def _env() -> dict:
    import os

    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_cli_export_writes_the_library_bytes(built, tmp_path):
    out = tmp_path / "x.trig"
    done = run_cli("export", "--format", "trig", "--part", "data", "--out", str(out), "-q")
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == export.Exporter(built, part="data").to_bytes("trig")[""]


@pytest.mark.parametrize("args", [["--format", "yaml"], ["--format", "ttl", "--part", "everything"], []])
def test_bad_format_or_part_is_a_usage_error(args, tmp_path):
    done = run_cli("export", *args, "--out", str(tmp_path / "x"))
    assert done.returncode == 2
    assert not any(tmp_path.iterdir())


def test_main_build_writes_the_common_exports_and_void(tmp_path, built):
    done = run_cli("--out", str(tmp_path), "-q")
    assert done.returncode == 0, done.stderr
    for name in ("cckg.nt", "cckg.nq", "cckg.trig", "cckg.jsonld", "void.ttl"):
        assert (tmp_path / name).stat().st_size > 0, name
    void = Graph().parse(tmp_path / "void.ttl")
    assert isomorphic(void, fresh_graph(export.Exporter(built).void_graph_triples()))


def test_turtle_export_of_all_is_the_core_builds_cckg_ttl(built, exporters):
    """`export --format ttl` and the main build write the same dist/cckg.ttl (no flip-flop between them)."""
    from graph.build.output import turtle_bytes

    assert exporters["all"].to_bytes("ttl")[""] == turtle_bytes(built.all_triples())


# ---------------------------------------------------------------- exports from the build's lines (graph/loading.py)

BUILD_FILES = ("cckg.nt", "cckg.nq", "cckg.trig", "cckg.jsonld", "void.ttl")


def _reference_quads(build) -> set[str]:
    """conftest.reference_quads as N-Quads texts."""
    return {str(q) for q in reference_quads(build)}


def test_build_exports_are_written_without_an_rdflib_dataset(tmp_path):
    """The exports come from the build's N-Triples lines, never from rdflib terms of the whole build."""
    from graph.build import pipeline

    fresh = pipeline.build()
    export.write_build_outputs(fresh, tmp_path / "out")
    assert fresh._dataset is None  # no rdflib Dataset of the whole build was made
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(BUILD_FILES)


def test_build_exports_parse_to_the_reference_dataset(generated_build, tmp_path):
    export.write_build_outputs(generated_build, tmp_path / "out")
    reference = _reference_quads(generated_build)
    void = export_void.VOID_GRAPH
    found = {str(q) for q in ox.parse(path=str(tmp_path / "out" / "cckg.nq"), format=ox.RdfFormat.N_QUADS)}
    assert {q for q in found if not q.endswith(f"<{void}>")} == reference
    triples = {q.rsplit(" ", 1)[0] for q in reference}  # each triple once, whatever graphs hold it
    for name, fmt in (("cckg.nt", ox.RdfFormat.N_TRIPLES), ("cckg.jsonld", ox.RdfFormat.JSON_LD)):
        got = {str(q).removesuffix(" .") for q in ox.parse(path=str(tmp_path / "out" / name), format=fmt)}
        assert got == triples, name
    trig = {str(q) for q in ox.parse(path=str(tmp_path / "out" / "cckg.trig"), format=ox.RdfFormat.TRIG)}
    assert trig == found
    assert len((tmp_path / "out" / "cckg.nt").read_bytes().splitlines()) == len(triples)


def test_build_exports_are_byte_identical_whatever_the_hash_seed(generated_sources, tmp_path):
    outputs_under_hash_seeds(generated_sources, tmp_path, "graph.export.exporter:write_build_outputs")
    for name in BUILD_FILES:
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes(), name


def test_jsonld_from_lines_compacts_as_from_terms():
    """Compactor.node_texts_from_lines (large builds) reads N-Triples lines as Compactor.nodes reads terms and writes
    each node as _dumps does: escapes, languages, datatypes, types, IRI values and repeated values."""
    from rdflib import BNode

    s, t = KG["x"], KG["y"]
    triples = [
        (s, RDF.type, FOAF.Person), (s, RDF.type, URIRef("http://example.org/Other")),
        (s, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal('say "hi"\\ \n\r\t\x01 é ✓', lang="en")),
        (s, URIRef("http://www.w3.org/2004/02/skos/core#altLabel"), Literal("Другое", lang="ru")),
        (s, URIRef("http://www.w3.org/2004/02/skos/core#altLabel"), Literal("b", lang="en")),
        (s, URIRef("http://www.w3.org/2004/02/skos/core#altLabel"), Literal("a", lang="en")),
        (s, DCTERMS.date, Literal("2020-07-16", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date"))),
        (s, DCTERMS.description, Literal("plain")),
        (s, FOAF.knows, t), (s, URIRef("http://example.org/p"), t), (s, URIRef("http://example.org/q"), BNode("b1")),
        (t, URIRef("http://example.org/n"), Literal(5)),
    ]
    compactor = export_jsonld.Compactor(export_jsonld.load_context())
    lines = sorted(export_lines._nt_line(x) for x in triples)
    assert sorted(compactor.node_texts_from_lines(lines)) == sorted(
        (node["@id"], export_jsonld._dumps(node, "    ").encode("utf-8")) for node in compactor.nodes(triples))
    document = {"@context": export_jsonld.load_context(), "@graph": compactor.nodes(triples)}
    assert export_jsonld._dumps(document) == json.dumps(document, indent=2, ensure_ascii=False)


def test_atomic_files_are_all_renamed_or_none(tmp_path):
    from graph.build.output import AtomicFiles

    (tmp_path / "a.txt").write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with AtomicFiles() as out:
            out.write(tmp_path / "a.txt", b"new")
            out.write(tmp_path / "b.txt", [b"pie", b"ces"])
            raise RuntimeError("failed midway")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]  # no temporaries left, nothing replaced
    assert (tmp_path / "a.txt").read_bytes() == b"old"
    with AtomicFiles() as out:
        assert out.write(tmp_path / "a.txt", b"new") == 3
        assert out.write(tmp_path / "b.txt", [b"pie", b"ces"]) == 6
    assert (tmp_path / "a.txt").read_bytes() == b"new" and (tmp_path / "b.txt").read_bytes() == b"pieces"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_turtle_and_rdfxml_exports_come_from_the_lines(generated_build):
    """`export --format ttl` is the sorted Turtle of the build's lines (dist/cckg.ttl's writer) and RDF/XML is parsed
    from them, with no rdflib terms; both hold the reference dataset's graph."""
    from graph.build.output import sorted_turtle_bytes

    exporter = export.Exporter(generated_build, part="all")
    ttl, xml = exporter.to_bytes("ttl")[""], exporter.to_bytes("xml")[""]
    triples = {q.rsplit(" ", 1)[0] for q in _reference_quads(generated_build)}
    for got, fmt in ((ttl, ox.RdfFormat.TURTLE), (xml, ox.RdfFormat.RDF_XML)):
        assert {str(t) for t in ox.parse(got, format=fmt)} == triples
    loaded = generated_build.loaded
    assert ttl == sorted_turtle_bytes(loaded.ontology_lines | loaded.data_lines | loaded.derived_lines)


def test_build_projection_is_read_from_the_store(built):
    """GraphML, GEXF and CSV project the build's store (graph.store.StoreGraph), not an rdflib copy of it: the
    same nodes, attributes and edges as the reference projection of the real data's rdflib graph."""
    from graph.build.output import fresh_graph
    from graph.network.projection import project

    got = export.Exporter(built, part="all").projection
    reference = project(fresh_graph(built.all_triples()))
    assert list(got.nodes(data=True)) == list(reference.nodes(data=True))
    assert list(got.edges(keys=True, data=True)) == list(reference.edges(keys=True, data=True))


def test_nquads_lines_are_sorted_as_a_whole(exporters):
    """cckg.nq is one sort of every quad's line (merged from the graphs' sorted texts), not graph by graph: a store
    that loads it in this order answers the unbound listings about twice as fast at 1M (exporter._nquads)."""
    for exporter in exporters.values():
        lines = exporter.to_bytes("nq")[""].splitlines()
        assert lines == sorted(lines) and len(set(lines)) == len(lines) > 100
