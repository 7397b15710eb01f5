"""The endpoint's query page: YASGUI (@zazuko/yasgui, pinned; its build is committed in graph/serve/static/ and
served by the endpoint itself at /static/…: no CDN, works offline and without npm), configured with this endpoint,
the library's queries as examples (a picker that opens one in a tab), the known prefixes (for autocompletion and
to shorten IRIs in the results), and kg: resources in the results linked to the graph view (/graph.html#kg:…).

YASGUI's outside services are switched off: no prefix.cc, no LOV autocompletion (the property and class
completers), no stored tabs. The page's Content-Security-Policy allows scripts and styles from this server and the
page's one inline script (by hash), requests to this server only.
"""

from __future__ import annotations

import json
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
#: The files served at /static/<name>: name -> media type.
STATIC_FILES = {"yasgui.min.js": "text/javascript; charset=utf-8", "yasgui.min.css": "text/css; charset=utf-8",
                "yasgui.json": "application/json"}
STATIC_PREFIX = "/static/"

_SCRIPT = """
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("cckg-config").textContent);
  const Yasqe = Yasgui.Yasqe;
  const known = Object.keys(config.prefixes).sort().map(p => p + ": <" + config.prefixes[p] + ">");
  // Prefix completion from the project's table, never from prefix.cc; no LOV (property, class) completion.
  Yasqe.forkAutocompleter("prefixes", {name: "cckg-prefixes", get: () => Promise.resolve(known),
                                       persistenceId: null}, false);
  Yasqe.defaults.autocompleters = ["cckg-prefixes", "variables"];
  Yasqe.defaults.prefixCcApi = null;
  const endpoint = new URL("sparql", window.location.href).href;
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: {endpoint: endpoint, method: "POST"},
    copyEndpointOnNewTab: true,
    populateFromUrl: false,
    autoAddOnInit: true,
    persistenceId: null,
    endpointCatalogueOptions: {getData: () => [{endpoint: endpoint}]},
    yasqe: {value: config.examples.length ? config.examples[0].query : "SELECT * WHERE { ?s ?p ?o } LIMIT 10"},
    yasr: {prefixes: config.prefixes},
  });
  const picker = document.getElementById("example");
  const question = document.getElementById("question");
  config.examples.forEach((example, index) => {
    const option = document.createElement("option");
    option.value = String(index);
    option.textContent = example.title + " (" + example.name + ")";
    picker.appendChild(option);
  });
  function open(index) {
    const example = config.examples[index];
    if (!example) return null;
    question.textContent = example.question;
    const tab = yasgui.addTab(true, {name: example.name, requestConfig: {endpoint: endpoint, method: "POST"}});
    tab.setQuery(example.query);
    return tab;
  }
  picker.addEventListener("change", () => open(Number(picker.value)));
  if (config.examples.length) {
    question.textContent = config.examples[0].question;
    const first = yasgui.getTab();
    if (first) first.setQuery(config.examples[0].query);
  }
  // kg: resources in the results open in the graph view (when it has been built).
  const kg = config.prefixes.kg;
  function linkResources(root) {
    if (!config.graphView || !kg) return;
    root.querySelectorAll("a[href^='" + kg + "']").forEach(a => {
      const iri = a.getAttribute("href");
      a.setAttribute("href", "graph.html#kg:" + encodeURIComponent(iri.slice(kg.length)));
      a.setAttribute("title", iri);
    });
  }
  new MutationObserver(() => linkResources(document)).observe(document.body, {childList: true, subtree: true});
  window.cckgYasgui = {yasgui: yasgui, open: open, examples: config.examples};
}());
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>China–Central Asia Knowledge Graph — SPARQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="static/yasgui.min.css">
<style>
body {{ font: 15px/1.4 system-ui, sans-serif; margin: 1em 1.5em; color: #222; }}
h1 {{ font-size: 1.4em; margin: .2em 0; }}
#picker {{ margin: .5em 0; }}
select {{ max-width: 100%; }}
#question {{ color: #555; margin: .3em 0 .6em; }}
</style>
</head>
<body>
<h1>China–Central Asia Knowledge Graph — SPARQL</h1>
<p>Read-only SPARQL 1.1 endpoint at <code>/sparql</code> (also <code>/query</code>); the default graph is the union
of all graphs. Known prefixes (<code>kg:</code>, <code>schema:</code>, <code>foaf:</code>…) need no declaration.
Graphs: <code>/data?graph=IRI</code>; everything: <a href="dump.nq">dump.nq</a>.{graph_link}</p>
<p id="picker"><label>Library query: <select id="example"><option value="">choose one to open it in a new tab…</option>
</select></label></p>
<p id="question"></p>
<div id="yasgui"></div>
<script type="application/json" id="cckg-config">{config}</script>
<script src="static/yasgui.min.js"></script>
<script>{script}</script>
</body>
</html>
"""


def render_page(examples: list[dict[str, str]], prefixes: dict[str, str], *, graph_view: bool = True) -> tuple[str, str]:
    """The page and its inline script (whose hash goes into page_policy)."""
    config = {"examples": examples, "prefixes": dict(sorted(prefixes.items())), "graphView": graph_view}
    data = json.dumps(config, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace(
        "&", "\\u0026")
    link = ' The graph view is at <a href="graph.html">graph.html</a>.' if graph_view else ""
    return _PAGE.format(config=data, script=_SCRIPT, graph_link=link), _SCRIPT


def page_policy(script_hash: str) -> str:
    """The page's Content-Security-Policy: YASGUI from this server, the inline script by its hash ('sha256-…'),
    YASGUI's inline styles and data: icons, requests to this server only."""
    return ("default-src 'none'; "
            f"script-src 'self' {script_hash}; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def static_file(path: str) -> tuple[bytes, str] | None:
    """(bytes, content type) of a file under /static/, or None when there is no such file."""
    name = path[len(STATIC_PREFIX):]
    if name not in STATIC_FILES:
        return None
    file = STATIC_DIR / name
    if not file.is_file():
        return None
    return file.read_bytes(), STATIC_FILES[name]


__all__ = ["STATIC_DIR", "STATIC_FILES", "STATIC_PREFIX", "page_policy", "render_page", "static_file"]
