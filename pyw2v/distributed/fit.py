"""What train() and simulate() share: checking the options, counting the vocabulary on
the backend, cutting the shards and running the driver."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

from pyw2v.callbacks import check_callbacks
from pyw2v.distributed.driver import Backend, Options, TrainingReport, run
from pyw2v.distributed.merge import check_rule, check_sync_dtype
from pyw2v.distributed.momentum import check_block_momentum
from pyw2v.distributed.schedule import check_schedule
from pyw2v.distributed.shards import cut_files
from pyw2v.distributed.vocab import build_vocab
from pyw2v.model import Word2Vec

PathLike = str | os.PathLike[str]


def fit(
    backend: Backend,
    files: PathLike | Sequence[PathLike],
    replicas: int,
    options: Options,
    count_pieces: int,
    callbacks: Iterable[Any],
    progress: bool,
    params: dict[str, Any],
) -> tuple[Word2Vec, TrainingReport]:
    paths = _paths(files)
    counts = [("replicas", replicas), ("sync_words", options.sync_words)]
    if options.first_epoch_sync_words is not None:
        counts.append(("first_epoch_sync_words", options.first_epoch_sync_words))
    for name, value in counts:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    if (
        isinstance(options.max_retries, bool)
        or not isinstance(options.max_retries, int)
        or (options.max_retries < 0)
    ):
        raise ValueError(f"max_retries must be an integer >= 0, got {options.max_retries!r}")
    check_rule(options.merge)
    check_block_momentum(options.block_momentum)
    check_sync_dtype(options.sync_dtype)
    check_schedule(options.sync_schedule, options.sync_top)
    hooks = check_callbacks(callbacks)
    model = vocab_model(backend, paths, count_pieces, {"progress": progress, **params})
    if options.threads is None and model.params.workers > 0:
        options.threads = model.params.workers
    report = run(
        backend, model, cut_files(paths, replicas), options, model.params.epochs, hooks, progress
    )
    return model, report


def vocab_model(
    backend: Backend,
    files: PathLike | Sequence[PathLike],
    count_pieces: int,
    params: dict[str, Any],
) -> Word2Vec:
    """A Word2Vec made with `params`, its vocabulary counted on the backend."""
    paths = _paths(files)
    if isinstance(count_pieces, bool) or not isinstance(count_pieces, int) or count_pieces < 1:
        raise ValueError(f"count_pieces must be an integer >= 1, got {count_pieces!r}")
    for name in ("sentences", "corpus_file"):
        if name in params:
            raise TypeError(f"{name} is not a parameter here: pass the corpus as `files`")
    if params.get("max_vocab_size"):
        raise ValueError(
            "max_vocab_size is not supported by distributed training: it prunes while "
            "counting, which pieces counted apart cannot reproduce; use max_final_vocab"
        )
    model = Word2Vec(**params)
    build_vocab(model, backend.count(cut_files(paths, count_pieces)))
    return model


def _paths(files: Any) -> list[str]:
    """The corpus files as absolute paths (the workers' working directory may differ)."""
    paths = [files] if isinstance(files, (str, os.PathLike)) else list(files)
    if not paths or not all(isinstance(p, (str, os.PathLike)) for p in paths):
        raise TypeError("files must be a path or a non-empty list of paths")
    return [os.path.abspath(p) for p in paths]
