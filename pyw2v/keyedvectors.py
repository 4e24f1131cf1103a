"""Word vectors with lookups and cosine-similarity queries (gensim's KeyedVectors shape)."""

from __future__ import annotations

import logging
import numbers
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from pyw2v.evaluate import CorrelationResult, Section

Key = str
Query = Key | np.ndarray

logger = logging.getLogger(__name__)

# 3CosMul's guard against division by zero: Levy & Goldberg (2014) use 0.001; gensim, whose
# numbers we reproduce, uses 1e-6.
COSMUL_EPSILON = 1e-6
# Upper bound on the similarity-matrix entries one batched query builds at a time.
SCORE_BUDGET = 1 << 23
# Up to this many best per row, top_k_rows takes repeated argmax rather than argpartition.
FEW_BEST = 16


class KeyedVectors:
    """A vocabulary and one float32 vector per word.

    Parameters
    ----------
    vectors : numpy.ndarray
        (len(index_to_key), vector_size) float32 array; kept, not copied, when it is
        already float32 with contiguous rows (training writes into it; its rows may be
        padded, see pyw2v.memory).
    index_to_key : list of str
        The word of each row.

    Attributes
    ----------
    expandos : dict of str to numpy.ndarray
        Per-word attributes, one entry per row (gensim's name): a Word2Vec sets
        ``count`` and, with hierarchical softmax, ``code`` and ``point`` (each word's
        Huffman code bits and inner nodes, root first). See get_vecattr.
    """

    def __init__(self, vectors: np.ndarray, index_to_key: Sequence[str]) -> None:
        vectors = _as_row_contiguous(vectors)
        if vectors.ndim != 2:
            raise ValueError(f"vectors must be 2-d, got shape {vectors.shape}")
        if vectors.shape[0] != len(index_to_key):
            raise ValueError(f"{vectors.shape[0]} vectors for {len(index_to_key)} words")
        self.vectors = vectors
        self.index_to_key = list(index_to_key)
        self._key_to_index: dict[str, int] | None = _index(self.index_to_key)
        if len(self._key_to_index) != len(self.index_to_key):
            raise ValueError("index_to_key holds a word twice")
        self._norms: np.ndarray | None = None
        self._normed: np.ndarray | None = None
        self.expandos: dict[str, np.ndarray] = {}

    @classmethod
    def _from_distinct(cls, vectors: np.ndarray, index_to_key: list[str]) -> KeyedVectors:
        """For callers that know the words are distinct and that there is one row of
        `vectors` per word (the file loaders): the list is kept as given and key_to_index
        is only built when first used."""
        kv = cls.__new__(cls)
        kv.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        kv.index_to_key = index_to_key
        kv._key_to_index = None
        kv._norms = None
        kv._normed = None
        kv.expandos = {}
        return kv

    @property
    def key_to_index(self) -> dict[str, int]:
        """word -> row (a dict, built at first use in KeyedVectors read from a file)."""
        if self._key_to_index is None:
            self._key_to_index = _index(self.index_to_key)
        return self._key_to_index

    @key_to_index.setter
    def key_to_index(self, value: dict[str, int]) -> None:
        self._key_to_index = value

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

    def has_index_for(self, key: Key) -> bool:
        """Whether `key` has a row (gensim's name)."""
        return key in self

    def get_vecattr(self, key: Key, attr: str) -> Any:
        """Attribute `attr` of word `key` (gensim's API), e.g. ``get_vecattr("the",
        "count")``; KeyError naming the word or the attribute if absent."""
        index = self.get_index(key)
        if attr not in self.expandos:
            raise KeyError(f"no attribute {attr!r} (known: {sorted(self.expandos)})")
        return self.expandos[attr][index]

    def set_vecattr(self, key: Key, attr: str, value: Any) -> None:
        """Sets attribute `attr` of word `key`, making the attribute's array (of value's
        numpy type, zero elsewhere) if it does not exist yet."""
        index = self.get_index(key)
        if attr not in self.expandos:
            kind = np.asarray(value).dtype if np.ndim(value) == 0 else np.dtype(object)
            self.expandos[attr] = np.zeros(len(self), dtype=kind)
        self.expandos[attr][index] = value

    def fill_norms(self, force: bool = False) -> None:
        """Caches the L2 norm of every row and the unit-length rows. Like gensim, the
        cache is not refreshed by itself: after changing `vectors` in place, call
        ``fill_norms(force=True)`` (training does)."""
        if self._norms is None or force:
            self._norms = np.linalg.norm(self.vectors, axis=1)
            safe = np.where(self._norms > 0, self._norms, 1.0).astype(np.float32)
            self._normed = self.vectors / safe[:, None]
            self._normed.flags.writeable = False

    def reset_norms(self) -> None:
        """Drops the cached norms (they are recomputed at the next query)."""
        self._norms = None
        self._normed = None

    def get_normed_vectors(self) -> np.ndarray:
        """All rows scaled to unit length (zero rows stay zero), read-only and cached."""
        self.fill_norms()
        assert self._normed is not None
        return self._normed

    def similarity(self, w1: Key, w2: Key) -> float:
        """Cosine similarity of two words."""
        a = self.get_vector(w1, norm=True)
        b = self.get_vector(w2, norm=True)
        return float(np.dot(a, b))

    def distance(self, w1: Key, w2: Key) -> float:
        """Cosine distance of two words: ``1 - similarity(w1, w2)``."""
        return 1.0 - self.similarity(w1, w2)

    def distances(self, word_or_vector: Query, other_words: Iterable[Key] = ()) -> np.ndarray:
        """Cosine distances from a word or vector to `other_words` (default: every word).

        Parameters
        ----------
        word_or_vector : str or numpy.ndarray
            The word, or a (vector_size,) vector.
        other_words : iterable of str, optional
            The words to measure; empty means the whole vocabulary, in row order (the
            query word included, at distance 0).

        Returns
        -------
        numpy.ndarray
            float32 distances ``1 - cosine``, one per word.
        """
        normed = self.get_normed_vectors()
        query, _ = self._query_vector(word_or_vector, normed)
        others = list(other_words)
        if others:
            normed = normed[[self.get_index(w) for w in others]]
        return (1.0 - normed @ query).astype(np.float32)

    def closer_than(self, key1: Key, key2: Key) -> list[str]:
        """Words closer to `key1` (by cosine) than `key2` is, `key1` itself left out."""
        dists = self.distances(key1)
        own, other = self.get_index(key1), self.get_index(key2)
        closer = np.flatnonzero(dists < dists[other])
        return [self.index_to_key[i] for i in closer if i != own]

    def rank(self, key1: Key, key2: Key) -> int:
        """Rank of `key2` among the neighbours of `key1` (1 = nearest), as gensim counts it:
        one plus the number of other words strictly closer to `key1`."""
        return len(self.closer_than(key1, key2)) + 1

    def n_similarity(self, ws1: Sequence[Key], ws2: Sequence[Key]) -> float:
        """Cosine similarity of the means of two lists of word vectors (raw, not unit).

        Raises
        ------
        ValueError
            If a list is empty.
        KeyError
            If a word is not in the vocabulary.
        """
        if not len(ws1) or not len(ws2):
            raise ValueError("n_similarity needs two non-empty lists of words")
        means = [_unit(self[list(ws)].astype(np.float64).mean(axis=0)) for ws in (ws1, ws2)]
        return float(means[0] @ means[1])

    def doesnt_match(self, words: Iterable[Key]) -> str:
        """The word furthest (by cosine) from the mean of the words' unit vectors.

        Words outside the vocabulary are ignored with a logged warning, as gensim does.

        Raises
        ------
        ValueError
            If no word is in the vocabulary.
        """
        words = list(words)
        known = [w for w in words if w in self]
        if len(known) != len(words):
            logger.warning("ignoring words not in the vocabulary: %s", set(words) - set(known))
        if not known:
            raise ValueError("doesnt_match needs at least one word in the vocabulary")
        unit = self.get_normed_vectors()[[self.key_to_index[w] for w in known]]
        sims = unit @ _unit(unit.mean(axis=0, dtype=np.float64)).astype(np.float32)
        return min(zip(sims.tolist(), known, strict=True))[1]

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

    def _query_terms(
        self, items: Sequence[Query], normed: np.ndarray
    ) -> tuple[list[np.ndarray], set[int]]:
        """Unit vectors of query words / vectors, and the rows of the words among them."""
        vectors, rows = [], set()
        for item in items:
            vec, index = self._query_vector(item, normed)
            vectors.append(vec)
            if index is not None:
                rows.add(index)
        return vectors, rows

    def _limit(self, restrict_vocab: int | None) -> int:
        if restrict_vocab is None:
            return len(self)
        if int(restrict_vocab) < 0:
            raise ValueError(f"restrict_vocab must be >= 0, got {restrict_vocab!r}")
        return min(int(restrict_vocab), len(self))

    def _ranked(self, scores: np.ndarray, exclude: set[int], topn: int) -> list[tuple[str, float]]:
        """The `topn` best-scoring rows as (word, score), rows in `exclude` left out."""
        limit = len(scores)
        want = min(topn + len(exclude), limit)
        best = np.argpartition(-scores, want - 1)[:want] if want < limit else np.arange(limit)
        best = best[np.argsort(-scores[best], kind="stable")]
        result = [(self.index_to_key[i], float(scores[i])) for i in best if i not in exclude]
        return result[:topn]

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
        _check_topn(topn)
        normed = self.get_normed_vectors()
        pos, pos_rows = self._query_terms(positive, normed)
        neg, neg_rows = self._query_terms(negative, normed)
        mean = np.mean(pos + [-v for v in neg], axis=0)
        norm = np.linalg.norm(mean)
        if norm > 0:
            mean = mean / norm
        sims = normed[: self._limit(restrict_vocab)] @ mean.astype(np.float32)
        return self._ranked(sims, pos_rows | neg_rows, topn)

    def most_similar_cosmul(
        self,
        positive: Query | Sequence[Query] | None = None,
        negative: Query | Sequence[Query] | None = None,
        topn: int = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """The `topn` words maximising 3CosMul (Levy & Goldberg 2014, eq. 4), query words
        excluded.

        With cosines shifted to [0, 1] (their footnote 7), ``s(w, x) = (1 + cos(w, x)) / 2``,
        a word w scores ``prod_p s(w, p) / (prod_n s(w, n) + 1e-6)`` over the positive and
        negative terms; with b, c positive and a negative this solves a:b :: c:? less
        dominated by one large similarity than 3CosAdd.

        Parameters
        ----------
        positive, negative : str, numpy.ndarray or a list of them
            Query words and/or vectors (vectors are scaled to unit length; gensim uses them
            as given).
        topn : int
            How many words to return.
        restrict_vocab : int, optional
            Search only the first `restrict_vocab` words (gensim 4.4 ignores this argument
            in most_similar_cosmul; pyw2v honours it).

        Returns
        -------
        list of (str, float)
            Words and scores, best first.
        """
        positive = _as_list(positive)
        negative = _as_list(negative)
        if not positive:
            raise ValueError("most_similar_cosmul needs at least one positive word")
        _check_topn(topn)
        normed = self.get_normed_vectors()
        pos, pos_rows = self._query_terms(positive, normed)
        neg, neg_rows = self._query_terms(negative, normed)
        cosines = normed[: self._limit(restrict_vocab)] @ np.stack(pos + neg).T
        scores = cosmul(list(cosines.T[: len(pos)]), list(cosines.T[len(pos) :]))
        return self._ranked(scores, pos_rows | neg_rows, topn)

    def most_similar_batch(
        self,
        queries: Sequence[Query] | np.ndarray,
        topn: int = 10,
        restrict_vocab: int | None = None,
    ) -> list[list[tuple[str, float]]]:
        """`most_similar` for many single-word (or single-vector) queries at once.

        All queries are scored by one matrix product (in blocks that bound memory); each
        query word is left out of its own results.

        Parameters
        ----------
        queries : sequence of str / (vector_size,) arrays, or a 2-d array
            One query per word, vector or matrix row.
        topn : int
            Neighbours per query.
        restrict_vocab : int, optional
            Search only the first `restrict_vocab` words.

        Returns
        -------
        list of list of (str, float)
            For each query, its neighbours best first.
        """
        _check_topn(topn)
        is_matrix = isinstance(queries, np.ndarray) and queries.ndim == 2
        items = list(queries) if is_matrix else _as_list(queries)
        normed = self.get_normed_vectors()
        pairs = [self._query_vector(item, normed) for item in items]
        candidates = normed[: self._limit(restrict_vocab)]
        step = chunk_rows(len(candidates))
        results: list[list[tuple[str, float]]] = []
        for start in range(0, len(pairs), step):
            results.extend(self._batch_block(pairs[start : start + step], candidates, topn))
        return results

    def _batch_block(
        self,
        pairs: list[tuple[np.ndarray, int | None]],
        candidates: np.ndarray,
        topn: int,
    ) -> list[list[tuple[str, float]]]:
        sims = np.stack([vec for vec, _ in pairs]) @ candidates.T
        for row, (_, own) in enumerate(pairs):
            if own is not None and own < len(candidates):
                sims[row, own] = -np.inf
        top = top_k_rows(sims, topn)
        top_sims = np.take_along_axis(sims, top, axis=1)
        return [
            [
                (self.index_to_key[i], float(s))
                for i, s in zip(idx, row_sims, strict=True)
                if s > -np.inf
            ]
            for idx, row_sims in zip(top.tolist(), top_sims.tolist(), strict=True)
        ]

    def similar_by_word(
        self, word: Key, topn: int = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]]:
        """The `topn` nearest neighbours of `word` (itself excluded)."""
        return self.most_similar(positive=[word], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_vector(
        self, vector: np.ndarray, topn: int = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]]:
        """The `topn` words closest by cosine to `vector` (no word is excluded)."""
        vector = np.asarray(vector)
        if vector.ndim != 1:
            raise ValueError(f"similar_by_vector needs a 1-d vector, got shape {vector.shape}")
        return self.most_similar(positive=[vector], topn=topn, restrict_vocab=restrict_vocab)

    def evaluate_word_analogies(
        self,
        analogies: str | os.PathLike[str],
        restrict_vocab: int | None = 30000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
        method: str = "3cosadd",
    ) -> tuple[float, list[Section]]:
        """Accuracy on an analogy file (questions-words.txt format); gensim's conventions.

        See :func:`pyw2v.evaluate.evaluate_word_analogies`.
        """
        from pyw2v import evaluate

        return evaluate.evaluate_word_analogies(
            self, analogies, restrict_vocab, case_insensitive, dummy4unknown, method
        )

    def evaluate_word_pairs(
        self,
        pairs: str | os.PathLike[str],
        delimiter: str = "\t",
        encoding: str = "utf8",
        restrict_vocab: int | None = 300000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
    ) -> tuple[CorrelationResult, CorrelationResult, float]:
        """Pearson and Spearman correlations with human similarity scores, and the
        percentage of pairs with an unknown word; gensim's conventions.

        See :func:`pyw2v.evaluate.evaluate_word_pairs`.
        """
        from pyw2v import evaluate

        return evaluate.evaluate_word_pairs(
            self, pairs, delimiter, encoding, restrict_vocab, case_insensitive, dummy4unknown
        )

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

    @classmethod
    def load(cls, path: str | os.PathLike[str], mmap: str | None = None) -> KeyedVectors:
        """Reads the vectors saved by gensim 4's KeyedVectors.save, or the wv of a model
        saved by its Word2Vec.save (see pyw2v.gensim_convert; `mmap`, np.load's mode,
        applies to the arrays gensim stores beside a large model)."""
        from pyw2v import gensim_convert

        if gensim_convert.is_gensim_file(path):
            return gensim_convert.load_keyed_vectors(path, mmap)
        raise ValueError(
            f"{os.fspath(path)!r} is not a file of gensim's KeyedVectors.save or "
            "Word2Vec.save (word2vec.c files: use load_word2vec_format)"
        )


