#!/usr/bin/env python3
"""The China–Central Asia knowledge graph's one entry point: `python build.py --help` lists the commands."""

import gc
import sys

from graph.cli.main import main

if __name__ == "__main__":
    code = main()
    # The process ends: what the command made is left to the exit, not gone over by the collector's last pass
    # (the interpreter's at shutdown: about 2 s after a build of 1M triples).
    gc.freeze()
    sys.exit(code)
