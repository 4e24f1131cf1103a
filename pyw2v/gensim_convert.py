"""gensim 4's Word2Vec and KeyedVectors files as pyw2v objects, without gensim: the file is
read by pyw2v.gensim_pickle (which runs no code from it), then its data is checked and
handed to pyw2v's classes.

A Word2Vec keeps its vocabulary (order and counts), vectors, output weights (syn1neg,
syn1) and hyperparameters, so that queries answer as in gensim and train() continues.
One difference: hierarchical softmax. pyw2v builds its Huffman tree from the counts, as
gensim does, but breaks ties between equal counts differently (word2vec.c's rule), so with
tied counts the two trees differ. Each inner node of pyw2v's tree whose two subtrees hold
the same words as those of a node of gensim's tree takes that node's syn1 row (negated when
the subtrees are swapped: P(w | h) = prod sigma((1 - 2 code) node.h) is unchanged); the
others have no counterpart and start from zero, as in a new model, for continued training
to learn. The word vectors are unaffected.
"""

from __future__ import annotations

import heapq
import logging
import os
from typing import Any

import numpy as np

from pyw2v import _core
from pyw2v.gensim_pickle import (
    GENSIM3,
    KEYED_VECTORS,
    WORD2VEC,
    PathLike,
    Stub,
    is_pickle,
    read_gensim_file,
)
from pyw2v.keyedvectors import KeyedVectors
from pyw2v.memory import zeros_matrix
from pyw2v.params import Params
from pyw2v.vocab import Vocab

logger = logging.getLogger(__name__)

# gensim's Word2Vec attributes that are pyw2v's hyperparameters, with the defaults of the
# gensim versions that lacked them
_REQUIRED = (
    *("vector_size", "alpha", "min_alpha", "window", "min_count", "sample", "seed"),
    *("workers", "negative", "sg", "hs", "epochs", "cbow_mean"),
)
FINITE_CHECK_FLOATS = 1 << 22  # values checked for NaN / infinity at a time
_OPTIONAL = {
    "ns_exponent": 0.75,
    "shrink_windows": True,
    "max_vocab_size": None,
    "max_final_vocab": None,
    "batch_words": 10_000,
}


def is_gensim_file(path: PathLike) -> bool:
    """Whether `path` looks like a file of gensim's save() (a pickle, maybe compressed)."""
    return is_pickle(path)


def load_keyed_vectors(path: PathLike, mmap: str | None = None) -> KeyedVectors:
    """The KeyedVectors saved by gensim's KeyedVectors.save, or the word vectors (wv) of
    a model saved by gensim's Word2Vec.save. Per-word attributes (``count``, ...) are
    kept in ``expandos``. With `mmap` ("r": read-only) the vectors stay in the .npy file
    gensim wrote beside a large model, memory-mapped."""
    path = os.fspath(path)
    obj = _read(path, mmap)
    return _keyed_vectors(path, obj.state.get("wv") if obj.name == WORD2VEC else obj)


def load_word2vec(cls: Any, path: PathLike, mmap: str | None = None) -> Any:
    """A `cls` (pyw2v.Word2Vec) holding the model saved by gensim's Word2Vec.save.

    The model answers queries as gensim's and continues training with train(); see the
    module's docstring for hierarchical softmax. epochs_trained is estimated as gensim's
    train_count x epochs; the training losses are not kept. With `mmap` the weights stay
    memory-mapped in the .npy files beside the model (read-only with "r": queries work,
    train() refuses them)."""
    path = os.fspath(path)
    obj = _read(path, mmap)
    if obj.name != WORD2VEC:
        raise ValueError(
            f"{path!r} holds gensim KeyedVectors (word vectors only), not a Word2Vec model: "
            "read it with KeyedVectors.load"
        )
    return _word2vec(cls, path, obj, mmap)


def load_any(cls: Any, path: PathLike, mmap: str | None = None) -> Any:
    """What gensim's file holds: a `cls` (pyw2v.Word2Vec) for a Word2Vec model, else
    KeyedVectors."""
    path = os.fspath(path)
    obj = _read(path, mmap)
    return _word2vec(cls, path, obj, mmap) if obj.name == WORD2VEC else _keyed_vectors(path, obj)


