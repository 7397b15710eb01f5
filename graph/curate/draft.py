"""Curating a new source document: finding the graph's entities, dates and posts in an article and drafting its source file.

`python build.py add-source ARTICLE.txt` (graph/cli/add_source.py) runs `draft_source`: it checks the text,
splits it into sentences, links every name the built graph knows (each rdfs:label and skos:altLabel, exactly, and
transliteration variants of names by a fuzzy score), finds dates and posts ("Kazakhstan's Foreign Minister X") by
pattern, lists the names it could not link as candidates, and writes a draft source file whose records are stubs
marked `confirmed: false`. Nothing enters the graph until a curator confirms the records and moves the draft to
sources/ (see the README's "Adding a source (curator's workflow)").

The job is split by module: `curate_text` (reading the article, sentences, quotes), `curate_names` (name
folding and scoring), `curate_known` (what the built graph knows: names, meetings, statements), `curate_meetings`
(meetings and documents by ordinal, place, month and title variants), `curate_statements` (statements drafted
from sentences), `curate_corroborate` (drafted records that match resources already in the graph); `mentions` finds
entities, dates and posts; this module assembles the draft.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import yaml

from graph.curate import meetings as curate_meetings, records as curate_records
from graph.curate.known import MEETING_KINDS, Entity, Known, Lexicon  # noqa: F401 (re-exported)
from graph.curate.names import (CONFUSABLE, FUZZY_THRESHOLD, MIN_FUZZY_LENGTH, MIN_SURNAME_LENGTH,  # noqa: F401
                           fold, name_similarity, word_score)
from graph.curate.text import (Sentence, bounded, clip, read_article, sentence_at, split_sentences)
from graph.errors import UsageError
from graph.sources.read import SLUG, parse_date

from graph.curate.mentions import (Mention, candidate_names, date_mentions, entity_mentions, post_mentions)


# ---------------------------------------------------------------- the draft


@dataclass
class Draft:
    """A draft source file: document block, record stubs, mentions and candidates (see `to_yaml`)."""

    document: dict[str, Any]
    records: list[dict[str, Any]]
    mentions: list[dict[str, Any]]
    candidates: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)

    def to_yaml(self) -> str:
        body = {"document": self.document, "records": self.records, "mentions": self.mentions,
                "candidates": self.candidates}
        text = yaml.dump(body, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=4096,
                         default_flow_style=False)
        return DRAFT_HEADER + text

    def summary(self) -> dict[str, int]:
        by_type = defaultdict(int)
        for m in self.mentions:
            by_type[m["type"]] += 1
        return {"entities": len({m["entity"] for m in self.mentions if m["type"] == "entity"}),
                "entity mentions": by_type["entity"], "dates": by_type["date"], "posts": by_type["post"],
                "new statements": by_type["statement"], "corroborations": by_type["corroboration"],
                "records": len(self.records), "candidates": len(self.candidates)}


class _Dumper(yaml.SafeDumper):
    """Block YAML with list items indented under their key, as in the hand-written source files."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)

    def ignore_aliases(self, data) -> bool:  # a list shared by a record and its note is written twice, not as &id001
        return True


DRAFT_HEADER = """\
# DRAFT written by `python build.py add-source`: nothing here is in the graph yet.
# To confirm: check each record against the text; edit it, or delete it; then delete its `confirmed: false` line
# (or set it to true). Fill in what is missing (document.title…). Move the file to sources/NNN-<id>.yaml and run
# `python build.py check`: a record still marked `confirmed: false` fails the build there.
# `mentions` (what was found, with offsets in code points and scores) and `candidates` (names that link to
# nothing: possible new entities) are notes for the curator; the build ignores them.
"""


