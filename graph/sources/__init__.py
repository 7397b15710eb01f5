"""Stage 1, sources: read and check the curated input (sources/*.yaml with their texts, the record kinds and their
fields, the ontology modules, the drafts awaiting confirmation). Refuses what it cannot trust (`integrity`) with
file, line and field. Imports only the shared modules of `graph` (errors, namespaces, paths)."""
