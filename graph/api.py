"""The Python API, for notebooks and scripts: load the graph, run a library query (or any SPARQL) into rows or a
pandas DataFrame, get the networkx projection, show the interactive view inline in Jupyter.

    from graph import api

    kg = api.load()                                    # the current build in dist/, else a build of sources/
    kg.query("meeting-participants", meeting="kg:cc5-fm-2020").to_dataframe()
    kg.query("SELECT ?p ?name WHERE { ?p a foaf:Person ; rdfs:label ?name }").rows
    g = kg.networkx()                                  # networkx.MultiDiGraph, the nodes and edges of the view
    kg.show(focus="kg:wang-yi", depth=1)               # the view, inline (an <iframe> of the offline page)

`load` reads dist/ when it holds a current build of the sources (dist/manifest.json, as `export` does), and builds
them in memory otherwise: it never writes a file. A graph read from dist/ answers a `# materialized:` library query
from the release's listing tables (graph.store.listings), as the `query` command does. Queries run on the embedded
Oxigraph store; parameters are bound as RDF terms (CURIEs, <IRIs>, dates, numbers, "text"), never pasted into the
text, and the prefixes of the project and the standard vocabularies may be left undeclared. `to_dataframe` needs
pandas (`pip install 'cckg[notebook]'`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from rdflib import Literal, URIRef

from graph.store import library, listings, results, sparql, engines as stores
from graph.build import manifest, pipeline
from graph.sources import ontology as onto
from graph import paths
from graph.errors import UsageError

__all__ = ["KnowledgeGraph", "MAIN_WRITERS", "Table", "View", "load", "main_writers_beside", "write_release"]

#: The writers of the main job beside the core files (graph.build.pipeline.write_outputs), as "module:function", in
#: order: the exports made in Python and VoID, the engine's export (TriG: in a thread beside the writers after it),
#: the materialized listings (dist/listings.sqlite: the whole answers of the `# materialized:` queries, also in a
#: thread beside: the engine evaluates them without the GIL while the view's Python runs), the full-text index of
#: the quotes (dist/fulltext.sqlite; it and the listings record the dump's size), the graph view and report, the
#: timeline and country pages, and last the manifest (it records the digest of the dump `export` reads back).
#: The exports, the view and the pages start while the validation still holds its inferred graph in the store (they
#: read only the store's default graph); the others wait for it to go, as the release's peak of memory is while it
#: is there.
MAIN_WRITERS = ("graph.export.exporter:write_text_outputs", "graph.export.exporter:write_engine_outputs",
                "graph.store.materialize:write_build_outputs", "graph.store.fulltext:write_build_outputs",
                "viz.writers:write_build_outputs", "viz.pages:write_build_outputs",
                "graph.build.manifest:write_build_outputs")


def main_writers() -> list:
    """MAIN_WRITERS as functions (imported when asked for: a query never loads the view)."""
    import importlib

    return [getattr(importlib.import_module(module), name)
            for module, _, name in (target.partition(":") for target in MAIN_WRITERS)]


def main_writers_beside():
    """`main_writers()` imported in a thread of its own: a Future of the list. `python build.py` asks for it before
    the build, so that the view, the pages and the exports are imported (about 0.5 CPU s) while the build waits for
    its store, not between the build and the release."""
    from graph.build.output import in_thread

    return in_thread("cckg-import-writers", main_writers)


def write_release(result, out_dir: Path | None = None, *, quiet: bool = True, writers=None) -> dict[str, Path]:
    """Write the whole release of a build into `out_dir` (default dist/), as `python build.py` does. The build may
    be one from pipeline.start whose validation still runs: the release is then written beside it and published
    only if it passed (InvalidData otherwise, and `out_dir` left as it was; pipeline.write_outputs). `writers`:
    `main_writers()` (the default), or the Future of `main_writers_beside`."""
    writers = main_writers() if writers is None else writers.result()
    return pipeline.write_outputs(result, out_dir or pipeline.DIST, writers=writers, quiet=quiet)


def load(sources: Path | str | None = None, *, dist: Path | str | None = None, quiet: bool = True) -> KnowledgeGraph:
    """The knowledge graph of `sources` (default: the project's sources/ folder): read from `dist` (default: dist/)
    when that folder holds a current build of them, else built and validated in memory (InvalidData if invalid)."""
    sources_dir = Path(sources) if sources is not None else paths.SOURCES_DIR
    dist_dir = Path(dist) if dist is not None else pipeline.DIST
    if not sources_dir.is_dir():
        raise UsageError(f"{sources_dir}: no such directory (pass the sources folder: load('path/to/sources'))")
    ontology = onto.release(onto.load_ontology(), pipeline.project_version())  # as the build merges and stamps it
    found = manifest.current(dist_dir, sources_dir, ontology)
    if found is not None:
        build = manifest.read_build(dist_dir, sources_dir, ontology, found)
        kg = KnowledgeGraph(build, f"the build in {dist_dir}")
        listings.attach(kg.store, dist_dir / manifest.DUMP)  # its materialized listings (graph.store.listings)
        return kg
    build = pipeline.build(sources_dir=sources_dir, quiet=quiet)
    return KnowledgeGraph(build, f"a fresh build of {sources_dir}")


class KnowledgeGraph:
    """A loaded graph: its build (`build`, graph.pipeline.Build) and an Oxigraph store of it (`store`)."""

    def __init__(self, build, origin: str):
        self.build = build
        self.origin = origin
        self.store = stores.OxigraphStore.from_build(build)

    def __repr__(self) -> str:
        return (f"<KnowledgeGraph: {len(set(self.build.all_triples()))} triples from {len(self.build.sources)} "
                f"source(s), version {self.build.version}; read from {self.origin}>")

    def queries(self) -> list[str]:
        """The names of the library's competency questions (queries/cq/), for `query(name, …)`."""
        return [q.name for q in library.load("cq")]

    def query(self, query: str, **params) -> Table:
        """Run a library query by name (see `queries()`), a .rq file, or SPARQL text; keyword arguments bind the
        query's variables (`person="kg:wang-yi"`, `date="2020-07-16"`, or rdflib terms)."""
        if "{" in query or query.lstrip().upper().startswith(("SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "PREFIX")):
            text, name = query, None
        else:
            found = library.find(query)
            text, name = found.text, found.name
        bound = {key: value if isinstance(value, (URIRef, Literal)) else sparql.parse_term(str(value))
                 for key, value in params.items()}
        info = sparql.prepare(text)[1]
        unknown = sorted(set(bound) - info.variables)
        if unknown:
            raise UsageError(f"the query has no variable {', '.join('?' + k for k in unknown)} "
                             f"(it has: {', '.join(sorted(info.variables))})")
        if name is None:
            return Table(stores.run(self.store, text, params=bound), None)
        # A library query as the `query` command runs it: from the release's listing table when the graph was read
        # from a release that has one for it (graph.store.listings), else on the engine with its own binding.
        text, info = sparql.prepare(text)
        return Table(listings.fetch(self.store, found, text, info, None, None, params=bound, added=info.added,
                                    bind=lambda t, p: found.bind(t, p, engine=self.store.engine)), name)

    def networkx(self):
        """The networkx MultiDiGraph the view draws: a node per entity and statement, an edge per relation, with
        their labels, groups, degree and centrality."""
        from graph.network.projection import project

        return project(stores.StoreGraph(self.store.store))

    def show(self, focus: str | None = None, depth: int = 1, *, height: int = 640) -> View:
        """The interactive view (the same offline page as dist/graph.html), or the neighbourhood of `focus` (a CURIE
        such as kg:wang-yi, a slug or an IRI) to `depth` edges; displayed inline by Jupyter."""
        from viz import view

        _, page = view.render_view(self.build, out_file=pipeline.DIST / "view.html", focus=focus, depth=depth)
        return View(page.decode("utf-8"), height)


@dataclass
class Table:
    """A query's answer: `variables` and `rows` (tuples of rdflib terms; None where unbound) for SELECT, `boolean`
    for ASK, `triples` for CONSTRUCT and DESCRIBE."""

    result: results.Result
    name: str | None = None

    @property
    def variables(self) -> list[str]:
        return self.result.variables

    @property
    def rows(self) -> list[tuple]:
        return self.result.rows

    @property
    def boolean(self) -> bool | None:
        return self.result.boolean

    @property
    def triples(self) -> list[tuple]:
        return self.result.triples

    def __len__(self) -> int:
        return len(self.result.triples if self.result.form in ("construct", "describe") else self.result.rows)

    def records(self, *, compact: bool = True) -> list[dict]:
        """The rows as dicts of Python values: IRIs as CURIEs (kg:wang-yi) when `compact`, else full IRIs;
        literals as Python values (str, int, datetime.date…); None where unbound."""
        if self.result.form != "select":
            raise UsageError(f"a {self.result.form.upper()} result has no rows")
        return [{v: _python(term, compact) for v, term in zip(self.variables, row)} for row in self.rows]

    def to_dataframe(self, *, compact: bool = True):
        """The rows as a pandas DataFrame, one column per variable (pandas: `pip install 'cckg[notebook]'`)."""
        try:
            import pandas
        except ImportError:
            raise ImportError("to_dataframe needs pandas: pip install 'cckg[notebook]' (or pandas)") from None
        return pandas.DataFrame.from_records(self.records(compact=compact), columns=self.variables)

    def text(self, fmt: str = "table") -> str:
        """The answer in one of the command line's formats (table, csv, tsv, json, xml; ttl, nt, jsonld)."""
        return results.serialize(self.result, fmt).decode("utf-8")

    def __repr__(self) -> str:
        if self.result.form == "ask":
            return f"<Table {self.name or 'query'}: ASK → {self.result.boolean}>"
        fmt = "ttl" if self.result.form in ("construct", "describe") else "table"
        return self.text(fmt)

    def _repr_html_(self) -> str:
        if self.result.form != "select":
            return f"<pre>{html.escape(repr(self))}</pre>"
        head = "".join(f"<th>{html.escape(v)}</th>" for v in self.variables)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(results._table_cell(t))}</td>" for t in row) + "</tr>"
                       for row in self.rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


@dataclass
class View:
    """The view's HTML page; Jupyter shows it inline (an <iframe> whose document is the page: nothing is fetched)."""

    html: str
    height: int = 640

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" style="width: 100%; height: {self.height}px; '
                'border: 1px solid #ddd" sandbox="allow-scripts"></iframe>')

    def save(self, path: Path | str) -> Path:
        """Write the page to a file (atomically)."""
        from graph.build.output import write_atomically

        write_atomically({Path(path): self.html.encode("utf-8")})
        return Path(path)


def _python(term, compact: bool):
    if term is None:
        return None
    if isinstance(term, URIRef):
        return results.curie(term) if compact else str(term)
    if isinstance(term, Literal):
        value = term.toPython()
        return str(term) if isinstance(value, Literal) else value
    return str(term)
