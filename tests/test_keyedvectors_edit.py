"""KeyedVectors built and changed by hand (gensim's constructor, add_vectors, kv[key] = v,
vectors_for_all, unit_normalize_all), the gensim-shaped queries (get_mean_vector,
most_similar_to_given, relative_cosine_similarity, topn None / 0), and the norm cache's
versioning. References are computed here with numpy."""

from __future__ import annotations

import numpy as np
import pytest

from pyw2v import KeyedVectors
from pyw2v.keyedvectors import EmptyQueryError


@pytest.fixture
def kv():
    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in range(40)]
    return KeyedVectors(rng.standard_normal((40, 6)).astype(np.float32), words)


def unit(v):
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v)


# ------------------------------------------------------------ construction


def test_gensim_constructor_makes_an_empty_kv():
    kv = KeyedVectors(5)
    assert len(kv) == 0 and kv.vector_size == 5 and kv.vectors.shape == (0, 5)
    assert kv.vectors.dtype == np.float32
    assert KeyedVectors(vector_size=3, dtype=np.float64).vectors.dtype == np.float64
    assert "x" not in kv


@pytest.mark.parametrize(
    "args, error, match",
    [
        ((5, -1), ValueError, "count"),
        ((0,), ValueError, "vector_size"),
        ((5, 0, np.int32), ValueError, "dtype must be float16, float32 or float64"),
        ((np.zeros((2, 3), np.float32), 2), TypeError, "list of words"),
    ],
)
def test_constructor_errors(args, error, match):
    with pytest.raises(error, match=match):
        KeyedVectors(*args)


def test_pyw2v_constructor_takes_any_sequence_of_words():
    kv = KeyedVectors(np.eye(3), np.array(["a", "b", "c"]))
    assert kv.index_to_key == ["a", "b", "c"] and kv.vectors.dtype == np.float32
    assert kv.similar_by_key("a", topn=1) == kv.similar_by_word("a", topn=1)
    with pytest.raises(TypeError, match="list of words"):
        KeyedVectors(np.eye(3), "abc")


def test_top_k_keeps_equal_scores_in_index_order():
    from pyw2v.ranking import restrict_limit, top_k

    scores = np.array([1.0, 3.0, 3.0, 0.0, 3.0, 2.0], np.float32)
    assert top_k(scores, 4).tolist() == [1, 2, 4, 5]
    assert top_k(scores, 9).tolist() == [1, 2, 4, 5, 0, 3]
    assert top_k(scores, 0).tolist() == []
    assert restrict_limit(6, None) == 6 and restrict_limit(6, 10) == 6
    with pytest.raises(ValueError, match="restrict_vocab must be >= 0"):
        restrict_limit(6, -1)


def test_add_vector_fills_reserved_rows_then_grows():
    kv = KeyedVectors(3, count=2)
    rows = np.arange(12, dtype=np.float32).reshape(4, 3) + 1
    assert [kv.add_vector(f"k{i}", rows[i]) for i in range(4)] == [0, 1, 2, 3]
    assert kv.index_to_key == ["k0", "k1", "k2", "k3"]
    np.testing.assert_array_equal(kv.vectors, rows)
    # a known word keeps its vector and its row
    assert kv.add_vector("k1", np.zeros(3)) == 1
    np.testing.assert_array_equal(kv["k1"], rows[1])
    assert len(kv) == 4


def test_add_vectors_then_most_similar_finds_the_new_word(kv):
    kv.most_similar("w3")  # fills the norm cache, which adding must invalidate
    twin = 2 * kv["w3"] + 0.01
    kv.add_vectors(["twin", "other"], np.stack([twin, -kv["w3"]]))
    assert len(kv) == 42 and kv.index_to_key[-2:] == ["twin", "other"]
    assert kv.most_similar("w3", topn=1)[0][0] == "twin"
    assert kv.most_similar(negative=["w3"], topn=1)[0][0] == "other"
    np.testing.assert_array_equal(kv["twin"], twin.astype(np.float32))


def test_add_vectors_keeps_or_replaces_known_words(kv):
    old = kv["w0"]
    new = np.ones(6, np.float32)
    kv.add_vectors(["w0", "fresh"], [new, new])
    np.testing.assert_array_equal(kv["w0"], old)
    kv.add_vectors("w0", new, replace=True)
    np.testing.assert_array_equal(kv["w0"], new)
    assert kv.most_similar("fresh", topn=1)[0] == ("w0", pytest.approx(1.0))


