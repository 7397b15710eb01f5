"""What the built graph already knows, as the curator's workflow needs it: every entity's names (Lexicon), and the
meetings, outcome documents, statements, participations and tenures a new report may mention again (Known).

`Lexicon.from_build` reads a built graph (graph.pipeline.Build): the names from its triples (every rdfs:label and
skos:altLabel), the rest from its source records, where a statement's corroborating records add their quotes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rdflib.namespace import RDFS, SKOS

from graph.build.builder import Index
from graph.sources.kinds import DOCUMENTS, KINDS, MEETINGS, STATEMENTS
from graph.namespaces import CCKG, KG, ORG, SDO

MEETING_KINDS = MEETINGS


@dataclass
class Entity:
    id: str
    kind: str
    label: str
    names: list[str] = field(default_factory=list)  # label first, then altLabels (sorted)


@dataclass
class KnownStatement:
    """A statement of the graph (Proposal, Measure, Commitment, Support, Opposition, Assessment, Decision)."""

    id: str
    kind: str
    label: str
    actors: tuple[str, ...]
    meeting: str
    part_of: str
    position: int | None
    quotes: tuple[str, ...]  # of its full record and of every corroborating record


@dataclass
class KnownMeeting:
    id: str
    kind: str
    series: str
    position: int | None
    date: str  # YYYY-MM-DD, YYYY-MM or ""
    location: str
    mode: str


@dataclass
class Known:
    """The graph's meetings, documents, statements, participations and tenures, indexed for matching."""

    meetings: dict[str, KnownMeeting] = field(default_factory=dict)
    series: dict[str, str] = field(default_factory=dict)  # series id -> label
    documents: dict[str, str] = field(default_factory=dict)  # document id -> the meeting that adopted it ("")
    statements: dict[str, KnownStatement] = field(default_factory=dict)
    participations: dict[tuple[str, str], str] = field(default_factory=dict)  # (person, meeting) -> id
    countries_at: dict[tuple[str, str], str] = field(default_factory=dict)  # (person, meeting) -> country
    tenures: dict[tuple[str, str], list[tuple[str, str, str]]] = field(default_factory=dict)  # -> (id, start, end)

    @classmethod
    def from_index(cls, index: Index) -> Known:
        known = cls()
        tenures: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
        for rid in sorted(index.records):
            records = index.records[rid]
            kind = records[0].kind

            def value(name, default=None):
                found = index.value(rid, name)
                return default if found is None else found

            if kind in MEETINGS:
                known.meetings[rid] = KnownMeeting(rid, kind, str(value("series", "")), _int(value("position")),
                                                   _date(value("date")), str(value("location", "")),
                                                   str(value("mode", "")))
            elif kind == "MeetingSeries":
                known.series[rid] = index.label(rid)
            elif kind in DOCUMENTS:
                known.documents[rid] = str(value("adoptedAt", ""))
            elif kind in STATEMENTS:
                quotes = tuple(q for r in records for q in _list(r.values.get("quote")))
                known.statements[rid] = KnownStatement(
                    rid, kind, str(value("label", "")), tuple(_list(value("actors", []))), str(value("meeting", "")),
                    str(value("partOf", "")), _int(value("position")), quotes)
            elif kind == "Participation":
                key = (str(value("person")), str(value("meeting")))
                known.participations.setdefault(key, rid)
                if value("country"):
                    known.countries_at.setdefault(key, str(value("country")))
            elif kind == "Tenure":
                tenures[(str(value("person")), str(value("post")))].append(
                    (rid, _date(value("start")), _date(value("end"))))
        known.tenures = dict(tenures)
        return known

    def tenure_for(self, person: str, post: str, on: str = "") -> str | None:
        """The id of the person's tenure of the post: the one whose dates hold `on` (YYYY-MM-DD), else the first."""
        found = self.tenures.get((person, post), [])
        if not found:
            return None
        if on:
            for rid, start, end in found:
                if (not start or start[:len(on)] <= on) and (not end or on[:len(end)] <= end) and (start or end):
                    return rid
        return found[0][0]

    def country_of(self, person: str, meeting: str) -> str:
        """The country a person represented at a meeting, or at any meeting (the graph's participations)."""
        if (person, meeting) in self.countries_at:
            return self.countries_at[(person, meeting)]
        for (p, _), country in sorted(self.countries_at.items()):
            if p == person:
                return country
        return ""


def _list(value) -> list:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def _int(value) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _date(value) -> str:
    if value is None:
        return ""
    return value.lexical if hasattr(value, "lexical") else str(value)


@dataclass
class Lexicon:
    """The graph's entities and their names, the roles by label, posts by (role, country), meetings by date."""

    entities: dict[str, Entity]
    roles: dict[str, str]  # role label -> role id
    posts: dict[tuple[str, str], str]  # (role id, country id) -> post id
    meetings: dict[str, list[str]]  # YYYY-MM-DD -> meeting ids
    ids: set[str]  # every id of the graph (records and documents)
    known: Known = field(default_factory=Known)

    @classmethod
    def from_build(cls, build, *, alt_labels: bool = True) -> Lexicon:
        """Read the names from a built graph (graph.pipeline.Build): every rdfs:label and skos:altLabel."""
        index = Index(build.sources)
        labels: dict[str, str] = {}
        alts: dict[str, set[str]] = defaultdict(set)
        roles_of: dict[str, str] = {}
        country_of: dict[str, str] = {}
        starts: dict[str, str] = {}
        for s, p, o in build.data_triples():
            rid = _local(s)
            if rid is None:
                continue
            if p == RDFS.label:
                labels[rid] = str(o)
            elif p == SKOS.altLabel and alt_labels:
                alts[rid].add(str(o))
            elif p == ORG.role:
                roles_of[rid] = _local(o) or ""
            elif p == CCKG.country:
                country_of[rid] = _local(o) or ""
            elif p == SDO.startDate:
                starts[rid] = str(o)
        entities, roles, posts, meetings = {}, {}, {}, defaultdict(list)
        for rid in sorted(index.records):
            kind = index.kind(rid)
            if not KINDS[kind].entity or rid not in labels:
                continue
            entities[rid] = Entity(rid, kind, labels[rid], [labels[rid], *sorted(alts[rid] - {labels[rid]})])
            if kind == "Role":
                roles[labels[rid]] = rid
            elif kind == "Post" and rid in roles_of and rid in country_of:
                posts[(roles_of[rid], country_of[rid])] = rid
            elif kind in MEETING_KINDS and rid in starts:
                meetings[starts[rid]].append(rid)
        ids = set(index.records) | {s.id for s in build.sources}
        return cls(entities, roles, posts, dict(meetings), ids, Known.from_index(index))


def _local(node) -> str | None:
    text = str(node)
    if text.startswith(str(KG)) and "#" not in text:
        return text[len(str(KG)):]
    return None


__all__ = ["Entity", "Known", "KnownMeeting", "KnownStatement", "Lexicon", "MEETING_KINDS"]
