"""End-to-end training: reproducibility, threads, the GIL, learning a planted structure."""

import threading
import time

import numpy as np
import pytest
from corpora import topic_corpus, zipf_corpus

from pyw2v import Word2Vec


def train(corpus, **kw):
    params = dict(vector_size=16, min_count=1, epochs=2, workers=1, seed=3, progress=False)
    params.update(kw)
    return Word2Vec(corpus, **params)


def test_one_worker_is_bit_reproducible():
    corpus = zipf_corpus(300)
    a = train(corpus)
    b = train(corpus)
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)
    np.testing.assert_array_equal(a.syn1neg, b.syn1neg)
    c = train(corpus, seed=4)
    assert not np.array_equal(a.wv.vectors, c.wv.vectors)


def test_file_and_iterable_corpora_train_identically(tmp_path):
    corpus = zipf_corpus(300)
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(" ".join(s) for s in corpus) + "\n")
    a = train(corpus)
    b = train(str(path))
    assert a.wv.index_to_key == b.wv.index_to_key
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)


def test_two_workers_finite_and_loss_decreases():
    model = train(zipf_corpus(3000), workers=2, epochs=4, vector_size=32)
    assert np.isfinite(model.wv.vectors).all() and np.isfinite(model.syn1neg).all()
    losses = model.epoch_losses
    assert len(losses) == 4
    assert all(b < a for a, b in zip(losses, losses[1:], strict=False)), losses


def test_planted_topics_are_recovered():
    topics, sentences = topic_corpus()
    model = train(sentences, vector_size=20, epochs=5, sample=0, window=3)
    normed = model.wv.get_normed_vectors()
    topic_of = {w: t for t, words in enumerate(topics) for w in words}
    same, other = [], []
    for w, t in topic_of.items():
        sims = normed @ normed[model.wv.get_index(w)]
        for v, u in topic_of.items():
            if v != w:
                (same if u == t else other).append(sims[model.wv.get_index(v)])
    # every same-topic pair is closer than every cross-topic pair, by a wide margin
    assert min(same) > max(other) + 0.3, (min(same), max(other))
    for w in topic_of:
        neighbours = [v for v, _ in model.wv.most_similar(w, topn=9)]
        assert {topic_of[v] for v in neighbours} == {topic_of[w]}


def test_positive_examples_match_cbow_count():
    """Without subsampling every center word of a sentence of n >= 2 tokens is one
    positive example (docs/theory.md); a one-word sentence gives none."""
    sentences = [["a", "b"], ["a"], ["b", "c", "a", "b", "c"], ["c"] * 7]
    model = train(sentences, sample=0, epochs=1)
    words, examples = model.train(sentences, epochs=3)
    assert words == 3 * sum(len(s) for s in sentences)
    assert examples == 3 * sum(len(s) for s in sentences if len(s) >= 2)


def test_training_continues():
    corpus = zipf_corpus(300)
    model = train(corpus, epochs=1)
    before = model.wv.vectors.copy()
    model.train(corpus, epochs=2)
    assert model.epochs_trained == 3
    assert len(model.epoch_losses) == 3
    assert not np.array_equal(before, model.wv.vectors)


def test_train_on_another_corpus_uses_the_vocabulary():
    model = train(zipf_corpus(200, seed=1), epochs=1)
    words, _ = model.train([["w0", "w1", "unknown", "w2"]], epochs=1)
    assert words == 3  # the out-of-vocabulary word is dropped


def test_gil_is_released_during_training():
    corpus = zipf_corpus(20_000, length=30)
    model = Word2Vec(
        vector_size=100, min_count=1, workers=2, seed=1, progress=False, epochs=1, sample=0
    )
    model.build_vocab(corpus)
    model.train(corpus, epochs=1)  # encodes the corpus once, outside the timed run
    ticks = []
    done = threading.Event()

    def ticker():
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    thread = threading.Thread(target=ticker)
    thread.start()
    start = time.perf_counter()
    model.train(corpus, epochs=4)
    end = time.perf_counter()
    done.set()
    thread.join()
    during = [t for t in ticks if start <= t <= end]
    gaps = np.diff([start, *during, end])
    assert end - start > 0.2, "the run is too short to tell"
    # a GIL held by the C call would freeze the ticker for the whole epoch
    assert gaps.max() < 0.1 * (end - start) + 0.05, gaps.max()


