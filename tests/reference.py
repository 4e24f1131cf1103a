"""A float64 numpy reference of one logistic step (SPEC.md, docs/theory.md), used by the
kernel tests. Kept out of the package on purpose: it is the independent check.

Targets are output rows with labels; without labels, targets[0] has label 1 and the rest
0 (negative sampling). Hierarchical softmax is the same step with the path's nodes as
targets and 1 - code bit as labels."""

from __future__ import annotations

import numpy as np

MAX_EXP = 6.0
TABLE_SIZE = 1000


def sigma(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def table_sigma(x: float, exact: bool) -> float:
    """sigma as the C table reads it (bin centre, saturation outside +-6), or exact."""
    if exact:
        return float(sigma(np.float64(x)))
    if x >= MAX_EXP:
        return 1.0
    if x <= -MAX_EXP:
        return 0.0
    scale = TABLE_SIZE / (2 * MAX_EXP)
    b = min(int((x + MAX_EXP) * scale), TABLE_SIZE - 1)
    return float(sigma(-MAX_EXP + (b + 0.5) / scale))


def ns_labels(targets) -> np.ndarray:
    return np.where(np.arange(len(targets)) == 0, 1.0, 0.0)


def loss(in_vecs, out_vecs, ctx, targets, cbow_mean=True, labels=None) -> float:
    """J = sum_t -log sigma((2 y_t - 1) b_t.h), exactly, in float64."""
    labels = ns_labels(targets) if labels is None else np.asarray(labels, dtype=np.float64)
    h = in_vecs[ctx].astype(np.float64).sum(axis=0)
    if cbow_mean:
        h = h / len(ctx)
    scores = out_vecs[targets].astype(np.float64) @ h
    signs = 2.0 * labels - 1.0
    return float(np.sum(np.logaddexp(0.0, -signs * scores)))


def gradients(in_vecs, out_vecs, ctx, targets, cbow_mean=True, labels=None):
    """SPEC.md's gradients at the current point: (dJ/d in_vecs, dJ/d out_vecs)."""
    labels = ns_labels(targets) if labels is None else labels
    h = in_vecs[ctx].sum(axis=0)
    if cbow_mean:
        h = h / len(ctx)
    g_in = np.zeros_like(in_vecs)
    g_out = np.zeros_like(out_vecs)
    grad_h = np.zeros_like(h)
    for t, w in enumerate(targets):
        g = sigma(out_vecs[w] @ h) - labels[t]
        g_out[w] += g * h
        grad_h += g * out_vecs[w]
    per_ctx = grad_h / len(ctx) if cbow_mean else grad_h
    for w in ctx:
        g_in[w] += per_ctx
    return g_in, g_out


def step(
    in_vecs,
    out_vecs,
    ctx,
    targets,
    alpha,
    cbow_mean=True,
    exact_ctx_grad=False,
    exact_sigmoid=False,
    labels=None,
    lockf=None,
):
    """One SGD step in word2vec.c's order (rows visited in turn, grad_hidden uses each
    row before its update); returns the new (in_vecs, out_vecs) in float64. lockf: a
    factor per context position for its input row's update (gensim's vectors_lockf)."""
    labels = ns_labels(targets) if labels is None else labels
    a = in_vecs.astype(np.float64).copy()
    b = out_vecs.astype(np.float64).copy()
    h = a[ctx].sum(axis=0)
    if cbow_mean:
        h = h / len(ctx)
    grad_hidden = np.zeros_like(h)  # accumulates -alpha dJ/dh
    for t, w in enumerate(targets):
        label = labels[t]
        s = alpha * (label - table_sigma(float(b[w] @ h), exact_sigmoid))
        grad_hidden += s * b[w]
        b[w] += s * h
    if cbow_mean and exact_ctx_grad:
        grad_hidden /= len(ctx)
    for i, w in enumerate(ctx):
        a[w] += grad_hidden * (1.0 if lockf is None else lockf[i])
    return a, b


# ---------------------------------------------------------------- the block step
# Skip-gram's batched form (sg_batch, csrc/step_block.c): inputs[i] scored on its own
# against every target, J = sum_i sum_t -log sigma((2 y_t - 1) o_t.a_i).


def block_loss(in_vecs, out_vecs, inputs, targets, labels) -> float:
    """The block's J, exactly, in float64."""
    scores = in_vecs[inputs].astype(np.float64) @ out_vecs[targets].astype(np.float64).T
    signs = 2.0 * np.asarray(labels, dtype=np.float64) - 1.0
    return float(np.sum(np.logaddexp(0.0, -signs[None, :] * scores)))


def block_gradients(in_vecs, out_vecs, inputs, targets, labels):
    """(dJ/d in_vecs, dJ/d out_vecs) of block_loss; a row listed twice gets both terms."""
    a = in_vecs[inputs]
    o = out_vecs[targets]
    g = sigma(a @ o.T) - np.asarray(labels, dtype=np.float64)[None, :]  # n_in x n_out
    g_in = np.zeros_like(in_vecs)
    g_out = np.zeros_like(out_vecs)
    np.add.at(g_in, inputs, g @ o)
    np.add.at(g_out, targets, g.T @ a)
    return g_in, g_out


def block_step(in_vecs, out_vecs, inputs, targets, labels, alpha, exact_sigmoid=False, lockf=None):
    """The block step in float64: S = alpha (Y - sigma(A O^T)) from the rows before the
    step, then A += S O (times lockf per input) and O += S^T A; returns the new rows."""
    a = in_vecs.astype(np.float64).copy()
    b = out_vecs.astype(np.float64).copy()
    rows_in, rows_out = a[inputs], b[targets]
    steps = np.array(
        [
            [alpha * (labels[t] - table_sigma(float(x), exact_sigmoid)) for t, x in enumerate(row)]
            for row in rows_in @ rows_out.T
        ]
    )
    factors = np.ones(len(inputs)) if lockf is None else np.asarray(lockf, dtype=np.float64)
    np.add.at(a, inputs, (steps @ rows_out) * factors[:, None])
    np.add.at(b, targets, steps.T @ rows_in)
    return a, b
