"""Reconciling replicas: each replica sends, per matrix, the rows it changed since they
were last reconciled (with their current values); the driver takes each replica's
change (delta) against its authoritative rows, which are the rows every replica last
received, adds the merged change and sends the new rows back to every replica. The
deltas are summed in float32 by the C core (csrc/merge_rows.c); a row only one replica
changed takes exactly that replica's value (one replica reproduces single-machine
training).

Merge rules: "sum" adds every replica's delta (what one machine would have applied,
had the updates not been computed on stale rows); "mean" adds their average over the
replicas that changed the row (a rare word touched by one replica keeps its full
update; a frequent one moves by the average step); "hybrid" averages the rows of the
words each replica meets often in a round and sums the others; "smooth" weighs each
row between the two by how far its updates settle it within a round.
A row that many updates move within a round settles near the same place in every
replica, so summing overshoots (by up to K - 1 times the step with K replicas; it
diverges with 4), while a row that few updates move makes progress that adds up, which
averaging throws away. The hybrid threshold, HOT_OCCURRENCES / (K - 1) occurrences of
the word in a replica's round, shrinks as the overshoot grows (benchmarks/RESULTS.md has
the sweep it comes from).

Every rule is one weight per row (csrc/merge_rows.c): the merged change of a row n
replicas changed is w * (sum of their deltas), w = (1 - q^n) / (n (1 - q)), from the
row's retention q in [0, 1] (retention_rows): q = 0 is the mean, q = 1 the sum. Model a
row's updates in a round as contractions towards one target, each keeping 1 - eta of
the distance with eta ~ SMOOTH_RATE * alpha: after m updates a replica has moved it by
(1 - q) of the distance, q = (1 - eta)^m ~ exp(-SMOOTH_RATE alpha m), and one machine
making the n replicas' updates one after another would have moved it by (1 - q^n) of
it, w times the deltas' sum. "smooth" takes that q with m the word's occurrences in a
replica's round (round_occurrences) and alpha the round's learning rate; "hybrid" is
its step function, and "mean" and "sum" are its ends.

What travels: with sync_dtype "float32" a replica sends its changed rows' values and
the merge is exact as above; with "float16" it sends each row's change rounded to
float16 (half the bytes), the driver merges those deltas (merge_deltas) and every copy
adds the same rounded merged delta, so the replicas and the driver still agree bit for
bit. Either way each replica then receives only the rows it lacks (lacking_rows): not
the rows it alone changed, whose reconciled value it can make itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pyw2v import _core
from pyw2v.distributed.momentum import BlockMomentum

MERGE_RULES = ("hybrid", "mean", "smooth", "sum")
SYNC_DTYPES = ("float32", "float16")
# "hybrid" averages the rows of words that occur HOT_OCCURRENCES / (K - 1) times or more
# in a replica's round, with K replicas (benchmarks/RESULTS.md, eighth session)
HOT_OCCURRENCES = 30.0
# "smooth": eta = SMOOTH_RATE * alpha per update (benchmarks/RESULTS.md, eleventh session)
SMOOTH_RATE = 0.25


@dataclass
class RowValues:
    """Rows of one matrix (int64, increasing) and their values (float32)."""

    rows: np.ndarray
    values: np.ndarray


Changes = dict[str, RowValues]  # matrix name -> the rows a replica changed
Update = dict[str, RowValues]  # matrix name -> the reconciled rows


def check_rule(rule: str) -> None:
    if rule not in MERGE_RULES:
        raise ValueError(f"merge must be one of {', '.join(MERGE_RULES)}, got {rule!r}")


def check_sync_dtype(dtype: str) -> None:
    if dtype not in SYNC_DTYPES:
        raise ValueError(f"sync_dtype must be one of {', '.join(SYNC_DTYPES)}, got {dtype!r}")


def changed_rows(current: np.ndarray, base: np.ndarray, n_rows: int) -> RowValues:
    """The rows among the first n_rows where current differs from base, with their
    current values."""
    cur, old = current[:n_rows], base[:n_rows]
    rows = np.flatnonzero((cur != old).any(axis=1)).astype(np.int64)
    return RowValues(rows, cur[rows])


def changed_deltas(current: np.ndarray, base: np.ndarray, n_rows: int) -> RowValues:
    """The rows among the first n_rows where current differs from base, with their
    change current - base rounded to float16."""
    cur, old = current[:n_rows], base[:n_rows]
    rows = np.flatnonzero((cur != old).any(axis=1)).astype(np.int64)
    return RowValues(rows, (cur[rows] - old[rows]).astype(np.float16))


def round_occurrences(
    matrices: dict[str, np.ndarray],
    counts: np.ndarray,
    round_words: float,
    huffman: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """How often a row's word occurs in one replica's round of round_words words,
    count(w) * round_words / sum(counts), for the word rows (vectors, syn1neg); for an
    inner node of the Huffman tree (syn1), the occurrences of the words whose path
    passes it. huffman = (offsets, points) of _core.huffman_tree."""
    share = counts * (round_words / (float(counts.sum()) or 1.0))
    out: dict[str, np.ndarray] = {}
    for name, matrix in matrices.items():
        rate = np.zeros(len(matrix))
        if name != "syn1":
            rate[: len(share)] = share
        elif huffman is not None:
            offsets, points = huffman
            visits = np.bincount(points, weights=np.repeat(share, np.diff(offsets)))
            rate[: min(len(visits), len(matrix))] = visits[: len(matrix)]
        out[name] = rate
    return out


def retention_rows(
    rule: str,
    matrices: dict[str, np.ndarray],
    occurrences: dict[str, np.ndarray],
    replicas: int,
    alpha: float,
) -> dict[str, np.ndarray | None]:
    """Per matrix, each row's retention q under `rule` (float32 in [0, 1], one per row;
    None: 1 everywhere, the sum): 0 for "mean"; for "hybrid" 0 for the rows whose words
    occur HOT_OCCURRENCES / (replicas - 1) times or more in a replica's round
    (round_occurrences) and 1 for the others; for "smooth" exp(-SMOOTH_RATE alpha m)
    with m those occurrences and alpha the round's learning rate."""
    check_rule(rule)
    out: dict[str, np.ndarray | None] = {}
    for name, matrix in matrices.items():
        seen = occurrences[name]
        if rule == "hybrid":
            out[name] = (seen < HOT_OCCURRENCES / max(replicas - 1, 1)).astype(np.float32)
        elif rule == "smooth":
            out[name] = np.exp(-SMOOTH_RATE * max(alpha, 0.0) * seen).astype(np.float32)
        elif rule == "mean":
            out[name] = np.zeros(len(matrix), dtype=np.float32)
        else:
            out[name] = None
    return out