@pytest.mark.parametrize("cbow_mean", [True, False])
def test_options_train_finite_vectors(cbow_mean):
    model = train(zipf_corpus(300), cbow_mean=cbow_mean, cbow_exact_grad=True, negative=3)
    assert np.isfinite(model.wv.vectors).all()
    assert model.get_latest_training_loss() > 0


def test_negative_reuse_option():
    corpus = zipf_corpus(2000)
    base = train(corpus, epochs=3)
    shared = train(corpus, epochs=3, negative_reuse=2)
    again = train(corpus, epochs=3, negative_reuse=2)
    assert not np.array_equal(base.wv.vectors, shared.wv.vectors)  # the option does something
    np.testing.assert_array_equal(shared.wv.vectors, again.wv.vectors)  # and is reproducible
    assert np.isfinite(shared.wv.vectors).all()
    assert shared.epoch_losses[-1] < shared.epoch_losses[0]
    # fewer fresh draws, same objective: the final losses stay close (both ~ the same model)
    assert abs(shared.epoch_losses[-1] - base.epoch_losses[-1]) < 0.1 * base.epoch_losses[-1]


def test_padded_and_packed_rows_train_identically():
    """Rows are stored padded to whole cache lines (pyw2v.memory); the kernel must give
    bit-identical results on packed (contiguous) rows."""
    from pyw2v import KeyedVectors

    corpus = zipf_corpus(300)
    padded = Word2Vec(vector_size=20, min_count=1, epochs=2, workers=1, seed=3, progress=False)
    padded.build_vocab(corpus)
    assert padded.wv.vectors.strides[0] == 32 * 4  # 20 floats padded to 32
    packed = Word2Vec(vector_size=20, min_count=1, epochs=2, workers=1, seed=3, progress=False)
    packed.build_vocab(corpus)
    packed.wv = KeyedVectors(np.ascontiguousarray(packed.wv.vectors), packed.wv.index_to_key)
    packed.syn1neg = np.ascontiguousarray(packed.syn1neg)
    assert packed.wv.vectors.flags.c_contiguous
    padded.train(corpus)
    packed.train(corpus)
    np.testing.assert_array_equal(padded.wv.vectors, packed.wv.vectors)
    np.testing.assert_array_equal(padded.syn1neg, packed.syn1neg)


def test_build_vocab_encodes_once_for_all_training_calls(tmp_path, monkeypatch):
    """build_vocab encodes the corpus; train() on the same corpus (the default, or the
    same path again) reuses those ids instead of reading the text again."""
    from pyw2v import corpus as corpus_module

    calls = []
    real = corpus_module.FileCorpus.encode

    def spy(self, *args, **kwargs):
        calls.append(self.paths)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(corpus_module.FileCorpus, "encode", spy)
    path = tmp_path / "c.txt"
    path.write_text("a b c a\nb c a\n" * 20)
    model = Word2Vec(vector_size=8, min_count=1, epochs=1, workers=1, seed=1, progress=False)
    model.build_vocab(str(path))
    assert calls == [[str(path)]]
    assert model.train()[0] == 140
    assert model.train(str(path))[0] == 140
    assert len(calls) == 1
    other = tmp_path / "d.txt"
    other.write_text("c b a\n")
    assert model.train(str(other))[0] == 3
    assert len(calls) == 2


def test_release_free_heap_calls_malloc_trim_where_there_is_one(monkeypatch):
    """build_vocab hands the C heap's free pages back (malloc_trim) before training
    allocates its matrices; on a libc without malloc_trim it is a no-op, not an error."""
    import ctypes
    import platform

    from pyw2v import memory

    assert memory.release_free_heap() is (platform.libc_ver()[0] == "glibc")

    class NoTrim:
        def __init__(self, name):
            pass

    monkeypatch.setattr(ctypes, "CDLL", NoTrim)
    assert memory.release_free_heap() is False


@pytest.mark.parametrize("sg", [0, 1])
def test_a_small_corpus_trains_alike_on_any_number_of_workers(sg):
    """Under W2V_CHUNK_WORDS (16384) words the corpus is one chunk, and a chunk's random
    stream does not depend on the worker that takes it: 1, 2 or 3 workers give the same
    vectors, run after run (gensim's tests rely on this for their small corpora)."""
    corpus = zipf_corpus(200, vocab=100)  # 4,000 words
    runs = [train(corpus, workers=w, sg=sg) for w in (1, 2, 3, 2)]
    for other in runs[1:]:
        np.testing.assert_array_equal(other.wv.vectors, runs[0].wv.vectors)
