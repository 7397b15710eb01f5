"""The relationship over time: the items of the timeline page (meetings and summits, documents signed, partnership
upgrades, diplomatic relations, terms of office) and the time span of each node of the graph view.

Everything is read by SPARQL from the build's pyoxigraph store (`Build.store`, whole graph in the default graph), on
both build paths, so the page stays bounded on a large build (at most MAX_ITEMS items, the latest first kept). Each
item carries its own source (the first source document that states it and the first web page that backs it), so
the panel can show where it comes from even when no side-panel details are gathered (large builds).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from graph.network.projection import curie

#: The page draws at most this many items (a large build: the latest kept, every kind represented).
MAX_ITEMS = 1500

PREFIXES = """PREFIX cckg: <https://w3id.org/cckg/ontology/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX kg: <https://w3id.org/cckg/id/>
"""

#: Meetings, summits and other dated events; their mechanism (through the series) and the countries they involve.
EVENTS = PREFIXES + """
SELECT ?item ?label ?class ?start ?end ?mechanism ?country ?doc ?page WHERE {
  VALUES ?class { cckg:Meeting cckg:MinisterialMeeting cckg:Summit schema:Event }
  ?item a ?class ; rdfs:label ?label ; schema:startDate ?start .
  OPTIONAL { ?item schema:endDate ?end }
  OPTIONAL { ?item schema:superEvent/cckg:underMechanism ?mechanism }
  OPTIONAL { { ?item cckg:participatingCountry ?country } UNION { ?item cckg:hostCountry ?country }
             UNION { ?item schema:location ?country . ?country a schema:Country } }
  OPTIONAL { SELECT ?item (MIN(STR(?d)) AS ?doc) WHERE { ?item prov:wasDerivedFrom ?d . ?d a cckg:SourceDocument }
             GROUP BY ?item }
  OPTIONAL { SELECT ?item (MIN(STR(?p)) AS ?page) WHERE { ?item dcterms:source ?p } GROUP BY ?item }
}"""

#: Documents signed or adopted, with their parties and the meeting that adopted them.
DOCUMENTS = PREFIXES + """
SELECT ?item ?label ?class ?start ?end ?mechanism ?country ?doc ?page WHERE {
  VALUES ?class { cckg:Treaty cckg:Agreement cckg:Declaration cckg:OutcomeDocument }
  ?item a ?class ; rdfs:label ?label .
  OPTIONAL { ?meeting cckg:adopted ?item .
             OPTIONAL { ?meeting schema:startDate ?meetingDate }
             OPTIONAL { ?meeting schema:superEvent/cckg:underMechanism ?mechanism } }
  OPTIONAL { ?item schema:datePublished ?published }
  BIND (COALESCE(?published, ?meetingDate) AS ?start)
  FILTER (BOUND(?start))
  OPTIONAL { { ?item cckg:party ?country } UNION { ?adopting cckg:adopted ?item ; cckg:participatingCountry ?country } }
  OPTIONAL { SELECT ?item (MIN(STR(?d)) AS ?doc) WHERE { ?item prov:wasDerivedFrom ?d . ?d a cckg:SourceDocument }
             GROUP BY ?item }
  OPTIONAL { SELECT ?item (MIN(STR(?p)) AS ?page) WHERE { ?item dcterms:source ?p } GROUP BY ?item }
}"""

#: Partnership levels announced and diplomatic relations established (with China or between others).
RELATIONS = PREFIXES + """
SELECT ?item ?label ?class ?start ?end ?level ?levelLabel ?country ?doc ?page WHERE {
  VALUES ?class { cckg:PartnershipStatus cckg:DiplomaticRelation }
  ?item a ?class ; rdfs:label ?label ; schema:startDate ?start ; cckg:party ?country .
  OPTIONAL { ?item cckg:partnershipLevel ?level . ?level rdfs:label ?levelLabel }
  OPTIONAL { SELECT ?item (MIN(STR(?d)) AS ?doc) WHERE { ?item prov:wasDerivedFrom ?d . ?d a cckg:SourceDocument }
             GROUP BY ?item }
  OPTIONAL { SELECT ?item (MIN(STR(?p)) AS ?page) WHERE { ?item dcterms:source ?p } GROUP BY ?item }
}"""

#: Terms of office of heads of state (President) and foreign ministers, as bars.
TERMS = PREFIXES + """
SELECT ?item ?label ?person ?personLabel ?post ?postLabel ?role ?start ?end ?country ?doc ?page WHERE {
  VALUES ?role { kg:president kg:foreign-minister }
  ?item a cckg:Tenure ; org:member ?person ; cckg:post ?post .
  ?post org:role ?role ; rdfs:label ?postLabel .
  ?person rdfs:label ?personLabel .
  OPTIONAL { ?item rdfs:label ?label }
  OPTIONAL { ?post cckg:country ?country }
  ?item org:memberDuring ?term . ?term time:hasBeginning ?b . ?b ?bp ?start .
  FILTER (?bp IN (time:inXSDDate, time:inXSDgYearMonth, time:inXSDgYear))
  OPTIONAL { ?term time:hasEnd ?e . ?e ?ep ?end . FILTER (?ep IN (time:inXSDDate, time:inXSDgYearMonth, time:inXSDgYear)) }
  OPTIONAL { SELECT ?item (MIN(STR(?d)) AS ?doc) WHERE { ?item prov:wasDerivedFrom ?d . ?d a cckg:SourceDocument }
             GROUP BY ?item }
  OPTIONAL { SELECT ?item (MIN(STR(?p)) AS ?page) WHERE { ?item dcterms:source ?p } GROUP BY ?item }
}"""

MECHANISMS = PREFIXES + "SELECT ?m ?label WHERE { ?m a cckg:Mechanism ; rdfs:label ?label }"
DOCS = PREFIXES + """SELECT ?doc ?title WHERE { ?doc a cckg:SourceDocument .
  OPTIONAL { ?doc dcterms:title ?t } OPTIONAL { ?doc rdfs:label ?l } BIND (COALESCE(?t, ?l, "") AS ?title) }"""

#: The kind of an item, from its class.
KINDS = {
    "cckg:MinisterialMeeting": "meeting", "cckg:Meeting": "meeting", "cckg:Summit": "summit",
    "schema:Event": "event", "cckg:Treaty": "treaty", "cckg:Agreement": "agreement",
    "cckg:Declaration": "declaration", "cckg:OutcomeDocument": "document",
    "cckg:PartnershipStatus": "partnership", "cckg:DiplomaticRelation": "relations",
}
#: Kinds drawn in the lane of documents, and their legend.
DOCUMENT_KINDS = ("treaty", "agreement", "declaration", "document")
LEGEND = [
    ("meeting", "ministerial or other meeting"), ("summit", "summit"), ("event", "other event"),
    ("treaty", "treaty"), ("agreement", "agreement"), ("declaration", "declaration"),
    ("document", "other outcome document"), ("relations", "diplomatic relations"),
    ("partnership", "partnership level announced"), ("term", "term of office"),
]


def _rows(store, query: str):
    answer = store.query(query)
    names = [v.value for v in answer.variables]
    for solution in answer:  # the values in the variables' order
        yield dict(zip(names, [None if term is None else term.value for term in solution]))


@dataclass
class Timeline:
    items: list[dict]
    countries: list[dict]
    mechanisms: list[dict]
    docs: dict[str, dict]
    total: int  # items before the MAX_ITEMS bound

    def to_json(self) -> dict:
        years = [int(i["start"][:4]) for i in self.items] + [int(i["end"][:4]) for i in self.items if i["end"]]
        return {"items": self.items, "countries": self.countries, "mechanisms": self.mechanisms,
                "docs": self.docs, "total": self.total, "legend": [{"kind": k, "label": t} for k, t in LEGEND],
                "years": [min(years), max(years)] if years else [2000, 2025]}


def _merge(rows, make) -> dict[str, dict]:
    """One item per ?item: first (sorted) values for scalars, every country, the first source and page."""
    items: dict[str, dict] = {}
    for row in rows:
        key = row["item"]
        item = items.get(key)
        if item is None:
            item = items[key] = make(row)
            item.update(countries=set(), docs=set(), pages=set())
        if row.get("country"):
            item["countries"].add(curie_of(row["country"]))
        if row.get("doc"):
            item["docs"].add(curie_of(row["doc"]))
        if row.get("page"):
            item["pages"].add(row["page"])
        for name in ("start", "end", "mechanism"):
            if row.get(name) and (not item.get(name) or _norm(row[name], name) < item[name]):
                item[name] = _norm(row[name], name)
    return items


def _norm(value: str, name: str) -> str:
    return curie_of(value) if name == "mechanism" else value


def curie_of(iri: str) -> str:
    from rdflib import URIRef

    return curie(URIRef(iri))


def _class_item(row: dict) -> dict:
    return {"id": curie_of(row["item"]), "label": row["label"], "kind": KINDS[curie_of(row["class"])],
            "start": "", "end": "", "mechanism": ""}


def collect(store, *, docs_href: dict[str, str] | None = None, limit: int = MAX_ITEMS) -> Timeline:
    """The timeline's items from a pyoxigraph store, sorted by (start, kind, label, id); bounded by `limit`."""
    items: dict[str, dict] = {}
    for query in (EVENTS, DOCUMENTS):
        items.update(_merge(_rows(store, query), _class_item))

    def relation(row):
        item = _class_item(row)
        item["level"] = row.get("levelLabel") or ""
        return item
    items.update(_merge(_rows(store, RELATIONS), relation))

    def term(row):
        return {"id": curie_of(row["item"]), "label": f"{row['personLabel']}, {row['postLabel']}", "kind": "term",
                "start": "", "end": "", "mechanism": "", "person": curie_of(row["person"]),
                "post": curie_of(row["post"]), "postLabel": row["postLabel"],
                "role": "head of state" if row["role"].endswith("/president") else "foreign minister"}
    items.update(_merge(_rows(store, TERMS), term))

    out = []
    for item in items.values():
        if not item["start"]:
            continue
        item["countries"] = sorted(item["countries"])
        item["doc"] = min(item.pop("docs"), default="")
        item["page"] = min(item.pop("pages"), default="")
        out.append(item)
    out.sort(key=lambda i: (i["start"], i["kind"], i["label"], i["id"]))
    total = len(out)
    if len(out) > limit:  # the latest items: what a reader of a large build looks at first
        out = out[-limit:]
    labels = {}
    for row in _rows(store, PREFIXES + "SELECT ?c ?label WHERE { ?c a schema:Country ; rdfs:label ?label }"):
        labels[curie_of(row["c"])] = row["label"]
    used = sorted({c for i in out for c in i["countries"]}, key=lambda c: (labels.get(c, c), c))
    countries = [{"id": c, "label": labels.get(c, c)} for c in used]
    mechanisms = sorted(({"id": curie_of(r["m"]), "label": r["label"]} for r in _rows(store, MECHANISMS)
                         if curie_of(r["m"]) in {i["mechanism"] for i in out}), key=lambda m: (m["label"], m["id"]))
    wanted = {i["doc"] for i in out if i["doc"]}
    docs = {doc: {**info, "href": (docs_href or {}).get(doc, "")} for doc, info in source_docs(store).items()
            if doc in wanted}
    return Timeline(out, countries, mechanisms, docs, total)


