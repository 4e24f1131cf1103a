"""The four modes of the family end to end: CBOW or skip-gram, negative sampling and/or
hierarchical softmax: training, what each learns, examples counted, files, errors."""

import corpora
import numpy as np
import pytest

from pyw2v import Word2Vec

MODES = [
    pytest.param({"sg": 0, "hs": 0, "negative": 5}, id="cbow-ns"),
    pytest.param({"sg": 1, "hs": 0, "negative": 5}, id="sg-ns"),
    pytest.param({"sg": 0, "hs": 1, "negative": 0}, id="cbow-hs"),
    pytest.param({"sg": 1, "hs": 1, "negative": 0}, id="sg-hs"),
    pytest.param({"sg": 1, "hs": 1, "negative": 3}, id="sg-hs-ns"),
    pytest.param({"sg": 0, "hs": 1, "negative": 3}, id="cbow-hs-ns"),
]


def topic_corpus(n_sentences=1500, **kw):
    return corpora.topic_corpus(n_sentences=n_sentences, **kw)


def train(corpus, **kw):
    params = dict(vector_size=16, min_count=1, epochs=3, workers=1, seed=3, progress=False)
    params.update(kw)
    return Word2Vec(corpus, **params)


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_learns_the_topics(mode):
    """Each mode must put a word's topic-mates nearest: 9 of its 10 nearest neighbours.
    Random vectors would find about 9 * 9/39 ~ 2 of them."""
    topics, sentences = topic_corpus()
    model = train(sentences, **mode)
    assert corpora.topic_hits(model, topics) >= 0.9 * 12 * 9
    assert np.isfinite(model.wv.vectors).all()
    assert hasattr(model, "syn1") == bool(mode["hs"])
    assert hasattr(model, "syn1neg") == bool(mode["negative"])


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_is_bit_reproducible_with_one_worker(mode):
    _, sentences = topic_corpus(n_sentences=300)
    a, b = train(sentences, **mode), train(sentences, **mode)
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)
    c = train(sentences, seed=4, **mode)
    assert not np.array_equal(a.wv.vectors, c.wv.vectors)


def skipgram_pairs(n, m):
    """Brute force: (center, context) position pairs with |i - j| <= m, i != j."""
    return sum(1 for i in range(n) for j in range(n) if i != j and abs(i - j) <= m)


@pytest.mark.parametrize("window", [1, 2, 5])
def test_examples_counted_as_the_formula(window):
    """Without subsampling and reduced windows, CBOW trains one example per word of a
    sentence of >= 2 words and skip-gram one per (center, context) pair."""
    rng = np.random.default_rng(window)
    lengths = rng.integers(1, 15, size=60)
    sentences = [[f"w{rng.integers(20)}" for _ in range(n)] for n in lengths]
    common = dict(window=window, sample=0, shrink_windows=False, epochs=1, min_count=1)
    model = train(sentences, sg=0, **common)
    _, cbow_examples = model.train(sentences, epochs=1)
    assert cbow_examples == sum(n for n in lengths if n >= 2)
    pairs = sum(skipgram_pairs(int(n), window) for n in lengths)
    # per pair with negative sampling, by window with hierarchical softmax alone
    for kind in ({"hs": 0, "negative": 5, "sg_batch": False}, {"hs": 1, "negative": 0}):
        model = train(sentences, sg=1, **common, **kind)
        _, sg_examples = model.train(sentences, epochs=1)
        assert sg_examples == pairs


def test_reduced_windows_train_fewer_skipgram_pairs():
    """With shrink_windows each center's reach is uniform in 1..m: an interior word
    gives m + 1 pairs on average instead of 2m (docs/theory.md, Section 8)."""
    sentences = [[f"w{i % 50}" for i in range(200)]] * 20
    common = dict(window=5, sample=0, epochs=1, sg=1, min_count=1)
    _, full = train(sentences, shrink_windows=False, **common).train(sentences, epochs=1)
    _, reduced = train(sentences, shrink_windows=True, **common).train(sentences, epochs=1)
    n, m = 200, 5
    assert full == 20 * (2 * m * n - m * (m + 1))
    expected = 20 * ((m + 1) * n - (m + 1) * (m + 2) / 3)
    # 4000 centers, each reach uniform on 1..5 (sd of 2m' ~ 2.8): sd of the sum ~ 180
    assert abs(reduced - expected) < 5 * 180


