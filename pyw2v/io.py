"""Model files, the public face: pyw2v's native format, word2vec.c's text and binary
vector formats (read into and written from KeyedVectors) and its vocabulary files.

The formats themselves are implemented in pyw2v.formats, which deals in words and arrays
only; this module adds the functions that take or return KeyedVectors. Every write goes
through pyw2v.saving.atomic_write (atomic for files, written through for devices, FIFOs
and open descriptors).
"""

from __future__ import annotations

from pyw2v.formats import (
    EOS,
    FORMAT_NAME,
    FORMAT_VERSION,
    NativeKindError,
    PathLike,
    TruncatedFileError,
    UndecodableWordError,
    atomic_write,
    check_matrix,
    detect_word2vec_binary,
    is_native,
    load_native,
    load_vocab,
    native_kind,
    save_native,
    save_vocab,
)
from pyw2v.keyedvectors import KeyedVectors

__all__ = [
    "EOS",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "NativeKindError",
    "PathLike",
    "TruncatedFileError",
    "UndecodableWordError",
    "atomic_write",
    "check_matrix",
    "detect_word2vec_binary",
    "is_native",
    "load_native",
    "load_vocab",
    "load_word2vec_format",
    "native_kind",
    "save_native",
    "save_vocab",
    "save_word2vec_format",
]


def save_word2vec_format(kv: KeyedVectors, path: PathLike, binary: bool = False) -> None:
    """Writes `kv` in word2vec.c's text or binary format, atomically, its rows in their
    order. See :meth:`KeyedVectors.save_word2vec_format` for gensim's options."""
    kv.save_word2vec_format(path, binary=binary, sort_attr=None)


def load_word2vec_format(
    path: PathLike,
    binary: bool = False,
    limit: int | None = None,
    encoding: str = "utf-8",
    unicode_errors: str = "replace",
) -> KeyedVectors:
    """Reads word2vec.c's text or binary format, as written by word2vec.c or gensim.

    As :meth:`KeyedVectors.load_word2vec_format`, except that by default bytes that are
    not valid UTF-8 become U+FFFD, as in pyw2v's corpus reader (so such words match the
    tokens pyw2v makes of the same text); pass ``unicode_errors="strict"`` to reject them.
    See :func:`pyw2v.formats.read_word2vec_format` for the errors raised.
    """
    return KeyedVectors.load_word2vec_format(
        path, binary=binary, limit=limit, encoding=encoding, unicode_errors=unicode_errors
    )
