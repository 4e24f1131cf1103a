"""A replica: one worker's copy of the model and its shard, trained a round at a time.

The replica keeps the rows as they were last reconciled (`base`) beside the rows it
trains, so that after a round it can tell which rows it changed. The learning rate
follows global progress: every shard is cut into the same number of rounds of about
equal word counts, so after round r of epoch e every replica has done the same
fraction of its shard, and a replica's own schedule (words_before, words_total in its
shard's words) places it where the whole corpus is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from pyw2v import _core
from pyw2v.corpus import DEFAULT_MEMORY_BUDGET
from pyw2v.distributed.merge import Changes, RowValues, Update, changed_deltas, changed_rows
from pyw2v.distributed.shards import Piece, cut_rounds, encode_piece
from pyw2v.memory import zeros_matrix
from pyw2v.params import Params
from pyw2v.vocab import Vocab
from pyw2v.weights import digest, initial_vectors


@dataclass
class ReplicaSpec:
    """What a worker needs to build a replica: its shard, the shared vocabulary and the
    training parameters. threads None: the worker's own thread count. The shard's
    packed ids are held in memory up to memory_budget bytes, memory-mapped above.
    fresh: the digest (pyw2v.weights.digest) of a fresh run's weights, which the replica
    then draws itself from the seed instead of receiving them."""

    piece: Piece
    words: list[str]
    counts: np.ndarray
    params: dict[str, Any]
    seed: int
    threads: int | None = None
    memory_budget: int = DEFAULT_MEMORY_BUDGET
    fresh: str | None = None


class FreshWeightsMismatch(RuntimeError):
    """The weights a replica drew from the seed differ from the driver's (another numpy
    on the worker, or a model that is not a fresh run's): the driver sends its own."""


def fresh_matrices(spec: ReplicaSpec) -> dict[str, np.ndarray]:
    """A fresh run's weights for the spec's model (Word2Vec.build_vocab's): the input
    vectors drawn from the seed, the output matrices of its mode at zero."""
    p = Params(**spec.params)
    out = {"vectors": initial_vectors(len(spec.words), p)}
    for name in (["syn1"] if p.hs else []) + (["syn1neg"] if p.negative else []):
        out[name] = zeros_matrix(len(spec.words), p.vector_size)
    return out


@dataclass
class RoundTask:
    """One round: slice `round_index` of n_rounds of the shard, in epoch `epoch` (of
    `epochs` in this train call); afterwards the first `due` rows of wv.vectors and
    syn1neg (all of syn1) are reconciled, as values (sync_dtype "float32") or float16
    deltas ("float16"). epoch_seed picks the random streams."""

    epoch: int
    epochs: int
    round_index: int
    n_rounds: int
    epoch_seed: int
    alpha_start: float
    alpha_end: float
    due: int
    sync_dtype: str = "float32"


@dataclass
class RoundResult:
    """What a round trained (words read, positive examples, summed loss) and the rows
    the replica changed among those due."""

    words: int
    examples: int
    loss_sum: float
    changes: Changes


