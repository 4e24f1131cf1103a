"""The in-process backend: K replicas in this process, trained one after another each
round, through the same worker functions and merge code as the Dask backend. For tests
and for choosing the merge rule and schedule by measurement without a cluster.
`lose` (tests) names (epoch, round, replica) triples whose round finds its replica
gone, as when a worker dies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from pyw2v.distributed import worker
from pyw2v.distributed.driver import ReplicaFailure
from pyw2v.distributed.errors import ReplicaLostError
from pyw2v.distributed.merge import Update
from pyw2v.distributed.replica import ReplicaSpec, RoundResult, RoundTask
from pyw2v.distributed.shards import Piece, count_piece

LoseHook = Callable[[int, int, int], bool]


class SimulatedBackend:
    def __init__(self, lose: LoseHook | None = None) -> None:
        self.lose = lose

    def count(self, pieces: list[Piece]) -> list[Any]:
        return [count_piece(piece) for piece in pieces]

    def setup(
        self,
        job: str,
        k: int,
        generation: int,
        spec: ReplicaSpec,
        matrices: dict[str, np.ndarray] | None,
    ) -> int:
        return worker.setup_replica(job, k, generation, spec, matrices)[0]

    def rounds(
        self, job: str, calls: dict[int, tuple[int, RoundTask, Update | None]]
    ) -> dict[int, RoundResult | ReplicaFailure]:
        out: dict[int, RoundResult | ReplicaFailure] = {}
        for k, (generation, task, update) in calls.items():
            if self.lose is not None and self.lose(task.epoch, task.round_index, k):
                worker.drop_replicas(job, k)
            try:
                out[k] = worker.run_round(job, k, generation, update, task)
            except ReplicaLostError as exc:
                out[k] = ReplicaFailure(k, str(exc))
        return out

    def close(self, job: str) -> None:
        worker.drop_replicas(job)
