"""Stage 2, build: sources to one validated graph. Each record's triples (`builder`) become canonical N-Triples
lines loaded into one pyoxigraph store (`loading`), validated there (`validate`, with the SHACL shapes compiled to
SPARQL in `shacl_sparql`), and written as a release (`output`: Turtle and atomic files; `release`: the atomic swap
of dist/; `manifest`: what it was made from). `pipeline` runs the steps. Imports `graph.sources` and the shared
modules; never a later stage (the writers of later stages are passed in by the caller)."""
