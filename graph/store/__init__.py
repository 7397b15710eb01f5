"""Stage 3, store: the built graph as a SPARQL store to ask: embedded Oxigraph or plain rdflib over the build or a
dump (`engines`), a remote SPARQL server (`remote`), query preparation (`sparql`: known prefixes, parameters, errors
with line and column), results and their formats (`results`), the query library of queries/ (`library`), pages read by seek (`paging`),
the full-text index (`fulltext`), the materialized listings of a release (`listings`) and their SQLite files
(`dbfile`). Imports
`graph.build`, `graph.sources` and the shared modules."""
