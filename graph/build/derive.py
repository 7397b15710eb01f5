"""The derived, materialized shortcuts (ontology/shortcuts.ttl): triples no source states, computed from the sources'
triples after they are in the store, as Wikidata's truthy statements are computed from its full statements.

Each rule is a SPARQL CONSTRUCT in queries/derived/ (the one place it is written); the build runs it on the store of
the sources' triples, adds its triples to that store (graph.build.loading.add_derived: so the validation, and
the checks queries/checks/<rule>-violation.rq with it, see them) and keeps them as the N-Triples lines of their own named graph, DERIVED_GRAPH, which every
output carries beside the sources' graphs (cckg.nq, cckg.trig, the union in cckg.ttl, cckg.nt and data.ttl, the
store the queries and the endpoint read) and the VoID description lists with the rules it was derived by.
The triples are sorted lines, so the same sources give the same bytes. Cost: one query a rule; at 1M triples, measured
with the machine's load average at 5.5, 1.4 s for actor-country and 0.7 s for represented-country.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef

from graph.namespaces import BASE
from graph.sources.ontology import ROOT

#: The named graph of the derived triples.
DERIVED_GRAPH = URIRef(BASE + "derived")
#: The rules, one CONSTRUCT a file; their names (the file stems) are cited by the VoID description.
RULES_DIR = ROOT / "queries" / "derived"


def rules(rules_dir: Path = RULES_DIR) -> list[Path]:
    return sorted(rules_dir.glob("*.rq"))


def derive(store: ox.Store, rules_dir: Path = RULES_DIR) -> set[str]:
    """Every rule's triples on `store`, as N-Triples lines (pyoxigraph's terms print as canonical N-Triples); the
    caller adds them to the store (graph.build.loading.add_derived)."""
    lines: set[str] = set()
    for path in rules(rules_dir):
        for triple in store.query(path.read_text(encoding="utf-8")):
            lines.add(f"{triple.subject} {triple.predicate} {triple.object} .")
    return lines
