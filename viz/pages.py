"""The timeline page (dist/timeline.html) and a page per country (dist/country/<slug>.html): the relationship over
time, written by the main build (graph.api.MAIN_WRITERS) next to the graph view and linked from it.

The country pages are made from the library queries (queries/cq: country-timeline, meeting-delegations,
country-stances, documents-and-commitments, country-memberships, trade-by-year) run on the build's store, each line
with the source document that states it (and the web page and confidence of a reference fact). Pages are static
HTML rendered with autoescape on; links are only http(s) or relative. The timeline page draws its items from a JSON
blob with a small inline script (no library, no request) and shows their facts in the graph view's side panel.
"""

from __future__ import annotations

import functools
import operator
import re
from pathlib import Path

from viz.timeline import PREFIXES, _rows, curie_of

TIMELINE_FILE = "timeline.html"
COUNTRY_DIR = "country"
#: The country pages: China's and those of the members of this mechanism (the five), at most MAX_COUNTRIES.
MECHANISM = "https://w3id.org/cckg/id/china-central-asia"
CHINA = "https://w3id.org/cckg/id/china"
MAX_COUNTRIES = 12
#: Rows per section of a country page (a large build: the page stays bounded and says how many are left out).
MAX_ROWS = 400

COUNTRIES = PREFIXES + """SELECT DISTINCT ?c ?label WHERE {
  { BIND (<%s> AS ?c) } UNION { <%s> org:hasMember ?c } UNION { ?c org:memberOf <%s> }
  ?c a schema:Country ; rdfs:label ?label }""" % (CHINA, MECHANISM, MECHANISM)

#: The source of each participation of a country's delegates (meeting-delegations gives no statement to cite).
PARTICIPATION_SOURCES = PREFIXES + """SELECT ?meeting ?person ?doc ?page ?confidence WHERE {
  ?p a cckg:Participation ; cckg:inMeeting ?meeting ; cckg:participant ?person ; cckg:representing ?country .
  OPTIONAL { ?p prov:wasDerivedFrom ?doc . ?doc a cckg:SourceDocument }
  OPTIONAL { ?p dcterms:source ?page }
  OPTIONAL { ?p cckg:confidence/rdfs:label ?confidence }
}"""

#: The source of any resource (a stance, a membership, a document).
RESOURCE_SOURCES = PREFIXES + """SELECT ?r ?doc ?page ?confidence WHERE {
  ?r prov:wasDerivedFrom ?doc . ?doc a cckg:SourceDocument .
  OPTIONAL { ?r dcterms:source ?page }
  OPTIONAL { ?r cckg:confidence/rdfs:label ?confidence }
}"""

#: (The document's link inside each branch: after the union, the engine joined it with every resource's document,
#: about 0.16 s a country at 1M triples, 0.01 s so.)
MEMBERSHIP_SOURCES = PREFIXES + """SELECT ?org ?doc ?page ?confidence WHERE {
  { ?m a org:Membership ; org:member ?country ; org:organization ?org ; prov:wasDerivedFrom ?doc }
  UNION { ?m a cckg:NonMembership ; cckg:nonMember ?country ; cckg:ofOrganization ?org ; prov:wasDerivedFrom ?doc }
  ?doc a cckg:SourceDocument .
  OPTIONAL { ?m dcterms:source ?page }
  OPTIONAL { ?m cckg:confidence/rdfs:label ?confidence }
}"""


