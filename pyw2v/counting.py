"""Counting text files with the C counter (csrc/vocab_count.c), on several threads when
asked: each plain file is cut after newlines into about equal pieces, each piece is
counted by its own counter with the GIL released, and the counters are merged in text
order. A cut after a newline falls between two sentences, so the merge gives exactly
the counts, first-seen order and statistics of one pass over the text.

Without a vocabulary bound the counters also record the text as packed first-seen ids
(up to a memory budget), so that encoding is a remap of those ids instead of a second
pass of tokenizing and hashing (`Recording`).
"""

from __future__ import annotations

import math
import os
import queue
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import numpy as np

from pyw2v import _core
from pyw2v.interrupts import deferred_interrupts, raise_interrupt_behind

# A piece shorter than this is not worth a thread of its own.
PARALLEL_MIN_BYTES = 1 << 22
_SCAN_BYTES = 1 << 16  # read at a time while looking for the next newline


@dataclass
class Recording:
    """The counted text as packed ids, piece by piece: each part is a counter holding its
    piece's ids and the map from its word ids to the merged counter's. The first part is
    the merged counter itself (map None): it holds the counts of the whole text."""

    parts: list[tuple[Any, np.ndarray | None]]

    def remap(self, words: list[str], out: np.ndarray) -> int:
        """Writes the text as packed ids of `words` (others dropped) to out; returns the
        bytes written, or -1 if out is too small."""
        id_map = self.parts[0][0].map_words(words)
        n = 0
        for counter, to_merged in self.parts:
            n = counter.remap_recording(id_map if to_merged is None else id_map[to_merged], out, n)
            if n < 0:
                return -1
        return n


def count_files(
    paths: Sequence[str],
    max_vocab_size: int | None,
    memory_budget: int,
    workers: int,
    read_chunks: Any,
    is_compressed: Any,
    chunk_bytes: int,
) -> tuple[Any, Recording | None]:
    """Counts the files in order; returns the counter holding the counts and the
    recording of the text (None with max_vocab_size, or if it outgrew memory_budget).
    read_chunks(path) yields a file's decompressed bytes; is_compressed(path) says
    whether a file must be read as one stream (so one thread); plain files are read
    chunk_bytes at a time."""
    budget = int(min(memory_budget, _MAX_BUDGET))
    pieces = None
    if workers > 1 and not max_vocab_size:
        pieces = _pieces(paths, workers, is_compressed)
    if pieces is None or len(pieces) < 2:
        record = -1 if max_vocab_size else budget
        counter = _core.Counter(max_vocab_size or 0, record)
        for path in paths:
            for chunk in read_chunks(path):
                counter.feed(chunk)
            counter.feed(b"", True)
        recording = Recording([(counter, None)]) if counter.recorded_bytes >= 0 else None
        return counter, recording

    counters = _count_pieces(pieces, budget, workers, chunk_bytes)
    merged = counters[0]
    parts: list[tuple[Any, np.ndarray | None]] = [(merged, None)]
    for counter in counters[1:]:
        parts.append((counter, merged.merge(counter)))
    if any(counter.recorded_bytes < 0 for counter in counters):
        return merged, None  # a piece outgrew its share of the budget
    return merged, Recording(parts)


# Budgets beyond this are unlimited in practice (and must fit the C counter's int64).
_MAX_BUDGET = 1 << 62


@dataclass(frozen=True)
class _Segment:
    """Bytes [start, end) of a file; end None: to the end of the file, whatever its size
    then. size: the bytes expected when it was cut (for sharing the budget)."""

    path: str
    start: int
    end: int | None
    size: int


class StopFlag:
    """Tells the pieces to stop: set from any thread, or from a signal handler (a plain
    attribute: an Event's lock could be held by the very code the handler interrupts)."""

    def __init__(self) -> None:
        self.value = False

    def set(self) -> None:
        self.value = True

    def is_set(self) -> bool:
        return self.value


class _Cancelled(Exception):
    """A piece stopped because another failed or the count was interrupted."""


