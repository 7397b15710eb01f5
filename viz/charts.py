"""The report's charts, drawn at build time by matplotlib (svg backend) and inlined in dist/report.html as SVG, each
with its numbers as a table beside it: trade with China by year (Central Asia as a whole, and per country),
meetings per year by kind, counts by class and the most central actors.

Deterministic: the Agg-free svg backend, a fixed font (DejaVu Sans, shipped with matplotlib), text kept as SVG
text, no date in the metadata, a fixed hash salt per chart (the ids of clip paths), mathtext off (a `$` in a label
stays a dollar sign). The SVG is inlined without its XML prologue; its text is escaped by matplotlib.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict

from markupsafe import Markup

#: Colours of the series (ColorBrewer-like, readable on print).
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#7f7f7f"]
#: Bars drawn at most in the class and actor charts.
TOP = 15
#: Meeting kinds by class CURIE (timeline kinds), in legend order.
MEETING_KINDS = [("meeting", "ministerial or other meeting"), ("summit", "summit"), ("event", "other event")]


def _pyplot():
    import matplotlib

    matplotlib.use("svg", force=True)
    import matplotlib.pyplot as plt

    return matplotlib, plt


def _svg(fig, salt: str, title: str) -> Markup:
    matplotlib, plt = _pyplot()
    out = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": f"cckg-{salt}", "svg.fonttype": "none"}):
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    plt.close(fig)
    text = out.getvalue()
    text = re.sub(r"<\?xml[^>]*\?>\s*", "", text)
    text = re.sub(r"<!DOCTYPE[^>]*>\s*", "", text)
    text = re.sub(r"<!--.*?-->\s*", "", text, flags=re.S)
    _check_inert(text)
    # Scale with the page: the viewBox stays, the fixed size goes.
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 width="100%"', text, count=1)
    text = text.replace("<svg", f'<svg role="img" aria-label="{_attr(title)}" id="chart-{salt}"', 1)
    return Markup(text.strip())


def _check_inert(text: str) -> None:
    """Refuse an SVG with an element or attribute that could run script (matplotlib escapes text: not expected)."""
    from xml.etree import ElementTree

    for element in ElementTree.fromstring(text).iter():
        name = element.tag.rsplit("}", 1)[-1].lower()
        if name in ("script", "foreignobject", "a", "iframe", "image"):
            raise RuntimeError(f"a chart's SVG holds a <{name}> element")
        for attribute, value in element.attrib.items():
            local = attribute.rsplit("}", 1)[-1].lower()
            if local.startswith("on") or (local == "href" and not value.startswith("#")):
                raise RuntimeError(f"a chart's SVG holds a scripting attribute {attribute}")


def _attr(text: str) -> str:
    return (text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;"))


def _figure(width: float = 9.0, height: float = 4.2):
    matplotlib, plt = _pyplot()
    matplotlib.rcParams.update({
        "font.family": "DejaVu Sans", "font.size": 11, "axes.titlesize": 13, "text.parse_math": False,
        "axes.spines.top": False, "axes.spines.right": False, "svg.fonttype": "none",
    })
    return plt.subplots(figsize=(width, height))


def _billions(value: float) -> str:
    return f"{value / 1e9:,.2f}"


# ---------------------------------------------------------------------------------------------------------- data

def trade_series(rows: list[dict]) -> tuple[dict[int, float], dict[str, dict[int, float]], list[dict]]:
    """China's total trade in USD with Central Asia (the region) and with each country, by year. Where several
    figures give the same year, the one China reports is preferred, then the first observation by id. Also the
    rows used (for the tables, with their source)."""
    chosen: dict[tuple[str, int], dict] = {}
    for row in rows:
        if row["measure"] != "total trade" or row["unit"] != "USD" or not row["year"].isdigit():
            continue
        china_reports = row["reporter"].endswith("/china")
        other = row["partner"] if china_reports else row["reporter"]
        if not china_reports and not row["partner"].endswith("/china"):
            continue
        key = (other, int(row["year"]))
        rank = (not china_reports, row["observation"])
        if key not in chosen or rank < chosen[key]["_rank"]:
            chosen[key] = {**row, "_rank": rank, "_other": other,
                           "_label": row["partnerLabel"] if china_reports else row["reporterLabel"]}
    region: dict[int, float] = {}
    countries: dict[str, dict[int, float]] = defaultdict(dict)
    used = []
    for (other, year), row in sorted(chosen.items(), key=lambda kv: (kv[1]["_label"], kv[0][1])):
        value = float(row["value"])
        if other.endswith("/central-asia"):
            region[year] = value
        else:
            countries[row["_label"]][year] = value
        used.append(row)
    return region, dict(sorted(countries.items())), used


# -------------------------------------------------------------------------------------------------------- charts

def trade_total_chart(region: dict[int, float], used: list[dict], docs: dict[str, dict]) -> dict | None:
    if not region:
        return None
    fig, ax = _figure()
    years = sorted(region)
    ax.plot(years, [region[y] / 1e9 for y in years], marker="o", color=PALETTE[0], linewidth=2)
    ax.set_ylabel("billion US$")
    ax.set_title("China's trade with Central Asia (total, US$)")
    ax.grid(axis="y", color="#dddddd")
    rows = [[str(r["year"]), _billions(float(r["value"])), _source(r, docs)] for r in used
            if r["_other"].endswith("/central-asia")]
    return {"id": "trade-total", "title": "China's trade with Central Asia by year",
            "svg": _svg(fig, "trade-total", "China's trade with Central Asia by year"),
            "columns": ["year", "billion US$", "source"], "rows": rows}


def trade_country_chart(countries: dict[str, dict[int, float]], used: list[dict], docs: dict[str, dict]) -> dict | None:
    if not countries:
        return None
    fig, ax = _figure()
    for i, (name, series) in enumerate(countries.items()):
        years = sorted(series)
        ax.plot(years, [series[y] / 1e9 for y in years], marker="o", label=name, color=PALETTE[i % len(PALETTE)],
                linewidth=1.8)
    ax.set_ylabel("billion US$")
    ax.set_title("China's trade with each Central Asian state (total, US$)")
    ax.grid(axis="y", color="#dddddd")
    ax.legend(frameon=False, fontsize=10, ncol=2)
    rows = [[r["_label"], str(r["year"]), _billions(float(r["value"])), _source(r, docs)] for r in used
            if not r["_other"].endswith("/central-asia")]
    return {"id": "trade-countries", "title": "China's trade with each Central Asian state by year",
            "svg": _svg(fig, "trade-countries", "China's trade with each Central Asian state by year"),
            "columns": ["country", "year", "billion US$", "source"], "rows": rows}


def meetings_chart(items: list[dict]) -> dict | None:
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for item in items:
        if item["kind"] in dict(MEETING_KINDS):
            counts[int(item["start"][:4])][item["kind"]] += 1
    if not counts:
        return None
    years = list(range(min(counts), max(counts) + 1))
    fig, ax = _figure()
    bottom = [0] * len(years)
    for i, (kind, text) in enumerate(MEETING_KINDS):
        values = [counts[y].get(kind, 0) for y in years]
        if any(values):
            ax.bar(years, values, bottom=bottom, label=text, color=PALETTE[i], width=0.8)
            bottom = [b + v for b, v in zip(bottom, values)]
    ax.set_ylabel("meetings and events")
    ax.set_title("Meetings and events per year, by kind")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(frameon=False, fontsize=10)
    rows = [[str(y)] + [str(counts[y].get(k, 0)) for k, _ in MEETING_KINDS] for y in years if counts.get(y)]
    return {"id": "meetings", "title": "Meetings and events per year, by kind",
            "svg": _svg(fig, "meetings", "Meetings and events per year, by kind"),
            "columns": ["year"] + [t for _, t in MEETING_KINDS], "rows": rows}


def _barh(salt: str, title: str, labels: list[str], values: list[float], xlabel: str, color: str) -> Markup:
    fig, ax = _figure(9.0, max(2.5, 0.32 * len(labels) + 1.0))
    positions = list(range(len(labels)))[::-1]
    ax.barh(positions, values, color=color)
    ax.set_yticks(positions)
    ax.set_yticklabels(labels)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    return _svg(fig, salt, title)


def classes_chart(report: dict) -> dict | None:
    rows = report.get("classes", [])[:TOP]
    if not rows:
        return None
    title = "Nodes by class" + (f" (the {TOP} largest)" if len(report["classes"]) > TOP else "")
    return {"id": "classes", "title": title,
            "svg": _barh("classes", title, [r["cls"] for r in rows], [r["count"] for r in rows], "nodes",
                         PALETTE[0]),
            "columns": ["class", "nodes"], "rows": [[r["cls"], str(r["count"])] for r in rows]}


def actors_chart(report: dict) -> dict | None:
    rows = report.get("actors", [])[:TOP]
    if not rows:
        return None
    by_degree = report.get("ranking") == "degree"
    title = "Most connected actors (degree)" if by_degree else "Most central actors (betweenness)"
    values = [r["degree"] if by_degree else r["centrality"] for r in rows]
    return {"id": "actors", "title": title,
            "svg": _barh("actors", title, [_short(r["label"]) for r in rows], values,
                         "degree" if by_degree else "betweenness centrality", PALETTE[1]),
            "columns": ["actor", "degree" if by_degree else "centrality"],
            "rows": [[r["label"], str(v) if by_degree else f"{v:.4f}"] for r, v in zip(rows, values)]}


def _short(text: str, limit: int = 45) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _source(row: dict, docs: dict[str, dict]) -> str:
    from viz.timeline import curie_of

    doc = curie_of(row["source"]) if row.get("source") else ""
    title = docs.get(doc, {}).get("title", doc)
    host = re.sub(r"^https?://([^/]+).*$", r"\1", row.get("page") or "")
    return title + (f" · {host}" if host else "")


def charts(result, report: dict) -> list[dict]:
    """Every chart of the report, in order (those without data left out)."""
    from viz import timeline
    from viz.pages import library
    from viz.render import document_links

    rows = library(result).rows("trade-by-year")
    found = timeline.for_build(result, document_links(result.sources))
    region, countries, used = trade_series(rows)
    docs = timeline.source_docs_of_build(result)
    made = [trade_total_chart(region, used, docs), trade_country_chart(countries, used, docs),
            meetings_chart(found.items), classes_chart(report), actors_chart(report)]
    return [c for c in made if c]


def add_charts(report: dict, result) -> dict:
    """The report's data with its charts (viz.render writes the report)."""
    report["charts"] = charts(result, report)
    return report


__all__ = ["add_charts", "charts", "trade_series"]
