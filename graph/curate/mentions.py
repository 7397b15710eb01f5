"""Finding what an article names: the graph's entities (exactly, by a fuzzy score of transliteration variants, by
surname, by demonym), dates, posts ("Kazakhstan's Foreign Minister X"), and the capitalized names it could not link
(candidates)."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any


from graph.curate.known import MEETING_KINDS, Entity, Known, Lexicon  # noqa: F401 (re-exported)
from graph.curate.names import (CONFUSABLE, FUZZY_THRESHOLD, MIN_FUZZY_LENGTH, MIN_SURNAME_LENGTH,  # noqa: F401
                           fold, name_similarity, word_score)
from graph.curate.text import (WORD, Sentence, bounded, sentence_at, words as _words)
from graph.sources.kinds import KINDS
from graph.sources.read import parse_date


#: Entity kinds whose labels are looked for in the text (roles, posts and governments come from the post pattern).
NAMED_KINDS = frozenset(KINDS) - {"Role", "Post", "Government"} - {k for k, v in KINDS.items() if not v.entity}
#: Entity kinds whose names are also matched fuzzily: proper names that transliterations spell differently.
FUZZY_KINDS = frozenset({"Person", "Country", "Place", "City", "InternationalOrganization", "NewsOrganization"})

MONTHS = {m: i for i, m in enumerate(
    ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
     "November", "December"), start=1)}
#: Titles recognised even when no Role of the graph carries them (their posts become candidates).
GENERIC_TITLES = ("Deputy Prime Minister", "Prime Minister", "Foreign Minister", "State Councilor", "Minister of Foreign Affairs", "President", "Vice President",
                  "Vice Premier", "Premier", "Ambassador", "Secretary-General", "Minister")
TITLE_WORDS = frozenset({"Deputy", "Vice", "Prime", "Minister", "Ministers", "Foreign", "Affairs", "State",
                         "Councilor", "Councillor", "President", "Premier", "Ambassador", "Secretary", "General",
                         "Chairman", "Executive", "Director"})
#: Words that start sentences; a sentence-initial capitalised word is a name only if it is not one of these and
#: never occurs in lower case in the text.
COMMON_WORDS = frozenset({
    "a", "an", "the", "on", "in", "at", "as", "by", "for", "from", "to", "of", "it", "its", "they", "he", "she",
    "we", "this", "that", "these", "those", "all", "since", "first", "second", "third", "fourth", "fifth", "both",
    "each", "but", "and", "or", "after", "before", "during", "with", "when", "while", "there", "here", "our",
    "their", "his", "her", "also", "however", "meanwhile",
})


# ---------------------------------------------------------------- mentions


@dataclass
class Mention:
    """Something found in the text: an entity (by name), a date, or a post."""

    type: str  # entity | date | post
    start: int
    end: int
    text: str
    method: str  # exact | fuzzy | surname | demonym | pattern | date
    score: float = 1.0
    entity: str = ""
    name: str = ""  # the graph's name it matched
    value: str = ""  # a date's value
    also: list[str] = field(default_factory=list)  # other entities the same span matches equally well
    detail: dict[str, Any] = field(default_factory=dict)

    def overlaps(self, other: Mention) -> bool:
        return self.start < other.end and other.start < self.end


def exact_mentions(text: str, lexicon: Lexicon) -> list[Mention]:
    """Every occurrence, as whole words, of a label or altLabel (case-sensitive) of an entity of NAMED_KINDS."""
    found = []
    for entity in lexicon.entities.values():
        if entity.kind not in NAMED_KINDS:
            continue
        for name in entity.names:
            if len(name) < 2:
                continue
            start = text.find(name)
            while start >= 0:
                end = start + len(name)
                if bounded(text, start, end) and not _shouted(text, start, end, name):
                    found.append(Mention("entity", start, end, name, "exact", 1.0, entity.id, name))
                start = text.find(name, start + 1)
    return found


@dataclass(frozen=True)
class _Key:
    entity: str
    name: str
    words: tuple[str, ...]
    method: str  # fuzzy | surname
    kind: str = ""


def _keys(lexicon: Lexicon) -> list[_Key]:
    keys = []
    for entity in lexicon.entities.values():
        if entity.kind not in FUZZY_KINDS:
            continue
        for name in entity.names:
            words = tuple(WORD.findall(name))
            if not words or not all(_latin(w) for w in words):
                continue
            keys.append(_Key(entity.id, name, words, "fuzzy", entity.kind))
            if entity.kind == "Person" and len(words) >= 2 and len(fold(words[-1])) >= MIN_SURNAME_LENGTH:
                keys.append(_Key(entity.id, name, words[-1:], "surname", entity.kind))
    return keys


def _latin(word: str) -> bool:
    return all("LATIN" in unicodedata.name(c, "") for c in word if c.isalpha())


def fuzzy_mentions(text: str, lexicon: Lexicon) -> list[Mention]:
    """Runs of words that match a name's words one by one by `word_score` (capitalised words only link to names)."""
    words = _words(text)
    keys = _keys(lexicon)
    by_length: dict[int, list[_Key]] = defaultdict(list)
    for key in keys:
        by_length[len(key.words)].append(key)
    found = []
    for i in range(len(words)):
        for n, group in by_length.items():
            window = words[i:i + n]
            if len(window) < n or not _adjacent(text, window):
                continue
            if not (window[0][0][0].isupper() and window[-1][0][0].isupper()):
                continue
            for key in group:
                score = _window_score(window, key.words)
                start, end = window[0][1], window[-1][2]
                if key.kind != "Person" and n == 1 and abs(len(fold(window[0][0])) - len(fold(key.words[0]))) > 1:
                    continue  # "Tashkentov" is no spelling of "Tashkent"
                if score >= FUZZY_THRESHOLD and bounded(text, start, end) and not _shouted(text, start, end, key.name):
                    found.append(Mention("entity", start, end, text[start:end], key.method, round(score, 3),
                                         key.entity, key.name))
    return found


