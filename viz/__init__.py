"""The pages of the graph: the interactive view, the report and its charts, the timeline and the country pages,
drawn from a build (graph.build) through the network projection (graph.network); the only place that uses pyvis,
jinja2 and matplotlib. Imports the stages of graph/ up to serve | export | curate, never graph.api or graph.cli."""
