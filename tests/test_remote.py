"""Remote SPARQL servers: `push` into a real Oxigraph server (Graph Store Protocol) and `query --endpoint` there,
with the library's answers equal to the embedded store's."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request

import pytest

from conftest import run_cli
from graph.store import library, remote, sparql, engines as stores

pytestmark = pytest.mark.server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    from conftest import require_tool

    binary = require_tool("oxigraph")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "serve", "--location", str(tmp_path_factory.mktemp("oxigraph")), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=2).read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"oxigraph serve did not start: {process.stderr.read().decode()[:500]}")
            time.sleep(0.2)
    yield base
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def _count(base: str, text: str) -> int:
    result = remote.query(base + "/query", text)
    return int(result.rows[0][0])


def test_push_loads_one_graph_per_source_and_replaces(oxigraph_server, built):
    run = run_cli("push", "--endpoint", oxigraph_server + "/store", "-q")
    assert run.returncode == 0, run.stderr
    graphs = remote.query(oxigraph_server + "/query", "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g")
    expected = sorted(str(g) for g, _ in remote.graph_payloads(built))
    assert sorted(str(row[0]) for row in graphs.rows) == expected
    assert len(expected) == len(built.sources) + 2  # the ontology graph and the derived shortcuts
    total = _count(oxigraph_server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert total == _local_count(built)
    remote.push(built, oxigraph_server + "/store")  # again: PUT replaces, nothing doubles
    assert _count(oxigraph_server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == total
    quads = _count(oxigraph_server, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert quads == sum(p.count(b"\n") for _, p in remote.graph_payloads(built))


def _local_count(built) -> int:
    local = stores.OxigraphStore.from_build(built)
    return int(stores.run(local, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0])


@pytest.mark.parametrize("query", library.load("cq"), ids=lambda q: q.name)
def test_library_queries_give_the_same_answers_remotely(oxigraph_server, built, query):
    remote.push(built, oxigraph_server + "/store")
    params = {p.name: sparql.parse_term(p.example) for p in query.params if p.example}
    local = stores.run(stores.OxigraphStore.from_build(built), query.text, params=params)
    far = remote.query(oxigraph_server + "/query", query.text, params=params).normalized(ordered=True)
    assert far.variables == local.variables
    assert far.as_set() == local.as_set()
    assert local.rows


def test_cli_query_endpoint(oxigraph_server, built):
    remote.push(built, oxigraph_server + "/store")
    run = run_cli("query", "meeting-participants", "--param", "meeting=kg:cc5-fm-2020", "--format", "csv",
                  "--endpoint", oxigraph_server + "/query")
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("\n") >= 7 and "Rashid Meredov" in run.stdout


def test_unreachable_endpoint_is_a_usage_error():
    port = _free_port()
    run = run_cli("query", "-e", "ASK {}", "--endpoint", f"http://127.0.0.1:{port}/query", "--timeout", "5")
    assert run.returncode == 2 and "error:" in run.stderr
