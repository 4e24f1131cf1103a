"""The worker side: replicas held in the worker process between rounds, keyed by job
and replica number. A round that reaches a worker without its replica (the worker that
held it died, or the task moved) raises ReplicaLostError, and the driver builds the
replica again from its authoritative model. Nothing here imports dask."""

from __future__ import annotations

import sys
import threading
from typing import Any

import numpy as np

from pyw2v.distributed.errors import ReplicaLostError
from pyw2v.distributed.merge import Update
from pyw2v.distributed.replica import Replica, ReplicaSpec, RoundResult, RoundTask

_LOCK = threading.Lock()
_REPLICAS: dict[tuple[str, int], tuple[int, Replica]] = {}


def setup_replica(
    job: str, k: int, generation: int, spec: ReplicaSpec, matrices: dict[str, np.ndarray] | None
) -> tuple[int, str | None]:
    """Builds replica k (encodes its shard; matrices None: draws a fresh run's weights,
    replica.FreshWeightsMismatch if they are not the driver's); returns its words and
    where it lives (the Dask worker's address, None outside a worker)."""
    if spec.threads is None:
        spec.threads = _worker_threads()
    replica = Replica(spec, matrices)
    with _LOCK:
        _REPLICAS[(job, k)] = (generation, replica)
    return replica.n_words, _worker_address()


def run_round(
    job: str, k: int, generation: int, update: Update | None, task: RoundTask
) -> RoundResult:
    """Applies the reconciled rows it lacks, trains one round, returns the changed rows."""
    with _LOCK:
        held = _REPLICAS.get((job, k))
    if held is None or held[0] != generation:
        raise ReplicaLostError(
            f"replica {k} (generation {generation}) of job {job} is not on this worker"
        )
    replica = held[1]
    replica.apply(update)
    return replica.train_round(task)


def drop_replicas(job: str, k: int | None = None) -> int:
    """Frees the replicas of a job (one, or all); returns how many were held."""
    with _LOCK:
        keys = [key for key in _REPLICAS if key[0] == job and (k is None or key[1] == k)]
        for key in keys:
            del _REPLICAS[key]
    return len(keys)


def _dask_worker() -> Any:
    """The Dask worker running this task, or None (outside one). Looks only if
    distributed is already imported, as it is in a worker: the simulated backend must
    not pay for importing it."""
    module = sys.modules.get("distributed")
    if module is None:
        return None
    try:
        return module.get_worker()
    except ValueError:
        return None


def _worker_address() -> str | None:
    found = _dask_worker()
    return None if found is None else str(found.address)


def _worker_threads() -> int | None:
    found = _dask_worker()
    return None if found is None else int(found.state.nthreads)
