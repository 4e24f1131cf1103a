"""The corpus cut into pieces (runs of file segments in text order) for counting and for
the replicas' shards, each piece encoded to packed ids with the shared vocabulary, and a
shard cut into the slices its rounds train.

Plain files are cut just after a newline, so every piece holds whole lines and the
pieces together read exactly as the files do (pyw2v.counting's segments); compressed
files are read as one stream and so never cut.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

import numpy as np

from pyw2v import _core
from pyw2v.corpus import (
    DEFAULT_MEMORY_BUDGET,
    is_compressed,
    open_text_file,
    pack_within_budget,
    read_chunks,
)
from pyw2v.counting import _after_newline, _read_segment, _Segment

# Bytes read at a time from a segment.
READ_BYTES = 1 << 20

Piece = list[_Segment]


def cut_files(paths: Sequence[str | os.PathLike[str]], n_pieces: int) -> list[Piece]:
    """The files as at most n_pieces pieces of about equal size (fewer when lines or
    compressed files are too long to cut there; never an empty piece)."""
    if n_pieces < 1:
        raise ValueError(f"n_pieces must be >= 1, got {n_pieces}")
    files = [os.fspath(p) for p in paths]
    if not files:
        raise ValueError("no corpus files given")
    for path in files:
        open_text_file(path).close()  # a clear error for a missing file or a directory
    sizes = [os.path.getsize(p) for p in files]
    total = max(sum(sizes), 1)
    bounds = [total * k // n_pieces for k in range(1, n_pieces)]
    segments: list[tuple[int, _Segment]] = []  # (offset in the text, segment)
    done = 0
    for path, size in zip(files, sizes, strict=True):
        start = 0
        if not is_compressed(path):
            with open(path, "rb") as f:
                for bound in bounds:
                    local = bound - done
                    if local <= start or local >= size:
                        continue
                    cut = _after_newline(f, local, size)
                    if cut >= size:
                        break
                    segments.append((done + start, _Segment(path, start, cut, cut - start)))
                    start = cut
        segments.append((done + start, _Segment(path, start, None, size - start)))
        done += size
    pieces: list[Piece] = [[] for _ in range(n_pieces)]
    for offset, segment in segments:
        pieces[min(offset * n_pieces // total, n_pieces - 1)].append(segment)
    return [piece for piece in pieces if piece]


def read_piece(piece: Piece) -> Iterator[tuple[bytes | memoryview, bool]]:
    """The bytes of a piece as (chunk, ends_segment): every segment ends with an empty
    chunk marked True (a segment ends at a file end or just after a newline)."""
    buf = np.empty(READ_BYTES, dtype=np.uint8)
    for segment in piece:
        if segment.start == 0 and segment.end is None:
            yield from ((chunk, False) for chunk in read_chunks(segment.path, READ_BYTES))
        else:
            yield from ((chunk.data, False) for chunk in _read_segment(segment, buf))
        yield b"", True


def count_piece(piece: Piece) -> tuple[list[str], np.ndarray, dict[str, int]]:
    """The words of a piece in first-seen order, their counts and the text statistics
    (tokens, sentences, invalid_tokens, truncated_tokens), by the C counter."""
    counter = _core.Counter(0, -1)
    for chunk, final in read_piece(piece):
        counter.feed(chunk, final)
    words, counts = counter.export()
    return words, counts, dict(counter.stats)


def encode_piece(
    piece: Piece, words: list[str], memory_budget: int = DEFAULT_MEMORY_BUDGET
) -> np.ndarray:
    """The piece as packed ids of `words` (others dropped), as FileCorpus.encode
    writes them for the same text: in memory up to memory_budget bytes, above it in a
    read-only memory-mapped temporary file (pyw2v.corpus.pack_within_budget)."""
    encoder = _core.Encoder(words)
    ids = np.empty(READ_BYTES + 2, dtype=np.int32)

    def chunks() -> Iterator[np.ndarray]:
        for chunk, final in read_piece(piece):
            yield ids[: encoder.feed(chunk, final, ids, 0)]

    packed = pack_within_budget(chunks(), memory_budget)
    packed.flags.writeable = False  # the trainer then prepares each slice only once
    return packed


def cut_rounds(packed: np.ndarray, vocab_size: int, n_rounds: int) -> tuple[np.ndarray, np.ndarray]:
    """Byte offsets cutting a shard's packed ids into n_rounds slices of about equal
    word counts, each ending with a sentence end (n_rounds + 1 offsets, 0 first and the
    length last; a slice may be empty), and the words of each slice. Two passes over
    the bytes in C, in constant memory (a mapped shard's pages are released as read)."""
    n_words, _ = _core.packed_stats(packed, vocab_size)
    return _core.packed_cuts(packed, n_words, n_rounds)