def _adjacent(text: str, window: list[tuple[str, int, int]]) -> bool:
    return all(_space(text, a[2], b[1]) for a, b in zip(window, window[1:]))


def _space(text: str, start: int, end: int) -> bool:
    """Words of one name are separated by spaces only (no punctuation, no line break)."""
    return end > start and not text[start:end].strip(" \t\u00a0")


def _window_score(window: list[tuple[str, int, int]], name_words: tuple[str, ...]) -> float:
    scores = []
    for (word, _, _), name_word in zip(window, name_words):
        if name_word[0].islower():  # a function word of the name ("of", "and"): must be the same word
            if word.lower() != name_word.lower():
                return 0.0
            continue
        if not word[0].isupper():
            return 0.0
        score = word_score(word, name_word)
        if score < FUZZY_THRESHOLD:
            return 0.0
        scores.append(score)
    return min(scores) if scores else 0.0


#: Adjectives and demonyms no rule derives from the country's name (X-stan -> X derives "Kazakh" and "Kyrgyz").
DEMONYMS = {"Tajik": "Tajikistan", "Tajikistani": "Tajikistan", "Turkmen": "Turkmenistan", "Uzbek": "Uzbekistan",
            "Uzbekistani": "Uzbekistan", "Kazakhstani": "Kazakhstan", "Kyrgyzstani": "Kyrgyzstan"}


def demonym_mentions(text: str, lexicon: Lexicon) -> list[Mention]:
    """Adjectives of country and place names: X-stan -> X ("Kazakh"), X-a -> X-ese / X-an ("Chinese"), and DEMONYMS."""
    forms: dict[str, Entity] = {}
    for entity in lexicon.entities.values():
        if entity.kind in ("Country", "Place"):
            forms.update({form: entity for form in _demonyms(entity.label)})
    found = []
    for form, entity in sorted(forms.items()):
        for m in re.finditer(re.escape(form), text):
            if bounded(text, m.start(), m.end()) and not _shouted(text, m.start(), m.end(), form):
                found.append(Mention("entity", m.start(), m.end(), form, "demonym", 0.9, entity.id, entity.label))
    return found


def _demonyms(label: str) -> list[str]:
    extra = [form for form, country in DEMONYMS.items() if country == label]
    if label.endswith("stan"):
        return [label[:-4], *extra]
    if label.endswith("a"):
        return [label[:-1] + "ese", label + "n", *extra]
    return extra


_DATELINE = re.compile(r"^[ \t]*[A-Z][A-Z’'. -]+[A-Z](?:,[^\n]{0,40}?)?(?:\(|--|—|–|,)", re.M)


def _shouted(text: str, start: int, end: int, name: str) -> bool:
    """The span is set in capitals where the name is not ("XI'AN" is no "Xi"), or lies in a dateline ("XI'AN, May 19")."""
    span = text[start:end]
    if span.isupper() and not name.isupper():
        return True
    line_start = text.rfind("\n", 0, start) + 1
    m = _DATELINE.match(text, line_start)
    return bool(m and start < m.end() and span.isupper())


_METHOD_RANK = {"exact": 3, "fuzzy": 2, "surname": 2, "demonym": 1}


