"""A seeded generator of realistic source documents in the project's own format (sources/README.md), for benchmarks.

It writes a self-contained sources folder: a base document declaring the six countries, their governments and
ministries, roles, posts, cities and the "China + Central Asia" mechanism; one appointments document per year
(people and their dated Tenures: officials rotate through posts); and one article per meeting (the mechanism's
foreign ministers' meetings and summits, and bilateral visits), each with Participations, Proposals with Measures
and Commitments, Supports, Oppositions and Assessments. Every text is generated first, sentence by sentence, and
every record then quotes one of its sentences verbatim, so the output passes `python build.py check`.

    python bench/generate.py OUT_DIR --triples 100k [--seed 7]

The same seed and size give byte-identical files. The sizes are targets: the build makes about that many triples
(within a few per cent; `python build.py check --sources OUT_DIR` prints the exact count).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

#: Triples the build makes per meeting document, measured on generated data (the base and appointment
#: documents add a fixed part); used to pick the number of meetings for a target size.
TRIPLES_PER_MEETING = 1_000
BASE_TRIPLES = 1_900  # the base document and the ontology
TRIPLES_PER_YEAR = 385  # appointments (people and tenures) per year of the span
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
LAST_YEAR = 2025
MAX_YEARS = 34  # 1992–2025 for the larger sizes; small sizes cover fewer years so that meetings still dominate

COUNTRIES = {  # id: (label, adjective, capital id, capital label)
    "china": ("China", "Chinese", "beijing", "Beijing"),
    "kazakhstan": ("Kazakhstan", "Kazakh", "astana", "Astana"),
    "kyrgyzstan": ("Kyrgyzstan", "Kyrgyz", "bishkek", "Bishkek"),
    "tajikistan": ("Tajikistan", "Tajik", "dushanbe", "Dushanbe"),
    "turkmenistan": ("Turkmenistan", "Turkmen", "ashgabat", "Ashgabat"),
    "uzbekistan": ("Uzbekistan", "Uzbek", "tashkent", "Tashkent"),
}
OTHER_CITIES = {"xian": ("Xi'an", "china"), "almaty": ("Almaty", "kazakhstan"), "samarkand": ("Samarkand", "uzbekistan"),
                "osh": ("Osh", "kyrgyzstan"), "khujand": ("Khujand", "tajikistan"), "mary": ("Mary", "turkmenistan")}
ROLES = {  # id: (label, organisation: government | foreign ministry)
    "president": ("President", "government"),
    "prime-minister": ("Prime Minister", "government"),
    "foreign-minister": ("Foreign Minister", "ministry"),
    "deputy-foreign-minister": ("Deputy Foreign Minister", "ministry"),
    "minister-of-commerce": ("Minister of Commerce", "government"),
}
TOPICS = ["political-relations", "dialogue-mechanism", "epidemic-cooperation", "economic-recovery",
          "trade-and-investment", "connectivity", "digital-economy", "science-and-technology",
          "agriculture-and-food", "tourism", "people-to-people-exchanges", "security", "three-forces",
          "transnational-crime", "afghanistan-peace-process", "multilateralism", "sovereignty-and-non-interference"]
SUBJECTS = {  # topic: things proposed under it
    "trade-and-investment": ["a trade facilitation package", "an investment protection dialogue", "a joint trade fair"],
    "connectivity": ["a new cross-border railway", "a logistics corridor", "more direct flights", "a border crossing upgrade"],
    "digital-economy": ["a digital silk road partnership", "e-commerce cooperation", "a data centre programme"],
    "epidemic-cooperation": ["a health community", "joint vaccine production", "a disease control network"],
    "agriculture-and-food": ["green lanes for farm produce", "an agricultural technology park", "food security reserves"],
    "security": ["joint counter-terrorism drills", "a border security mechanism", "information sharing on threats"],
    "people-to-people-exchanges": ["student exchanges", "a cultural year", "new Confucius Institutes"],
    "science-and-technology": ["joint laboratories", "a satellite cooperation plan", "a technology transfer centre"],
    "tourism": ["visa facilitation for tourists", "a tourism promotion year"],
    "economic-recovery": ["a post-crisis recovery plan", "a joint industrial fund"],
    "multilateralism": ["coordination at the United Nations", "support for the SCO"],
}
GIVEN = ["Askar", "Nurlan", "Erlan", "Bakyt", "Timur", "Rustam", "Dilshod", "Sirojiddin", "Rashid", "Berdymurat",
         "Azamat", "Daniyar", "Kairat", "Sherzod", "Jamshid", "Murat", "Aibek", "Ulan", "Yerzhan", "Bekzod"]
FAMILY = ["Nurlanov", "Tokayev", "Abdrakhmanov", "Sultanov", "Karimov", "Mirziyoyev", "Aslov", "Meredov",
          "Beishenaliev", "Kazykhanov", "Tileuberdi", "Saidov", "Muhriddin", "Kulov", "Akhmetov", "Umarov",
          "Rahmonov", "Orazov", "Baimukhanov", "Zhaparov"]
CHINESE_GIVEN = ["Wei", "Jun", "Ming", "Hua", "Qiang", "Lei", "Jian", "Tao", "Bin", "Gang", "Yong", "Hong"]
CHINESE_FAMILY = ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu", "Sun"]


@dataclass
class Tenure:
    id: str
    person: str
    post: str
    start: dt.date
    end: dt.date | None


@dataclass
class Doc:
    """A document under construction: its sentences (the text) and the records quoting them."""

    id: str
    title: str
    published: dt.date | None
    sentences: list[str] = field(default_factory=list)
    records: list[dict] = field(default_factory=list)

    def say(self, sentence: str) -> str:
        """Add a sentence to the text and return it, for a record to quote."""
        self.sentences.append(sentence)
        return sentence

    def add(self, record: dict) -> None:
        self.records.append(record)


class World:
    """The generated people, posts and tenures; who holds which post on a given day."""

    def __init__(self, rng: random.Random, years: range):
        self.rng = rng
        self.years = years
        self.people: dict[str, str] = {}  # id -> label
        self.nationality: dict[str, str] = {}
        self.tenures: list[Tenure] = []
        self.holders: dict[str, list[Tenure]] = {}
        for country in COUNTRIES:
            for role in ROLES:
                self._rotate(country, role)

    def _new_person(self, country: str) -> str:
        rng = self.rng
        while True:
            if country == "china":
                label = f"{rng.choice(CHINESE_FAMILY)} {rng.choice(CHINESE_GIVEN)}{rng.choice(CHINESE_GIVEN).lower()}"
            else:
                label = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
            pid = slug(label) + f"-{len(self.people) + 1}"
            if pid not in self.people:
                self.people[pid] = label
                self.nationality[pid] = country
                return pid

    def _rotate(self, country: str, role: str) -> None:
        post = post_id(country, role)
        day = dt.date(self.years.start, 1, 1) - dt.timedelta(days=self.rng.randint(0, 900))
        stop = dt.date(self.years.stop, 1, 1)
        chain = self.holders.setdefault(post, [])
        while day < stop:
            length = dt.timedelta(days=self.rng.randint(2 * 365, 7 * 365))
            end = day + length
            person = self._new_person(country)
            tenure = Tenure(f"tenure-{person}-{role}", person, post, day, end if end < stop else None)
            chain.append(tenure)
            self.tenures.append(tenure)
            day = end + dt.timedelta(days=self.rng.randint(1, 30))

    def holder(self, country: str, role: str, day: dt.date) -> str | None:
        for tenure in self.holders[post_id(country, role)]:
            if tenure.start <= day and (tenure.end is None or day <= tenure.end):
                return tenure.person
        return None


def slug(text: str) -> str:
    out = "".join(c.lower() if c.isalnum() else "-" for c in text)
    return "-".join(part for part in out.split("-") if part)


def post_id(country: str, role: str) -> str:
    return f"post-{country}-{role}"


def base_document() -> Doc:
    """Countries, cities, governments, ministries, roles, posts, the mechanism and its meeting series."""
    doc = Doc("bench-base", "Reference table of the China + Central Asia states, posts and mechanism (generated)", None)
    region = doc.say("Central Asia is the region of Kazakhstan, Kyrgyzstan, Tajikistan, Turkmenistan and Uzbekistan.")
    doc.add({"id": "central-asia", "a": "Place", "label": "Central Asia", "quote": region})
    for cid, (label, adjective, capital, capital_label) in COUNTRIES.items():
        doc.add({"id": cid, "a": "Country", "label": label,
                 "quote": doc.say(f"{label} is a state whose government sits in {capital_label}."),
                 **({} if cid == "china" else {"region": "central-asia"})})
        doc.add({"id": capital, "a": "City", "label": capital_label, "country": cid,
                 "quote": doc.say(f"{capital_label} is the capital of {label}.")})
        doc.add({"id": f"government-{cid}", "a": "Government", "label": f"Government of {label}", "country": cid,
                 "quote": doc.say(f"The Government of {label} conducts its foreign relations.")})
        doc.add({"id": f"ministry-foreign-affairs-{cid}", "a": "Ministry", "label": f"Ministry of Foreign Affairs of {label}",
                 "country": cid, "parent": f"government-{cid}",
                 "quote": doc.say(f"The Ministry of Foreign Affairs of {label} is part of its government.")})
        for rid, (role_label, org) in ROLES.items():
            organisation = f"government-{cid}" if org == "government" else f"ministry-foreign-affairs-{cid}"
            doc.add({"id": post_id(cid, rid), "a": "Post", "label": f"{role_label} of {label}", "role": rid,
                     "postIn": organisation, "country": cid,
                     "quote": doc.say(f"The post of {role_label} of {label} belongs to the {organisation.replace('-', ' ')}.")})
    for city, (label, country) in OTHER_CITIES.items():
        doc.add({"id": city, "a": "City", "label": label, "country": country,
                 "quote": doc.say(f"{label} is a city of {COUNTRIES[country][0]}.")})
    for rid, (label, _) in ROLES.items():
        doc.add({"id": rid, "a": "Role", "label": label, "quote": doc.say(f"{label} is a role in a government.")})
    doc.add({"id": "china-central-asia", "a": "Mechanism", "label": "China + Central Asia", "members": list(COUNTRIES),
             "quote": doc.say('The "China + Central Asia" mechanism brings the six states together.')})
    doc.add({"id": "cc5-foreign-ministers-meetings", "a": "MeetingSeries",
             "label": "China + Central Asia foreign ministers' meetings", "mechanism": "china-central-asia",
             "quote": doc.say("The foreign ministers of the mechanism meet every year.")})
    doc.add({"id": "cc5-summits", "a": "MeetingSeries", "label": "China + Central Asia summits",
             "mechanism": "china-central-asia", "quote": doc.say("The heads of state of the mechanism meet at summits.")})
    doc.add({"id": "bilateral-visits", "a": "MeetingSeries", "label": "Bilateral visits between China and Central Asia",
             "quote": doc.say("Leaders and ministers also pay bilateral visits.")})
    return doc


def appointments_document(year: int, world: World) -> Doc | None:
    """The people who took up a post that year, and their tenures."""
    starting = [t for t in world.tenures if max(t.start.year, world.years.start) == year]
    if not starting:
        return None
    doc = Doc(f"bench-appointments-{year}", f"Appointments of {year} (generated)", dt.date(year, 12, 31))
    for tenure in starting:
        country = world.nationality[tenure.person]
        role = tenure.post.removeprefix(f"post-{country}-")
        name = world.people[tenure.person]
        title = f"{ROLES[role][0]} of {COUNTRIES[country][0]}"
        until = f" until {tenure.end.isoformat()}" if tenure.end else ""
        sentence = doc.say(f"{name} served as {title} from {tenure.start.isoformat()}{until}.")
        doc.add({"id": tenure.person, "a": "Person", "label": name, "quote": f"{name} served as"})
        record = {"id": tenure.id, "a": "Tenure", "person": tenure.person, "post": tenure.post,
                  "start": tenure.start.isoformat(), "quote": sentence}
        if tenure.end:
            record["end"] = tenure.end.isoformat()
        doc.add(record)
    return doc


def meeting_document(n: int, day: dt.date, kind: str, countries: list[str], world: World, rng: random.Random,
                     position: int | None) -> Doc:
    """One article on one meeting: the meeting, who took part in which post, and what was said."""
    host = countries[0] if kind == "bilateral" else rng.choice(countries)
    city = COUNTRIES[host][2] if rng.random() < 0.8 else next(c for c, (_, k) in OTHER_CITIES.items() if k == host)
    city_label = COUNTRIES[host][3] if city == COUNTRIES[host][2] else OTHER_CITIES[city][0]
    roles = {"summit": ["president", "foreign-minister"], "ministerial": ["foreign-minister", "deputy-foreign-minister"],
             "bilateral": ["president", "prime-minister", "foreign-minister", "minister-of-commerce"]}[kind]
    names = " and ".join(COUNTRIES[c][0] for c in countries) if kind == "bilateral" else "China + Central Asia"
    what = {"summit": "summit", "ministerial": "foreign ministers' meeting", "bilateral": "talks"}[kind]
    mid = f"meeting-{day.isoformat()}-{n}"
    doc = Doc(f"bench-meeting-{n:05d}", f"{names} {what} in {city_label} on {day.isoformat()} (generated report)", day)
    meeting_kind = {"summit": "Summit", "ministerial": "MinisterialMeeting", "bilateral": "Meeting"}[kind]
    series = {"summit": "cc5-summits", "ministerial": "cc5-foreign-ministers-meetings", "bilateral": "bilateral-visits"}[kind]
    opening = doc.say(f"On {day.isoformat()}, the {names} {what} number {n} was held in {city_label}.")
    participants: list[tuple[str, str, str]] = []  # (person, country, role)
    for country in countries:
        for role in roles:
            person = world.holder(country, role, day)
            if person:
                participants.append((person, country, role))
    chair = next((p for p, c, r in participants if c == host), None)
    meeting = {"id": mid, "a": meeting_kind, "label": f"{names} {what}, {city_label}, {day.isoformat()} (no. {n})",
               "series": series, "date": day.isoformat(), "mode": "offline" if rng.random() < 0.85 else "online",
               "location": city, "countries": countries, "quote": opening}
    if position:
        meeting["position"] = position
    if chair:
        meeting["chair"] = chair
    doc.add(meeting)
    for country in countries:
        doc.add({"id": country, "a": "Country", "quote": doc.say(f"{COUNTRIES[country][0]} sent a delegation to meeting {n}.")})
    for person, country, role in participants:
        name = world.people[person]
        title = f"{COUNTRIES[country][1]} {ROLES[role][0]}"
        sentence = doc.say(f"{title} {name} {'chaired' if person == chair else 'attended'} meeting {n}.")
        doc.add({"id": person, "a": "Person", "altLabels": [name.split()[-1]], "quote": f"{title} {name}"})
        record = {"id": f"participation-{n}-{person}", "a": "Participation", "person": person, "meeting": mid,
                  "posts": [post_id(country, role)], "country": country, "quote": sentence}
        if person == chair:
            record["chair"] = True
        doc.add(record)
    speakers = [p for p in participants if p[2] in ("president", "foreign-minister", "prime-minister")] or participants
    if not speakers:
        return doc
    for k in range(1, rng.randint(2, 5) + 1):
        person, country, _ = rng.choice(speakers)
        topic = rng.choice(sorted(SUBJECTS))
        subject = rng.choice(SUBJECTS[topic])
        pid = f"proposal-{n}-{k}"
        name = world.people[person]
        doc.add({"id": pid, "a": "Proposal", "label": f"{subject} ({n}.{k})", "actors": [person], "meeting": mid,
                 "position": k, "topics": [topic],
                 "quote": doc.say(f"{name} proposed {subject} as proposal {k} of meeting {n}.")})
        for m in range(1, rng.randint(1, 4) + 1):
            doc.add({"id": f"measure-{n}-{k}-{m}", "a": "Measure", "label": f"step {m} towards {subject}",
                     "actors": [person], "meeting": mid, "partOf": pid, "position": m, "topics": [topic],
                     "quote": doc.say(f"As step {m} of proposal {k}, {name} called for {subject} to be prepared by working groups.")})
        for c in range(1, rng.randint(0, 2) + 1):
            doc.add({"id": f"commitment-{n}-{k}-{c}", "a": "Commitment", "label": f"{COUNTRIES[country][0]} will fund {subject} (part {c})",
                     "actors": [country], "meeting": mid, "partOf": pid, "topics": [topic],
                     "beneficiaries": [x for x in countries if x != country][:2] or None,
                     "quote": doc.say(f"{COUNTRIES[country][0]} will fund part {c} of {subject} under proposal {k}.")})
        others = [p for p in participants if p[1] != country]
        for other, other_country, _ in rng.sample(others, min(len(others), rng.randint(0, 3))):
            stance = "Opposition" if rng.random() < 0.1 else "Support"
            verb = "opposed" if stance == "Opposition" else "supported"
            doc.add({"id": f"{stance.lower()}-{n}-{k}-{other}", "a": stance,
                     "label": f"{world.people[other]} {verb} proposal {k} of meeting {n}",
                     "actors": [other], "meeting": mid, "targets": [pid], "topics": [topic],
                     "quote": doc.say(f"{world.people[other]} {verb} proposal {k} of meeting {n}.")})
    person, country, _ = rng.choice(speakers)
    doc.add({"id": f"assessment-{n}", "a": "Assessment", "label": f"relations assessed at meeting {n}",
             "actors": [person], "meeting": mid, "targets": [c for c in countries if c != country][:3] or [country],
             "topics": ["political-relations"],
             "quote": doc.say(f"{world.people[person]} said relations were at their best level at meeting {n}.")})
    return doc


def schedule(meetings: int, rng: random.Random, span: range) -> list[tuple[dt.date, str, list[str], int | None]]:
    """Meeting dates and kinds spread over the years: one ministerial a year, a summit every other year, visits."""
    years = list(span)
    plan: list[tuple[dt.date, str, list[str], int | None]] = []
    fm_pos = summit_pos = 0
    central = [c for c in COUNTRIES if c != "china"]
    for i in range(meetings):
        year = years[i * len(years) // meetings]
        day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
        first_of_year = i == 0 or years[(i - 1) * len(years) // meetings] != year
        if first_of_year:
            fm_pos += 1
            plan.append((day, "ministerial", list(COUNTRIES), fm_pos))
        elif year % 2 == 0 and not any(p[1] == "summit" and p[0].year == year for p in plan):
            summit_pos += 1
            plan.append((day, "summit", list(COUNTRIES), summit_pos))
        else:
            plan.append((day, "bilateral", ["china", rng.choice(central)], None))
    return plan


def yaml_scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(yaml_scalar(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def write_document(doc: Doc, out: Path) -> None:
    text_name = f"texts/{doc.id}.txt"
    (out / text_name).write_text(" ".join(doc.sentences) + "\n", encoding="utf-8")
    lines = ["# Generated by bench/generate.py: synthetic data for benchmarks, not facts.", "document:",
             f"  id: {doc.id}", "  kind: article", f"  title: {yaml_scalar(doc.title)}", f"  text: {text_name}",
             "  language: en"]
    if doc.published:
        lines.append(f"  published: {doc.published.isoformat()}")
    lines.append("records:")
    for record in doc.records:
        first = True
        for key, value in record.items():
            if value is None:
                continue
            lines.append(("  - " if first else "    ") + f"{key}: {yaml_scalar(value)}")
            first = False
    (out / f"{doc.id}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def generate(out: Path, *, triples: int, seed: int = 7) -> dict:
    """Write a sources folder of about `triples` triples into `out` (replacing it); return a summary."""
    rng = random.Random(seed)
    span = min(MAX_YEARS, max(6, triples // 3_000))
    years = range(LAST_YEAR + 1 - span, LAST_YEAR + 1)
    meetings = max(3, round((triples - BASE_TRIPLES - span * TRIPLES_PER_YEAR) / TRIPLES_PER_MEETING))
    if out.exists():
        shutil.rmtree(out)
    (out / "texts").mkdir(parents=True)
    world = World(rng, years)
    docs = [base_document()]
    docs += [d for y in years if (d := appointments_document(y, world))]
    for n, (day, kind, countries, position) in enumerate(schedule(meetings, rng, years), start=1):
        docs.append(meeting_document(n, day, kind, countries, world, rng, position))
    for doc in docs:
        write_document(doc, out)
    return {"documents": len(docs), "meetings": meetings, "records": sum(len(d.records) for d in docs),
            "people": len(world.people), "tenures": len(world.tenures)}


def parse_size(text: str) -> int:
    key = text.strip().lower()
    if key in SIZES:
        return SIZES[key]
    multiplier = {"k": 1_000, "m": 1_000_000}.get(key[-1:], 1)
    return int(float(key.rstrip("km")) * multiplier)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write the sources into (replaced)")
    parser.add_argument("--triples", default="10k", help="target size: 10k, 100k, 1m or a number (default 10k)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    summary = generate(args.out, triples=parse_size(args.triples), seed=args.seed)
    print(json.dumps(summary), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
