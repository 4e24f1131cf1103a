"""The vocabulary counted in parallel: each piece of the corpus is counted by the C
counter on a worker (shards.count_piece), and the counts are merged here in text order.
A word's first-seen position in the whole text is its first-seen position in the first
piece that holds it, so the merged words are in the order one counter reading the files
would give, and the vocabulary is the one Word2Vec.build_vocab makes from the same
files."""

from __future__ import annotations

from typing import Any

import numpy as np

PieceCounts = tuple[list[str], np.ndarray, dict[str, int]]
STATS = ("tokens", "sentences", "invalid_tokens", "truncated_tokens")


def merge_counts(parts: list[PieceCounts]) -> tuple[list[str], np.ndarray, dict[str, int]]:
    """The words of the pieces (given in text order) in first-seen order, their summed
    counts, and the summed text statistics (with distinct_words)."""
    index: dict[str, int] = {}
    totals: list[int] = []
    stats = dict.fromkeys(STATS, 0)
    for words, counts, piece_stats in parts:
        for word, count in zip(words, counts.tolist(), strict=True):
            at = index.setdefault(word, len(totals))
            if at == len(totals):
                totals.append(count)
            else:
                totals[at] += count
        for key in STATS:
            stats[key] += int(piece_stats[key])
    stats["distinct_words"] = len(totals)
    return list(index), np.array(totals, dtype=np.int64), stats


def build_vocab(model: Any, parts: list[PieceCounts]) -> None:
    """Gives `model` (a Word2Vec without a vocabulary) the merged counts' vocabulary,
    its fresh weights and the corpus statistics build_vocab would record."""
    words, counts, stats = merge_counts(parts)
    model.build_vocab_from_freq(
        dict(zip(words, counts.tolist(), strict=True)), corpus_count=stats["sentences"]
    )
    model.corpus_stats = stats
