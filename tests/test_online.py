"""gensim's vocabulary life cycle: scan_vocab / prepare_vocab / prepare_weights, trim_rule,
online updates (build_vocab(update=True)), reset_from, and the errors around them."""

from __future__ import annotations

import logging
from collections import Counter

import numpy as np
import pytest

from pyw2v import Word2Vec, _core
from pyw2v.model import NoVocabularyError
from pyw2v.predict import HuffmanPaths
from pyw2v.vocab import RULE_DEFAULT, RULE_DISCARD, RULE_KEEP, EmptyVocabularyError

from .corpora import topic_corpus

OLD = [["a", "b", "c", "a"], ["b", "a", "d"], ["c", "a", "b"]] * 5
NEW = [["a", "e", "f", "e"], ["e", "g", "e", "f"]] * 3
MODES = [
    {"sg": 0, "hs": 0, "negative": 5},
    {"sg": 1, "hs": 0, "negative": 5},
    {"sg": 0, "hs": 1, "negative": 0},
    {"sg": 1, "hs": 1, "negative": 3},
]


def _model(**kw):
    kw = {"vector_size": 8, "min_count": 1, "workers": 1, "epochs": 2, "sample": 0,
          "progress": False, "seed": 3, **kw}  # fmt: skip
    return Word2Vec(**kw)


def _counts(model):
    return dict(zip(model.wv.index_to_key, model.wv.expandos["count"].tolist(), strict=True))


@pytest.mark.parametrize("mode", MODES)
def test_update_keeps_trained_rows_and_appends_new_words(mode):
    model = _model(**mode)
    model.build_vocab(OLD)
    model.train()
    old_words = list(model.wv.index_to_key)
    before = {name: getattr(model, name).copy() for name in model._output_names()}
    vectors = model.wv.vectors.copy()

    model.build_vocab(NEW, update=True)

    assert model.wv.index_to_key[: len(old_words)] == old_words  # ids unchanged
    assert sorted(model.wv.index_to_key[len(old_words) :]) == ["e", "f", "g"]
    old_n = len(old_words)
    np.testing.assert_array_equal(model.wv.vectors[:old_n], vectors)
    fresh = model.wv.vectors[old_n:]
    assert np.all(np.abs(fresh) <= 0.5 / 8) and np.all(fresh != 0)
    for name, matrix in before.items():
        grown = getattr(model, name)
        np.testing.assert_array_equal(grown[:old_n], matrix)
        assert not grown[old_n:].any()  # output rows start at zero, as for a fresh model
    expected = Counter(w for s in OLD + NEW for w in s)
    assert _counts(model) == dict(expected)
    assert model.corpus_count == len(NEW)  # gensim: the statistics of the new corpus
    assert model.corpus_total_words == sum(map(len, NEW))
    if mode["hs"]:  # the tree follows the merged counts
        paths = HuffmanPaths(model.vocab.counts)
        for i in range(len(model.wv)):
            lo, hi = paths.offsets[i], paths.offsets[i + 1]
            code = model.wv.get_vecattr(model.wv.index_to_key[i], "code")
            np.testing.assert_array_equal(code, paths.codes[lo:hi])

    trained_new = model.wv.vectors[old_n:].copy()
    model.train(NEW)  # the corpus given to the update, encoded with the new words
    assert np.all(model.wv.vectors[old_n:] != trained_new)
    assert np.isfinite(model.wv.vectors).all()


def test_update_min_count_applies_to_the_new_counts_of_new_words():
    model = _model(min_count=3)
    model.build_vocab(OLD)
    assert "d" in model.wv  # 5 occurrences
    model.build_vocab([["d", "x", "y", "y", "y"]], update=True)
    assert "y" in model.wv and "x" not in model.wv  # 3 vs 1 new occurrences
    assert model.wv.get_vecattr("d", "count") == 6  # known words add whatever they count


def test_update_needs_a_vocabulary():
    with pytest.raises(NoVocabularyError, match="existing vocabulary"):
        _model().build_vocab(NEW, update=True)
    with pytest.raises(RuntimeError, match="existing vocabulary"):
        _model().build_vocab_from_freq({"a": 3}, update=True)


def test_update_survives_save_and_load(tmp_path):
    model = _model()
    model.build_vocab(OLD)
    model.train()
    model.save(tmp_path / "m.pyw2v")
    loaded = Word2Vec.load(tmp_path / "m.pyw2v")
    loaded.build_vocab(NEW, update=True)
    model.build_vocab(NEW, update=True)
    np.testing.assert_array_equal(loaded.wv.vectors, model.wv.vectors)  # same seeded rows
    loaded.train(NEW)
    loaded.save(tmp_path / "m2.pyw2v")
    again = Word2Vec.load(tmp_path / "m2.pyw2v")
    assert again.wv.index_to_key == loaded.wv.index_to_key
    np.testing.assert_array_equal(again.wv.vectors, loaded.wv.vectors)


