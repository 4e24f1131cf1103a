"""The sg_batch option (skip-gram's batched form, HogBatch) end to end: what it trains,
reproducibility, examples counted, files, the command line, and its errors. The block
step itself is tested in test_block.py, its planner in test_planners.py."""

import corpora
import numpy as np
import pytest

from pyw2v import Word2Vec
from pyw2v.cli import main


def train(corpus, **kw):
    params = dict(vector_size=16, min_count=1, epochs=3, workers=1, seed=3, progress=False,
                  sg=1, negative=5, sg_batch=True)  # fmt: skip
    params.update(kw)
    return Word2Vec(corpus, **params)


@pytest.mark.parametrize(("hs", "negative"), [(0, 5), (1, 0), (1, 5)])
def test_sg_batch_learns_the_topics(hs, negative):
    """As every mode (test_modes): 9 of a word's 10 nearest neighbours its topic-mates,
    with negative sampling, hierarchical softmax or both."""
    topics, sentences = corpora.topic_corpus(n_sentences=1500)
    model = train(sentences, hs=hs, negative=negative)
    assert corpora.topic_hits(model, topics) >= 0.9 * 12 * 9
    assert model.epoch_losses[-1] < model.epoch_losses[0]
    if hs:
        assert np.isfinite(model.syn1).all() and np.abs(model.syn1).max() > 0


def test_sg_batch_is_bit_reproducible_and_not_the_per_pair_form():
    _, sentences = corpora.topic_corpus(n_sentences=300)
    a, b = train(sentences), train(sentences)
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)
    np.testing.assert_array_equal(a.syn1neg, b.syn1neg)
    pairs = train(sentences, sg_batch=False)
    assert not np.array_equal(a.wv.vectors, pairs.wv.vectors)


@pytest.mark.parametrize("window", [1, 3, 40])
def test_sg_batch_counts_every_pair_as_an_example(window):
    """Without subsampling and reduced windows both forms train the same (center,
    context) pairs, one positive example each (windows wider than a block too)."""
    rng = np.random.default_rng(window)
    lengths = rng.integers(1, 90, size=30)
    sentences = [[f"w{rng.integers(20)}" for _ in range(n)] for n in lengths]
    common = dict(window=window, sample=0, shrink_windows=False, epochs=1)
    _, batched = train(sentences, **common).train(sentences, epochs=1)
    _, pairs = train(sentences, sg_batch=False, **common).train(sentences, epochs=1)
    assert batched == pairs
    n_pairs = sum(
        1 for n in lengths for i in range(n) for j in range(n) if i != j and abs(i - j) <= window
    )
    assert batched == n_pairs


def test_sg_batch_loss_is_per_example_and_near_the_per_pair_forms():
    """With the output rows at zero every score is 0: the loss per positive example is
    log 2 per output row, at most (K + 1) log 2 (a noise draw equal to the center is
    skipped) and the same for both forms; then both fall alike."""
    _, sentences = corpora.topic_corpus(n_sentences=600)
    still = dict(epochs=1, alpha=1e-6, min_alpha=1e-7)
    batched = train(sentences, **still).epoch_losses[0]
    pairs = train(sentences, sg_batch=False, **still).epoch_losses[0]
    assert 5 * np.log(2) < batched <= 6 * np.log(2)
    assert batched == pytest.approx(pairs, rel=0.01)
    a = train(sentences, epochs=4).epoch_losses[-1]
    b = train(sentences, epochs=4, sg_batch=False).epoch_losses[-1]
    assert a == pytest.approx(b, rel=0.2)


def test_sg_batch_with_several_workers_and_lock_factors():
    _, sentences = corpora.topic_corpus(n_sentences=400)
    model = train(sentences, workers=2, epochs=1)
    assert np.isfinite(model.wv.vectors).all()
    model.wv.vectors_lockf = np.ones(len(model.wv), dtype=np.float32)
    model.wv.vectors_lockf[0] = 0.0  # the most frequent word is locked
    before = model.wv.vectors[0].copy()
    model.train(sentences, epochs=1)
    np.testing.assert_array_equal(model.wv.vectors[0], before)
    assert not np.array_equal(model.wv.vectors[1], before)


def test_sg_batch_round_trips_through_the_native_file(tmp_path):
    _, sentences = corpora.topic_corpus(n_sentences=200)
    model = train(sentences)
    path = tmp_path / "m.pyw2v"
    model.save(path)
    loaded = Word2Vec.load(path)
    assert loaded.sg_batch is True and loaded.params.sg_batch is True
    model.train(sentences, epochs=1)
    loaded.train(sentences, epochs=1)
    np.testing.assert_array_equal(loaded.wv.vectors, model.wv.vectors)
    explicit = train(sentences, sg_batch=False)  # a file that says False stays per pair
    explicit.save(path)
    assert Word2Vec.load(path).params.batched is False


