"""The planners (csrc/plan_cbow.c, csrc/plan_sg.c) through _core.planned_steps: the steps
a sentence turns into, recorded instead of trained, against brute-force enumerations
and the formulas of docs/theory.md (Sections 8, 10, 11 and 13).

A recorded step is (input ids, in_scale, grad_scale, [(matrix, row, label), ...]) with
matrix "syn1" (hierarchical softmax's inner nodes) or "syn1neg" (negative sampling)."""

import numpy as np
import pytest

from pyw2v import _core

MASK64 = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15

ZIPF = [1000 // r for r in range(1, 31)]  # V = 30, the default vocabulary below


# ---------------------------------------------------------------- random streams
# A worker's random stream is splitmix64 (csrc/rng.h) started at the seed itself;
# _core.noise_draws and _core.window_reaches start theirs at w2v_rng_seed(seed, 0). The
# ports below are checked against those two first, so that the planner's own draws can
# be predicted exactly.


def _mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def _stream(state):
    while True:
        state = (state + GAMMA) & MASK64
        yield _mix(state)


def _rng_seed(seed, stream=0):
    return _mix(seed ^ _mix((stream + GAMMA) & MASK64))


def _below(r, n):
    return ((r >> 32) * n) >> 32


def noise_sampler(counts):
    thresholds, aliases = _core.noise_table(counts, 0.75)

    def draw(r):
        bucket = _below(r, len(counts))
        return bucket if (r & 0xFFFFFFFF) < int(thresholds[bucket]) else int(aliases[bucket])

    return draw


def test_ports_of_the_random_streams():
    draw = noise_sampler(ZIPF)
    randoms = _stream(_rng_seed(99))
    want = [draw(next(randoms)) for _ in range(2000)]
    np.testing.assert_array_equal(_core.noise_draws(ZIPF, 0.75, 2000, 99), want)
    randoms = _stream(_rng_seed(5))
    want = [1 + _below(next(randoms), 7) for _ in range(2000)]
    np.testing.assert_array_equal(_core.window_reaches(7, 2000, 5), want)


# ---------------------------------------------------------------- helpers


def plan(sentence, counts=ZIPF, window=2, negative=0, sg=False, hs=False, **kw):
    return _core.planned_steps(sentence, counts, window, negative, sg, hs, **kw)


def sentence_of(n, seed, vocab=30):
    """n ids with repeats (a word may be its own context)."""
    return np.random.default_rng(seed).integers(0, vocab, size=n).tolist()


def distinct_sentence(n, seed, vocab=30):
    """n different ids: a step's center can be told from its targets."""
    return np.random.default_rng(seed).permutation(vocab)[:n].tolist()


def context(sentence, pos, reach):
    lo, hi = max(0, pos - reach), min(len(sentence) - 1, pos + reach)
    return [sentence[j] for j in range(lo, hi + 1) if j != pos]


def brute_force_pairs(sentence, window):
    """Skip-gram's (context, center) pairs in word2vec.c's order: centers left to
    right, each center's context positions left to right."""
    n = len(sentence)
    return [
        (sentence[j], sentence[i])
        for i in range(n)
        for j in range(max(0, i - window), min(n, i + window + 1))
        if j != i
    ]


def ns_targets(targets):
    return [(row, label) for matrix, row, label in targets if matrix == "syn1neg"]


def hs_targets(targets):
    return [(row, label) for matrix, row, label in targets if matrix == "syn1"]


def huffman_path(counts, word):
    """word's (inner node, label 1 - code) from the root, from _core.huffman_tree."""
    offsets, points, codes = _core.huffman_tree(counts)
    lo, hi = offsets[word], offsets[word + 1]
    return [(int(p), 1.0 - float(c)) for p, c in zip(points[lo:hi], codes[lo:hi], strict=True)]


def center_of(step):
    """The predicted word: negative sampling's positive row."""
    ns = ns_targets(step[3])
    assert ns and ns[0][1] == 1.0
    return ns[0][0]


# ---------------------------------------------------------------- skip-gram


@pytest.mark.parametrize("window", [1, 2, 3, 5])
def test_skipgram_pairs_are_the_brute_force_enumeration(window):
    for n in range(1, 13):
        sentence = sentence_of(n, seed=100 * window + n)
        steps = plan(sentence, window=window, negative=3, sg=True, shrink_windows=False)
        assert [(s[0][0], center_of(s)) for s in steps] == brute_force_pairs(sentence, window)
        # one input row, taken as it is and given the whole step
        assert all(len(s[0]) == 1 and s[1] == 1.0 and s[2] == 1.0 for s in steps)


def test_skipgram_ignores_cbow_options():
    sentence = sentence_of(12, seed=7)
    base = plan(sentence, window=3, negative=4, sg=True, hs=True)
    for kw in ({"cbow_mean": False}, {"exact_ctx_grad": True}, {"negative_reuse": 3}):
        assert plan(sentence, window=3, negative=4, sg=True, hs=True, **kw) == base


# ---------------------------------------------------------------- CBOW


@pytest.mark.parametrize(
    ("cbow_mean", "exact_ctx_grad"), [(True, False), (True, True), (False, False), (False, True)]
)
def test_cbow_steps_average_or_sum_the_context(cbow_mean, exact_ctx_grad):
    for window in (1, 2, 4):
        for n in range(1, 11):
            sentence = sentence_of(n, seed=10 * window + n)
            steps = plan(
                sentence,
                window=window,
                negative=2,
                shrink_windows=False,
                cbow_mean=cbow_mean,
                exact_ctx_grad=exact_ctx_grad,
            )
            want = [context(sentence, pos, window) for pos in range(n)] if n >= 2 else []
            assert [s[0] for s in steps] == want
            assert [center_of(s) for s in steps] == (sentence if n >= 2 else [])
            for inputs, in_scale, grad_scale, _ in steps:
                mean = 1.0 / len(inputs) if cbow_mean else 1.0
                # the scales are float32 (1.0f / n): relative error <= 2^-24 ~ 6e-8
                assert in_scale == pytest.approx(mean, rel=1e-7)
                want_grad = mean if exact_ctx_grad else 1.0
                assert grad_scale == pytest.approx(want_grad, rel=1e-7)


def test_cbow_one_word_sentence_trains_nothing():
    for sg in (False, True):
        for hs, negative in ((False, 3), (True, 0), (True, 3)):
            assert plan([4], negative=negative, sg=sg, hs=hs) == []
    assert plan([], negative=3) == []


# ---------------------------------------------------------------- the losses' rows


@pytest.mark.parametrize("sg", [False, True])
@pytest.mark.parametrize("negative", [0, 3])
def test_hierarchical_softmax_rows_are_the_center_path_first(sg, negative):
    counts = [int(c) for c in np.random.default_rng(3).integers(1, 500, size=30)]
    sentence = sentence_of(15, seed=4)
    steps = plan(
        sentence, counts, window=3, negative=negative, sg=sg, hs=True, shrink_windows=False
    )
    centers = [c for _, c in brute_force_pairs(sentence, 3)] if sg else sentence
    assert len(steps) == len(centers)
    for step, center in zip(steps, centers, strict=True):
        targets = step[3]
        path = huffman_path(counts, center)
        n_hs = len(path)
        assert targets[:n_hs] == [("syn1", r, y) for r, y in path]
        assert all(m == "syn1neg" for m, _, _ in targets[n_hs:])
        assert (len(targets) > n_hs) == (negative > 0)
        if negative:
            assert targets[n_hs] == ("syn1neg", center, 1.0)


def test_hierarchical_softmax_deep_paths_are_whole():
    """Fibonacci counts make a chain: the rarest words have paths of V - 1 = 69 nodes,
    beyond word2vec.c's 40 and the kernels' 64 scores taken ahead."""
    counts = [1, 1]
    while len(counts) < 70:
        counts.append(counts[-1] + counts[-2])
    sentence = [0, 1, 69, 35, 0]
    for sg in (False, True):
        steps = plan(sentence, counts, window=1, negative=5, sg=sg, hs=True, shrink_windows=False)
        centers = [c for _, c in brute_force_pairs(sentence, 1)] if sg else sentence
        for step, center in zip(steps, centers, strict=True):
            path = huffman_path(counts, center)
            assert [(r, y) for r, y in hs_targets(step[3])] == path
        assert max(len(hs_targets(s[3])) for s in steps) == 69


@pytest.mark.parametrize("sg", [False, True])
def test_negative_sampling_rows_are_the_center_then_the_draws_but_the_center(sg):
    """With fixed windows nothing else draws random numbers, so the k-th noise draw of
    the sentence is the alias sampler on the k-th number of the worker's stream."""
    k, seed = 5, 123
    # a small vocabulary with a frequent word: draws equal to the center do happen
    counts = [400, 50, 30, 20, 10, 5, 3, 2]
    sentence = [0, 1, 0, 2, 0, 3, 4, 0, 5, 6, 7, 0, 0]
    steps = plan(sentence, counts, window=2, negative=k, sg=sg, shrink_windows=False, seed=seed)
    centers = sentence if not sg else [c for _, c in brute_force_pairs(sentence, 2)]
    assert len(steps) == len(centers)
    draw, randoms = noise_sampler(counts), _stream(seed)
    skipped = 0
    for step, center in zip(steps, centers, strict=True):
        draws = [draw(next(randoms)) for _ in range(k)]
        want = [(center, 1.0)] + [(d, 0.0) for d in draws if d != center]
        assert ns_targets(step[3]) == want
        assert hs_targets(step[3]) == []
        skipped += k + 1 - len(want)
    assert skipped > 0  # the rule was exercised


def test_negative_reuse_shares_draws_between_neighbouring_centers():
    """CBOW with negative_reuse r: positions 0, r, 2r, ... draw K fresh noise words, the
    positions in between reuse the draws of the position before them."""
    k, r, seed = 4, 3, 77
    counts = [400, 50, 30, 20, 10, 5, 3, 2]
    sentence = [1, 0, 2, 3, 0, 4, 5, 0, 6, 7, 0]
    steps = plan(
        sentence, counts, window=2, negative=k, shrink_windows=False, seed=seed, negative_reuse=r
    )
    draw, randoms = noise_sampler(counts), _stream(seed)
    assert len(steps) == len(sentence)
    for pos, (step, center) in enumerate(zip(steps, sentence, strict=True)):
        if pos % r == 0:
            draws = [draw(next(randoms)) for _ in range(k)]
        want = [(center, 1.0)] + [(d, 0.0) for d in draws if d != center]
        assert ns_targets(step[3]) == want


# ---------------------------------------------------------------- reduced windows


def reaches_of(sentence, steps, sg):
    """The reach of each center as read from its steps (distinct ids in the sentence);
    a step must be the context of some reach 1..len(sentence)."""
    n = len(sentence)
    if not sg:
        out = []
        for pos, step in enumerate(steps):
            fits = [r for r in range(1, n + 1) if context(sentence, pos, r) == step[0]]
            assert fits, f"position {pos}: {step[0]} is no window's context"
            out.append(min(fits))
        return out
    by_center = {}
    for step in steps:
        by_center.setdefault(center_of(step), []).append(step[0][0])
    assert list(by_center) == sentence  # centers in sentence order, none without pairs
    out = []
    for pos, center in enumerate(sentence):
        fits = [r for r in range(1, n + 1) if context(sentence, pos, r) == by_center[center]]
        assert fits, f"center {pos}: {by_center[center]} is no window's context"
        out.append(min(fits))
    return out


@pytest.mark.parametrize("sg", [False, True])
@pytest.mark.parametrize("window", [1, 3, 5])
def test_shrunk_window_reaches_are_within_one_to_window(sg, window):
    sentence = distinct_sentence(30, seed=window)
    steps = plan(sentence, window=window, negative=2, sg=sg, hs=True, seed=11)
    reaches = reaches_of(sentence, steps, sg)
    assert len(reaches) == 30
    assert min(reaches) >= 1 and max(reaches) <= window
    if window > 1:
        # 30 uniform reaches: some are shrunk (each is window with probability 1/window)
        assert min(reaches) < window


@pytest.mark.parametrize("sg", [False, True])
def test_shrunk_window_reaches_follow_the_stream(sg):
    """Hierarchical softmax alone draws no noise: the reaches are then the worker's
    stream, one per center in order (what the reach reads from a step is its smallest
    fitting reach, so the drawn reach is clipped to the sentence's edges)."""
    window, seed, n = 4, 31, 30
    sentence = distinct_sentence(n, seed=2)
    steps = plan(sentence, window=window, negative=0, sg=sg, hs=True, seed=seed)
    randoms = _stream(seed)
    drawn = [1 + _below(next(randoms), window) for _ in range(n)]
    edge = [max(pos, n - 1 - pos) for pos in range(n)]
    # the reach seen is the drawn one, cut where the sentence ends on both sides
    want = [min(d, e) for d, e in zip(drawn, edge, strict=True)]
    # skip-gram's steps carry no positive row here: their center is the word whose
    # path they train (paths differ between words)
    if sg:
        paths = {tuple(huffman_path(ZIPF, w)): w for w in sentence}
        by_center = {}
        for s in steps:
            by_center.setdefault(paths[tuple(hs_targets(s[3]))], []).append(s[0][0])
        assert list(by_center) == sentence
        got = [
            min(r for r in range(1, n + 1) if context(sentence, p, r) == by_center[c])
            for p, c in enumerate(sentence)
        ]
    else:
        got = reaches_of(sentence, steps, sg=False)
    assert got == want
    assert len(set(drawn)) == window  # every reach 1..window occurred


# ---------------------------------------------------------------- counts (Section 8)


def skipgram_pairs(n, m):
    return 2 * sum(min(m, i) for i in range(n))


def cbow_examples(n):
    return n if n >= 2 else 0


@pytest.mark.parametrize("m", [1, 2, 3, 5, 8])
def test_step_counts_are_the_formulas(m):
    for n in range(1, 16):
        sentence = sentence_of(n, seed=n)
        for hs, negative in ((False, 2), (True, 0), (True, 2)):
            common = dict(window=m, negative=negative, hs=hs, shrink_windows=False)
            assert len(plan(sentence, sg=False, **common)) == cbow_examples(n)
            assert len(plan(sentence, sg=True, **common)) == skipgram_pairs(n, m)


def test_worked_example_three_sentences_window_one():
    """docs/theory.md Section 13: sentences of 7, 8 and 11 tokens, m = 1: CBOW trains
    7 + 8 + 11 = 26 examples, skip-gram 2(n - 1) each, 12 + 14 + 20 = 46 pairs, with a
    fixed window and with reduced windows (m' = 1 is the only reach), for every loss."""
    sentences = [sentence_of(n, seed=n) for n in (7, 8, 11)]
    for shrink in (False, True):
        for hs, negative in ((False, 5), (True, 0), (True, 5)):
            common = dict(window=1, negative=negative, hs=hs, shrink_windows=shrink)
            cbow = [plan(s, sg=False, **common) for s in sentences]
            sg = [plan(s, sg=True, **common) for s in sentences]
            assert [len(steps) for steps in cbow] == [7, 8, 11]
            assert sum(len(steps) for steps in cbow) == 26
            assert [len(steps) for steps in sg] == [12, 14, 20]
            assert sum(len(steps) for steps in sg) == 46
            # CBOW's context rows over its 26 examples: the same 46 (context, center)
            # pairs that skip-gram trains one by one
            assert sum(len(step[0]) for steps in cbow for step in steps) == 46
            cbow_pairs = [
                (i, center)
                for steps, s in zip(cbow, sentences, strict=True)
                for step, center in zip(steps, s, strict=True)
                for i in step[0]
            ]
            sg_pairs = [
                (step[0][0], center_of_pair)
                for steps, s in zip(sg, sentences, strict=True)
                for step, (_, center_of_pair) in zip(steps, brute_force_pairs(s, 1), strict=True)
            ]
            assert sorted(cbow_pairs) == sorted(sg_pairs)


def test_one_word_vocabulary():
    """A vocabulary of one word: its Huffman path is empty (P = 1), so hierarchical
    softmax alone trains nothing; negative sampling still trains the center row."""
    sentence = [0, 0, 0]
    assert plan(sentence, [9], window=1, negative=0, hs=True) == []
    assert plan(sentence, [9], window=1, negative=0, sg=True, hs=True) == []
    for sg in (False, True):
        steps = plan(sentence, [9], window=1, negative=3, sg=sg, hs=True)
        assert len(steps) == (3 if not sg else 4)
        # every noise draw is the center itself and is skipped
        assert all(step[3] == [("syn1neg", 0, 1.0)] for step in steps)


# ---------------------------------------------------------------- batched skip-gram


@pytest.mark.parametrize("window", [1, 2, 3, 5])
def test_sg_batch_trains_the_pairs_of_the_brute_force_enumeration(window):
    """sg_batch: one block per center word with a context, its inputs that center's
    context left to right, its outputs the center's row then the noise: flattened, the
    same (context, center) pairs as the per-pair planner."""
    for n in range(1, 13):
        sentence = sentence_of(n, seed=100 * window + n)
        steps = plan(sentence, window=window, negative=3, sg=True, shrink_windows=False,
                     sg_batch=True)  # fmt: skip
        pairs = [(c, center_of(s)) for s in steps for c in s[0]]
        assert pairs == brute_force_pairs(sentence, window)
        assert len(steps) == (n if n >= 2 else 0)
        assert all(s[1] == 1.0 and s[2] == 1.0 for s in steps)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sg_batch_windows_and_draws_are_cbows(seed):
    """The batched form plans CBOW's windows with CBOW's random stream (the reach, then
    K noise draws per center, once for the whole window): the same inputs and rows as
    CBOW's summed steps."""
    sentence = sentence_of(40, seed=seed)
    batched = plan(sentence, window=4, negative=5, sg=True, seed=seed, sg_batch=True)
    cbow = plan(sentence, window=4, negative=5, seed=seed, cbow_mean=False)
    assert batched == cbow
    # and not the per-pair planner's draws: those are fresh for every pair
    pairs = plan(sentence, window=4, negative=5, sg=True, seed=seed)
    assert len(pairs) > len(batched)


def test_sg_batch_splits_windows_wider_than_a_block():
    """A center with more than BLOCK_MAX_IN context words (window > 32) trains as several
    blocks against the same rows."""
    sentence = sentence_of(100, seed=4)
    steps = plan(sentence, window=40, negative=2, sg=True, shrink_windows=False, sg_batch=True)
    pairs = [(c, center_of(s)) for s in steps for c in s[0]]
    assert pairs == brute_force_pairs(sentence, 40)
    assert max(len(s[0]) for s in steps) == _core.BLOCK_MAX_IN
    # e.g. center 50 has 80 context words: a block of 64, then one of 16 with the same rows
    want, split = [], []
    for pos in range(100):
        n_ctx = min(99, pos + 40) - max(0, pos - 40)
        if n_ctx > 64:
            split.append(len(want))
        want += [64, n_ctx - 64] if n_ctx > 64 else [n_ctx]
    assert [len(s[0]) for s in steps] == want
    assert len(split) == 50 and all(steps[i][3] == steps[i + 1][3] for i in split)


def test_sg_batch_needs_skipgram():
    sentence = sentence_of(10, seed=1)
    with pytest.raises(ValueError):
        plan(sentence, window=2, negative=3, sg=False, sg_batch=True)


@pytest.mark.parametrize(("hs", "negative"), [(True, 0), (True, 3)])
def test_sg_batch_with_hierarchical_softmax_shares_the_centers_rows(hs, negative):
    """With a path (and noise), a block's outputs are what each of its pairs would predict
    in the per-pair form: the center's path (label 1 - code bit), then its row and the
    window's noise. Without noise nothing is random: flattened, the blocks are the
    per-pair steps exactly."""
    for n in range(1, 12):
        sentence = sentence_of(n, seed=n)
        common = dict(window=3, negative=negative, sg=True, hs=hs, shrink_windows=False)
        blocks = plan(sentence, sg_batch=True, **common)
        pairs = plan(sentence, **common)
        flat = [(c, block[3]) for block in blocks for c in block[0]]
        assert [c for c, _ in flat] == [step[0][0] for step in pairs]
        for (_, outputs), step in zip(flat, pairs, strict=True):
            path = [t for t in step[3] if t[0] == "syn1"]
            assert [t for t in outputs if t[0] == "syn1"] == path and path
            if negative == 0:
                assert outputs == step[3]
            else:
                assert ns_targets(outputs)[0] == ns_targets(step[3])[0]  # the center's row


@pytest.mark.parametrize(("hs", "negative"), [(False, 70), (True, 62)])
def test_sg_batch_splits_more_output_rows_than_a_block(hs, negative):
    """A window with more than BLOCK_MAX_OUT output rows (a long path, negative >= 64)
    trains as blocks of at most BLOCK_MAX_OUT rows, each with all the window's inputs,
    in the order of the rows."""
    sentence = distinct_sentence(8, seed=2)
    blocks = plan(sentence, window=2, negative=negative, sg=True, hs=hs, sg_batch=True,
                  shrink_windows=False)  # fmt: skip
    # CBOW's summed steps: the same windows, draws and rows, never split
    whole = plan(sentence, window=2, negative=negative, hs=hs, shrink_windows=False,
                 cbow_mean=False)  # fmt: skip
    merged = []
    for block in blocks:
        assert 1 <= len(block[3]) <= _core.BLOCK_MAX_OUT
        if merged and merged[-1][0] == block[0] and len(merged[-1][3]) == _core.BLOCK_MAX_OUT:
            merged[-1] = (block[0], 1.0, 1.0, merged[-1][3] + block[3])
        else:
            merged.append(block)
    assert len(blocks) > len(merged)  # some windows were split
    assert [(m[0], m[3]) for m in merged] == [(w[0], w[3]) for w in whole]
