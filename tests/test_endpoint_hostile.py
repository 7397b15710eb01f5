"""The endpoint against hostile and careless clients (issue 15, failures 1-6): every probe on 127.0.0.1, each
bounded to seconds, the memory probe under a 256 MB cap. Each test failed on the code before the query workers."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from graph.serve import endpoint, workers
from graph.store import library, sparql, engines as stores

from conftest import require_tool
from endpoint_server import EndpointServer

MEMORY_CAP = 256  # MB per query worker in these tests
PRODUCT_ORDER = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"  # the 70-byte query of failure 2
PRODUCT_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


class _Server(EndpointServer):
    """The test endpoint (tests/endpoint_server.py) with each query worker capped at MEMORY_CAP MB unless told."""

    def __init__(self, store, **options):
        options.setdefault("max_memory", MEMORY_CAP)
        super().__init__(store, **options)


class _Listener:
    """A bare TCP listener on loopback that counts every connection made to it (and answers nothing)."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/x"
        self.connections = 0
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.stopped.set()
        self.sock.close()


@pytest.fixture(scope="module")
def oxstore(built):
    return stores.OxigraphStore.from_build(built)


@pytest.fixture(scope="module")
def server(oxstore):
    srv = _Server(oxstore, workers=4, timeout=10)
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def listener():
    found = _Listener()
    yield found
    found.close()