def test_add_vectors_extras_and_attributes_grow(kv):
    kv.expandos["count"] = np.arange(40, 0, -1, dtype=np.int64)
    kv.add_vectors(["a", "b"], np.ones((2, 6)), extras={"count": [7, 8], "tag": [1.5, 2.5]})
    assert kv.get_vecattr("a", "count") == 7 and kv.get_vecattr("b", "count") == 8
    assert kv.get_vecattr("b", "tag") == 2.5 and kv.get_vecattr("w0", "tag") == 0
    kv.add_vectors(["c"], np.ones((1, 6)))
    assert kv.get_vecattr("c", "count") == 0
    assert all(len(values) == len(kv) for values in kv.expandos.values())


def test_add_vectors_converts_to_the_vectors_type():
    kv = KeyedVectors(2)
    kv.add_vectors(["a"], np.array([[1.0, 1.0]], dtype=np.float64))
    assert kv.vectors.dtype == np.float32
    wide = KeyedVectors(2, dtype=np.float64)
    wide.add_vectors(["a"], np.array([[0.1, 0.2]], dtype=np.float64))
    assert wide["a"].dtype == np.float64 and wide["a"][0] == 0.1


@pytest.mark.parametrize(
    "keys, weights, match",
    [
        (["a", "b"], np.ones((3, 6)), "2 words need 2 vectors of size 6"),
        (["a"], np.ones(5), "1 words need 1 vectors of size 6"),
        (["a"], np.array([np.nan] * 6), "NaN or infinite"),
        (["a"], np.array([np.inf] + [0.0] * 5), "NaN or infinite"),
        (["a", "a"], np.ones((2, 6)), "twice"),
        ([""], np.ones((1, 6)), "non-empty str"),
        ([3], np.ones((1, 6)), "non-empty str"),
        (["a"], np.array([["x"] * 6]), "must be numbers"),
    ],
)
def test_add_vectors_errors_change_nothing(kv, keys, weights, match):
    before = kv.vectors.copy()
    with pytest.raises(ValueError, match=match):
        kv.add_vectors(keys, weights)
    assert len(kv) == 40 and "a" not in kv
    np.testing.assert_array_equal(kv.vectors, before)


def test_setitem_adds_and_replaces(kv):
    kv["new"] = np.full(6, 2.0)
    assert len(kv) == 41 and kv["new"].tolist() == [2.0] * 6
    kv["w1"] = np.full(6, 3.0)
    assert len(kv) == 41 and kv["w1"].tolist() == [3.0] * 6
    rows = np.arange(18, dtype=np.float32).reshape(3, 6)
    kv[["w2", "x", "y"]] = rows
    assert len(kv) == 43
    np.testing.assert_array_equal(kv[["w2", "x", "y"]], rows)
    # the cached norms follow the replaced vector
    assert kv.most_similar("w1", topn=1)[0] == ("new", pytest.approx(1.0))


def test_vectors_for_all(kv):
    kv.expandos["count"] = np.arange(100, 60, -1, dtype=np.int64)
    sub = kv.vectors_for_all(["w5", "nope", "w2", "w5", "w9"])
    assert sub.index_to_key == ["w5", "w2", "w9"]
    np.testing.assert_array_equal(sub.vectors, kv.vectors[[5, 2, 9]])
    assert sub.expandos["count"].tolist() == [3, 2, 1]  # made up, as gensim
    copied = kv.vectors_for_all(["w9", "w2"], copy_vecattrs=True)
    assert copied.expandos["count"].tolist() == [91, 98]
    sub["w5"] = np.zeros(6)  # a copy: the source is unchanged
    assert kv["w5"].any()


def test_unit_normalize_all(kv):
    kv["zero"] = np.zeros(6)
    before = kv.most_similar("w4", topn=5)
    expected = kv.vectors / np.maximum(np.linalg.norm(kv.vectors, axis=1), 1e-30)[:, None]
    kv.unit_normalize_all()
    np.testing.assert_allclose(kv.vectors, expected, rtol=1e-6)
    norms = np.linalg.norm(kv.vectors[:-1], axis=1)
    np.testing.assert_allclose(norms, 1, rtol=1e-6)
    assert not kv["zero"].any()
    assert [w for w, _ in kv.most_similar("w4", topn=5)] == [w for w, _ in before]
    np.testing.assert_allclose(kv.norms[:-1], 1, rtol=1e-6)


# ------------------------------------------------------------ queries