def slug(iri: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", iri.rsplit("/", 1)[-1].lower()).strip("-") or "country"


def countries(store) -> list[dict]:
    """China first, then the members of China + Central Asia by label; at most MAX_COUNTRIES."""
    found = {}
    for row in _rows(store, COUNTRIES):
        found.setdefault(row["c"], row["label"])
    ordered = sorted(found.items(), key=lambda kv: (kv[0] != CHINA, kv[1], kv[0]))[:MAX_COUNTRIES]
    return [{"iri": iri, "id": curie_of(iri), "label": label, "slug": slug(iri)} for iri, label in ordered]


def links(result) -> dict:
    """The pages the graph view links to (hrefs relative to dist/)."""
    store = getattr(result, "store", None)
    if store is None:
        return {}
    return {"timeline": TIMELINE_FILE,
            "countries": [{"id": c["id"], "label": c["label"], "href": f"{COUNTRY_DIR}/{c['slug']}.html"}
                          for c in countries(store)]}


# ------------------------------------------------------------------------------------------------- country pages

def _library_rows(store, name: str, **params) -> list[dict]:
    """The rows of a library query (its own ORDER BY kept), every value a string ("" when unbound): the text of
    each distinct term made once, as graph.store.engines.OxigraphStore would convert it (rdflib term, normalized).

    Run on the store directly: the library's queries are known to be read-only and ordered, so graph.store.engines.run's
    preparation (prefixes, ordering) is not needed here; the query's own choice of binding is applied."""
    import pyoxigraph as ox
    from rdflib import URIRef

    from graph.store import library
    from graph.store.results import normalize_term
    from graph.terms import from_oxigraph, to_oxigraph

    query = library.find(name)
    text, bound = query.bind(query.text, {k: URIRef(v) for k, v in params.items()})
    answer = store.query(text, substitutions={ox.Variable(k): to_oxigraph(v) for k, v in bound.items()})
    names = [v.value for v in answer.variables]
    texts: dict = {None: ""}

    def text_of(term) -> str:
        found = texts.get(term)
        if found is None:
            found = texts[term] = str(normalize_term(from_oxigraph(term)))
        return found

    return [dict(zip(names, map(text_of, solution))) for solution in answer]


#: The library queries the country pages read.
PAGE_QUERIES = ("country-timeline", "meeting-delegations", "country-stances", "documents-and-commitments",
                "country-memberships", "trade-by-year")


class Library:
    """Each library query run once, unbound, on the build's store; a country's rows are those of its ?country."""

    def __init__(self, store):
        self.store, self.cache = store, {}

    def rows(self, name: str) -> list[dict]:
        if name not in self.cache:
            self.cache[name] = _library_rows(self.store, name)
        return self.cache[name]

    def of(self, name: str, country: str) -> list[dict]:
        return [r for r in self.rows(name) if r["country"] == country]

    def resources(self) -> dict[str, dict]:
        """{resource IRI: its source row} (RESOURCE_SOURCES, the first by document and page)."""
        from viz.timeline import _rows

        if "resources" not in self.cache:
            self.cache["resources"] = _first_by(_rows(self.store, RESOURCE_SOURCES), operator.itemgetter("r"))
        return self.cache["resources"]

    def fetch(self) -> None:
        """Every query the country pages read (run in a thread by `write_build_outputs`)."""
        for name in PAGE_QUERIES:
            self.rows(name)
        self.resources()


def library(result) -> Library:
    """The build's Library, one per build (the report's charts and the pages share its rows)."""
    from viz.timeline import per_build

    return per_build(result, "library", lambda: Library(result.store))


def _href(href: str, depth: int) -> str:
    """A link usable from a page `depth` folders below dist/: http(s) kept, relative paths re-rooted, others
    dropped."""
    if not href:
        return ""
    if re.match(r"^https?://", href, re.I):
        return href
    if re.match(r"^[a-z][a-z0-9+.\-]*:", href, re.I) or href.startswith("//"):
        return ""
    return "../" * depth + href


class Sources:
    """Turns (document IRI, web page, confidence) into the source line of a row."""

    def __init__(self, docs: dict[str, dict], docs_href: dict[str, str], depth: int):
        self.docs, self.href, self.depth = docs, docs_href, depth

    def __call__(self, doc: str, page: str = "", confidence: str = "") -> dict:
        doc_id = curie_of(doc) if doc and "://" in doc else doc
        return {"doc": doc_id, "title": self.docs.get(doc_id, {}).get("title", doc_id),
                "href": _href(self.href.get(doc_id, ""), self.depth), "page": _href(page, 0),
                "confidence": confidence}


def _first_by(rows, key) -> dict[str, dict]:
    """{key(row): the row of that key with the least (doc, page)} (the first of equal ones)."""
    out: dict[str, dict] = {}
    for row in rows:
        k = key(row)
        found = out.get(k)
        if found is None or (row.get("doc") or "", row.get("page") or "") < (found.get("doc") or "",
                                                                              found.get("page") or ""):
            out[k] = row
    return out


def country_data(store, country: dict, *, all_countries: list[dict], docs: dict, docs_href: dict,
                 queries: Library | None = None) -> dict:
    """Everything a country page shows, from the library queries; each row with its source."""
    from viz.timeline import _rows as rows_of

    queries = queries or Library(store)

    iri = country["iri"]
    is_china = iri == CHINA
    source = Sources(docs, docs_href, depth=1)
    sections: dict[str, list] = {}
    left_out: dict[str, int] = {}

    def keep(name, rows):
        left_out[name] = max(0, len(rows) - MAX_ROWS)
        sections[name] = rows[:MAX_ROWS]

    timeline = queries.rows("country-timeline") if is_china else queries.of("country-timeline", iri)
    keep("relations", [{"date": r["date"], "kind": r["kind"], "label": r["itemLabel"], "item": curie_of(r["item"]),
                        "level": r["levelLabel"], "place": r["placeLabel"], "with": r["countryLabel"],
                        "source": source(r["source"], r["page"], r["confidence"])}
                       for r in sorted(timeline, key=lambda r: (r["date"] or "9999", r["countryLabel"], r["kind"],
                                                                r["itemLabel"]))])
    keep("partnerships", [r for r in sections["relations"] if r["kind"] == "partnership"])

    delegations = queries.of("meeting-delegations", iri)
    participation = PARTICIPATION_SOURCES.replace("?country .", f"<{iri}> .")
    cited = _first_by(rows_of(store, participation), lambda r: f"{r['meeting']} {r['person']}")
    meetings = []
    for r in delegations:
        cite = cited.get(f"{r['meeting']} {r['person']}")
        meetings.append({"date": r["date"], "meeting": r["meetingLabel"], "person": r["personLabel"],
                         "post": r["postLabel"], "role": r["role"], "chair": r["chair"] == "true",
                         "host": r["host"] == "true",
                         "source": source(cite["doc"], cite.get("page") or "", cite.get("confidence") or "")
                         if cite and cite.get("doc") else None})
    keep("delegations", meetings)

    resources = queries.resources()

    def cite(resource: str):
        found = resources.get(resource)
        return source(found["doc"], found.get("page") or "", found.get("confidence") or "") if found else None

    stances = queries.of("country-stances", iri)
    seen = set()
    rows = []
    for r in stances:
        key = (r["statement"], r["targetLabel"])
        if key in seen:
            continue
        seen.add(key)
        rows.append({"stance": r["stance"].lower(), "label": r["label"], "actor": r["actorLabel"],
                     "target": r["targetLabel"], "source": cite(r["statement"])})
    keep("stances", rows)

    documents = {r["item"] for r in timeline}
    meetings_attended = {r["meeting"] for r in delegations}
    commitments = []
    for r in queries.rows("documents-and-commitments"):
        if not r["statement"] or not (is_china or r["document"] in documents or r["meeting"] in meetings_attended):
            continue
        commitments.append({"date": r["date"], "document": r["documentLabel"], "kind": r["statementKind"],
                            "label": r["statementLabel"], "meeting": r["meetingLabel"],
                            "amount": f"{r['amount']} {r['currency']}".strip() if r["amount"] else "",
                            "source": cite(r["statement"])})
    keep("commitments", commitments)

    member_sources = _first_by(rows_of(store, MEMBERSHIP_SOURCES.replace("?country", f"<{iri}>")),
                               operator.itemgetter("org"))
    memberships = []
    for r in queries.of("country-memberships", iri):
        found = member_sources.get(r["organization"]) or resources.get(r["organization"])
        memberships.append({"organization": r["organizationLabel"], "status": r["status"], "since": r["since"],
                            "reason": r["reason"],
                            "source": source(found["doc"], found.get("page") or "", found.get("confidence") or "")
                            if found else None})
    keep("memberships", memberships)

    trade = []
    for r in queries.rows("trade-by-year"):
        ends = (r["reporter"], r["partner"])
        if not is_china and not (iri in ends and CHINA in ends):
            continue
        if is_china and CHINA not in ends:
            continue
        trade.append({"year": r["year"], "period": r["period"], "reporter": r["reporterLabel"],
                      "partner": r["partnerLabel"], "measure": r["measure"], "value": _amount(r["value"]),
                      "unit": r["unit"], "source": source(r["source"], r["page"], r["confidence"])})
    keep("trade", trade)
    return {"country": country, "is_china": is_china, "sections": sections, "left_out": left_out,
            "others": [c for c in all_countries if c["iri"] != iri]}


def _amount(value: str) -> str:
    try:
        number = float(value)
    except ValueError:
        return value
    return f"{number:,.0f}"


# ---------------------------------------------------------------------------------------------------- rendering

@functools.lru_cache(maxsize=1)
def _environment():
    """One jinja2 environment for the pages, so that each template is compiled once (the country page's took
    0.1 s, once per country). Its own: viz.render.render_html sets the graph page's JSON policy on its environment."""
    from viz.render import _environment as environment

    return environment()


def _render(template: str, **context) -> bytes:
    return _environment().get_template(template).render(**context).encode("utf-8")


def timeline_page(result, *, title: str, docs_href: dict[str, str]) -> bytes:
    """dist/timeline.html: the items, the side panel's details (builds drawn whole), filters, no request."""
    from viz import overview, timeline
    from viz.details import details

    found = timeline.for_build(result, docs_href)
    data = found.to_json()
    data["title"] = title
    data["graph"] = "graph.html"
    data["pages"] = links(result)
    if overview.drawn_whole(result):  # the side panel reads the rdflib dataset (a larger build has none)
        panel = details(result.dataset, [i["id"] for i in found.items])
        data["details"] = panel["nodes"]
        data["docs"] = {**{d: {**info, "href": docs_href.get(d, "")} for d, info in panel["docs"].items()},
                        **data["docs"]}
    else:
        data["details"] = {}
    return _render("timeline.html.j2", data=data, title=title)


def country_page(result, country: dict, *, title: str, all_countries, docs, docs_href, queries=None) -> bytes:
    data = country_data(result.store, country, all_countries=all_countries, docs=docs, docs_href=docs_href,
                        queries=queries)
    return _render("country.html.j2", title=title, **data)


def write_build_outputs(result, out_dir: Path, *, quiet: bool = True) -> dict[str, Path]:
    """The main build's writer (graph.api.MAIN_WRITERS): dist/timeline.html and dist/country/*.html,
    atomically; a country page that no longer has a country is not left behind (the folder is rewritten)."""
    from graph.build.output import in_thread, write_atomically
    from graph.build.pipeline import Progress
    from viz import timeline
    from viz.render import TITLE, document_links

    if getattr(result, "store", None) is None:
        return {}
    progress = Progress(1, quiet=quiet)
    done = progress(f"writing the timeline and the country pages into {out_dir}/")
    title = f"{TITLE} {result.version}"
    docs_href = document_links(result.sources)
    docs = timeline.source_docs_of_build(result)
    queries = library(result)
    ahead = in_thread("cckg-page-queries", queries.fetch)  # the engine's part beside the timeline page's Python
    files = {out_dir / TIMELINE_FILE: timeline_page(result, title=title, docs_href=docs_href)}
    found = countries(result.store)
    ahead.result()
    for country in found:
        files[out_dir / COUNTRY_DIR / f"{country['slug']}.html"] = country_page(
            result, country, title=title, all_countries=found, docs=docs, docs_href=docs_href, queries=queries)
    (out_dir / COUNTRY_DIR).mkdir(parents=True, exist_ok=True)
    stale = [p for p in (out_dir / COUNTRY_DIR).glob("*.html") if p not in files]
    write_atomically(files)
    for path in stale:
        path.unlink()
    done(f"{TIMELINE_FILE} ({len(files[out_dir / TIMELINE_FILE]) // 1024} KiB, {timeline.for_build(result).total} "
         f"items), {len(found)} country pages")
    return {"timeline": out_dir / TIMELINE_FILE, **{f"country:{c['slug']}": out_dir / COUNTRY_DIR / f"{c['slug']}.html"
                                                    for c in found}}


#: The pages' queries (viz.timeline, the library's, the sources') run on the store's default graph, without GRAPH:
#: pipeline.write_outputs need not wait for the validation's inferred graph to leave the store.
write_build_outputs.reads_default_graph_only = True

__all__ = ["country_data", "countries", "links", "slug", "write_build_outputs"]
