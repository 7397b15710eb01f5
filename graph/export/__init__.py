"""Stage 5, export: the built graph in the formats people load it into (RDF formats from the build's N-Triples
lines, GraphML/GEXF/CSV from the network projection) and its VoID/DCAT description. Imports `graph.network` and
earlier."""
