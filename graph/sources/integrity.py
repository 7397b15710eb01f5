"""What the build refuses before it trusts a name, a path or a string (sources/README.md, "What the build refuses"):

* entries of sources/ that look like a source but are not a plain `*.yaml` file in it (a `.yml` file, a folder
  named `x.yaml`, a dangling or looping symlink, a symlink leading out of the folder, a FIFO…), so that no source
  is skipped in silence;
* a `text:` that does not resolve to a regular file inside sources/texts/ (absolute, `..`, a symlink out of it,
  a symlink loop);
* control characters (C0 but tab and line feed, DEL, C1), NUL, bidi embedding/override/isolate and mark characters,
  a byte-order mark and lone surrogates, in any string of a source file and in a text;
* a record that is part of itself through a hierarchy field (`partOf`, `parent`, `region`/`country`, `series`).

Texts are read with a leading UTF-8 byte-order mark stripped and CRLF/CR line endings turned into LF, before any
offset is computed (`normalize_text`).
"""

from __future__ import annotations

import errno
import os
import re
import stat
import unicodedata
from pathlib import Path, PurePosixPath
from typing import Any

from rdflib import URIRef

from graph.errors import REFUSED, Problem, UsageError
from graph.namespaces import CCKG, DCTERMS, ORG, SDO, SKOS

SOURCE_SUFFIX = ".yaml"
#: Names that look like a YAML file whatever their case (`x.yml`, `x.YAML`): read only when the name ends `.yaml`.
_YAML_LIKE = re.compile(r"\.ya?ml$", re.I)
#: Folders of sources/ with their own job: texts, and the drafts `add-source` writes (never loaded).
OWN_FOLDERS = ("texts", "drafts")

#: Characters refused in every string of a source file and in every text. C0 controls but tab and line feed (a
#: carriage return never survives normalize_text in a text; YAML turns raw line breaks into \n), DEL and C1; the
#: bidi controls that reorder or hide text (U+202A–U+202E embeddings and overrides, U+2066–U+2069 isolates, the
#: marks U+200E, U+200F and U+061C: invisible, so two labels that look the same would differ); a byte-order mark
#: inside text (U+FEFF); and lone surrogates (only reachable through a YAML escape, and not writable as UTF-8).

#: Record-to-record fields that build a hierarchy (the predicates they write): none may lead back to its record.
HIERARCHY_PREDICATES = frozenset({
    CCKG.partOf, ORG.subOrganizationOf, ORG.unitOf, SDO.containedInPlace, SDO.superEvent, SDO.isPartOf,
    SDO.parentOrganization, DCTERMS.isPartOf, SKOS.broader,
})


# ------------------------------------------------------------------------------------------ entries of sources/


