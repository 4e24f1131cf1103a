"""predict_output_word and score: the output layer's distributions against numpy formulas."""

import corpora
import numpy as np
import pytest

from pyw2v import Word2Vec, _core


def topic_corpus(n_sentences=600, **kw):
    return corpora.topic_corpus(
        n_topics=3, words_per_topic=6, n_sentences=n_sentences, length=8, **kw
    )


def train(sentences, **kw):
    params = dict(vector_size=12, min_count=1, epochs=5, workers=1, seed=2, progress=False)
    params.update(kw)
    return Word2Vec(sentences, **params)


def sigma(x):
    return 1.0 / (1.0 + np.exp(-x))


def hs_log_prob(model, word, h):
    """log P(word | h) = sum over the path of log sigma((1 - 2 code) node.h), by hand."""
    offsets, points, codes = _core.huffman_tree(model.vocab.counts)
    i = model.wv.key_to_index[word]
    total = 0.0
    path = slice(offsets[i], offsets[i + 1])
    for node, code in zip(points[path], codes[path], strict=True):
        x = float(model.syn1[node].astype(np.float64) @ h)
        total += np.log(sigma(x if code == 0 else -x))
    return total


def test_predict_output_word_is_the_softmax_of_syn1neg_scores():
    _, sentences = topic_corpus()
    model = train(sentences)
    context = ["t0w1", "t0w2", "unknown-word"]
    got = model.predict_output_word(context, topn=5)
    h = model.wv.vectors[[model.wv.key_to_index[w] for w in context[:2]]].mean(axis=0)
    scores = model.syn1neg.astype(np.float64) @ h
    probs = np.exp(scores) / np.exp(scores).sum()
    want = np.argsort(-probs)[:5]
    assert [w for w, _ in got] == [model.wv.index_to_key[i] for i in want]
    np.testing.assert_allclose([p for _, p in got], probs[want], rtol=1e-5)
    # the topic is recovered: the top words are t0's
    assert all(w.startswith("t0") for w, _ in got[:3])


def test_predict_output_word_needs_negative_sampling():
    _, sentences = topic_corpus(n_sentences=50)
    model = train(sentences, hs=1, negative=0, epochs=1)
    with pytest.raises(RuntimeError, match="negative"):
        model.predict_output_word(["t1w0", "t1w3"])


def test_predict_output_word_takes_indices_as_gensim():
    _, sentences = topic_corpus(n_sentences=100)
    model = train(sentences, epochs=1)
    words = ["t1w0", "t1w3"]
    ids = [model.wv.key_to_index[w] for w in words]
    by_word = model.predict_output_word(words, topn=4)
    assert model.predict_output_word(ids, topn=4) == by_word
    assert model.predict_output_word([ids[0], words[1]], topn=4) == by_word
    assert model.predict_output_word([len(model.wv), -1]) is None  # no valid index


def test_predict_output_word_edge_cases():
    _, sentences = topic_corpus(n_sentences=50)
    model = train(sentences, epochs=1)
    assert model.predict_output_word(["nothing", "known"]) is None
    with pytest.raises(TypeError, match="list of words"):
        model.predict_output_word("t0w1")
    with pytest.raises(ValueError, match="topn"):
        model.predict_output_word(["t0w1"], topn=0)
    with pytest.raises(RuntimeError, match="build_vocab"):
        Word2Vec(progress=False).predict_output_word(["a"])


@pytest.mark.parametrize("sg", [0, 1])
def test_score_is_the_log_likelihood_under_hierarchical_softmax(sg):
    _, sentences = topic_corpus()
    model = train(sentences, hs=1, negative=0, sg=sg, window=2)
    sentence = ["t2w0", "oov", "t2w1", "t2w4"]
    got = model.score([sentence, sentence[:1]])
    assert got.dtype == np.float32 and got.shape == (2,)
    ids = ["t2w0", "t2w1", "t2w4"]  # the unknown word is dropped before windowing
    want = 0.0
    for pos, word in enumerate(ids):
        context = [ids[j] for j in range(max(0, pos - 2), min(3, pos + 3)) if j != pos]
        rows = model.wv.vectors[[model.wv.key_to_index[c] for c in context]].astype(np.float64)
        if sg:
            want += sum(hs_log_prob(model, word, row) for row in rows)
        else:
            want += hs_log_prob(model, word, rows.mean(axis=0))
    assert got[0] == pytest.approx(want, rel=1e-5)
    if sg:
        assert got[1] == 0.0  # one word: no pair
    else:  # CBOW scores a lone word with h = 0: each node is a coin flip
        offsets = _core.huffman_tree(model.vocab.counts)[0]
        i = model.wv.key_to_index["t2w0"]
        assert got[1] == pytest.approx((offsets[i + 1] - offsets[i]) * np.log(0.5), rel=1e-6)


def test_score_prefers_real_sentences_and_respects_the_limit():
    _, sentences = topic_corpus()
    model = train(sentences, hs=1, negative=0)
    real = sentences[:20]
    mixed = [[f"t{i % 3}w{i % 6}" for i in range(k, k + 8)] for k in range(20)]
    assert model.score(real).mean() > model.score(mixed).mean()
    assert len(model.score(real, total_sentences=7)) == 7


def test_score_needs_hierarchical_softmax():
    _, sentences = topic_corpus(n_sentences=50)
    model = train(sentences, epochs=1)
    with pytest.raises(RuntimeError, match="hs=1"):
        model.score(sentences)
