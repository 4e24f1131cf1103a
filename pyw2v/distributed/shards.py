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
from pyw2v.corpus import is_compressed, open_text_file, pack_ids, read_chunks
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


def encode_piece(piece: Piece, words: list[str]) -> np.ndarray:
    """The piece as packed ids of `words` (others dropped), as FileCorpus.encode
    writes them for the same text."""
    encoder = _core.Encoder(words)
    ids = np.empty(READ_BYTES + 2, dtype=np.int32)
    parts = []
    for chunk, final in read_piece(piece):
        n = encoder.feed(chunk, final, ids, 0)
        if n:
            parts.append(pack_ids(ids[:n], len(words)))
    packed = np.concatenate(parts) if parts else np.empty(0, dtype=np.uint8)
    packed.flags.writeable = False  # the trainer then prepares each slice only once
    return packed


def cut_rounds(packed: np.ndarray, vocab_size: int, n_rounds: int) -> tuple[np.ndarray, np.ndarray]:
    """Byte offsets cutting a shard's packed ids into n_rounds slices of about equal
    word counts, each ending with a sentence end (n_rounds + 1 offsets, 0 first and the
    length last; a slice may be empty), and the words of each slice."""
    ids = _core.unpack_ids(packed)
    widths = _core.packed_widths(vocab_size)[np.maximum(ids, 0)].astype(np.int64)
    widths[ids < 0] = 1
    byte_end = np.cumsum(widths)
    words_cum = np.cumsum(ids >= 0, dtype=np.int64)
    ends = np.flatnonzero(ids < 0)  # the sentence ends: the only places to cut
    total = int(words_cum[-1]) if len(ids) else 0
    cuts = np.zeros(n_rounds + 1, dtype=np.int64)
    cuts[-1] = len(packed)
    for j in range(1, n_rounds):
        at = np.searchsorted(words_cum[ends], total * j / n_rounds) if len(ends) else 0
        cuts[j] = byte_end[ends[at]] if at < len(ends) else len(packed)
    cuts = np.maximum.accumulate(cuts)
    words = np.zeros(n_rounds, dtype=np.int64)
    cum_at = np.concatenate([[0], words_cum])  # words before byte offset via ids index
    idx = np.searchsorted(byte_end, cuts, side="right")  # ids wholly before each cut
    words = np.diff(cum_at[idx])
    return cuts, words