@pytest.mark.parametrize(
    ("mode", "batched"),
    [
        ({"sg": 1, "hs": 0, "negative": 5}, True),
        ({"sg": 1, "hs": 1, "negative": 0}, False),
        ({"sg": 1, "hs": 1, "negative": 5}, False),
        ({"sg": 0, "hs": 0, "negative": 5}, False),
        ({"sg": 0, "hs": 1, "negative": 0}, False),
    ],
)
def test_the_default_batches_skipgram_with_negative_sampling_alone(mode, batched):
    """sg_batch=None (the default) trains exactly as the form params.batched names."""
    _, sentences = corpora.topic_corpus(n_sentences=150)
    default = train(sentences, sg_batch=None, epochs=1, **mode)
    assert default.sg_batch is None and default.params.batched is batched
    chosen = train(sentences, sg_batch=batched if mode["sg"] else False, epochs=1, **mode)
    np.testing.assert_array_equal(default.wv.vectors, chosen.wv.vectors)
    if mode["sg"]:
        other = train(sentences, sg_batch=not batched, epochs=1, **mode)
        assert not np.array_equal(default.wv.vectors, other.wv.vectors)


def test_the_default_follows_the_mode_when_it_changes():
    model = Word2Vec(sg=1, progress=False)
    assert model.params.batched is True
    model.hs, model.negative = 1, 0
    assert model.params.batched is False
    model.sg = 0  # an automatic choice never blocks a switch to CBOW
    assert model.params.batched is False


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"sg": 0}, "sg=0"),
        ({"sg": 0, "hs": 1, "negative": 0}, "sg=0"),
    ],
)
def test_sg_batch_where_it_does_not_apply_is_refused(kwargs, fragment):
    params = {"sg": 1, "negative": 5} | kwargs
    with pytest.raises(ValueError, match="sg_batch") as info:
        Word2Vec(sg_batch=True, progress=False, **params)
    assert fragment in str(info.value)


def test_sg_batch_hierarchical_softmax_loss_equals_the_per_pair_forms_at_the_start():
    """With syn1 at zero every node scores 0: each pair's loss is its center's path length
    times log 2. Without subsampling and reduced windows both forms train the same pairs,
    so at a vanishing learning rate their losses agree to rounding."""
    _, sentences = corpora.topic_corpus(n_sentences=300)
    still = dict(hs=1, negative=0, epochs=1, alpha=1e-7, min_alpha=1e-8, sample=0,
                 shrink_windows=False)  # fmt: skip
    batched = train(sentences, **still)
    pairs = train(sentences, sg_batch=False, **still)
    assert batched.epoch_losses[0] == pytest.approx(pairs.epoch_losses[0], rel=1e-5)
    assert batched.epoch_losses[0] > np.log(2)  # paths of several nodes


def test_sg_batch_takes_more_noise_words_than_a_block():
    """negative >= BLOCK_MAX_OUT: a window's rows train as several blocks."""
    _, sentences = corpora.topic_corpus(n_sentences=200)
    model = train(sentences, negative=70, epochs=1)
    assert np.isfinite(model.wv.vectors).all() and np.isfinite(model.syn1neg).all()
    assert model.epoch_losses[0] > 0


def test_sg_batch_must_be_a_bool_or_none():
    with pytest.raises(TypeError, match="sg_batch must be True, False or None"):
        Word2Vec(sg=1, sg_batch="yes", progress=False)
    assert Word2Vec(sg=1, sg_batch=np.bool_(True), progress=False).sg_batch is True


def test_switching_a_batched_model_to_cbow_is_refused():
    model = Word2Vec(sg=1, sg_batch=True, progress=False)
    with pytest.raises(ValueError, match="sg_batch"):
        model.sg = 0
    assert model.sg == 1


def test_command_line_sg_batch(capsys, tmp_path):
    corpus = tmp_path / "c.txt"
    rng = np.random.default_rng(4)
    ranks = np.minimum(rng.zipf(1.3, size=(300, 12)), 80) - 1
    corpus.write_text("\n".join(" ".join(f"w{r}" for r in row) for row in ranks) + "\n")
    out = tmp_path / "m.pyw2v"
    small = ["-size", 12, "-window", 3, "-negative", 3, "-min-count", 2, "-iter", 1]
    argv = ["train", "-train", corpus, "-output", out, *small, "-cbow", 0, "--sg-batch"]
    assert main([str(a) for a in argv]) == 0
    _, err = capsys.readouterr()
    assert err.startswith("SG-NS (batched): ")
    assert Word2Vec.load(out).sg_batch is True
    bad = ["train", "-train", corpus, "-output", tmp_path / "v.txt", *small, "--sg-batch"]
    assert main([str(a) for a in bad]) == 1  # CBOW (-cbow 1, the default)
    _, err = capsys.readouterr()
    assert "--sg-batch: sg_batch applies to skip-gram only" in err
    argv = ["train", "-train", corpus, "-output", out, *small, "-cbow", 0]
    assert main([str(a) for a in argv]) == 0  # the default: batched with -hs 0
    _, err = capsys.readouterr()
    assert err.startswith("SG-NS (batched): ") and Word2Vec.load(out).sg_batch is None
    assert main([str(a) for a in [*argv, "--sg-batch", 0]]) == 0
    _, err = capsys.readouterr()
    assert err.startswith("SG-NS: ") and Word2Vec.load(out).sg_batch is False
