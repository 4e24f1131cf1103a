"""KeyedVectors on hand-made matrices whose answers are known by construction, and on a
seeded random matrix checked against a brute-force numpy ranking."""

from __future__ import annotations

import numpy as np
import pytest

from pyw2v import KeyedVectors

# axes: royalty, maleness, fruit, colour
WORDS = ["king", "queen", "man", "woman", "apple", "pear", "red", "prince"]
MATRIX = np.array(
    [
        [2.0, 2.0, 0.0, 0.0],  # king
        [3.0, -3.0, 0.0, 0.0],  # queen   (length differs from king: cosine ignores it)
        [0.0, 1.0, 0.0, 0.0],  # man
        [0.0, -0.5, 0.0, 0.0],  # woman
        [0.0, 0.0, 1.0, 0.2],  # apple
        [0.0, 0.0, 4.0, 0.0],  # pear
        [0.0, 0.0, 0.1, 1.0],  # red
        [1.0, 1.2, 0.0, 0.1],  # prince
    ],
    dtype=np.float32,
)


@pytest.fixture
def kv():
    return KeyedVectors(MATRIX.copy(), WORDS)


@pytest.fixture
def random_kv():
    rng = np.random.default_rng(1234)
    words = [f"w{i}" for i in range(60)]
    return KeyedVectors(rng.standard_normal((60, 12)).astype(np.float32), words)


def unit(v):
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v)


def brute_force(kv, positive, negative=(), restrict=None):
    """Ranks words by cosine to the mean of unit query vectors (3CosAdd), in float64."""

    def vec(q):
        return unit(kv.vectors[kv.key_to_index[q]]) if isinstance(q, str) else unit(q)

    query = np.mean([vec(q) for q in positive] + [-vec(q) for q in negative], axis=0)
    query = unit(query)
    limit = len(kv) if restrict is None else restrict
    exclude = {q for q in list(positive) + list(negative) if isinstance(q, str)}
    sims = [
        (w, float(unit(kv.vectors[i]) @ query))
        for i, w in enumerate(kv.index_to_key[:limit])
        if w not in exclude
    ]
    return sorted(sims, key=lambda t: -t[1])


def test_len_contains_get_index(kv):
    assert len(kv) == 8
    assert kv.vector_size == 4
    assert "king" in kv and "prince" in kv
    assert "castle" not in kv and "" not in kv and 3 not in kv
    for i, w in enumerate(WORDS):
        assert kv.get_index(w) == i


def test_getitem_str_and_list(kv):
    np.testing.assert_array_equal(kv["queen"], MATRIX[1])
    assert kv["queen"].dtype == np.float32
    both = kv[["pear", "king", "pear"]]
    assert both.shape == (3, 4)
    np.testing.assert_array_equal(both, MATRIX[[5, 0, 5]])
    np.testing.assert_array_equal(kv[("man",)], MATRIX[[2]])


def test_get_vector_is_a_copy(kv):
    v = kv.get_vector("king")
    v[:] = 99.0
    np.testing.assert_array_equal(kv.vectors[0], MATRIX[0])
    np.testing.assert_array_equal(kv["king"], MATRIX[0])


def test_get_vector_norm_unit_length_and_copy(kv):
    for w in WORDS:
        v = kv.get_vector(w, norm=True)
        assert v.dtype == np.float32
        assert np.linalg.norm(v) == pytest.approx(1.0, abs=1e-6)
        np.testing.assert_allclose(v, unit(kv.vectors[kv.get_index(w)]), rtol=1e-6)
    v = kv.get_vector("queen", norm=True)
    np.testing.assert_allclose(v, [2**-0.5, -(2**-0.5), 0, 0], rtol=1e-6)
    v[:] = 0.0
    np.testing.assert_array_equal(kv.vectors[1], MATRIX[1])
    assert np.linalg.norm(kv.get_vector("queen", norm=True)) == pytest.approx(1.0, abs=1e-6)


def test_zero_vector_stays_zero_when_normed():
    kv = KeyedVectors(np.array([[0, 0], [3, 4]], dtype=np.float32), ["zero", "v"])
    np.testing.assert_array_equal(kv.get_vector("zero", norm=True), [0, 0])
    np.testing.assert_allclose(kv.get_vector("v", norm=True), [0.6, 0.8], rtol=1e-6)
    assert kv.similarity("zero", "v") == 0.0
    assert np.isfinite(kv.most_similar("v", topn=1)[0][1])


