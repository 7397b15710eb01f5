"""The China–Central Asia Knowledge Graph library, in stages (each a subpackage; README "Layout"):

    sources -> build -> store -> network -> serve | export | curate   (viz/ draws the pages; cli/ and api on top)

* `graph.sources`: read and check the curated input (YAML sources, their texts, the ontology modules);
* `graph.build`: turn sources into one validated pyoxigraph store and write the core release;
* `graph.store`: query it (embedded Oxigraph, plain rdflib, a remote server), SPARQL helpers, result formats,
  the query library;
* `graph.network`: the networkx projection of the graph and how it is drawn (shared by the view and the exports);
* `graph.serve`: the SPARQL endpoint; `graph.export`: every export format; `graph.curate`: drafting new sources;
* `graph.cli`: the command line; `graph.api`: the Python API for notebooks.

A stage imports only the stages before it and the shared modules at this level (`errors`, `namespaces`,
`_namespace`, `paths`, `terms`); tests/test_layout.py holds the order (import-linter's layers contract in
pyproject.toml).
"""
