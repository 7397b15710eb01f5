"""dist/manifest.json: what the last build was made from, so that `export` can read that build instead of building
and validating the graph again.

The manifest records a digest of the build's inputs: every file of the sources folder (the YAML files, their
texts, the drafts), the ontology as loaded and version-stamped (its sorted N-Triples), and the code of the library
and the view (a change to the code may change any output). It also records the digest of dist/cckg.nq, the
file a later `export` reads the graph from. It holds no time and no absolute path, so a rebuild of the same inputs
writes the same bytes.

A current build is read back from its dump at any size: each named graph's N-Quads lines become the N-Triples
lines the build kept (graph/loading.py), and the store is loaded from them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from graph import paths

NAME = "manifest.json"
#: The dump a current build is read back from: one named graph per source document, the ontology's, VoID's.
DUMP = "cckg.nq"
FORMAT = 2  # 2: any build is read back (1 had "large" and read back the small ones only)


def _files_digest(folder: Path, patterns: tuple[str, ...] = ("*",)) -> str:
    digest = hashlib.sha256()
    files = sorted({p for pattern in patterns for p in folder.rglob(pattern) if p.is_file()
                    and "__pycache__" not in p.parts})
    for path in files:
        digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def code_digest() -> str:
    """The library's and the view's code and templates (every stage of graph/, and viz/)."""
    package = Path(__file__).resolve().parent.parent  # graph/; viz/ sits beside it (in a checkout and installed)
    return hashlib.sha256((_files_digest(package, ("*.py",)) + _files_digest(package.parent / "viz", ("*.py", "*.j2"))
                           ).encode("ascii")).hexdigest()


def ontology_digest(ontology) -> str:
    """The loaded, version-stamped ontology graph (so the release version is part of it)."""
    lines = sorted(f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in ontology)
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def inputs(sources_dir: Path, ontology) -> dict[str, str]:
    return {"sources": _files_digest(sources_dir), "ontology": ontology_digest(ontology), "code": code_digest()}


def write_build_outputs(result, out_dir: Path, *, quiet: bool = True) -> dict[str, Path]:
    """The main build's last writer (graph.api.MAIN_WRITERS): dist/manifest.json, after every other output."""
    from graph.build.output import write_atomically

    sources_dir = result.sources[0].path.parent if result.sources else paths.SOURCES_DIR
    dump = out_dir / DUMP
    manifest = {
        "format": FORMAT,
        "cckg": paths.version(),
        "release": result.version,
        "inputs": inputs(sources_dir, result.ontology),
        "files": {DUMP: _file_digest(dump)} if dump.is_file() else {},
    }
    path = out_dir / NAME
    write_atomically({path: (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")})
    return {"manifest": path}


def _file_digest(path: Path) -> str:
    """The SHA-256 of a file, read a block at a time (the dump is ~190 MB at 1M triples: never read whole)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def current(out_dir: Path, sources_dir: Path, ontology) -> dict | None:
    """The manifest of `out_dir` if its build was made from these inputs (sources, stamped ontology, code) and its
    dump is intact and readable back (a reference-path build); else None."""
    try:
        manifest = json.loads((out_dir / NAME).read_text(encoding="utf-8"))
        digest = _file_digest(out_dir / DUMP)
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return None
    if manifest.get("inputs") != inputs(sources_dir, ontology):
        return None
    if manifest.get("files", {}).get(DUMP) != digest:
        return None
    return manifest


def read_build(out_dir: Path, sources_dir: Path, ontology, manifest: dict, *, quiet: bool = True):
    """The build `manifest` describes, read back from dist/cckg.nq: each source document's named graph and the
    ontology graph as the build made them (their lines), with the sources' records (read, not built or validated
    again). The rdflib dataset is made from the sources if asked for, as for a fresh build."""
    from graph.build import derive, loading, pipeline, validate
    from graph.namespaces import KG, ONTOLOGY

    sources = pipeline.load_sources(sources_dir)
    names = {f"<{KG[s.id]}>": s.id for s in sources}
    ontology_name = f"<{ONTOLOGY}>"
    derived_name = f"<{derive.DERIVED_GRAPH}>"
    graphs: dict[str, set[str]] = {name: set() for name in [ontology_name, *names, derived_name]}
    with open(out_dir / DUMP, encoding="utf-8") as dump:
        for line in dump:  # `s p o <graph> .`: the graph's IRI and the dot are the last two tokens
            triple, name, _ = line.rsplit(" ", 2)
            found = graphs.get(name)
            if found is not None:  # the VoID description is left out: the exporter writes its own
                found.add(triple + " .")
    loaded = loading.start(graphs[ontology_name])
    for name, source_id in names.items():
        loading.add_source(loaded, source_id, graphs[name])
    loading.add_derived(loaded, graphs[derived_name])  # the derived shortcuts, as the build derived them
    result = pipeline.Build(manifest["release"], ontology, sources, validate.Report(), loaded,
                            text_root=sources_dir.resolve().parent)
    result.counts = {"triples (all)": len(loaded.ontology_lines | loaded.data_lines | loaded.derived_lines)}
    return result
