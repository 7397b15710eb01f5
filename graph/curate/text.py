"""The article's text for the curator's workflow: reading it safely, sentences with offsets, word boundaries, quotes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from graph.sources import integrity
from graph.errors import UsageError

WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
POSSESSIVE = re.compile(r"[’']s\b")



def read_article(path: Path) -> tuple[str, bytes]:
    """The article's text and bytes; a UsageError naming the file if it is missing, empty, binary or not UTF-8."""
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    if not path.is_file():
        raise UsageError(f"{path}: not a file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from exc
    nul = raw.find(b"\0")
    if nul >= 0:
        raise UsageError(f"{path}: binary data, not text (a NUL byte at offset {nul})")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason}); convert it to UTF-8") from exc
    text = integrity.normalize_text(text)  # as the build reads it: no BOM, LF line endings (same offsets)
    refused = integrity.text_problems(text, str(path))
    if refused:
        raise UsageError(str(refused[0]))  # the build would refuse the text: say so before it is copied
    if not text.strip():
        raise UsageError(f"{path}: empty text")
    return text, raw


@dataclass(frozen=True)
class Sentence:
    n: int  # 1-based
    start: int
    end: int


_BREAK = re.compile(r"[.!?][\"”’)]*\s+(?=[\"“‘(]?[A-Z0-9])|\n\s*")


_NO_BREAK = re.compile(r"(?:(?<![\w.])[A-Z]|(?:^|\n)[ \t]*\d{1,2})\.$")


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with their code-point offsets: a break after . ! ? followed by a capital or digit (not after an
    initial or a point's number), and at newlines."""
    spans, start = [], 0
    for m in _BREAK.finditer(text):
        cut = m.group(0)
        if not cut.startswith("\n") and _NO_BREAK.search(text, max(0, m.start() - 12), m.start() + 1):
            continue  # an initial ("M. Nurtleu") or a numbered point ("2. The parties")
        end = m.start() if cut.startswith("\n") else m.start() + len(cut.rstrip())
        spans.append((start, end))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append(Sentence(len(out) + 1, s, e))
    return out


def sentence_at(sentences: list[Sentence], offset: int) -> Sentence:
    for sentence in sentences:
        if sentence.start <= offset < sentence.end:
            return sentence
    return sentences[-1]


def bounded(text: str, start: int, end: int) -> bool:
    """True when text[start:end] is whole words: no letter or digit touches it, nor an apostrophe-joined word ("Xi'an")."""
    if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "’'" and start > 1 and text[start - 2].isalpha()):
        return False
    if end < len(text):
        after = text[end]
        if after.isalnum():
            return False
        if after in "’'" and end + 1 < len(text) and text[end + 1].isalpha() and not POSSESSIVE.match(text, end):
            return False
    return True


def clip(text: str, sentence: Sentence, start: int, end: int, *, limit: int = 160) -> tuple[str, int]:
    """A verbatim quote around text[start:end]: its sentence, or words of it around the span when the sentence is long."""
    if sentence.end - sentence.start <= limit:
        return text[sentence.start:sentence.end], sentence.start
    room = max(0, (limit - (end - start)) // 2)
    left = max(sentence.start, start - room)
    right = min(sentence.end, end + room)
    while left > sentence.start and not text[left - 1].isspace():
        left += 1
    while right < sentence.end and not text[right].isspace():
        right -= 1
    left, right = min(left, start), max(right, end)
    quote = text[left:right].strip(" ,;")
    return quote, text.index(quote, left)



def words(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in WORD.finditer(text)]
