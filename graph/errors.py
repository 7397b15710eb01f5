"""Problems found in the input, each naming the file, the line and the field, and the exceptions that carry them."""

from __future__ import annotations

from dataclasses import dataclass

#: Exit codes of the command line (documented in README.md).
EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as the input allows."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        from .integrity import escape_refused  # a bidi or control character in a name is shown as \u202e

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
