"""Statements drafted from a report's sentences: proposals, their measures, commitments, supports, oppositions and
what all parties agreed or decided, each with its actor, meeting, order, topics and verbatim quote.

Rules, not a statistical parser: they read cue verbs and the subject before them. They meet the goals on the
fixtures of tests/data/curate/reports (bench/curate_eval.py); no NLP library was tried against them (a dependency
parser would need its model installed from the project's own files), so none is used.

- **Cues.** "supports", "backed", "welcomed", "appreciated" -> Support; "opposes", "rejects", "resist" ->
  Opposition; "agreed/decided/resolved to set up, establish, hold, launch, start, begin, declare, host …" and
  "agreed that …" -> Decision (each "that …" clause its own); "agreed to" anything else, "pledged/undertook/vowed
  to", "China will provide, offer, grant, speed up, train …", "is ready to" -> Commitment; "proposed", "put
  forward", "called for" -> Proposal. A second cue verb after "and" or a comma starts a second statement of the same
  actor ("firmly supports …, and opposes …"); a cue inside another's object ("pledged to firmly support") does not.
  A sentence that only reports, assesses, reviews or looks ahead ("are expected to discuss") drafts nothing.
- **Numbered proposals.** After "X made/put forward four proposals", a paragraph opening with "First," "Second," …
  is a Proposal of X with that `position`; the sentences after it in its paragraph are its parts: imperative
  clauses ("Build …, and set up …") are Measures (Opposition or Support by their verb), "China will …" a
  Commitment of China; all `partOf` the proposal and numbered in one sequence. A paragraph opening with "2." gives
  its statements position 2 (the points of a joint statement).
- **Actor** = the subject nearest before the cue: a person the text names (or "he"/"she": the last person), a
  country or its adjective ("China", "the Chinese side", "the Kazakh side"), "the five foreign ministers" (the
  Central Asian ministers who attended), "the five/Central Asian countries", "the parties", "all parties", "the
  ministers", "the leaders", "the six countries" (every country at the meeting); "they": the last actor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from graph.curate.known import Lexicon
from graph.curate.meetings import tokens
from graph.curate.text import Sentence

ORDINAL_HEADS = {w: i for i, w in enumerate(("First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh",
                                             "Eighth", "Ninth", "Tenth"), start=1)}
_ADV = r"(?:(?:firmly|fully|strongly|resolutely|also|further|jointly|actively|vigorously|warmly|highly|all|each) )*"
CUES: tuple[tuple[str, re.Pattern], ...] = (
    ("Agree", re.compile(rf"\b{_ADV}(?:agreed|decided|resolved)\s+(?:to|that|on)\b", re.I)),
    ("Propose", re.compile(r"\b(?:proposed|suggested|put forward|called for)\b(?!\s+(?:\w+\s+)?"
                           r"(?:proposals|suggestions|points))", re.I)),
    ("Commitment", re.compile(rf"\b{_ADV}(?:pledged|undertook|undertakes|vowed|committed (?:themselves |itself )?)\s+to\b"
                              r"|\b(?:will|would|shall)\s+(?:continue to |further |also )?(?:provide|offer|give|grant|"
                              r"send|speed up|accelerate|train|increase|expand|invest|allocate|host|fund|donate)\b"
                              r"|\b(?:is|are|stands?) (?:ready|willing) to\b", re.I)),
    ("Support", re.compile(rf"\b{_ADV}(?:supports?|supported|supporting|backs|backed|welcomes?|welcomed|appreciates?|"
                           r"appreciated|endorses|endorsed|look(?:s|ed)? forward to)\b", re.I)),
    ("Opposition", re.compile(rf"\b{_ADV}(?:opposes|opposed|opposing|rejects|rejected|resists|condemns|condemned)\b",
                              re.I)),
)
DECIDING = re.compile(r"\s*(?:formally |jointly |also )?(?:set up|establish|hold|launch|create|start|begin|declare|"
                      r"make|host|designate|open|name|turn|raise|upgrade)\b", re.I)
INTRO = re.compile(r"\b(?:put forward|made|raised|offered|proposed|presented|set out)\s+(?:a\s+)?(?:\w+[- ])?"
                   r"(?:proposals|suggestions|points|initiatives)\b", re.I)
#: Verbs that open an imperative clause under a proposal ("Build …", "set up …").
IMPERATIVE = ("build", "establish", "set up", "share", "strengthen", "promote", "deepen", "keep", "ensure", "expand",
              "accelerate", "speed up", "improve", "hold", "defend", "safeguard", "uphold", "resist", "support",
              "oppose", "carry out", "advance", "encourage", "persuade", "adhere", "open", "facilitate", "enhance",
              "maintain", "guard", "develop", "jointly", "actively", "vigorously", "resolutely", "firmly",
              "gradually", "steadily", "reject", "back", "fight", "combat", "protect", "increase", "launch", "create",
              "implement", "foster", "boost", "step up", "work", "make", "respect", "align", "train", "provide",
              "offer", "give", "send", "grant")
_IMPERATIVE = re.compile(r"(?:" + "|".join(sorted({re.escape(v) for v in IMPERATIVE}, key=len, reverse=True)) + r")\b",
                         re.I)
SHOULD = re.compile(r"^(?:the (?:six |two |five )?(?:sides|parties|countries)|they|we|both sides)\s+should\s+", re.I)
GROUPS: tuple[tuple[str, re.Pattern], ...] = (
    ("five-ministers", re.compile(r"\b(?:the )?(?:five (?:Central Asian )?(?:foreign )?ministers|Central Asian "
                                  r"(?:foreign )?ministers|foreign ministers of the five (?:countries|states))\b",
                                  re.I)),
    ("five", re.compile(r"\b(?:the )?(?:five (?:Central Asian )?(?:countries|states)|Central Asian (?:countries|states|"
                        r"side))\b(?! (?:with|to))", re.I)),
    ("six", re.compile(r"\b(?:all (?:the )?parties|(?:the )?(?:six )?parties|both sides|the two sides|the (?:six )?sides|"
                       r"the six(?: countries| states| presidents| leaders| heads of state| ministers)?|the leaders|"
                       r"the heads of state|the presidents|the (?:foreign )?ministers|the participants)\b", re.I)),
    ("they", re.compile(r"\b(?:they|the two)\b", re.I)),
    ("person", re.compile(r"\b(?:he|she)\b", re.I)),
)
SIDE = re.compile(r"\bthe (\w+) side\b", re.I)
#: Topic concepts (ontology/topics.ttl, by slug) and the words that put a statement under them.
TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "epidemic-cooperation": ("epidemic", "pandemic", "covid", "virus", "vaccine", "medical", "health", "who"),
    "economic-recovery": ("economic recovery", "resumption", "recovery", "supply chain"),
    "trade-and-investment": ("trade", "investment", "market", "business", "financing", "yuan", "economic"),
    "connectivity": ("connectivity", "interconnection", "transport", "corridor", "railway", "pipeline", "fast track",
                     "green path", "green lane", "cargo", "logistics", "belt and road"),
    "digital-economy": ("digital", "e-commerce", "data"),
    "science-and-technology": ("science", "technology", "vaccine"),
    "agriculture-and-food": ("agricultur", "food"),
    "tourism": ("tourism",),
    "people-to-people-exchanges": ("people-to-people", "training", "scholarship", "education", "culture",
                                   "exchanges between"),
    "security": ("security", "stability", "terroris", "extremis"),
    "three-forces": ("three forces", "terrorism", "separatism", "extremism"),
    "transnational-crime": ("transnational crime", "drug"),
    "afghanistan-peace-process": ("afghanistan", "afghan"),
    "multilateralism": ("multilateral", "united nations", "un charter", "unilateralism", "wto"),
    "sovereignty-and-non-interference": ("sovereignty", "interfere", "internal affairs", "territorial integrity",
                                         "color revolution", "colour revolution", "development path"),
    "dialogue-mechanism": ("mechanism", "summit", "secretariat", "meeting of", "meetings of", "format"),
    "political-relations": ("partnership", "good-neighbo", "friendship", "community with a shared future",
                            "political"),
}


@dataclass
class Drafted:
    """A statement drafted from the text (not yet a record): its kind, actors, quote span and place in a proposal."""

    kind: str
    actors: list[str]
    start: int
    end: int
    sentence: int
    cue: str
    actor_by: str
    position: int | None = None
    part_of: int | None = None  # index (in the drafted list) of the proposal it belongs to
    topics: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)

    def quote(self, text: str) -> str:
        return text[self.start:self.end]

    def label(self, text: str) -> str:
        words = " ".join(self.quote(text).split()).strip(" ,;:.")
        words = words[:1].upper() + words[1:]
        return words if len(words) <= 200 else words[:197].rsplit(" ", 1)[0] + " …"


@dataclass
class Context:
    """What the statements need from the rest of the draft: the entity mentions, the meeting and its countries."""

    text: str
    sentences: list[Sentence]
    lexicon: Lexicon
    people: list  # Mention of a Person, resolved
    countries: list  # Mention of a Country (by name or adjective)
    targets: list  # Mention of an organization, initiative or mechanism
    meeting: str | None
    six: list[str]  # the countries at the meeting
    china: str  # the id of China
    five_ministers: list[str]  # the Central Asian participants


def draft_statements(ctx: Context) -> list[Drafted]:
    text = ctx.text
    out: list[Drafted] = []
    proposer: list[str] | None = None
    last_actor: list[str] | None = None
    last_person: list[str] | None = None
    for para_start, para_end in _paragraphs(text):
        sentences = [s for s in ctx.sentences if para_start <= s.start < para_end]
        if not sentences:
            continue
        number = re.match(r"\s*(\d{1,2})[.)]\s+", text[para_start:para_end])
        point = int(number.group(1)) if number else None
        proposal: int | None = None
        parts = 0
        for i, sentence in enumerate(sentences):
            s = text[sentence.start:sentence.end]
            head = re.match(r"(First|Second|Third|Fourth|Fifth|Sixth|Seventh|Eighth|Ninth|Tenth)(?:ly)?,\s+", s)
            if i == 0 and head and proposer:
                start = sentence.start + head.end()
                out.append(Drafted("Proposal", list(proposer), start, _end(text, start, sentence.end), sentence.n,
                                   head.group(1), "the proposals' author", position=ORDINAL_HEADS[head.group(1)]))
                proposal = len(out) - 1
                continue
            found = _statements_of(ctx, sentence, last_actor, last_person,
                                   imperative_actor=proposer if proposal is not None else None)
            intro = INTRO.search(s)
            if intro and not found:
                actor, _ = _subject(ctx, sentence.start, sentence.start + intro.start(), last_actor, last_person)
                if actor:
                    proposer = actor
                continue
            for d in found:
                if proposal is not None:
                    parts += 1
                    d.part_of, d.position = proposal, parts
                elif point is not None:
                    d.position = point
                out.append(d)
            if found:
                last_actor = found[-1].actors
                people = [a for a in found[-1].actors if _is_person(ctx, a)]
                last_person = people or last_person
            else:
                actor, _ = _subject(ctx, sentence.start, sentence.end, None, None, only_names=True)
                if actor and all(_is_person(ctx, a) for a in actor):
                    last_person = actor
    for d in out:
        quote = text[d.start:d.end].lower()
        d.topics = [t for t, words in TOPIC_WORDS.items() if any(_has(quote, w) for w in words)]
        if d.kind in ("Support", "Opposition", "Proposal"):
            d.targets = sorted({m.entity for m in ctx.targets if d.start <= m.start and m.end <= d.end})
    return out


def _has(quote: str, word: str) -> bool:
    return re.search(rf"\b{re.escape(word)}", quote) is not None


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in re.finditer(r"\n\s*\n", text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return spans


def _end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in " .;:,\n":
        end -= 1
    return end


def _is_person(ctx: Context, rid: str) -> bool:
    entity = ctx.lexicon.entities.get(rid)
    return bool(entity and entity.kind == "Person")


def _statements_of(ctx: Context, sentence: Sentence, last_actor, last_person, *, imperative_actor) -> list[Drafted]:
    text = ctx.text
    s0, s1 = sentence.start, sentence.end
    s = text[s0:s1]
    body = s0
    should = SHOULD.match(s)
    if imperative_actor and should:
        body = s0 + should.end()
    if imperative_actor and (body > s0 or _IMPERATIVE.match(s)) and not _finite_subject(ctx, s0, s1):
        return _imperatives(ctx, sentence, body, imperative_actor)
    cues = []
    for kind, pattern in CUES:
        for m in pattern.finditer(text, s0, s1):
            cues.append((m.start(), m.end(), kind, m.group(0)))
    cues.sort()
    kept: list[tuple[int, int, str, str]] = []
    for cue in cues:
        if kept and cue[0] < kept[-1][1]:
            continue
        if kept and not re.search(r"(?:,|\band)\s*$", text[kept[-1][1]:cue[0]]):
            continue  # inside the previous cue's object ("pledged to firmly support")
        if kept and re.search(r"\b(?:to|that)\s*$", text[kept[-1][1]:cue[0]]):
            continue
        kept.append(cue)
    out = []
    for i, (c0, c1, kind, cue_text) in enumerate(kept):
        end = kept[i + 1][0] if i + 1 < len(kept) else s1
        end = re.sub(r"(?:,\s*and|,|\band)\s*$", "", text[c0:end]).__len__() + c0
        if i == 0:
            actor, subject_start = _subject(ctx, s0, c0, last_actor, last_person)
            if actor is None and imperative_actor:
                actor, subject_start = list(imperative_actor), c0
        else:
            actor, subject_start = out[-1].actors if out else None, c0
        if not actor:
            continue
        start = subject_start if subject_start is not None and subject_start >= s0 else c0
        if kind == "Agree":
            out.extend(_agreements(ctx, sentence, start, c0, c1, _end(text, c0, end), actor))
            continue
        final = "Proposal" if kind == "Propose" else kind
        if final == "Commitment" and re.search(r"\b(?:will|would|shall)\b", cue_text):
            out.extend(Drafted(final, list(actor), a, b, sentence.n, cue_text.strip(), "subject")
                       for a, b in _series(text, start, c1, end))
            continue
        out.append(Drafted(final, list(actor), start, _end(text, start, end), sentence.n, cue_text.strip(),
                           "subject"))
    return out


def _series(text: str, start: int, c1: int, end: int) -> list[tuple[int, int]]:
    """A commitment's series of verbs ("will provide X, train Y, and develop Z"): one span per verb."""
    cuts = [start]
    for m in re.finditer(r",\s*(?:and\s+)?(?=" + _IMPERATIVE.pattern + ")", text[c1:end], re.I):
        cuts.append(c1 + m.end())
    spans = []
    for i, a in enumerate(cuts):
        b = cuts[i + 1] if i + 1 < len(cuts) else end
        b = a + len(re.sub(r"(?:,\s*and|,|\band)\s*$", "", text[a:b].rstrip()))
        spans.append((a, _end(text, a, b)))
    return spans