def _word2vec(cls: Any, path: str, obj: Stub, mmap: str | None) -> Any:
    state = obj.state
    params = _params(path, state)
    kv = _keyed_vectors(path, state.get("wv"))
    words, n = kv.index_to_key, len(kv)
    counts = kv.expandos.get("count")
    if counts is None or (n and int(counts.min()) < 1):
        raise ValueError(f"{path!r}: the model's word counts are missing or below 1")
    if kv.vector_size != params["vector_size"]:
        raise ValueError(
            f"{path!r}: vectors of size {kv.vector_size} in a model of vector_size "
            f"{params['vector_size']}"
        )
    model = cls(
        **params,
        sorted_vocab=bool(state.get("sorted_vocab", 1)),
        comment=state.get("comment") if isinstance(state.get("comment"), str) else None,
        progress=False,
    )
    vectors = kv.vectors
    outputs = {}
    for name in model._output_names():
        if name not in state:
            raise ValueError(f"{path!r}: the model has no {name} (gensim's output weights)")
        outputs[name] = _matrix(path, name, state[name], n, kv.vector_size)
    if "syn1" in outputs and n > 1:
        gensim_tree = _stored_tree(state["wv"].state.get("expandos"), n)
        outputs["syn1"] = syn1_for_pyw2v_tree(path, counts, outputs["syn1"], gensim_tree)
    if mmap is None:  # the training layout (rows padded, huge pages), as Word2Vec.load
        vectors = _training_copy(vectors)
        outputs = {name: _training_copy(m) for name, m in outputs.items()}
    model.vocab = Vocab(list(words), counts)
    model.wv = KeyedVectors(vectors, words)
    model._set_vecattrs()
    for name, matrix in outputs.items():
        setattr(model, name, matrix)
    model.wv.vectors_lockf = _lock_factors(path, state["wv"].state.get("vectors_lockf"), n)
    model.epochs_trained = _count(state.get("train_count")) * params["epochs"]
    model.corpus_stats = {
        "tokens": _count(state.get("corpus_total_words")),
        "sentences": _count(state.get("corpus_count")),
    }
    model.effective_min_count = _count(state.get("effective_min_count")) or params["min_count"]
    # the "effective alpha higher than previous training cycles" warning follows gensim's
    reached = state.get("min_alpha_yet_reached")
    if isinstance(reached, (float, int, np.floating)) and np.isfinite(reached):
        model.min_alpha_yet_reached = float(reached)
    return model


# attributes that gensim 4 renamed or moved (syn0 -> vectors, iter -> epochs, ...)
_BEFORE_4 = frozenset({"vocab", "index2word", "syn0", "iter", "vocabulary", "trainables"})


def _read(path: str, mmap: str | None) -> Stub:
    obj = read_gensim_file(path, mmap)
    wv = obj.state.get("wv")
    states = [obj.state, wv.state if isinstance(wv, Stub) else {}]
    if obj.name in GENSIM3 or any(_BEFORE_4.intersection(state) for state in states):
        raise ValueError(
            f"{path!r} was saved by gensim 3 or earlier; pyw2v reads gensim 4's files: load "
            "it with gensim 4 and save it again"
        )
    return obj


def _params(path: str, state: dict[str, Any]) -> dict[str, Any]:
    missing = [name for name in _REQUIRED if name not in state]
    if missing:
        raise ValueError(f"{path!r}: not a gensim 4 Word2Vec model: no {', '.join(missing)}")
    params = {name: state[name] for name in _REQUIRED}
    params.update({name: state.get(name, default) for name, default in _OPTIONAL.items()})
    try:
        # gensim takes any int as seed (pyw2v's are unsigned 64-bit) and any number of
        # workers (pyw2v's are bounded)
        params["seed"] = int(params["seed"]) % 2**64
        params["workers"] = min(max(int(params["workers"]), 1), _core.MAX_THREADS)
        params["cbow_mean"] = bool(params["cbow_mean"])
        Params(**{k: v for k, v in params.items() if k != "batch_words"})  # validates
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"{path!r}: gensim's hyperparameters do not fit pyw2v: {exc}") from exc
    return params


def _keyed_vectors(path: str, stub: Any) -> KeyedVectors:
    if not isinstance(stub, Stub) or stub.name != KEYED_VECTORS:
        raise ValueError(f"{path!r}: corrupt gensim file: no KeyedVectors where expected")
    state = stub.state
    words = state.get("index_to_key")
    if not isinstance(words, list):
        raise ValueError(f"{path!r}: corrupt gensim file: no index_to_key list")
    bad = next((w for w in words if not isinstance(w, str)), None)
    if bad is not None:
        raise ValueError(f"{path!r}: the key {bad!r} is not a str (pyw2v's keys are words)")
    vectors = _matrix(path, "vectors", state.get("vectors"), len(words), None)
    try:
        kv = KeyedVectors(vectors, words)
    except ValueError as exc:
        raise ValueError(f"{path!r}: {exc}") from exc
    expandos = state.get("expandos", {})
    for name, values in expandos.items() if isinstance(expandos, dict) else ():
        # one entry per row (gensim may allocate rows ahead)
        if isinstance(values, np.ndarray) and values.ndim == 1 and len(values) >= len(words):
            kv.expandos[str(name)] = values[: len(words)]
    if "count" in kv.expandos:
        counts = kv.expandos["count"]
        if counts.dtype.kind not in "iu" or (len(counts) and int(counts.min()) < 0):
            raise ValueError(f"{path!r}: the word counts are not non-negative integers")
        kv.expandos["count"] = counts.astype(np.int64)
    return kv


