"""The result formats by name and their media types, without the writers (graph.store.results): the command line
lists them before it knows whether it will run a query."""

#: Formats of SELECT and ASK results: name -> media type.
SOLUTION_FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "table": "text/plain",
}
#: Formats of CONSTRUCT and DESCRIBE results: name -> media type.
GRAPH_FORMATS = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
}
