"""JSON-LD of the build: N-Triples lines compacted node by node with the shipped context (ontology/context.jsonld, read
as a dict: never fetched), then normalized (@graph sorted by @id, multi-valued arrays sorted but never inside @list,
keys sorted) and written with the context embedded, so it reads offline."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, URIRef

from graph.namespaces import BASE, RDF
from graph.sources.ontology import ROOT
from graph.export.lines import _XSD_STRING
from graph.export.void import Triple

CONTEXT_FILE = ROOT / "ontology" / "context.jsonld"
#: Where the context is published (the JSON-LD output embeds a copy, so nothing is ever fetched).
CONTEXT_IRI = BASE + "context.jsonld"




def load_context(path: Path = CONTEXT_FILE) -> dict:
    """The shipped JSON-LD context (the value of its "@context")."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)["@context"]


class Compactor:
    """Compacts flat RDF (IRIs and literals; no lists, no blank nodes) with a JSON-LD 1.0 context of terms and
    prefixes: each predicate by its term (else a compact IRI), @id-typed terms with bare IRI strings, literals in
    the context's default language as plain strings."""

    def __init__(self, context: dict):
        self.language = context.get("@language")
        self.prefixes = sorted(
            ((ns, name) for name, ns in context.items() if isinstance(ns, str) and ns.endswith(("/", "#"))),
            key=lambda kv: -len(kv[0]),
        )
        self._by_ns: dict[str, str] = {}
        for ns, name in self.prefixes:  # the first of the longest-first order, as the scan of `prefixes` finds it
            self._by_ns.setdefault(ns, name)
        self._compacted: dict[str, str] = {}
        self._heads: dict[str, tuple[str, int] | None] = {}  # an IRI's head (`_compact`) -> its prefix
        self._shapes: dict[tuple[str, ...], list[tuple[str, str]]] = {}  # a node's keys -> (key, line start) sorted
        self.terms: dict[str, tuple[str, bool]] = {}  # IRI -> (term, values are IRIs)
        for name, value in sorted(context.items()):
            if name.startswith("@") or (isinstance(value, str) and value.endswith(("/", "#"))):
                continue
            iri = self.expand(value["@id"] if isinstance(value, dict) else value)
            coerced = isinstance(value, dict) and value.get("@type") == "@id"
            self.terms.setdefault(iri, (name, coerced))

    def expand(self, value: str) -> str:
        prefix, _, local = value.partition(":")
        for ns, name in self.prefixes:
            if name == prefix:
                return ns + local
        return value

    def compact_iri(self, iri: str) -> str:
        """prefix:local for the longest matching prefix, else the IRI itself (remembered: IRIs recur)."""
        found = self._compacted.get(iri)
        if found is None:
            found = self._compacted[iri] = self._compact(iri)
        return found

    def _compact(self, iri: str) -> str:
        # The prefix found depends only on the IRI up to its last / or # (its head), unless what follows begins
        # with a / (an IRI ending in //): so it is found once per head.
        cut = max(iri.rfind("/", 0, len(iri) - 1), iri.rfind("#", 0, len(iri) - 1))
        if cut < 0 or iri[cut + 1] == "/":
            found = self._prefix(iri)
        else:
            head = iri[: cut + 1]
            found = self._heads.get(head, False)
            if found is False:
                found = self._heads[head] = self._prefix(iri)
        return iri if found is None else f"{found[0]}:{iri[found[1]:]}"

    def _prefix(self, iri: str) -> tuple[str, int] | None:
        """(prefix, length of its namespace) of the longest prefix of `iri`, or None."""
        # Every prefix ends with / or #: the candidates are the IRI cut after each / or #, longest first.
        by_ns = self._by_ns
        end = len(iri) - 1  # a prefix must leave a non-empty local part
        while end > 0:
            cut = max(iri.rfind("/", 0, end), iri.rfind("#", 0, end))
            if cut < 0:
                break
            name = by_ns.get(iri[: cut + 1])
            if name is not None and not iri[cut + 1:].startswith("//"):
                return name, cut + 1
            end = cut
        return None

    def type_name(self, iri: str) -> str:
        term = self.terms.get(iri)
        return term[0] if term and not term[1] and term[0][:1].isupper() else self.compact_iri(iri)

    def value(self, obj, coerced: bool):
        """The compacted value of an object given as ("iri", IRI) | ("bnode", id) | ("literal", text, language,
        datatype IRI or None)."""
        kind = obj[0]
        if kind == "iri":
            return self.compact_iri(obj[1]) if coerced else {"@id": self.compact_iri(obj[1])}
        if kind == "bnode":
            return f"_:{obj[1]}" if coerced else {"@id": f"_:{obj[1]}"}
        _, text, language, datatype = obj
        if language:
            if language == self.language and not coerced:
                return text
            return {"@language": language, "@value": text}
        if datatype and datatype != _XSD_STRING:
            return {"@type": self.compact_iri(datatype), "@value": text}
        return {"@value": text} if self.language or coerced else text

    def nodes(self, triples: Iterable[Triple]) -> list[dict]:
        """The nodes of rdflib triples or of pyoxigraph triples (as `ox.parse` gives them)."""
        by_subject: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        rdf_type = str(RDF.type)
        terms, compact = self.terms, self.compact_iri
        for s, p, o in _plain(triples):
            node = by_subject[compact(s[1]) if s[0] == "iri" else f"_:{s[1]}"]
            if p == rdf_type and o[0] == "iri":
                node["@type"].append(self.type_name(o[1]))
                continue
            found = terms.get(p)
            key, coerced = found if found else (compact(p), False)
            node[key].append(self.value(o, coerced))
        nodes = []
        for subject, properties in by_subject.items():
            node = {"@id": subject}
            for key in sorted(properties):
                values = properties[key]
                if len(values) > 1:
                    values = sorted(_unique(values), key=_json_key)
                node[key] = values[0] if len(values) == 1 else values
            nodes.append(node)
        return sorted(nodes, key=lambda n: n["@id"])

    def node_texts_from_lines(self, lines: Iterable[bytes]) -> Iterable[tuple[str, bytes]]:
        """(@id, text) of each node of canonical N-Triples lines (bytes `<s> <p> <o> .`, distinct, sorted, so that
        each subject's lines are together), one node at a time and unsorted, read without an RDF parser: the text
        is `_dumps(node, "    ")` in UTF-8 of the node `nodes` gives for their terms, made without the node's dict:
        each value is kept as its texts (`_texts`: its sort key, as a key's value, inside an array), and the keys'
        and the recurring values' texts are made once: each predicate's key, and per predicate the texts of its
        IRIs and typed literals (`_Key`). A literal without an escape is its JSON string as it stands."""
        keys: dict[bytes, _Key] = {}
        named: dict[str, str] = {}  # key -> its line's start
        subject, properties = None, {}
        for line in lines:
            s, p, o = line[:-2].split(b" ", 2)
            if s != subject:
                if subject is not None:
                    yield self._node_text(subject, properties, named)
                subject, properties = s, {}
            found = keys.get(p)
            if found is None:
                found = keys[p] = self._key(p, named)
            value = found.cache.get(o)
            if value is None:
                found, value = found.texts(o)
            values = properties.get(found.name)
            if values is None:
                properties[found.name] = [value]
            else:
                values.append(value)
        if subject is not None:
            yield self._node_text(subject, properties, named)

    def _key(self, predicate: bytes, named: dict[str, str]) -> "_Key":
        """The key of a predicate's values and how its objects' texts are made; rdf:type's IRIs go under @type, its
        other values (`_Key.untyped`) under its own key."""
        iri = predicate[1:-1].decode("utf-8")
        name, coerced = self.terms.get(iri) or (self.compact_iri(iri), False)
        named.setdefault(name, f"{_KEY_INDENT}{_encode_string(name)}: ")
        found = _Key(self, name, coerced)
        if iri != _RDF_TYPE:
            return found
        named.setdefault("@type", f'{_KEY_INDENT}"@type": ')
        typing = _Key(self, "@type", False)
        typing.untyped = found
        return typing

    def _node_text(self, subject: bytes, properties: dict[str, list], named: dict[str, str]) -> tuple[str, bytes]:
        identifier = (self._compact(subject[1:-1].decode("utf-8")) if subject[:1] == b"<"  # each subject once
                      else subject.decode("utf-8"))
        shape = tuple(properties)  # its keys in the order met: nodes of one kind share it, and so their sorted keys
        order = self._shapes.get(shape)
        if order is None:
            order = self._shapes[shape] = [(key, named[key]) for key in sorted(shape)]
        parts = [_ID_LINE + _encode_string(identifier)]
        for key, start in order:
            values = properties[key]
            if len(values) == 1:
                parts.append(start + values[0][1])
                continue
            values = sorted({value[0]: value for value in values}.values())  # unique by key, sorted by it
            if len(values) == 1:
                parts.append(start + values[0][1])
            else:
                parts.append(start + "[\n" + ",\n".join([_ITEM_INDENT + value[2] for value in values])
                             + "\n" + _KEY_INDENT + "]")
        return identifier, ("{\n" + ",\n".join(parts) + "\n    }").encode("utf-8")


