"""A small read-only triple index with the rdflib Graph methods the projection and the side panel read, and the
source documents that state each triple: the part of a build a focus view needs, without an rdflib Dataset.

Copying the gathered part of a 1M-triple build into an rdflib Dataset (and the panel copying it again into one
Graph) took 13 s + 17 s for the 1,000-node focus view; these dict indexes take a fraction of a second. Iteration
follows insertion order (the caller adds in a fixed order), so the view stays byte-identical on rebuild.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

from graph.store.engines import PatternGraph
from graph.terms import from_oxigraph


class Triples(PatternGraph):
    """Triples indexed by subject, predicate and object (dicts of dicts of ordered sets, a single item where one is
    the rule: `_with`, `_noted`), with `docs_of`: each triple's source documents (the named graphs that hold it,
    the ontology's graph excluded)."""

    def __init__(self, canonical=()):
        """`canonical`: terms the readers compare with (their module constants): the loaded triples use these very
        objects, so that a lookup finds them by identity instead of calling rdflib's `__eq__` (79,055 calls in the
        side panel of the 1,000-node focus view of a 1M build)."""
        self._spo: dict = {}  # s -> p -> {o: the documents stating it (None, a document, or a set of them)}
        self._pos: dict = {}
        self._osp: dict = {}
        #: {triple: set of documents}, read from the subject index on demand (a set per triple, made when loading,
        #: held 56,630 sets for the 1,000-node focus view of a 1M build; the panel asks for a tenth of them)
        self.docs_of = _Documents(self._spo)
        self._n = 0
        self._terms: dict = {}
        self._texts: dict = {}
        for term in canonical:
            if isinstance(term, URIRef):
                self._texts.setdefault(f"<{term}>", term)
        #: {resource: sorted [(document CURIE, start, exact)]}, the quotes about the resources, when the gathering
        #: found them without their annotation triples (viz.gather); None: read them from the triples.
        self.annotations: dict | None = None

    def add(self, triple, document: URIRef | None = None) -> None:
        """Add a triple (again if it is there), noting `document` as one that states it."""
        self._fill((triple,), document)

    def canonical(self, term):
        """The index's own object for an IRI equal to `term` (lookups by it go by identity), else `term`."""
        return self._texts.get(f"<{term}>", term) if isinstance(term, URIRef) else term

    def load(self, ntriples: str, document: URIRef | None = None) -> None:
        """Add the triples of an N-Triples text (parsed by pyoxigraph; each distinct term made once, IRIs without
        rdflib's re-validation: pyoxigraph has checked them)."""
        term = self._term
        for t in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES):
            self.add((term(t.subject), term(t.predicate), term(t.object)), document)

    def load_lines(self, lines, document: URIRef | None = None) -> None:
        """Add the triples of canonical N-Triples lines (`<s> <p> o .`, as the build keeps them: graph.build.output.
        nt_line), noting `document` as one that states them (`load_chunks`)."""
        self.load_chunks([(lines, document)])

    def load_chunks(self, chunks) -> None:
        """Add the triples of [(canonical N-Triples lines, document or None)], in that order: each distinct term made
        once from its text, an IRI without escapes directly, every other new term parsed by pyoxigraph in one
        document for all the chunks (as `load` parses them, so the terms are the same). The indexes are filled
        inline: the 66,613 triples of the 1,000-node focus view of a 1M build took 2.2 s through `add` (profiled)."""
        made = self._texts
        split = [([line[:-2].split(" ", 2) for line in lines], document) for lines, document in chunks]
        parsed = []
        for parts, _ in split:
            for terms in parts:
                for text in terms:
                    if text not in made:
                        if text[0] == "<" and "\\" not in text:
                            made[text] = str.__new__(URIRef, text[1:-1])
                        elif text.startswith("_:"):
                            made[text] = BNode(text[2:])
                        else:
                            made[text] = None
                            parsed.append(text)
        if parsed:
            body = "".join(f"<urn:s> <urn:p> {text} .\n" for text in parsed)
            for text, t in zip(parsed, ox.parse(body, format=ox.RdfFormat.N_TRIPLES)):
                made[text] = self._term(t.object)
        for parts, document in split:
            self._fill([(made[a], made[b], made[c]) for a, b, c in parts], document)

    def _fill(self, triples, document) -> None:
        """Add the term triples `triples`, noting `document` as one that states each: the indexes filled in one loop
        (a call per triple cost a third of the loading of the 1,000-node focus view of a 1M build)."""
        spo, pos, osp, n = self._spo, self._pos, self._osp, self._n
        for s, p, o in triples:
            by_p = spo.get(s)
            if by_p is None:
                by_p = spo[s] = {}
            objects = by_p.get(p)
            if objects is None:
                objects = by_p[p] = {}
            if o in objects:
                if document is not None:
                    objects[o] = _noted(objects[o], document)
                continue
            objects[o] = document
            n += 1
            by_o = pos.get(p)
            if by_o is None:
                by_o = pos[p] = {}
            subjects = by_o.get(o)
            if subjects is None:
                by_o[o] = {s: None}
            else:
                subjects[s] = None
            by_s = osp.get(o)
            if by_s is None:
                osp[o] = {s: p}
            else:
                found = by_s.get(s)
                by_s[s] = p if found is None else _with(found, p)
        self._n = n

    def _term(self, term):
        found = self._terms.get(term)
        if found is None:
            if isinstance(term, ox.NamedNode):
                found = str.__new__(URIRef, term.value)  # URIRef(value) less its validation
            elif isinstance(term, ox.Literal) and not term.language:
                found = Literal(term.value, datatype=self._term(term.datatype), normalize=False)
            else:
                found = from_oxigraph(term)
            self._terms[term] = found
        return found

    def __len__(self) -> int:
        return self._n

    def __iter__(self):
        return self.triples((None, None, None))

    def __contains__(self, triple) -> bool:
        return next(self.triples(triple), None) is not None

    def triples(self, pattern):
        s, p, o = pattern
        if s is not None:
            by_p = self._spo.get(s)
            if not by_p:
                return
            if p is not None:
                objects = by_p.get(p, {})
                if o is not None:
                    if o in objects:
                        yield s, p, o
                    return
                for obj in objects:
                    yield s, p, obj
                return
            if o is not None:
                for pred in _each(self._osp.get(o, _EMPTY).get(s)):
                    yield s, pred, o
                return
            for pred, objects in by_p.items():
                for obj in objects:
                    yield s, pred, obj
            return
        if p is not None:
            by_o = self._pos.get(p)
            if not by_o:
                return
            if o is not None:
                for subj in by_o.get(o, ()):
                    yield subj, p, o
                return
            for obj, subjects in by_o.items():
                for subj in subjects:
                    yield subj, p, obj
            return
        if o is not None:
            for subj, preds in self._osp.get(o, _EMPTY).items():
                for pred in _each(preds):
                    yield subj, pred, o
            return
        for subj, by_p in self._spo.items():
            for pred, objects in by_p.items():
                for obj in objects:
                    yield subj, pred, obj


    # the lookups the projection and the panel make most, straight from the indexes (PatternGraph's go through
    # `triples`: a generator of tuples per call)
    def objects(self, subject=None, predicate=None):
        if subject is not None and predicate is not None:
            return iter(self._spo.get(subject, {}).get(predicate, ()))
        return super().objects(subject, predicate)

    def subjects(self, predicate=None, obj=None):
        if predicate is not None and obj is not None:
            return iter(self._pos.get(predicate, {}).get(obj, ()))
        return super().subjects(predicate, obj)

    def predicate_objects(self, subject=None):
        if subject is not None:
            return ((p, o) for p, objects in self._spo.get(subject, {}).items() for o in objects)
        return super().predicate_objects(subject)

    def subject_predicates(self, obj=None):
        return ((s, p) for s, p, _ in self.triples((None, None, obj)))

    def value(self, subject=None, predicate=None, obj=None):
        """One value of the missing position (the first added), as rdflib's Graph.value for its usual uses."""
        if obj is None:
            return next(self.objects(subject, predicate), None)
        if subject is None:
            return next(self.subjects(predicate, obj), None)
        return next((p for _, p, _ in self.triples((subject, None, obj))), None)


