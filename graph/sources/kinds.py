"""The record kinds of the source format: for each, its RDF class and its fields (sources/README.md documents them)."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import URIRef

from graph.namespaces import CCKG, DCTERMS, FOAF, ORG, QB, SDO, SKOS


@dataclass(frozen=True)
class Field:
    """One field of a record: its value type, the predicate it becomes, and which kinds an id may point to."""

    # id | ids | text | texts | date | int | bool | url | urls | qid | topics | mode | confidence | decimal |
    # currency | level | measure
    type: str
    pred: URIRef | None = None
    required: bool = False
    refs: frozenset[str] = frozenset()  # kinds an id may name; empty = any kind
    inverse: bool = False  # the triple is (value, pred, record) instead of (record, pred, value)


@dataclass(frozen=True)
class Kind:
    name: str
    rdf_type: URIRef
    entity: bool  # entities may be described by several sources; statements are unique
    fields: dict[str, Field] = field(default_factory=dict)


PEOPLE = frozenset({"Person"})
COUNTRIES = frozenset({"Country"})
PLACES = frozenset({"Place", "City", "Country"})
ORGANIZATIONS = frozenset(
    {"Government", "Ministry", "InternationalOrganization", "NewsOrganization", "Mechanism", "Secretariat"}
)
AGENTS = PEOPLE | COUNTRIES | ORGANIZATIONS
MEETINGS = frozenset({"Meeting", "MinisterialMeeting", "Summit"})
STATEMENTS = frozenset({"Proposal", "Measure", "Commitment", "Support", "Opposition", "Assessment", "Decision"})
DOCUMENTS = frozenset({"OutcomeDocument", "Declaration", "Treaty", "Agreement"})
WORKS = frozenset({"NewsArticle"}) | DOCUMENTS
#: The fields a corroborating record of a statement may carry: a second source of a statement already recorded
#: elsewhere adds its derivation, its quotes and its reference fields, never a second copy (sources/README.md).
CORROBORATION = frozenset({"id", "a", "quote", "note", "row", "confidence", "urls", "citations"})
#: The measures of a trade observation (the `measure` field) and their code-list concepts (ontology/observations.ttl).
MEASURES = {"trade-total": CCKG.tradeTotal, "exports": CCKG.exports, "imports": CCKG.imports}

#: Fields every record may carry.
COMMON: dict[str, Field] = {
    "id": Field("slug", required=True),
    "a": Field("kind", required=True),
    "quote": Field("quotes", required=True),
    "note": Field("text", SKOS.note),
    "row": Field("row"),
    "confidence": Field("confidence"),
    "urls": Field("urls"),
    "citations": Field("texts", DCTERMS.bibliographicCitation),
}

#: Fields every entity kind accepts.
ENTITY: dict[str, Field] = {
    "label": Field("text", None),  # rdfs:label (and skos:prefLabel), written by the builder
    "altLabels": Field("texts", SKOS.altLabel),
    "exactMatch": Field("qid", SKOS.exactMatch),
    "description": Field("text", DCTERMS.description),
}

_DATED = {"start": Field("date"), "end": Field("date")}


def _entity(name: str, rdf_type: URIRef, **fields: Field) -> Kind:
    return Kind(name, rdf_type, True, {**ENTITY, **fields})


def _statement(name: str, rdf_type: URIRef, **fields: Field) -> Kind:
    return Kind(name, rdf_type, False, fields)


_MEETING_FIELDS = {
    "series": Field("id", SDO.superEvent, refs=frozenset({"MeetingSeries"})),
    "position": Field("int", SDO.position),
    "date": Field("date", SDO.startDate),
    "endDate": Field("date", SDO.endDate),
    "mode": Field("mode", SDO.eventAttendanceMode),
    "location": Field("id", SDO.location, refs=PLACES),
    "chair": Field("id", CCKG.chairedBy, refs=PEOPLE),
    "countries": Field("ids", CCKG.participatingCountry, refs=COUNTRIES),
    "host": Field("id", CCKG.hostCountry, refs=COUNTRIES),
}

_DOCUMENT_FIELDS = {
    "adoptedAt": Field("id", CCKG.adopted, refs=MEETINGS, inverse=True),
    "date": Field("date", SDO.datePublished),
    "parties": Field("ids", CCKG.party, refs=COUNTRIES | ORGANIZATIONS),
    "signatories": Field("ids", CCKG.signatory, refs=PEOPLE),
    "place": Field("id", SDO.locationCreated, refs=PLACES),
    "inForce": Field("date", CCKG.entryIntoForce),
    "documentType": Field("text", CCKG.documentType),
}

_STATEMENT_FIELDS = {
    "label": Field("text", None, required=True),
    "actors": Field("ids", CCKG.actor, required=True, refs=AGENTS),
    "meeting": Field("id", CCKG.madeAt, refs=MEETINGS),
    "position": Field("int", SDO.position),
    "partOf": Field("id", CCKG.partOf, refs=frozenset({"Proposal"})),
    "topics": Field("topics", DCTERMS.subject),
    "targets": Field("ids", CCKG.target),
    "beneficiaries": Field("ids", CCKG.beneficiary, refs=AGENTS),
    "document": Field("id", CCKG.recordedIn, refs=DOCUMENTS),
    "amount": Field("decimal", None),  # with `currency`: statement schema:amount a schema:MonetaryAmount (builder)
    "currency": Field("currency", None),
    "purpose": Field("text", CCKG.purpose),
    "date": Field("date", DCTERMS.date),
}

KINDS: dict[str, Kind] = {
    k.name: k
    for k in [
        _entity("Person", FOAF.Person),
        _entity("Country", SDO.Country, region=Field("id", SDO.containedInPlace, refs=PLACES)),
        _entity("Place", SDO.Place, country=Field("id", SDO.containedInPlace, refs=COUNTRIES)),
        _entity("City", SDO.City, country=Field("id", SDO.containedInPlace, refs=COUNTRIES)),
        _entity("Government", CCKG.Government, country=Field("id", CCKG.country, refs=COUNTRIES)),
        _entity(
            "Ministry",
            CCKG.Ministry,
            country=Field("id", CCKG.country, refs=COUNTRIES),
            parent=Field("id", ORG.subOrganizationOf, refs=ORGANIZATIONS),
        ),
        _entity(
            "InternationalOrganization",
            CCKG.InternationalOrganization,
            founded=Field("date", SDO.foundingDate),
            predecessor=Field("id", DCTERMS.replaces, refs=ORGANIZATIONS),
        ),
        _entity("NewsOrganization", SDO.NewsMediaOrganization),
        _entity(
            "Mechanism",
            CCKG.Mechanism,
            members=Field("ids", ORG.hasMember, refs=AGENTS),
            founded=Field("date", SDO.foundingDate),
        ),
        _entity(
            "Secretariat",
            CCKG.Secretariat,
            mechanism=Field("id", CCKG.underMechanism, refs=frozenset({"Mechanism"})),
            founded=Field("date", SDO.foundingDate),
            location=Field("id", SDO.location, refs=PLACES),
            head=Field("id", ORG.headOf, refs=PEOPLE, inverse=True),
        ),
        _entity("Initiative", CCKG.Initiative),
        _entity("Role", ORG.Role),
        _entity(
            "Post",
            ORG.Post,
            role=Field("id", ORG.role, refs=frozenset({"Role"})),
            postIn=Field("id", ORG.postIn, refs=ORGANIZATIONS),
            country=Field("id", CCKG.country, refs=COUNTRIES),
            multipleHolders=Field("bool", CCKG.multipleHolders),
        ),
        _entity(
            "MeetingSeries",
            CCKG.MeetingSeries,
            mechanism=Field("id", CCKG.underMechanism, refs=frozenset({"Mechanism"})),
        ),
        _entity("Meeting", CCKG.Meeting, **_MEETING_FIELDS),
        _entity("MinisterialMeeting", CCKG.MinisterialMeeting, **_MEETING_FIELDS),
        _entity("Summit", CCKG.Summit, **_MEETING_FIELDS),
        *(_entity(name, CCKG[name], **_DOCUMENT_FIELDS) for name in sorted(DOCUMENTS)),
        _entity(
            "Project",
            CCKG.InfrastructureProject,
            projectType=Field("text", CCKG.projectType),
            parties=Field("ids", CCKG.party, refs=COUNTRIES | ORGANIZATIONS),
            agreed=Field("date", CCKG.agreementDate),
            constructionStart=Field("date", CCKG.constructionStart),
            opened=Field("date", CCKG.openingDate),
            places=Field("ids", SDO.location, refs=PLACES),
        ),
        _entity(
            "Event",
            SDO.Event,
            date=Field("date", SDO.startDate),
            location=Field("id", SDO.location, refs=PLACES),
            agents=Field("ids", CCKG.involves, refs=AGENTS),
            about=Field("ids", SDO.about),
        ),
        _entity(
            "NewsArticle",
            SDO.NewsArticle,
            publisher=Field("id", SDO.publisher, refs=ORGANIZATIONS),
            language=Field("lang", SDO.inLanguage),
            date=Field("date", SDO.datePublished),
            credits=Field("id", SDO.sourceOrganization, refs=ORGANIZATIONS),
        ),
        _statement(
            "Tenure",
            CCKG.Tenure,
            person=Field("id", ORG.member, required=True, refs=PEOPLE),
            post=Field("id", CCKG.post, required=True, refs=frozenset({"Post"})),
            **_DATED,
        ),
        _statement(
            "Participation",
            CCKG.Participation,
            person=Field("id", CCKG.participant, required=True, refs=PEOPLE),
            meeting=Field("id", CCKG.inMeeting, required=True, refs=MEETINGS),
            posts=Field("ids", CCKG.inCapacityOf, refs=frozenset({"Post"})),
            country=Field("id", CCKG.representing, refs=COUNTRIES),
            chair=Field("bool", CCKG.isChair),
            role=Field("text", CCKG.participationRole),
        ),
        _statement(
            "Membership",
            ORG.Membership,
            member=Field("id", ORG.member, required=True, refs=AGENTS),
            organization=Field("id", ORG.organization, required=True, refs=ORGANIZATIONS),
            role=Field("id", ORG.role, refs=frozenset({"Role"})),
            observer=Field("bool"),
            **_DATED,
        ),
        _statement(
            "NonMembership",
            CCKG.NonMembership,
            member=Field("id", CCKG.nonMember, required=True, refs=AGENTS),
            organization=Field("id", CCKG.ofOrganization, required=True, refs=ORGANIZATIONS),
            reason=Field("text", CCKG.reason),
        ),
        _statement(
            "DiplomaticRelation",
            CCKG.DiplomaticRelation,
            parties=Field("ids", CCKG.party, required=True, refs=COUNTRIES),
            established=Field("date", SDO.startDate),
        ),
        *(_statement(name, CCKG[name], **_STATEMENT_FIELDS) for name in sorted(STATEMENTS)),
        _statement(
            "Partnership",
            CCKG.PartnershipStatus,
            label=Field("text", None),
            parties=Field("ids", CCKG.party, required=True, refs=COUNTRIES),
            level=Field("level", CCKG.partnershipLevel, required=True),
            start=Field("date", SDO.startDate, required=True),
            place=Field("id", SDO.location, refs=PLACES),
            announcedBy=Field("ids", CCKG.announcedBy, refs=PEOPLE),
            meeting=Field("id", CCKG.madeAt, refs=MEETINGS),
            document=Field("id", CCKG.recordedIn, refs=DOCUMENTS),
        ),
        _statement(
            "Observation",
            QB.Observation,
            label=Field("text", None),
            measure=Field("measure", CCKG.tradeFlow, required=True),
            reporter=Field("id", CCKG.reporter, required=True, refs=COUNTRIES),
            partner=Field("id", CCKG.partner, required=True, refs=PLACES),
            period=Field("date", CCKG.period, required=True),
            value=Field("decimal", CCKG.value, required=True),
            unit=Field("currency", CCKG.unit, required=True),
        ),
    ]
}