class _Key:
    """A predicate's key in a node (`name`) and the texts (`_texts`) of its objects, those of its IRIs and typed
    literals (they recur: dates, numbers, places) remembered in `cache`."""

    __slots__ = ("compactor", "name", "coerced", "untyped", "cache", "plain", "valued")

    def __init__(self, compactor: Compactor, name: str, coerced: bool):
        self.compactor, self.name, self.coerced = compactor, name, coerced
        self.untyped: _Key | None = None  # rdf:type's key (`@type`): the key of its objects that are not IRIs
        self.cache: dict[bytes, tuple[str, str, str]] = {}
        language = compactor.language
        #: The end of a literal whose value is its JSON string as it stands (`"text"`, no escape in it): the
        #: context's language, or a plain literal where there is no default language (not for coerced values).
        self.plain = None if coerced else (f'"@{language}'.encode("ascii") if language else b'"')
        #: Where there is a default language, a plain (xsd:string) literal is {"@value": text}: its texts are made
        #: here from its JSON string as it stands (`_value_texts`), when it holds no escape (not for coerced values).
        self.valued = not coerced and bool(language)

    def texts(self, o: bytes) -> tuple["_Key", tuple[str, str, str]]:
        """(the key it goes under, the texts) of an object (bytes as in N-Triples)."""
        compactor, coerced = self.compactor, self.coerced
        if o[:1] == b"<":
            iri = o[1:-1].decode("utf-8")
            if self.untyped is not None:  # rdf:type: a class's term, else its compact IRI, always bare
                value = _texts(compactor.type_name(iri))
            else:  # (compacted here, not through compact_iri: `cache` remembers it)
                value = _iri_texts(compactor._compact(iri), coerced)
            self.cache[o] = value
            return self, value
        if self.untyped is not None:
            return self.untyped.texts(o)
        if o[:2] == b"_:":
            return self, _texts(compactor.value(("bnode", o[2:].decode("utf-8")), coerced))
        plain = self.plain
        if plain is not None and o.endswith(plain) and not _NEEDS_JSON_ESCAPE.search(o, 1, len(o) - len(plain)):
            text = o[:len(o) - len(plain) + 1].decode("utf-8")  # the quotes and the text: its JSON string
            return self, (text, text, text)
        if self.valued and o[-1:] == b'"' and not _NEEDS_JSON_ESCAPE.search(o, 1, len(o) - 1):
            return self, _value_texts(o.decode("utf-8"))
        value = _texts(compactor.value(_nt_literal(o), coerced))
        if o[-1:] == b">":  # a typed literal
            self.cache[o] = value
        return self, value