def test_get_mean_vector_matches_numpy(kv):
    keys = ["w1", "w2", "unknown", "w3"]
    weights = [1.0, 2.0, 5.0, -3.0]
    rows = kv.vectors[[1, 2, 3]].astype(np.float64)
    w = np.array([1.0, 2.0, -3.0])
    unit_rows = rows / np.linalg.norm(rows, axis=1)[:, None]
    np.testing.assert_allclose(
        kv.get_mean_vector(keys, weights), (w[:, None] * unit_rows).sum(0) / 6, rtol=1e-5
    )
    raw = kv.get_mean_vector(keys, weights, pre_normalize=False)
    np.testing.assert_allclose(raw, (w[:, None] * rows).sum(0) / 6, rtol=1e-5)
    assert raw.dtype == np.float32
    post = kv.get_mean_vector(keys, weights, post_normalize=True)
    np.testing.assert_allclose(post, unit((w[:, None] * unit_rows).sum(0)), rtol=1e-5)
    # a vector key is used as given
    vec = np.arange(6, dtype=np.float32)
    np.testing.assert_allclose(kv.get_mean_vector([vec, "w1"]), (vec + unit_rows[0]) / 2, rtol=1e-5)
    assert not kv.get_mean_vector(["unknown"]).any()


def test_get_mean_vector_errors(kv):
    with pytest.raises(KeyError, match="unknown"):
        kv.get_mean_vector(["w1", "unknown"], ignore_missing=False)
    with pytest.raises(ValueError, match="2 keys need 2 weights"):
        kv.get_mean_vector(["w1", "w2"], [1.0])
    with pytest.raises(ValueError, match="at least one key"):
        kv.get_mean_vector([])
    with pytest.raises(ValueError, match="NaN or infinite"):
        kv.get_mean_vector([np.full(6, np.nan)])


def test_most_similar_to_given_and_relative_cosine_similarity(kv):
    candidates = ["w7", "w8", "w9", "w10"]
    cosines = [unit(kv["w1"]) @ unit(kv[w]) for w in candidates]
    assert kv.most_similar_to_given("w1", candidates) == candidates[int(np.argmax(cosines))]
    with pytest.raises(ValueError, match="non-empty"):
        kv.most_similar_to_given("w1", [])
    all_cos = np.array([unit(kv["w1"]) @ unit(v) for v in kv.vectors])
    all_cos[1] = -np.inf
    top3 = np.sort(all_cos)[::-1][:3]
    expected = (unit(kv["w1"]) @ unit(kv["w20"])) / top3.sum()
    assert kv.relative_cosine_similarity("w1", "w20", topn=3) == pytest.approx(expected, rel=1e-5)


def test_most_similar_topn_none_and_zero(kv):
    sims = kv.most_similar("w3", topn=None)
    assert isinstance(sims, np.ndarray) and sims.shape == (40,)
    normed = kv.vectors / np.linalg.norm(kv.vectors, axis=1)[:, None]
    np.testing.assert_allclose(sims, normed @ unit(kv["w3"]), atol=1e-6)
    assert kv.most_similar("w3", topn=None, restrict_vocab=7).shape == (7,)
    assert kv.most_similar("w3", topn=0) == []
    assert kv.most_similar("w3", topn=np.uint8(0)) == []
    assert kv.most_similar_cosmul("w3", topn=0) == []
    scores = kv.most_similar_cosmul("w3", "w4", topn=None)
    assert scores.shape == (40,)
    order = [int(i) for i in np.argsort(-scores, kind="stable") if i not in (3, 4)]
    best = kv.most_similar_cosmul("w3", "w4", topn=40)
    assert best == [(kv.index_to_key[i], float(scores[i])) for i in order]


def test_most_similar_weighted_terms(kv):
    weighted = kv.most_similar(positive=[("w1", 2.0), "w2"], topn=3)
    mean = unit(2 * unit(kv["w1"]) + unit(kv["w2"]))
    normed = kv.vectors / np.linalg.norm(kv.vectors, axis=1)[:, None]
    order = [i for i in np.argsort(-(normed @ mean)) if i not in (1, 2)][:3]
    assert [w for w, _ in weighted] == [kv.index_to_key[i] for i in order]


def test_distance_of_a_word_to_itself_is_zero(kv):
    kv["zero"] = np.zeros(6)
    for word in kv.index_to_key[:-1]:
        assert kv.distance(word, word) == 0.0
        assert kv.similarity(word, word) == 1.0
    assert kv.similarity("zero", "zero") == 0.0 and kv.similarity("zero", "w1") == 0.0
    assert kv.similarity("w1", "w2") == pytest.approx(unit(kv["w1"]) @ unit(kv["w2"]), rel=1e-12)


