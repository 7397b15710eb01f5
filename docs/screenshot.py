#!/usr/bin/env python3
"""The README's picture of the graph view: open dist/graph.html (run `python build.py` first) in headless Chromium,
select Rashid Meredov so the side panel shows his quotes, and save docs/graph-view.png.

    python docs/screenshot.py [--page dist/graph.html] [--out docs/graph-view.png] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", type=Path, default=ROOT / "dist" / "graph.html")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "graph-view.png")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--node", default="kg:rashid-meredov", help="the node whose side panel is shown")
    args = parser.parse_args(argv)
    if not args.page.is_file():
        print(f"error: {args.page}: no such file (run `python build.py` first)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
        page.goto(args.page.resolve().as_uri())
        page.wait_for_function("window.cckg && window.cckg.timings.firstDrawing > 0", timeout=30_000)
        page.evaluate("id => window.cckg.select ? window.cckg.select(id) : null", args.node)
        page.evaluate("() => window.cckg.network.fit({animation: false})")
        page.wait_for_timeout(500)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.out))
        browser.close()
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