def cosmul(positive: Sequence[np.ndarray], negative: Sequence[np.ndarray]) -> np.ndarray:
    """3CosMul scores from cosine arrays: ``prod (1+pos)/2 / (prod (1+neg)/2 + 1e-6)``.

    Parameters
    ----------
    positive, negative : sequence of numpy.ndarray
        Cosines of every candidate with each positive / negative term (same shapes).

    Returns
    -------
    numpy.ndarray
        One score per candidate, larger is better.
    """
    numerator = _shifted_product(positive)
    if not negative:
        return numerator / (1.0 + COSMUL_EPSILON)
    denominator = _shifted_product(negative)
    denominator += COSMUL_EPSILON
    numerator /= denominator
    return numerator


def _shifted_product(cosines: Sequence[np.ndarray]) -> np.ndarray:
    """prod (1 + cos) / 2, in place on one new array (the score matrices can be large)."""
    product = np.add(cosines[0], 1)
    product *= 0.5
    for cos in cosines[1:]:
        product *= (1 + cos) / 2
    return product


def top_k_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the `k` largest scores of each row, best first (equal scores in
    column order).

    Parameters
    ----------
    scores : numpy.ndarray
        (n_rows, n_cols) scores.
    k : int
        How many per row (at most n_cols are returned).

    Returns
    -------
    numpy.ndarray
        (n_rows, min(k, n_cols)) int64 column indices.
    """
    k = min(k, scores.shape[1])
    if k == 0 or k > FEW_BEST:
        return _top_k_sorted(scores, k)
    picked = _top_k_argmax(scores, k)
    # argmax may repeat a column once a row has only -inf left: redo such rows by sorting
    short = np.take_along_axis(scores, picked[:, -1:], axis=1)[:, 0] == -np.inf
    if short.any():
        picked[short] = _top_k_sorted(scores[short], k)
    return picked


def _top_k_argmax(scores: np.ndarray, k: int) -> np.ndarray:
    """k passes of argmax (the first maximum wins), each best taken out: for small k,
    several times faster than argpartition."""
    remaining = scores.copy()
    rows = np.arange(len(scores))
    picked = np.empty((len(scores), k), dtype=np.int64)
    for rank in range(k):
        picked[:, rank] = remaining.argmax(axis=1)
        remaining[rows, picked[:, rank]] = -np.inf
    return picked


def _top_k_sorted(scores: np.ndarray, k: int) -> np.ndarray:
    n_rows, n_cols = scores.shape
    if k == 0:
        return np.empty((n_rows, 0), dtype=np.int64)
    if k < n_cols:
        picked = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    else:
        picked = np.broadcast_to(np.arange(n_cols), (n_rows, n_cols)).copy()
    picked.sort(axis=1)
    order = np.argsort(-np.take_along_axis(scores, picked, axis=1), axis=1, kind="stable")
    return np.take_along_axis(picked, order, axis=1)


def chunk_rows(n_cols: int, matrices: int = 1, most: int = 1024) -> int:
    """How many queries to score per block so that `matrices` score matrices of
    (block, n_cols) stay within SCORE_BUDGET entries (at least 1, at most `most`)."""
    return int(max(1, min(most, SCORE_BUDGET // max(1, n_cols * matrices))))


def _index(words: list[str]) -> dict[str, int]:
    return dict(zip(words, range(len(words)), strict=True))


def _unit(vec: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(vec)
    return vec / norm if norm > 0 else vec


def _check_topn(topn: object) -> None:
    if isinstance(topn, bool) or not isinstance(topn, numbers.Integral) or topn <= 0:
        raise ValueError(f"topn must be a positive integer, got {topn!r}")


def _as_list(items: Query | Sequence[Query] | None) -> list[Query]:
    if items is None:
        return []
    if isinstance(items, str) or (isinstance(items, np.ndarray) and items.ndim == 1):
        return [items]
    return list(items)


def _as_row_contiguous(vectors: np.ndarray) -> np.ndarray:
    """`vectors` itself if it is a float32 matrix with contiguous rows, else a copy."""
    vectors = np.asarray(vectors)
    if (
        vectors.dtype == np.float32
        and vectors.ndim == 2
        and vectors.strides[1] == 4
        and vectors.strides[0] >= 4 * vectors.shape[1]
    ):
        return vectors
    return np.ascontiguousarray(vectors, dtype=np.float32)