_WORDS_RANK = 2  # a name of more words outranks a shorter one however found: "Shanghai Cooperation Organization" over "Shanghai"


def _n_words(m: Mention) -> int:
    return len(m.text.split())


def resolve(mentions: list[Mention]) -> list[Mention]:
    """Keep the best of overlapping mentions: exact before fuzzy, longer spans, higher scores; ties are listed in `also`."""
    ranked = sorted(mentions, key=lambda m: (-_METHOD_RANK[m.method] - _WORDS_RANK * _n_words(m), -(m.end - m.start),
                                             -m.score, m.start, m.entity))
    kept: list[Mention] = []
    for mention in ranked:
        clash = next((k for k in kept if k.overlaps(mention)), None)
        if clash is None:
            kept.append(mention)
        elif ((clash.start, clash.end, clash.method, clash.score) == (mention.start, mention.end, mention.method, mention.score)
              and mention.entity != clash.entity and mention.entity not in clash.also):
            clash.also.append(mention.entity)
    return sorted(kept, key=lambda m: (m.start, m.end))


def entity_mentions(text: str, lexicon: Lexicon) -> list[Mention]:
    return resolve(exact_mentions(text, lexicon) + fuzzy_mentions(text, lexicon) + demonym_mentions(text, lexicon))


# ---------------------------------------------------------------- dates

_MONTH = "|".join(MONTHS)
_DATE_PATTERNS = (
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b"),
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)? (?P<month>{_MONTH})(?:,? (?P<y>\d{{4}}))?\b"),
    re.compile(rf"\b(?P<month>{_MONTH}) (?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,? (?P<y>\d{{4}}))?\b"),
    re.compile(rf"\b(?P<month>{_MONTH}) (?P<y>\d{{4}})\b"),
)


def date_mentions(text: str, *, year: int | None) -> list[Mention]:
    """Dates by pattern ("July 16", "16 July 2020", "2020-07-16", "June 2022"); a missing year is the document's."""
    found: list[Mention] = []
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if any(f.start <= m.start() < f.end or m.start() <= f.start < m.end() for f in found):
                continue
            groups = m.groupdict()
            month = int(groups["m"]) if groups.get("m") else MONTHS[groups["month"]]
            day = int(groups["d"]) if groups.get("d") else None
            y = int(groups["y"]) if groups.get("y") else year
            method = "pattern" if groups.get("y") else "pattern, year of the document's date"
            if y is None:
                value, method = f"--{month:02d}" + (f"-{day:02d}" if day else ""), "pattern, year unknown"
            else:
                value = f"{y:04d}-{month:02d}" + (f"-{day:02d}" if day else "")
                if isinstance(parse_date(value), str):
                    continue  # "February 30": not a real date
            found.append(Mention("date", m.start(), m.end(), m.group(0), method, 1.0, value=value))
    return sorted(found, key=lambda m: m.start)


# ---------------------------------------------------------------- posts


def _country_forms(lexicon: Lexicon) -> dict[str, str]:
    """Country labels and their adjectives ("Kazakhstan", "Kazakh", "China", "Chinese") -> country id."""
    forms = {}
    for entity in lexicon.entities.values():
        if entity.kind == "Country":
            forms.update({form: entity.id for form in (entity.label, *_demonyms(entity.label))})
    return forms


def _title_pattern(lexicon: Lexicon) -> re.Pattern:
    titles = {t for t in lexicon.roles if t[:1].isupper()} | set(GENERIC_TITLES)
    title = "|".join(re.escape(t) for t in sorted(titles, key=lambda t: (-len(t), t)))
    countries = "|".join(re.escape(c) for c in sorted(_country_forms(lexicon), key=lambda c: (-len(c), c)))
    country = rf"(?:(?P<country>\b(?:{countries}))(?:[’']s)?\s+)?" if countries else ""
    after = rf"(?:\s+of\s+(?:the\s+)?(?:Republic\s+of\s+)?(?P<country2>\b(?:{countries})\b))?" if countries else ""
    name = r"[A-Z][\w’'-]*(?:\s[A-Z][\w’'-]*){0,2}"
    return re.compile(
        rf"{country}(?P<acting>acting\s+)?\b(?P<titles>(?:{title})(?:(?:\s*,\s*|\s+and\s+)(?:{title}))*)"
        rf"\s+(?P<name>{name}){after}"
    )


#: Titles the graph's roles carry under another name.
TITLE_ALIASES = {"Minister of Foreign Affairs": "Foreign Minister"}


