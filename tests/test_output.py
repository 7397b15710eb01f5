"""graph.build.output's Turtle writer: `turtle_pair` (cckg.ttl and data.ttl from one serialization) gives the bytes of
serializing each file directly, also where the ontology and the data share subjects."""

from __future__ import annotations

import random

import pytest

from graph.build.output import join_lines, sorted_turtle_bytes, turtle_of_ntriples, turtle_pair

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
COMMENT = "<http://www.w3.org/2000/01/rdf-schema#comment>"
OWL_CLASS = "<http://www.w3.org/2002/07/owl#Class>"
ONTO, KG = "https://w3id.org/cckg/ontology/", "https://w3id.org/cckg/id/"


def _direct(whole: list[str], left_out: list[str]) -> tuple[bytes, bytes]:
    """Both files serialized each on its own (what the build wrote before turtle_pair)."""
    return sorted_turtle_bytes(whole), sorted_turtle_bytes(set(whole) - set(left_out))


def _pair(whole: list[str], left_out: list[str]) -> tuple[bytes, bytes]:
    text = join_lines(sorted(set(whole)))
    return turtle_pair(text, [line.encode() for line in sorted(set(left_out))], checked=True)


def test_the_pair_is_the_direct_serialization_where_ontology_and_data_share_subjects():
    country, label = f"<{ONTO}Country>", f"<{ONTO}label>"
    ontology = [
        f"{country} {RDF_TYPE} {OWL_CLASS} .",  # shared: the data repeats it
        f'{country} {LABEL} "Country"@en .',  # the subject's other triples are the data's too: merged
        f'{country} {COMMENT} "a state"@en .',
        f"<{ONTO}Meeting> {RDF_TYPE} {OWL_CLASS} .",  # the ontology's alone: cut out
        f'<{ONTO}Meeting> {LABEL} "Meeting"@en .',
        f"<http://purl.org/dc/terms/date> {RDF_TYPE} <http://www.w3.org/2002/07/owl#DatatypeProperty> .",  # first
        f'<{ONTO}zz> {LABEL} "last \\"one\\"\\nof all"@en .',  # last line of the text
        f'<{KG}a> {LABEL} "an ontology triple about a data subject" .',  # a data subject
        f"_:b1 {LABEL} \"a blank node\" .",
    ]
    data = [
        f"{country} {RDF_TYPE} {OWL_CLASS} .",
        f"{country} {label} {country} .",
        f"<{ONTO}Countryside> {RDF_TYPE} {OWL_CLASS} .",  # its IRI begins with an ontology subject's
        f'<{KG}a> {LABEL} "a" .',
        f"<{KG}a> {RDF_TYPE} {country} .",
        f'<{KG}ab> {LABEL} "ab" .',
        f"_:b10 {LABEL} \"another blank node\" .",
        f"_:b1 {COMMENT} \"shared blank node subject\" .",
    ]
    left_out = sorted(set(ontology) - set(data))
    whole, data_ttl = _pair(ontology + data, left_out)
    assert (whole, data_ttl) == _direct(ontology + data, left_out)
    assert b"Meeting" in whole and b"Meeting" not in data_ttl and b"a state" not in data_ttl
    assert data_ttl.count(b"\ncckg:Country ") == 1  # the shared subject's block, rewritten with the data's triples


def test_the_pair_is_the_direct_serialization_on_random_graphs():
    rng = random.Random(14)
    subjects = [f"<{KG}s{i}>" for i in range(12)] + [f"<{ONTO}C{i}>" for i in range(6)] + ["_:b", "_:b0"]
    predicates = [RDF_TYPE, LABEL, COMMENT, f"<{ONTO}p>"]
    objects = [OWL_CLASS, f"<{KG}s1>", '"x"', '"y"@en', '"1"^^<http://www.w3.org/2001/XMLSchema#integer>', "_:b"]
    for _ in range(60):
        whole = [f"{rng.choice(subjects)} {rng.choice(predicates)} {rng.choice(objects)} ."
                 for _ in range(rng.randrange(0, 40))]
        left_out = [line for line in set(whole) if rng.random() < rng.choice([0.1, 0.5, 1.0])]
        assert _pair(whole, left_out) == _direct(whole, left_out)


def test_nothing_left_out_gives_the_same_file_twice():
    whole = [f'<{KG}a> {LABEL} "a" .', f"<{KG}a> {RDF_TYPE} {OWL_CLASS} ."]
    text = join_lines(sorted(whole))
    assert turtle_pair(text, []) == (turtle_of_ntriples(text),) * 2


def test_a_left_out_line_not_in_the_text_is_an_error():
    text = join_lines([f'<{KG}a> {LABEL} "a" .'])
    with pytest.raises(ValueError, match="not in the text"):
        turtle_pair(text, [f'<{KG}a> {LABEL} "b" .'.encode()])
    with pytest.raises(ValueError, match="no line in the text"):
        turtle_pair(text, [f'<{KG}b> {LABEL} "a" .'.encode()])
