"""SHACL shapes compiled to SPARQL and run on a pyoxigraph store: the large-graph validation of the build.

pySHACL with RDFS inference costs about 0.15 ms per triple (2.1 s for 12k triples; minutes at a million), so above
a size threshold the build validates with this module instead. It implements the part of SHACL Core
(https://www.w3.org/TR/shacl/) that ontology/shapes/*.ttl uses, with the semantics pySHACL applies:

* RDFS inference as pySHACL's ``inference="rdfs"`` does for what shapes can see: rdfs:subPropertyOf (the
  super-property triples), rdfs:domain and rdfs:range (types) and rdfs:subClassOf (types), materialized into a
  separate named graph (`INFERRED`) that the shape queries read together with the default graph;
* targets: sh:targetClass, sh:targetNode, sh:targetSubjectsOf, sh:targetObjectsOf;
* paths: an IRI or sh:inversePath of an IRI;
* components: minCount, maxCount, datatype (with a well-formedness check for the date and integer types),
  languageIn, class, nodeKind, pattern (+ flags), in, minLength, maxLength, and (as nested shapes) or, xone, and,
  not, node, property; sh:message, sh:severity and sh:deactivated are honoured.

A shape that uses anything else raises `Unsupported` (there is no second validator). Each violation is one row
(focus node, path, message), as pySHACL reports one sh:ValidationResult per focus node, component and value; the
messages of components without sh:message are worded like pySHACL's but not always identically.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD

#: The named graph of the store that holds the RDFS-inferred triples (never part of any output).
INFERRED = ox.NamedNode("urn:x-cckg:validation:rdfs-inferred")

#: Predicates a shape may carry that this module understands (the rest raise Unsupported).
_KNOWN = {
    RDF.type, RDFS.comment, RDFS.label, SH.name, SH.description, SH.message, SH.severity, SH.deactivated,
    SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.property, SH.path,
    SH.minCount, SH.maxCount, SH.datatype, SH.languageIn, SH["class"], SH.nodeKind, SH.pattern, SH.flags,
    SH["in"], SH.minLength, SH.maxLength, SH["or"], SH.xone, SH["and"], SH["not"], SH.node, SH.order, SH.group,
}
#: Datatypes whose lexical form is checked by a SPARQL cast (pySHACL rejects ill-typed literals of a datatype).
_CASTS = {
    XSD.date: "xsd:date", XSD.gYear: "xsd:gYear", XSD.gYearMonth: "xsd:gYearMonth", XSD.dateTime: "xsd:dateTime",
    XSD.boolean: "xsd:boolean", XSD.integer: "xsd:integer", XSD.nonNegativeInteger: "xsd:integer",
    XSD.positiveInteger: "xsd:integer", XSD.decimal: "xsd:decimal",
}
_NODE_KINDS = {
    SH.IRI: "isIRI({v})", SH.BlankNode: "isBlank({v})", SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isIRI({v}) || isBlank({v}))", SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
_PROLOGUE = "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\nPREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"


class Unsupported(Exception):
    """The shapes use a SHACL feature this module does not implement (the build then runs pySHACL)."""


@dataclass(frozen=True)
class Violation:
    focus: object  # an rdflib term
    path: URIRef | None
    message: str
    value: object = None  # the offending value node, for value components (one result per value, as pySHACL)


@dataclass(frozen=True)
class _Check:
    """One compiled query: its rows are (focus[, value]) of violations; the message and path are fixed.

    A check with `flags` is several components of one property shape in one query: its rows are (focus, value,
    flag 1, flag 2, …), and flag i true means the violation `flags[i]` = (message, with_value): reported with the
    row's value node (a value component) or without (a count component)."""

    query: str
    path: URIRef | None
    message: str
    flags: tuple[tuple[str, bool], ...] = ()


# ---------------------------------------------------------------------------------------------------------- inference

