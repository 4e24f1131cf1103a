"""Bad input gets a clear Python exception naming what is wrong: nonsensical
hyperparameters, empty corpora, vocabularies emptied by min_count, misuse of the API."""

from __future__ import annotations

import numpy as np
import pytest

from pyw2v import Word2Vec
from pyw2v.params import Params

SENTENCES = [["a", "b", "c", "a"], ["b", "a", "d"]] * 10
FAST = dict(vector_size=8, min_count=1, epochs=1, workers=1, progress=False)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"vector_size": 0}, "vector_size"),
        ({"vector_size": -1}, "vector_size"),
        ({"vector_size": 10**9}, "vector_size"),
        ({"window": 0}, "window"),
        ({"window": -3}, "window"),
        ({"window": 2**31}, "window"),  # was an OverflowError that named nothing
        ({"negative": -1}, "negative"),
        ({"negative": 2**31}, "negative"),
        ({"negative": 0}, "negative"),
        ({"alpha": 0}, "alpha"),
        ({"alpha": 0.0}, "alpha"),
        ({"alpha": -0.1}, "alpha"),
        ({"alpha": float("nan")}, "alpha"),
        ({"alpha": float("inf")}, "alpha"),
        ({"min_alpha": 0.1, "alpha": 0.05}, "min_alpha"),
        ({"min_alpha": -0.001}, "min_alpha"),
        ({"min_alpha": float("nan")}, "min_alpha"),
        ({"workers": -1}, "workers"),
        ({"workers": 10**6}, "workers"),
        ({"sample": -1}, "sample"),
        ({"sample": float("nan")}, "sample"),
        ({"epochs": 0}, "epochs"),
        ({"epochs": -2}, "epochs"),
        ({"min_count": -1}, "min_count"),
        ({"max_vocab_size": 0}, "max_vocab_size"),
        ({"max_final_vocab": 0}, "max_final_vocab"),
        ({"ns_exponent": float("nan")}, "ns_exponent"),
        ({"seed": -1}, "seed"),
        ({"simd": "sse9"}, "simd"),
        ({"sg": 2}, "sg"),
        ({"hs": -1}, "hs"),
        ({"sg": 1, "negative_reuse": 2}, "negative_reuse"),
        ({"hs": 0, "negative": 0}, "negative"),
    ],
)
def test_invalid_hyperparameter_value_error(kwargs, name):
    with pytest.raises(ValueError, match=name):
        Word2Vec(progress=False, **kwargs)
    # rejected before any corpus is read
    with pytest.raises(ValueError, match=name):
        Word2Vec(SENTENCES, progress=False, **kwargs)


def test_negative_zero_explains_why():
    with pytest.raises(ValueError, match="negative sampling"):
        Word2Vec(negative=0, progress=False)


def test_negative_below_zero_states_the_real_bound():
    with pytest.raises(ValueError, match=r"negative must be in 0\.\."):
        Word2Vec(negative=-1, progress=False)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"vector_size": 1.5}, "vector_size"),
        ({"vector_size": "100"}, "vector_size"),
        ({"window": "5"}, "window"),
        ({"window": 5.0}, "window"),
        ({"negative": None}, "negative"),
        ({"epochs": None}, "epochs"),
        ({"workers": True}, "workers"),
        ({"min_count": 2.0}, "min_count"),
        ({"alpha": "0.1"}, "alpha"),
        ({"alpha": True}, "alpha"),
        ({"sample": None}, "sample"),
        ({"seed": 1.0}, "seed"),
    ],
)
def test_wrong_type_type_error(kwargs, name):
    with pytest.raises(TypeError, match=name):
        Word2Vec(progress=False, **kwargs)


def test_valid_edge_values_accepted():
    model = Word2Vec(
        vector_size=np.int64(4),
        window=1,
        negative=1,
        alpha=1e-6,
        min_alpha=1e-6,
        workers=0,
        sample=0,
        epochs=1,
        min_count=0,
        progress=False,
    )
    assert model.params.vector_size == 4 and model.params.n_threads >= 1
    assert Params(sample=0.0, ns_exponent=0.0).sample == 0.0


def test_numpy_float_scalars_accepted():
    model = Word2Vec(alpha=np.float32(0.05), min_alpha=np.float16(0.0), progress=False)
    assert model.params.alpha == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"epochs": 0}, "epochs"),
        ({"start_alpha": 0.0}, "alpha"),
        ({"start_alpha": 0.01, "end_alpha": 0.02}, "min_alpha"),
        ({"end_alpha": float("nan")}, "min_alpha"),
    ],
)
def test_invalid_train_arguments(kwargs, name):
    model = Word2Vec(**FAST)
    model.build_vocab(SENTENCES)
    before = model.wv.vectors.copy()
    with pytest.raises(ValueError, match=name):
        model.train(SENTENCES, **kwargs)
    np.testing.assert_array_equal(model.wv.vectors, before)
    assert model.epochs_trained == 0


