"""Word vectors with lookups and cosine-similarity queries (gensim's KeyedVectors shape)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

import numpy as np

Key = str
Query = Key | np.ndarray


class KeyedVectors:
    """A vocabulary and one float32 vector per word.

    Parameters
    ----------
    vectors : numpy.ndarray
        (len(index_to_key), vector_size) float32 array; kept, not copied, when it is
        already float32 and C-contiguous (training writes into it).
    index_to_key : list of str
        The word of each row.
    """

    def __init__(self, vectors: np.ndarray, index_to_key: Sequence[str]) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2:
            raise ValueError(f"vectors must be 2-d, got shape {vectors.shape}")
        if vectors.shape[0] != len(index_to_key):
            raise ValueError(f"{vectors.shape[0]} vectors for {len(index_to_key)} words")
        self.vectors = vectors
        self.index_to_key = list(index_to_key)
        self.key_to_index = {w: i for i, w in enumerate(self.index_to_key)}
        if len(self.key_to_index) != len(self.index_to_key):
            raise ValueError("index_to_key holds a word twice")
        self._norms: np.ndarray | None = None

    @property
    def vector_size(self) -> int:
        return int(self.vectors.shape[1])

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, key: object) -> bool:
        return key in self.key_to_index

    def __getitem__(self, key: Key | Iterable[Key]) -> np.ndarray:
        if isinstance(key, str):
            return self.get_vector(key)
        return np.stack([self.get_vector(k) for k in key])

    def get_index(self, key: Key) -> int:
        """Row of `key`; KeyError naming the word if it is not in the vocabulary."""
        try:
            return self.key_to_index[key]
        except (KeyError, TypeError):
            raise KeyError(f"word {key!r} not in vocabulary") from None

    def get_vector(self, key: Key, norm: bool = False) -> np.ndarray:
        """The vector of `key` (a copy); unit length if `norm`."""
        index = self.get_index(key)
        if norm:
            return self.get_normed_vectors()[index].copy()
        return self.vectors[index].copy()

    def fill_norms(self, force: bool = False) -> None:
        """Caches the L2 norm of every row (recomputed after training when `force`)."""
        if self._norms is None or force:
            self._norms = np.linalg.norm(self.vectors, axis=1)

    def get_normed_vectors(self) -> np.ndarray:
        """All rows scaled to unit length (zero rows stay zero)."""
        self.fill_norms(force=True)
        assert self._norms is not None
        norms = np.where(self._norms > 0, self._norms, 1.0).astype(np.float32)
        return self.vectors / norms[:, None]

    def similarity(self, w1: Key, w2: Key) -> float:
        """Cosine similarity of two words."""
        a = self.get_vector(w1, norm=True)
        b = self.get_vector(w2, norm=True)
        return float(np.dot(a, b))

    def _query_vector(self, item: Query, normed: np.ndarray) -> tuple[np.ndarray, int | None]:
        if isinstance(item, str):
            index = self.get_index(item)
            return normed[index], index
        vec = np.asarray(item, dtype=np.float32)
        if vec.shape != (self.vector_size,):
            raise ValueError(
                f"query vectors must have shape ({self.vector_size},), got {vec.shape}"
            )
        norm = np.linalg.norm(vec)
        return (vec / norm if norm > 0 else vec), None

    def most_similar(
        self,
        positive: Query | Sequence[Query] | None = None,
        negative: Query | Sequence[Query] | None = None,
        topn: int = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """The `topn` words closest by cosine to the mean of the unit-length `positive`
        vectors minus the `negative` ones (3CosAdd), excluding the query words.

        Words and vectors may be mixed; `restrict_vocab` limits the search to the most
        frequent words.
        """
        positive = _as_list(positive)
        negative = _as_list(negative)
        if not positive and not negative:
            raise ValueError("most_similar needs at least one positive or negative word")
        if isinstance(topn, bool) or not isinstance(topn, int) or topn <= 0:
            raise ValueError(f"topn must be a positive integer, got {topn!r}")
        normed = self.get_normed_vectors()
        parts, exclude = [], set()
        for items, sign in ((positive, 1.0), (negative, -1.0)):
            for item in items:
                vec, index = self._query_vector(item, normed)
                parts.append(sign * vec)
                if index is not None:
                    exclude.add(index)
        mean = np.mean(parts, axis=0)
        norm = np.linalg.norm(mean)
        if norm > 0:
            mean = mean / norm
        limit = len(self) if restrict_vocab is None else min(int(restrict_vocab), len(self))
        sims = normed[:limit] @ mean.astype(np.float32)
        want = min(topn + len(exclude), limit)
        best = np.argpartition(-sims, want - 1)[:want] if want < limit else np.arange(limit)
        best = best[np.argsort(-sims[best], kind="stable")]
        result = [(self.index_to_key[i], float(sims[i])) for i in best if i not in exclude]
        return result[:topn]

    def similar_by_word(self, word: Key, topn: int = 10) -> list[tuple[str, float]]:
        return self.most_similar(positive=[word], topn=topn)

    def save_word2vec_format(self, path: str | os.PathLike[str], binary: bool = False) -> None:
        """Writes the word2vec.c text or binary format (atomically)."""
        from pyw2v import io

        io.save_word2vec_format(self, path, binary=binary)

    @classmethod
    def load_word2vec_format(
        cls, path: str | os.PathLike[str], binary: bool = False, limit: int | None = None
    ) -> KeyedVectors:
        """Reads the word2vec.c text or binary format."""
        from pyw2v import io

        return io.load_word2vec_format(path, binary=binary, limit=limit)


def _as_list(items: Query | Sequence[Query] | None) -> list[Query]:
    if items is None:
        return []
    if isinstance(items, str) or (isinstance(items, np.ndarray) and items.ndim == 1):
        return [items]
    return list(items)
