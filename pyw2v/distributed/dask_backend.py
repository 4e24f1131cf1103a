"""The Dask backend: one replica per shard, held by a worker process between rounds
(pyw2v.distributed.worker), each round a task per replica sent to the worker that holds
it. The reconciled rows of a round and a new replica's model travel as task arguments;
a round's changed rows come back straight from the workers (not through the scheduler).

A round task may run elsewhere than its replica's worker (allow_other_workers): when
that worker dies, the scheduler moves the task to a surviving or restarted worker,
where it finds no replica and raises ReplicaLostError; the driver then builds the
replica again there from its authoritative model. A task that Dask gave up on
(KilledWorker) or whose worker connection broke counts as lost in the same way. With
no worker at all for `worker_timeout` seconds, training stops with
DistributedTrainingError.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from concurrent.futures import CancelledError
from typing import Any

import dask
import numpy as np
from distributed import Client, KilledWorker, wait
from distributed.comm.core import CommClosedError

from pyw2v.distributed import worker
from pyw2v.distributed.driver import ReplicaFailure
from pyw2v.distributed.errors import DistributedTrainingError, ReplicaLostError
from pyw2v.distributed.merge import Update
from pyw2v.distributed.replica import ReplicaSpec, RoundResult, RoundTask
from pyw2v.distributed.shards import Piece, count_piece


def _large_arguments() -> Any:
    """The rows travel as task arguments, through the scheduler: a scatter to a worker
    that dies meanwhile can hang, a task's arguments go wherever it runs. Dask warns
    about arguments over 10 MB, which a model's rows often are."""
    return dask.config.set({"distributed.admin.large-graph-warning-threshold": "64 GiB"})


logger = logging.getLogger(__name__)

# What says that a task's replica or worker is gone, not that the task itself failed.
_LOST = (ReplicaLostError, KilledWorker, CommClosedError, CancelledError)


class DaskBackend:
    def __init__(self, client: Client, worker_timeout: float = 60.0, poll: float = 0.5) -> None:
        self.client = client
        self.worker_timeout = worker_timeout
        self.poll = poll
        self.placed: dict[int, str] = {}  # replica -> the worker holding it
        # round results come from the workers directly, unless the client says it
        # cannot reach them (direct_to_workers=False) or a direct fetch has failed
        self.direct = getattr(client, "direct_to_workers", None) is not False

    def workers(self) -> list[str]:
        """The live workers' addresses (waits up to worker_timeout for one)."""
        deadline = time.monotonic() + self.worker_timeout
        while True:
            found = sorted(self.client.scheduler_info(n_workers=-1)["workers"])
            if found:
                return found
            if time.monotonic() > deadline:
                raise DistributedTrainingError(
                    f"no Dask worker for {self.worker_timeout:g} s: training stopped, no "
                    "model is returned"
                )
            time.sleep(self.poll)

    def count(self, pieces: list[Piece]) -> list[Any]:
        futures = self.client.map(count_piece, pieces, pure=False, retries=2)
        try:
            return self._gather(futures)
        finally:
            self.client.cancel(futures)

    def setup(
        self,
        job: str,
        k: int,
        generation: int,
        spec: ReplicaSpec,
        matrices: dict[str, np.ndarray] | None,
    ) -> int:
        live = self.workers()
        load = {addr: 0 for addr in live}
        for j, addr in self.placed.items():
            if j != k and addr in load:
                load[addr] += 1
        target = min(live, key=lambda addr: (load[addr], (live.index(addr) - k) % len(live)))
        payload = (  # None: the replica draws a fresh run's weights itself
            None
            if matrices is None
            else {name: np.ascontiguousarray(m) for name, m in matrices.items()}
        )
        try:
            with _large_arguments():
                future = self.client.submit(
                    worker.setup_replica,
                    job,
                    k,
                    generation,
                    spec,
                    payload,
                    workers=[target],
                    allow_other_workers=True,
                    pure=False,
                )
            n_words, where = self._gather([future])[0]
        except _LOST as exc:
            raise ReplicaFailure(k, f"setup failed: {type(exc).__name__}: {exc}") from exc
        self.placed[k] = where or target
        return int(n_words)

    def rounds(
        self, job: str, calls: dict[int, tuple[int, RoundTask, Update | None]]
    ) -> dict[int, RoundResult | ReplicaFailure]:
        with _large_arguments():
            futures = {
                k: self.client.submit(
                    worker.run_round,
                    job,
                    k,
                    generation,
                    update,
                    task,
                    workers=[self.placed[k]],
                    allow_other_workers=True,
                    pure=False,
                )
                for k, (generation, task, update) in calls.items()
            }
        out: dict[int, RoundResult | ReplicaFailure] = {}
        try:
            self._wait(list(futures.values()))
            out.update(self._fetch_direct(futures))
            for k, future in futures.items():
                if k in out:
                    continue
                try:
                    out[k] = future.result()
                except _LOST as exc:
                    out[k] = ReplicaFailure(k, f"{type(exc).__name__}: {exc}")
                except Exception as exc:
                    raise DistributedTrainingError(
                        f"replica {k} failed: {type(exc).__name__}: {exc}"
                    ) from exc
        finally:
            self.client.cancel(list(futures.values()))
        return out

    def close(self, job: str) -> None:
        with contextlib.suppress(Exception):  # best effort: the workers may be gone
            self.client.run(worker.drop_replicas, job, on_error="ignore")

    def _fetch_direct(self, futures: dict[int, Any]) -> dict[int, Any]:
        """The results of the finished futures, fetched from their workers directly
        (through the scheduler they travel several times slower); empty if that fails,
        and the caller asks each future on its own. A failure while every result is
        still there means that this client cannot reach the workers: it fetches
        through the scheduler from then on."""
        done = {k: f for k, f in futures.items() if f.status == "finished"}
        if not self.direct or not done:
            return {}
        try:
            values = self.client.gather(list(done.values()), direct=True)
        except Exception as exc:  # a worker went away, or this client cannot reach it
            if all(f.status == "finished" for f in done.values()):
                self.direct = False
                logger.warning(
                    "fetching round results from the workers failed (%s: %s): "
                    "fetching them through the scheduler from now on",
                    type(exc).__name__,
                    exc,
                )
            return {}
        return dict(zip(done, values, strict=True))

    def _wait(self, futures: list[Any]) -> None:
        """Waits for the futures, failing if the cluster has no worker for too long."""
        while True:
            try:
                wait(futures, timeout=max(self.poll, 1.0))
                return
            except (TimeoutError, asyncio.TimeoutError):
                self.workers()  # raises after worker_timeout without any worker

    def _gather(self, futures: list[Any]) -> list[Any]:
        self._wait(futures)
        return [future.result() for future in futures]