def test_n_similarity_of_single_words_is_similarity(kv):
    for a, b in [("w1", "w2"), ("w5", "w30"), ("w7", "w7")]:
        assert kv.n_similarity([a], [b]) == kv.similarity(a, b) or a == b
    for lists in ([[], ["w1"]], [["w1"], []], [[], []]):
        with pytest.raises(ZeroDivisionError, match="non-empty"):
            kv.n_similarity(*lists)
        with pytest.raises(ValueError):
            kv.n_similarity(*lists)
    assert issubclass(EmptyQueryError, ValueError)


def test_cosmul_word_query_equals_its_unit_vector_query(kv):
    by_word = kv.most_similar_cosmul("w3", topn=10)
    by_vector = kv.most_similar_cosmul([kv.get_vector("w3", norm=True)], topn=11)
    assert by_word == [(w, s) for w, s in by_vector if w != "w3"]
    # the numbers of gensim's formula, computed here in float32 as gensim does
    norms = np.linalg.norm(kv.vectors, axis=1)
    term = kv.vectors[3] / norms[3]
    scores = ((1 + kv.vectors @ term / norms) / 2) / np.float64(1.000001)
    order = [int(i) for i in np.argsort(-scores, kind="stable") if i != 3][:10]
    assert by_word == [(kv.index_to_key[i], float(scores[i])) for i in order]


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_query_vectors_value_error(kv, bad):
    vec = np.ones(6, np.float32)
    vec[2] = bad
    for query in (
        lambda: kv.most_similar(positive=[vec]),
        lambda: kv.most_similar(positive=["w1"], negative=[vec]),
        lambda: kv.similar_by_vector(vec),
        lambda: kv.most_similar_cosmul(positive=[vec]),
        lambda: kv.distances(vec),
        lambda: kv.most_similar_batch([vec]),
    ):
        with pytest.raises(ValueError, match="query vector holds NaN or infinite values"):
            query()


def test_evaluate_word_analogies_similarity_function(kv, tmp_path):
    path = tmp_path / "q.txt"
    path.write_text(": s\nw1 w2 w3 w4\nw5 w6 w7 w8\nw2 w9 w3 w11\n")
    cosmul = kv.evaluate_word_analogies(path, similarity_function="most_similar_cosmul")
    assert cosmul == kv.evaluate_word_analogies(path, method="3cosmul")
    assert kv.evaluate_word_analogies(path, similarity_function="most_similar") == (
        kv.evaluate_word_analogies(path)
    )
    with pytest.raises(ValueError, match="similarity_function must be one of"):
        kv.evaluate_word_analogies(path, similarity_function="cosine")
    with pytest.raises(ValueError, match="contradicts"):
        kv.evaluate_word_analogies(path, similarity_function="most_similar", method="3cosmul")


# ------------------------------------------------------------ the norm cache


def test_norms_computed_while_the_vectors_change_are_not_kept(kv, monkeypatch):
    """A query computing the norms while training ends an epoch (changes the vectors and
    calls reset_norms) may return the old norms, but must not leave them cached."""
    real_norm = np.linalg.norm
    raced = []

    def norm_then_epoch_end(x, *args, **kwargs):
        result = real_norm(x, *args, **kwargs)
        if not raced and kwargs.get("axis") == 1:
            raced.append(True)
            kv.vectors[:] = kv.vectors[::-1].copy()  # "training" moves every row
            kv.reset_norms()  # the epoch-end hook
        return result

    monkeypatch.setattr(np.linalg, "norm", norm_then_epoch_end)
    kv.get_normed_vectors()
    monkeypatch.undo()
    assert raced
    expected = kv.vectors / np.linalg.norm(kv.vectors, axis=1)[:, None]
    np.testing.assert_allclose(kv.get_normed_vectors(), expected, rtol=1e-6)


def test_in_place_changes_need_reset_norms_or_force(kv):
    first = kv.get_normed_vectors().copy()
    kv.vectors[0] = -kv.vectors[0]
    np.testing.assert_array_equal(kv.get_normed_vectors(), first)  # documented: cached
    kv.fill_norms(force=True)
    np.testing.assert_allclose(kv.get_normed_vectors()[0], -first[0], rtol=1e-6)
    kv.vectors[1] = -kv.vectors[1]
    kv.reset_norms()
    np.testing.assert_allclose(kv.get_normed_vectors()[1], -first[1], rtol=1e-6)
    before = np.linalg.norm(kv.vectors, axis=1)
    kv.vectors = kv.vectors * 2  # assigning the matrix also invalidates
    np.testing.assert_allclose(kv.norms, 2 * before, rtol=1e-6)
