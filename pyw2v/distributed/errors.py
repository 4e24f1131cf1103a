"""The exceptions of distributed training."""

from __future__ import annotations

from typing import Any


class DistributedTrainingError(RuntimeError):
    """Distributed training could not finish: a replica failed more often than allowed,
    no worker was left to take its shard, or a task raised an error that a retry cannot
    mend. No model is returned: it would have been trained on part of the corpus."""


class ReplicaLostError(RuntimeError):
    """A round reached a worker that does not hold the replica it names (the worker that
    held it died or was restarted): the driver hands the shard to a worker again."""


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C (or a callback's KeyboardInterrupt) stopped distributed training. `model`
    is the driver's model as of the last merged round: usable (save, query, train on),
    but trained on part of the corpus."""

    def __init__(self, model: Any, message: str) -> None:
        super().__init__(message)
        self.model = model
