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


def topic_hits(model, topics):
    """Of the 9 nearest neighbours of the first 3 words of each topic, how many are in
    the word's topic (a model that learnt the topics finds nearly all: 12 * 9 with 4
    topics; random vectors about 9 * 9 / 39 per word)."""
    hits = 0
    for topic in topics:
        for word in topic[:3]:
            near = {w for w, _ in model.wv.most_similar(word, topn=9)}
            hits += len(near & set(topic))
    return hits
