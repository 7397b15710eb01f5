"""Stage 5, curate: drafting a new source from an article (`draft`): its text's sentences and names (`text`,
`names`), the entities the graph already knows (`known`), meetings, statements, corroborations and records
(`meetings`, `statements`, `corroborate`, `records`). Imports `graph.build` and earlier."""
