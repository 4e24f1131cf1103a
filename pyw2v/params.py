"""Training hyperparameters: gensim-4 names, defaults and their valid ranges."""

from __future__ import annotations

import dataclasses
import math
import numbers
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from pyw2v import _core


def cpu_count() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class Params:
    """Read-only hyperparameters of a model (see Word2Vec for their meaning)."""

    vector_size: int = 100
    alpha: float = 0.025
    min_alpha: float = 0.0001
    window: int = 5
    min_count: int = 5
    max_vocab_size: int | None = None
    max_final_vocab: int | None = None
    sample: float = 1e-3
    seed: int = 1
    workers: int = 0
    negative: int = 5
    ns_exponent: float = 0.75
    cbow_mean: bool = True
    cbow_exact_grad: bool = False
    epochs: int = 5
    simd: str = "auto"
    negative_reuse: int = 1
    sg: int = 0
    hs: int = 0
    shrink_windows: bool = True
    sg_batch: bool | None = None  # None: batched for skip-gram with negative sampling alone

    def __post_init__(self) -> None:
        _positive_int("vector_size", self.vector_size, upper=_core.MAX_DIM)
        # a window past the longest sentence (10,000 tokens) changes nothing; the bounds
        # keep the C core's int32 sizes far from overflow
        _positive_int("window", self.window, upper=_core.MAX_SENTENCE)
        _positive_int("epochs", self.epochs)
        _int_at_least("negative_reuse", self.negative_reuse, 1, upper=16)
        _int_at_least("min_count", self.min_count, 0)
        for name in ("sg", "hs"):
            object.__setattr__(self, name, int(check_flag(name, getattr(self, name))))
        _int_at_least("negative", self.negative, 0, upper=1_000_000)
        if self.negative == 0 and self.hs == 0:
            raise ValueError(
                "negative=0 with hs=0 leaves nothing to train: use negative sampling "
                "(negative >= 1), hierarchical softmax (hs=1) or both"
            )
        if self.sg and self.negative_reuse != 1:
            raise ValueError(
                f"negative_reuse applies to CBOW only (sg=0), got negative_reuse="
                f"{self.negative_reuse} with sg=1"
            )
        self._check_sg_batch()
        _int_at_least("workers", self.workers, 0, upper=_core.MAX_THREADS)
        _int_at_least("seed", self.seed, 0, upper=2**64 - 1)
        for name in ("max_vocab_size", "max_final_vocab"):
            value = getattr(self, name)
            if value is not None:
                _positive_int(name, value)
        _finite("alpha", self.alpha, low=0.0, low_open=True)
        _finite("min_alpha", self.min_alpha, low=0.0)
        if self.min_alpha > self.alpha:
            raise ValueError(
                f"min_alpha must not exceed alpha, got min_alpha={self.min_alpha} > "
                f"alpha={self.alpha}"
            )
        _finite("sample", self.sample, low=0.0)
        _finite("ns_exponent", self.ns_exponent)  # negative: rare words drawn more (gensim)
        if self.simd not in ("auto", "scalar", "avx2", "avx512"):
            raise ValueError(f"simd must be auto, scalar, avx2 or avx512, got {self.simd!r}")
        # numpy scalars become Python numbers (so that save() can write them as JSON)
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None or isinstance(value, (bool, str)):
                continue
            object.__setattr__(self, f.name, int(value) if _is_int(value) else float(value))

    def _check_sg_batch(self) -> None:
        """sg_batch: None (the form `batched` picks) or a bool, True only with skip-gram
        (the block step batches the pairs of a window; it takes negative sampling,
        hierarchical softmax or both)."""
        value = self.sg_batch
        if value is None:
            return
        if not (isinstance(value, (bool, np.bool_)) or (_is_int(value) and value in (0, 1))):
            raise TypeError(f"sg_batch must be True, False or None, got {self.sg_batch!r}")
        object.__setattr__(self, "sg_batch", bool(self.sg_batch))
        if not self.sg_batch:
            return
        if not self.sg:
            raise ValueError(
                "sg_batch applies to skip-gram only (sg=1): it batches the (center, context) "
                "pairs of a window, got sg_batch=True with sg=0"
            )

    @property
    def batched(self) -> bool:
        """Whether skip-gram trains a window at a time (the block step): sg_batch when
        given; by default (None) for skip-gram with negative sampling alone, where it
        trains faster and scores higher than the per-pair form (benchmarks/RESULTS.md,
        twelfth session), and not with hierarchical softmax, where the pair step is
        faster, nor for CBOW."""
        if self.sg_batch is not None:
            return self.sg_batch
        return bool(self.sg) and not self.hs

    @property
    def n_threads(self) -> int:
        """Worker threads: `workers`, or all usable cores when it is 0."""
        return self.workers if self.workers > 0 else cpu_count()

    def replace(self, **changes: Any) -> Params:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _is_int(value: Any) -> bool:
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        or (hasattr(value, "__index__") and not isinstance(value, (bool, float)))
    )


def _int_at_least(name: str, value: Any, low: int, upper: int | None = None) -> None:
    if not _is_int(value):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < low or (upper is not None and value > upper):
        bound = f"in {low}..{upper}" if upper is not None else f">= {low}"
        raise ValueError(f"{name} must be {bound}, got {value}")


def check_flag(name: str, value: Any) -> bool:
    """A switch given as a bool or the int 0 or 1 (gensim's sg=1 style): TypeError for
    other types, ValueError for other ints."""
    if not _is_int(value) and not isinstance(value, bool):
        raise TypeError(f"{name} must be 0 or 1, got {value!r}")
    if value not in (0, 1):
        raise ValueError(f"{name} must be 0 or 1, got {value!r}")
    return bool(value)


def _positive_int(name: str, value: Any, upper: int | None = None) -> None:
    _int_at_least(name, value, 1, upper)


def _finite(name: str, value: Any, low: float | None = None, low_open: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if low is None:
        if not math.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value}")
        return
    if not math.isfinite(value) or value < low or (low_open and value == low):
        relation = ">" if low_open else ">="
        raise ValueError(f"{name} must be finite and {relation} {low}, got {value}")