def source_docs(store) -> dict[str, dict]:
    """{document CURIE: {"title": …}} for every source document of the store."""
    docs = {}
    for row in _rows(store, DOCS):
        docs.setdefault(curie_of(row["doc"]), {"title": row["title"] or curie_of(row["doc"])})
    return dict(sorted(docs.items()))


def per_build(result, key: str, make):
    """`make()`, made once per build and kept on it (as `_viz_<key>`; made each time for an object that takes no
    attribute): what the view's writer and the pages' writer both read."""
    name = f"_viz_{key}"
    cached = getattr(result, name, None)
    if cached is None:
        cached = make()
        try:
            setattr(result, name, cached)
        except AttributeError:
            pass
    return cached


def for_build(result, docs_href: dict[str, str] | None = None) -> Timeline:
    """The timeline of a build, collected once per build (the report's charts and the pages share it)."""
    return per_build(result, "timeline", lambda: collect(result.store, docs_href=docs_href))


def source_docs_of_build(result) -> dict[str, dict]:
    """`source_docs` of a build's store, once per build (the report's charts and the pages share it)."""
    return per_build(result, "source_docs", lambda: source_docs(result.store))


# ------------------------------------------------------------------------------------- time spans of graph nodes

#: When each drawn node existed or happened: meetings and documents their date, statements the date of the meeting
#: where they were made (or the document recording them), people the span of their recorded terms of office.
SPANS = PREFIXES + """
SELECT ?node ?start ?end WHERE {
  {
    ?node schema:startDate ?start . OPTIONAL { ?node schema:endDate ?end }
    FILTER NOT EXISTS { ?node a cckg:PartnershipStatus } FILTER NOT EXISTS { ?node a cckg:DiplomaticRelation }
  } UNION {
    ?node schema:datePublished ?start .
  } UNION {
    ?node cckg:madeAt ?m . ?m schema:startDate ?start . OPTIONAL { ?m schema:endDate ?end }
  } UNION {
    ?node dcterms:date ?start .
  } UNION {
    ?node cckg:recordedIn ?d . ?d schema:datePublished ?start .
  } UNION {
    ?t a cckg:Tenure ; org:member ?node ; org:memberDuring ?term . ?term time:hasBeginning ?b . ?b ?bp ?start .
    FILTER (?bp IN (time:inXSDDate, time:inXSDgYearMonth, time:inXSDgYear))
    OPTIONAL { ?term time:hasEnd ?e . ?e ?ep ?end0 . FILTER (?ep IN (time:inXSDDate, time:inXSDgYearMonth, time:inXSDgYear)) }
    BIND (COALESCE(?end0, "9999") AS ?end)
  }
}"""