def source_entries(sources_dir: Path, shown) -> tuple[list[Path], list[Problem]]:
    """The source files of `sources_dir` (its `*.yaml` files, in name order) and a problem for every entry that
    looks like a source but cannot be read as one. `shown(path)` is how a path appears in messages."""
    files: list[Path] = []
    problems: list[Problem] = []
    root = os.path.realpath(sources_dir)
    try:
        entries = sorted(os.scandir(sources_dir), key=lambda e: e.name)
    except OSError as exc:
        raise UsageError(f"{shown(sources_dir)}: cannot list ({exc.strerror})") from exc
    for entry in entries:
        if entry.name.startswith(".#"):  # an editor's lock file (Emacs: a dangling symlink), never a source
            continue
        path = Path(entry.path)

        def refuse(message: str) -> None:
            problems.append(Problem(shown(path), 0, "", message))

        yaml_like = bool(_YAML_LIKE.search(entry.name))
        if entry.is_symlink():
            target = os.readlink(entry.path)
            try:
                real = os.path.realpath(entry.path, strict=True)
            except OSError as exc:  # no folder has a reason to hold a link to nothing
                refuse(f"a symlink loop ({target})" if exc.errno == errno.ELOOP else
                       f"a dangling symlink to {target} (no such file)")
                continue
            if yaml_like or _YAML_LIKE.search(real):
                if not _inside(real, root):
                    refuse(f"a symlink to {real}, outside {shown(sources_dir)}: keep source files in the folder")
                    continue
                if not _YAML_LIKE.search(entry.name):
                    refuse(f"a symlink to the YAML file {os.path.basename(real)} under a name that does not end "
                           f"in {SOURCE_SUFFIX}: name it NNN-<id>{SOURCE_SUFFIX} to load it, or remove it")
                    continue
        if not yaml_like:
            if entry.name not in OWN_FOLDERS and not entry.name.startswith(".") and _is_dir(entry):
                held = _yaml_names(entry.path)
                if held:
                    refuse(f"a folder holding {len(held)} YAML file(s) ({', '.join(held[:3])}"
                           f"{', …' if len(held) > 3 else ''}) that the build does not load: sources are read "
                           f"from {shown(sources_dir)}/*{SOURCE_SUFFIX} only (drafts go in drafts/)")
            continue
        if not entry.name.endswith(SOURCE_SUFFIX):
            refuse(f"not loaded: source files end in {SOURCE_SUFFIX} (rename it to "
                   f"{_YAML_LIKE.sub(SOURCE_SUFFIX, entry.name)})")
            continue
        try:
            mode = entry.stat().st_mode
        except OSError as exc:
            raise UsageError(f"{shown(path)}: cannot read ({exc.strerror})") from exc
        if stat.S_ISDIR(mode):
            refuse(f"a folder, not a source file (a source is a YAML file named *{SOURCE_SUFFIX})")
        elif not stat.S_ISREG(mode):
            refuse("not a regular file (a FIFO, socket or device): a source is a YAML file")
        else:
            files.append(path)
    return files, problems


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _yaml_names(folder: str) -> list[str]:
    try:
        return sorted(e.name for e in os.scandir(folder) if _YAML_LIKE.search(e.name))
    except OSError:
        return []


