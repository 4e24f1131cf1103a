"""Synthetic corpora shared by the training tests (importable by plain name: conftest.py
puts tests/ on sys.path)."""

import numpy as np


def topic_corpus(n_topics=4, words_per_topic=10, n_sentences=2000, length=10, seed=0):
    """Sentences that each use the words of one topic only: a word's nearest neighbours
    must be the other words of its topic. Returns (topics, sentences)."""
    rng = np.random.default_rng(seed)
    topics = [[f"t{t}w{i}" for i in range(words_per_topic)] for t in range(n_topics)]
    sentences = []
    for _ in range(n_sentences):
        topic = topics[rng.integers(n_topics)]
        sentences.append([topic[i] for i in rng.integers(words_per_topic, size=length)])
    return topics, sentences


def zipf_corpus(n_sentences, vocab=500, length=20, seed=0):
    """Sentences of ids drawn from Zipf(1) over `vocab` words named w0, w1, ..."""
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, vocab + 1)
    p /= p.sum()
    ids = rng.choice(vocab, size=(n_sentences, length), p=p)
    return [[f"w{i}" for i in row] for row in ids]
