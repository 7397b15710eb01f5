"""The draft's records of who attended, in which post, and what was said: tenures, participations and statements,
each a new record or, where the graph already holds it, a corroborating record of the existing id
(graph.curate_corroborate). Every record is marked `confirmed: false`; every corroboration is also listed in the
draft's `mentions` with what the text said, so the curator sees both and decides.

Participants are the people named with a title ("Kazakh Deputy Prime Minister and Foreign Minister X", "Foreign
Minister X of Kyrgyzstan", "President X of Kazakhstan"), the signatories of a list ("For the Republic of
Kazakhstan: M. Nurtleu") and the chair; a sentence that says "chaired", "presided", "hosted" and names one person
makes that person the chair.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from graph.curate.corroborate import match_statements, participation_id
from graph.curate.known import Lexicon
from graph.curate.statements import Context, draft_statements
from graph.curate.text import Sentence, clip, sentence_at

CHAIR_WORDS = re.compile(r"\b(?:presided|presides|preside|chaired|chairs|hosted|hosts)\b")
SIGNATORY = re.compile(r"^[ \t]*(?:For|On behalf of)\s+(?P<party>[^:\n]{2,80}):[ \t]*(?P<name>[^\n]{2,60}?)[ \t]*$", re.M)
AGENT_KINDS = frozenset({"InternationalOrganization", "Initiative", "Mechanism", "Secretariat"})


@dataclass
class Participant:
    person: str
    start: int
    end: int
    country: str = ""
    posts: list[str] = field(default_factory=list)
    chair: bool = False
    role: str = ""
    how: str = ""


def participants(text: str, sentences: list[Sentence], lexicon: Lexicon, entities, posts, meeting) -> list[Participant]:
    """The people who attended, in text order of their first evidence, with country, posts and chair."""
    found: dict[str, Participant] = {}
    people = [e for e in entities if lexicon.entities[e.entity].kind == "Person" and not e.also]
    for post in posts:
        d = post.detail
        if d["person"] and d["person"] not in found:
            found[d["person"]] = Participant(d["person"], post.start, post.end, d["country"],
                                             [p for p in d["posts"] if p], role=d.get("role", ""), how="title")
    for m in SIGNATORY.finditer(text):
        person = next((e for e in people if m.start("name") <= e.start < m.end("name")), None)
        country = next((e.entity for e in entities if m.start("party") <= e.start < m.end("party")
                        and lexicon.entities[e.entity].kind == "Country" and not e.also), "")
        if person and person.entity not in found:
            found[person.entity] = Participant(person.entity, m.start(), m.end(), country, how="signatory")
    for sentence in sentences:
        if not CHAIR_WORDS.search(text, sentence.start, sentence.end):
            continue
        named = {e.entity: e for e in people if sentence.start <= e.start < sentence.end}
        if len(named) == 1:
            (person, mention), = named.items()
            if person not in found:
                found[person] = Participant(person, mention.start, mention.end, how="chair")
            found[person].chair = True
    for p in found.values():
        if not p.country:
            p.country = lexicon.known.country_of(p.person, meeting or "")
    return sorted(found.values(), key=lambda p: (p.start, p.person))


def tenure_records(text, sentences, lexicon: Lexicon, doc_id, posts, on: str, used: set[str], notes: list) -> list:
    records, seen = [], set()
    for post in posts:
        person = post.detail["person"]
        if not person:
            continue
        for pid in (p for p in post.detail["posts"] if p):
            existing = lexicon.known.tenure_for(person, pid, on)
            if existing:
                if existing in seen:
                    continue
                seen.add(existing)
                records.append({"id": existing, "a": "Tenure", "confirmed": False, "quote": post.text})
                notes.append(_note(text, sentences, "corroboration", existing, "Tenure", post.start, post.end,
                                   {"person": person, "post": pid}))
                continue
            rid = _fresh(f"{doc_id}-tenure-{person}-{pid.removeprefix('post-')}", used)
            records.append({"id": rid, "a": "Tenure", "confirmed": False, "person": person, "post": pid,
                            "quote": post.text})
    return records


def participation_records(text, sentences, lexicon: Lexicon, doc_id, people: list[Participant], meeting, used,
                          notes) -> list:
    if not meeting:
        return []
    records = []
    for p in people:
        sentence = sentence_at(sentences, p.start)
        quote = text[sentence.start:sentence.end] if sentence.end - sentence.start <= 240 else text[p.start:p.end]
        fields: dict[str, Any] = {"person": p.person, "meeting": meeting}
        if p.posts:
            fields["posts"] = p.posts
        if p.country:
            fields["country"] = p.country
        if p.chair:
            fields["chair"] = True
        if p.role:
            fields["role"] = p.role
        existing = participation_id(lexicon.known, p.person, meeting)
        if existing:
            records.append({"id": existing, "a": "Participation", "confirmed": False, "quote": quote})
            notes.append(_note(text, sentences, "corroboration", existing, "Participation", p.start, p.end,
                               {**fields, "found by": p.how}))
            continue
        records.append({"id": _fresh(f"{doc_id}-participation-{p.person}", used), "a": "Participation",
                        "confirmed": False, **fields, "quote": quote})
    return records


def statement_records(text, sentences, lexicon: Lexicon, doc_id, entities, meeting, people: list[Participant],
                      used, notes) -> list:
    known = lexicon.known
    china = next((e.id for e in lexicon.entities.values() if e.kind == "Country" and e.label == "China"), "china")
    six = sorted({c for (_, m), c in known.countries_at.items() if m == meeting} | {p.country for p in people
                                                                                  if p.country})
    if not six:
        six = sorted({e.entity for e in entities if lexicon.entities[e.entity].kind == "Country" and not e.also})
    five_ministers = [p.person for p in people if p.country and p.country != china]
    if not five_ministers:
        five_ministers = sorted(person for (person, m), c in known.countries_at.items() if m == meeting and c != china)
    kind_of = {e.entity: lexicon.entities[e.entity].kind for e in entities}
    ctx = Context(text, sentences, lexicon,
                  people=[e for e in entities if kind_of[e.entity] == "Person" and not e.also],
                  countries=[e for e in entities if kind_of[e.entity] == "Country" and not e.also],
                  targets=[e for e in entities if kind_of[e.entity] in AGENT_KINDS and not e.also],
                  meeting=meeting, six=six, china=china, five_ministers=five_ministers)
    drafted = draft_statements(ctx)
    matches = match_statements(text, drafted, known, meeting)
    ids: dict[int, str] = {}
    records = []
    for i, d in enumerate(drafted):
        quote = d.quote(text)
        match = matches.get(i)
        detail = {"kind": d.kind, "actors": d.actors, "cue": d.cue, "actor found by": d.actor_by}
        if match:
            ids[i] = match.id
            records.append({"id": match.id, "a": match.kind, "confirmed": False, "quote": quote})
            notes.append(_note(text, sentences, "corroboration", match.id, match.kind, d.start, d.end,
                               {**detail, "score": match.score, "graph's label": match.label}))
            continue
        rid = _fresh(f"{doc_id}-{d.kind.lower()}-{_slug(d.label(text))}", used)
        ids[i] = rid
        record: dict[str, Any] = {"id": rid, "a": d.kind, "confirmed": False, "label": d.label(text),
                                  "actors": d.actors}
        if meeting:
            record["meeting"] = meeting
        if d.position is not None:
            record["position"] = d.position
        if d.part_of is not None and d.part_of in ids:
            record["partOf"] = ids[d.part_of]
        if d.topics:
            record["topics"] = d.topics
        if d.targets:
            record["targets"] = d.targets
        record["quote"] = quote
        records.append(record)
        notes.append(_note(text, sentences, "statement", rid, d.kind, d.start, d.end, detail))
    return records


def _note(text, sentences, type_: str, rid: str, kind: str, start: int, end: int, detail: dict) -> dict:
    sentence = sentence_at(sentences, start)
    return {"type": type_, "record": rid, "kind": kind, **detail, "text": text[start:end], "start": start, "end": end,
            "sentence": sentence.n, "quote": clip(text, sentence, start, end, limit=max(160, end - start))[0]}


def _slug(label: str, words: int = 6) -> str:
    parts = re.findall(r"[a-z0-9]+", label.lower())
    stop = {"the", "a", "an", "of", "and", "to", "in", "on", "for", "with", "will", "that"}
    kept = [w for w in parts if w not in stop][:words]
    return "-".join(kept) or "statement"


def _fresh(rid: str, used: set[str]) -> str:
    candidate, n = rid, 2
    while candidate in used:
        candidate, n = f"{rid}-{n}", n + 1
    used.add(candidate)
    return candidate


__all__ = ["Participant", "participants", "participation_records", "statement_records", "tenure_records"]
