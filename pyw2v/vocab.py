"""The vocabulary: counts, min_count, ordering, subsampling probabilities, key <-> index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from pyw2v import _core


@dataclass
class Vocab:
    """Words sorted by descending count (ties keep first-seen order).

    Attributes
    ----------
    index_to_key : list of str
        Word of each id.
    counts : numpy.ndarray
        int64 corpus count of each word.
    """

    index_to_key: list[str]
    counts: np.ndarray
    key_to_index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.counts = np.asarray(self.counts, dtype=np.int64)
        if len(self.index_to_key) != len(self.counts):
            raise ValueError("index_to_key and counts differ in length")
        self.key_to_index = {w: i for i, w in enumerate(self.index_to_key)}
        if len(self.key_to_index) != len(self.index_to_key):
            raise ValueError("the vocabulary holds a word twice")

    def __len__(self) -> int:
        return len(self.index_to_key)

    @property
    def total_words(self) -> int:
        """Sum of the counts of the kept words (the corpus length seen by training)."""
        return int(self.counts.sum())

    @classmethod
    def from_counts(
        cls,
        words: Sequence[str],
        counts: np.ndarray,
        min_count: int = 5,
        max_final_vocab: int | None = None,
    ) -> Vocab:
        """Keeps words with count >= min_count, sorted by descending count.

        With ``max_final_vocab``, min_count is raised (as gensim does) until at most
        that many words remain, so words tied at the cut are kept or dropped together.
        """
        counts = np.asarray(counts, dtype=np.int64)
        order = np.argsort(-counts, kind="stable")
        sorted_counts = counts[order]
        threshold = max(int(min_count), 1)
        if max_final_vocab is not None and len(sorted_counts) > max_final_vocab:
            threshold = max(threshold, int(sorted_counts[max_final_vocab]) + 1)
        n_keep = int(np.searchsorted(-sorted_counts, -threshold, side="right"))
        kept = order[:n_keep]
        return cls([words[i] for i in kept], counts[kept])

    def keep_probs(self, sample: float) -> np.ndarray:
        """Subsampling keep probability of each word (float32), computed by the core."""
        return _core.keep_probs(self.counts, sample)