def _inside(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


# ---------------------------------------------------------------------------------------------------- texts


def text_location(source_dir: Path, value: str) -> tuple[Path | None, str]:
    """Where `document.text` points: (the resolved file, "") if it is a regular file inside source_dir/texts/,
    else (None, the reason). A missing file gives (the path, "no such file …"), as the build always said."""
    rel = PurePosixPath(value)
    if rel.is_absolute() or os.path.isabs(value) or re.match(r"^[A-Za-z]:[\\/]", value):
        return None, f"{value!r} is an absolute path: write it relative to the sources folder, as texts/NAME"
    if ".." in rel.parts or "\\" in value:
        return None, f"{value!r} leaves the texts folder: write it as texts/NAME, without .. or backslashes"
    if not rel.parts or rel.parts[0] != "texts" or len(rel.parts) < 2:
        return None, f"{value!r} is not under texts/: a document's text is a file texts/NAME"
    path = source_dir / Path(*rel.parts)
    try:
        real = os.path.realpath(path, strict=True)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, f"{value}: a symlink loop"
        if exc.errno == errno.ENOENT:
            return path, ""  # reported by the reader as "no such file", as before
        return None, f"{value}: cannot resolve ({exc.strerror})"
    try:
        root = os.path.realpath(source_dir / "texts", strict=True)
    except OSError as exc:
        return None, f"the texts folder cannot be resolved ({exc.strerror})"
    if not _inside(real, root):
        return None, f"{value} resolves to {real}, outside the texts folder (a symlink out of it?)"
    try:
        mode = os.stat(real).st_mode
    except OSError as exc:
        return None, f"{value}: cannot read ({exc.strerror})"
    if not stat.S_ISREG(mode):
        return None, f"{value} is not a regular file"
    return Path(real), ""


def normalize_text(text: str) -> str:
    """A text as the build reads it: without a leading byte-order mark, every CRLF or lone CR turned into LF.
    Offsets (oa:start/oa:end, in code points) are computed on this, so a CRLF copy of a text gives the same."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def text_problems(text: str, shown: str) -> list[Problem]:
    """A problem (with line and column) for each of the first few refused characters of a (normalized) text."""
    problems = []
    for m in REFUSED.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        column = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
        problems.append(Problem(shown, line, "", f"column {column}: {describe(m.group())} is not allowed in a text "
                                                  "(remove it from the file)"))
        if len(problems) == 5:
            break
    return problems


def describe(char: str) -> str:
    """U+202E RIGHT-TO-LEFT OVERRIDE, U+0000 (a control character)…: a refused character named, never shown."""
    code = f"U+{ord(char):04X}"
    name = unicodedata.name(char, "")
    if name:
        return f"{code} {name}"
    if "\ud800" <= char <= "\udfff":
        return f"{code} (a lone surrogate)"
    return f"{code} (a control character{', NUL' if char == chr(0) else ''})"


# ------------------------------------------------------------------------------------- strings of a source file


def string_problems(data: Any, shown: str) -> list[Problem]:
    """A problem for every string (key or value, at any depth) of a parsed source file holding a REFUSED
    character, named by its field (`document.title`, `records[2] (wang-yi).altLabels[0]`) and line."""
    problems: list[Problem] = []
    if _any_refused(data):  # the walk that names fields, only for a file that has such a string (rare)
        _walk(data, "", getattr(data, "line", 0), shown, problems)
    return problems


def _any_refused(value: Any) -> bool:
    """Whether any string (key or value, at any depth) holds a REFUSED character: `_walk` without naming the
    fields on the way (their names cost more than the search, about 1 s per million triples of sources)."""
    if isinstance(value, str):
        return REFUSED.search(value) is not None
    if isinstance(value, dict):
        return any(_any_refused(key) or _any_refused(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_any_refused(item) for item in value)
    return False


_RECORD = re.compile(r"^records\[\d+\]$")


def _walk(value: Any, at: str, line: int, shown: str, problems: list[Problem]) -> None:
    if isinstance(value, str):
        m = REFUSED.search(value)
        if m:
            problems.append(Problem(shown, line, at or "(top level)",
                                    f"character {m.start() + 1}: {describe(m.group())} is not allowed in text "
                                    "(control, NUL and bidi characters are refused)"))
    elif isinstance(value, dict):
        name = f"{at} ({value['id']})" if _RECORD.match(at) and isinstance(value.get("id"), str) else at
        line_of = getattr(value, "line_of", lambda key: line)
        for key, item in value.items():
            where = f"{name}.{key}" if name else str(key)
            _walk(key, where, line_of(key), shown, problems)
            _walk(item, where, line_of(key), shown, problems)
    elif isinstance(value, list):
        lines = getattr(value, "item_lines", [])
        for index, item in enumerate(value):
            _walk(item, f"{at}[{index}]", lines[index] if index < len(lines) else line, shown, problems)


# ----------------------------------------------------------------------------------------- hierarchy cycles


def hierarchy_problems(sources) -> list[Problem]:
    """A problem for each record that is part of itself, directly or through others, by one hierarchy field
    (a field whose predicate is in HIERARCHY_PREDICATES), across all sources."""
    from graph.sources.kinds import KINDS

    fields = {(kind.name, name): spec.pred for kind in KINDS.values() for name, spec in kind.fields.items()
              if spec.pred in HIERARCHY_PREDICATES and not spec.inverse and spec.type in ("id", "ids")}
    by_pred: dict[URIRef, dict[str, list[tuple[str, object, str]]]] = {}
    for source in sources:
        for record in source.records:
            for (kind, name), pred in fields.items():
                if record.kind != kind or name not in record.values:
                    continue
                value = record.values[name]
                for target in value if isinstance(value, list) else [value]:
                    by_pred.setdefault(pred, {}).setdefault(record.id, []).append((target, record, name))
    problems = []
    for edges in by_pred.values():
        for cycle, (record, name) in _cycles(edges):
            path = " → ".join(cycle)
            message = (f"{record.id!r} names itself as its {name}" if len(cycle) == 2 else
                       f"a cycle: {path} (a hierarchy must not lead back to a record)")
            problems.append(Problem(record.source.shown, record.where(name), f"{record.id}.{name}", message))
    return problems


def _cycles(edges: dict[str, list[tuple[str, object, str]]]):
    """Each cycle once, as (ids along it, ending with its first; the record and field closing it); iterative
    depth-first search, so a long chain cannot exhaust the stack."""
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    for start in sorted(edges):
        if state.get(start):
            continue
        path: list[str] = [start]
        state[start] = 1
        stack = [iter(edges.get(start, ()))]
        while stack:
            step = next(stack[-1], None)
            if step is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            target, record, name = step
            if state.get(target) == 1:
                yield path[path.index(target):] + [target], (record, name)
            elif not state.get(target):
                state[target] = 1
                path.append(target)
                stack.append(iter(edges.get(target, ())))
