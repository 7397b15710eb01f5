"""`python build.py add-source ARTICLE.txt`: store an article's text and write a draft source file for a curator.

The draft (sources/drafts/<id>.yaml) lists what graph.curate found in the text and holds records marked
`confirmed: false`: entities, tenures, participations and the statements the sentences make, each new or a
corroborating record of what the graph already holds; nothing enters the graph until a curator confirms them and
moves the file to sources/.
Exit codes: 0 draft written; 1 the existing sources are invalid (the graph to match against cannot be built);
2 usage or I/O error (missing, empty, binary or non-UTF-8 article; an existing draft or text without --force).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from graph.curate import draft as curate
from graph.sources import drafts, ontology as onto, read as src
from graph.build import pipeline
from graph.errors import EXIT_OK, UsageError
from graph.build.output import write_atomically


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "add-source", help="store an article's text and draft its source file for a curator to confirm",
        description="Store ARTICLE under sources/texts/, find the graph's entities, dates and posts in it, and "
                    "write sources/drafts/<id>.yaml: its records are stubs marked `confirmed: false`.",
    )
    parser.add_argument("article", type=Path, metavar="ARTICLE.txt", help="the article's text (UTF-8)")
    parser.add_argument("--id", dest="doc_id", help="the document's id (default: from the file name)")
    parser.add_argument("--title", help="the document's title")
    parser.add_argument("--publisher", help="id (or a label) of the publishing organization, if the graph has it")
    parser.add_argument("--date", dest="published", help="publication date, YYYY-MM-DD (also the year of "
                                                          "dates the text gives without one)")
    parser.add_argument("--url", help="where the document was published")
    parser.add_argument("--language", default="en", help="BCP 47 language tag (default: en)")
    parser.add_argument("--sources", type=Path, default=src.SOURCES_DIR,
                        help="sources folder: the graph to match against, and where texts/ and drafts/ are written "
                             "(default: sources/)")
    parser.add_argument("--ontology", type=Path, default=onto.ONTOLOGY_DIR, help=argparse.SUPPRESS)
    parser.add_argument("--force", action="store_true", help="overwrite an existing draft or text of the same name")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the draft's path")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    text, raw = curate.read_article(args.article)
    text_name = _text_name(args.article)
    doc_id = args.doc_id or _slug(Path(text_name).stem)
    sources_dir = args.sources
    text_path = sources_dir / "texts" / text_name
    draft_path = drafts.drafts_dir(sources_dir) / f"{doc_id}.yaml"
    if draft_path.exists() and not args.force:
        raise UsageError(f"{src.shown_path(draft_path)}: a draft already exists (use --force to overwrite it)")
    reuse_text = text_path.exists() and text_path.read_bytes() == raw
    if text_path.exists() and not reuse_text and not args.force:
        raise UsageError(f"{src.shown_path(text_path)}: a different text of that name exists "
                         "(rename the article or use --force)")
    built = pipeline.build(sources_dir=sources_dir, ontology_dir=args.ontology, quiet=True)
    lexicon = curate.Lexicon.from_build(built)
    draft = curate.draft_source(text, lexicon, doc_id=doc_id, text_name=text_name, title=args.title,
                                publisher=args.publisher, published=args.published, url=args.url,
                                language=args.language)
    files = {draft_path: draft.to_yaml().encode("utf-8")}
    if not reuse_text:
        files[text_path] = raw
    write_atomically(files)
    for warning in draft.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if not args.quiet:
        figures = draft.summary()
        print(f"text: {src.shown_path(text_path)}" + (" (already there, unchanged)" if reuse_text else ""))
        print("found: " + ", ".join(f"{n} {what}" for what, n in figures.items() if what not in ("records", "candidates")))
        print(f"drafted {figures['records']} record(s), all `confirmed: false`, of which {figures['corroborations']} "
              f"corroborate a statement, participation or tenure the graph holds; "
              f"{figures['candidates']} candidate(s) to review")
        print(f"draft: {src.shown_path(draft_path)}")
        print("next: edit the draft, confirm the records, move it to sources/ and run `python build.py check`")
    else:
        print(src.shown_path(draft_path))
    return EXIT_OK


def _text_name(article: Path) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", article.name).strip("-.")
    return name or "article.txt"


def _slug(stem: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    if not slug:
        raise UsageError(f"cannot make an id from {stem!r}: give --id")
    return slug
