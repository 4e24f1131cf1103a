"""The driver: holds the authoritative model and runs the rounds on a backend (the
in-process simulation or Dask), merging the replicas' changes after each round. A
replica that fails is built again from the authoritative model and redoes the round it
lost; past max_retries failures of one replica in a row, training stops with
DistributedTrainingError. Ctrl-C stops it with TrainingInterrupted, which carries the
model as of the last merged round."""

from __future__ import annotations

import dataclasses
import logging
import math
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from pyw2v import _core
from pyw2v.callbacks import notify
from pyw2v.distributed.errors import DistributedTrainingError, TrainingInterrupted
from pyw2v.distributed.merge import (
    Update,
    lacking_rows,
    merge_changes,
    merge_deltas,
    retention_rows,
    round_occurrences,
)
from pyw2v.distributed.momentum import BlockMomentum
from pyw2v.distributed.replica import (
    FreshWeightsMismatch,
    ReplicaSpec,
    RoundResult,
    RoundTask,
)
from pyw2v.distributed.schedule import DEFAULT_TOP, rows_due
from pyw2v.distributed.shards import Piece
from pyw2v.progress import ProgressReporter
from pyw2v.weights import digest

logger = logging.getLogger(__name__)

SETUP_THREADS = 16  # replicas set up at once (each waits for its worker)
# the first epoch's rounds are this much shorter by default (benchmarks/RESULTS.md,
# fourteenth session: merging costs quality mostly while the learning rate is high)
FIRST_EPOCH_SHARE = 4


class ReplicaFailure(Exception):
    """A backend's report that replica k is lost (its worker died, or the task ran
    where the replica is not); the driver builds it again."""

    def __init__(self, k: int, reason: str) -> None:
        super().__init__(f"replica {k}: {reason}")
        self.k = k
        self.reason = reason


class Backend(Protocol):
    def count(self, pieces: list[Piece]) -> list[Any]: ...

    def setup(
        self,
        job: str,
        k: int,
        generation: int,
        spec: ReplicaSpec,
        matrices: dict[str, np.ndarray] | None,
    ) -> int: ...

    def rounds(
        self, job: str, calls: dict[int, tuple[int, RoundTask, Update | None]]
    ) -> dict[int, RoundResult | ReplicaFailure]: ...

    def close(self, job: str) -> None: ...