def test_similarity_is_numpy_cosine(kv, random_kv):
    assert kv.similarity("king", "queen") == pytest.approx(0.0, abs=1e-6)
    assert kv.similarity("king", "man") == pytest.approx(2**-0.5, rel=1e-6)
    assert kv.similarity("man", "woman") == pytest.approx(-1.0, rel=1e-6)
    assert kv.similarity("pear", "pear") == pytest.approx(1.0, rel=1e-6)
    for a, b in [("w0", "w1"), ("w5", "w59"), ("w17", "w3")]:
        va, vb = random_kv[a].astype(np.float64), random_kv[b].astype(np.float64)
        expected = va @ vb / (np.linalg.norm(va) * np.linalg.norm(vb))
        assert random_kv.similarity(a, b) == pytest.approx(expected, abs=1e-6)
        assert random_kv.similarity(a, b) == pytest.approx(random_kv.similarity(b, a), abs=1e-7)
    assert isinstance(kv.similarity("king", "man"), float)


def test_most_similar_positive_only(kv):
    result = kv.most_similar("king", topn=3)
    assert [w for w, _ in result] == ["prince", "man", "queen"]
    assert result[0][1] == pytest.approx(float(unit(MATRIX[0]) @ unit(MATRIX[7])), abs=1e-6)
    assert result[1][1] == pytest.approx(2**-0.5, abs=1e-6)
    # a bare word, a one-element list and similar_by_word agree
    assert kv.most_similar(["king"], topn=3) == result
    assert kv.most_similar(positive=["king"], topn=3) == result
    assert kv.similar_by_word("king", topn=3) == result
    assert kv.most_similar("king", topn=np.int64(3)) == result  # numpy integers are integers


def test_most_similar_matches_brute_force(random_kv):
    for positive, negative in [
        (["w3"], []),
        (["w1", "w2"], ["w7"]),
        ([], ["w9"]),
        (["w4", "w5", "w6"], ["w0", "w11"]),
    ]:
        got = random_kv.most_similar(positive=positive, negative=negative, topn=10)
        want = brute_force(random_kv, positive, negative)[:10]
        assert [w for w, _ in got] == [w for w, _ in want]
        np.testing.assert_allclose([s for _, s in got], [s for _, s in want], atol=1e-5)


def test_most_similar_sorted_descending_and_query_words_excluded(random_kv):
    result = random_kv.most_similar(positive=["w1", "w2"], negative=["w3"], topn=len(random_kv))
    sims = [s for _, s in result]
    assert sims == sorted(sims, reverse=True)
    names = [w for w, _ in result]
    assert not {"w1", "w2", "w3"} & set(names)
    assert len(names) == len(set(names)) == len(random_kv) - 3
    assert all(isinstance(w, str) and isinstance(s, float) for w, s in result)


def test_most_similar_analogy(kv):
    # king - man + woman: the gender axis flips, royalty stays -> queen
    result = kv.most_similar(positive=["king", "woman"], negative=["man"], topn=2)
    assert result[0][0] == "queen"
    query = unit(np.mean([unit(MATRIX[0]), unit(MATRIX[3]), -unit(MATRIX[2])], axis=0))
    assert result[0][1] == pytest.approx(float(unit(MATRIX[1]) @ query), abs=1e-6)
    assert result[0][1] > result[1][1]
    assert {"king", "woman", "man"}.isdisjoint(w for w, _ in result)
    # and the other way round
    assert kv.most_similar(positive=["queen", "man"], negative=["woman"], topn=1)[0][0] in (
        "king",
        "prince",
    )


def test_most_similar_with_vectors(kv):
    # a vector query is not excluded from the results: king's own vector finds king
    result = kv.most_similar(positive=[kv["king"]], topn=2)
    assert result[0][0] == "king"
    assert result[0][1] == pytest.approx(1.0, abs=1e-6)
    assert kv.most_similar(positive=kv["king"], topn=2) == result  # a bare 1-d array
    # a vector along the fruit axis
    fruit = np.array([0, 0, 1, 0], dtype=np.float32)
    assert kv.most_similar(positive=[fruit], topn=1)[0][0] == "pear"
    # words and vectors mixed: king - man + (the woman vector) behaves as the analogy
    mixed = kv.most_similar(positive=["king", kv["woman"]], negative=["man"], topn=1)
    assert mixed[0][0] == "queen"
    # float64 and list inputs are accepted
    assert kv.most_similar(positive=[fruit.astype(np.float64)], topn=1)[0][0] == "pear"


