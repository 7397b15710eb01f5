"""The Python API for notebooks (graph.api) and the example notebook docs/example.ipynb, whose code cells run in order
as Jupyter would run them (each cell's last expression displayed through its _repr_html_ or repr)."""

from __future__ import annotations

import ast
import json
import re

import networkx as nx
import pytest

from conftest import DATA, ROOT
from graph import api
from graph.store import listings
from graph.errors import UsageError

NOTEBOOK = ROOT / "docs" / "example.ipynb"


@pytest.fixture(scope="module")
def minimal():
    return api.load(DATA / "minimal")


def test_query_by_name_and_by_text_without_prefixes(minimal):
    people = minimal.query("SELECT ?p ?name WHERE { ?p a foaf:Person ; rdfs:label ?name }")
    assert people.variables == ["p", "name"]
    assert {"p": "kg:wang-yi", "name": "Wang Yi"} in people.records()
    assert {"p": "https://w3id.org/cckg/id/wang-yi", "name": "Wang Yi"} in people.records(compact=False)
    posts = minimal.query("person-posts", person="kg:wang-yi")
    assert len(posts) >= 1 and all(r["person"] == "kg:wang-yi" for r in posts.records())
    with pytest.raises(UsageError, match="no variable"):
        minimal.query("person-posts", nobody="kg:x")
    assert minimal.query("ASK { kg:wang-yi a foaf:Person }").boolean is True


def test_dataframe_has_a_column_per_variable(minimal):
    frame = minimal.query("SELECT ?p ?name WHERE { ?p a foaf:Person ; rdfs:label ?name }").to_dataframe()
    assert list(frame.columns) == ["p", "name"] and "Wang Yi" in set(frame["name"])


def test_networkx_projection_and_inline_view(minimal):
    g = minimal.networkx()
    assert isinstance(g, nx.MultiDiGraph) and "kg:wang-yi" in g and g.number_of_edges() > 0
    shown = minimal.show(focus="kg:wang-yi")._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and "&lt;html" in shown.lower()
    assert not re.search(r"""src=["']https?://""", shown)  # the page is inline: nothing to fetch


def test_load_reads_a_current_build_instead_of_building(tmp_path, minimal):

    out = tmp_path / "dist"
    api.write_release(minimal.build, out)
    kg = api.load(DATA / "minimal", dist=out)
    assert "read from the build in" in repr(kg) and "fresh build" in repr(minimal)
    text = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    assert kg.query(text).rows == minimal.query(text).rows  # the same graph as the build it was written from
    # a library query read from the release's listing table, as the engine answers it on the fresh build
    assert listings.tables_for(kg.store) is not None and listings.tables_for(minimal.store) is None
    for name, params in [("about-country", {}), ("about-country", {"country": "kg:china"}), ("statement-source", {}),
                         ("meeting-delegations", {"meeting": "kg:cc5-fm-2020", "country": "kg:china"})]:
        found = kg.query(name, **params)
        assert found.rows == minimal.query(name, **params).rows and len(found) > 0, (name, params)


def _run_cell(source: str, namespace: dict):
    """Execute a cell; return what Jupyter would display (its last expression's HTML or repr), or None."""
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<cell>", "exec"), namespace)  # noqa: S102 - the project's own notebook
    if last is None:
        return None
    value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)  # noqa: S307
    return value._repr_html_() if hasattr(value, "_repr_html_") else repr(value)


@pytest.mark.slow
def test_the_example_notebook_runs(monkeypatch):
    monkeypatch.chdir(ROOT)
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert notebook["nbformat"] == 4
    cells = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") for c in notebook["cells"] if c["cell_type"] == "code")  # stored clean
    namespace: dict = {}
    shown = [_run_cell(source, namespace) for source in cells]
    assert "KnowledgeGraph" in shown[0]
    assert "meeting-participants" in shown[1]
    participants = namespace["participants"]
    assert len(participants) >= 6 and "Wang Yi" in set(participants["personLabel"])
    assert any(r["name"] == "Rashid Meredov" for r in namespace["people"].records())
    assert namespace["top"] and shown[-1].startswith("<iframe srcdoc=")
