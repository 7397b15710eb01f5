"""Stage 5, serve: the read-only SPARQL endpoint (`endpoint`): the HTTP server, content negotiation and result
formats (`formats`), the Graph Store Protocol GET and the dump (`gsp`), the YASGUI query page (`page`, with its
bundled files in static/), query worker processes (`workers`) under kernel limits (`sandbox`). Imports
`graph.store` and earlier."""