#: Above this many nodes `node_spans` asks for every node's span and keeps the given ones (a VALUES block that long
#: costs more than it saves).
SPANS_VALUES_LIMIT = 5000


def node_spans(store, nodes) -> dict[str, list[str]]:
    """{node CURIE: [first start, last end]} for the given nodes that have a date; an open term ends in "9999".

    The query is restricted to the nodes (a VALUES block: the whole graph's spans are 23.8k rows at 1M triples, and
    the 1,000-node focus view kept a tenth of them); above SPANS_VALUES_LIMIT nodes every span is read."""
    wanted = set(nodes)
    query = SPANS
    iris = [iri for node in sorted(wanted) if (iri := _iri_of(node)) is not None]
    if len(iris) <= SPANS_VALUES_LIMIT:
        head, _, body = SPANS.partition("WHERE {")
        query = head + "WHERE {\n  VALUES ?node { " + " ".join(f"<{i}>" for i in iris) + " }" + body
    spans: dict[str, list[str]] = defaultdict(lambda: ["9999", ""])
    for row in _rows(store, query):
        node = curie_of(row["node"])
        if node not in wanted or not row["start"]:
            continue
        span = spans[node]
        span[0] = min(span[0], row["start"])
        span[1] = max(span[1], row.get("end") or row["start"])
    return {node: spans[node] for node in sorted(spans)}


def _iri_of(node: str) -> str | None:
    """The IRI a node CURIE (or <IRI>) names, None if it names none that a query could hold."""
    from graph.namespaces import PREFIXES

    if node.startswith("<") and node.endswith(">"):
        iri = node[1:-1]
    else:
        prefix, _, local = node.partition(":")
        if prefix not in PREFIXES:
            return None
        iri = PREFIXES[prefix] + local
    return None if any(c in iri for c in ' <>"{}|\\^`') else iri


__all__ = ["MAX_ITEMS", "Timeline", "collect", "node_spans", "per_build", "source_docs_of_build"]
