"""Stage 4, network: the graph as a networkx MultiDiGraph (`projection`: which resources are nodes, which relations
edges) and how it is drawn (`drawing`: colours, shapes, sizes, seeded layout). The view (viz/) and the GraphML,
GEXF and CSV exports (`graph.export`) both read it. Imports `graph.store`, `graph.build` and earlier."""