def _with(predicates, p):
    """The predicates from a subject to an object in the object index (one, or an ordered set of them: a dict per
    pair held 57,000 dicts in the 1,000-node focus view of a 1M build) with `p` added."""
    if predicates is None or predicates is p:
        return p
    if isinstance(predicates, dict):
        predicates[p] = None
        return predicates
    return predicates if predicates == p else {predicates: None, p: None}


def _each(predicates) -> tuple | dict:
    """The predicates of an object index entry (`_with`)."""
    if predicates is None:
        return ()
    return predicates if isinstance(predicates, dict) else (predicates,)


def _noted(documents, document):
    """The documents of a triple (None, one, or a set of them) with `document` added."""
    if documents is None or documents is document:
        return document
    if isinstance(documents, set):
        documents.add(document)
        return documents
    return {documents, document}


class _Documents(Mapping):
    """{triple: set of the documents stating it} of the triples stated by a document, read from the subject index."""

    def __init__(self, spo: dict):
        self._spo = spo

    def __getitem__(self, triple):
        s, p, o = triple
        documents = self._spo.get(s, _EMPTY).get(p, _EMPTY).get(o)
        if documents is None:
            raise KeyError(triple)
        return set(documents) if isinstance(documents, set) else {documents}

    def __iter__(self):
        for s, by_p in self._spo.items():
            for p, objects in by_p.items():
                for o, documents in objects.items():
                    if documents is not None:
                        yield s, p, o

    def __len__(self) -> int:
        return sum(1 for _ in self)


_EMPTY: dict = {}


__all__ = ["Triples"]