#: What a JSON string must escape (ensure_ascii=False): a literal's text holding none of these is its JSON string.
_NEEDS_JSON_ESCAPE = re.compile(rb'["\\\x00-\x1f]')
_RDF_TYPE = str(RDF.type)


#: The indents of a node's keys and of the items of its arrays in the file (`_dumps(node, "    ")`).
_KEY_INDENT, _ITEM_INDENT = " " * 6, " " * 8
_ID_LINE = _KEY_INDENT + '"@id": '


def _texts(value) -> tuple[str, str, str]:
    """A compacted value (a string or a dict of strings) as (`_json_key(value)`, `_dumps` of it as a node's key's
    value, `_dumps` of it as an item of the key's array)."""
    if type(value) is str:
        text = _encode_string(value)
        return text, text, text
    pairs = [f"{_encode_string(k)}: {_encode_string(v)}" for k, v in value.items()]
    return ("{" + ", ".join(pairs if list(value) == sorted(value) else
                            [f"{_encode_string(k)}: {_encode_string(v)}" for k, v in sorted(value.items())]) + "}",
            "{\n" + ",\n".join(_ITEM_INDENT + pair for pair in pairs) + "\n" + _KEY_INDENT + "}",
            "{\n" + ",\n".join(_ITEM_INDENT + "  " + pair for pair in pairs) + "\n" + _ITEM_INDENT + "}")


def _value_texts(text: str) -> tuple[str, str, str]:
    """`_texts` of {"@value": text} for `text` a JSON string (its quotes included)."""
    pair = '"@value": ' + text
    return ("{" + pair + "}", "{\n" + _ITEM_INDENT + pair + "\n" + _KEY_INDENT + "}",
            "{\n" + _ITEM_INDENT + "  " + pair + "\n" + _ITEM_INDENT + "}")


