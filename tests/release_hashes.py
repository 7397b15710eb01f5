"""The SHA-256 of every file of three releases, held in tests/data/release-hashes.json: the real sources, and the
sources bench/generate.py makes at 10k and 100k triples (seed 3). tests/test_release.py rebuilds them and compares,
so that a change of code that should not change any output (a refactoring) is checked byte for byte.

    python tests/release_hashes.py            # print what differs from the held hashes
    python tests/release_hashes.py --update   # hold the hashes of the current code (after an intended change)

Not held: dist/manifest.json (it records a digest of the code itself) and dist/release.sha256 (it lists the
manifest's hash). The HTML pages (the view's layout, the report's charts) depend on the numeric stack; their hashes
are compared only when networkx, numpy, scipy, matplotlib, pyvis and Jinja2 are the versions they were made with
(recorded in the file), and the other files always.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HASHES = Path(__file__).resolve().parent / "data" / "release-hashes.json"
#: Release name -> the generated size (None: the real sources).
RELEASES = {"real": None, "generated-10k": 10_000, "generated-100k": 100_000}
SEED = 3
NOT_HELD = {"manifest.json", "release.sha256"}
DRAWING_STACK = ("networkx", "numpy", "scipy", "matplotlib", "pyvis", "Jinja2")


def stack_versions() -> dict[str, str]:
    return {name: metadata.version(name) for name in DRAWING_STACK}


def sources_of(name: str, work: Path) -> Path:
    """The sources folder of a release: the project's, or generated into `work`."""
    size = RELEASES[name]
    if size is None:
        return ROOT / "sources"
    from bench.generate import generate

    out = work / f"{name}-sources"
    if not out.is_dir():
        generate(out, triples=size, seed=SEED)
    return out


def release_hashes(out: Path, sources: Path) -> dict[str, str]:
    """{relative path: sha256} of every file of a written release, but NOT_HELD. The validation report names the
    sources' files as seen from the checkout, so a generated folder's place (a temporary folder) is written as
    `<sources>` before hashing."""
    found = {}
    for path in sorted(out.rglob("*")):
        if path.is_file() and path.name not in NOT_HELD:
            content = path.read_bytes()
            if path.name == "validation-report.txt":
                content = content.replace(str(sources).encode("utf-8"), b"<sources>")
            found[path.relative_to(out).as_posix()] = hashlib.sha256(content).hexdigest()
    return found


def build_release(name: str, work: Path) -> dict[str, str]:
    """Build a release as `python build.py` does (version 0.1.0, so that a version bump changes nothing) and hash it."""
    from graph import api
    from graph.build import pipeline

    sources = sources_of(name, work)
    result = pipeline.build(sources_dir=sources, version="0.1.0")
    out = work / name
    api.write_release(result, out)
    return release_hashes(out, sources)


def compare(held: dict, found: dict, versions: dict) -> list[str]:
    """What differs: missing, extra or changed files (HTML only when the drawing stack is the one held)."""
    same_stack = held.get("stack") == versions
    problems = []
    for path in sorted(set(held["files"]) | set(found)):
        if path.endswith(".html") and not same_stack:
            continue
        if path not in found:
            problems.append(f"{path}: not written")
        elif path not in held["files"]:
            problems.append(f"{path}: not held (new file)")
        elif held["files"][path] != found[path]:
            problems.append(f"{path}: changed")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="write the hashes of the current code")
    parser.add_argument("--only", choices=sorted(RELEASES), help="one release")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    held = json.loads(HASHES.read_text(encoding="utf-8")) if HASHES.is_file() else {}
    names = [args.only] if args.only else list(RELEASES)
    with tempfile.TemporaryDirectory() as tmp:
        found = {name: build_release(name, Path(tmp)) for name in names}
    versions = stack_versions()
    if args.update:
        for name in names:
            held[name] = {"stack": versions, "files": found[name]}
        HASHES.write_text(json.dumps(held, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {HASHES.relative_to(ROOT)}: " + ", ".join(f"{n} ({len(found[n])} files)" for n in names))
        return 0
    status = 0
    for name in names:
        problems = compare(held.get(name, {"files": {}}), found[name], versions)
        print(f"{name}: " + ("byte-identical" if not problems else "; ".join(problems)))
        status |= bool(problems)
    return status


if __name__ == "__main__":
    sys.exit(main())