def _post(url, text, *, timeout=30, accept="application/sparql-results+json"):
    request = urllib.request.Request(url, data=text.encode("utf-8"), headers={
        "Content-Type": "application/sparql-query", "Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _get(url, text, *, timeout=30):
    try:
        with urllib.request.urlopen(url + "?" + urllib.parse.urlencode({"query": text}), timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _raw(port, data: bytes, *, timeout=5.0, shut_write=False) -> bytes:
    """Send raw bytes on a fresh connection and read the answer until the server closes it or `timeout`."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        if shut_write:
            sock.shutdown(socket.SHUT_WR)
        return _read_all(sock, timeout)


def _read_all(sock, timeout) -> bytes:
    chunks, end = [], time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0


def _rss_mb(pid: int | str = "self") -> float:
    for line in open(f"/proc/{pid}/status", encoding="ascii"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- 1. SSRF: nothing the engine reads can make it connect


def test_service_after_a_comment_ended_by_cr_makes_no_connection(server, listener):
    text = f"SELECT * WHERE {{ ?x a ?t # c\rSERVICE <{listener.url}> {{ ?s ?p ?o }}\n}}"
    for status, body in (_post(server.sparql, text), _get(server.sparql, text)):
        assert status == 400, body
        assert "SERVICE" in json.loads(body)["error"]
    time.sleep(0.3)
    assert listener.connections == 0


def test_the_answer_is_the_same_for_an_open_and_a_closed_port(server, listener):
    closed = socket.create_server(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    template = "SELECT * WHERE {{ ?x ?y ?z SERVICE <http://127.0.0.1:{}/x> {{ ?s ?p ?o }} }}"
    opened = _post(server.sparql, template.format(listener.port))
    shut = _post(server.sparql, template.format(closed_port))
    assert opened == shut and opened[0] == 400
    assert listener.connections == 0


_BREAKS = ["\n", "\r", "\r\n", "\u2028", "\u2029", "\x0b", "\x0c", "\x85"]
_SPACE = st.sampled_from([" ", "\t", "\n", "\r", "\u00a0", "\u3000", ""])
_COMMENT = st.builds(lambda text, end: f"#{text}{end}", st.text(alphabet=st.characters(
    blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=8), st.sampled_from(_BREAKS))
_GAP = st.lists(st.one_of(_SPACE, _COMMENT), min_size=1, max_size=3).map("".join)
_KEYWORD = st.sampled_from(["SERVICE", "service", "SeRvIcE", "SERVICE SILENT", "service\tsilent"])


def _iri(url: str, escape: int) -> str:
    """The IRI, its `h` or `:` optionally written as a \\u or \\U escape (SPARQL reads those in IRIs)."""
    if escape == 1:
        return "<" + "\\u0068" + url[1:] + ">"
    if escape == 2:
        return "<http\\U0000003A" + url[5:] + ">"
    return f"<{url}>"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gaps=st.lists(_GAP, min_size=5, max_size=5), keyword=_KEYWORD, escape=st.integers(0, 2),
       lead=st.booleans(), by_get=st.booleans())
def test_no_spelling_of_service_makes_a_connection(server, listener, gaps, keyword, escape, lead, by_get):
    pattern = "?x ?y ?z ." if lead else ""
    text = (f"SELECT * WHERE {{{gaps[0]}{pattern}{gaps[1]}{keyword}{gaps[2]}{_iri(listener.url, escape)}{gaps[3]}"
            f"{{ ?s ?p ?o }}{gaps[4]}}}")
    status, body = (_get if by_get else _post)(server.sparql, text)
    answer = json.loads(body)
    if status != 200:
        message = answer["error"].lower()
        assert not any(word in message for word in ("refused", "connect", "timed out", "unreachable")), message
    assert listener.connections == 0


def test_the_listener_counts_connections(listener):
    """The proof above is only as good as the listener: it does count a connection."""
    before = listener.connections
    socket.create_connection(("127.0.0.1", listener.port), timeout=2).close()
    deadline = time.monotonic() + 2
    while listener.connections == before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert listener.connections == before + 1
    listener.connections = before


# --- 2. memory: a query past the cap is stopped, the server does not grow


def test_a_query_past_the_memory_cap_gets_413_and_the_server_does_not_grow(oxstore):
    srv = _Server(oxstore, timeout=20)
    try:
        before = _rss_mb()
        started = time.monotonic()
        status, body = _post(srv.sparql, PRODUCT_ORDER, timeout=30)
        assert status == 413 and f"{MEMORY_CAP} MB" in json.loads(body)["error"], body
        assert time.monotonic() - started < 20
        assert _rss_mb() - before < 100
        assert _post(srv.sparql, "ASK { ?s ?p ?o }")[0] == 200
    finally:
        srv.close()


# --- 3. stuck slots: a query past its deadline stops, its slot comes back


def test_queries_past_the_deadline_are_killed_and_free_their_slots(oxstore):
    srv = _Server(oxstore, timeout=1.0)
    try:
        pool = srv.httpd.sparql.pool
        first = set(pool.pids())
        with ThreadPoolExecutor(max_workers=3) as clients:
            answers = list(clients.map(lambda _: _post(srv.sparql, PRODUCT_COUNT, timeout=10), range(3)))
        assert [status for status, _ in answers] == [503, 503, 503]
        # Two ran past the deadline; the third waited for a worker as long (`busy`) or ran on a fresh one.
        assert all(re.search("time limit|busy", json.loads(body)["error"]) for _, body in answers)
        # The workers that ran them are gone (killed, exiting at most a moment), not computing in the background.
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and any(_running(pid) for pid in first):
            time.sleep(0.05)
        assert not any(_running(pid) for pid in first)
        started = time.monotonic()
        status, body = _post(srv.sparql, "ASK { ?s ?p ?o }", timeout=10)
        assert status == 200 and json.loads(body)["boolean"] is True
        assert time.monotonic() - started < 5
    finally:
        srv.close()


#: About half a second of CPU whatever the graph: a product of two VALUES blocks, counted.
BUSY_COUNT = ("SELECT (COUNT(*) AS ?n) WHERE { VALUES ?x { " + " ".join(map(str, range(1000))) + " } VALUES ?y { "
              + " ".join(map(str, range(1000))) + " } VALUES ?z { 1 2 } FILTER(?x + ?y > ?z) }")


def test_a_demoted_query_answers_and_its_worker_gets_its_priority_back(oxstore):
    """A query past DEMOTE_AFTER s of CPU runs at the lowest priority; once it answers, the same worker serves the
    next query at its former priority (no reload of the graph), where the server may raise a priority again."""
    srv = _Server(oxstore, workers=1)
    try:
        pool = srv.httpd.sparql.pool
        before, mine, seen = set(pool.pids()), os.getpriority(os.PRIO_PROCESS, 0), set()
        with ThreadPoolExecutor(max_workers=1) as clients:
            answer = clients.submit(_post, srv.sparql, BUSY_COUNT, timeout=60)
            while not answer.done():
                seen |= {_nice(pid) for pid in before}
                time.sleep(0.005)
            status, body = answer.result()
        assert status == 200 and json.loads(body)["results"]["bindings"][0]["n"]["value"] == "1999991"
        assert workers.DEMOTED_NICE in seen and mine in seen
        status, _ = _post(srv.sparql, "ASK { ?s ?p ?o }", timeout=10)
        assert status == 200
        if _may_raise_priority(mine):
            assert set(pool.pids()) == before and _nice(next(iter(before))) == mine
        else:  # the worker could not get its priority back: replaced
            assert not set(pool.pids()) & before
    finally:
        srv.close()


def _nice(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[16])
    except (OSError, IndexError, ValueError):
        return None


def _may_raise_priority(to: int) -> bool:
    """Whether this process may set a process of its own back from the lowest priority to `to`."""
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as child:
        try:
            os.setpriority(os.PRIO_PROCESS, child.pid, 19)
            os.setpriority(os.PRIO_PROCESS, child.pid, to)
            return True
        except OSError:
            return False
        finally:
            child.kill()


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


# --- 4. parsing runs in the workers: big queries block no one else


def test_large_queries_do_not_hold_up_a_small_one(server):
    big = "SELECT ?x WHERE { VALUES ?x { " + " ".join(f'"v {i:05d}"' for i in range(8_600)) + " } } LIMIT 1"
    assert 80_000 < len(big) < endpoint.MAX_QUERY_LENGTH
    with ThreadPoolExecutor(max_workers=8) as clients:
        bigs = [clients.submit(_post, server.sparql, big, timeout=60) for _ in range(8)]
        time.sleep(0.3)
        started = time.monotonic()
        status, body = _post(server.sparql, "ASK { ?s ?p ?o }", timeout=8)
        waited = time.monotonic() - started
        assert status == 200 and waited < 5, waited
        assert all(f.result()[0] == 200 for f in bigs)


# --- 5. bodies: the length is checked before anything is read


def test_negative_content_length_is_refused_without_reading_the_body(server):
    before = _rss_mb()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                     b"Content-Length: -1\r\n\r\n")
        try:
            for _ in range(8):  # 8 MB of body, never finished: the answer must not wait for it
                sock.sendall(b"#" * 1_000_000)
        except OSError:
            pass  # the server answered and closed: it stops reading
        answer = _read_all(sock, 5)
    assert _status(answer) == 400 and b"Content-Length" in answer
    assert _rss_mb() - before < 50


@pytest.mark.parametrize("header, status", [
    (b"Content-Length: abc\r\n", 400),
    (b"Content-Length: 5\r\nContent-Length: 6\r\n", 400),
    (b"Content-Length: 99999999999\r\n", 413),
    (b"Transfer-Encoding: chunked\r\n", 411),
    (b"", 411),
])
def test_invalid_or_missing_lengths_get_a_json_error_not_a_traceback(server, header, status):
    answer = _raw(server.port, b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                               + header + b"\r\nASK {}")
    assert _status(answer) == status, answer[:300]
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"application/json" in head and json.loads(body)["status"] == status
    assert b"Traceback" not in answer


def test_oversize_headers_are_refused(server):
    headers = b"".join(b"X-Filler-%d: %s\r\n" % (i, b"y" * 1000) for i in range(90))
    answer = _raw(server.port, b"GET /sparql HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
    assert _status(answer) == 431


def test_a_slow_client_is_cut_off(oxstore):
    srv = _Server(oxstore, read_timeout=1.5)
    try:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
            started = time.monotonic()
            closed = False
            for byte in b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n":  # one byte every 0.25 s
                try:
                    sock.sendall(bytes([byte]))
                except OSError:
                    closed = True
                    break
                time.sleep(0.25)
                if time.monotonic() - started > 6:
                    break
            if not closed:
                sock.settimeout(2)
                try:
                    closed = sock.recv(1) == b""
                except (ConnectionResetError, TimeoutError):
                    closed = True
            assert closed and time.monotonic() - started < 6
        assert _post(srv.sparql, "ASK {}")[0] == 200
    finally:
        srv.close()


# --- 6. under load: 32 clients at once, no reset, no error


def test_thirty_two_clients_get_every_answer(server):
    assert server.httpd.request_queue_size >= 128
    queries = [(q.name, sparql.bind_inline(q.text, {p.name: sparql.parse_term(p.example) for p in q.params
                                                     if p.example})) for q in library.load("cq")]
    assert len(queries) >= 15

    def client(n: int) -> list[str]:
        errors = []
        for i in range(5):
            name, text = queries[(n + i) % len(queries)]
            try:
                status, body = _post(server.sparql, text, timeout=60, accept="application/sparql-results+json, "
                                                                               "text/turtle;q=0.9")
            except OSError as exc:
                errors.append(f"{name}: {exc}")
                continue
            if status != 200:
                errors.append(f"{name}: {status} {body[:100]!r}")
        return errors

    with ThreadPoolExecutor(max_workers=32) as pool:
        errors = [e for found in pool.map(client, range(32)) for e in found]
    assert errors == []


# --- the Content-Security-Policy of every answer, and the query page working under it


def test_every_answer_carries_a_content_security_policy(server):
    for url, headers in ((f"http://127.0.0.1:{server.port}/", {"Accept": "text/html"}),
                         (f"http://127.0.0.1:{server.port}/", {"Accept": "text/turtle"}),
                         (server.sparql + "?query=ASK%7B%7D", {}),
                         (f"http://127.0.0.1:{server.port}/nothing", {})):
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
                policy = response.headers["Content-Security-Policy"]
        except urllib.error.HTTPError as exc:
            policy = exc.headers["Content-Security-Policy"]
        assert policy and ("default-src 'none'" in policy or "default-src 'self'" in policy), url


@contextlib.contextmanager
def _policed_page(url: str):
    """(page, problems, response): headless Chromium at `url`, its console errors and warnings (CSP violations among
    them) and page errors collected in `problems`."""
    executable = require_tool("/usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            yield page, problems, page.goto(url)
        finally:
            browser.close()


@pytest.mark.browser
def test_the_query_page_runs_a_query_under_its_policy(server):
    with _policed_page(f"http://127.0.0.1:{server.port}/") as (page, problems, _):
        page.wait_for_function("() => window.cckgYasgui && !!window.cckgYasgui.yasgui.getTab()", timeout=10_000)
        page.evaluate("""() => { const tab = window.cckgYasgui.yasgui.getTab();
            tab.setQuery("SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"); return tab.query(); }""")
        page.wait_for_selector(".yasr table tbody tr:nth-child(3)", timeout=15_000)
        assert page.locator(".yasr table tbody tr").count() == 3
    assert problems == []


@pytest.mark.browser
def test_the_graph_view_draws_under_its_policy(oxstore, built, tmp_path):
    from viz import writers

    writers.write_build_outputs(built, tmp_path)
    srv = _Server(oxstore, graph_html=tmp_path / "graph.html")
    try:
        with _policed_page(f"http://127.0.0.1:{srv.port}/graph.html") as (page, problems, response):
            assert "script-src 'sha256-" in response.headers["content-security-policy"]
            drawn, deadline = 0, time.monotonic() + 30
            while not drawn and time.monotonic() < deadline:  # polled from here: the policy forbids eval
                drawn = page.evaluate("() => (window.cckg && window.cckg.timings.firstDrawing) || 0")
                time.sleep(0.2)
            assert drawn > 0
    finally:
        srv.close()
    assert problems == []