def _finite_subject(ctx: Context, s0: int, s1: int) -> bool:
    """The sentence has a subject of its own before a finite cue ("China will provide …")."""
    m = re.search(r"\b(?:will|would|shall)\s", ctx.text[s0:s1])
    if not m:
        return False
    actor, _ = _subject(ctx, s0, s0 + m.start(), None, None)
    return bool(actor)


def _agreements(ctx: Context, sentence: Sentence, start: int, c0: int, c1: int, end: int, actor) -> list[Drafted]:
    text = ctx.text
    cue = text[c0:c1]
    if cue.lower().rstrip().endswith("that"):
        clauses, pos = [], c1
        for m in re.finditer(r",?\s*and that\b|;\s*that\b", text[c1:end]):
            clauses.append((pos, c1 + m.start()))
            pos = c1 + m.end()
        clauses.append((pos, end))
        out = []
        for k, (a, b) in enumerate(clauses):
            a = start if k == 0 else a
            while a < b and text[a].isspace():
                a += 1
            out.append(Drafted("Decision", list(actor), a, _end(text, a, b), sentence.n, cue.strip(), "subject"))
        return out
    decided = "decided" in cue.lower() or "resolved" in cue.lower() or DECIDING.match(text, c1)
    return [Drafted("Decision" if decided else "Commitment", list(actor), start, end, sentence.n, cue.strip(),
                    "subject")]