def test_update_from_frequencies_adds_counts():
    model = _model()
    model.build_vocab_from_freq({"a": 5, "b": 4})
    model.build_vocab_from_freq({"b": 1, "c": 7}, update=True)
    assert _counts(model) == {"a": 5, "b": 5, "c": 7}
    assert model.syn1neg.shape == (3, 8)


def test_update_keeps_a_per_word_lock_array():
    model = _model()
    model.build_vocab(OLD)
    model.wv.vectors_lockf = np.zeros(len(model.wv), dtype=np.float32)
    model.build_vocab(NEW, update=True)
    np.testing.assert_array_equal(model.wv.vectors_lockf, [0, 0, 0, 0, 1, 1, 1])


def test_trim_rule_keeps_discards_or_defers_to_min_count():
    def rule(word, count, min_count):
        assert isinstance(count, int) and min_count == 3
        return {"c": RULE_DISCARD, "d": RULE_KEEP}.get(word, RULE_DEFAULT)

    corpus = [["a", "a", "a", "b", "b", "b", "c", "c", "c", "d", "e"]]
    model = _model(min_count=3, trim_rule=rule)
    model.build_vocab(corpus)
    assert sorted(model.wv.index_to_key) == ["a", "b", "d"]  # e: count 1 < min_count
    model.build_vocab(corpus, trim_rule=lambda w, c, m: RULE_KEEP)  # the call's rule wins
    assert sorted(model.wv.index_to_key) == ["a", "b", "c", "d", "e"]


def test_trim_rule_errors_name_the_problem():
    with pytest.raises(TypeError, match="trim_rule must be callable"):
        _model(trim_rule=3)
    model = _model()
    with pytest.raises(ValueError, match="trim_rule returned 7 for 'a'"):
        model.build_vocab(OLD, trim_rule=lambda w, c, m: 7)
    model.build_vocab(OLD, trim_rule=lambda w, c, m: RULE_DISCARD)  # as gensim: no error yet
    assert len(model.wv) == 0
    with pytest.raises(EmptyVocabularyError, match="trim_rule"):
        model.train()


def test_trim_rule_is_not_saved(tmp_path):
    model = _model(trim_rule=lambda w, c, m: RULE_DISCARD if w == "a" else RULE_DEFAULT)
    model.build_vocab(OLD)
    model.save(tmp_path / "m.pyw2v")
    loaded = Word2Vec.load(tmp_path / "m.pyw2v")
    assert loaded.trim_rule is None and "a" not in loaded.wv


def test_scan_and_prepare_vocab_report_as_gensim():
    """common_texts-like counts: 4, 3, 3, 3 and eight words of 2 (gensim's test numbers
    come from this shape): max_final_vocab=4 raises min_count 2 to 3."""
    counts = {"s": 4, "g": 3, "t": 3, "u": 3, **{f"w{i}": 2 for i in range(8)}}
    corpus = [[w] * c for w, c in counts.items()]
    model = _model(min_count=2, max_final_vocab=4, sample=0)
    total_words, corpus_count = model.scan_vocab(corpus)
    assert (total_words, corpus_count) == (29, 12)
    assert model.raw_vocab == counts
    dry = model.prepare_vocab(dry_run=True)
    assert model.vocab is None and model.raw_vocab == counts  # a dry run changes nothing
    report = model.prepare_vocab()
    assert (
        report
        == dry
        == {
            "drop_unique": 8,
            "retain_total": 13,
            "downsample_unique": 0,
            "downsample_total": 13,
            "num_retained_words": 4,
        }
    )
    assert model.effective_min_count == 3
    assert model.raw_vocab == {}  # used up, unless keep_raw_vocab
    model.train(corpus)  # prepare_weights runs for a vocabulary prepared by hand
    assert sorted(model.wv.index_to_key) == ["g", "s", "t", "u"]


def test_prepare_vocab_reports_downsampling_by_the_formula():
    corpus = [["x"] * 1000 + ["y"] * 10]
    model = _model(sample=1e-2)
    model.scan_vocab(corpus)
    report = model.prepare_vocab()
    keep = _core.keep_probs(np.array([1000, 10], dtype=np.int64), 1e-2)
    assert report["downsample_unique"] == int((keep < 1).sum()) == 1
    assert report["downsample_total"] == int(keep[0] * 1000 + keep[1] * 10)