def post_mentions(text: str, lexicon: Lexicon, entities: list[Mention]) -> list[Mention]:
    """Titles before a name ("Turkmenistan's Deputy Prime Minister and Foreign Minister Meledov"), resolved to the
    graph's roles, the country (by label or adjective), the posts (role + country) and the person named."""
    pattern = _title_pattern(lexicon)
    countries = _country_forms(lexicon)
    found = []
    for m in pattern.finditer(text):
        country_word = m.group("country") or m.group("country2")
        start = m.start("country") if m.group("country") else m.start("titles")
        country = countries.get(country_word) if country_word else None
        titles = re.split(r"\s*,\s*|\s+and\s+", m.group("titles"))
        person = next((e for e in entities if e.start >= m.start("name") and e.start < m.end("name")
                       and lexicon.entities[e.entity].kind == "Person" and not e.also), None)
        end = m.end("country2") if m.group("country2") else person.end if person else m.end("name")
        roles = [lexicon.roles.get(TITLE_ALIASES.get(t, t)) for t in titles]
        posts = [lexicon.posts.get((r, country)) if r and country else None for r in roles]
        detail = {
            "titles": titles,
            "roles": [r or f"unknown: {t}" for r, t in zip(roles, titles)],
            "country": country or "",
            "posts": [p or "" for p in posts],
            "person": person.entity if person else "",
            "name": person.text if person else m.group("name"),
        }
        if m.group("acting"):
            detail["role"] = "acting " + " and ".join(titles).lower()
        found.append(Mention("post", start, end, text[start:end], "pattern", 1.0, detail=detail))
    return found


# ---------------------------------------------------------------- candidates


JOINERS = ("of", "and", "the", "for", "on", "in")


def candidate_names(text: str, sentences: list[Sentence], covered: list[Mention]) -> list[dict[str, Any]]:
    """Capitalised word runs that nothing links: possible new entities (listed for the curator, never added).

    A run is a sequence of capitalised words (joined by "of", "and", "the"… or a space); one that a mention covers
    whole is known, one that merely contains a known name ("China News Agency") is listed. Title words, months,
    common words and the first word of a sentence when the text also uses it in lower case are no names.
    """
    words = _words(text)
    lower_words = {w.lower() for w, _, _ in words if w[0].islower()}
    starts = {s.start for s in sentences}
    runs: list[list[tuple[str, int, int]]] = [[]]
    for i, (word, s, e) in enumerate(words):
        initial = _sentence_initial(text, s, starts)
        name_like = (word[0].isupper() and word not in MONTHS and word not in TITLE_WORDS
                     and word.lower() not in COMMON_WORDS and not (initial and word.lower() in lower_words))
        gap_ok = bool(runs[-1]) and _space(text, runs[-1][-1][2], s)
        if name_like and gap_ok:
            runs[-1].append((word, s, e))
        elif name_like:
            runs.append([(word, s, e)])
        elif word in JOINERS and gap_ok:
            runs[-1].append((word, s, e))
        else:
            runs.append([])
    seen: dict[str, dict[str, Any]] = {}
    for run in (part for whole in runs for part in _split_known(whole, covered)):
        while run and run[-1][0] in JOINERS:
            run.pop()
        while run and run[0][0] in JOINERS:
            run.pop(0)
        if not run:
            continue
        start, end = run[0][1], run[-1][2]
        if len(run) == 1 and _sentence_initial(text, start, starts):
            continue  # "Persuade", "Expand": a sentence's first word alone is no evidence of a name
        if any(c.start <= start and end <= c.end for c in covered):
            continue
        name = text[start:end]
        if name in seen:
            seen[name]["count"] += 1
            continue
        seen[name] = {"text": name, "start": start, "end": end, "sentence": sentence_at(sentences, start).n,
                      "count": 1, "reason": "capitalised name that no label or altLabel matches"}
    return list(seen.values())


def _split_known(run: list[tuple[str, int, int]], covered: list[Mention]) -> list[list[tuple[str, int, int]]]:
    """Split a run at "and" when a part is a known name: "China and Central Asia" is two names, "Belt and Road" one."""
    parts: list[list[tuple[str, int, int]]] = [[]]
    for word in run:
        if word[0] == "and":
            parts.append([])
        else:
            parts[-1].append(word)
    parts = [p for p in parts if p]

    def known(part):
        return any(c.start <= part[0][1] and part[-1][2] <= c.end for c in covered)

    if len(parts) < 2 or not any(known(p) for p in parts):
        return [run]
    return [p for p in parts if not known(p)]


def _sentence_initial(text: str, start: int, starts: set[int]) -> bool:
    if start in starts:
        return True
    before = text[:start].rstrip(" \"“‘(")
    return not before or before[-1] in ".!?:\n"
