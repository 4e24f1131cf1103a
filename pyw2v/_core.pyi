"""Type stub of the C extension pyw2v._core (see pyw2v/_core.pyx)."""

from typing import Any

import numpy as np
import numpy.typing as npt

_Buffer = bytes | bytearray | memoryview

MAX_SENTENCE: int
MAX_TOKEN_BYTES: int
MAX_DIM: int
MAX_THREADS: int
BLOCK_MAX_IN: int
BLOCK_MAX_OUT: int
MAX_EXP: float
SIGMOID_SIZE: int
MAX_WORD_BYTES: int

def simd_best() -> str: ...
def simd_available(name: str) -> bool: ...
def sigmoid_table() -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]: ...
def sigmoid(x: npt.ArrayLike) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]: ...
def noise_table(
    counts: npt.ArrayLike, power: float = ...
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int32]]: ...
def noise_draws(
    counts: npt.ArrayLike, power: float, n: int, seed: int
) -> npt.NDArray[np.int32]: ...
def keep_probs(counts: npt.ArrayLike, sample: float) -> npt.NDArray[np.float32]: ...
def window_reaches(window: int, n: int, seed: int) -> npt.NDArray[np.int32]: ...
def schedule_alpha(
    alpha_start: float, alpha_end: float, words_before: int, words_total: int, done_in_epoch: int
) -> float: ...
def huffman_tree(
    counts: npt.ArrayLike,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.uint8]]: ...
def step_update(
    in_vecs: npt.NDArray[np.float32],
    out_vecs: npt.NDArray[np.float32],
    inputs: npt.ArrayLike,
    targets: npt.ArrayLike,
    labels: npt.ArrayLike,
    alpha: float,
    in_scale: float = ...,
    grad_scale: float = ...,
    simd: str = ...,
    lockf: npt.ArrayLike | None = ...,
) -> float: ...
def block_update(
    in_vecs: npt.NDArray[np.float32],
    out_vecs: npt.NDArray[np.float32],
    inputs: npt.ArrayLike,
    targets: npt.ArrayLike,
    labels: npt.ArrayLike,
    alpha: float,
    simd: str = ...,
    lockf: npt.ArrayLike | None = ...,
) -> float: ...
def pair_update(
    in_vecs: npt.NDArray[np.float32],
    out_vecs: npt.NDArray[np.float32],
    inputs: npt.ArrayLike,
    targets: npt.ArrayLike,
    labels: npt.ArrayLike,
    alpha: float,
    simd: str = ...,
) -> float: ...
def planned_steps(
    sentence: npt.ArrayLike,
    counts: npt.ArrayLike,
    window: int,
    negative: int,
    sg: bool,
    hs: bool,
    shrink_windows: bool = ...,
    cbow_mean: bool = ...,
    exact_ctx_grad: bool = ...,
    seed: int = ...,
    negative_reuse: int = ...,
    sg_batch: bool = ...,
) -> list[tuple[list[int], float, float, list[tuple[str, int, float]]]]: ...
def packed_widths(n: int) -> npt.NDArray[np.int8]: ...
def pack_ids(ids: npt.NDArray[np.int32], out: npt.NDArray[np.uint8], n_out: int) -> int: ...
def remap_ids(
    packed: npt.NDArray[np.uint8],
    id_map: npt.NDArray[np.int32],
    out: npt.NDArray[np.uint8],
    n_out: int,
) -> int: ...
def unpack_ids(packed: npt.NDArray[np.uint8]) -> npt.NDArray[np.int32]: ...
def packed_stats(packed: npt.NDArray[np.uint8], vocab_size: int) -> tuple[int, int]: ...
def merge_rows(
    matrix: npt.NDArray[np.float32],
    rows: npt.NDArray[np.int64],
    ats: list[npt.NDArray[np.int64]],
    values: list[npt.NDArray[np.float32]],
    retention: npt.NDArray[np.float32] | None,
    last: npt.NDArray[np.float32] | None = None,
    rate: float = 0.0,
) -> npt.NDArray[np.float32]: ...
def packed_cuts(
    packed: npt.NDArray[np.uint8], n_words: int, n_slices: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...

class Trainer:
    def __init__(
        self,
        in_vecs: npt.NDArray[np.float32],
        out_vecs: npt.NDArray[np.float32] | None,
        keep: npt.NDArray[np.float32],
        counts: npt.ArrayLike,
        ns_exponent: float,
        window: int,
        negative: int,
        cbow_mean: bool,
        exact_ctx_grad: bool,
        workers: int,
        seed: int,
        simd: str = ...,
        negative_reuse: int = ...,
        node_vecs: npt.NDArray[np.float32] | None = ...,
        sg: bool = ...,
        shrink_windows: bool = ...,
        lockf: npt.NDArray[np.float32] | None = ...,
        sg_batch: bool = ...,
        compute_loss: bool = ...,
    ) -> None: ...
    def train_epoch(
        self,
        packed: npt.NDArray[np.uint8],
        epoch: int,
        alpha_start: float,
        alpha_end: float,
        words_before: int,
        words_total: int,
    ) -> tuple[bool, int, int, float]: ...
    def request_stop(self) -> None: ...
    def progress(self) -> tuple[int, float, int, float]: ...

class Counter:
    def __init__(self, max_size: int = ..., record_bytes: int = ...) -> None: ...
    def feed(self, data: _Buffer, final: bool = ...) -> None: ...
    @property
    def stats(self) -> dict[str, int]: ...
    @property
    def min_reduce(self) -> int: ...
    def export(self) -> tuple[list[str], npt.NDArray[np.int64]]: ...
    def merge(self, src: Counter) -> npt.NDArray[np.int32]: ...
    def map_words(self, words: list[str]) -> npt.NDArray[np.int32]: ...
    @property
    def recorded_bytes(self) -> int: ...
    def remap_recording(
        self, id_map: npt.NDArray[np.int32], out: npt.NDArray[np.uint8], n_out: int
    ) -> int: ...

class Encoder:
    def __init__(self, words: list[str]) -> None: ...
    def feed(self, data: _Buffer, final: bool, out: npt.NDArray[np.int32], n_out: int) -> int: ...
    def lookup(self, word: str) -> int: ...
    @property
    def stats(self) -> dict[str, Any]: ...

class BinaryRowError(ValueError):
    row: int
    problem: str
    scan: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], int] | None
    def __init__(
        self,
        message: str,
        row: int,
        problem: str,
        scan: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], int] | None = ...,
    ) -> None: ...

def scan_word2vec_binary(
    buffer: _Buffer, n_rows: int, dim: int, out: npt.NDArray[np.float32] | None = ...
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], int]: ...
def copy_word2vec_vectors(
    buffer: _Buffer,
    starts: npt.NDArray[np.int64],
    lengths: npt.NDArray[np.int64],
    out: npt.NDArray[np.float32],
) -> int: ...
def join_words(
    buffer: _Buffer, starts: npt.NDArray[np.int64], lengths: npt.NDArray[np.int64]
) -> bytes: ...