def _matrix(path: str, name: str, value: Any, rows: int, cols: int | None) -> np.ndarray:
    """A float weight matrix of at least `rows` rows (gensim may allocate rows ahead) and
    `cols` columns, finite; its first `rows` rows as float32 (a view when it is one)."""
    if (
        not isinstance(value, np.ndarray)
        or value.ndim != 2
        or value.dtype.kind != "f"
        or value.shape[0] < rows
        or (cols is not None and value.shape[1] != cols)
    ):
        shape, dtype = getattr(value, "shape", None), getattr(value, "dtype", type(value).__name__)
        expected = f"({rows}, {cols if cols is not None else 'd'})"
        raise ValueError(f"{path!r}: {name} is {dtype} of shape {shape}, expected {expected}")
    matrix = value[:rows]
    if matrix.dtype != np.float32:
        matrix = matrix.astype(np.float32)
    # in blocks: no n x d temporary, and a memory-mapped matrix is read once, a block at a time
    block = max(1, FINITE_CHECK_FLOATS // max(1, matrix.shape[1]))
    if not all(np.isfinite(matrix[i : i + block]).all() for i in range(0, len(matrix), block)):
        raise ValueError(f"{path!r}: {name} holds NaN or infinite values")
    return matrix


def _lock_factors(path: str, lockf: Any, n: int) -> np.ndarray:
    """gensim's wv.vectors_lockf (one factor for all words, or one per word; 0 freezes
    a vector), which pyw2v's training honours too; ones when absent."""
    if lockf is None:
        return np.ones(1, dtype=np.float32)
    if (
        not isinstance(lockf, np.ndarray)
        or lockf.ndim != 1
        or lockf.dtype.kind not in "fiub"
        or not (lockf.size == 1 or lockf.size >= n)
    ):
        shape = getattr(lockf, "shape", type(lockf).__name__)
        raise ValueError(f"{path!r}: vectors_lockf of shape {shape}, expected (1,) or ({n},)")
    factors = np.array(lockf if lockf.size == 1 else lockf[:n], dtype=np.float32)
    if not np.isfinite(factors).all():
        raise ValueError(f"{path!r}: vectors_lockf holds NaN or infinite values")
    return factors


def _training_copy(matrix: np.ndarray) -> np.ndarray:
    copy = zeros_matrix(*matrix.shape)
    copy[:] = matrix
    return copy


def _count(value: Any) -> int:
    return int(value) if isinstance(value, (int, np.integer)) and value > 0 else 0


# ------------------------------------------------------------ hierarchical softmax
#
# A tree is given as pyw2v's core gives it: each word's path, root first, in `points`
# (inner nodes 0..n-2) and `codes` (the bit of each step), word w's at offsets[w]:offsets[w+1].

Tree = tuple[np.ndarray, np.ndarray, np.ndarray]


def gensim_huffman_tree(counts: np.ndarray) -> Tree:
    """The Huffman tree gensim 4 builds (word2vec._build_heap / _assign_binary_codes): a
    heapq heap of the words, the two smallest popped first (left, code 0) and second
    (right, code 1), inner node i created i-th. gensim's heap items compare by count
    only, so ties fall as heapq's operations leave them: the same operations here."""
    n = len(counts)
    heap = [_HeapItem(int(c), i) for i, c in enumerate(counts)]
    heapq.heapify(heap)
    parent = np.zeros(2 * n - 1, dtype=np.int64)
    bit = np.zeros(2 * n - 1, dtype=np.uint8)
    for i in range(n - 1):
        first, second = heapq.heappop(heap), heapq.heappop(heap)
        parent[first.index] = parent[second.index] = n + i
        bit[second.index] = 1
        heapq.heappush(heap, _HeapItem(first.count + second.count, n + i))
    return _paths(parent, bit, n)


class _HeapItem:
    """gensim's Heapitem: ordered by count alone."""

    __slots__ = ("count", "index")

    def __init__(self, count: int, index: int) -> None:
        self.count = count
        self.index = index

    def __lt__(self, other: _HeapItem) -> bool:
        return self.count < other.count


def _paths(parent: np.ndarray, bit: np.ndarray, n: int) -> Tree:
    """Each leaf's path from the root, found by walking all leaves up at once."""
    root = 2 * n - 2
    lengths = np.zeros(n, dtype=np.int64)
    node = np.arange(n)
    while (active := np.flatnonzero(node != root)).size:
        node[active] = parent[node[active]]
        lengths[active] += 1
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    points = np.zeros(offsets[-1], dtype=np.int32)
    codes = np.zeros(offsets[-1], dtype=np.uint8)
    node, end = np.arange(n), offsets[1:] - 1
    while (active := np.flatnonzero(node != root)).size:
        at = node[active]
        points[end[active]] = parent[at] - n
        codes[end[active]] = bit[at]
        end[active] -= 1
        node[active] = parent[at]
    return offsets, points, codes


def _stored_tree(expandos: Any, n: int) -> Tree | None:
    """gensim's tree as its model stored it (the ``code`` and ``point`` of each word), or
    None if they are absent or malformed."""
    if not isinstance(expandos, dict):
        return None
    codes, points = expandos.get("code"), expandos.get("point")
    if not (isinstance(codes, np.ndarray) and isinstance(points, np.ndarray)):
        return None
    if codes.ndim != 1 or points.ndim != 1 or min(len(codes), len(points)) < n:
        return None
    try:
        cs = [np.asarray(c, dtype=np.int64).ravel() for c in codes[:n]]
        ps = [np.asarray(p, dtype=np.int64).ravel() for p in points[:n]]
    except (TypeError, ValueError):
        return None
    if any(len(c) != len(p) or not len(c) for c, p in zip(cs, ps, strict=True)):
        return None
    flat_c, flat_p = np.concatenate(cs), np.concatenate(ps)
    if not (np.isin(flat_c, (0, 1)).all() and flat_p.min() >= 0 and flat_p.max() <= n - 2):
        return None
    offsets = np.concatenate([[0], np.cumsum([len(c) for c in cs])])
    return offsets, flat_p.astype(np.int32), flat_c.astype(np.uint8)


def _node_keys(tree: Tree, leaf_ids: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per inner node: a hash of the words below it (the wrapping sum of their random
    64-bit ids), their number, and the hash of those on its code-0 side."""
    offsets, points, codes = tree
    n = len(leaf_ids)
    ids = np.repeat(leaf_ids, np.diff(offsets))
    below = np.zeros(n - 1, dtype=np.uint64)
    np.add.at(below, points, ids)
    zero_side = np.zeros(n - 1, dtype=np.uint64)
    np.add.at(zero_side, points[codes == 0], ids[codes == 0])
    return below, np.bincount(points, minlength=n - 1), zero_side


def syn1_for_pyw2v_tree(
    path: str, counts: np.ndarray, syn1: np.ndarray, gensim_tree: Tree | None
) -> np.ndarray:
    """gensim's syn1 rearranged for pyw2v's Huffman tree of `counts` (see the module's
    docstring): `syn1` itself when the trees are the same."""
    n = len(counts)
    ours: Tree = _core.huffman_tree(np.asarray(counts, dtype=np.int64))
    theirs = gensim_tree if gensim_tree is not None else gensim_huffman_tree(counts)
    if all(np.array_equal(a, b) for a, b in zip(ours, theirs, strict=True)):
        return syn1
    leaf_ids = np.random.default_rng(0).integers(0, 2**64, size=n, dtype=np.uint64)
    below_g, size_g, zero_g = (a.tolist() for a in _node_keys(theirs, leaf_ids))
    below_p, size_p, zero_p = (a.tolist() for a in _node_keys(ours, leaf_ids))
    index = {key: i for i, key in enumerate(zip(below_g, size_g, strict=True))}
    rearranged = np.zeros_like(syn1)
    kept = 0
    for j, key in enumerate(zip(below_p, size_p, strict=True)):
        i = index.get(key)
        if i is None:
            continue
        if zero_g[i] == zero_p[j]:
            rearranged[j] = syn1[i]
        elif zero_g[i] == (below_p[j] - zero_p[j]) % 2**64:  # the two subtrees swapped
            rearranged[j] = -syn1[i]
        else:
            continue
        kept += 1
    if kept < n - 1:
        logger.warning(
            "%r: %d of the %d inner nodes of gensim's Huffman tree have no counterpart in "
            "pyw2v's (equal counts are tied differently): their hierarchical-softmax "
            "weights start from zero and continued training learns them again (the word "
            "vectors are unaffected)",
            path,
            n - 1 - kept,
            n - 1,
        )
    return rearranged
