"""Word Mover's Distance: against a brute-force optimal matching, gensim's special cases,
gensim's own numbers (interop), and the message without POT."""

from __future__ import annotations

import itertools
import sys

import numpy as np
import pytest

from pyw2v import KeyedVectors
from pyw2v.wmd import wmdistance

WORDS = [f"w{i}" for i in range(12)]


@pytest.fixture
def kv():
    rng = np.random.default_rng(7)
    return KeyedVectors(rng.normal(size=(12, 6)).astype(np.float32), WORDS)


def _brute_force(kv, doc1, doc2, norm=True):
    """Equal-length documents of distinct words: every word carries 1/n, and an optimal
    transport between two uniform distributions on n points is a permutation (Birkhoff),
    so the distance is the cheapest perfect matching divided by n."""
    v1 = [kv.get_vector(w, norm=norm).astype(np.float64) for w in doc1]
    v2 = [kv.get_vector(w, norm=norm).astype(np.float64) for w in doc2]
    n = len(doc1)
    return min(
        sum(np.linalg.norm(v1[i] - v2[p[i]]) for i in range(n)) / n
        for p in itertools.permutations(range(n))
    )


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("norm", [True, False])
def test_equals_the_cheapest_matching(kv, seed, norm):
    pytest.importorskip("ot")
    rng = np.random.default_rng(seed)
    picked = rng.permutation(WORDS)[:8]
    doc1, doc2 = list(picked[:4]), list(picked[4:])
    want = _brute_force(kv, doc1, doc2, norm)
    assert wmdistance(kv, doc1, doc2, norm=norm) == pytest.approx(want, rel=1e-9)
    assert kv.wmdistance(doc2, doc1, norm=norm) == pytest.approx(want, rel=1e-9)


def test_repeated_words_weigh_by_their_count(kv):
    """['w0', 'w0', 'w1'] against ['w2']: all mass goes to w2, 2/3 of it from w0."""
    pytest.importorskip("ot")
    n = {w: kv.get_vector(w, norm=True).astype(np.float64) for w in ("w0", "w1", "w2")}
    want = (2 * np.linalg.norm(n["w0"] - n["w2"]) + np.linalg.norm(n["w1"] - n["w2"])) / 3
    assert wmdistance(kv, ["w0", "w0", "w1"], ["w2"]) == pytest.approx(want, rel=1e-9)


def test_gensims_special_cases(kv, caplog):
    pytest.importorskip("ot")
    assert wmdistance(kv, ["w3", "w3"], ["w3"]) == 0.0
    assert wmdistance(kv, ["w1", "w2"], ["w2", "w1", "zzz"]) == pytest.approx(0.0, abs=1e-7)
    with caplog.at_level("WARNING", logger="pyw2v.wmd"):
        assert wmdistance(kv, ["zzz"], ["w1"]) == float("inf")
    assert "no words that were in the vocabulary" in caplog.text
    with pytest.raises(TypeError, match="list of words"):
        wmdistance(kv, "w1 w2", ["w1"])


@pytest.mark.interop
def test_same_numbers_as_gensim(kv):
    pytest.importorskip("ot")
    gensim_kv = pytest.importorskip("gensim.models.keyedvectors").KeyedVectors
    theirs = gensim_kv(vector_size=6)
    theirs.add_vectors(WORDS, kv.vectors)
    docs = [["w1", "w2", "w2", "w5"], ["w7", "w1", "w11"], ["w3"], ["w4", "w4", "zzz"]]
    for a, b in itertools.product(docs, docs):
        assert wmdistance(kv, a, b) == pytest.approx(theirs.wmdistance(a, b), rel=1e-6)


def test_without_pot_the_message_says_what_to_install(kv, monkeypatch):
    monkeypatch.setitem(sys.modules, "ot", None)
    with pytest.raises(ImportError, match=r"pip install 'pyw2v\[wmd\]'"):
        wmdistance(kv, ["w1"], ["w2"])