def test_most_similar_restrict_vocab(kv, random_kv):
    result = kv.most_similar("king", topn=10, restrict_vocab=4)
    assert [w for w, _ in result] == ["man", "queen", "woman"]
    assert set(w for w, _ in kv.most_similar("pear", topn=10, restrict_vocab=6)) <= set(WORDS[:6])
    got = random_kv.most_similar(["w40"], topn=5, restrict_vocab=20)
    want = brute_force(random_kv, ["w40"], restrict=20)[:5]
    assert [w for w, _ in got] == [w for w, _ in want]
    assert all(random_kv.get_index(w) < 20 for w, _ in got)


@pytest.mark.parametrize("topn", [1, 2, 5, 7, 100])
def test_most_similar_topn(kv, topn):
    result = kv.most_similar("apple", topn=topn)
    assert len(result) == min(topn, len(kv) - 1)
    full = kv.most_similar("apple", topn=100)
    # the same similarities; words tied at equal similarity may come in any order
    assert [s for _, s in result] == [s for _, s in full[: len(result)]]
    assert all(dict(full)[w] == s for w, s in result)
    assert result[0][0] == "pear"


def test_unknown_word_key_error_names_it(kv):
    for call in (
        lambda: kv["castle"],
        lambda: kv.get_vector("castle"),
        lambda: kv.get_index("castle"),
        lambda: kv.similarity("king", "castle"),
        lambda: kv.most_similar("castle"),
        lambda: kv.most_similar(positive=["king"], negative=["castle"]),
        lambda: kv[["king", "castle"]],
    ):
        with pytest.raises(KeyError, match="castle"):
            call()


@pytest.mark.parametrize(
    "args",
    [{}, {"positive": []}, {"positive": [], "negative": []}, {"positive": None, "negative": None}],
)
def test_empty_query_value_error(kv, args):
    with pytest.raises(ValueError, match="at least one"):
        kv.most_similar(**args)


@pytest.mark.parametrize("topn", [-1, 2.5, True, "3"])
def test_bad_topn_value_error(kv, topn):
    with pytest.raises(ValueError, match="topn"):
        kv.most_similar("king", topn=topn)
    with pytest.raises(ValueError, match="topn"):
        kv.most_similar_cosmul("king", topn=topn)


@pytest.mark.parametrize("shape", [(3,), (5,), (2, 4), ()])
def test_query_vector_wrong_dimension(kv, shape):
    bad = np.ones(shape, dtype=np.float32)
    with pytest.raises(ValueError, match=r"shape \(4,\)"):
        kv.most_similar(positive=[bad])


def test_constructor_validation():
    with pytest.raises(ValueError, match="3 vectors for 2 words"):
        KeyedVectors(np.zeros((3, 4), dtype=np.float32), ["a", "b"])
    with pytest.raises(ValueError, match="vectors for"):
        KeyedVectors(np.zeros((1, 4), dtype=np.float32), ["a", "b"])
    with pytest.raises(ValueError, match="2-d"):
        KeyedVectors(np.zeros(4, dtype=np.float32), ["a"])
    with pytest.raises(ValueError, match="twice"):
        KeyedVectors(np.zeros((2, 4), dtype=np.float32), ["a", "a"])


def test_constructor_keeps_float32_array_and_converts_others():
    arr = np.ones((2, 3), dtype=np.float32)
    kv = KeyedVectors(arr, ["a", "b"])
    assert kv.vectors is arr  # training writes into the same memory
    kv64 = KeyedVectors(np.ones((2, 3)), ["a", "b"])
    assert kv64.vectors.dtype == np.float32 and kv64.vectors.flags.c_contiguous


def test_normed_vectors_are_cached_until_reset():
    kv = KeyedVectors(np.array([[3.0, 4.0], [0.0, 2.0]], dtype=np.float32), ["a", "b"])
    first = kv.get_normed_vectors()
    assert kv.get_normed_vectors() is first  # one normalisation, not one per query
    assert not first.flags.writeable
    np.testing.assert_allclose(first, [[0.6, 0.8], [0.0, 1.0]])
    kv.vectors[0] = [0.0, -5.0]
    kv.reset_norms()
    np.testing.assert_allclose(kv.get_normed_vectors()[0], [0.0, -1.0])
    assert kv.similarity("a", "b") == pytest.approx(-1.0)
