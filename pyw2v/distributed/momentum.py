"""Block momentum: each reconciliation of a row that several replicas changed also
carries on a share of the row's previous reconciled change (Chen and Huo's blockwise
model-update filtering, BMUF, ICASSP 2016, without its Nesterov look-ahead).

With v_j the change the driver last applied to row j (over one reconciliation), a
reconciliation whose merged change of row j is D_j applies

    D_j + rate * v_j    (row j changed by two replicas or more)
    D_j                 (row j changed by one replica: it keeps exactly that value)

and v_j becomes what was applied. Averaging replicas' changes (the merge rules weigh a
frequent word's deltas towards their mean) loses the part of a row's movement that
persists from round to round, the drift of the whole model, which one machine making
all the updates would have followed; momentum restores part of it (the measurement is in
benchmarks/RESULTS.md, fourteenth session). Only rows several replicas changed take it,
so a row one replica alone changed still takes that replica's value, which the replica
keeps without being sent it (merge.lacking_rows), and one replica is single-machine
training as before.
"""

from __future__ import annotations

import numpy as np


def check_block_momentum(rate: float) -> None:
    if (
        isinstance(rate, bool)
        or not isinstance(rate, (int, float))
        or not np.isfinite(rate)
        or not 0.0 <= rate < 1.0
        or np.float32(rate) >= 1.0  # the merge kernel takes it as a float32
    ):
        raise ValueError(f"block_momentum must be a number in [0, 1), got {rate!r}")


class BlockMomentum:
    """The driver's last applied change of every row of each matrix (float32, one
    array per matrix: the model once more)."""

    def __init__(self, rate: float, matrices: dict[str, np.ndarray]) -> None:
        check_block_momentum(rate)
        self.rate = float(rate)
        # np.zeros: pages of rows never reconciled are never touched
        self.last = {name: np.zeros(m.shape, dtype=np.float32) for name, m in matrices.items()}

    def extra(self, name: str, rows: np.ndarray) -> np.ndarray:
        """rate times the last applied change of `rows` (the rows of `name` that
        several replicas changed)."""
        return np.float32(self.rate) * self.last[name][rows]

    def record(self, name: str, rows: np.ndarray, applied: np.ndarray) -> None:
        """Records the change just applied to `rows`."""
        self.last[name][rows] = applied
