"""`python build.py drafts`: which drafts under sources/drafts/ still hold unconfirmed records.

Exit codes: 0 listed (with --strict: 0 only if no draft is pending, else 1); 2 usage error.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from graph.sources import drafts, read as src
from graph.errors import EXIT_INVALID, EXIT_OK


def register(subparsers) -> None:
    parser = subparsers.add_parser("drafts", help="list the drafts in sources/drafts/ and their unconfirmed records")
    parser.add_argument("--sources", type=Path, default=src.SOURCES_DIR, help="sources folder (default: sources/)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list each unconfirmed record with its line")
    parser.add_argument("--strict", action="store_true", help="exit 1 if any draft has unconfirmed records")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    statuses = drafts.scan(args.sources)
    print(f"drafts in {src.shown_path(drafts.drafts_dir(args.sources))}/:")
    for line in drafts.draft_lines(statuses, verbose=args.verbose):
        print(line)
    return EXIT_INVALID if args.strict and any(s.pending for s in statuses) else EXIT_OK
