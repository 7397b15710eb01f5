"""Load and still times of the built pages in headless Chromium, and the README's screenshots.

    python bench/viz_pages.py [--dist DIR] [--sources DIR] [--runs N] [--screenshots docs/]

Builds `--sources` (default sources/) into `--dist` (default: a temporary folder) unless `--dist` already holds a
build, then opens dist/graph.html, dist/timeline.html and a country page in Debian's Chromium with every non-file
request aborted, and prints, for each, the median over `--runs` of: the time from navigation to the first drawing
(load) and to the page being still (the graph: vis-network drawn and no physics; the timeline: its SVG drawn;
a country page: the load event, as it has no script). With `--screenshots DIR` it writes small PNGs for the README:
graph-view.png, timeline.png, country.png, chart.png. Never run by the tests.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]


def build(sources: Path, dist: Path) -> None:
    from graph import api
    from graph.build import pipeline

    result = pipeline.build(sources_dir=sources)
    api.write_release(result, dist)


def _blocked(route):
    if route.request.url.startswith("file:"):
        route.continue_()
    else:
        route.abort()


def measure(browser, path: Path, ready: str, still: str) -> tuple[float, float]:
    """(ms to `ready`, ms to `still`) after navigation starts."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.route("**/*", _blocked)
    t0 = time.perf_counter()
    page.goto(path.resolve().as_uri())
    page.wait_for_function(ready, timeout=60_000)
    loaded = (time.perf_counter() - t0) * 1000
    page.wait_for_function(still, timeout=60_000)
    quiet = (time.perf_counter() - t0) * 1000
    page.close()
    return loaded, quiet


PAGES = {
    "graph view": ("graph.html", "window.cckg && window.cckg.timings.firstDrawing > 0",
                   "window.cckg && !window.cckg.network.physics.options.enabled"),
    "timeline": ("timeline.html", "document.documentElement.dataset.drawn === '1'",
                 "window.cckgTimeline && window.cckgTimeline.timings.firstRender > 0"),
    "country page": ("country/kazakhstan.html", "document.readyState === 'complete'",
                     "document.readyState === 'complete'"),
}


def _small(path: Path) -> None:
    """Reduce a screenshot to a 256-colour palette PNG (a few hundred KiB less for the README)."""
    from PIL import Image

    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def screenshots(browser, dist: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 820})
    page.route("**/*", _blocked)
    page.goto((dist / "graph.html").resolve().as_uri())
    page.wait_for_function(PAGES["graph view"][1])
    page.evaluate("() => window.cckg.select(window.cckg.search('Meredov')[0])")
    page.screenshot(path=str(out / "graph-view.png"))
    page.goto((dist / "timeline.html").resolve().as_uri())
    page.wait_for_function(PAGES["timeline"][1])
    first = page.evaluate("""() => { const g = document.querySelector('[data-kind=summit][data-mechanism]');
                                     return g ? g.dataset.id : null; }""")
    if first:
        page.evaluate("id => window.cckgTimeline.choose(id)", first)
    page.screenshot(path=str(out / "timeline.png"))
    page.goto((dist / "country" / "kazakhstan.html").resolve().as_uri())
    page.screenshot(path=str(out / "country.png"))
    page.goto((dist / "report.html").resolve().as_uri())
    chart = page.locator("#trade-countries")
    if chart.count():
        chart.screenshot(path=str(out / "chart.png"))
    page.close()
    for name in ("graph-view.png", "timeline.png", "country.png", "chart.png"):
        if (out / name).is_file():
            _small(out / name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path)
    parser.add_argument("--sources", type=Path, default=ROOT / "sources")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--screenshots", type=Path)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        dist = args.dist or Path(tmp)
        if not (dist / "timeline.html").is_file():
            t0 = time.perf_counter()
            build(args.sources, dist)
            print(f"built {args.sources} into {dist} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            print("| page | size KiB | load ms (median / best) | still ms (median / best) |")
            print("|---|---|---|---|")
            for name, (file, ready, still) in PAGES.items():
                path = dist / file
                if not path.is_file():
                    continue
                runs = [measure(browser, path, ready, still) for _ in range(args.runs)]
                print(f"| {name} | {path.stat().st_size // 1024} | {statistics.median(r[0] for r in runs):.0f} / "
                      f"{min(r[0] for r in runs):.0f} | {statistics.median(r[1] for r in runs):.0f} / "
                      f"{min(r[1] for r in runs):.0f} |")
            if args.screenshots:
                screenshots(browser, dist, args.screenshots)
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