def _imperatives(ctx: Context, sentence: Sentence, body: int, actor) -> list[Drafted]:
    """Imperative clauses under a proposal: split at ", and VERB", " and VERB" or ", VERB"."""
    text = ctx.text
    s1 = sentence.end
    cuts = [body]
    for m in re.finditer(r"(?:,\s*and\s+|\s+and\s+|,\s*)(?=" + _IMPERATIVE.pattern + ")", text[body:s1], re.I):
        cut = body + m.end()
        if len(text[cuts[-1]:cut].split()) >= 4:  # "Actively and steadily …", "Persuade peace and …" stay whole
            cuts.append(cut)
    out = []
    for i, a in enumerate(cuts):
        b = cuts[i + 1] if i + 1 < len(cuts) else s1
        b = a + len(re.sub(r"(?:,\s*and|,|\band)\s*$", "", text[a:b].rstrip()))
        clause = text[a:b].lower()
        kind = "Measure"
        verb = re.match(rf"{_ADV}(\w+)", clause)
        first = verb.group(1) if verb else ""
        if first in ("oppose", "resist", "reject", "condemn"):
            kind = "Opposition"
        elif first in ("support", "back", "welcome"):
            kind = "Support"
        out.append(Drafted(kind, list(actor), a, _end(text, a, b), sentence.n, first, "the proposal's author"))
    return out