def materialize_rdfs(store: ox.Store, ontology: Graph) -> int:
    """Add to INFERRED the triples RDFS entailment gives that shapes can observe; return how many it then holds.

    Performance: each step is one SPARQL UPDATE, so the inferred triples never become Python objects (1M
    triples: about 120k inferred, 2.2 s as SELECT + extend, see bench/)."""
    sub_props = _closure(ontology, RDFS.subPropertyOf)
    if sub_props:
        store.update(
            f"INSERT {{ GRAPH {INFERRED} {{ ?s ?q ?o }} }} WHERE {{ VALUES (?p ?q) {{ {_pairs(sub_props)} }} "
            f"{_both('?s ?p ?o')} FILTER NOT EXISTS {{ {_both('?s ?q ?o')} }} }}")
    typed = f"<{RDF.type}>"
    for link, side in ((RDFS.domain, "?s"), (RDFS.range, "?o")):
        pairs = sorted((p, c) for p, c in ontology.subject_objects(link) if isinstance(c, URIRef))
        if not pairs:
            continue
        literal_ok = "" if side == "?s" else "FILTER (!isLiteral(?o))"
        store.update(
            f"INSERT {{ GRAPH {INFERRED} {{ ?x {typed} ?c }} }} WHERE {{ {{ SELECT DISTINCT ?x ?c WHERE {{ "  # (each
            f"VALUES (?p ?c) {{ {_pairs(pairs)} }} {_both('?s ?p ?o')} {literal_ok} BIND ({side} AS ?x) }} }} "  # pair
            f"FILTER NOT EXISTS {{ {_both(f'?x {typed} ?c')} }} }}")  # tested once, not once a triple)
    sub_classes = _closure(ontology, RDFS.subClassOf)
    if sub_classes:
        store.update(
            f"INSERT {{ GRAPH {INFERRED} {{ ?x {typed} ?super }} }} WHERE {{ {{ SELECT DISTINCT ?x ?super WHERE {{ VALUES "
            f"(?c ?super) {{ {_pairs(sub_classes)} }} {_both(f'?x {typed} ?c')} }} }} FILTER NOT EXISTS {{ {_both(f'?x {typed} ?super')} }} }}")
    rows = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {INFERRED} {{ ?s ?p ?o }} }}")
    return int(next(iter(rows))[0].value)


def _both(pattern: str) -> str:
    """`pattern` matched in the default graph or in INFERRED (an update sees the store's own default graph)."""
    return f"{{ {{ {pattern} }} UNION {{ GRAPH {INFERRED} {{ {pattern} }} }} }}"


def _closure(graph: Graph, link: URIRef) -> list[tuple[URIRef, URIRef]]:
    """Every (a, b) with a link+ b among IRIs, a != b (the transitive closure of a small hierarchy)."""
    direct: dict[URIRef, set[URIRef]] = {}
    for a, b in graph.subject_objects(link):
        if isinstance(a, URIRef) and isinstance(b, URIRef) and a != b:
            direct.setdefault(a, set()).add(b)
    pairs = set()
    for start in direct:
        todo, seen = list(direct[start]), set()
        while todo:
            node = todo.pop()
            if node in seen or node == start:
                continue
            seen.add(node)
            pairs.add((start, node))
            todo.extend(direct.get(node, ()))
    return sorted(pairs)


def _pairs(pairs) -> str:
    return " ".join(f"({_iri(a)} {_iri(b)})" for a, b in pairs)


# ---------------------------------------------------------------------------------------------------------- compiling