@pytest.mark.parametrize("mode", MODES)
def test_save_load_round_trip_keeps_the_mode(tmp_path, mode):
    _, sentences = topic_corpus(n_sentences=200)
    model = train(sentences, **mode)
    path = tmp_path / "m.pyw2v"
    model.save(path)
    loaded = Word2Vec.load(path)
    assert (loaded.sg, loaded.hs, loaded.negative) == (mode["sg"], mode["hs"], mode["negative"])
    np.testing.assert_array_equal(loaded.wv.vectors, model.wv.vectors)
    for name in ("syn1", "syn1neg"):
        assert hasattr(loaded, name) == hasattr(model, name)
        if hasattr(model, name):
            np.testing.assert_array_equal(getattr(loaded, name), getattr(model, name))
    # continued training works on the loaded model, one worker, same as on the original
    model.train(sentences, epochs=1)
    loaded.train(sentences, epochs=1)
    np.testing.assert_array_equal(loaded.wv.vectors, model.wv.vectors)


def test_continuing_in_a_mode_whose_matrix_is_missing_is_refused():
    _, sentences = topic_corpus(n_sentences=100)
    model = train(sentences, hs=0, negative=5)
    before = model.wv.vectors.copy()
    model.hs = 1
    with pytest.raises(ValueError, match="syn1"):
        model.train(sentences, epochs=1)
    np.testing.assert_array_equal(model.wv.vectors, before)  # nothing half-trained


def test_default_alpha_is_gensims_for_both_modes():
    """The Python API takes gensim's 0.025 (someone who swaps the import keeps their
    learning rate); the command line keeps word2vec.c's 0.05 for CBOW (test_cli_commands)."""
    assert Word2Vec(sg=1, progress=False).alpha == 0.025
    assert Word2Vec(sg=0, progress=False).alpha == 0.025
    assert Word2Vec(sg=1, alpha=0.1, progress=False).alpha == 0.1


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"sg": 2}, "sg"),
        ({"hs": 3}, "hs"),
        ({"sg": "1"}, "sg"),
        ({"hs": 0, "negative": 0}, "negative"),
        ({"sg": 1, "negative_reuse": 2}, "negative_reuse"),
    ],
)
def test_bad_mode_parameters_are_named(kwargs, name):
    with pytest.raises((ValueError, TypeError), match=name):
        Word2Vec(progress=False, **kwargs)


@pytest.mark.parametrize("mode", MODES)
def test_loss_starts_near_its_value_at_zero_outputs(mode):
    """Output rows start at zero, so every score is 0 and each output row of an example
    costs log 2 at first: K + 1 rows for negative sampling (fewer when a draw hits the
    center), the path for hierarchical softmax. The first epoch's mean loss is below
    that and above 0."""
    _, sentences = topic_corpus(n_sentences=100)
    model = train(sentences, epochs=1, **mode)
    rows = (mode["negative"] + 1 if mode["negative"] else 0) + (8 if mode["hs"] else 0)
    assert 0 < model.epoch_losses[-1] < rows * np.log(2)


def test_load_refuses_a_file_without_the_matrix_its_mode_needs(tmp_path):
    import json
    import zipfile

    from pyw2v import io

    _, sentences = topic_corpus(n_sentences=50)
    model = train(sentences, hs=1, negative=0, epochs=1)
    path = tmp_path / "m.pyw2v"
    model.save(path)
    with zipfile.ZipFile(path) as z:
        arrays = {n[:-4]: np.load(z.open(n)) for n in z.namelist()}
    header = json.loads(arrays.pop("header").tobytes())
    del arrays["syn1"]
    broken = tmp_path / "broken.pyw2v"
    io.save_native(
        broken, {k: v for k, v in header.items() if k not in ("format", "version")}, arrays
    )
    with pytest.raises(ValueError, match="no syn1"):
        Word2Vec.load(broken)


def test_corpus_count_and_total_words_have_gensim_meanings(tmp_path):
    sentences = [["a", "b", "a"], [], ["c", "a", "rare"], ["b"]]
    model = Word2Vec(sentences, min_count=2, vector_size=4, epochs=1, progress=False)
    assert model.corpus_count == 3  # non-empty sentences
    assert model.corpus_total_words == 7  # every token, "rare" and "c" included
    path = tmp_path / "m.pyw2v"
    model.save(path)
    loaded = Word2Vec.load(path)
    assert (loaded.corpus_count, loaded.corpus_total_words) == (3, 7)
    # gensim's canonical recipe
    model.train(sentences, total_examples=model.corpus_count, epochs=model.epochs)


