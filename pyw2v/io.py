"""Model files: pyw2v's native format and word2vec.c's text and binary formats.

Every write goes to a temporary file in the destination directory, is flushed and
fsynced, then renamed over the destination: a failed save never leaves a half-written
file in place of a good one.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any, Union

import numpy as np

if TYPE_CHECKING:
    from pyw2v.keyedvectors import KeyedVectors

PathLike = Union[str, "os.PathLike[str]"]
FORMAT_NAME = "pyw2v"
FORMAT_VERSION = 1


@contextlib.contextmanager
def atomic_write(path: PathLike) -> Iterator[IO[bytes]]:
    """A binary file object that replaces `path` only once it is completely written."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    # os.open with mode 0o666 lets the umask decide the permissions, as open() does
    # (tempfile.mkstemp would leave every saved file at 0600)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = os.path.join(directory, f".tmp-{os.path.basename(path)}-{secrets.token_hex(6)}")
        try:
            fd = os.open(tmp, flags, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def save_native(path: PathLike, header: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Writes an .npz holding a JSON header (format, version, ...) and the arrays."""
    meta = {"format": FORMAT_NAME, "version": FORMAT_VERSION, **header}
    blob = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    with atomic_write(path) as f:
        np.savez(f, header=blob, **arrays)


def load_native(path: PathLike, kind: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Reads a file written by save_native and checks its format, version and kind."""
    path = os.fspath(path)
    try:
        # the file is opened here, not by np.load, which leaks its handle when the
        # zip is unreadable
        with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError, EOFError) as exc:
        raise ValueError(f"{path!r} is not a readable pyw2v model file: {exc}") from exc
    except Exception as exc:  # zipfile.BadZipFile and friends
        raise ValueError(f"{path!r} is not a readable pyw2v model file: {exc}") from exc
    if "header" not in arrays:
        raise ValueError(f"{path!r} is not a pyw2v model file (no header)")
    try:
        header = json.loads(arrays.pop("header").tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path!r} has a corrupt header: {exc}") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise ValueError(f"{path!r} is not a pyw2v model file")
    version = header.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(
            f"{path!r} has format version {version!r}; this pyw2v reads up to "
            f"{FORMAT_VERSION} (upgrade pyw2v)"
        )
    if header.get("kind") != kind:
        raise ValueError(f"{path!r} holds a {header.get('kind')!r}, not a {kind!r}")
    return header, arrays


def check_matrix(path: PathLike, name: str, matrix: np.ndarray, rows: int) -> np.ndarray:
    """Checks a loaded weight matrix: float32, `rows` rows, finite."""
    if matrix.dtype != np.float32 or matrix.ndim != 2 or matrix.shape[0] != rows:
        raise ValueError(
            f"{os.fspath(path)!r}: {name} has shape {matrix.shape} and dtype {matrix.dtype}, "
            f"expected ({rows}, d) float32"
        )
    if not np.isfinite(matrix).all():
        raise ValueError(f"{os.fspath(path)!r}: {name} holds NaN or infinite values")
    return np.ascontiguousarray(matrix)


def save_word2vec_format(kv: KeyedVectors, path: PathLike, binary: bool = False) -> None:
    """word2vec.c's format: a header "V d", then per word `word v1 v2 ...` (text) or
    `word ` followed by d little-endian float32 (binary), each row ending in a newline."""
    for word in kv.index_to_key:
        if not word or any(c.isspace() for c in word):
            raise ValueError(f"word {word!r} cannot be written: empty or contains whitespace")
    vectors = kv.vectors.astype("<f4", copy=False)
    with atomic_write(path) as f:
        f.write(f"{len(kv)} {kv.vector_size}\n".encode())
        for word, row in zip(kv.index_to_key, vectors, strict=False):
            key = word.encode("utf-8", "surrogatepass")
            if binary:
                f.write(key + b" " + row.tobytes() + b"\n")
            else:
                f.write(key + b" " + " ".join(repr(float(x)) for x in row).encode() + b"\n")


def load_word2vec_format(
    path: PathLike, binary: bool = False, limit: int | None = None
) -> KeyedVectors:
    """Reads word2vec.c's text or binary format (optionally only the first `limit` words)."""
    from pyw2v.keyedvectors import KeyedVectors

    path = os.fspath(path)
    with open(path, "rb") as f:
        n_words, dim = _read_header(path, f.readline())
        if limit is not None:
            n_words = min(n_words, int(limit))
        info = os.fstat(f.fileno())
        min_row = 4 * dim + 2 if binary else 2 * dim + 1  # "w " + floats, "w 0 0 ..."
        if stat.S_ISREG(info.st_mode) and n_words * min_row > info.st_size - f.tell():
            raise ValueError(
                f"{path!r}: the header announces {n_words} words of dimension {dim}, "
                f"more than the file's {info.st_size} bytes can hold (truncated?)"
            )
        words: list[str] = []
        vectors = np.empty((n_words, dim), dtype=np.float32)
        for i in range(n_words):
            if binary:
                word = _read_binary_word(path, f)
                raw = f.read(4 * dim)
                if len(raw) != 4 * dim:
                    raise ValueError(f"{path!r}: truncated at word {i} of {n_words}")
                vectors[i] = np.frombuffer(raw, dtype="<f4")
            else:
                line = f.readline()
                parts = line.rstrip(b"\r\n").split(b" ")
                if len(parts) < dim + 1:
                    raise ValueError(f"{path!r}: line {i + 2} has fewer than {dim} values")
                word = parts[0].decode("utf-8", "replace")
                try:
                    vectors[i] = np.array(parts[1 : dim + 1], dtype=np.float32)
                except ValueError as exc:
                    raise ValueError(f"{path!r}: line {i + 2}: {exc}") from exc
            words.append(word)
    return KeyedVectors(vectors, words)


def _read_header(path: str, line: bytes) -> tuple[int, int]:
    parts = line.split()
    try:
        n_words, dim = int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        raise ValueError(f"{path!r}: the first line must be 'n_words vector_size'") from None
    if n_words < 0 or dim <= 0:
        raise ValueError(f"{path!r}: bad header {line!r}")
    return n_words, dim


def _read_binary_word(path: str, f: IO[bytes]) -> str:
    chars = bytearray()
    while True:
        c = f.read(1)
        if not c:
            raise ValueError(f"{path!r}: truncated inside a word")
        if c == b" ":
            break
        if c != b"\n" or chars:  # skip the newline that ends the previous row
            chars += c
    return chars.decode("utf-8", "replace")
