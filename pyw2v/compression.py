"""Compressed files told by their magic bytes, never by their name: gzip, bzip2, xz. One
table for every reader (corpora, word2vec files, evaluation files, gensim files)."""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import lzma
import os
import zlib
from collections.abc import Callable, Iterator
from typing import IO, Any, Union

PathLike = Union[str, "os.PathLike[str]"]

# magic bytes -> a reader of the decompressed bytes of a binary file object
MAGIC: tuple[tuple[bytes, Callable[[IO[bytes]], IO[bytes]]], ...] = (
    (b"\x1f\x8b", lambda f: gzip.GzipFile(fileobj=f)),
    (b"BZh", bz2.BZ2File),
    (b"\xfd7zXZ\x00", lzma.LZMAFile),
)
MAGIC_BYTES = 6  # enough to tell them all apart
# what a corrupt or truncated compressed stream raises while it is read
DECOMPRESS_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    EOFError,
    lzma.LZMAError,
    zlib.error,
)


def decompressor(head: bytes) -> Callable[[IO[bytes]], IO[bytes]] | None:
    """The reader for a file starting with `head`, or None if it is not compressed."""
    return next((opener for magic, opener in MAGIC if head.startswith(magic)), None)


def is_compressed(path: PathLike) -> bool:
    """Whether the file at `path` is gzip, bzip2 or xz (by its magic bytes)."""
    with open(path, "rb") as probe:
        return decompressor(probe.read(MAGIC_BYTES)) is not None


def open_binary(path: PathLike) -> IO[bytes] | Owning:
    """The file opened once for binary reading, decompressed if its magic bytes say so;
    the magic bytes are peeked at, not consumed (a pipe loses nothing)."""
    f = open(path, "rb")  # noqa: SIM115 (returned, or closed by its decompressor)
    try:
        opener = decompressor(f.peek(MAGIC_BYTES)[:MAGIC_BYTES])
        return Owning(opener(f), f) if opener else f
    except BaseException:
        f.close()
        raise


@contextlib.contextmanager
def open_text(path: PathLike, encoding: str = "utf8", errors: str = "strict") -> Iterator[IO[str]]:
    """The file as text, decompressed if its magic bytes say so."""
    with open(path, "rb") as raw:
        opener = decompressor(raw.peek(MAGIC_BYTES)[:MAGIC_BYTES])
        stream = opener(raw) if opener else raw
        with io.TextIOWrapper(stream, encoding=encoding, errors=errors) as text:
            yield text


class Owning:
    """A decompressing reader that closes the file it reads when it is closed."""

    def __init__(self, reader: IO[bytes], raw: IO[bytes]) -> None:
        self.reader, self.raw = reader, raw

    def read(self, size: int = -1) -> bytes:
        return self.reader.read(size)

    def __getattr__(self, name: str) -> Any:  # readline, readinto, ... of the reader
        return getattr(self.reader, name)

    def close(self) -> None:
        try:
            self.reader.close()
        finally:
            self.raw.close()

    def __enter__(self) -> Owning:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
