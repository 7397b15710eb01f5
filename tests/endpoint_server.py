"""The endpoint on a loopback port in a thread, and a plain HTTP helper, for the endpoint's test files."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request

from graph.serve import endpoint


class EndpointServer:
    """endpoint.make_server on 127.0.0.1 with a free port (two workers unless told), served in a daemon thread."""

    def __init__(self, store, **options):
        options.setdefault("workers", 2)
        self.httpd = endpoint.make_server(store, host="127.0.0.1", port=0, **options)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        host, port = self.httpd.server_address[:2]
        self.host, self.port = host, port
        self.base = f"http://{host}:{port}/"
        self.sparql = self.base + "sparql"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def serving(store, tmp_path_factory, **options):
    """An EndpointServer whose graph view is a stand-in page, closed after use (`yield from` in a fixture)."""
    view = tmp_path_factory.mktemp("dist") / "graph.html"
    view.write_text("<!DOCTYPE html><title>graph view</title>", encoding="utf-8")
    srv = EndpointServer(store, graph_html=view, **options)
    yield srv
    srv.close()


def fetch(url, *, data=None, headers=None, method=None):
    """(status, headers as a dict, body) of one request with urllib; HTTP errors are answers too."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()
