"""Problems found in the input, each naming the file, the line and the field, and the exceptions that carry them."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Exit codes of the command line (documented in README.md).
EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2

#: Characters refused in every string of a source and in every text (graph/sources/integrity.py): C0 controls but
#: tab and line feed, DEL, C1, bidi marks, embeddings, overrides and isolates, a byte-order mark, lone surrogates.
REFUSED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def escape_refused(text: str) -> str:
    """`text` with every REFUSED character written as an escape (\\u202e), for messages on a terminal."""
    return REFUSED.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as the input allows."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.field}:" if self.field else ""
        return escape_refused(f"{where}:{field} {self.message}")


class InvalidData(Exception):
    """The sources or the ontology are invalid; exit code 1."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems))
        super().__init__(f"{len(self.problems)} problem(s)")


class UsageError(Exception):
    """A usage or I/O error (missing file, unreadable input, bad option); exit code 2."""