def test_batch_words_is_accepted_and_checked():
    assert Word2Vec(batch_words=500, progress=False).batch_words == 500
    with pytest.raises(ValueError, match="batch_words"):
        Word2Vec(batch_words=0, progress=False)


def test_both_losses_are_announced_in_the_log(caplog):
    with caplog.at_level("WARNING", logger="pyw2v.model"):
        Word2Vec(hs=1, negative=5, progress=False)
    assert "Both hierarchical softmax and negative sampling are activated" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="pyw2v.model"):
        Word2Vec(hs=1, negative=0, progress=False)
    assert caplog.text == ""


@pytest.mark.parametrize("hs", [0, 1])
def test_per_word_attributes_as_gensim(tmp_path, hs):
    from pyw2v import _core

    _, sentences = topic_corpus(n_sentences=100)
    model = train(sentences, hs=hs, negative=0 if hs else 5, epochs=1)
    counts = {w: sum(s.count(w) for s in sentences) for w in model.wv.index_to_key}
    for word, count in counts.items():
        assert model.wv.get_vecattr(word, "count") == count
    if hs:
        offsets, points, codes = _core.huffman_tree(model.vocab.counts)
        i = model.wv.key_to_index["t2w3"]
        np.testing.assert_array_equal(
            model.wv.get_vecattr("t2w3", "code"), codes[offsets[i] : offsets[i + 1]]
        )
        np.testing.assert_array_equal(
            model.wv.get_vecattr("t2w3", "point"), points[offsets[i] : offsets[i + 1]]
        )
    else:
        assert "code" not in model.wv.expandos
    path = tmp_path / "m.pyw2v"
    model.save(path)
    loaded = Word2Vec.load(path)
    assert loaded.wv.get_vecattr("t0w0", "count") == counts["t0w0"]
    with pytest.raises(KeyError, match="nope"):
        model.wv.get_vecattr("t0w0", "nope")
    model.wv.set_vecattr("t0w0", "flag", 7)
    assert model.wv.get_vecattr("t0w0", "flag") == 7 and model.wv.get_vecattr("t0w1", "flag") == 0


@pytest.mark.parametrize("sg", [0, 1])
def test_hierarchical_softmax_on_two_workers_learns_the_topics(sg):
    """With several workers each trains private copies of the top of the Huffman tree,
    synced every 1024 words (csrc/hot_nodes.c): a corpus of several chunks (16k words
    each) must still be learnt, with finite vectors."""
    topics, sentences = topic_corpus(n_sentences=5000)  # 50,000 words: 3 chunks
    model = train(sentences, hs=1, negative=0, sg=sg, workers=2, epochs=2)
    hits = 0
    for topic in topics:
        for word in topic[:3]:
            hits += len({w for w, _ in model.wv.most_similar(word, topn=9)} & set(topic))
    assert hits >= 0.9 * 12 * 9
    assert np.isfinite(model.wv.vectors).all() and np.isfinite(model.syn1).all()


def test_files_of_earlier_versions_load_as_cbow_with_negative_sampling(tmp_path):
    """A header without sg, hs, shrink_windows and corpus_stats (written before the
    family existed) loads as CBOW-NS and trains on."""
    import json
    import zipfile

    from pyw2v import io

    _, sentences = topic_corpus(n_sentences=50)
    model = train(sentences, epochs=1)
    path = tmp_path / "m.pyw2v"
    model.save(path)
    with zipfile.ZipFile(path) as z:
        arrays = {n[:-4]: np.load(z.open(n)) for n in z.namelist()}
    header = json.loads(arrays.pop("header").tobytes())
    for key in ("sg", "hs", "shrink_windows"):
        del header["params"][key]
    del header["corpus_stats"]
    old = tmp_path / "old.pyw2v"
    io.save_native(old, {k: v for k, v in header.items() if k not in ("format", "version")}, arrays)
    loaded = Word2Vec.load(old)
    assert (loaded.sg, loaded.hs, loaded.negative) == (0, 0, model.negative)
    np.testing.assert_array_equal(loaded.syn1neg, model.syn1neg)
    loaded.train(sentences, epochs=1)
