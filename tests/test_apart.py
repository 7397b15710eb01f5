"""graph.build.apart: pyoxigraph's serializer in a child process gives the bytes it gives in this one (Turtle from
N-Triples, TriG from N-Quads, the cckg.ttl / data.ttl pair), and a text it cannot read is an error with the
parser's message. (The real build's cckg.ttl and cckg.trig are written this way: tests/test_release.py holds them.)"""

from __future__ import annotations

import random

import pyoxigraph as ox
import pytest

from graph.build import apart, output
from graph.namespaces import PREFIXES

EX = "https://w3id.org/cckg/id/"


def _lines(seed: int, count: int = 400) -> list[bytes]:
    """Sorted distinct N-Triples lines of a seeded random graph: IRIs, language-tagged and typed literals, text
    that needs escapes, and subjects whose runs hold several predicates."""
    rng = random.Random(seed)
    found = set()
    for _ in range(count):
        s = f"<{EX}s{rng.randrange(40)}>"
        p = f"<{PREFIXES['schema']}{rng.choice(['name', 'startDate', 'about', 'location'])}>"
        o = rng.choice([f"<{EX}o{rng.randrange(30)}>", f'"a \\"quoted\\" word {rng.randrange(9)}"@en',
                        f'"{rng.randrange(1990, 2026)}-0{rng.randrange(1, 9)}-1{rng.randrange(9)}"'
                        f"^^<http://www.w3.org/2001/XMLSchema#date>", f'"line\\nbreak {rng.randrange(5)}"'])
        found.add(f"{s} {p} {o} .".encode())
    return sorted(found)


@pytest.mark.parametrize("seed", range(3))
def test_turtle_from_a_child_is_the_turtle_made_here(seed):
    text = output.join_lines(_lines(seed))
    here = ox.serialize(ox.parse(text, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.TURTLE,
                        prefixes=PREFIXES)
    assert apart.serialize(text, source="N_TRIPLES", target="TURTLE", prefixes=PREFIXES, lenient=False) == here


def test_trig_from_pieces_in_a_child_is_the_trig_made_here():
    graphs = [(f"{EX}g{i}", output.join_lines(_lines(10 + i, 60))) for i in range(4)]
    pieces = [text.replace(b" .\n", f" <{iri}> .\n".encode()) for iri, text in graphs]
    here = ox.serialize(ox.parse(b"".join(pieces), format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.TRIG,
                        prefixes=PREFIXES)
    found = apart.serialize(iter(pieces), source="N_QUADS", target="TRIG", prefixes=PREFIXES, lenient=True)
    assert found == here and found.count(b"GRAPH") + found.count(b"{\n") >= 4


def test_the_turtle_pair_from_a_child_is_the_pair_made_here(monkeypatch, tmp_path):
    lines = _lines(20, 600)
    left_out = [line for line in lines if b"/s3>" in line.split(b" ")[0] or b"about" in line][:40]
    assert left_out
    here = output.turtle_pair(output.join_lines(lines), left_out, checked=True)
    monkeypatch.setattr(apart, "APART_BYTES", 0)  # so that this small text goes to a child
    into = tmp_path / "whole.ttl", tmp_path / "less.ttl"
    output.write_turtle_pair(output.join_lines(lines), left_out, into, checked=True)
    assert tuple(path.read_bytes() for path in into) == here


def test_a_text_the_child_cannot_parse_is_an_error_with_the_parser_s_message():
    with pytest.raises(ValueError, match=r"could not write TURTLE from N_TRIPLES \(exit status 1\).*SyntaxError.*line 2"):
        apart.serialize(b'<http://a.example/s> <http://a.example/p> "fine" .\n<no-scheme> <p> <o> .\n',
                        source="N_TRIPLES", target="TURTLE", prefixes={}, lenient=False)
