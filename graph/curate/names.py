"""Comparing names across transliterations (used by graph.curate).

Name scoring (`name_similarity`). Both names are folded first (`fold`): Unicode compatibility decomposition with
the diacritics dropped, lower case, letters only, the Russian-to-English transliteration digraphs folded
(dzh/dj/zh -> j, kh -> h, y -> i, a final -iev/-yev -> -ev) and doubled letters collapsed, so "Aydarbekov" =
"Aidarbekov" and "Mukhriddin" = "Muhriddin". The folded names are compared by a weighted Levenshtein distance in
which a substitution between letters that transliterations confuse (r/l, as Chinese renders both alike; o/u, a/o,
e/i, s/z, d/t) costs 0.4 and any other edit 1. The score is 1 - distance / length of the longer folded name (1.0
for equal folds). A word of a name links only if both folded words have at least MIN_FUZZY_LENGTH letters, begin
with the same letter (or a confusable pair) and score at least FUZZY_THRESHOLD; a name of several words scores the
lowest of its words. A person is also matched by the last word of a label (the surname, as articles write
"Foreign Minister Treuberdi") when that word is at least MIN_SURNAME_LENGTH letters long, so short Chinese given
names ("Yi", "Gang") never link alone.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

FUZZY_THRESHOLD = 0.8
MIN_FUZZY_LENGTH = 5
MIN_SURNAME_LENGTH = 5
CONFUSABLE = frozenset(frozenset(p) for p in ("rl", "ou", "ao", "ei", "sz", "dt"))
CHEAP = 0.4


_FOLDS = (("dzh", "j"), ("dj", "j"), ("zh", "j"), ("kh", "h"), ("y", "i"))


@lru_cache(maxsize=8192)
def fold(name: str) -> str:
    """A name folded for comparison: no diacritics, lower case, letters only, transliteration digraphs folded."""
    decomposed = unicodedata.normalize("NFKD", name)
    s = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    s = "".join(c for c in s if c.isalpha())
    for old, new in _FOLDS:
        s = s.replace(old, new)
    s = re.sub(r"iev$", "ev", s)
    return re.sub(r"(.)\1+", r"\1", s)


def _cost(a: str, b: str) -> float:
    if a == b:
        return 0.0
    return CHEAP if frozenset((a, b)) in CONFUSABLE else 1.0


@lru_cache(maxsize=65536)
def name_similarity(a: str, b: str) -> float:
    """The similarity of two words of a name, 0..1, on their folds (see the module docstring)."""
    fa, fb = fold(a), fold(b)
    if not fa or not fb:
        return 0.0
    if fa == fb:
        return 1.0
    previous = [float(j) for j in range(len(fb) + 1)]
    for i, ca in enumerate(fa, start=1):
        current = [float(i)]
        for j, cb in enumerate(fb, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + _cost(ca, cb)))
        previous = current
    return max(0.0, 1.0 - previous[-1] / max(len(fa), len(fb)))


def word_score(text_word: str, name_word: str) -> float:
    """The score of one word of the text against one word of a name, 0 when the fuzzy rules exclude the pair."""
    ft, fn = fold(text_word), fold(name_word)
    if ft == fn and ft:
        return 1.0
    if len(ft) < MIN_FUZZY_LENGTH or len(fn) < MIN_FUZZY_LENGTH:
        return 0.0
    if ft[0] != fn[0] and frozenset((ft[0], fn[0])) not in CONFUSABLE:
        return 0.0
    return name_similarity(text_word, name_word)


