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

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from pyw2v import _core

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
    pieces = None
    if workers > 1 and not max_vocab_size:
        pieces = _pieces(paths, workers, is_compressed)
    if pieces is None or len(pieces) < 2:
        record = -1 if max_vocab_size else memory_budget
        counter = _core.Counter(max_vocab_size or 0, record)
        for path in paths:
            for chunk in read_chunks(path):
                counter.feed(chunk)
            counter.feed(b"", True)
        recording = Recording([(counter, None)]) if counter.recorded_bytes >= 0 else None
        return counter, recording

    total = max(sum(end - start for _, start, end in pieces), 1)
    # Each piece reads into a buffer made here: memory a pool thread allocates lands in
    # its own glibc arena, whose freed pages malloc_trim does not give back.
    jobs = [
        (path, start, end, memory_budget * (end - start) // total, np.empty(chunk_bytes, np.uint8))
        for path, start, end in pieces
    ]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        counters = list(pool.map(lambda job: _count_piece(*job), jobs))
    del jobs
    merged = counters[0]
    parts: list[tuple[Any, np.ndarray | None]] = [(merged, None)]
    for counter in counters[1:]:
        parts.append((counter, merged.merge(counter)))
    if any(counter.recorded_bytes < 0 for counter in counters):
        return merged, None  # a piece outgrew its share of the budget
    return merged, Recording(parts)


def _count_piece(path: str, start: int, end: int, record_bytes: int, buf: np.ndarray) -> Any:
    counter = _core.Counter(0, record_bytes)
    for chunk in _read_range(path, start, end, buf):
        counter.feed(chunk)
    counter.feed(b"", True)
    return counter


def _pieces(
    paths: Sequence[str], workers: int, is_compressed: Any
) -> list[tuple[str, int, int]] | None:
    """(path, start, end): each file cut just after newlines into at most `workers`
    pieces of about equal size, none shorter than PARALLEL_MIN_BYTES (a line longer
    than a piece makes fewer); None if a file is compressed or not a regular file (a
    device or pipe has no size to cut)."""
    pieces = []
    for path in paths:
        if not os.path.isfile(path) or is_compressed(path):
            return None
        size = os.path.getsize(path)
        n = max(1, min(workers, size // PARALLEL_MIN_BYTES))
        cuts = [0]
        with open(path, "rb") as f:
            for k in range(1, n):
                cut = _after_newline(f, size * k // n, size)
                if cuts[-1] < cut < size:
                    cuts.append(cut)
        cuts.append(size)
        pieces += [(path, a, b) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
    return pieces


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


def _read_range(path: str, start: int, end: int, buf: np.ndarray) -> Iterator[np.ndarray]:
    """Bytes [start, end) of a file, read into buf (views of it, valid until the next)."""
    with open(path, "rb", buffering=0) as f:
        f.seek(start)
        left = end - start
        try:
            while left > 0 and (n := f.readinto(memoryview(buf)[: min(len(buf), left)])):
                left -= n
                yield buf[:n]
        except OSError as exc:
            raise ValueError(f"corpus file {path!r} is corrupt: {exc}") from exc
