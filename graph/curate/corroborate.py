"""Corroboration instead of copies: a drafted statement, participation or tenure that the graph already holds becomes
a corroborating record of the existing id (sources/README.md, "One fact, one resource"), carrying only its quote.

- A participation matches the graph's participation of the same person in the same meeting; a tenure, the graph's
  tenure of the same person and post (the one whose dates hold the meeting's date, if several).
- A statement matches a statement the graph records for the same meeting, of a compatible kind, whose actors share
  a country with the drafted actors (a person counts as the country he represented), by `score`: the Dice
  coefficient of content words between the drafted quote and the best of the candidate's label and quotes, plus
  0.1 for the same kind, 0.3 for a proposal of the same position, 0.15 for a part of the proposal the drafted one
  corroborates (minus 0.3 for a part of another proposal, minus 0.15 for a part drafted outside any proposal).
  Pairs at or above THRESHOLD are taken best first, each statement once; proposals first, so that their parts can
  use which proposal they belong to.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.curate.known import Known, KnownStatement
from graph.curate.statements import Drafted, statement_tokens

THRESHOLD = 0.42
#: Kinds one report may give where another gave the other: an agreement recorded as a decision or a commitment.
COMPATIBLE = {frozenset({"Decision", "Commitment"}), frozenset({"Measure", "Commitment"}),
              frozenset({"Support", "Commitment"}), frozenset({"Measure", "Support"}),
              frozenset({"Measure", "Opposition"})}


@dataclass(frozen=True)
class Match:
    id: str
    kind: str
    score: float
    label: str


def match_statements(text: str, drafted: list[Drafted], known: Known, meeting: str | None) -> dict[int, Match]:
    """Drafted statement index -> the graph's statement it corroborates."""
    if not meeting:
        return {}
    candidates = [s for s in known.statements.values() if s.meeting == meeting]
    matches: dict[int, Match] = {}
    used: set[str] = set()
    for phase in ("Proposal", "other"):
        pairs = []
        for i, d in enumerate(drafted):
            if (d.kind == "Proposal") != (phase == "Proposal"):
                continue
            mine = statement_tokens(text[d.start:d.end])
            for c in candidates:
                score = _score(d, mine, c, known, meeting, matches, drafted)
                if score >= THRESHOLD:
                    pairs.append((-score, i, c.id, c))
        for negative, i, cid, c in sorted(pairs, key=lambda p: (p[0], p[1], p[2])):
            if i in matches or cid in used:
                continue
            matches[i] = Match(cid, c.kind, round(-negative, 3), c.label)
            used.add(cid)
    return matches


def _score(d: Drafted, mine: set[str], c: KnownStatement, known: Known, meeting: str, matches, drafted) -> float:
    if c.kind != d.kind and frozenset({c.kind, d.kind}) not in COMPATIBLE:
        return 0.0
    if (c.kind == "Proposal") != (d.kind == "Proposal"):
        return 0.0
    theirs = [statement_tokens(c.label), *(statement_tokens(q) for q in c.quotes)]
    similarity = max((2 * len(mine & t) / (len(mine) + len(t)) for t in theirs if t), default=0.0)
    if not mine or similarity == 0:
        return 0.0
    mine_countries = {known.country_of(a, meeting) or a for a in d.actors}
    their_countries = {known.country_of(a, meeting) or a for a in c.actors}
    if mine_countries and their_countries and not mine_countries & their_countries:
        return 0.0
    score = similarity + (0.1 if c.kind == d.kind else 0.0)
    if d.kind == "Proposal" and d.position is not None and c.position == d.position:
        score += 0.3
    if d.part_of is not None:
        parent = matches.get(d.part_of)
        if parent and c.part_of == parent.id:
            score += 0.15
        elif c.part_of and parent:
            score -= 0.3
    elif c.part_of:
        score -= 0.15
    return score


def participation_id(known: Known, person: str, meeting: str | None) -> str | None:
    return known.participations.get((person, meeting)) if meeting else None


__all__ = ["Match", "THRESHOLD", "match_statements", "participation_id"]
