"""Turning checked sources into RDF: the cross-source checks, then one named graph per source document."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from graph.errors import Problem
from graph.sources.kinds import CORROBORATION, KINDS, MEASURES, STATEMENTS
from graph.namespaces import CCKG, KG, LEVEL, OA, ORG, PROV, QB, SDO, TIME, TOPIC, WD, XSD, DCTERMS
from graph.sources.read import PartialDate, Record, Source, split_language

Triple = tuple[URIRef, URIRef, object]
CONTEXT = 32  # characters of oa:prefix / oa:suffix around a quote

_MODES = {
    "online": SDO.OnlineEventAttendanceMode,
    "offline": SDO.OfflineEventAttendanceMode,
    "mixed": SDO.MixedEventAttendanceMode,
}
_CONFIDENCE = {"verified": CCKG.verified, "likely": CCKG.likely}
_CORROBORATING_FIELDS = ", ".join(sorted(CORROBORATION - {"id", "a"}))


class Index:
    """Every record by id across all sources, with the kind each id was declared as."""

    def __init__(self, sources: list[Source]):
        self.sources = sources
        self.records: dict[str, list[Record]] = defaultdict(list)
        for source in sources:
            for record in source.records:
                self.records[record.id].append(record)
        for records in self.records.values():  # a statement's full record first, its corroborating ones after
            records.sort(key=lambda r: r.corroborating)

    def kind(self, rid: str) -> str | None:
        found = self.records.get(rid)
        return found[0].kind if found else None

    def value(self, rid: str, name: str):
        """The first value of a field over every record describing `rid` (sources in file-name order)."""
        for record in self.records.get(rid, []):
            if name in record.values:
                return record.values[name]
        return None

    def label(self, rid: str) -> str:
        value = self.value(rid, "label")
        return split_language(value)[0] if value else rid


def check_sources(sources: list[Source], topics: set[URIRef], levels: set[URIRef] | None = None) -> list[Problem]:
    """Checks that need every source: ids, kinds, references, topics, partnership levels, labels and quotes."""
    problems: list[Problem] = []
    index = Index(sources)
    documents: dict[str, Source] = {}
    for source in sources:
        if source.id in documents:
            problems.append(Problem(source.shown, source.meta_lines.get("id", 1), "document.id",
                                    f"{source.id!r} is already the id of {documents[source.id].shown}"))
        documents[source.id] = source
    for rid, records in sorted(index.records.items()):
        first = records[0]
        if rid in documents:
            problems.append(Problem(first.source.shown, first.line, "id", f"{rid!r} is the id of a source document"))
        kind = KINDS[first.kind]
        for other in records[1:]:
            if other.kind != first.kind:
                problems.append(Problem(other.source.shown, other.where("a"), f"{rid}.a",
                                        f"{rid!r} is a {first.kind} in {first.source.shown}:{first.line}, "
                                        f"not a {other.kind}"))
            elif not kind.entity and not other.corroborating:
                problems.append(Problem(other.source.shown, other.line, f"{rid}.id",
                                        f"statement id {rid!r} is already used in {first.source.shown}:{first.line}; "
                                        "a second source of it carries only " + _CORROBORATING_FIELDS))
            elif not kind.entity and other.source is first.source:
                problems.append(Problem(other.source.shown, other.line, f"{rid}.id",
                                        f"statement {rid!r} is corroborated twice by {other.source.shown}"))
        if not kind.entity and first.corroborating:
            problems.append(Problem(first.source.shown, first.line, f"{rid}.id",
                                    f"corroborates the {first.kind} {rid!r}, which no source records in full "
                                    "(a record with id, a and only " + _CORROBORATING_FIELDS + " adds a source "
                                    "to a statement recorded elsewhere)"))
        labels = [r for r in records if "label" in r.values]
        if kind.entity and not labels:
            problems.append(Problem(first.source.shown, first.line, f"{rid}.label",
                                    f"the {first.kind} {rid!r} has no label in any source"))
        for extra in labels[1:]:
            problems.append(Problem(extra.source.shown, extra.where("label"), f"{rid}.label",
                                    f"{rid!r} already has the label {labels[0].values['label']!r} "
                                    f"({labels[0].source.shown}:{labels[0].where('label')}); "
                                    "give other spellings as altLabels"))
    for source in sources:
        for key in ("publisher", "translationOf"):
            target = source.meta.get(key)
            if target and index.kind(target) is None:
                problems.append(Problem(source.shown, source.meta_lines.get(key, 1), f"document.{key}",
                                        f"unknown id {target!r}: no record declares it"))
        for record in source.records:
            spec = {**KINDS[record.kind].fields}
            for name, target, line in record.refs:
                found = index.kind(target)
                allowed = spec[name].refs if name in spec else frozenset()
                if found is None:
                    problems.append(Problem(source.shown, line, f"{record.id}.{name}",
                                            f"unknown id {target!r}: no record declares it"))
                elif allowed and found not in allowed:
                    problems.append(Problem(source.shown, line, f"{record.id}.{name}",
                                            f"{target!r} is a {found}; expected {' or '.join(sorted(allowed))}"))
            level = record.values.get("level")
            if level and levels is not None and LEVEL[level] not in levels:
                problems.append(Problem(source.shown, record.where("level"), f"{record.id}.level",
                                        f"unknown partnership level {level!r} (see ontology/partnership-levels.ttl)"))
            for topic in record.values.get("topics", []):
                if TOPIC[topic] not in topics:
                    problems.append(Problem(source.shown, record.where("topics"), f"{record.id}.topics",
                                            f"unknown topic {topic!r} (see ontology/topics.ttl)"))
            for quote in record.values["quote"]:
                if source.text and quote not in source.text:
                    problems.append(Problem(source.shown, record.where("quote"), f"{record.id}.quote",
                                            f"not found verbatim in {_rel(source.text_path)}: {_clip(quote)!r}"))
    return problems


def build_dataset(sources: list[Source], ontology: Graph, *, text_root: Path) -> Dataset:
    """One named graph per source document (its IRI the document's) plus the ontology in its own graph."""
    dataset = Dataset(default_union=True)
    onto = dataset.graph(URIRef("https://w3id.org/cckg/ontology"))
    for triple in ontology:
        onto.add(triple)
    index = Index(sources)
    for source in sources:
        graph = dataset.graph(KG[source.id])
        for triple in document_triples(source, text_root):
            graph.add(triple)
        for record in source.records:
            for triple in record_triples(record, index):
                graph.add(triple)
    return dataset


def document_triples(source: Source, text_root: Path) -> Iterator[Triple]:
    doc = KG[source.id]
    meta = source.meta
    yield doc, RDF.type, CCKG.SourceDocument
    yield doc, RDF.type, SDO.NewsArticle if source.kind == "article" else CCKG.ReferenceCompilation
    yield doc, RDFS.label, Literal(meta["title"], lang="en")
    yield doc, DCTERMS.title, Literal(meta["title"], lang="en")
    yield doc, SDO.inLanguage, Literal(meta["language"])
    yield doc, CCKG.textFile, Literal(_rel(source.text_path, text_root))
    if "published" in meta:
        yield doc, SDO.datePublished, date_literal(meta["published"])
    if "publisher" in meta:
        yield doc, SDO.publisher, KG[meta["publisher"]]
    if "translationOf" in meta:
        yield doc, SDO.translationOfWork, KG[meta["translationOf"]]
    if "url" in meta:
        yield doc, SDO.url, Literal(meta["url"], datatype=XSD.anyURI)
    if "note" in meta:
        yield doc, SKOS.note, Literal(meta["note"], lang="en")
    # The web pages the document's own text lists (its table's source column): a record's URL that its document
    # does not list is what queries/checks/unlisted-url-violation.rq reports.
    for url in sorted({u for r in source.records for u in r.values.get("urls", []) if u in source.text}):
        page = URIRef(url)
        yield doc, SDO.citation, page
        yield from _page(page)


def record_triples(record: Record, index: Index, *, annotations: bool = True) -> Iterator[Triple]:
    """Every triple a record states, its provenance and (`annotations`) the annotations of its quotes."""
    kind = KINDS[record.kind]
    node = KG[record.id]
    values = record.values
    doc = KG[record.source.id]
    yield node, PROV.wasDerivedFrom, doc
    if record.corroborating:  # another source of a statement recorded in full elsewhere: no copy of its fields
        yield from _reference_triples(record, node)
        if annotations:
            yield from annotation_triples(record)
        return
    yield node, RDF.type, kind.rdf_type
    for name, spec in kind.fields.items():
        if name not in values or spec.pred is None:
            continue
        for obj in _objects(spec.type, values[name]):
            yield (obj, spec.pred, node) if spec.inverse else (node, spec.pred, obj)
    if "label" in values:
        text, lang = split_language(values["label"])
        yield node, RDFS.label, Literal(text, lang=lang)
    elif not kind.entity:
        yield node, RDFS.label, Literal(_generated_label(record, index), lang="en")
    yield from _reference_triples(record, node)
    yield from _derived(record, index, node)
    if annotations:
        yield from annotation_triples(record)


def _reference_triples(record: Record, node: URIRef) -> Iterator[Triple]:
    """A record's (`node`) note, citations, reference rows, confidence and the web pages it is derived from."""
    values = record.values
    if "note" in values:
        yield node, SKOS.note, Literal(values["note"], lang="en")
    for citation in values.get("citations", []):
        yield node, DCTERMS.bibliographicCitation, Literal(citation, lang="en")
    for row in values.get("row", []):
        yield node, CCKG.referenceRow, Literal(row)
    if "confidence" in values:
        yield node, CCKG.confidence, _CONFIDENCE[values["confidence"]]
    for url in values.get("urls", []):
        page = URIRef(url)
        yield node, PROV.wasDerivedFrom, page
        yield node, DCTERMS.source, page
        yield from _page(page)


def _page(page: URIRef) -> Iterator[Triple]:
    yield page, RDF.type, SDO.WebPage
    yield page, RDFS.label, Literal(str(page))
    yield page, SDO.url, Literal(str(page), datatype=XSD.anyURI)


def _objects(ftype: str, value) -> Iterable[object]:
    if ftype == "id":
        return [KG[value]]
    if ftype == "ids":
        return [KG[v] for v in value]
    if ftype == "topics":
        return [TOPIC[v] for v in value]
    if ftype == "text":
        text, lang = split_language(value)
        return [Literal(text, lang=lang)]
    if ftype == "texts":
        return [Literal(t, lang=lang) for t, lang in map(split_language, value)]
    if ftype == "date":
        return [date_literal(value)]
    if ftype == "int":
        return [Literal(value, datatype=XSD.positiveInteger)]
    if ftype == "bool":
        return [Literal(value)]
    if ftype == "qid":
        return [WD[value]]
    if ftype == "mode":
        return [_MODES[value]]
    if ftype == "lang":
        return [Literal(value)]
    if ftype == "decimal":
        return [Literal(value, datatype=XSD.decimal)]
    if ftype == "currency":
        return [Literal(value)]
    if ftype == "level":
        return [LEVEL[value]]
    if ftype == "measure":
        return [MEASURES[value]]
    raise AssertionError(ftype)


def _derived(record: Record, index: Index, node: URIRef) -> Iterator[Triple]:
    """The shortcut triples a statement kind (`node`) implies (sources/README.md, 'Also adds')."""
    v = record.values
    if record.kind == "Tenure":
        person, post = KG[v["person"]], KG[v["post"]]
        yield person, ORG.holds, post
        role, post_in = index.value(v["post"], "role"), index.value(v["post"], "postIn")
        if role:
            yield node, ORG.role, KG[role]
        if post_in:
            yield node, ORG.organization, KG[post_in]
        yield from _interval(record, node)
    elif record.kind == "Membership":
        if not v.get("observer"):
            yield KG[v["member"]], ORG.memberOf, KG[v["organization"]]
        yield from _interval(record, node)
    elif record.kind == "Participation":
        meeting, person = KG[v["meeting"]], KG[v["person"]]
        yield meeting, SDO.attendee, person
        if v.get("chair"):
            yield meeting, CCKG.chairedBy, person
        if "country" in v:
            yield meeting, CCKG.participatingCountry, KG[v["country"]]
    elif record.kind in ("Place", "City") and "country" in v:
        yield node, CCKG.country, KG[v["country"]]
    elif record.kind == "Partnership":  # the two states that established it are its actors
        for party in v["parties"]:
            yield node, CCKG.actor, KG[party]
    elif record.kind == "Observation":
        yield node, RDF.type, SDO.Observation
        yield node, QB.dataSet, CCKG.tradeDataSet
    if "amount" in v:  # a statement's money: a schema:MonetaryAmount of its own (no blank nodes)
        amount = KG[record.id + "-amount"]
        yield node, SDO.amount, amount
        yield amount, RDF.type, SDO.MonetaryAmount
        yield amount, RDFS.label, Literal(f"{v['amount']} {v['currency']}", lang="en")
        yield amount, SDO.value, Literal(v["amount"], datatype=XSD.decimal)
        yield amount, SDO.currency, Literal(v["currency"])


def _interval(record: Record, node: URIRef) -> Iterator[Triple]:
    v = record.values
    if "start" not in v and "end" not in v:
        return
    term = KG[record.id + "-term"]
    yield node, ORG.memberDuring, term
    yield term, RDF.type, TIME.ProperInterval
    yield term, RDFS.label, Literal(f"term of {record.id}", lang="en")
    for key, link in (("start", TIME.hasBeginning), ("end", TIME.hasEnd)):
        if key in v:
            instant = KG[f"{record.id}-{key}"]
            yield term, link, instant
            yield instant, RDF.type, TIME.Instant
            yield instant, RDFS.label, Literal(f"{key} of {record.id}: {v[key].lexical}", lang="en")
            yield instant, _time_property(v[key]), date_literal(v[key])


def annotation_triples(record: Record) -> Iterator[Triple]:
    """A Web Annotation per quote: the record's resource is the body, the quoted span of the text the target.
    (graph.build.loading.annotation_lines writes the same triples as N-Triples lines.)"""
    doc, body, motivation = KG[record.source.id], KG[record.id], annotation_motivation(record)
    for stem, quote, start, end, prefix, suffix in quote_spans(record):
        ann, target = URIRef(stem), URIRef(stem + ".target")
        quote_sel, pos_sel = URIRef(stem + ".quote"), URIRef(stem + ".position")
        yield ann, RDF.type, OA.Annotation
        yield ann, OA.motivatedBy, motivation
        yield ann, OA.hasBody, body
        yield ann, OA.hasTarget, target
        yield target, RDF.type, OA.SpecificResource
        yield target, OA.hasSource, doc
        yield target, OA.hasSelector, quote_sel
        yield target, OA.hasSelector, pos_sel
        yield quote_sel, RDF.type, OA.TextQuoteSelector
        yield quote_sel, OA.exact, Literal(quote)
        yield quote_sel, OA.prefix, Literal(prefix)
        yield quote_sel, OA.suffix, Literal(suffix)
        yield pos_sel, RDF.type, OA.TextPositionSelector
        yield pos_sel, OA.start, Literal(start, datatype=XSD.nonNegativeInteger)
        yield pos_sel, OA.end, Literal(end, datatype=XSD.nonNegativeInteger)


def annotation_motivation(record: Record) -> URIRef:
    return OA.describing if record.kind in STATEMENTS or not KINDS[record.kind].entity else OA.identifying


def quote_spans(record: Record) -> Iterator[tuple[str, str, int, int, str, str]]:
    """(annotation IRI, quote, start, end, prefix, suffix) of each quote of a record found in its document's text
    (one not found is reported by check_sources)."""
    text = record.source.text
    base = f"{KG}{record.source.id}#{record.id}"  # KG[…]'s text, without making the URIRef
    for n, quote in enumerate(record.values["quote"], start=1):
        start = text.find(quote)
        if start < 0:
            continue
        end = start + len(quote)
        # Fragments of the document's IRI; "." never occurs in a record id, so these cannot clash with one.
        yield (base if n == 1 else f"{base}.{n}"), quote, start, end, text[max(0, start - CONTEXT):start], \
            text[end:end + CONTEXT]


def date_literal(d: PartialDate) -> Literal:
    if d.day:
        return Literal(d.lexical, datatype=XSD.date)
    if d.month:
        return Literal(d.lexical, datatype=XSD.gYearMonth)
    return Literal(d.lexical, datatype=XSD.gYear)


def _time_property(d: PartialDate) -> URIRef:
    return TIME.inXSDDate if d.day else TIME.inXSDgYearMonth if d.month else TIME.inXSDgYear


def _generated_label(record: Record, index: Index) -> str:
    v, lab = record.values, index.label
    if record.kind == "Tenure":
        return f"{lab(v['person'])} as {lab(v['post'])}"
    if record.kind == "Participation":
        return f"{lab(v['person'])} at {lab(v['meeting'])}"
    if record.kind == "Membership":
        what = "observer of" if v.get("observer") else "member of"
        return f"{lab(v['member'])} as {what} {lab(v['organization'])}"
    if record.kind == "NonMembership":
        return f"{lab(v['member'])} not a member of {lab(v['organization'])}"
    if record.kind == "DiplomaticRelation":
        return f"diplomatic relations between {lab(v['parties'][0])} and {lab(v['parties'][1])}"
    if record.kind == "Partnership":
        return (f"{v['level'].replace('-', ' ')} between {lab(v['parties'][0])} and {lab(v['parties'][1])} "
                f"from {v['start'].lexical}")
    if record.kind == "Observation":
        flow = {"trade-total": "trade with", "exports": "exports to", "imports": "imports from"}[v["measure"]]
        return f"{lab(v['reporter'])}'s {flow} {lab(v['partner'])} in {v['period'].lexical}"
    return record.id


def _rel(path: Path, root: Path | None = None) -> str:
    from graph.sources.read import ROOT

    base = root or ROOT
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return path.name


def _clip(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
