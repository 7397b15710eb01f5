"""A release written all or nothing: the build's whole output folder is made next to it and swapped into place.

    with Release(out_dir) as stage:     # stage: a fresh folder beside out_dir, e.g. .dist.building-k3j9…
        ...write every file into stage...
    # on success: stage/release.sha256 lists every file, and stage and out_dir are exchanged in one
    # renameat2(RENAME_EXCHANGE) (Linux); the previous release, now at the stage's name, is removed.

A reader of `dist/` (a user, `serve`, `query`) therefore sees the previous release or the new one, whole, never a
mix: a build killed at any moment leaves the previous release untouched, and its half-written stage behind, which
the next build removes (a stage is locked with flock while its build runs, so a running build's stage is never
taken for a stale one). Where the kernel or file system has no atomic exchange, the previous release is first
renamed aside (`.dist.previous-…`) and the new one renamed in: a build killed between the two renames leaves no
`dist/`, and the next build puts the previous release back before anything else.

The build owns its output folder: files other commands wrote into it (`export`, `view` with their default paths)
describe the release they were made from and go with it when the next build replaces it. To protect a folder that
is not a release, an existing non-empty output folder is replaced only if it holds a manifest, or a validation
report of a build from before manifests, or only files a build or export writes; otherwise it is a usage error.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import os
import re
import secrets
import shutil
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX: no locks; a stage is then taken as stale only when its build is gone
    fcntl = None

from graph.errors import UsageError

MANIFEST = "release.sha256"
_REPORT_HEAD = "China–Central Asia Knowledge Graph — validation report"
#: Names a build, `export` or `view` writes by default, and their temporaries: an output folder from before
#: manifests that holds only these is a release.
_KNOWN = re.compile(r"^(cckg(-[a-z]+)*\.(ttl|nt|nq|trig|jsonld|rdf|graphml|gexf|csv)|ontology\.ttl|data\.ttl|"
                    r"void\.ttl|validation-report\.txt|graph\.html|report\.html|view\.html|\..+\.tmp)$")
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


class Release:
    """The context in which a build writes its release; see the module's docstring."""

    def __init__(self, out_dir: Path):
        self.out = Path(out_dir)
        self.target = Path(os.path.realpath(out_dir))  # a symlinked dist/ is followed: its folder is replaced
        self.stage: Path | None = None
        self._lock: int | None = None

    def __enter__(self) -> Path:
        parent = self.target.parent
        parent.mkdir(parents=True, exist_ok=True)
        recover(self.target)
        _check_replaceable(self.out, self.target)
        clean_stale(self.target)
        self.stage, self._lock = _new_stage(self.target)
        return self.stage

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                write_manifest(self.stage)
                _fsync(self.stage)
                _swap(self.stage, self.target)
                _fsync(self.target.parent)
        finally:
            shutil.rmtree(self.stage, ignore_errors=True)  # after a swap: the previous release
            if self._lock is not None:
                os.close(self._lock)

    def final(self, path: Path) -> Path:
        """Where a file written into the stage is found once the release is in place."""
        return self.out / Path(path).relative_to(self.stage)


def write_manifest(folder: Path) -> Path:
    """folder/release.sha256: `sha256  path` for every other file, in sub-folders too (dist/country/), sorted by
    path relative to the folder (so `sha256sum -c` checks a release). The files are hashed on two threads
    (hashlib hashes without the GIL): this is the last step of a build, when the other core is idle."""
    from concurrent.futures import ThreadPoolExecutor

    files = [path for path in sorted(folder.rglob("*"), key=lambda p: p.relative_to(folder).as_posix())
             if path.relative_to(folder).as_posix() != MANIFEST and path.is_file() and not path.is_symlink()]
    with ThreadPoolExecutor(2, thread_name_prefix="cckg-manifest") as pool:
        digests = list(pool.map(_file_sha256, files))
    lines = [f"{digest}  {path.relative_to(folder).as_posix()}\n" for path, digest in zip(files, digests)]
    manifest = folder / MANIFEST
    with open(manifest, "w", encoding="utf-8") as handle:
        handle.writelines(lines)
        handle.flush()
        os.fsync(handle.fileno())
    return manifest


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stage_names(target: Path) -> tuple[str, str]:
    return f".{target.name}.building-", f".{target.name}.previous-"


def _new_stage(target: Path) -> tuple[Path, int | None]:
    building, _ = _stage_names(target)
    for _ in range(100):
        stage = target.parent / f"{building}{secrets.token_hex(6)}"
        try:
            os.mkdir(stage, 0o777)  # the umask applies, as for a folder made by hand
        except FileExistsError:
            continue
        lock = os.open(stage, os.O_RDONLY)
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        # Between mkdir and flock another build's clean_stale may have taken the empty folder for stale: make sure
        # the locked folder is the one at the name.
        try:
            if os.stat(stage).st_ino == os.fstat(lock).st_ino:
                return stage, lock
        except FileNotFoundError:
            pass
        os.close(lock)
    raise UsageError(f"{target.parent}: cannot make a fresh folder for the release")


def _locked_by_a_build(path: Path) -> bool:
    if fcntl is None:
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return True  # gone or unreadable: leave it
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)  # also releases the probe's lock


def clean_stale(target: Path) -> list[Path]:
    """Remove what killed builds left beside `target`: stages and set-aside releases whose build is gone."""
    removed = []
    prefixes = _stage_names(target)
    for entry in sorted(target.parent.iterdir()):
        if entry.name.startswith(prefixes) and entry.is_dir() and not entry.is_symlink():
            if not _locked_by_a_build(entry):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
    return removed


def recover(target: Path) -> None:
    """If a build was killed between the two renames of the fallback swap, `target` is missing and the previous
    release sits aside: put it back."""
    if target.exists() or target.is_symlink():
        return
    _, previous = _stage_names(target)
    aside = sorted(p for p in target.parent.glob(f"{previous}*") if p.is_dir() and not _locked_by_a_build(p))
    if aside:
        os.rename(aside[-1], target)


def _check_replaceable(out: Path, target: Path) -> None:
    if not target.exists():
        return
    if not target.is_dir():
        raise UsageError(f"{out}: exists and is not a folder")
    names = os.listdir(target)
    if not names or MANIFEST in names or all(_KNOWN.match(n) for n in names):
        return
    report = target / "validation-report.txt"
    try:
        with open(report, encoding="utf-8") as handle:
            if handle.readline().strip() == _REPORT_HEAD:
                return
    except (OSError, UnicodeDecodeError):
        pass
    raise UsageError(f"{out}: not a build's output folder (no {MANIFEST}, and it holds files no build writes, e.g. "
                     f"{sorted(n for n in names if not _KNOWN.match(n))[0]}); a build replaces its output folder "
                     "whole, so choose a new or empty one")


def _swap(stage: Path, target: Path) -> None:
    """Put `stage` at `target` in one step; afterwards `stage` holds the previous release (or nothing)."""
    if not target.exists():
        try:
            os.rename(stage, target)  # nothing there yet: one rename
            return
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
    if _exchange(stage, target):
        return
    _, previous = _stage_names(target)
    aside = target.parent / f"{previous}{secrets.token_hex(6)}"
    os.rename(target, aside)
    os.rename(stage, target)
    os.rename(aside, stage)


def _exchange(a: Path, b: Path) -> bool:
    """renameat2(a, b, RENAME_EXCHANGE): True if done, False where the system lacks it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _fsync(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
