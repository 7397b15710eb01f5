"""Every file of three releases byte for byte as held in tests/data/release-hashes.json (tests/release_hashes.py):
the real sources and generated 10k and 100k sources. A refactoring changes none of them; an intended change of the
outputs updates the file (`python tests/release_hashes.py --update`) in the same commit."""

from __future__ import annotations

import json

import pytest

import release_hashes as hashes


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n != "real" else n
                                  for n in hashes.RELEASES])
def test_release_is_byte_identical_to_the_held_hashes(name, tmp_path):
    held = json.loads(hashes.HASHES.read_text(encoding="utf-8"))[name]
    found = hashes.build_release(name, tmp_path)
    assert len(found) > 10 and {"cckg.ttl", "cckg.nq", "graph.html", "validation-report.txt"} <= set(found)
    assert hashes.compare(held, found, hashes.stack_versions()) == []