def _count_pieces(
    pieces: list[list[_Segment]], budget: int, workers: int, chunk_bytes: int
) -> list[Any]:
    """One counter per piece, counted on `workers` threads; stops every piece as soon as
    one fails or the caller is interrupted (Ctrl-C)."""
    sizes = [max(sum(seg.size for seg in piece), 1) for piece in pieces]
    total = sum(sizes)
    # The pieces read into buffers made here, one per thread: memory a pool thread
    # allocates lands in its own glibc arena, whose freed pages malloc_trim does not
    # give back.
    buffers: queue.SimpleQueue[np.ndarray] = queue.SimpleQueue()
    for _ in range(min(workers, len(pieces))):
        buffers.put(np.empty(chunk_bytes, np.uint8))
    stop = StopFlag()
    futures: list[Future] = []
    # Ctrl-C stops the pieces at their next read and is raised once the pool is done
    with deferred_interrupts(on_interrupt=stop.set), ThreadPoolExecutor(workers) as pool:
        try:
            # inside the try: submit() starts the pool's threads, and Ctrl-C can land there
            for piece, size in zip(pieces, sizes, strict=True):
                futures.append(
                    pool.submit(_count_piece, piece, budget * size // total, buffers, stop)
                )
            wait(futures, return_when=FIRST_EXCEPTION)
            for future in futures:  # the first failure, not the first piece, decides
                if future.done() and future.exception() is not None:
                    future.result()
            return [future.result() for future in futures]
        except BaseException as exc:
            stop.set()  # the pool's exit then waits a chunk, not a whole piece
            for future in futures:
                future.cancel()
            raise_interrupt_behind(exc)
            raise


def _count_piece(
    piece: list[_Segment], record_bytes: int, buffers: queue.SimpleQueue, stop: StopFlag
) -> Any:
    counter = _core.Counter(0, record_bytes)
    buf = buffers.get()
    try:
        for segment in piece:
            for chunk in _read_segment(segment, buf):
                if stop.is_set():
                    raise _Cancelled
                counter.feed(chunk)
            counter.feed(b"", True)  # a segment ends with its file or after a newline
    finally:
        buffers.put(buf)
    return counter


def _pieces(paths: Sequence[str], workers: int, is_compressed: Any) -> list[list[_Segment]] | None:
    """The files as at most `workers` pieces of about equal size, each a run of
    segments in text order: files of at least PARALLEL_MIN_BYTES are cut just after a
    newline where a piece ends (a line longer than a piece makes fewer pieces), smaller
    files are never cut. None if a file is compressed or not a regular file (a device or
    pipe has no size to cut), or if the text is too small for two pieces."""
    sizes = []
    for path in paths:
        if not os.path.isfile(path) or is_compressed(path):
            return None
        sizes.append(os.path.getsize(path))
    total = sum(sizes)
    n = min(workers, total // PARALLEL_MIN_BYTES)
    if n < 2:
        return None
    pieces: list[list[_Segment]] = [[]]
    done = 0  # bytes of the text before the current file
    for path, size in zip(paths, sizes, strict=True):
        start = 0
        if size >= PARALLEL_MIN_BYTES:
            with open(path, "rb") as f:
                for k in range(len(pieces), n):  # piece boundaries inside this file
                    boundary = total * k // n - done
                    if boundary >= size:
                        break
                    if boundary <= start:
                        continue  # inside a line that ran past an earlier boundary
                    cut = _after_newline(f, boundary, size)
                    if cut >= size:
                        break  # no newline after it: the rest stays whole
                    pieces[-1].append(_Segment(path, start, cut, cut - start))
                    pieces.append([])
                    start = cut
        pieces[-1].append(_Segment(path, start, None, size - start))
        done += size
        if len(pieces) < n and done >= total * len(pieces) // n:
            pieces.append([])  # small files end a piece at a file end
    return [piece for piece in pieces if piece]


def _after_newline(f: Any, pos: int, size: int) -> int:
    """The offset just after the first newline at or after pos (size if there is none)."""
    f.seek(pos)
    while pos < size:
        block = f.read(_SCAN_BYTES)
        if not block:
            break
        found = block.find(b"\n")
        if found >= 0:
            return pos + found + 1
        pos += len(block)
    return size


def _read_segment(segment: _Segment, buf: np.ndarray) -> Iterator[np.ndarray]:
    """The bytes of a segment, read into buf (views of it, valid until the next).
    Raises ValueError if the file no longer matches the cut (it changed after it was
    cut: shorter, or no newline before the segment)."""
    path, start, end = segment.path, segment.start, segment.end
    with open(path, "rb", buffering=0) as f:
        try:
            if start > 0:
                f.seek(start - 1)
                if f.read(1) != b"\n":
                    raise ValueError(f"corpus file {path!r} changed while it was counted")
            left = end - start if end is not None else math.inf
            while left > 0 and (n := f.readinto(memoryview(buf)[: min(len(buf), left)])):
                left -= n
                yield buf[:n]
            if end is not None and left > 0:
                raise ValueError(f"corpus file {path!r} changed while it was counted")
        except OSError as exc:
            raise ValueError(f"corpus file {path!r} is corrupt: {exc}") from exc
