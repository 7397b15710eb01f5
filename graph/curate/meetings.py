"""Meetings and outcome documents found the way a reader finds them, not only by their labels.

A meeting by its ordinal and its series ("the fourth China-Central Asia foreign ministers' meeting", "the first
... Summit": the series is the one whose label shares the cue word, "foreign ministers" or "summit"; a sentence that
names no series takes the series of the foreign ministers when it speaks of foreign ministers, else the series of
the meeting found before it), by its series and its month or year ("the January video summit", "the 2022 video
summit"), or by its series and its place ("the summit in Xi'an in May"). Only a single meeting of the graph may fit.

A document or project by a variant of its title: every content word of one of its names (at least three words)
occurs in one clause of the text, in any order and spelling variant ("Line D of the Central Asia-China gas
pipeline" for "Central Asia–China gas pipeline, Line D"; "good-neighbourliness" for "Good-Neighborliness"); and in a
sentence saying a document was adopted, signed, issued or approved, a phrase with a document's head word ("a joint
statement", "a roadmap for ...", "an initiative on data security ...") names the document of that head adopted at
the report's meeting, when one only fits (by its distinctive words where several share the head).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from graph.curate.known import Lexicon
from graph.curate.text import Sentence

ORDINALS = {w: i for i, w in enumerate(
    ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"), start=1)}
ORDINALS.update({f"{i}{s}": i for i, s in ((1, "st"), (2, "nd"), (3, "rd"), *((n, "th") for n in range(4, 11)))})
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
_ORDINAL = re.compile(r"\b(" + "|".join(sorted(ORDINALS, key=len, reverse=True)) + r")\b", re.I)
_CUE = re.compile(r"\b(?:summit|meeting|session)\b", re.I)
_SERIES_WORDS = {"summit": "summit", "heads of state": "summit", "foreign minister": "foreign ministers"}
#: Words of a title that say nothing of which document it is.
STOP = frozenset("""a an the of and on in for to at by with its their between among as from china central asia asian
five six countries country china-central c meeting ministers minister foreign s""".split())
HEADS = ("statement", "roadmap", "initiative", "declaration", "communique", "treaty", "list", "memorandum", "plan",
         "regulations", "agreement", "consensus")
ADOPTION = re.compile(r"\b(adopted|signed|issued|approved|released|endorsed)\b", re.I)
_SPELLING = (("neighbour", "neighbor"), ("communiqué", "communique"), ("programme", "program"), ("centre", "center"),
             ("eternal", "permanent"))
TOKEN = re.compile(r"[A-Za-zÀ-ÿ0-9]+")


def tokens(text: str) -> list[str]:
    """Lower-case word tokens with British spellings and accents folded (dashes and quotes split words)."""
    low = text.lower()
    for old, new in _SPELLING:
        low = low.replace(old, new)
    return [_stem(t) for t in TOKEN.findall(low)]


def _stem(word: str) -> str:
    for suffix in ("iness", "ies", "es", "s"):
        if len(word) > 4 and word.endswith(suffix) and not word.endswith("ss"):
            return word[: -len(suffix)] + ("y" if suffix in ("ies", "iness") else "")
    return word


def content(text: str) -> set[str]:
    return {t for t in tokens(text) if t not in STOP}


def _series_for(lexicon: Lexicon, cue: str) -> str | None:
    word = next((w for k, w in _SERIES_WORDS.items() if k in cue.lower()), None)
    if not word:
        return None
    found = [sid for sid, label in sorted(lexicon.known.series.items()) if word in label.lower()]
    return found[0] if len(found) == 1 else None


def meeting_mentions(text: str, sentences: list[Sentence], lexicon: Lexicon, *, year: int | None = None) -> list[dict]:
    """Meetings the text names by ordinal, month, year or place with their series: dicts with start, end, text,
    entity and method, in text order."""
    known = lexicon.known
    by_series: dict[str, list] = defaultdict(list)
    for meeting in known.meetings.values():
        by_series[meeting.series].append(meeting)
    found, last_series = [], None
    for sentence in sentences:
        s = text[sentence.start:sentence.end]
        low = s.lower()
        for m in _ORDINAL.finditer(s):
            after = s[m.end():m.end() + 90]
            cue = _CUE.search(after)  # the meeting's noun: "meeting", "summit", "session"
            if not cue or len(after[:cue.start()].split()) > 6 or re.search(r"\bdeputy\b", after[:cue.start()], re.I):
                continue  # "First Deputy Foreign Minister …" is a title, not a meeting
            around = after[:cue.end() + 30]
            series = _series_for(lexicon, around[:cue.end()]) or _series_for(lexicon, around)
            if series is None:
                series = (_series_for(lexicon, "foreign minister") if "foreign minister" in low else None) \
                    or last_series
            if series is None:
                continue
            position = ORDINALS[m.group(1).lower()]
            fits = [x for x in by_series[series] if x.position == position]
            if len(fits) == 1:
                end = m.end() + cue.end()
                found.append(_mention(text, sentence.start + m.start(), sentence.start + end, fits[0].id, "ordinal"))
                last_series = series
        for cue in re.finditer(r"\bsummit\b", s, re.I):
            series = _series_for(lexicon, "summit")
            if series is None:
                continue
            window = s[max(0, cue.start() - 40):cue.end() + 40].lower()
            before = s[max(0, cue.start() - 40):cue.start()].lower()
            if _ORDINAL.search(before.split()[-1] if before.split() else ""):
                continue  # ordinal already handled
            months = [i for i, name in enumerate(MONTHS, 1) if re.search(rf"\b{name}\b", window)]
            years = [int(y) for y in re.findall(r"\b(20\d\d)\b", window)]
            places = {e.id for e in lexicon.entities.values() if e.kind in ("City", "Place")
                      and any(re.search(rf"\b{re.escape(n.lower())}\b", window) for n in e.names)}
            fits = []
            for meeting in by_series[series]:
                date = meeting.date
                ok_month = not months or (date[5:7] and int(date[5:7]) in months)
                ok_year = not years or (date[:4] and int(date[:4]) in years)
                ok_place = not places or meeting.location in places
                evidence = bool(months) + bool(years) + bool(places)
                if ok_month and ok_year and ok_place and evidence and (not year or not date or
                                                                       int(date[:4]) <= year + 1):
                    fits.append(meeting)
            if len(fits) == 1:
                start = sentence.start + max(0, cue.start() - 40)
                found.append(_mention(text, sentence.start + cue.start(), sentence.start + cue.end(), fits[0].id,
                                      "series and month, year or place"))
                del start
    found.sort(key=lambda d: d["start"])
    return found


def _mention(text: str, start: int, end: int, entity: str, method: str) -> dict:
    return {"start": start, "end": end, "text": text[start:end], "entity": entity, "method": method}


# ---------------------------------------------------------------- documents and projects by title variants

TITLED_KINDS = frozenset({"OutcomeDocument", "Declaration", "Treaty", "Agreement", "Project", "Initiative"})
_CLAUSE = re.compile(r",|;|:|\bas well as\b|\band (?:an?|the|on|of|for)\b")


def _clauses(text: str, sentence: Sentence) -> list[tuple[int, int]]:
    spans, start = [], sentence.start
    for m in _CLAUSE.finditer(text, sentence.start, sentence.end):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, sentence.end))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def title_mentions(text: str, sentences: list[Sentence], lexicon: Lexicon, meeting: str | None) -> list[dict]:
    """Documents and projects named by a variant of a title, or by their head word where the meeting adopted them."""
    names = []
    for entity in lexicon.entities.values():
        if entity.kind in TITLED_KINDS:
            for name in entity.names:
                words = content(name)
                if len(words) >= 3 and _latin(name):
                    names.append((entity.id, frozenset(words)))
    adopted = [d for d, m in sorted(lexicon.known.documents.items()) if meeting and m == meeting]
    found = []
    for sentence in sentences:
        toks = [(_stem(m.group(0).lower().replace("neighbour", "neighbor")), m.start(), m.end())
                for m in TOKEN.finditer(text, sentence.start, sentence.end)]
        hits = []
        for eid, words in names:
            span = _window(toks, words)
            if span:
                hits.append((span, words, eid))
        for span, words, eid in hits:  # a shorter title inside a longer one's words and span is the longer one's
            if not any(w > words and s[0] <= span[0] and span[1] <= s[1] for s, w, _ in hits):
                if not any(d["start"] == span[0] and d["end"] == span[1] for d in found):
                    found.append(_mention(text, span[0], span[1], eid, "title variant"))
        if not (adopted and ADOPTION.search(text, sentence.start, sentence.end)):
            continue
        last_head, taken = None, {d["entity"] for d in found}
        for start, end in _clauses(text, sentence):
            if any(d["start"] < end and start < d["end"] for d in found):
                continue
            clause = text[start:end]
            head = next((h for h in HEADS if re.search(rf"\b{h}", clause.lower())), None)
            inherited = head is None and last_head is not None
            head = head or last_head  # "initiatives on connectivity and on data security": the head carries over
            if head is None:
                continue
            last_head = head
            fits = [d for d in adopted if d not in taken
                    and head in " ".join(tokens(" ".join(lexicon.entities[d].names)))]
            if len(fits) > 1:
                have = content(clause)
                scored = sorted(((len(have & content(" ".join(lexicon.entities[d].names))), d) for d in fits),
                                reverse=True)
                fits = [scored[0][1]] if scored[0][0] > scored[1][0] else []
            if len(fits) == 1:
                phrase = None if inherited else re.search(rf"\b(?:(?:an?|the)\s+)?(?:[\w-]+\s+){{0,2}}?{head}",
                                                          clause, re.I)
                found.append(_mention(text, *_trim(text, start + (phrase.start() if phrase else 0), end), fits[0],
                                      "head word of a document adopted at the meeting"))
                taken.add(fits[0])
    return sorted(found, key=lambda d: (d["start"], d["end"]))


def _latin(name: str) -> bool:
    return all(c.isascii() or "LATIN" in unicodedata.name(c, "") for c in name if c.isalpha())


def _window(toks: list[tuple[str, int, int]], words: frozenset[str]) -> tuple[int, int] | None:
    """The shortest run of tokens holding every word, if it is at most twice the title's length plus four."""
    if not words <= {t for t, _, _ in toks}:
        return None
    best = None
    for i, (t, _, _) in enumerate(toks):
        if t not in words:
            continue
        seen = set()
        for j in range(i, min(len(toks), i + 2 * len(words) + 4)):
            if toks[j][0] in words:
                seen.add(toks[j][0])
            if seen == words:
                if best is None or j - i < best[0]:
                    best = (j - i, toks[i][1], toks[j][2])
                break
    return (best[1], best[2]) if best else None


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    m = re.match(r"(?:(?:and|the|a|an|also|adopted|signed|approved|issued|released)\s+)+", text[start:end], re.I)
    if m and m.end() < end - start:
        start += m.end()
    return start, end


__all__ = ["content", "meeting_mentions", "title_mentions", "tokens"]