class Compiler:
    """Turns a shapes graph into `_Check`s (SPARQL SELECTs over the default graph plus INFERRED)."""

    def __init__(self, shapes: Graph):
        self.shapes = shapes
        self._fresh = itertools.count(1)

    def checks(self) -> list[_Check]:
        out: list[_Check] = []
        for shape in sorted(self._target_shapes(), key=str):
            if self._active(shape):
                out.extend(self._shape_checks(shape, self._focus_pattern(shape)))
        return out

    # -- shapes and targets
    def _target_shapes(self) -> set:
        targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
        return {s for t in targets for s in self.shapes.subjects(t, None)}

    def _active(self, shape) -> bool:
        severity = self.shapes.value(shape, SH.severity)
        deactivated = self.shapes.value(shape, SH.deactivated)
        return (severity in (None, SH.Violation)) and not (deactivated is not None and deactivated.toPython() is True)

    def _focus_pattern(self, shape) -> str:
        parts = []
        classes = sorted(self.shapes.objects(shape, SH.targetClass), key=str)
        if classes:
            parts.append(f"{{ VALUES ?class {{ {' '.join(map(_iri, classes))} }} ?focus rdf:type ?class }}")
        nodes = sorted(self.shapes.objects(shape, SH.targetNode), key=str)
        if nodes:
            parts.append(f"{{ VALUES ?focus {{ {' '.join(map(_term, nodes))} }} }}")
        for p in sorted(self.shapes.objects(shape, SH.targetSubjectsOf), key=str):
            parts.append(f"{{ ?focus {_iri(p)} [] }}")
        for p in sorted(self.shapes.objects(shape, SH.targetObjectsOf), key=str):
            parts.append(f"{{ [] {_iri(p)} ?focus }}")
        return "{ SELECT DISTINCT ?focus WHERE { " + " UNION ".join(parts) + " } }"

    def _check_known(self, shape) -> None:
        for p in set(self.shapes.predicates(shape, None)):
            if p not in _KNOWN:
                raise Unsupported(f"{p} on shape {shape}")

    def _path(self, shape) -> tuple[str, URIRef | None]:
        path = self.shapes.value(shape, SH.path)
        if isinstance(path, URIRef):
            return _iri(path), path
        if isinstance(path, BNode):
            inverse = self.shapes.value(path, SH.inversePath)
            if isinstance(inverse, URIRef) and len(set(self.shapes.predicates(path, None))) == 1:
                return f"^{_iri(inverse)}", None
        raise Unsupported(f"path {path} of shape {shape}")

    def _message(self, shape, default: str) -> str:
        message = self.shapes.value(shape, SH.message)
        return str(message) if message is not None else default

    # -- top level: one check per component
    def _shape_checks(self, shape, focus: str) -> list[_Check]:
        self._check_known(shape)
        checks: list[_Check] = []
        if self.shapes.value(shape, SH.path) is not None:  # a property shape with its own targets
            return self._property_checks(shape, focus)
        for condition, default in self._value_conditions(shape, "?focus"):
            checks.append(_Check(f"SELECT ?focus WHERE {{ {focus} FILTER (!({condition})) }}", None,
                                 self._message(shape, default)))
        for prop in sorted(self.shapes.objects(shape, SH.property), key=self._shape_key):
            if self._active(prop):
                checks.extend(self._property_checks(prop, focus))
        return checks

    def _property_checks(self, prop, focus: str) -> list[_Check]:
        """The checks of one property shape. Performance: minCount 1, maxCount 0 or 1 and every value condition
        are one query (the focus nodes and their values found once; 1M triples: ~2.5 s less in all, bench/);
        other counts are a GROUP BY query each."""
        self._check_known(prop)
        path, path_iri = self._path(prop)
        shown = _shown(path_iri) if path_iri else path
        checks, flags, tests = [], [], []
        low = self.shapes.value(prop, SH.minCount)
        if low is not None and int(low) > 0:
            n = int(low)
            message = self._message(prop, f"Less than {n} values on {shown}")
            if n == 1:
                flags.append((message, False))
                tests.append("!BOUND(?value)")
            else:
                checks.append(_Check(f"SELECT ?focus WHERE {{ {focus} OPTIONAL {{ ?focus {path} ?value }} }} "
                                     f"GROUP BY ?focus HAVING (COUNT(DISTINCT ?value) < {n})", path_iri, message))
        high = self.shapes.value(prop, SH.maxCount)
        if high is not None:
            n = int(high)
            message = self._message(prop, f"More than {n} values on {shown}")
            if n <= 1:
                flags.append((message, False))
                tests.append("BOUND(?value)" if n == 0 else
                             f"(BOUND(?value) && EXISTS {{ ?focus {path} ?other FILTER (!sameTerm(?other, ?value)) }})")
            else:
                checks.append(_Check(f"SELECT ?focus WHERE {{ {focus} ?focus {path} ?value }} "
                                     f"GROUP BY ?focus HAVING (COUNT(DISTINCT ?value) > {n})", path_iri, message))
        for condition, default in self._value_conditions(prop, "?value"):
            flags.append((self._message(prop, default), True))
            tests.append(f"(BOUND(?value) && !({condition}))")
        if flags:
            # A flag whose test raises an error is unbound, so no violation: as FILTER (!(condition)) drops the row.
            names = [f"?flag{i}" for i in range(len(flags))]
            values = f"?focus {path} ?value"
            if "!BOUND(?value)" in tests:  # minCount 1: the focus nodes without a value too
                values = f"OPTIONAL {{ {values} }}"
            binds = " ".join(f"BIND ({test} AS {name})" for test, name in zip(tests, names))
            any_flag = " || ".join(f"COALESCE({name}, false)" for name in names)
            query = f"SELECT ?focus ?value {' '.join(names)} WHERE {{ {focus} {values} {binds} FILTER ({any_flag}) }}"
            checks.insert(0, _Check(query, path_iri, "", tuple(flags)))
        return checks

    # -- conditions on one value node, as SPARQL expressions
    def _value_conditions(self, shape, v: str) -> list[tuple[str, str]]:
        """(expression true when `v` satisfies the component, default message) for each value component."""
        g, out = self.shapes, []
        for dt in sorted(g.objects(shape, SH.datatype), key=str):
            out.append((_datatype(dt, v), f"Value is not Literal with datatype {_shown(dt)}"))
        langs = g.value(shape, SH.languageIn)
        if langs is not None:
            tags = [str(t) for t in Collection(g, langs)]
            test = " || ".join(f'langMatches(LANG({v}), "{_escape(t)}")' for t in tags) or "false"
            out.append((f"(isLiteral({v}) && ({test}))", f"Language of value is not in {tags}"))
        for cls in sorted(g.objects(shape, SH["class"]), key=str):
            out.append((f"EXISTS {{ {v} rdf:type {_iri(cls)} }}", f"Value does not have class {_shown(cls)}"))
        for kind in g.objects(shape, SH.nodeKind):
            if kind not in _NODE_KINDS:
                raise Unsupported(f"node kind {kind}")
            out.append((_NODE_KINDS[kind].format(v=v), f"Value is not of Node Kind {_shown(kind)}"))
        for pattern in g.objects(shape, SH.pattern):
            flags = g.value(shape, SH.flags)
            extra = f', "{_escape(str(flags))}"' if flags is not None else ""
            out.append((f'(!isBlank({v}) && REGEX(STR({v}), "{_escape(str(pattern))}"{extra}))',
                        f"Value does not match pattern {str(pattern)!r}"))
        members = g.value(shape, SH["in"])
        if members is not None:
            terms = list(Collection(g, members))
            test = " || ".join(f"sameTerm({v}, {_term(t)})" for t in terms) or "false"
            out.append((f"({test})", f"Value is not in {', '.join(_shown(t) for t in terms)}"))
        for link, op, word in ((SH.minLength, ">=", "Less"), (SH.maxLength, "<=", "More")):
            n = g.value(shape, link)
            if n is not None:
                out.append((f"(!isBlank({v}) && STRLEN(STR({v})) {op} {int(n)})",
                            f"{word} than {int(n)} characters"))
        for link in (SH["or"], SH.xone, SH["and"]):
            for head in g.objects(shape, link):
                members = [self._conforms(m, v) for m in Collection(g, head)]
                if link == SH["or"]:
                    test = " || ".join(members) or "false"
                elif link == SH["and"]:
                    test = " && ".join(members) or "true"
                else:
                    test = " + ".join(f"IF({m}, 1, 0)" for m in members) + " = 1" if members else "false"
                name = {SH["or"]: "sh:or", SH.xone: "sh:xone", SH["and"]: "sh:and"}[link]
                out.append((f"({test})", f"Node does not conform to the shapes of {name}"))
        for other in g.objects(shape, SH["not"]):
            out.append((f"!({self._conforms(other, v)})", "Node conforms to the shape of sh:not"))
        for other in g.objects(shape, SH.node):
            out.append((self._conforms(other, v), "Value does not conform to sh:node"))
        return out

    def _conforms(self, shape, v: str) -> str:
        """An expression true when node `v` conforms to the whole of `shape` (used inside or/xone/and/not/node)."""
        self._check_known(shape)
        if self.shapes.value(shape, SH.path) is not None:  # a property shape: its components apply to the values
            return self._property_conforms(shape, v)
        parts = [c for c, _ in self._value_conditions(shape, v)]
        for prop in self.shapes.objects(shape, SH.property):
            parts.append(self._property_conforms(prop, v))
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def _property_conforms(self, prop, v: str) -> str:
        self._check_known(prop)
        path, _ = self._path(prop)
        x, y = f"?v{next(self._fresh)}", f"?v{next(self._fresh)}"
        parts = []
        low, high = self.shapes.value(prop, SH.minCount), self.shapes.value(prop, SH.maxCount)
        if low is not None and int(low) > 0:
            if int(low) != 1:
                raise Unsupported("sh:minCount above 1 inside a nested shape")
            parts.append(f"EXISTS {{ {v} {path} {x} }}")
        if high is not None:
            if int(high) == 0:
                parts.append(f"NOT EXISTS {{ {v} {path} {x} }}")
            elif int(high) == 1:
                parts.append(f"NOT EXISTS {{ {v} {path} {x} , {y} FILTER (!sameTerm({x}, {y})) }}")
            else:
                raise Unsupported("sh:maxCount above 1 inside a nested shape")
        conditions = [c for c, _ in self._value_conditions(prop, x)]
        if conditions:
            parts.append(f"NOT EXISTS {{ {v} {path} {x} FILTER (!({' && '.join(conditions)})) }}")
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def _shape_key(self, shape) -> str:
        path = self.shapes.value(shape, SH.path)
        inverse = self.shapes.value(path, SH.inversePath) if isinstance(path, BNode) else None
        return f"{path if isinstance(path, URIRef) else '^' + str(inverse)}|{self.shapes.value(shape, SH.message) or ''}"