# ------------------------------------------------------------------------ corpora


@pytest.mark.parametrize("content", [b"", b" \n\t\r\n   \n\n\x0b\x0c"], ids=["empty", "blank"])
def test_empty_or_blank_corpus_file(tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="empty"):
        Word2Vec(path, **FAST)
    model = Word2Vec(**FAST)
    with pytest.raises(ValueError, match="empty"):
        model.build_vocab(corpus_file=str(path))
    assert model.vocab is None


@pytest.mark.parametrize(
    "corpus", [[], [[]], [[], []], iter([])], ids=["none", "one-empty", "two-empty", "iter"]
)
def test_empty_iterable_corpus(corpus):
    with pytest.raises(ValueError, match="empty"):
        Word2Vec(corpus, **FAST)


def test_vocabulary_emptied_by_min_count(tmp_path):
    path = tmp_path / "rare.txt"
    path.write_text("a b c\nb c d\n")
    with pytest.raises(ValueError, match="min_count=3") as excinfo:
        Word2Vec(path, **{**FAST, "min_count": 3})
    assert "2 times" in str(excinfo.value)  # and how frequent the best word was
    with pytest.raises(ValueError, match="min_count"):
        Word2Vec([["x", "y"]], **{**FAST, "min_count": 2})


def test_max_final_vocab_can_empty_the_vocabulary():
    # all words tie: max_final_vocab=1 drops them all, which must be reported, not trained
    with pytest.raises(ValueError, match="vocabulary is empty"):
        Word2Vec([["a", "b"]] * 5, **{**FAST, "max_final_vocab": 1})


def test_ns_exponent_that_overflows_names_it():
    # 1000**200 is beyond a double: was "noise table: invalid argument"
    with pytest.raises(ValueError, match="ns_exponent=200"):
        Word2Vec([["a", "b"]] * 1000, **{**FAST, "ns_exponent": 200})
    Word2Vec([["a", "b"]] * 1000, **{**FAST, "ns_exponent": 50})  # 1000**50 fits


def test_train_before_build_vocab():
    model = Word2Vec(**FAST)
    with pytest.raises(RuntimeError, match="build_vocab"):
        model.train(SENTENCES)
    with pytest.raises(RuntimeError, match="build_vocab"):
        model.train()


def test_build_vocab_needs_a_corpus():
    with pytest.raises(ValueError, match="corpus"):
        Word2Vec(**FAST).build_vocab()


def test_corpus_and_corpus_file_together(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("a b\n")
    with pytest.raises(ValueError, match="not both"):
        Word2Vec(SENTENCES, corpus_file=str(path), **FAST)


def test_one_shot_generator_is_explained():
    def gen():
        yield from SENTENCES

    with pytest.raises(ValueError, match="an iterator can only be read once"):
        Word2Vec(gen(), **FAST)
    # two steps with the same exhausted generator: the same clear error
    model = Word2Vec(**FAST)
    g = gen()
    model.build_vocab(g)
    assert len(model.vocab) == 4
    with pytest.raises(ValueError, match="only be read once"):
        model.train(g)
    with pytest.raises(ValueError, match="only be read once"):
        model.train()
    assert model.epochs_trained == 0
    # a fresh generator given to train() works
    words, examples = model.train(gen())
    assert words == sum(len(s) for s in SENTENCES) and examples > 0
    assert model.epochs_trained == 1


def test_restartable_iterable_trains_at_once():
    model = Word2Vec(SENTENCES, **FAST)
    assert model.epochs_trained == 1
    assert model.vocab.index_to_key[0] == "a"
    assert np.isfinite(model.wv.vectors).all()


@pytest.mark.parametrize(
    "corpus",
    ["a b c", 42, 3.5, [["a", 1]]],
    ids=["missing-path", "int", "float", "int-token"],
)
def test_bad_corpus_types(corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    if corpus == "a b c":
        with pytest.raises(FileNotFoundError, match="a b c"):
            Word2Vec(corpus, **FAST)
    else:
        with pytest.raises(TypeError):
            Word2Vec(corpus, **FAST)


def test_missing_corpus_file_in_a_list(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="a b"):
        Word2Vec(corpus_file=["a b", "c"], **FAST)


def test_directory_as_corpus(tmp_path):
    with pytest.raises(IsADirectoryError):
        Word2Vec(tmp_path, **FAST)
