"""Draft source files awaiting a curator (sources/drafts/*.yaml) and the per-source summary of what the build added.

A draft is written by `python build.py add-source`; each of its records carries `confirmed: false` until a curator
checks it. The build never loads sources/drafts/; it only reports here which drafts still hold unconfirmed records.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from graph.sources import integrity
from graph.errors import InvalidData, UsageError
from graph.sources.kinds import KINDS
from graph.sources.read import Source, shown_path
from graph.sources.yamlfile import LinedDict, LinedList, read_yaml

DRAFTS = "drafts"


@dataclass(frozen=True)
class DraftStatus:
    """One draft file: which of its records are still unconfirmed, and how many candidates it lists."""

    shown: str
    unconfirmed: tuple[tuple[str, int], ...] = ()  # (record id, line)
    confirmed: int = 0
    candidates: int = 0
    error: str = ""

    @property
    def pending(self) -> bool:
        return bool(self.unconfirmed or self.error)


def drafts_dir(sources_dir: Path) -> Path:
    return sources_dir / DRAFTS


def scan(sources_dir: Path) -> list[DraftStatus]:
    """The status of every draft under `sources_dir`/drafts, in file-name order (empty if there is no such folder)."""
    folder = drafts_dir(sources_dir)
    if not folder.is_dir():
        return []
    # As for sources/ itself (graph/integrity.py): a `.yml` file, a dangling symlink… is listed as unreadable, not
    # skipped.
    files, problems = integrity.source_entries(folder, shown_path)
    statuses = [draft_status(path) for path in files] + [DraftStatus(p.file, error=p.message) for p in problems]
    return sorted(statuses, key=lambda status: status.shown)


def draft_status(path: Path) -> DraftStatus:
    shown = shown_path(path)
    try:
        data = read_yaml(path, shown)
    except (InvalidData, UsageError) as exc:
        message = "; ".join(str(p) for p in exc.problems) if isinstance(exc, InvalidData) else str(exc)
        return DraftStatus(shown, error=message)
    if not isinstance(data, LinedDict) or not isinstance(data.get("records"), LinedList):
        return DraftStatus(shown, error="not a source file (no `records` list)")
    unconfirmed, confirmed = [], 0
    for item, line in zip(data["records"], data["records"].item_lines):
        if isinstance(item, LinedDict) and item.get("confirmed") is False:
            unconfirmed.append((str(item.get("id", "?")), line))
        else:
            confirmed += 1
    candidates = data.get("candidates")
    return DraftStatus(shown, tuple(unconfirmed), confirmed, len(candidates) if isinstance(candidates, list) else 0)


def draft_lines(statuses: list[DraftStatus], *, verbose: bool = False) -> list[str]:
    """Report lines for the drafts (deterministic: file-name order, record order)."""
    if not statuses:
        return ["  none"]
    lines = []
    for status in statuses:
        if status.error:
            lines.append(f"  {status.shown}: unreadable: {status.error}")
            continue
        lines.append(f"  {status.shown}: {len(status.unconfirmed)} unconfirmed record(s), "
                     f"{status.confirmed} confirmed, {status.candidates} candidate(s)")
        if verbose:
            lines.extend(f"    line {line}: {rid}" for rid, line in status.unconfirmed)
    return lines


def statement_counts(source: Source) -> tuple[Counter, Counter]:
    """A source's records by kind: (statements, entity descriptions)."""
    statements, entities = Counter(), Counter()
    for record in source.records:
        if not record.corroborating:  # a second source of a statement adds no statement
            (entities if KINDS[record.kind].entity else statements)[record.kind] += 1
    return statements, entities


def source_lines(sources: list[Source], *, verbose: bool = False) -> list[str]:
    """Per source: the statements it added, by kind (and their ids when verbose), and the entities it describes."""
    lines = []
    for source in sources:
        statements, entities = statement_counts(source)
        corroborated = sum(record.corroborating for record in source.records)
        lines.append(f"  {source.shown}: {sum(statements.values())} statement(s)"
                     + (f" ({_by_kind(statements)})" if statements else "")
                     + f"; {sum(entities.values())} entity description(s)"
                     + (f" ({_by_kind(entities)})" if entities else "")
                     + (f"; corroborates {corroborated} statement(s) of other sources" if corroborated else ""))
        if verbose:
            for record in source.records:
                if not KINDS[record.kind].entity:
                    lines.append(f"    {record.kind} {record.id}" + (" (corroborates)" if record.corroborating else ""))
    return lines


def _by_kind(counts: Counter) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))


__all__ = ["DraftStatus", "draft_lines", "draft_status", "drafts_dir", "scan", "source_lines", "statement_counts"]