#: Oxigraph stores literals of these derived integer types as xsd:integer (their datatype IRI is not kept), so
#: on the store sh:datatype for them can only check "an integer in the type's range". The builder types these
#: values itself (schema:position, oa:start, oa:end from `int` fields), so no source can make a wrong one.
_NORMALIZED_INTEGERS = {XSD.nonNegativeInteger, XSD.positiveInteger}


def _datatype(dt: URIRef, v: str) -> str:
    same = f"sameTerm(DATATYPE({v}), {_iri(dt)})"
    if dt in _NORMALIZED_INTEGERS:
        same = f"({same} || sameTerm(DATATYPE({v}), xsd:integer))"
    test = f"(isLiteral({v}) && {same}"
    cast = _CASTS.get(dt)
    if cast:
        test += f" && COALESCE(isLiteral({cast}(STR({v}))), false)"
        if dt == XSD.nonNegativeInteger:
            test += f" && COALESCE(xsd:integer(STR({v})) >= 0, false)"
        elif dt == XSD.positiveInteger:
            test += f" && COALESCE(xsd:integer(STR({v})) >= 1, false)"
    return test + ")"


# ---------------------------------------------------------------------------------------------------------- running

def validate(store: ox.Store, shapes: Graph, ontology: Graph, *, infer: bool = True, map=map) -> list[Violation]:
    """Every violation of `shapes` in the store's default graph (with RDFS inference), sorted, without duplicates;
    `map` runs the compiled queries (a thread pool's map: side by side on the one store, graph.build.validate)."""
    checks = Compiler(shapes).checks()  # raises Unsupported before any work on the store
    store.remove_graph(INFERRED) if INFERRED in set(store.named_graphs()) else None
    try:  # the inferred graph never outlives the validation, even a failed one (the writers read every graph)
        materialize_rdfs(store, ontology) if infer else None
        found = set().union(*map(lambda check: _violations(store, check), checks))
    finally:
        store.remove_graph(INFERRED) if INFERRED in set(store.named_graphs()) else None
    return sorted(found, key=lambda x: (str(x.focus), str(x.path), x.message, str(x.value)))


def _violations(store: ox.Store, check: _Check) -> set[Violation]:
    found = set()
    for row in store.query(_PROLOGUE + check.query, default_graph=[ox.DefaultGraph(), INFERRED]):
        if check.flags:
            focus = to_rdflib(row[0])
            for (message, with_value), flag in zip(check.flags, list(row)[2:]):
                if flag is not None and flag.value == "true":
                    found.add(Violation(focus, check.path, message, to_rdflib(row[1]) if with_value else None))
            continue
        value = to_rdflib(row[1]) if len(row) > 1 and row[1] is not None else None
        found.add(Violation(to_rdflib(row[0]), check.path, check.message, value))
    return found


def to_rdflib(term):
    """A pyoxigraph term as the equal rdflib term (the embedded store's conversion)."""
    from graph.terms import from_oxigraph

    return from_oxigraph(term)


def _iri(term) -> str:
    return f"<{term}>"


def _term(term) -> str:
    if isinstance(term, URIRef):
        return _iri(term)
    if isinstance(term, Literal):
        return term.n3()
    raise Unsupported(f"term {term!r} in a shape")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _shown(term) -> str:
    from graph.namespaces import curie

    return curie(term)
