"""The vocabulary: counts, min_count, ordering, subsampling probabilities, key <-> index."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from pyw2v import _core

# gensim.utils' answers of a trim_rule(word, count, min_count)
RULE_DEFAULT, RULE_DISCARD, RULE_KEEP = 0, 1, 2
TrimRule = Callable[[str, int, int], int]


class EmptyVocabularyError(ValueError, RuntimeError):
    """No word to train: the corpus is empty, or no word passes min_count / trim_rule.
    A ValueError (bad input) that is also gensim's RuntimeError for the same case."""


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
        check_total(self.counts)

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
        trim_rule: TrimRule | None = None,
        sorted_vocab: bool = True,
    ) -> Vocab:
        """Keeps the words select_words keeps, sorted by descending count (ties keep
        first-seen order) or, with sorted_vocab=False, in first-seen order."""
        counts = np.asarray(counts, dtype=np.int64)
        kept = select_words(words, counts, min_count, max_final_vocab, trim_rule).kept
        if sorted_vocab:
            kept = kept[np.argsort(-counts[kept], kind="stable")]
        return cls([words[i] for i in kept], counts[kept])

    def merged(
        self,
        words: Sequence[str],
        counts: np.ndarray,
        min_count: int = 5,
        trim_rule: TrimRule | None = None,
    ) -> Vocab:
        """gensim's online vocabulary update: the counts of a new corpus added to this
        vocabulary. Known words keep their ids and add their new counts; new words that
        pass min_count (or trim_rule) on their new counts are appended, most frequent
        first."""
        counts = np.asarray(counts, dtype=np.int64)
        merged = self.counts.copy()
        known = np.array([self.key_to_index.get(w, -1) for w in words], dtype=np.int64)
        old = known >= 0
        np.add.at(merged, known[old], counts[old])
        fresh = np.flatnonzero(~old)
        passed = fresh[
            select_words([words[i] for i in fresh], counts[fresh], min_count, None, trim_rule).kept
        ]
        passed = passed[np.argsort(-counts[passed], kind="stable")]
        return Vocab(
            self.index_to_key + [words[i] for i in passed],
            np.concatenate([merged, counts[passed]]),
        )

    def keep_probs(self, sample: float) -> np.ndarray:
        """Subsampling keep probability of each word (float32), computed by the core."""
        return _core.keep_probs(self.counts, sample)


@dataclass
class Selection:
    """Which counted words a vocabulary keeps (indices into the counted words, in their
    order) and gensim's prepare_vocab report of it."""

    kept: np.ndarray
    effective_min_count: int
    drop_unique: int
    drop_total: int
    retain_total: int


def select_words(
    words: Sequence[str],
    counts: np.ndarray,
    min_count: int,
    max_final_vocab: int | None = None,
    trim_rule: TrimRule | None = None,
) -> Selection:
    """Words with count >= the effective min_count, as gensim decides it.

    With max_final_vocab, the effective min_count is raised (as gensim does) until at
    most that many words remain: one more than the count of the word ranked
    max_final_vocab, so words tied at the cut are kept or dropped together. A
    trim_rule(word, count, min_count) may then keep (RULE_KEEP) or discard
    (RULE_DISCARD) a word whatever its count; RULE_DEFAULT leaves it to min_count.
    """
    counts = np.asarray(counts, dtype=np.int64)
    check_total(counts)
    effective = int(min_count)
    if max_final_vocab is not None and len(counts) > max_final_vocab:
        ranked = np.sort(counts)[::-1]
        effective = max(effective, int(ranked[max_final_vocab]) + 1)
    keep = counts >= max(effective, 1)
    if trim_rule is not None:
        if not callable(trim_rule):
            raise TypeError(
                f"trim_rule must be callable(word, count, min_count), got {trim_rule!r}"
            )
        for i, word in enumerate(words):
            rule = trim_rule(word, int(counts[i]), effective)
            if rule == RULE_KEEP:
                keep[i] = True
            elif rule == RULE_DISCARD:
                keep[i] = False
            elif rule != RULE_DEFAULT:
                raise ValueError(
                    f"trim_rule returned {rule!r} for {word!r}: expected RULE_DEFAULT (0), "
                    "RULE_DISCARD (1) or RULE_KEEP (2)"
                )
    kept = np.flatnonzero(keep)
    retain_total = int(counts[kept].sum())
    return Selection(
        kept=kept,
        effective_min_count=effective,
        drop_unique=len(counts) - len(kept),
        drop_total=int(counts.sum()) - retain_total,
        retain_total=retain_total,
    )


_MAX_TOTAL = 2**63 - 1


def check_total(counts: np.ndarray) -> None:
    """ValueError if int64 counts sum past 2**63 - 1 (their int64 sum would wrap to a
    negative number of tokens). Exact: the float sum only tells when to look closer."""
    if len(counts) and float(counts.sum(dtype=np.float64)) >= 2.0**62:
        total = sum(map(int, counts.tolist()))
        if total > _MAX_TOTAL:
            raise ValueError(
                f"the word counts sum to {total} tokens, more than 2**63-1: pyw2v counts "
                "tokens in 64-bit integers (scale the counts down)"
            )
