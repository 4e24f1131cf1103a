"""Word Mover's Distance (Kusner et al., "From Word Embeddings To Document Distances",
2015) between two documents, as gensim computes it, through the POT package (the
optional extra ``pyw2v[wmd]``).

Each document is a normalised bag of words d (d_i = count of word i / document length,
out-of-vocabulary words dropped); the distance is the least cost of moving the mass of
d1 onto d2 when moving a unit from word i to word j costs the Euclidean distance of their
vectors: min_T sum_ij T_ij c(i, j) subject to T 1 = d1, T^T 1 = d2, T >= 0 (an earth
mover's distance, solved exactly by POT's network simplex)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from pyw2v.keyedvectors import KeyedVectors

logger = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'pyw2v[wmd]' (or pip install POT)"


def require_pot() -> Any:
    """POT's exact earth mover's distance (ot.emd2), or an ImportError saying what to
    install."""
    try:
        from ot import emd2
    except ImportError as exc:
        raise ImportError(f"wmdistance needs the POT package: {INSTALL_HINT}") from exc
    return emd2


def wmdistance(
    kv: KeyedVectors, document1: Sequence[str], document2: Sequence[str], norm: bool = True
) -> float:
    """Word Mover's Distance between two token lists, with unit-normalised vectors
    (norm=True, gensim's default) or raw ones. As gensim: inf (with a warning) when a
    document has no word of the vocabulary, 0.0 when both hold only the same one word,
    inf when all the distances between their words are zero."""
    emd2 = require_pot()
    for name, doc in (("document1", document1), ("document2", document2)):
        if isinstance(doc, (str, bytes)):
            raise TypeError(f"{name} must be a list of words, not a {type(doc).__name__}")
    words1 = [w for w in document1 if w in kv]
    words2 = [w for w in document2 if w in kv]
    dropped = len(document1) - len(words1) + len(document2) - len(words2)
    if dropped:
        logger.info("wmdistance: %d words outside the vocabulary were left out", dropped)
    if not words1 or not words2:
        logger.warning("At least one of the documents had no words that were in the vocabulary.")
        return float("inf")
    bag1, bag2 = Counter(words1), Counter(words2)
    if len(set(bag1) | set(bag2)) == 1:
        return 0.0  # one word on both sides
    keys1, keys2 = list(bag1), list(bag2)
    v1 = np.array([kv.get_vector(w, norm=norm) for w in keys1], dtype=np.float64)
    v2 = np.array([kv.get_vector(w, norm=norm) for w in keys2], dtype=np.float64)
    # c(i, j) = |v_i - v_j|, from the differences (exactly 0 for a word in both documents)
    cost = np.linalg.norm(v1[:, None, :] - v2[None, :, :], axis=2)
    if abs(cost.sum()) < 1e-8:
        logger.info("The distance matrix is all zeros. Aborting (returning inf).")
        return float("inf")
    d1 = np.array([bag1[w] for w in keys1], dtype=np.float64) / len(words1)
    d2 = np.array([bag2[w] for w in keys2], dtype=np.float64) / len(words2)
    return float(emd2(d1, d2, cost))
