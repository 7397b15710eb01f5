"""How close `add-source` comes to what a curator keeps: precision and recall on the reports of tests/data/curate.

    python bench/curate_eval.py [--sources DIR] [--reports DIR] [--json]

Builds the graph from sources/ once, drafts each report `tests/data/curate/reports/NAME.txt` (graph.curate
.draft_source, with the gold file's `published` date) and compares the draft with `NAME.gold.yaml`, the records a
curator keeps (tests/data/curate/README.md describes the gold format). Prints, for the tuned reports and for the
held-out ones separately, precision and recall of:

- entities: the entity ids linked in the draft's `mentions` (an id the gold lists as `optional` counts neither way;
  a link inside a `no_link` span, such as the dateline "XI'AN", is a false link);
- participations: by person; statements: by kind and verbatim quote (a drafted quote that holds the gold's quote);
- corroborations: the ids of existing statements and participations the draft corroborates instead of copying;
- new resources: statements and participations drafted as new where the gold says the graph already holds them;

and the curator's edits still needed: each missed or false link, participation or statement, each wrong field of
a kept new record (actors, meeting, position, partOf, country, chair) and each wrong corroboration target.
Not a test: tests/test_curate.py checks the goals (statements precision >= 0.95, recall >= 0.85, no false link).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph.curate import draft as curate  # noqa: E402
from graph.sources.kinds import STATEMENTS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "tests" / "data" / "curate" / "reports"


@dataclass
class Tally:
    gold: int = 0
    drafted: int = 0
    matched: int = 0

    def add(self, other: Tally) -> None:
        self.gold += other.gold
        self.drafted += other.drafted
        self.matched += other.matched

    @property
    def precision(self) -> float:
        return self.matched / self.drafted if self.drafted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 1.0


@dataclass
class Result:
    name: str
    held_out: bool
    tallies: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    edits: int = 0
    new_resources: int = 0  # drafted as new where the graph holds them
    false_links: list[str] = field(default_factory=list)
    missed_links: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def gold_reports(folder: Path = REPORTS) -> list[tuple[Path, dict]]:
    return [(path.with_name(path.name.replace(".gold.yaml", ".txt")), yaml.safe_load(path.read_text(encoding="utf-8")))
            for path in sorted(folder.glob("*.gold.yaml"))]


def _actors(value, lexicon, meeting: str) -> set[str]:
    known = lexicon.known
    if value == "six":
        return {c for (_, m), c in known.countries_at.items() if m == meeting}
    if value == "five-ministers":
        return {p for (p, m), c in known.countries_at.items() if m == meeting and c != "china"}
    return set(value or [])


def evaluate(text_path: Path, gold: dict, lexicon) -> tuple[Result, curate.Draft]:
    text = text_path.read_text(encoding="utf-8")
    draft = curate.draft_source(text, lexicon, doc_id="eval-" + text_path.stem, text_name=text_path.name,
                                title="eval", published=str(gold.get("published") or "") or None)
    result = Result(text_path.stem, bool(gold.get("held_out")))
    meeting = gold.get("meeting")
    _entities(text, draft, gold, result)
    by_id = {}
    for (person, m), rid in lexicon.known.participations.items():
        by_id[rid] = person
    _participations(draft, gold, result, by_id)
    _statements(draft, gold, result, lexicon, meeting)
    return result, draft


def _entities(text, draft, gold, result: Result) -> None:
    wanted, optional = set(gold.get("entities") or []), set(gold.get("optional") or [])
    linked = {m["entity"] for m in draft.mentions if m["type"] == "entity" and not m.get("also")}
    for span in gold.get("no_link") or []:
        start = text.find(span)
        while start >= 0:
            for m in draft.mentions:
                if m["type"] == "entity" and m["start"] < start + len(span) and start < m["end"]:
                    result.false_links.append(f"{m['text']!r} in {span!r} -> {m['entity']}")
            start = text.find(span, start + 1)
    false = sorted(linked - wanted - optional)
    result.false_links += false
    result.missed_links = sorted(wanted - linked)
    t = result.tallies["entities"]
    t.gold, t.drafted = len(wanted), len(linked - optional) + len(result.false_links) - len(false)
    t.matched = len(linked & wanted)
    result.edits += len(result.false_links) + len(result.missed_links)


def _participations(draft, gold, result: Result, person_of: dict) -> None:
    drafted = {}
    for r in draft.records:
        if r["a"] == "Participation":
            drafted[r.get("person") or person_of.get(r["id"], r["id"])] = r
    t, c = result.tallies["participations"], result.tallies["corroborations"]
    wanted = gold.get("participations") or []
    t.gold, t.drafted = len(wanted), len(drafted)
    c.drafted += sum(1 for r in drafted.values() if "person" not in r)
    for g in wanted:
        if g.get("corroborates"):
            c.gold += 1
        r = drafted.get(g["person"])
        if r is None:
            result.edits += 1
            result.problems.append(f"participation missed: {g['person']}")
            continue
        t.matched += 1
        if g.get("corroborates"):
            if r["id"] == g["corroborates"]:
                c.matched += 1
            else:
                result.edits += 1
                result.new_resources += "person" in r
                result.problems.append(f"participation {g['person']}: drafted {r['id']}, not {g['corroborates']}")
        elif "person" in r:
            for name in ("country", "chair"):
                if (r.get(name) or None) != (g.get(name) or None):
                    result.edits += 1
                    result.problems.append(f"participation {g['person']}: {name} {r.get(name)!r} != {g.get(name)!r}")
    extra = set(drafted) - {g["person"] for g in wanted}
    result.edits += len(extra)
    result.problems += [f"participation not kept: {p}" for p in sorted(extra)]


def _statements(draft, gold, result: Result, lexicon, meeting) -> None:
    drafted = [r for r in draft.records if r["a"] in STATEMENTS]
    wanted = list(gold.get("statements") or [])
    t, c = result.tallies["statements"], result.tallies["corroborations"]
    t.gold, t.drafted = len(wanted), len(drafted)
    for r in drafted:
        result.tallies[f"  {r['a']}"].drafted += 1
        c.drafted += "label" not in r
    free = list(range(len(drafted)))
    for g in wanted:
        kind = result.tallies[f"  {g['kind']}"]
        kind.gold += 1
        c.gold += bool(g.get("corroborates"))
        hit = next((i for i in free if drafted[i]["a"] == g["kind"] and _holds(drafted[i]["quote"], g["quote"])), None)
        if hit is None:
            near = next((i for i in free if _holds(drafted[i]["quote"], g["quote"])), None)
            result.problems.append(f"statement missed: {g['kind']} {g['quote']!r}"
                                   + (f" (drafted as {drafted[near]['a']})" if near is not None else ""))
            result.edits += 1
            continue
        free.remove(hit)
        r = drafted[hit]
        t.matched += 1
        kind.matched += 1
        target = g.get("corroborates")
        if target:
            if r["id"] == target:
                c.matched += 1
            else:
                result.edits += 1
                result.new_resources += "label" in r
                result.problems.append(f"statement {g['quote']!r}: drafted {r['id']}, not a source of {target}")
            continue
        if "label" not in r:
            result.edits += 1
            result.problems.append(f"statement {g['quote']!r}: corroborates {r['id']} but is new")
            continue
        fixes = []
        if set(r.get("actors", [])) != _actors(g.get("actors"), lexicon, meeting):
            fixes.append(f"actors {r.get('actors')}")
        if r.get("meeting") != meeting:
            fixes.append(f"meeting {r.get('meeting')}")
        if "position" in g and r.get("position") != g["position"]:
            fixes.append(f"position {r.get('position')}")
        if "partOf" in g and r.get("partOf") != g["partOf"]:
            fixes.append(f"partOf {r.get('partOf')}")
        result.edits += len(fixes)
        result.problems += [f"statement {g['quote']!r}: {fix}" for fix in fixes]
    for i in free:
        result.edits += 1
        result.problems.append(f"statement not kept: {drafted[i]['a']} {drafted[i]['quote']!r}")


def _holds(quote, wanted: str) -> bool:
    quotes = quote if isinstance(quote, list) else [quote]
    return any(wanted in q or (q in wanted and len(q) >= 0.6 * len(wanted)) for q in quotes)


def summary(results: list[Result]) -> dict[str, Tally]:
    total: dict[str, Tally] = defaultdict(Tally)
    for result in results:
        for name, tally in result.tallies.items():
            total[name].add(tally)
    return total


def table(results: list[Result], title: str) -> list[str]:
    total = summary(results)
    order = ["entities", "participations", "statements",
             *sorted(k for k in total if k.startswith("  ")), "corroborations"]
    lines = [f"### {title} ({len(results)} report(s): {', '.join(r.name for r in results)})", "",
             "| what | gold | drafted | kept | precision | recall |", "|---|---|---|---|---|---|"]
    for name in order:
        t = total[name]
        if not (t.gold or t.drafted):
            continue
        lines.append(f"| {name.replace('  ', '- ')} | {t.gold} | {t.drafted} | {t.matched} | {t.precision:.2f} | "
                     f"{t.recall:.2f} |")
    lines.append("")
    lines.append("| report | edits still needed | new resources that should be sources | false links |")
    lines.append("|---|---|---|---|")
    for r in results:
        lines.append(f"| {r.name} | {r.edits} | {r.new_resources} | {', '.join(r.false_links) or 'none'} |")
    return lines


def seed_check(lexicon, sources: Path = ROOT / "sources") -> Result:
    """The seed article (a real machine translation, curated by hand in sources/000-chinanews-2020-07-16.yaml)
    drafted again: its curator's proposals, measures, commitments, supports and oppositions are the gold, and each
    must come back as a corroboration of its id, since the graph already holds it."""
    from graph.sources.read import read_source

    source = read_source(sources / "000-chinanews-2020-07-16.yaml")
    kinds = {"Proposal", "Measure", "Commitment", "Support", "Opposition"}
    gold = {r.id: r.kind for r in source.records if r.kind in kinds}
    draft = curate.draft_source(source.text, lexicon, doc_id="seed-again", text_name="seed.txt", title="seed",
                                published="2020-07-16")
    result = Result("seed article, drafted again", False)
    drafted = [r for r in draft.records if r["a"] in STATEMENTS]
    t = result.tallies["statements"]
    t.gold, t.drafted = len(gold), len(drafted)
    t.matched = len({r["id"] for r in drafted} & set(gold))
    for kind in sorted(kinds):
        k = result.tallies[f"  {kind}"]
        k.gold = sum(v == kind for v in gold.values())
        k.drafted = sum(r["a"] == kind for r in drafted)
        k.matched = len({r["id"] for r in drafted if r["a"] == kind} & {i for i, v in gold.items() if v == kind})
    result.new_resources = sum("label" in r for r in drafted)
    result.edits = (t.gold - t.matched) + (t.drafted - t.matched)
    return result


def run(sources: Path | None, reports: Path, *, lexicon=None) -> list[Result]:
    if lexicon is None:
        from graph.build import pipeline

        built = pipeline.build(sources_dir=sources, quiet=True) if sources else pipeline.build(quiet=True)
        lexicon = curate.Lexicon.from_build(built)
    return [evaluate(text, gold, lexicon)[0] for text, gold in gold_reports(reports)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=Path, help="sources folder (default: sources/)")
    parser.add_argument("--reports", type=Path, default=REPORTS, help="folder of NAME.txt + NAME.gold.yaml")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("-v", "--verbose", action="store_true", help="list each report's problems")
    args = parser.parse_args(argv)
    from graph.build import pipeline

    built = pipeline.build(sources_dir=args.sources, quiet=True) if args.sources else pipeline.build(quiet=True)
    lexicon = curate.Lexicon.from_build(built)
    results = run(args.sources, args.reports, lexicon=lexicon)
    seed = seed_check(lexicon, args.sources or ROOT / "sources")
    if args.json:
        out = {group: {name: vars(t) | {"precision": t.precision, "recall": t.recall}
                       for name, t in summary([r for r in results if r.held_out == held]).items()}
               for group, held in (("tuned", False), ("held_out", True))}
        out["reports"] = {r.name: {"edits": r.edits, "new_resources": r.new_resources, "false_links": r.false_links}
                          for r in results}
        print(json.dumps(out, indent=2, sort_keys=True))
        return 0
    for title, held in (("Tuned on", False), ("Held out", True)):
        group = [r for r in results if r.held_out == held]
        if group:
            print("\n".join(table(group, title)))
            print()
    print("\n".join(table([seed], "A real text: the seed article drafted again against the graph that holds it")))
    print()
    if args.verbose:
        for r in results:
            print(f"{r.name}:")
            print("\n".join(f"  {p}" for p in r.problems + [f"missed link: {m}" for m in r.missed_links]) or "  -")
    counts = Counter(r.held_out for r in results)
    print(f"{counts[False]} tuned and {counts[True]} held-out report(s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