@dataclass
class Options:
    """How replicas are reconciled (see pyw2v.distributed.train)."""

    sync_words: int = 1_000_000
    # benchmarks/RESULTS.md, eleventh session: 2 points over "hybrid" at 2 replicas
    merge: str = "smooth"
    # benchmarks/RESULTS.md, ninth session: the quality of "all" at a fraction of the bytes
    sync_schedule: str = "doubling"
    sync_top: int = DEFAULT_TOP
    max_retries: int = 3
    sync_dtype: str = "float32"
    # benchmarks/RESULTS.md, fourteenth session: +0.6 analogy points at 2 replicas, and
    # with first epochs in rounds of a quarter of sync_words within a point of one machine
    block_momentum: float = 0.3
    # words per round in a train call's first epoch; None: sync_words // 4 (one replica:
    # sync_words, it loses nothing to merging)
    first_epoch_sync_words: int | None = None
    threads: int | None = None

    def words_per_round(self, epoch: int, replicas: int) -> int:
        """Words each of `replicas` replicas trains per round in epoch `epoch` of a
        train call."""
        if epoch > 0:
            return self.sync_words
        if self.first_epoch_sync_words is not None:
            return self.first_epoch_sync_words
        return max(1, self.sync_words // FIRST_EPOCH_SHARE) if replicas > 1 else self.sync_words


@dataclass
class TrainingReport:
    """What a distributed training run did: words read and positive examples trained
    (summed over the replicas' rounds that were merged), rounds per epoch, the
    replicas' shard sizes and how many times a replica was built again."""

    words: int = 0
    examples: int = 0
    rounds_per_epoch: int = 0  # of an epoch in rounds of sync_words
    epoch_rounds: list[int] = field(default_factory=list)  # rounds of each epoch trained
    shard_words: list[int] = field(default_factory=list)
    recoveries: int = 0
    elapsed: float = 0.0


def round_alpha(
    alpha_start: float, alpha_end: float, epoch: int, epochs: int, r: int, n_rounds: int
) -> float:
    """The learning rate in the middle of round r of epoch `epoch` (rounds of equal
    words): the replicas' rate falls linearly from alpha_start to alpha_end over all
    epochs' words (replica.py, train_epoch's schedule)."""
    return alpha_start - (alpha_start - alpha_end) * (epoch + (r + 0.5) / n_rounds) / epochs


def run(
    backend: Backend,
    model: Any,
    shards: list[Piece],
    options: Options,
    epochs: int,
    callbacks: tuple[Any, ...],
    progress: bool,
) -> TrainingReport:
    """Trains `model` (with its vocabulary and initial weights) on the shards, one
    replica per shard; the model's arrays are the authoritative ones."""
    p = model.params
    job = uuid.uuid4().hex
    matrices = {"vectors": model.wv.vectors}
    for name in model._output_names():
        matrices[name] = getattr(model, name)
    report = TrainingReport()
    generation = {k: 0 for k in range(len(shards))}
    failures = {k: 0 for k in range(len(shards))}
    base = dict(words=list(model.vocab.index_to_key), counts=model.vocab.counts, params=p.to_dict())
    specs = {
        k: ReplicaSpec(
            piece,
            seed=p.seed + k,
            threads=options.threads,
            memory_budget=model.memory_budget,
            **base,
        )
        for k, piece in enumerate(shards)
    }
    start = time.perf_counter()

    def rebuild(k: int, reason: str) -> int:
        failures[k] += 1
        report.recoveries += 1
        if failures[k] > options.max_retries:
            raise DistributedTrainingError(
                f"replica {k} failed {failures[k]} times in a row (last: {reason}); "
                "training stopped, no model is returned (it would miss part of the corpus)"
            )
        logger.warning("replica %d lost (%s): building it again from the driver's model", k, reason)
        generation[k] += 1
        return _setup(k)

    # a fresh run's weights are drawn by each replica from the seed, not sent
    fresh = digest(matrices) if model.epochs_trained == 0 else None

    def _setup(k: int, first: bool = False) -> int:
        while True:
            try:
                if first and fresh is not None:
                    try:
                        spec = dataclasses.replace(specs[k], fresh=fresh)
                        return backend.setup(job, k, generation[k], spec, None)
                    except FreshWeightsMismatch:
                        logger.warning("replica %d drew other weights: sending them", k)
                        first = False
                return backend.setup(job, k, generation[k], specs[k], matrices)
            except ReplicaFailure as failure:
                failures[k] += 1
                report.recoveries += 1
                if failures[k] > options.max_retries:
                    raise DistributedTrainingError(
                        f"replica {k} could not be set up ({failure.reason}) after "
                        f"{failures[k]} tries; no model is returned"
                    ) from failure
                generation[k] += 1

    reporter = ProgressReporter(1, enabled=progress)
    words_done = 0
    epoch = 0
    try:
        try:
            # the replicas encode their shards at the same time
            with ThreadPoolExecutor(min(len(shards), SETUP_THREADS)) as pool:
                report.shard_words = list(pool.map(lambda k: _setup(k, True), range(len(shards))))
            failures.update(dict.fromkeys(failures, 0))
            total_words = sum(report.shard_words)
            if total_words == 0:
                raise ValueError("the corpus holds no word of the vocabulary")
            epoch_rounds = [
                max(1, math.ceil(max(report.shard_words) / options.words_per_round(e, len(shards))))
                for e in range(epochs)
            ]
            n_rounds = max(1, math.ceil(max(report.shard_words) / options.sync_words))
            report.rounds_per_epoch = n_rounds
            # each round its own random streams: rounds are numbered on from the
            # epochs trained before, counted in rounds of sync_words
            first_seed = model.epochs_trained * n_rounds
            counts = model.vocab.counts
            huffman = _core.huffman_tree(counts)[:2] if "syn1" in matrices else None
            occurrences_of: dict[int, dict[str, np.ndarray]] = {}  # by rounds per epoch

            def occurrences(rounds: int) -> dict[str, np.ndarray]:
                if rounds not in occurrences_of:
                    occurrences_of[rounds] = round_occurrences(
                        matrices, counts, max(report.shard_words) / rounds, huffman
                    )
                return occurrences_of[rounds]

            reporter.total_words = epochs * total_words
            alpha_start, alpha_end = p.alpha, p.min_alpha
            momentum = (
                BlockMomentum(options.block_momentum, matrices)
                if options.block_momentum > 0 and len(shards) > 1
                else None
            )
            notify(callbacks, "on_train_begin", model)
            updates: dict[int, Update] = {}  # per replica, the reconciled rows it lacks
            for epoch in range(epochs):
                notify(callbacks, "on_epoch_begin", model)
                loss_sum, examples = 0.0, 0
                rounds = epoch_rounds[epoch]
                report.epoch_rounds.append(rounds)
                if options.merge != "smooth":  # "hybrid"'s hot rows: by this epoch's rounds
                    retention = retention_rows(
                        options.merge, matrices, occurrences(rounds), len(shards), alpha_start
                    )
                for r in range(rounds):
                    task = RoundTask(
                        epoch=epoch,
                        epochs=epochs,
                        round_index=r,
                        n_rounds=rounds,
                        epoch_seed=first_seed + sum(epoch_rounds[:epoch]) + r,
                        alpha_start=alpha_start,
                        alpha_end=alpha_end,
                        due=rows_due(
                            options.sync_schedule, r, rounds, len(model.vocab), options.sync_top
                        ),
                        sync_dtype=options.sync_dtype,
                    )
                    results: dict[int, RoundResult] = {}
                    pending = {k: (generation[k], task, updates.get(k)) for k in specs}
                    while pending:
                        out = backend.rounds(job, pending)
                        for k, result in out.items():
                            if isinstance(result, ReplicaFailure):
                                rebuild(k, result.reason)
                            else:
                                results[k] = result
                                failures[k] = 0
                        # rebuilt replicas start from the merged model
                        pending = {
                            k: (generation[k], task, None) for k in pending if k not in results
                        }
                    contributions = [results[k].changes for k in sorted(results)]
                    if options.merge == "smooth":  # by the round's mean learning rate
                        retention = retention_rows(
                            options.merge,
                            matrices,
                            occurrences(rounds),
                            len(shards),
                            round_alpha(alpha_start, alpha_end, epoch, epochs, r, rounds),
                        )
                    merged = (merge_deltas if options.sync_dtype == "float16" else merge_changes)(
                        matrices, contributions, retention, momentum
                    )
                    updates = dict(
                        zip(sorted(results), lacking_rows(merged, contributions), strict=True)
                    )
                    round_words = sum(res.words for res in results.values())
                    words_done += round_words
                    examples += sum(res.examples for res in results.values())
                    loss_sum += sum(res.loss_sum for res in results.values())
                    frac = words_done / (epochs * total_words)
                    reporter.update(
                        words_done,
                        epoch,
                        epochs,
                        alpha_start - (alpha_start - alpha_end) * min(frac, 1.0),
                        loss_sum / examples if examples else None,
                    )
                model.epoch_words.append(words_done - report.words)
                report.words = words_done
                report.examples += examples
                mean_loss = loss_sum / examples if examples else 0.0
                model.epochs_trained += 1
                model.epoch_losses.append(mean_loss)
                model.running_training_loss += loss_sum
                model.min_alpha_yet_reached = alpha_start - (alpha_start - alpha_end) * min(
                    words_done / (epochs * total_words), 1.0
                )
                # an untrained model's loss is ln 2 per output row of an example
                ceiling = 2 * math.log(2) * model._targets_per_example()
                if (
                    not math.isfinite(mean_loss)
                    or mean_loss > ceiling
                    or not all(np.isfinite(m).all() for m in matrices.values())
                ):
                    raise FloatingPointError(
                        f"training diverged in epoch {model.epochs_trained}: the loss is "
                        f"{mean_loss:.4g}, more than twice an untrained model's; lower alpha "
                        f"(now {alpha_start}), or merge the replicas with merge='hybrid', "
                        f"'smooth' or 'mean' (now {options.merge!r})"
                    )
                model.wv.reset_norms()
                notify(callbacks, "on_epoch_end", model)
            notify(callbacks, "on_train_end", model)
        except KeyboardInterrupt as exc:
            model.wv.reset_norms()
            raise TrainingInterrupted(
                model,
                f"distributed training interrupted in epoch {epoch + 1} of {epochs}: the "
                "model holds the rounds merged so far",
            ) from exc
    finally:
        reporter.close()
        report.elapsed = time.perf_counter() - start
        backend.close(job)
    return report
