"""What a trained model's output layer says: the distribution of the center word given a
context (predict_output_word, over negative sampling's vectors) and the log-likelihood of
sentences under hierarchical softmax (score), computed with numpy from the weights, as
gensim defines them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from pyw2v import _core


class HuffmanPaths:
    """Each word's path in the Huffman tree of the counts (see csrc/huffman.c): the inner
    nodes root first (rows of syn1) and the signs s = 1 - 2 code, so that
    P(w | h) = prod over the path of sigma(s * node.h)."""

    def __init__(self, counts: np.ndarray) -> None:
        offsets, points, codes = _core.huffman_tree(counts)
        self.offsets = offsets
        self.points = points
        self.codes = codes
        self.signs = 1.0 - 2.0 * codes.astype(np.float64)

    def log_prob(self, node_vecs: np.ndarray, word: int, hidden: np.ndarray) -> float:
        """log P(word | h) (exact sigmoid, float64)."""
        lo, hi = self.offsets[word], self.offsets[word + 1]
        scores = node_vecs[self.points[lo:hi]].astype(np.float64) @ hidden.astype(np.float64)
        return float(-np.logaddexp(0.0, -self.signs[lo:hi] * scores).sum())


def context_hidden(vectors: np.ndarray, ids: Sequence[int], mean: bool) -> np.ndarray:
    """h of CBOW: the mean (or sum) of the context rows, in float64."""
    h = vectors[list(ids)].astype(np.float64).sum(axis=0)
    return h / len(ids) if mean else h


def softmax_scores(hidden: np.ndarray, out_vecs: np.ndarray) -> np.ndarray:
    """gensim's P(w | h) for predict_output_word: the softmax of the scores o_w.h over the
    negative-sampling output vectors (float64)."""
    scores = out_vecs.astype(np.float64) @ hidden
    probs = np.exp(scores - scores.max())
    return probs / probs.sum()


def score_sentences(
    sentences: Iterable[Sequence[str]],
    key_to_index: dict[str, int],
    vectors: np.ndarray,
    node_vecs: np.ndarray,
    paths: HuffmanPaths,
    sg: bool,
    window: int,
    cbow_mean: bool,
    limit: int,
) -> np.ndarray:
    """log P(sentence) under hierarchical softmax (gensim's score): out-of-vocabulary words
    dropped, the whole window (no reduction, no subsampling). Skip-gram: sum over
    (center, context) pairs of log P(center | context row); CBOW: sum over centers of
    log P(center | h of its context), h = 0 for a center without context (as gensim)."""
    out = np.zeros(limit, dtype=np.float32)
    n = 0
    for sentence in sentences:
        if n >= limit:
            break
        if isinstance(sentence, str):
            raise TypeError("score() takes sentences as lists of str tokens, got a str")
        ids = [key_to_index[w] for w in sentence if w in key_to_index]
        total = 0.0
        for pos, word in enumerate(ids):
            lo, hi = max(0, pos - window), min(len(ids), pos + window + 1)
            context = [ids[j] for j in range(lo, hi) if j != pos]
            if sg:
                for c in context:
                    total += paths.log_prob(node_vecs, word, vectors[c])
            else:
                h = (
                    context_hidden(vectors, context, cbow_mean)
                    if context
                    else np.zeros(vectors.shape[1])
                )
                total += paths.log_prob(node_vecs, word, h)
        out[n] = total
        n += 1
    return out[:n]