def test_prepare_vocab_needs_a_scan():
    with pytest.raises(RuntimeError, match="scan_vocab"):
        _model().prepare_vocab()


def test_reset_from_takes_the_vocabulary_with_fresh_weights():
    donor = _model(seed=9)
    donor.build_vocab(OLD)
    donor.train()
    model = _model()
    model.reset_from(donor)
    assert model.wv.key_to_index == donor.wv.key_to_index
    assert model.corpus_count == donor.corpus_count
    np.testing.assert_array_equal(model.vocab.counts, donor.vocab.counts)
    assert not np.array_equal(model.wv.vectors, donor.wv.vectors)
    assert not model.syn1neg.any()
    model.train()  # donor's corpus
    with pytest.raises(TypeError, match="reset_from"):
        model.reset_from(_model())


def test_empty_vocabulary_is_both_gensims_and_pyw2vs_error():
    for bad in ([], [["a"]]):
        with pytest.raises(EmptyVocabularyError) as info:
            Word2Vec(bad, min_count=2, progress=False)
        assert isinstance(info.value, ValueError) and isinstance(info.value, RuntimeError)


def test_train_before_build_vocab_is_both_errors():
    with pytest.raises(RuntimeError, match="build_vocab"):
        _model().train(OLD)
    with pytest.raises(ValueError, match="build_vocab"):
        _model().train(OLD)


def test_load_refuses_an_instance(tmp_path):
    model = _model()
    model.build_vocab(OLD)
    model.save(tmp_path / "m.pyw2v")
    with pytest.raises(AttributeError, match=r"Word2Vec.load\(path\)"):
        model.load(tmp_path / "m.pyw2v")
    assert Word2Vec.load(tmp_path / "m.pyw2v").wv.index_to_key == model.wv.index_to_key


def test_unknown_keywords_are_refused():
    model = _model()
    with pytest.raises(TypeError, match="min_cuont"):
        model.build_vocab(OLD, min_cuont=3)
    model.build_vocab(OLD)
    with pytest.raises(TypeError, match="epoch"):
        model.train(OLD, epoch=3)
    with pytest.raises(TypeError, match="windw"):
        Word2Vec(windw=3)


def test_gensim_training_arguments_are_accepted():
    model = _model()
    model.build_vocab(OLD)
    model.train(OLD, total_examples=model.corpus_count, total_words=999, epochs=1,
                word_count=0, queue_factor=2, report_delay=1.0, compute_loss=True)  # fmt: skip
    assert model.epochs_trained == 1


def test_rising_alpha_is_warned_as_gensim_does(caplog):
    model = _model()
    model.build_vocab(OLD)
    with caplog.at_level(logging.WARNING, logger="pyw2v.model"):
        model.train()
        assert "higher than previous" not in caplog.text
        model.alpha, model.min_alpha = 1e-3, 1e-3
        model.train()  # starts at 1e-3, above the 1e-4 the first call reached
    assert "Effective 'alpha' higher than previous training cycles" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="pyw2v.model"):
        model.train()  # starts at 1e-3, where the previous call ended
    assert "higher than previous" not in caplog.text


def test_negative_ns_exponent_draws_rare_words_more():
    """count**-1: a word twice as frequent is drawn half as often."""
    counts = np.array([400, 200, 100, 50], dtype=np.int64)
    draws = _core.noise_draws(counts, -1.0, 200_000, 5)
    freq = np.bincount(draws, minlength=4) / len(draws)
    expected = counts**-1.0 / (counts**-1.0).sum()
    # binomial standard error of each frequency is below 0.0012; 5 of them is 0.006
    np.testing.assert_allclose(freq, expected, atol=0.006)
    _, sentences = topic_corpus(n_sentences=200)
    model = _model(ns_exponent=-1)
    model.build_vocab(sentences)
    model.train()
    assert model.ns_exponent == -1 and np.isfinite(model.wv.vectors).all()
    with pytest.raises(ValueError, match="ns_exponent=-2000 is too small"):
        _model(ns_exponent=-2000, min_count=2).build_vocab(OLD).train()


def test_save_accepts_gensims_arguments(tmp_path):
    model = _model()
    model.build_vocab(OLD)
    model.save(
        tmp_path / "m.pyw2v", sep_limit=0, separately=["syn1neg"], ignore=(), pickle_protocol=4
    )
    loaded = Word2Vec.load(tmp_path / "m.pyw2v", mmap="r")
    np.testing.assert_array_equal(loaded.wv.vectors, model.wv.vectors)
    with pytest.raises(ValueError, match="mmap"):
        Word2Vec.load(tmp_path / "m.pyw2v", mmap="w")
