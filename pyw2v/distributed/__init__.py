"""Data-parallel training: one replica of the model per shard of the corpus, reconciled
in rounds by a driver that keeps the authoritative model, on a Dask cluster
(``train``, needs ``pip install 'pyw2v[dask]'``) or simulated in this process
(``simulate``). See docs/distributed.md.

Importing this package does not import dask; ``train`` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pyw2v.distributed.driver import Options, TrainingReport
from pyw2v.distributed.errors import DistributedTrainingError, ReplicaLostError, TrainingInterrupted
from pyw2v.distributed.fit import PathLike, fit, vocab_model
from pyw2v.model import Word2Vec

__all__ = [
    "DistributedTrainingError",
    "ReplicaLostError",
    "TrainingInterrupted",
    "TrainingReport",
    "build_vocab",
    "simulate",
    "train",
]


def train(
    client: Any,
    files: PathLike | Sequence[PathLike],
    *,
    replicas: int | None = None,
    sync_words: int = Options.sync_words,
    merge: str = Options.merge,
    sync_schedule: str = Options.sync_schedule,
    sync_top: int = Options.sync_top,
    sync_dtype: str = Options.sync_dtype,
    block_momentum: float = Options.block_momentum,
    first_epoch_sync_words: int | None = Options.first_epoch_sync_words,
    max_retries: int = Options.max_retries,
    worker_timeout: float = 60.0,
    callbacks: Iterable[Any] = (),
    progress: bool = True,
    return_report: bool = False,
    **word2vec_params: Any,
) -> Word2Vec | tuple[Word2Vec, TrainingReport]:
    """Trains a Word2Vec on a Dask cluster and returns it (an ordinary model: save it,
    query it, train it further on one machine with ``model.train(corpus_file=files)``).

    Parameters
    ----------
    client : distributed.Client
        A client of the cluster; its workers must be able to read `files`.
    files : path or list of paths
        The corpus (plain or compressed text, as Word2Vec's corpus_file).
    replicas : int, optional
        Replicas (shards) to train; default one per worker of the cluster. A worker
        holds each of its replicas' model copies (twice the model: its rows and the
        rows as last reconciled).
    sync_words : int
        Words each replica trains per round, between reconciliations.
    merge : "hybrid", "smooth", "mean" or "sum"
        How the replicas' changes to one row combine: their sum, their average over
        the replicas that changed it, "hybrid": the average for the rows of words
        each replica meets often in a round (30 / (K - 1) times or more with K
        replicas) and the sum for the others, or "smooth" (the default): a weight
        between the average and the sum that falls smoothly as the word's
        occurrences in a round times the learning rate grow. Summing every row
        overshoots the frequent ones (it diverges with 4 replicas); averaging every
        row under-trains the rest (docs/distributed.md has the measurements).
    sync_schedule : "doubling" or "all"
        Rows reconciled after each round: pWord2Vec's doubling schedule (the default:
        the `sync_top` (4096) most frequent rows each round, twice as many every
        second round, ...; all rows at the end of each epoch), or every changed row.
        "doubling" moves a fraction of the bytes for the same quality; a replica
        lost mid-epoch loses its changes to the rarer rows since the epoch began.
    sync_dtype : "float32" or "float16"
        How the rows travel: their float32 values (exact), or each replica's change
        and the merged change rounded to float16 (half the bytes; the driver and
        every replica add the same rounded change, and a replica keeps what the
        rounding took off its own rows for its next round).
    block_momentum : float
        In [0, 1): a row that several replicas changed also moves by this share of
        its previous reconciled change (block momentum, BMUF). Merging replicas
        loses part of the movement that persists from round to round; 0.3 (the
        default) won back 0.6 analogy points at 2 replicas, 1.3 with shorter
        first-epoch rounds. 0: off.
    first_epoch_sync_words : int, optional
        Words per round in the first epoch; default a quarter of sync_words (with one
        replica, sync_words). Combining replicas costs quality mostly while the
        learning rate is high: with rounds of 250,000 words in the first epoch and
        1M after it, 2 replicas came within 0.7 analogy points of one machine (2.0
        with 1M throughout), for 26 more rounds (docs/distributed.md).
    max_retries : int
        Times one replica may be lost in a row (its worker died) before training stops
        with DistributedTrainingError.
    worker_timeout : float
        Seconds to wait for a worker when the cluster has none.
    return_report : bool
        Also return a TrainingReport (words trained, rounds, recoveries).
    **word2vec_params
        Word2Vec's parameters (vector_size, window, negative, epochs, seed, ...);
        `workers` sets the threads of each replica (default: the Dask worker's).

    Raises
    ------
    DistributedTrainingError
        Training could not complete; no model is returned.
    TrainingInterrupted
        Ctrl-C: its ``model`` holds the rounds merged so far.
    """
    from pyw2v.distributed.dask_backend import DaskBackend

    backend = DaskBackend(client, worker_timeout=worker_timeout)
    n_workers = len(backend.workers())
    n = replicas if replicas is not None else n_workers
    options = Options(sync_words, merge, sync_schedule, sync_top, max_retries, sync_dtype,
                      block_momentum, first_epoch_sync_words)  # fmt: skip
    model, report = fit(
        backend, files, n, options, 2 * n_workers, callbacks, progress, word2vec_params
    )
    return (model, report) if return_report else model


def build_vocab(
    client: Any,
    files: PathLike | Sequence[PathLike],
    *,
    count_pieces: int | None = None,
    **word2vec_params: Any,
) -> Word2Vec:
    """A Word2Vec with the vocabulary of `files` counted on the cluster (one task per
    piece: plain files are cut after newlines, compressed ones are counted whole) and
    fresh weights, untrained: the vocabulary (words, counts, order) and corpus
    statistics of ``Word2Vec(...).build_vocab(corpus_file=files)``."""
    from pyw2v.distributed.dask_backend import DaskBackend

    backend = DaskBackend(client)
    pieces = count_pieces if count_pieces is not None else 2 * len(backend.workers())
    return vocab_model(backend, files, pieces, word2vec_params)


def simulate(
    files: PathLike | Sequence[PathLike],
    *,
    replicas: int = 2,
    count_pieces: int = 1,
    sync_words: int = Options.sync_words,
    merge: str = Options.merge,
    sync_schedule: str = Options.sync_schedule,
    sync_top: int = Options.sync_top,
    sync_dtype: str = Options.sync_dtype,
    block_momentum: float = Options.block_momentum,
    first_epoch_sync_words: int | None = Options.first_epoch_sync_words,
    max_retries: int = Options.max_retries,
    callbacks: Iterable[Any] = (),
    progress: bool = False,
    return_report: bool = False,
    _lose: Any = None,
    **word2vec_params: Any,
) -> Word2Vec | tuple[Word2Vec, TrainingReport]:
    """Trains as ``train`` does, with the replicas in this process one after another
    (no Dask): the same shards, rounds and merges, for tests and for measuring how the
    merge rule, round length and replica count change quality."""
    from pyw2v.distributed.simulated import SimulatedBackend

    options = Options(sync_words, merge, sync_schedule, sync_top, max_retries, sync_dtype,
                      block_momentum, first_epoch_sync_words)  # fmt: skip
    model, report = fit(
        SimulatedBackend(_lose),
        files,
        replicas,
        options,
        count_pieces,
        callbacks,
        progress,
        word2vec_params,
    )
    return (model, report) if return_report else model
