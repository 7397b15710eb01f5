"""The endpoint's query page: one self-contained HTML document (no CDN, no external file) with a query editor, the
library's queries as examples, and results drawn as a table with textContent (never innerHTML with data)."""

from __future__ import annotations

import json

_SCRIPT = """
"use strict";
const examples = JSON.parse(document.getElementById("examples").textContent);
const editor = document.getElementById("query");
const picker = document.getElementById("example");
const status = document.getElementById("status");
const output = document.getElementById("results");
examples.forEach((example, index) => {
  const option = document.createElement("option");
  option.value = String(index);
  option.textContent = example.title + " (" + example.name + ")";
  picker.appendChild(option);
});
function showExample() {
  const example = examples[Number(picker.value)];
  if (!example) return;
  editor.value = example.query;
  document.getElementById("question").textContent = example.question;
}
picker.addEventListener("change", showExample);
function cell(tag, text) {
  const node = document.createElement(tag);
  node.textContent = text;
  return node;
}
function termText(term) {
  if (!term) return "";
  if (term.type === "uri") return term.value;
  if (term["xml:lang"]) return term.value + " @" + term["xml:lang"];
  return term.value;
}
function drawTable(data) {
  const table = document.createElement("table");
  if ("boolean" in data) {
    table.appendChild(document.createElement("tr")).appendChild(cell("td", String(data.boolean)));
    return table;
  }
  const head = table.appendChild(document.createElement("thead")).appendChild(document.createElement("tr"));
  data.head.vars.forEach(v => head.appendChild(cell("th", v)));
  const body = table.appendChild(document.createElement("tbody"));
  data.results.bindings.forEach(binding => {
    const row = body.appendChild(document.createElement("tr"));
    data.head.vars.forEach(v => row.appendChild(cell("td", termText(binding[v]))));
  });
  return table;
}
async function run(event) {
  event.preventDefault();
  output.replaceChildren();
  status.textContent = "running…";
  const started = performance.now();
  try {
    const response = await fetch("sparql", {
      method: "POST",
      headers: {"Content-Type": "application/sparql-query",
                "Accept": "application/sparql-results+json, text/turtle;q=0.9"},
      body: editor.value,
    });
    const type = response.headers.get("Content-Type") || "";
    const elapsed = Math.round(performance.now() - started) + " ms";
    if (!response.ok) {
      const problem = type.includes("json") ? (await response.json()).error : await response.text();
      status.textContent = "error " + response.status + ": " + problem;
      return;
    }
    if (type.startsWith("text/turtle")) {
      output.appendChild(cell("pre", await response.text()));
      status.textContent = "graph result, " + elapsed;
      return;
    }
    const data = await response.json();
    output.appendChild(drawTable(data));
    const n = "boolean" in data ? 1 : data.results.bindings.length;
    status.textContent = n + " row(s), " + elapsed;
  } catch (error) {
    status.textContent = "request failed: " + error;
  }
}
document.getElementById("form").addEventListener("submit", run);
if (examples.length) { picker.value = "0"; showExample(); }
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>China–Central Asia Knowledge Graph — SPARQL</title>
<style>
body {{ font: 15px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }}
textarea {{ width: 100%; height: 22em; font: 13px/1.35 ui-monospace, monospace; }}
select {{ max-width: 100%; }}
table {{ border-collapse: collapse; margin-top: 1em; font-size: 13px; }}
th, td {{ border: 1px solid #ccc; padding: .25em .5em; text-align: left; vertical-align: top; }}
th {{ background: #f3f3f3; }}
#status {{ margin-left: 1em; }}
#question {{ color: #555; }}
pre {{ background: #f7f7f7; padding: .75em; overflow: auto; }}
</style>
</head>
<body>
<h1>China–Central Asia Knowledge Graph — SPARQL</h1>
<p>Read-only SPARQL 1.1 endpoint at <code>/sparql</code> (GET or POST; JSON, XML, CSV, TSV, Turtle, N-Triples,
JSON-LD). The default graph is the union of all graphs.{graph_link}</p>
<form id="form">
<label>Example: <select id="example"></select></label>
<p id="question"></p>
<textarea id="query" spellcheck="false" aria-label="SPARQL query"></textarea>
<p><button type="submit">Run query</button><span id="status" role="status"></span></p>
</form>
<div id="results"></div>
<script type="application/json" id="examples">{examples}</script>
<script>{script}</script>
</body>
</html>
"""


def render_page(examples: list[dict[str, str]], *, graph_view: bool = True) -> tuple[str, str]:
    """The page and its inline script (whose hash goes into the Content-Security-Policy header)."""
    data = json.dumps(examples, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    link = ' The graph view is at <a href="graph.html">graph.html</a> when it has been built.' if graph_view else ""
    page = _PAGE.format(examples=data, script=_SCRIPT, graph_link=link)
    return page, _SCRIPT


__all__ = ["render_page"]
