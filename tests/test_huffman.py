"""Hierarchical softmax's Huffman tree (csrc/huffman.c through _core.huffman_tree)
against the definitions of docs/theory.md (Section 11): a full binary tree whose leaves are the
words, prefix-free codes with Kraft sum 1, optimal weighted path length, paths from the
root V - 2 over distinct inner nodes, and leaf probabilities that sum to 1."""

import heapq
from fractions import Fraction
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyw2v import _core


def fibonacci(n):
    """1, 1, 2, 3, 5, ...: every merge takes the previous inner node, so the tree is a
    chain and the two rarest words sit at depth n - 1 (deeper than word2vec.c's limit
    of 40). n = 90 keeps the total, F(92) - 1, inside int64."""
    out = [1, 1]
    while len(out) < n:
        out.append(out[-1] + out[-2])
    return out[:n]


COUNT_VECTORS = {
    "zipf": [1_000_000 // r for r in range(1, 501)],
    "equal": [7] * 64,
    "equal_not_power_of_two": [3] * 37,
    "two": [5, 2],
    "two_equal": [4, 4],
    "unsorted": [3, 90, 1, 1, 27, 8, 500, 2, 8, 60],
    "fibonacci": fibonacci(90),
    "fibonacci_shuffled": list(np.random.default_rng(0).permutation(fibonacci(40))),
    "huge_counts": [2**61, 2**60, 3, 1],
}


def paths(counts):
    """Each word's (points, codes) from the core, root first."""
    offsets, points, codes = _core.huffman_tree(counts)
    assert offsets.shape == (len(counts) + 1,)
    assert offsets[0] == 0 and np.all(np.diff(offsets) >= 0)
    assert len(points) == len(codes) == offsets[-1]
    return [
        (points[offsets[w] : offsets[w + 1]].tolist(), codes[offsets[w] : offsets[w + 1]].tolist())
        for w in range(len(counts))
    ]


def reference_lengths(counts):
    """Code lengths of a Huffman code built with a heap (ties broken arbitrarily: the
    lengths may differ from the core's, the weighted total may not)."""
    heap = [(c, w, [w]) for w, c in enumerate(counts)]
    heapq.heapify(heap)
    depth = [0] * len(counts)
    tiebreak = len(counts)
    while len(heap) > 1:
        c1, _, leaves1 = heapq.heappop(heap)
        c2, _, leaves2 = heapq.heappop(heap)
        for w in leaves1 + leaves2:
            depth[w] += 1
        heapq.heappush(heap, (c1 + c2, tiebreak, leaves1 + leaves2))
        tiebreak += 1
    return depth


def word2vec_c_tree(counts):
    """A port of word2vec.c's CreateBinaryTree on the words sorted by descending count
    (equal counts in vocabulary order), mapped back to the given word order: the core
    promises the same tree, ties included."""
    v = len(counts)
    order = sorted(range(v), key=lambda w: (-counts[w], w))
    count = [counts[w] for w in order] + [float("inf")] * v  # inf: node not made yet
    parent = [0] * (2 * v)
    binary = [0] * (2 * v)
    pos1, pos2 = v - 1, v
    for a in range(v - 1):
        picks = []
        for _ in range(2):
            if pos1 >= 0 and count[pos1] < count[pos2]:
                picks.append(pos1)
                pos1 -= 1
            else:
                picks.append(pos2)
                pos2 += 1
        count[v + a] = count[picks[0]] + count[picks[1]]
        parent[picks[0]] = parent[picks[1]] = v + a
        binary[picks[1]] = 1
    out = [None] * v
    for a in range(v):
        points, codes = [], []
        b = a
        while b != 2 * v - 2:
            codes.append(binary[b])
            points.append(parent[b] - v)
            b = parent[b]
        out[order[a]] = (points[::-1], codes[::-1])
    return out


def check_tree(counts):
    """Every structural property of docs/theory.md's tree; returns the paths."""
    v = len(counts)
    got = paths(counts)
    lengths = [len(p) for p, _ in got]
    if v == 1:
        assert got == [([], [])]
        return got
    root = v - 2
    # every path starts at the root and visits distinct inner nodes 0..V-2
    for points, codes in got:
        assert points and points[0] == root
        assert len(set(points)) == len(points)
        assert all(0 <= p <= root for p in points)
        assert set(codes) <= {0, 1}
    # one tree: (inner node, branch) leads to the same child in every path, and every
    # inner node has one parent (the root none)
    child, parent = {}, {}
    for w, (points, codes) in enumerate(got):
        nexts = [("inner", p) for p in points[1:]] + [("leaf", w)]
        for node, code, nxt in zip(points, codes, nexts, strict=True):
            assert child.setdefault((node, code), nxt) == nxt
            if nxt[0] == "inner":
                assert parent.setdefault(nxt[1], node) == node
    # a full binary tree with V leaves: V - 1 inner nodes, each with both branches
    assert set(child) == {(node, code) for node in range(v - 1) for code in (0, 1)}
    assert set(parent) == set(range(v - 1)) - {root}
    # prefix-free: in sorted order a code that is a prefix of another is a prefix of
    # its successor; all V codes distinct
    words = sorted("".join(map(str, codes)) for _, codes in got)
    assert len(set(words)) == v
    assert not any(b.startswith(a) for a, b in pairwise(words))
    # Kraft's sum, exactly: a prefix code of a full binary tree has sum 1
    assert sum(Fraction(1, 2**n) for n in lengths) == 1
    # optimal: the weighted length of any Huffman code (it is unique, trees are not)
    weighted = sum(c * n for c, n in zip(counts, lengths, strict=True))
    assert weighted == sum(c * n for c, n in zip(counts, reference_lengths(counts), strict=True))
    return got


@pytest.mark.parametrize("name", sorted(COUNT_VECTORS))
def test_tree_structure(name):
    check_tree([int(c) for c in COUNT_VECTORS[name]])


@pytest.mark.parametrize("name", sorted(COUNT_VECTORS))
def test_tree_is_word2vec_c_tree(name):
    counts = [int(c) for c in COUNT_VECTORS[name]]
    assert paths(counts) == word2vec_c_tree(counts)


def test_known_small_tree():
    # 1 + 2 = 3 (node 0); 3 (leaf) ties node 0: the inner node is taken first, so node 1
    # = node 0 + leaf 3 (code 1); node 2 = leaf 5 (code 0) + node 1 (code 1), the root
    assert paths([5, 3, 2, 1]) == [
        ([2], [0]),
        ([2, 1], [1, 1]),
        ([2, 1, 0], [1, 0, 1]),
        ([2, 1, 0], [1, 0, 0]),
    ]


def test_equal_counts_give_a_balanced_tree():
    got = paths([7] * 64)
    assert {len(p) for p, _ in got} == {6}
    got = paths([3] * 37)  # 37 = 32 + 5: 27 words at depth 5, 10 at depth 6
    assert sorted(len(p) for p, _ in got) == [5] * 27 + [6] * 10


def test_fibonacci_counts_make_a_chain():
    counts = fibonacci(90)
    lengths = [len(p) for p, _ in paths(counts)]
    # the most frequent word at depth 1, then 2, 3, ..., the two rarest at depth 89
    assert lengths == [89, 89] + list(range(88, 0, -1))


def test_inner_nodes_are_numbered_in_creation_order():
    """A parent is made after its children, so along a path from the root the node
    numbers decrease (huffman.c and word2vec.c number inner nodes as they make them)."""
    for counts in COUNT_VECTORS.values():
        for points, _ in paths([int(c) for c in counts]):
            assert all(a > b for a, b in pairwise(points))


@pytest.mark.parametrize("name", sorted(COUNT_VECTORS))
def test_leaf_probabilities_sum_to_one(name):
    """P(w | h) = prod over w's path of sigma((1 - 2 code) node.h) is a distribution
    over the vocabulary for any node vectors and any h (docs/theory.md)."""
    counts = [int(c) for c in COUNT_VECTORS[name]]
    got = paths(counts)
    rng = np.random.default_rng(len(counts))
    nodes = rng.normal(0.0, 1.0, size=(len(counts) - 1, 8))
    h = rng.normal(0.0, 1.0, size=8)
    x = nodes @ h
    probs = []
    for points, codes in got:
        signs = 1.0 - 2.0 * np.array(codes, dtype=np.float64)
        probs.append(np.prod(1.0 / (1.0 + np.exp(-signs * x[points]))))
    # each P is a product of <= 89 factors each with relative error ~1e-16, the sum over
    # <= 500 words adds ~1e-14: 1e-9 is safe, while one wrong code bit moves the sum by
    # sigma(x) - sigma(-x) times a path probability, far more than 1e-9 here
    assert sum(probs) == pytest.approx(1.0, abs=1e-9)
    assert min(probs) > 0.0


@pytest.mark.parametrize("name", ["zipf", "unsorted", "fibonacci", "equal"])
def test_expected_path_length_within_one_of_the_entropy(name):
    """Shannon's bound for an optimal prefix code: H(p) <= E[length] < H(p) + 1."""
    counts = np.array(COUNT_VECTORS[name], dtype=np.float64)
    p = counts / counts.sum()
    lengths = np.array([len(points) for points, _ in paths(COUNT_VECTORS[name])])
    entropy = -np.sum(p * np.log2(p))
    mean = float(np.sum(p * lengths))
    # float64 sums of <= 500 terms: 1e-9 slack for rounding, far below any real gap
    assert entropy - 1e-9 <= mean < entropy + 1.0


def test_one_word_has_an_empty_path():
    offsets, points, codes = _core.huffman_tree([42])
    assert offsets.tolist() == [0, 0]
    assert len(points) == 0 and len(codes) == 0


@pytest.mark.parametrize("counts", [[3, 0, 2], [0], [4, -1], [-5, -5], [2**62, 1, 0]], ids=repr)
def test_non_positive_count_is_refused(counts):
    with pytest.raises(ValueError, match="Huffman tree"):
        _core.huffman_tree(counts)


def test_empty_vocabulary_is_refused():
    with pytest.raises(ValueError):
        _core.huffman_tree([])


@given(st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=60))
def test_random_counts(counts):
    check_tree(counts)
    assert paths(counts) == word2vec_c_tree(counts)


@given(st.lists(st.integers(min_value=1, max_value=4), min_size=2, max_size=40))
def test_random_counts_with_many_ties(counts):
    check_tree(counts)
    assert paths(counts) == word2vec_c_tree(counts)
