"""Reading source files: the document block and its records, checked field by field against the kind table."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.sources import integrity
from graph.errors import InvalidData, Problem, UsageError
from graph.sources.kinds import COMMON, CORROBORATION, KINDS
from graph.paths import SHOWN_FROM as ROOT, SOURCES_DIR  # paths in messages are shown relative to ROOT
from graph.sources.yamlfile import LinedDict, LinedList, read_yaml

from graph.sources.values import (CJK, CURRENCY, DATE, DECIMAL, LANG, QID, ROW, SLUG, TAGGED, URL,  # noqa: F401
                                   CONFIDENCES, MODES, PartialDate, _Bad, _parse_value, _sort_key, parse_date,
                                   parse_decimal, split_language)


DOCUMENT_FIELDS = {
    "id": True, "kind": True, "title": True, "text": True, "language": True,
    "published": False, "publisher": False, "translationOf": False, "url": False, "note": False,
}
DOCUMENT_KINDS = ("article", "reference")
#: Top-level keys a draft written by `add-source` carries beside `document` and `records`: the curator's working
#: notes. A confirmed draft may keep them in sources/; the build ignores their content (they must be lists).
DRAFT_NOTES = ("mentions", "candidates")


@dataclass
class Record:
    """One record of a source file, its values parsed; `refs` lists (field, id, line) for the reference check."""

    source: Source
    id: str
    kind: str
    line: int
    values: dict[str, Any]
    lines: dict[str, int]
    refs: list[tuple[str, str, int]] = field(default_factory=list)
    #: A second source's record of a statement recorded in full elsewhere: it carries only the fields of
    #: kinds.CORROBORATION and adds that source's derivation, quotes and reference fields (sources/README.md).
    corroborating: bool = False

    def where(self, name: str) -> int:
        return self.lines.get(name, self.line)


@dataclass
class Source:
    """A source document: its metadata, its text and its records."""

    path: Path
    shown: str  # the path as shown in messages (relative to the repository where possible)
    id: str
    kind: str
    meta: dict[str, Any]
    meta_lines: dict[str, int]
    text: str
    text_path: Path
    records: list[Record]


def source_files(sources_dir: Path = SOURCES_DIR) -> list[Path]:
    """Every source file (sources/*.yaml, drafts excluded), in file-name order. An entry that looks like a source
    but cannot be read as one (a `.yml` file, a folder named `x.yaml`, a dangling or looping symlink…) is an
    InvalidData problem, never skipped (graph/integrity.py)."""
    if not sources_dir.is_dir():
        raise UsageError(f"{sources_dir}: no such directory")
    files, problems = integrity.source_entries(sources_dir, shown_path)
    if problems:
        raise InvalidData(problems)
    if not files:
        raise UsageError(f"{sources_dir}: no source files (*.yaml)")
    return files


def shown_path(path: Path) -> str:
    """The path relative to the repository where possible. Its folder is resolved, not the entry itself, so that a
    symlink is shown by its own name and a dangling or looping one does not fail here."""
    path = Path(path)
    name = path.name
    resolved = Path(os.path.realpath(path if name in ("", ".", "..") else path.parent))
    if name not in ("", ".", ".."):
        resolved = resolved / name
    try:
        return str(resolved.relative_to(ROOT))
    except ValueError:
        return str(path)


def read_source(path: Path) -> Source:
    """Parse and check one source file on its own; raise InvalidData listing every problem found."""
    shown = shown_path(path)
    data = read_yaml(path, shown)
    problems: list[Problem] = integrity.string_problems(data, shown)
    if not isinstance(data, LinedDict):
        problems.append(Problem(shown, 1, "", "a source file is a mapping with `document` and `records`"))
        raise InvalidData(problems)
    for key in data:
        if key in DRAFT_NOTES:
            if not isinstance(data[key], list) and data[key] is not None:
                problems.append(Problem(shown, data.line_of(key), key, "a draft's notes are a list"))
        elif key not in ("document", "records"):
            problems.append(Problem(shown, data.line_of(key), key, "unknown top-level field"))
    doc = data.get("document")
    if not isinstance(doc, LinedDict):
        raise InvalidData(problems + [Problem(shown, data.line_of("document"), "document", "required mapping")])
    meta, meta_lines = _read_document(doc, shown, problems)
    text, text_path = "", path
    if "text" in meta:
        located, reason = integrity.text_location(path.parent, meta["text"])
        if located is None:
            problems.append(Problem(shown, doc.line_of("text"), "document.text", reason))
        else:
            text_path = located
            text = _read_text(text_path, shown, doc.line_of("text"), problems)
    records_data = data.get("records")
    source = Source(path, shown, meta.get("id", ""), meta.get("kind", ""), meta, meta_lines, text, text_path, [])
    if not isinstance(records_data, LinedList):
        problems.append(Problem(shown, data.line_of("records"), "records", "required list of records"))
    else:
        seen: dict[str, int] = {}
        for index, (item, line) in enumerate(zip(records_data, records_data.item_lines)):
            record = _read_record(source, item, index, line, problems)
            if record is None:
                continue
            if record.id in seen:
                problems.append(
                    Problem(shown, record.line, f"records[{index}].id",
                            f"id {record.id!r} is already used in this file at line {seen[record.id]}")
                )
                continue
            seen[record.id] = record.line
            source.records.append(record)
    if problems:
        raise InvalidData(problems)
    return source


def _read_document(doc: LinedDict, shown: str, problems: list[Problem]) -> tuple[dict[str, Any], dict[str, int]]:
    meta: dict[str, Any] = {}
    for key in doc:
        if key not in DOCUMENT_FIELDS:
            problems.append(Problem(shown, doc.line_of(key), f"document.{key}", "unknown field"))
    for key, required in DOCUMENT_FIELDS.items():
        where = doc.line_of(key)
        name = f"document.{key}"
        if key not in doc or doc[key] in (None, ""):
            if required:
                problems.append(Problem(shown, doc.line, name, "required"))
            continue
        value = doc[key]
        if key in ("id", "publisher", "translationOf"):
            if not isinstance(value, str) or not SLUG.match(value):
                problems.append(Problem(shown, where, name, f"{value!r} is not an id (lower-case words joined by -)"))
                continue
        elif key == "kind" and value not in DOCUMENT_KINDS:
            problems.append(Problem(shown, where, name, f"{value!r} is not one of {', '.join(DOCUMENT_KINDS)}"))
            continue
        elif key == "language" and (not isinstance(value, str) or not LANG.match(value)):
            problems.append(Problem(shown, where, name, f"{value!r} is not a language tag such as en"))
            continue
        elif key == "published":
            parsed = parse_date(value)
            if isinstance(parsed, str):
                problems.append(Problem(shown, where, name, parsed))
                continue
            value = parsed
        elif key == "url" and (not isinstance(value, str) or not URL.match(value)):
            problems.append(Problem(shown, where, name, f"{value!r} is not an http(s) URL"))
            continue
        elif not isinstance(value, str):
            problems.append(Problem(shown, where, name, "must be text"))
            continue
        meta[key] = value
    return meta, {k: doc.line_of(k) for k in doc}


def _read_text(text_path: Path, shown: str, line: int, problems: list[Problem]) -> str:
    try:
        raw = text_path.read_bytes()
    except FileNotFoundError:
        problems.append(Problem(shown, line, "document.text", f"no such file {shown_path(text_path)}"))
        return ""
    except OSError as exc:  # an I/O error, not bad data: exit 2, as for an unreadable source file
        raise UsageError(f"{shown_path(text_path)}: cannot read ({exc.strerror}), named by {shown}:{line}") from exc
    if b"\x00" in raw:
        problems.append(Problem(shown, line, "document.text", f"{shown_path(text_path)} is binary, not text"))
        return ""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(shown, line, "document.text", f"{shown_path(text_path)} is not UTF-8 ({exc.reason})"))
        return ""
    text = integrity.normalize_text(text)  # no BOM, LF line endings: before any offset is computed
    if not text.strip():
        problems.append(Problem(shown, line, "document.text", f"{shown_path(text_path)} is empty"))
    refused = integrity.text_problems(text, shown_path(text_path))
    if refused:
        problems.append(Problem(shown, line, "document.text", f"{shown_path(text_path)} holds refused characters "
                                                             "(listed with their line)"))
        problems.extend(refused)
    return text


def _read_record(source: Source, item: Any, index: int, line: int, problems: list[Problem]) -> Record | None:
    shown = source.shown
    at = f"records[{index}]"
    if not isinstance(item, LinedDict):
        problems.append(Problem(shown, line, at, "a record is a mapping with at least id, a and quote"))
        return None
    rid, kind_name = item.get("id"), item.get("a")
    if isinstance(rid, str) and SLUG.match(rid):
        at = f"records[{index}] ({rid})"
    else:
        problems.append(Problem(shown, item.line_of("id"), f"{at}.id",
                                f"{rid!r} is not an id (lower-case words joined by -)" if rid else "required"))
        return None
    kind = KINDS.get(kind_name) if isinstance(kind_name, str) else None
    if kind is None:
        problems.append(Problem(shown, item.line_of("a"), f"{at}.a",
                                f"unknown kind {kind_name!r}; kinds: {', '.join(sorted(KINDS))}"
                                if kind_name else "required"))
        return None
    allowed = {**COMMON, **kind.fields}
    record = Record(source, rid, kind.name, item.line, {}, {k: item.line_of(k) for k in item})
    # A statement record with nothing but the corroboration fields corroborates the full record of the same id in
    # another source (builder.check_sources checks that there is exactly one): its kind's required fields are not
    # asked of it.
    record.corroborating = not kind.entity and set(item) - {"confirmed"} <= CORROBORATION
    before = len(problems)
    _check_confirmed(item, shown, at, problems)
    for key in item:
        if key == "confirmed":
            continue
        if key not in allowed:
            problems.append(Problem(shown, item.line_of(key), f"{at}.{key}",
                                    f"unknown field for a {kind.name}; fields: {', '.join(sorted(allowed))}"))
    for key, spec in allowed.items():
        if key not in item or item[key] in (None, "", []):
            if spec.required and not (record.corroborating and key not in CORROBORATION):
                problems.append(Problem(shown, item.line, f"{at}.{key}", f"required for a {kind.name}"))
            continue
        value = _parse_value(spec, item[key])
        if isinstance(value, _Bad):
            problems.append(Problem(shown, item.line_of(key), f"{at}.{key}", value.message))
            continue
        record.values[key] = value
        if spec.type == "id":
            record.refs.append((key, value, item.line_of(key)))
        elif spec.type == "ids":
            record.refs.extend((key, v, item.line_of(key)) for v in value)
    if source.kind == "reference":
        for key in ("row", "confidence"):
            if key not in record.values:
                problems.append(Problem(shown, item.line, f"{at}.{key}", "required in a reference document"))
        if not record.values.get("urls") and not record.values.get("citations"):
            problems.append(Problem(shown, item.line, f"{at}.urls", "a reference record needs urls or citations"))
    elif source.kind == "article":
        for key in ("row", "confidence", "urls", "citations"):
            if key in record.values:
                problems.append(Problem(shown, item.line_of(key), f"{at}.{key}",
                                        "only records of a reference document carry this field"))
    if kind.name in ("DiplomaticRelation", "Partnership") and "parties" in record.values \
            and len(record.values["parties"]) != 2:
        problems.append(Problem(shown, item.line_of("parties"), f"{at}.parties", "needs exactly two countries"))
    given = {k for k in ("amount", "currency") if item.get(k) not in (None, "")}
    if len(given) == 1:
        have, missing = ("amount", "currency") if "amount" in given else ("currency", "amount")
        problems.append(Problem(shown, item.line_of(have), f"{at}.{missing}",
                                f"required with `{have}`: an amount of money needs both amount and currency"))
    if kind.name in ("Tenure", "Membership"):
        start, end = record.values.get("start"), record.values.get("end")
        if start and end and _sort_key(end) < _sort_key(start):
            problems.append(Problem(shown, item.line_of("end"), f"{at}.end",
                                    f"ends ({end.lexical}) before it starts ({start.lexical})"))
    return record if len(problems) == before else None


def _check_confirmed(item: LinedDict, shown: str, at: str, problems: list[Problem]) -> None:
    """A record from a draft: `confirmed: true` keeps it; `confirmed: false` means no curator has checked it yet."""
    if "confirmed" not in item:
        return
    value = item["confirmed"]
    if value is False:
        problems.append(Problem(shown, item.line_of("confirmed"), f"{at}.confirmed",
                                "unconfirmed draft record: check it against the text, then delete "
                                "`confirmed: false` (or set it to true), or delete the record"))
    elif value is not True:
        problems.append(Problem(shown, item.line_of("confirmed"), f"{at}.confirmed", f"{value!r} is not true or false"))


#: Above this many bytes of source files, `read_sources` reads every other file in a forked child process.
PARALLEL_BYTES = 4 << 20


def read_sources(files: list[Path], each=iter) -> list[Source | InvalidData | Exception]:
    """`read_source` of every file, in order: its Source, or what it raised. The sources' YAML (libyaml, holding
    the GIL) is the build's only work at that point, so on a large build (PARALLEL_BYTES) a child process forked
    for the purpose reads every other file while this one reads the rest (at 1M triples: 4.1 -> 2.4 CPU s here;
    the child's Sources come back pickled, 9 MB). `each` wraps the files this process reads (a progress bar).
    Serial where a fork is unsafe (threads running) or unavailable."""
    import threading

    if (len(files) < 2 or sum(path.stat().st_size for path in files) < PARALLEL_BYTES
            or threading.active_count() > 1 or not hasattr(os, "fork")):
        return [_read_caught(path) for path in each(files)]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        theirs = pool.submit(_read_in_child, files[1::2])
        mine = [_read_caught(path) for path in each(files[0::2])]
        # a file that failed in the child is read again here (InvalidData's pickle would not give its problems back)
        theirs = [_read_caught(path) if source is None else source
                  for path, source in zip(files[1::2], theirs.result())]
    found: list = [None] * len(files)
    found[0::2], found[1::2] = mine, theirs
    return found


def _read_caught(path: Path) -> Source | Exception:
    try:
        return read_source(path)
    except Exception as exc:  # handed to the caller in the file's place (InvalidData: its problems are listed)
        return exc


def _read_in_child(files: list[Path]) -> list[Source | None]:
    """`read_source` of each file (sent back as one pickled list: the Sources and their records share objects);
    None for a file that raised, which the parent reads again for its error."""
    return [None if isinstance(source, Exception) else source for source in map(_read_caught, files)]
