"""The in-process backend: K replicas in this process, trained one after another each
round, through the same worker functions and merge code as the Dask backend. For tests
and for choosing the merge rule and schedule by measurement without a cluster.
`lose` (tests) names (epoch, round, replica) triples whose round finds its replica
gone, as when a worker dies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from pyw2v.distributed import worker
from pyw2v.distributed.driver import ReplicaFailure
from pyw2v.distributed.errors import ReplicaLostError
from pyw2v.distributed.merge import Update
from pyw2v.distributed.replica import ReplicaSpec, RoundResult, RoundTask
from pyw2v.distributed.shards import Piece, count_piece

LoseHook = Callable[[int, int, int], bool]


@dataclass(eq=False)
class _Round:
    """A round sent to a replica, and once it ran, its result."""

    job: str
    k: int
    generation: int
    task: RoundTask
    update: Update | None
    result: RoundResult | ReplicaFailure | None = None


class SimulatedBackend:
    def __init__(self, lose: LoseHook | None = None) -> None:
        self.lose = lose
        self.queued: dict[int, list[_Round]] = {}  # per replica, rounds sent, not yet run

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

    def submit(
        self, job: str, k: int, generation: int, task: RoundTask, update: Update | None
    ) -> Any:
        """Queues one round of replica k; it runs when collected (a replica's rounds run
        in the order they were sent, as on a Dask worker)."""
        handle = _Round(job, k, generation, task, update)
        self.queued.setdefault(k, []).append(handle)
        return handle

    def collect(self, job: str, handles: dict[int, Any]) -> dict[int, RoundResult | ReplicaFailure]:
        out: dict[int, RoundResult | ReplicaFailure] = {}
        for k, handle in handles.items():
            queue = self.queued.get(k, [])
            while handle.result is None:
                self._run(queue.pop(0))
            out[k] = handle.result
        return out

    def cancel(self, handles: list[Any]) -> None:
        for queue in self.queued.values():
            queue[:] = [h for h in queue if h not in handles]

    def _run(self, call: _Round) -> None:
        if self.lose is not None and self.lose(call.task.epoch, call.task.round_index, call.k):
            worker.drop_replicas(call.job, call.k)
        try:
            call.result = worker.run_round(
                call.job, call.k, call.generation, call.update, call.task
            )
        except ReplicaLostError as exc:
            call.result = ReplicaFailure(call.k, str(exc))

    def close(self, job: str) -> None:
        worker.drop_replicas(job)