def draft_source(text: str, lexicon: Lexicon, *, doc_id: str, text_name: str, title: str | None = None,
                 publisher: str | None = None, published: str | None = None, url: str | None = None,
                 language: str = "en") -> Draft:
    """Find entities, dates, posts, meetings, documents and statements in `text` and draft its source file: new
    records and corroborating records of what the graph already holds, all marked `confirmed: false`."""
    warnings: list[str] = []
    document = _document(lexicon, doc_id=doc_id, text_name=text_name, title=title, publisher=publisher,
                         published=published, url=url, language=language, warnings=warnings)
    sentences = split_sentences(text)
    year = parse_date(published).year if published and not isinstance(parse_date(published), str) else None
    entities = entity_mentions(text, lexicon)
    dates = date_mentions(text, year=year)
    posts = post_mentions(text, lexicon, entities)
    named = [Mention("entity", d["start"], d["end"], d["text"], d["method"], 1.0, d["entity"],
                     lexicon.entities[d["entity"]].label)
             for d in curate_meetings.meeting_mentions(text, sentences, lexicon, year=year)
             if d["entity"] in lexicon.entities]
    meeting, meeting_date = _meeting(dates, entities + named, lexicon, published)
    named += [Mention("entity", d["start"], d["end"], d["text"], d["method"], 1.0, d["entity"],
                      lexicon.entities[d["entity"]].label)
              for d in curate_meetings.title_mentions(text, sentences, lexicon, meeting)
              if d["entity"] in lexicon.entities]
    linked = sorted(entities + [n for n in named if not any(e.entity == n.entity and e.overlaps(n) for e in entities)],
                    key=lambda m: (m.start, m.end))
    mentions = sorted(linked + dates + posts, key=lambda m: (m.start, m.end, m.type))
    candidates = candidate_names(text, sentences, linked + dates + posts)
    for candidate in _post_candidates(posts, lexicon):
        candidate["sentence"] = sentence_at(sentences, candidate["start"]).n
        candidates.append(candidate)
    candidates.sort(key=lambda c: (c["start"], c["text"]))
    records = _stubs(text, sentences, lexicon, linked, posts, meeting, meeting_date)
    notes: list[dict[str, Any]] = []
    used: set[str] = set(lexicon.ids)
    on = str(lexicon.known.meetings[meeting].date) if meeting in lexicon.known.meetings else (published or "")
    people = curate_records.participants(text, sentences, lexicon, linked, posts, meeting)
    records += curate_records.tenure_records(text, sentences, lexicon, doc_id, posts, on, used, notes)
    records += curate_records.participation_records(text, sentences, lexicon, doc_id, people, meeting, used, notes)
    records += curate_records.statement_records(text, sentences, lexicon, doc_id, linked, meeting, people, used, notes)
    listed = [_mention_dict(text, sentences, m) for m in mentions] + notes
    listed.sort(key=lambda d: (d["start"], d["end"], d["type"]))
    return Draft(document, records, listed, candidates, warnings)


def _document(lexicon: Lexicon, *, doc_id, text_name, title, publisher, published, url, language, warnings):
    if not SLUG.match(doc_id):
        raise UsageError(f"--id {doc_id!r} is not an id (lower-case words joined by -)")
    if doc_id in lexicon.ids:
        raise UsageError(f"--id {doc_id!r} is already an id of the graph; choose another")
    document: dict[str, Any] = {"id": doc_id, "kind": "article", "title": title or None,
                                "text": f"texts/{text_name}", "language": language}
    if not title:
        warnings.append("no --title: fill in document.title before confirming")
    if published:
        if isinstance(parse_date(published), str):
            raise UsageError(f"--date {published!r}: {parse_date(published)}")
        document["published"] = published
    if publisher:
        resolved = publisher if publisher in lexicon.entities else next(
            (e.id for e in lexicon.entities.values() if publisher in e.names), None)
        if resolved and lexicon.entities[resolved].kind in (
                "NewsOrganization", "InternationalOrganization", "Government", "Ministry", "Mechanism", "Secretariat"):
            document["publisher"] = resolved
        else:
            warnings.append(f"--publisher {publisher!r} names no organization of the graph: left out of the document; "
                            "add an organization record for it first")
    if url:
        document["url"] = url
    return document


