#!/usr/bin/env python3
"""The China–Central Asia knowledge graph's one entry point: `python build.py --help` lists the commands."""

import sys

from graph.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
