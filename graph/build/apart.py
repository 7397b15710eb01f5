"""pyoxigraph's parser and serializer run in a child process, for the large texts of a build (cckg.ttl and data.ttl,
cckg.trig).

In a thread they are not free work: `ox.serialize(ox.parse(…))` hands every triple from the parser to the
serializer through Python's iterator protocol, so it takes the GIL once a triple, and beside a thread doing Python
work (the main job's writers) the two pass the GIL back and forth: at 1M triples a Turtle serialization of 1.4 s
alone had not ended after minutes beside a busy Python loop (bench/apart.py). A child process has an interpreter
of its own. The text goes to it in a temporary file, written in one call per piece (a pipe would be fed in small
writes, each taking the GIL again); the child reads it and writes its serialization as streams, and the file is
read back in one call. The child is this file run as a script, which calls the function it is given.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

#: Texts smaller than this are serialized in this process (starting a child costs about 60 ms; the real build's
#: text, about 4 MB, is written by a child, so that the release tests hold its bytes).
APART_BYTES = 1 << 20


def serialize(pieces: bytes | Iterable[bytes], *, source: str, target: str, prefixes: dict[str, str],
              lenient: bool) -> bytes:
    """pyoxigraph's `serialize(parse(text, source, lenient), target, prefixes)` of the text made of `pieces` (one
    bytes or several, concatenated), in a child process; the same bytes as in this one. `source` and `target` name
    members of `pyoxigraph.RdfFormat` (N_TRIPLES, N_QUADS, TURTLE, TRIG). A text the child cannot parse or write
    raises ValueError with its message."""
    return call(f"write {target} from {source}", f"{__name__}:_serialize", {"text": pieces}, ("serialized",),
                source, target, json.dumps(prefixes), "lenient" if lenient else "strict")[0]


def call(what: str, function: str, given: dict[str, bytes | Iterable[bytes]], made: tuple[str, ...],
         *flags: str) -> list[bytes]:
    """`function` ("package.module:name", a function of file paths and flags) called in a child process as
    function(*paths of `given`, *paths of `made`, *flags): `given` texts (bytes, or pieces) written to temporary
    files for it, the files it makes (named by `made`) read back, in that order. `what` says what it does, for the
    error raised (ValueError) if it fails."""
    with tempfile.TemporaryDirectory(prefix="cckg-apart-") as folder:
        inputs = [_write(Path(folder) / f"in-{name}", pieces) for name, pieces in given.items()]
        outputs = [Path(folder) / f"out-{name}" for name in made]
        _run(what, function, *inputs, *outputs, *flags)
        return [path.read_bytes() for path in outputs]


def _write(path: Path, pieces: bytes | Iterable[bytes]) -> Path:
    with open(path, "wb") as handle:
        for piece in [pieces] if isinstance(pieces, bytes | bytearray | memoryview) else pieces:
            handle.write(piece)
    return path


def _run(what: str, *args) -> None:
    done = subprocess.run([sys.executable, __file__, *map(str, args)], stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ValueError(f"pyoxigraph in a child process could not {what} (exit status {done.returncode}): "
                         f"{said[-1] if said else 'no message'}")


def _serialize(given: str, written: str, source: str, target: str, prefixes: str, mode: str) -> None:
    import pyoxigraph as ox

    # read and written as streams: the child holds neither the text nor its serialization whole
    ox.serialize(ox.parse(path=given, format=getattr(ox.RdfFormat, source), lenient=mode == "lenient"),
                 written, format=getattr(ox.RdfFormat, target), prefixes=json.loads(prefixes))


def _call(function: str, *args: str) -> None:
    sys.path[0] = str(Path(__file__).resolve().parents[2])  # the project, not this folder (run as a script)
    import importlib

    module, _, name = function.partition(":")
    getattr(importlib.import_module(module), name)(*args)


if __name__ == "__main__":
    try:
        _call(*sys.argv[1:])
    except (SyntaxError, ValueError, OSError) as error:  # pyoxigraph's parse errors are SyntaxErrors
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