def merge_changes(
    matrices: dict[str, np.ndarray],
    contributions: list[Changes],
    retention: dict[str, np.ndarray | None],
    momentum: BlockMomentum | None = None,
) -> Update:
    """Adds the merged deltas of the replicas' changes to `matrices` (in place, in
    float32; csrc/merge_rows.c): a row's deltas summed with the weight its retention
    (retention_rows) gives, plus, with `momentum`, its share of the row's last change
    for the rows several replicas changed. Returns the rows that changed with their new
    values. A row one replica alone changed takes that replica's value exactly."""
    update: Update = {}
    for name, matrix in matrices.items():
        parts = [c[name] for c in contributions if name in c and len(c[name].rows)]
        if len(parts) <= 1:  # nothing to combine: the one replica's rows as they are
            rows = parts[0].rows if parts else np.empty(0, np.int64)
            values = parts[0].values if parts else np.empty((0, matrix.shape[1]), np.float32)
            if momentum is not None:
                momentum.record(name, rows, values - matrix[rows])
            matrix[rows] = values
            update[name] = RowValues(rows, matrix[rows])
            continue
        rows, ats, _ = _merged_rows(len(matrix), parts)
        merged = _core.merge_rows(
            matrix,
            rows,
            ats,
            [p.values for p in parts],
            retention[name],
            None if momentum is None else momentum.last[name],
            0.0 if momentum is None else momentum.rate,
        )
        update[name] = RowValues(rows, merged)
    return update


def _merged_rows(
    n_rows: int, parts: list[RowValues]
) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """The rows any part changed (increasing), each part's rows as indices into them,
    and which of them two parts or more changed."""
    touched = np.zeros(n_rows, dtype=np.int32)
    for part in parts:
        touched[part.rows] += 1  # a part's rows are distinct
    rows = np.flatnonzero(touched)
    where = np.empty(n_rows, dtype=np.int64)  # a changed row's index in rows
    where[rows] = np.arange(len(rows))
    return rows, [where[part.rows] for part in parts], touched[rows] >= 2


def merge_deltas(
    matrices: dict[str, np.ndarray],
    contributions: list[Changes],
    retention: dict[str, np.ndarray | None],
    momentum: BlockMomentum | None = None,
) -> Update:
    """merge_changes for contributions that carry float16 deltas (changed_deltas)
    against `matrices`: per row the deltas' weighted sum (by `retention`) in float32,
    with `momentum` plus the momentum share of the rows several replicas changed,
    rounded to float16 (a row one replica alone changed keeps its delta exactly), is
    added to `matrices` in place. Returns the rows and those float16 deltas: a copy of
    the rows as `matrices` held them becomes the new rows by adding them (in float32)."""
    update: Update = {}
    for name, matrix in matrices.items():
        parts = [c[name] for c in contributions if name in c and len(c[name].rows)]
        rows, ats, shared = _merged_rows(len(matrix), parts)
        # merge_rows on zeros: delta_j = w_j sum_k d_k, d_k alone exact
        merged = _core.merge_rows(
            np.zeros((len(rows), matrix.shape[1]), dtype=np.float32),
            np.arange(len(rows), dtype=np.int64),
            ats,
            [part.values.astype(np.float32) for part in parts],
            None if retention[name] is None else retention[name][rows],
        )
        if momentum is not None and shared.any():
            merged[shared] += momentum.extra(name, rows[shared])
        deltas = merged.astype(np.float16)
        applied = deltas.astype(np.float32)
        matrix[rows] += applied
        if momentum is not None:
            momentum.record(name, rows, applied)
        update[name] = RowValues(rows, deltas)
    return update


def lacking_rows(update: Update, contributions: list[Changes]) -> list[Update]:
    """Per contribution (replica), the rows of `update` it lacks: all but the rows it
    alone changed (their reconciled value is its own value, or with float16 deltas its
    base plus its own delta, which it can make itself)."""
    out: list[Update] = [{} for _ in contributions]
    for name, rows in update.items():
        n = int(rows.rows[-1]) + 1 if len(rows.rows) else 0
        parts = [c[name].rows if name in c else np.empty(0, np.int64) for c in contributions]
        touched = np.zeros(n, dtype=np.int32)
        for part in parts:
            touched[part] += 1  # a replica's rows are distinct
        for mine, part in zip(out, parts, strict=True):
            alone = np.zeros(n, dtype=bool)
            alone[part[touched[part] == 1]] = True
            keep = ~alone[rows.rows]
            mine[name] = rows if keep.all() else RowValues(rows.rows[keep], rows.values[keep])
    return out