def _subject(ctx: Context, s0: int, cue: int, last_actor, last_person, *, only_names: bool = False):
    """The actor nearest before `cue` in text[s0:cue], and where its words start."""
    text = ctx.text
    found: list[tuple[int, int, list[str], int]] = []  # (end, length, actors, start)
    for m in ctx.people:
        if s0 <= m.start and m.end <= cue:
            found.append((m.end, m.end - m.start, [m.entity], m.start))
    for m in ctx.countries:
        if s0 <= m.start and m.end <= cue:
            side = SIDE.match(text, max(s0, m.start - 4))
            start = m.start - 4 if side and m.start - 4 >= s0 else m.start
            if not re.match(r"\s*(?:’s|'s)?\s*(?:Deputy|Foreign|Minister|President|State|Prime|acting)", text[m.end:]):
                found.append((m.end + (len(" side") if text[m.end:m.end + 5] == " side" else 0),
                              m.end - m.start, [m.entity], start))
    if not only_names:
        for name, pattern in GROUPS:
            for m in pattern.finditer(text, s0, cue):
                actors = {"five-ministers": ctx.five_ministers, "five": [c for c in ctx.six if c != ctx.china],
                          "six": ctx.six, "they": last_actor or [], "person": last_person or []}[name]
                if actors:
                    found.append((m.end(), m.end() - m.start(), list(actors), m.start()))
    # a name inside a preceding title or list ("Chinese President Xi") is not a second subject: nearest wins
    found = [f for f in found if not re.search(r"\b(?:of|for|to|with|in|from|at|on)\s*$", text[s0:f[3]])
             or f[3] == s0]
    if not found:
        return None, None
    end, _, actors, start = max(found, key=lambda f: (f[0], f[1]))
    gap = text[end:cue]
    if re.search(r"[.;]", gap) or len(gap.split()) > 8 and (len(gap.split()) > 30 or re.search(
            r"\b(?:that|which|who|said|says|stated|noted|stressed)\b", gap)):
        return None, None
    return actors, start


def statement_tokens(text: str) -> set[str]:
    """The content words of a statement for comparing it with the graph's statements."""
    return {_root(t) for t in tokens(text)} - STATEMENT_STOP


def _root(word: str) -> str:
    for suffix in ("ing", "ed", "ation", "al"):
        if len(word) > 5 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


STATEMENT_STOP = frozenset("""a an the of and on in for to at by with its their our his her as from that this these those
will would should shall be is are was were has have been it they we he she which who all each other both two six five
together jointly firmly resolutely actively further also more new china chinese central asia asian countries country
side sides parties party ministers minister foreign meeting agre decid support oppos s""".split())


__all__ = ["Context", "Drafted", "draft_statements", "statement_tokens"]
