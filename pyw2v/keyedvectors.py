"""Word vectors with lookups and cosine-similarity queries (gensim's KeyedVectors shape)."""

from __future__ import annotations

import logging
import numbers
import os
from collections.abc import Iterable, Sequence
from typing import Any, cast, overload

import numpy as np

from pyw2v import evaluate, formats, wmd
from pyw2v.evaluate import CorrelationResult, Section
from pyw2v.ranking import COSMUL_EPSILON, chunk_rows, restrict_limit, top_k, top_k_rows

Key = str
Query = Key | np.ndarray
# a query term of most_similar: a word or vector, or (word or vector, weight)
Term = Query | tuple[Query, float]

logger = logging.getLogger(__name__)

FLOAT_TYPES = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))
# a query vector whose length differs from 1 by no more than this is used as given
UNIT_TOLERANCE = 1e-6
KIND = "keyedvectors"  # the "kind" of native files written by KeyedVectors.save


class EmptyQueryError(ValueError, ZeroDivisionError):
    """A similarity of word lists was asked with an empty list (a ZeroDivisionError
    too, as gensim raises for n_similarity)."""


class KeyedVectors:
    """A vocabulary and one vector per word.

    Two ways to make one:

    - ``KeyedVectors(vectors, index_to_key)``: a (len(index_to_key), vector_size) array
      and the word of each row. The array becomes float32 and is kept, not copied, when
      it already is float32 with contiguous rows (training writes into it; its rows may
      be padded, see pyw2v.memory).
    - ``KeyedVectors(vector_size, count=0, dtype=np.float32)`` (gensim's): empty, words
      to be added by add_vector / add_vectors / ``kv[key] = vector``; `count` rows are
      reserved for add_vector, `dtype` is float16, float32 or float64.

    Attributes
    ----------
    expandos : dict of str to numpy.ndarray
        Per-word attributes, one entry per row (gensim's name): a Word2Vec sets
        ``count`` and, with hierarchical softmax, ``code`` and ``point`` (each word's
        Huffman code bits and inner nodes, root first); vectors read from a word2vec
        file get gensim's made-up ``count`` (descending from the number of words) unless
        a vocabulary file gives the real ones. See get_vecattr.

    Notes
    -----
    Norms are cached for queries and tagged with a version that every change of the
    vectors made through this class (add_vectors, ``kv[key] = v``, unit_normalize_all,
    assigning ``kv.vectors``, ``fill_norms(force=True)``, reset_norms, which training
    calls at each epoch end) increments: a cache computed from vectors that then
    changed is never used, even if a query in another thread stores it afterwards.
    After writing into ``kv.vectors`` in place, call ``kv.reset_norms()``.
    """

    @overload
    def __init__(self, vector_size: np.ndarray, count: Sequence[str]) -> None: ...

    @overload
    def __init__(self, vector_size: int, count: int = 0, dtype: Any = np.float32) -> None: ...

    def __init__(
        self,
        vector_size: int | np.ndarray,
        count: int | Sequence[str] = 0,
        dtype: Any = np.float32,
    ) -> None:
        self._version = 0
        self._norm_cache: tuple[int, np.ndarray, np.ndarray] | None = None
        self._spare: np.ndarray | None = None  # rows reserved by count, see add_vector
        self.expandos: dict[str, np.ndarray] = {}
        if isinstance(vector_size, numbers.Integral) and not isinstance(vector_size, bool):
            if isinstance(count, bool) or not isinstance(count, numbers.Integral) or count < 0:
                raise ValueError(f"count must be an integer >= 0, got {count!r}")
            if vector_size < 1:
                raise ValueError(f"vector_size must be >= 1, got {vector_size!r}")
            dtype = _float_type(dtype)
            if count:
                self._spare = np.zeros((int(count), int(vector_size)), dtype=dtype)
            self.vectors = np.zeros((0, int(vector_size)), dtype=dtype)
            self.index_to_key: list[str] = []
            self._key_to_index: dict[str, int] | None = {}
            return
        if isinstance(count, (numbers.Integral, str, bytes)):
            raise TypeError(
                "KeyedVectors(vectors, index_to_key) needs the list of words, or use "
                "KeyedVectors(vector_size, count) for an empty one"
            )
        words = list(cast(Iterable[str], count))
        vectors = _as_row_contiguous(vector_size, dtype)
        if vectors.ndim != 2:
            raise ValueError(f"vectors must be 2-d, got shape {vectors.shape}")
        if vectors.shape[0] != len(words):
            raise ValueError(f"{vectors.shape[0]} vectors for {len(words)} words")
        self.vectors = vectors
        self.index_to_key = words
        self._key_to_index = _index(self.index_to_key)
        if len(self._key_to_index) != len(self.index_to_key):
            raise ValueError("index_to_key holds a word twice")

    @classmethod
    def _from_distinct(cls, vectors: np.ndarray, index_to_key: list[str]) -> KeyedVectors:
        """For callers that know the words are distinct and that there is one row of
        `vectors` per word (the file loaders): vectors and list are kept as given and
        key_to_index is only built when first used."""
        kv = cls.__new__(cls)
        kv._version = 0
        kv._norm_cache = None
        kv._spare = None
        kv.expandos = {}
        kv.vectors = vectors
        kv.index_to_key = index_to_key
        kv._key_to_index = None
        return kv

    @property
    def vectors(self) -> np.ndarray:
        """The (len(self), vector_size) matrix. Assigning it marks the vectors as changed
        (the cached norms are dropped)."""
        return self._vectors

    @vectors.setter
    def vectors(self, value: np.ndarray) -> None:
        self._vectors = value
        self.reset_norms()

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
        try:
            return key in self.key_to_index
        except TypeError:  # unhashable
            return False

    def __getitem__(self, key: Key | Iterable[Key]) -> np.ndarray:
        if isinstance(key, str):
            return self.get_vector(key)
        return np.stack([self.get_vector(k) for k in key])

    def __setitem__(self, keys: Key | Sequence[Key], weights: Any) -> None:
        """``kv[key] = vector`` or ``kv[list_of_keys] = rows``: adds the new keys and
        replaces the vectors of known ones (gensim's add_vectors with replace=True)."""
        self.add_vectors(keys, weights, replace=True)

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
        return np.array(self.vectors[index])

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

    # ------------------------------------------------------------ adding and changing

    def add_vector(self, key: Key, vector: Any) -> int:
        """Adds one word and its vector; returns its row. A word already present keeps
        its vector (as add_vectors without replace) and its row is returned.

        Rows reserved by ``KeyedVectors(vector_size, count)`` are filled first; beyond
        them the matrix grows by half its size at a time, so adding n words one by one
        copies O(n) rows, not O(n^2).
        """
        if key in self:
            return self.get_index(key)
        self._append([key], self._rows(vector, 1), {}, grow=True)
        return len(self) - 1

    def add_vectors(
        self,
        keys: Key | Sequence[Key],
        weights: Any,
        extras: dict[str, Any] | None = None,
        replace: bool = False,
    ) -> None:
        """Adds words and their vectors (gensim's API).

        Parameters
        ----------
        keys : str or sequence of str
            One word, or several (each at most once).
        weights : array-like
            Its vector, or one row per word: (len(keys), vector_size); converted to the
            vectors' type. NaN and infinite values are refused.
        extras : dict of str to array-like, optional
            Per-word attributes (see get_vecattr), one value per word; attributes not
            given are 0 for the new words.
        replace : bool
            Whether words already present get the new vectors (and extras); by default
            they keep theirs.

        Raises
        ------
        ValueError
            If the shapes do not match, a word is repeated or is not a non-empty str, or
            a vector is not finite.
        """
        keys = [keys] if isinstance(keys, str) else list(keys)
        rows = self._rows(weights, len(keys))
        if not all(isinstance(k, str) and k for k in keys):
            bad = next(k for k in keys if not isinstance(k, str) or not k)
            raise ValueError(f"keys must be non-empty str, got {bad!r}")
        if len(set(keys)) != len(keys):
            raise ValueError("keys holds a word twice")
        extra = {
            name: np.asarray(values).reshape(len(keys)) for name, values in (extras or {}).items()
        }
        known = np.array([k in self for k in keys], dtype=bool)
        if replace and known.any():
            index = [self.get_index(k) for k, present in zip(keys, known, strict=True) if present]
            if not self.vectors.flags.writeable:  # e.g. mapped read-only: copy it first
                self._vectors = np.array(self.vectors)
            self.vectors[index] = rows[known]
            for name, values in extra.items():
                self._attribute(name, values.dtype)[index] = values[known]
            self.reset_norms()
        new = ~known
        if new.any():
            self._append(
                [k for k, n in zip(keys, new, strict=True) if n],
                rows[new],
                {name: values[new] for name, values in extra.items()},
                grow=False,
            )

    def _rows(self, weights: Any, n: int) -> np.ndarray:
        """`weights` as an (n, vector_size) array of the vectors' type; ValueError if the
        shape does not fit or a value is not finite."""
        rows = np.asarray(weights)
        if rows.dtype.kind not in "fiub":
            raise ValueError(f"vectors must be numbers, got dtype {rows.dtype}")
        if rows.size != n * self.vector_size or (rows.ndim == 2 and rows.shape[0] != n):
            raise ValueError(
                f"{n} words need {n} vectors of size {self.vector_size}, got shape {rows.shape}"
            )
        rows = rows.reshape(n, self.vector_size)
        if not np.isfinite(rows).all():
            raise ValueError("vectors to add hold NaN or infinite values")
        return rows.astype(self.vectors.dtype, copy=False)

    def _attribute(self, name: str, dtype: np.dtype) -> np.ndarray:
        if name not in self.expandos:
            self.expandos[name] = np.zeros(len(self), dtype=dtype)
        return self.expandos[name]

    def _append(
        self, keys: list[str], rows: np.ndarray, extra: dict[str, np.ndarray], grow: bool
    ) -> None:
        """Appends new distinct words: their rows go into reserved spare rows if there is
        room, else into a new matrix (with spare rows if `grow`)."""
        n, m = len(self), len(keys)
        spare = self._spare
        if spare is None or spare.shape[0] < n + m or spare.dtype != self.vectors.dtype:
            capacity = max(n + m, n + n // 2) if grow else n + m
            spare = np.empty((capacity, self.vector_size), dtype=self.vectors.dtype)
            spare[:n] = self.vectors
        spare[n : n + m] = rows
        for name in set(self.expandos) | set(extra):
            values = extra.get(name)
            old = self._attribute(name, values.dtype if values is not None else np.dtype(int))
            grown = np.zeros(n + m, dtype=old.dtype)
            grown[:n] = old
            if values is not None:
                grown[n:] = values
            self.expandos[name] = grown
        key_to_index = self.key_to_index
        for i, key in enumerate(keys, start=n):
            key_to_index[key] = i
        self.index_to_key.extend(keys)
        self._spare = spare if spare.shape[0] > n + m else None
        self.vectors = spare[: n + m]

    def vectors_for_all(
        self, keys: Iterable[Key], allow_inference: bool = True, copy_vecattrs: bool = False
    ) -> KeyedVectors:
        """New KeyedVectors holding the given words that are in this one (each once, in
        the order given; unknown words are skipped: pyw2v infers no vectors, so
        `allow_inference` changes nothing).

        As in gensim, the result's ``count`` attribute is made up (descending from the
        number of words) unless `copy_vecattrs`, which copies every attribute.
        """
        vocab: list[str] = []
        seen: set[str] = set()
        for key in keys:
            if key not in seen and key in self:
                seen.add(key)
                vocab.append(key)
        rows = [self.key_to_index[k] for k in vocab]
        kv = KeyedVectors._from_distinct(self.vectors[rows], vocab)
        kv.expandos["count"] = np.arange(len(vocab), 0, -1, dtype=np.int64)
        if copy_vecattrs:
            kv.expandos.update({name: values[rows] for name, values in self.expandos.items()})
        return kv

    def unit_normalize_all(self) -> None:
        """Scales every vector to unit length (zero vectors stay zero), in place when the
        matrix is writable. Training cannot sensibly go on afterwards."""
        normed = self.get_normed_vectors().astype(self.vectors.dtype, copy=False)
        if self.vectors.flags.writeable:
            self.vectors[...] = normed
            self.reset_norms()
        else:
            self.vectors = np.array(normed)

    # ------------------------------------------------------------ norms

    def reset_norms(self) -> None:
        """Marks the vectors as changed: cached norms are not used any more (they are
        recomputed at the next query). Training calls this at the end of each epoch."""
        self._version += 1
        self._norm_cache = None

    def fill_norms(self, force: bool = False) -> None:
        """Caches the L2 norm of every row and the unit-length rows; with `force`, first
        marks the vectors as changed (after writing into ``vectors`` in place)."""
        if force:
            self.reset_norms()
        self._norm_state()

    def _norm_state(self) -> tuple[np.ndarray, np.ndarray]:
        """The cached norms and unit rows, recomputed if the vectors changed since. The
        version is read before the vectors: if they change during the computation, the
        result is stored under the older version and not used again."""
        version = self._version
        cache = self._norm_cache
        if cache is not None and cache[0] == version:
            return cache[1], cache[2]
        vectors = self.vectors
        work = vectors if vectors.dtype != np.float16 else vectors.astype(np.float32)
        norms = np.linalg.norm(work, axis=1)
        safe = np.where(norms > 0, norms, 1.0).astype(work.dtype)
        normed = work / safe[:, None]
        normed.flags.writeable = False
        norms.flags.writeable = False
        self._norm_cache = (version, norms, normed)
        return norms, normed

    @property
    def norms(self) -> np.ndarray:
        """The L2 norm of each row (cached, read-only)."""
        return self._norm_state()[0]

    def get_normed_vectors(self) -> np.ndarray:
        """All rows scaled to unit length (zero rows stay zero), read-only and cached."""
        return self._norm_state()[1]

    # ------------------------------------------------------------ pairs and lists

    def similarity(self, w1: Key, w2: Key) -> float:
        """Cosine similarity of two words (in double precision); exactly 1.0 for a word
        with itself (0.0 if its vector is zero)."""
        i, j = self.get_index(w1), self.get_index(w2)
        if i == j:
            return 1.0 if np.any(self.vectors[i]) else 0.0
        return _cosine(self.vectors[i], self.vectors[j])

    def distance(self, w1: Key, w2: Key) -> float:
        """Cosine distance of two words: ``1 - similarity(w1, w2)`` (0.0 for a word with
        itself)."""
        return 1.0 - self.similarity(w1, w2)

    def most_similar_to_given(self, key1: Key, keys_list: Sequence[Key]) -> Key:
        """The word of `keys_list` most similar to `key1` (the first of equals)."""
        if not len(keys_list):
            raise ValueError("most_similar_to_given needs a non-empty list of words")
        sims = [self.similarity(key1, key) for key in keys_list]
        return keys_list[int(np.argmax(sims))]

    def relative_cosine_similarity(self, wa: Key, wb: Key, topn: int = 10) -> float:
        """Relative cosine similarity of `wb` to `wa` (Leeuwenberg et al. 2016, eq. 1):
        ``similarity(wa, wb)`` over the sum of the similarities of `wa`'s `topn` nearest
        neighbours. Above 1/topn, wb is closer to wa than an average neighbour."""
        sims = self.similar_by_word(wa, topn)
        if not sims:
            raise ValueError("relative_cosine_similarity needs topn >= 1 and other words")
        return self.similarity(wa, wb) / sum(sim for _, sim in sims)

    def get_mean_vector(
        self,
        keys: Sequence[Query],
        weights: Sequence[float] | np.ndarray | None = None,
        pre_normalize: bool = True,
        post_normalize: bool = False,
        ignore_missing: bool = True,
    ) -> np.ndarray:
        """Weighted mean of the vectors of words (and of vectors given as such), gensim's
        ``sum(w_i v_i) / sum(|w_i|)``.

        Parameters
        ----------
        keys : sequence of str or numpy.ndarray
            Words, or (vector_size,) vectors used as given.
        weights : sequence of float, optional
            One per key; default 1 each.
        pre_normalize : bool
            Scale the words' vectors to unit length first.
        post_normalize : bool
            Scale the mean to unit length.
        ignore_missing : bool
            Leave out unknown words (else KeyError). If none is left, the mean is the
            zero vector (as gensim's), with a logged warning.

        Returns
        -------
        numpy.ndarray
            (vector_size,) array of the vectors' type.
        """
        if not len(keys):
            raise ValueError("get_mean_vector needs at least one key")
        dtype = self.vectors.dtype
        weights = np.ones(len(keys), dtype) if weights is None else np.asarray(weights, dtype)
        if weights.shape != (len(keys),):
            raise ValueError(f"{len(keys)} keys need {len(keys)} weights, got {weights.shape}")
        rows, used = [], []
        for key, weight in zip(keys, weights, strict=True):
            if isinstance(key, np.ndarray):
                rows.append(self._check_vector(key).astype(dtype))
            elif key in self:
                rows.append(self.get_vector(key, norm=pre_normalize).astype(dtype))
            elif not ignore_missing:
                raise KeyError(f"word {key!r} not in vocabulary")
            else:
                continue
            used.append(weight)
        if not rows:
            logger.warning("get_mean_vector: no key is known, the mean is the zero vector")
            return np.zeros(self.vector_size, dtype)
        w = np.array(used, dtype)
        mean = (w[:, None] * np.stack(rows)).sum(axis=0) / np.abs(w).sum()
        if post_normalize:
            mean = _unit(mean).astype(dtype)
        return mean.astype(dtype, copy=False)

    def distances(self, word_or_vector: Query, other_words: Iterable[Key] = ()) -> np.ndarray:
        """Cosine distances from a word or vector to `other_words` (default: every word).

        Parameters
        ----------
        word_or_vector : str or numpy.ndarray
            The word, or a finite (vector_size,) vector.
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

    def wmdistance(
        self, document1: Sequence[Key], document2: Sequence[Key], norm: bool = True
    ) -> float:
        """Word Mover's Distance between two lists of words, as gensim computes it (needs
        the POT package: pip install 'pyw2v[wmd]'); see pyw2v.wmd."""
        return wmd.wmdistance(self, document1, document2, norm)

    def n_similarity(self, ws1: Sequence[Key], ws2: Sequence[Key]) -> float:
        """Cosine similarity of the means of two lists of word vectors (raw, not unit),
        in double precision: for two single words, exactly ``similarity``'s value.

        Raises
        ------
        EmptyQueryError
            (a ValueError and a ZeroDivisionError, as gensim's) if a list is empty.
        KeyError
            If a word is not in the vocabulary.
        """
        if not len(ws1) or not len(ws2):
            raise EmptyQueryError("n_similarity needs two non-empty lists of words")
        means = [self[list(ws)].astype(np.float64).mean(axis=0) for ws in (ws1, ws2)]
        return _cosine(means[0], means[1])

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
        sims = unit @ _unit(unit.mean(axis=0, dtype=np.float64)).astype(unit.dtype)
        return min(zip(sims.tolist(), known, strict=True))[1]

    # ------------------------------------------------------------ nearest neighbours

    def _check_vector(self, item: Any) -> np.ndarray:
        """A query vector as float32; ValueError if its shape is wrong or a value is NaN
        or infinite (it would make every score NaN)."""
        vec = np.asarray(item, dtype=np.float32)
        if vec.shape != (self.vector_size,):
            raise ValueError(
                f"query vectors must have shape ({self.vector_size},), got {vec.shape}"
            )
        if not np.isfinite(vec).all():
            raise ValueError("the query vector holds NaN or infinite values")
        return vec

    def _query_vector(self, item: Query, normed: np.ndarray) -> tuple[np.ndarray, int | None]:
        """The unit vector of a query word (its cached unit row) or of a query vector
        (scaled to unit length unless it already is, to float32 precision), and the
        word's row (None for a vector)."""
        if isinstance(item, str):
            index = self.get_index(item)
            return normed[index], index
        vec = self._check_vector(item)
        norm = float(np.linalg.norm(vec.astype(np.float64)))
        if norm > 0 and abs(norm - 1.0) > UNIT_TOLERANCE:
            vec = vec / np.float32(norm)
        return vec, None

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

    def _ranked(
        self, scores: np.ndarray, exclude: set[int], topn: int | None
    ) -> list[tuple[str, float]] | np.ndarray:
        """The `topn` best-scoring rows as (word, score), rows in `exclude` left out; for
        topn None, `scores` itself (gensim's "all similarities")."""
        if topn is None:
            return scores
        best = top_k(scores, min(topn + len(exclude), len(scores)))
        result = [(self.index_to_key[i], float(scores[i])) for i in best if i not in exclude]
        return result[:topn]

    @overload
    def most_similar(
        self,
        positive: Term | Sequence[Term] | None = None,
        negative: Term | Sequence[Term] | None = None,
        topn: int = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]: ...

    @overload
    def most_similar(
        self,
        positive: Term | Sequence[Term] | None = None,
        negative: Term | Sequence[Term] | None = None,
        *,
        topn: None,
        restrict_vocab: int | None = None,
    ) -> np.ndarray: ...

    def most_similar(
        self,
        positive: Term | Sequence[Term] | None = None,
        negative: Term | Sequence[Term] | None = None,
        topn: int | None = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]] | np.ndarray:
        """The `topn` words closest by cosine to the weighted mean of the unit-length
        `positive` vectors minus the `negative` ones (3CosAdd), excluding the query words.

        Parameters
        ----------
        positive, negative : str, numpy.ndarray, (either, weight), or a list of them
            Query words and/or vectors (scaled to unit length), optionally weighted
            (default weight 1; a negative term's weight is subtracted).
        topn : int or None
            How many words to return (0: none); None returns the similarity of every
            searched word as an array, in row order (gensim's behaviour).
        restrict_vocab : int, optional
            Search only the first `restrict_vocab` words (the most frequent).

        Returns
        -------
        list of (str, float), or numpy.ndarray for topn None
        """
        positives, negatives = _as_list(positive), _as_list(negative)
        if not positives and not negatives:
            raise ValueError("most_similar needs at least one positive or negative word")
        topn = _check_topn(topn)
        normed = self.get_normed_vectors()
        terms = [(t, 1.0) for t in positives] + [(t, -1.0) for t in negatives]
        weighted, rows = [], set()
        for term, sign in terms:
            item, weight = term if isinstance(term, tuple) else (term, 1.0)
            vec, index = self._query_vector(cast(Query, item), normed)
            weighted.append(sign * float(weight) * vec.astype(np.float64))
            if index is not None:
                rows.add(index)
        mean = _unit(np.sum(weighted, axis=0))
        if topn == 0:
            return []
        sims = normed[: restrict_limit(len(self), restrict_vocab)] @ mean.astype(normed.dtype)
        return self._ranked(sims, rows, topn)

    @overload
    def most_similar_cosmul(
        self,
        positive: Query | Sequence[Query] | None = None,
        negative: Query | Sequence[Query] | None = None,
        topn: int = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]: ...

    @overload
    def most_similar_cosmul(
        self,
        positive: Query | Sequence[Query] | None = None,
        negative: Query | Sequence[Query] | None = None,
        *,
        topn: None,
        restrict_vocab: int | None = None,
    ) -> np.ndarray: ...

    def most_similar_cosmul(
        self,
        positive: Query | Sequence[Query] | None = None,
        negative: Query | Sequence[Query] | None = None,
        topn: int | None = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]] | np.ndarray:
        """The `topn` words maximising 3CosMul (Levy & Goldberg 2014, eq. 4), query words
        excluded.

        With cosines shifted to [0, 1] (their footnote 7), ``s(w, x) = (1 + cos(w, x)) / 2``,
        a word w scores ``prod_p s(w, p) / (prod_n s(w, n) + 1e-6)`` over the positive and
        negative terms; with b, c positive and a negative this solves a:b :: c:? less
        dominated by one large similarity than 3CosAdd. Computed as gensim computes it
        (``dot(vectors, term) / norms`` in the vectors' precision), so word queries give
        gensim's numbers.

        Parameters
        ----------
        positive, negative : str, numpy.ndarray or a list of them
            Query words and/or vectors (vectors are scaled to unit length unless they
            already are, to float32 precision; gensim uses them as given).
        topn : int or None
            How many words to return (0: none); None returns every searched word's score
            as an array.
        restrict_vocab : int, optional
            Search only the first `restrict_vocab` words (gensim 4.4 ignores this argument
            in most_similar_cosmul; pyw2v honours it).

        Returns
        -------
        list of (str, float), or numpy.ndarray for topn None
            Words and scores, best first.
        """
        positives = _as_list(positive)
        if not positives:
            raise ValueError("most_similar_cosmul needs at least one positive word")
        topn = _check_topn(topn)
        norms, normed = self._norm_state()
        pos, pos_rows = self._query_terms(cast(list[Query], positives), normed)
        neg, neg_rows = self._query_terms(cast(list[Query], _as_list(negative)), normed)
        if topn == 0:
            return []
        limit = restrict_limit(len(self), restrict_vocab)
        vectors = self.vectors[:limit]
        safe = np.where(norms[:limit] > 0, norms[:limit], 1).astype(norms.dtype)

        def shifted(term: np.ndarray) -> np.ndarray:
            return (1 + (vectors @ term.astype(vectors.dtype)) / safe) / 2

        scores = np.prod([shifted(t) for t in pos], axis=0)
        scores = scores / (np.prod([shifted(t) for t in neg], axis=0) + COSMUL_EPSILON)
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
            Neighbours per query (>= 1).
        restrict_vocab : int, optional
            Search only the first `restrict_vocab` words.

        Returns
        -------
        list of list of (str, float)
            For each query, its neighbours best first.
        """
        if topn is None or not _check_topn(topn):
            raise ValueError(f"most_similar_batch needs topn >= 1, got {topn!r}")
        is_matrix = isinstance(queries, np.ndarray) and queries.ndim == 2
        items = list(queries) if is_matrix else _as_list(queries)
        normed = self.get_normed_vectors()
        pairs = [self._query_vector(cast(Query, item), normed) for item in items]
        candidates = normed[: restrict_limit(len(self), restrict_vocab)]
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
        self, word: Key, topn: int | None = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]] | np.ndarray:
        """The `topn` nearest neighbours of `word` (itself excluded)."""
        return self.most_similar(positive=[word], topn=topn, restrict_vocab=restrict_vocab)

    similar_by_key = similar_by_word

    def similar_by_vector(
        self, vector: np.ndarray, topn: int | None = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]] | np.ndarray:
        """The `topn` words closest by cosine to `vector` (no word is excluded)."""
        vector = np.asarray(vector)
        if vector.ndim != 1:
            raise ValueError(f"similar_by_vector needs a 1-d vector, got shape {vector.shape}")
        return self.most_similar(positive=[vector], topn=topn, restrict_vocab=restrict_vocab)

    # ------------------------------------------------------------ evaluation

    def evaluate_word_analogies(
        self,
        analogies: str | os.PathLike[str],
        restrict_vocab: int | None = 30000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
        similarity_function: str | None = None,
        method: str | None = None,
    ) -> tuple[float, list[Section]]:
        """Accuracy on an analogy file (questions-words.txt format); gensim's conventions.

        `similarity_function` is gensim's name for the method: "most_similar" (3CosAdd,
        the default) or "most_similar_cosmul" (3CosMul; gensim 4.4 accepts the argument
        but always uses most_similar); `method` is pyw2v's ("3cosadd" or "3cosmul").
        See :func:`pyw2v.evaluate.evaluate_word_analogies`.
        """
        by_function = {"most_similar": "3cosadd", "most_similar_cosmul": "3cosmul"}
        if similarity_function is not None:
            if similarity_function not in by_function:
                raise ValueError(
                    f"similarity_function must be one of {sorted(by_function)}, "
                    f"got {similarity_function!r}"
                )
            if method is not None and method != by_function[similarity_function]:
                raise ValueError(
                    f"similarity_function={similarity_function!r} contradicts method={method!r}"
                )
            method = by_function[similarity_function]
        return evaluate.evaluate_word_analogies(
            self, analogies, restrict_vocab, case_insensitive, dummy4unknown, method or "3cosadd"
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
        return evaluate.evaluate_word_pairs(
            self, pairs, delimiter, encoding, restrict_vocab, case_insensitive, dummy4unknown
        )

    # ------------------------------------------------------------ files

    def save_word2vec_format(
        self,
        fname: str | os.PathLike[str] | None = None,
        fvocab: str | os.PathLike[str] | None = None,
        binary: bool = False,
        total_vec: int | None = None,
        write_header: bool = True,
        prefix: str = "",
        append: bool = False,
        sort_attr: str | None = "count",
        *,
        path: str | os.PathLike[str] | None = None,
    ) -> None:
        """Writes the word2vec.c text or binary format, atomically (gensim's arguments).

        Parameters
        ----------
        fname : path
            The vectors file (`path=` is pyw2v's earlier name for it).
        fvocab : path, optional
            Also write a vocabulary file: ``word count`` per line (word2vec.c's
            -save-vocab format), the counts being the `sort_attr` attribute.
        binary : bool
            Binary rows (`word ` + float32 values + newline) or text rows.
        total_vec : int, optional
            Only len(self) is supported (gensim writes another count for files to be
            appended to).
        write_header : bool
            Write the first line "V d" (leave it out for GloVe's text format).
        prefix : str
            Written before every word.
        append : bool
            Not supported (a file is replaced atomically, never appended to).
        sort_attr : str or None
            Write the words by descending value of this attribute (stable: equal values
            keep their order), as gensim; if the attribute does not exist, or for None,
            in row order.

        Raises
        ------
        ValueError
            If a word cannot be written (empty or holding whitespace), or `fvocab` is
            given but the `sort_attr` attribute does not exist.
        NotImplementedError
            For `append` or a `total_vec` other than len(self).
        """
        fname = _one_path(fname, path)
        _check_vocab_path(fvocab)
        if append:
            raise NotImplementedError("append=True is not supported: files are replaced atomically")
        if total_vec is not None and total_vec != len(self):
            raise NotImplementedError(f"total_vec must be len(self) = {len(self)}, got {total_vec}")
        order: np.ndarray | None = None
        if sort_attr is not None and sort_attr in self.expandos:
            by_attr = np.argsort(-self.expandos[sort_attr], kind="stable")
            if not np.array_equal(by_attr, np.arange(len(self))):
                order = by_attr
        elif fvocab is not None:
            raise ValueError(f"cannot write a vocabulary file: no attribute {sort_attr!r}")
        words = self.index_to_key if order is None else [self.index_to_key[i] for i in order]
        vectors = self.vectors if order is None else self.vectors[order]
        if prefix:
            words = [prefix + w for w in words]
        if fvocab is not None:
            assert sort_attr is not None
            counts = self.expandos[sort_attr]
            counts = counts if order is None else counts[order]
            formats.save_vocab(dict(zip(words, counts.tolist(), strict=True)), fvocab)
        formats.write_word2vec_format(fname, words, vectors, binary, write_header)

    @classmethod
    def load_word2vec_format(
        cls,
        fname: str | os.PathLike[str] | None = None,
        fvocab: str | os.PathLike[str] | None = None,
        binary: bool = False,
        encoding: str = "utf8",
        unicode_errors: str = "strict",
        limit: int | None = None,
        datatype: Any = np.float32,
        no_header: bool = False,
        *,
        path: str | os.PathLike[str] | None = None,
    ) -> KeyedVectors:
        """Reads the word2vec.c text or binary format (gensim's arguments).

        Parameters
        ----------
        fname : path
            The file; .gz, .bz2 and .xz files are decompressed (recognised by content).
            (`path=` is pyw2v's earlier name for it.)
        fvocab : path, optional
            A vocabulary file (``word count`` per line, word2vec.c's -save-vocab format,
            decoded as the words are): the words' ``count`` attribute. Without it,
            ``count`` is made up as gensim does: len(self) for the first word, one less
            for each next one.
        binary : bool
            Binary rows or text rows.
        encoding, unicode_errors : str
            How words are decoded; gensim's default "strict" refuses a word that is not
            valid in `encoding` (UndecodableWordError, a UnicodeDecodeError). pyw2v.io's
            loader replaces such bytes by U+FFFD by default.
        limit : int, optional
            Read only the first `limit` rows.
        datatype : float16, float32 or float64
            The vectors' type.
        no_header : bool
            A text file without the first line "V d" (GloVe's format).

        Raises
        ------
        TruncatedFileError
            (a ValueError and an EOFError) if the file is shorter than its header says.
        ValueError
            If the file or the vocabulary file is not in the format; see
            :func:`pyw2v.formats.read_word2vec_format`.
        """
        fname = _one_path(fname, path)
        _check_vocab_path(fvocab)
        counts = None
        if fvocab is not None:
            counts = formats.load_vocab(fvocab, encoding, unicode_errors, keep_eos=True)
        words, vectors = formats.read_word2vec_format(
            fname, binary, limit, encoding, unicode_errors, datatype, no_header
        )
        kv = cls._from_distinct(vectors, words)
        if counts is None:
            kv.expandos["count"] = np.arange(len(words), 0, -1, dtype=np.int64)
        else:
            missing = [w for w in words if w not in counts]
            if missing:
                logger.warning(
                    "%s: %d words are not in the vocabulary file %s (count 0), e.g. %r",
                    os.fspath(fname),
                    len(missing),
                    os.fspath(fvocab) if fvocab is not None else "",
                    missing[0],
                )
            kv.expandos["count"] = np.array([counts.get(w, 0) for w in words], dtype=np.int64)
        return kv

    def save(self, fname: str | os.PathLike[str]) -> None:
        """Writes the words, vectors and numeric attributes in pyw2v's native format,
        atomically; the vectors are stored so that ``load(fname, mmap="r")`` can map
        them. Attributes holding Python objects (the Huffman ``code`` and ``point`` of a
        Word2Vec) are not written."""
        arrays = {"vectors": self.vectors}
        for name, values in self.expandos.items():
            if values.dtype.hasobject:
                logger.info("not saving attribute %r (Python objects)", name)
            else:
                arrays["attr_" + name] = values
        header = {"kind": KIND, "index_to_key": self.index_to_key}
        formats.save_native(fname, header, arrays)

    @classmethod
    def load(cls, fname: str | os.PathLike[str], mmap: str | None = None) -> KeyedVectors:
        """Reads a file written by save(), the word vectors (and counts) of a model
        written by Word2Vec.save(), or the files of gensim 4's KeyedVectors.save and
        Word2Vec.save (see pyw2v.gensim_convert).

        Parameters
        ----------
        fname : path
            The file.
        mmap : {None, "r"}
            With "r" the vectors of a pyw2v file are a read-only numpy.memmap of the
            file: nothing is read until used, and processes mapping the same file share
            its pages. Their values are then not checked for NaN (that would read them
            all); changing them (``kv[key] = v``, unit_normalize_all) first copies them
            into memory. For gensim's files, np.load's mode for the arrays gensim stores
            beside a large model.

        Raises
        ------
        ValueError
            If the file is neither a pyw2v file of KeyedVectors or of a Word2Vec model
            nor a gensim file, or is corrupt.
        """
        path = os.fspath(fname)
        if not formats.is_native(path):
            # gensim_convert builds KeyedVectors: imported here, not at module level
            from pyw2v import gensim_convert

            if gensim_convert.is_gensim_file(path):
                return gensim_convert.load_keyed_vectors(path, mmap)
            raise ValueError(
                f"{path!r} is not a file of pyw2v's save() nor of gensim's KeyedVectors.save "
                "or Word2Vec.save (word2vec.c files: use load_word2vec_format)"
            )
        header, arrays = formats.load_native(path, (KIND, "word2vec"), mmap=mmap)
        words = header.get("index_to_key")
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise ValueError(f"{path!r}: invalid vocabulary")
        vectors = arrays.get("vectors")
        if (
            vectors is None
            or vectors.dtype not in FLOAT_TYPES
            or vectors.ndim != 2
            or vectors.shape[0] != len(words)
        ):
            raise ValueError(f"{path!r}: the vectors do not match the vocabulary")
        if mmap is None and not np.isfinite(vectors).all():
            raise ValueError(f"{path!r}: the vectors hold NaN or infinite values")
        if len(set(words)) != len(words):
            raise ValueError(f"{path!r}: the vocabulary holds a word twice")
        kv = cls._from_distinct(vectors, words)
        prefix = "attr_" if header["kind"] == KIND else ""
        names = (
            ["counts"]
            if header["kind"] == "word2vec"
            else [n for n in arrays if n.startswith(prefix)]
        )
        for name in names:
            values = arrays[name]
            if values.shape != (len(words),):
                raise ValueError(f"{path!r}: {name} does not match the vocabulary")
            kv.expandos["count" if name == "counts" else name[len(prefix) :]] = values
        return kv


def _one_path(
    fname: str | os.PathLike[str] | None, path: str | os.PathLike[str] | None
) -> str | os.PathLike[str]:
    """The file named by gensim's `fname` or pyw2v's earlier `path`, given once."""
    if (fname is None) == (path is None):
        raise TypeError("give the file once, as fname (gensim's name) or path")
    return cast("str | os.PathLike[str]", fname if path is None else path)


def _check_vocab_path(fvocab: object) -> None:
    """fvocab is gensim's second positional argument, where pyw2v had `binary`: a bool or
    an int there (which open() would take for a file descriptor) is refused."""
    if isinstance(fvocab, (bool, numbers.Integral)):
        raise TypeError(
            f"fvocab must be a path or None, got {fvocab!r} (pass binary= as a keyword)"
        )


def _float_type(dtype: Any) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype not in FLOAT_TYPES:
        raise ValueError(f"dtype must be float16, float32 or float64, got {dtype}")
    return dtype


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine of two vectors in double precision (0 if one is zero)."""
    return float(_unit(np.asarray(a, np.float64)) @ _unit(np.asarray(b, np.float64)))


def _index(words: list[str]) -> dict[str, int]:
    return dict(zip(words, range(len(words)), strict=True))


def _unit(vec: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(vec)
    return vec / norm if norm > 0 else vec


def _check_topn(topn: object) -> int | None:
    """topn as an int >= 0, or None (all scores); ValueError for anything else."""
    if topn is None:
        return None
    if isinstance(topn, bool) or not isinstance(topn, numbers.Integral) or topn < 0:
        raise ValueError(f"topn must be an integer >= 0 or None, got {topn!r}")
    return int(topn)


def _as_list(items: Term | Sequence[Term] | None) -> list[Term]:
    if items is None:
        return []
    if isinstance(items, str) or (isinstance(items, np.ndarray) and items.ndim == 1):
        return [items]
    if (
        isinstance(items, tuple)
        and len(items) == 2
        and isinstance(items[0], (str, np.ndarray))
        and isinstance(items[1], numbers.Real)
    ):
        return [items]  # one weighted term
    return list(items)


def _as_row_contiguous(vectors: Any, dtype: Any = np.float32) -> np.ndarray:
    """`vectors` itself if it is a matrix of `dtype` with contiguous rows, else a copy."""
    vectors = np.asarray(vectors)
    dtype = _float_type(dtype)
    if (
        vectors.dtype == dtype
        and vectors.ndim == 2
        and vectors.strides[1] == dtype.itemsize
        and vectors.strides[0] >= dtype.itemsize * vectors.shape[1]
    ):
        return vectors
    return np.ascontiguousarray(vectors, dtype=dtype)