def _meeting(dates: list[Mention], entities: list[Mention], lexicon: Lexicon,
             published: str | None = None) -> tuple[str | None, Mention | None]:
    """The meeting the text reports: the first the text names (by label, ordinal, month or place), preferring one
    the graph dates within a week of a date of the text or of `published`; else the one the graph dates to a date
    of the text."""
    named = [e for e in sorted(entities, key=lambda m: m.start)
             if lexicon.entities[e.entity].kind in MEETING_KINDS and not e.also]
    days = {d.value for d in dates} | ({published} if published else set())
    for e in named:
        date = str(lexicon.known.meetings[e.entity].date) if e.entity in lexicon.known.meetings else ""
        if date and any(_near(date, d) for d in days):
            return e.entity, None
    if named:
        return named[0].entity, None
    for date in dates:
        found = lexicon.meetings.get(date.value, [])
        if len(found) == 1:
            date.detail["meeting"] = found[0]
            return found[0], date
    return None, None


def _near(a: str, b: str) -> bool:
    da, db = parse_date(a), parse_date(b)
    if isinstance(da, str) or isinstance(db, str) or len(a) < 10 or len(b) < 10:
        return False
    from datetime import date as _date
    return abs((_date.fromisoformat(a) - _date.fromisoformat(b)).days) <= 7


def _post_candidates(posts: list[Mention], lexicon: Lexicon) -> list[dict[str, Any]]:
    """One candidate per title the graph cannot resolve: an unknown name, an unknown role, or a missing post."""
    out = []
    for post in posts:
        d = post.detail
        reasons = []
        if not d["person"]:
            reasons.append(f"the name {d['name']!r} matches no person")
        for title, role, pid in zip(d["titles"], d["roles"], d["posts"]):
            if role.startswith("unknown"):
                reasons.append(f"the title {title!r} is no Role of the graph")
            elif not d["country"]:
                reasons.append(f"the title {title!r} names no country: which post?")
            elif not pid:
                reasons.append(f"no Post of the graph has role {role} and country {d['country']}")
        if reasons:
            out.append({"text": post.text, "start": post.start, "end": post.end,
                        "sentence": 0, "reason": "; ".join(reasons)})
    return out


def _mention_dict(text: str, sentences: list[Sentence], m: Mention) -> dict[str, Any]:
    sentence = sentence_at(sentences, m.start)
    out: dict[str, Any] = {"type": m.type}
    if m.type == "entity":
        out["entity"] = m.entity
        if m.also:
            out["also"] = sorted(m.also)
        out["matched"] = m.name
    elif m.type == "date":
        out["value"] = m.value
        if "meeting" in m.detail:
            out["meeting"] = m.detail["meeting"]
    else:
        out.update({k: v for k, v in m.detail.items() if v not in ("", [])})
    out.update({"text": m.text, "start": m.start, "end": m.end, "sentence": sentence.n,
                "quote": clip(text, sentence, m.start, m.end)[0], "score": m.score, "method": m.method})
    return out


def _stubs(text, sentences, lexicon: Lexicon, entities, posts, meeting, meeting_date) -> list[dict[str, Any]]:
    """Entity stubs: one per linked entity (its new spellings as altLabels) and the meeting."""
    records: list[dict[str, Any]] = []
    person_posts = {p.detail["person"]: p for p in posts if p.detail["person"]}
    first: dict[str, Mention] = {}
    spellings: dict[str, list[str]] = defaultdict(list)
    for m in entities:
        if m.also:
            continue
        first.setdefault(m.entity, m)
        entity = lexicon.entities[m.entity]
        if m.method in ("exact", "fuzzy", "surname") and m.text not in entity.names \
                and m.text not in spellings[m.entity]:
            spellings[m.entity].append(m.text)
    if meeting and meeting not in first and meeting_date is not None:
        first[meeting] = meeting_date
    for rid in sorted(first, key=lambda r: (first[r].start, r)):
        entity = lexicon.entities[rid]
        m = person_posts.get(rid) or first[rid]
        quote = m.text if m.type == "post" or m.method in ("exact", "fuzzy", "surname", "demonym") \
            else clip(text, sentence_at(sentences, m.start), m.start, m.end)[0]
        record: dict[str, Any] = {"id": rid, "a": entity.kind, "confirmed": False}
        if spellings[rid]:
            record["altLabels"] = spellings[rid]
        record["quote"] = quote
        records.append(record)
    return records


__all__ = [
    "Draft", "Lexicon", "Mention", "Sentence", "bounded", "date_mentions", "draft_source", "entity_mentions", "fold",
    "name_similarity", "post_mentions", "read_article", "split_sentences", "word_score",
]
