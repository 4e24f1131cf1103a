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
update; a frequent one moves by the average step).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pyw2v import _core

MERGE_RULES = ("mean", "sum")


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


def changed_rows(current: np.ndarray, base: np.ndarray, n_rows: int) -> RowValues:
    """The rows among the first n_rows where current differs from base, with their
    current values."""
    cur, old = current[:n_rows], base[:n_rows]
    rows = np.flatnonzero((cur != old).any(axis=1)).astype(np.int64)
    return RowValues(rows, cur[rows])


def merge_changes(
    matrices: dict[str, np.ndarray], contributions: list[Changes], rule: str
) -> Update:
    """Adds the merged deltas of the replicas' changes to `matrices` (in place, in
    float32; csrc/merge_rows.c) and returns the rows that changed with their new
    values. A row one replica alone changed takes that replica's value exactly."""
    check_rule(rule)
    update: Update = {}
    for name, matrix in matrices.items():
        parts = [c[name] for c in contributions if name in c and len(c[name].rows)]
        if len(parts) <= 1:  # nothing to combine: the one replica's rows as they are
            rows = parts[0].rows if parts else np.empty(0, np.int64)
            values = parts[0].values if parts else np.empty((0, matrix.shape[1]), np.float32)
            matrix[rows] = values
            update[name] = RowValues(rows, matrix[rows])
            continue
        changed = np.zeros(len(matrix), dtype=bool)
        for part in parts:
            changed[part.rows] = True
        rows = np.flatnonzero(changed)
        where = np.empty(len(matrix), dtype=np.int64)  # a changed row's index in rows
        where[rows] = np.arange(len(rows))
        ats = [where[part.rows] for part in parts]
        merged = _core.merge_rows(matrix, rows, ats, [p.values for p in parts], rule == "mean")
        update[name] = RowValues(rows, merged)
    return update