def _iri_texts(iri: str, coerced: bool) -> tuple[str, str, str]:
    """`_texts` of a compacted IRI: the bare string (`coerced`), else {"@id": iri}."""
    text = _encode_string(iri)
    if coerced:
        return text, text, text
    return ('{"@id": ' + text + "}", "{\n" + _ITEM_INDENT + '"@id": ' + text + "\n" + _KEY_INDENT + "}",
            "{\n" + _ITEM_INDENT + '  "@id": ' + text + "\n" + _ITEM_INDENT + "}")


def _jsonld_pieces(context: dict, nodes: list[bytes]) -> Iterable[bytes]:
    """The JSON-LD file's text (json.dumps of {"@context", "@graph"} with indent 2) from the nodes' texts (each
    `_dumps(node, "    ")`, in order), piece by piece."""
    yield b'{\n  "@context": ' + _dumps(context, "  ").encode("utf-8") + b',\n  "@graph": '
    if not nodes:
        yield b"[]\n}\n"
        return
    yield b"[\n"
    for i, text in enumerate(nodes):
        yield (b",\n    " if i else b"    ") + text
    yield b"\n  ]\n}\n"


_NT_ESCAPE = re.compile(rb'\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))')
_NT_ECHAR = {b"t": "\t", b"b": "\b", b"n": "\n", b"r": "\r", b"f": "\f", b'"': '"', b"'": "'", b"\\": "\\"}


def _nt_literal(term: bytes) -> tuple:
    """("literal", text, language, datatype) of an N-Triples literal."""
    end = term.rindex(b'"')
    raw, rest = term[1:end], term[end + 1:]
    if b"\\" in raw:
        text = "".join(_unescape_parts(raw))
    else:
        text = raw.decode("utf-8")
    if rest[:1] == b"@":
        return ("literal", text, rest[1:].decode("ascii"), None)
    if rest[:2] == b"^^":
        return ("literal", text, None, rest[3:-1].decode("utf-8"))
    return ("literal", text, None, None)


def _unescape_parts(raw: bytes):
    at = 0
    for match in _NT_ESCAPE.finditer(raw):
        yield raw[at:match.start()].decode("utf-8")
        short, long, char = match.groups()
        yield chr(int(short or long, 16)) if (short or long) else _NT_ECHAR[char]
        at = match.end()
    yield raw[at:].decode("utf-8")


def _plain(triples: Iterable) -> Iterable[tuple]:
    """(subject, predicate IRI, object) with the terms as the plain tuples of Compactor.value, from rdflib triples
    (tuples of terms) or pyoxigraph triples or quads (whose graph is ignored)."""
    for t in triples:
        if isinstance(t, tuple):
            s, p, o = t
            yield _plain_rdflib(s), str(p), _plain_rdflib(o)
        else:  # a pyoxigraph Triple or Quad
            yield _plain_ox(t.subject), t.predicate.value, _plain_ox(t.object)


def _plain_rdflib(term) -> tuple:
    if isinstance(term, URIRef):
        return ("iri", str(term))
    if isinstance(term, BNode):
        return ("bnode", str(term))
    return ("literal", str(term), term.language, str(term.datatype) if term.datatype else None)


def _plain_ox(term) -> tuple:
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value)
    if isinstance(term, ox.BlankNode):
        return ("bnode", term.value)
    return ("literal", term.value, term.language, term.datatype.value)


def _dumps(value, indent: str = "") -> str:
    """json.dumps(value, indent=2, ensure_ascii=False), the same text, written faster for the document's shape:
    strings by the C encoder, and no generator per value."""
    if type(value) is str:
        return _encode_string(value)
    inner = indent + "  "
    if type(value) is dict:
        if not value:
            return "{}"
        parts = [f"{inner}{_encode_string(k)}: {_dumps(v, inner)}" if type(k) is str else None for k, v in value.items()]
        if None in parts:  # a key that is not a string: json's own rules
            return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + indent)
        return "{\n" + ",\n".join(parts) + "\n" + indent + "}"
    if type(value) is list:
        if not value:
            return "[]"
        return "[\n" + ",\n".join(inner + _dumps(v, inner) for v in value) + "\n" + indent + "]"
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + indent)


def _unique(values: list) -> list:
    seen, kept = set(), []
    for value in values:
        key = _json_key(value)
        if key not in seen:
            seen.add(key)
            kept.append(value)
    return kept


def _json_key(value) -> str:
    if type(value) is str:  # what json.dumps gives for a string, without its overhead
        return _encode_string(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


_encode_string = json.encoder.encode_basestring  # json.dumps(s, ensure_ascii=False) for a str s