class Replica:
    def __init__(self, spec: ReplicaSpec, matrices: dict[str, np.ndarray] | None) -> None:
        """matrices None: a fresh run's weights, drawn here (spec.fresh says whose)."""
        p = Params(**spec.params)
        drawn = matrices is None
        if matrices is None:
            matrices = fresh_matrices(spec)
            if digest(matrices) != spec.fresh:
                raise FreshWeightsMismatch(
                    "the weights drawn on this worker differ from the driver's"
                )
        vocab = Vocab(spec.words, spec.counts)
        self.packed = encode_piece(spec.piece, spec.words, spec.memory_budget)
        self.vocab_size = len(vocab)
        self.n_words, _ = _core.packed_stats(self.packed, self.vocab_size)
        self.current: dict[str, np.ndarray] = {}
        self.base: dict[str, np.ndarray] = {}
        for name, matrix in matrices.items():
            if drawn:  # zeros_matrix's already: train them as they are
                self.current[name] = matrix
            else:
                self.current[name] = zeros_matrix(*matrix.shape)
                self.current[name][:] = matrix
            self.base[name] = np.array(matrix, dtype=np.float32)
        threads = spec.threads or os.cpu_count() or 1
        self.trainer = _core.Trainer(
            self.current["vectors"],
            self.current.get("syn1neg"),
            vocab.keep_probs(p.sample),
            vocab.counts,
            p.ns_exponent,
            p.window,
            p.negative,
            p.cbow_mean,
            p.cbow_exact_grad,
            threads,
            spec.seed,
            p.simd,
            p.negative_reuse,
            node_vecs=self.current.get("syn1"),
            sg=bool(p.sg),
            shrink_windows=p.shrink_windows,
            sg_batch=p.batched,
        )
        self._cuts: tuple[int, np.ndarray, np.ndarray] | None = None
        self.sent: tuple[str, Changes] | None = None  # the last round's sync_dtype, changes

    def apply(self, update: Update | None) -> None:
        """Takes the reconciled rows after a round: `update` holds the rows this replica
        lacks (merge.lacking_rows), the rows it sent and are not in `update` are
        reconciled to its own change. float32: the rows' values, which become the
        trained rows and the base alike. float16: deltas that the base adds (as the
        driver adds them); the trained rows become the new base where `update` has
        them, and keep the rest of their change (what float16 rounded away) elsewhere."""
        sent, self.sent = self.sent, None
        update = update or {}
        for name in self.current:
            current, base = self.current[name], self.base[name]
            rows = update.get(name)
            own = sent[1].get(name) if sent is not None else None
            if own is not None and len(own.rows):
                alone = own if rows is None else _without(own, rows.rows, len(base))
                if sent is not None and sent[0] == "float16":
                    base[alone.rows] += alone.values.astype(np.float32)
                else:
                    base[alone.rows] = alone.values
            if rows is None or not len(rows.rows):
                continue
            if rows.values.dtype == np.float16:
                base[rows.rows] += rows.values.astype(np.float32)
                current[rows.rows] = base[rows.rows]
            else:
                base[rows.rows] = rows.values
                current[rows.rows] = rows.values

    def slices(self, n_rounds: int) -> tuple[np.ndarray, np.ndarray]:
        """The byte offsets of the shard's slices and the words of each."""
        if self._cuts is None or self._cuts[0] != n_rounds:
            cuts, words = cut_rounds(self.packed, self.vocab_size, n_rounds)
            self._cuts = (n_rounds, cuts, words)
        return self._cuts[1], self._cuts[2]

    def train_round(self, task: RoundTask) -> RoundResult:
        cuts, words = self.slices(task.n_rounds)
        r = task.round_index
        piece = self.packed[cuts[r] : cuts[r + 1]]
        stats = (False, 0, 0, 0.0)
        if len(piece):
            stats = self.trainer.train_epoch(
                piece,
                task.epoch_seed,
                task.alpha_start,
                task.alpha_end,
                task.epoch * self.n_words + int(words[:r].sum()),
                task.epochs * self.n_words,
            )
        _, n_words, examples, loss_sum = stats
        changed = changed_deltas if task.sync_dtype == "float16" else changed_rows
        changes = {
            name: changed(matrix, self.base[name], len(matrix) if name == "syn1" else task.due)
            for name, matrix in self.current.items()
        }
        self.sent = (task.sync_dtype, changes)
        return RoundResult(int(n_words), int(examples), float(loss_sum), changes)


def _without(part: RowValues, rows: np.ndarray, n_rows: int) -> RowValues:
    """The rows of `part` that are not in `rows` (rows of a matrix of n_rows rows)."""
    listed = np.zeros(n_rows, dtype=bool)
    listed[rows] = True
    keep = ~listed[part.rows]
    return RowValues(part.rows[keep], part.values[keep])
