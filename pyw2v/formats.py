"""Model files: pyw2v's native format, word2vec.c's text and binary vector formats and
its vocabulary files, as words and arrays (pyw2v.keyedvectors builds KeyedVectors from
them; pyw2v.io is the public face that takes and returns KeyedVectors).

Every write goes through pyw2v.saving.atomic_write: to a temporary file in the
destination directory, flushed, fsynced and renamed over the destination (a failed save
never leaves a half-written file in place of a good one), or written through to a
device, FIFO or open descriptor.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import mmap
import os
import re
import struct
import sys
import warnings
import zipfile
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import IO, TYPE_CHECKING, Any, TypeVar, Union

import numpy as np

from pyw2v import _core
from pyw2v.compression import DECOMPRESS_ERRORS, MAGIC_BYTES, decompressor
from pyw2v.interrupts import deferred_interrupts
from pyw2v.params import cpu_count
from pyw2v.saving import atomic_write

if TYPE_CHECKING:
    from pyw2v.vocab import Vocab

PathLike = Union[str, "os.PathLike[str]"]
T = TypeVar("T")
FORMAT_NAME = "pyw2v"
FORMAT_VERSION = 1
# native files start each array's data at a multiple of this offset, so that it can be mapped
ARRAY_ALIGN = 64
_ZIP_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, ..., name length, extra length


class TruncatedFileError(ValueError, EOFError):
    """A word2vec file ends before the rows its header announces (an EOFError too, as
    gensim raises for such files)."""


class NativeKindError(ValueError, AttributeError):
    """A native file holds another kind of object than asked for (KeyedVectors given to
    Word2Vec.load, say): a ValueError that is also the AttributeError gensim raises for
    the same mistake."""


class UndecodableWordError(UnicodeDecodeError):
    """A word of a word2vec or vocabulary file is not valid in the encoding, with
    ``unicode_errors="strict"``: a UnicodeDecodeError (as in gensim) whose message names
    the file and the row."""

    message: str | None = None

    def __str__(self) -> str:
        return self.message or super().__str__()


def _undecodable(message: str, exc: UnicodeDecodeError) -> UndecodableWordError:
    error = UndecodableWordError(exc.encoding, exc.object, exc.start, exc.end, exc.reason)
    error.message = message
    return error


def save_native(path: PathLike, header: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Writes an .npz holding a JSON header (format, version, ...) and the arrays.

    The archive is what numpy.savez writes (uncompressed .npy members, readable by
    numpy.load), except that each member's .npy header is padded with spaces so that
    its data starts at a multiple of ARRAY_ALIGN bytes in the file: load_native can then
    map the arrays instead of reading them.
    """
    meta = {"format": FORMAT_NAME, "version": FORMAT_VERSION, **header}
    blob = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    with (
        atomic_write(path) as f,
        zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as archive,
    ):
        for name, array in {"header": blob, **arrays}.items():
            _write_member(archive, f, name + ".npy", np.asarray(array))


def _write_member(archive: zipfile.ZipFile, f: IO[bytes], name: str, array: np.ndarray) -> None:
    """One .npy member, its data aligned to ARRAY_ALIGN in the file `f` the archive writes."""
    if array.dtype.hasobject:
        raise ValueError(f"cannot save {name}: arrays of Python objects are not supported")
    descr = np.lib.format.dtype_to_descr(array.dtype)
    text = f"{{'descr': {descr!r}, 'fortran_order': False, 'shape': {array.shape!r}, }}"
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    big = (array.nbytes + len(text) + 4096) * 1.05 > zipfile.ZIP64_LIMIT
    with archive.open(info, "w", force_zip64=big) as member:
        start = f.tell()  # the local header is written: the member's bytes start here
        version, length_size = ((1, 0), 2) if len(text) + ARRAY_ALIGN < 65535 else ((2, 0), 4)
        fixed = 8 + length_size + len(text) + 1  # magic, version, length, text, newline
        padding = -(start + fixed) % ARRAY_ALIGN
        length = len(text) + padding + 1
        member.write(np.lib.format.magic(*version))
        member.write(length.to_bytes(length_size, "little"))
        member.write((text + " " * padding + "\n").encode("latin1"))
        if array.ndim == 2 and len(array):
            # rows may be padded (pyw2v.memory): each block is copied on its own
            step = max(1, _COPY_BLOCK // max(array.shape[1] * array.itemsize, 1))
            for lo in range(0, len(array), step):
                member.write(np.ascontiguousarray(array[lo : lo + step]).data)
        else:
            member.write(np.ascontiguousarray(array).data)


def load_native(
    path: PathLike, kind: str | tuple[str, ...], mmap: str | None = None
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Reads a file written by save_native and checks its format, version and kind.

    Parameters
    ----------
    kind : str or tuple of str
        What the file must hold (its header's "kind").
    mmap : {None, "r"}
        With "r", the arrays stored uncompressed (all those save_native writes) are
        read-only numpy.memmap views of the file rather than read into memory: pages are
        read when used and shared by every process mapping the same file.
    """
    path = os.fspath(path)
    if mmap not in (None, "r"):
        raise ValueError(f"mmap must be None or 'r', got {mmap!r}")
    try:
        # the file is opened here, not by np.load, which leaks its handle when the
        # zip is unreadable
        with open(path, "rb") as fh:
            _check_array_sizes(fh)
            if mmap is None:
                with np.load(fh, allow_pickle=False) as data:
                    arrays = {name: data[name] for name in data.files}
            else:
                arrays = _map_members(path, fh)
    except (OSError, ValueError, EOFError) as exc:
        raise ValueError(f"{path!r} is not a readable pyw2v model file: {exc}") from exc
    except Exception as exc:  # zipfile.BadZipFile and friends
        raise ValueError(f"{path!r} is not a readable pyw2v model file: {exc}") from exc
    if "header" not in arrays:
        raise ValueError(f"{path!r} is not a pyw2v model file (no header)")
    try:
        header = json.loads(arrays.pop("header").tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"{path!r} has a corrupt header: {exc}") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise ValueError(f"{path!r} is not a pyw2v model file")
    version = header.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(
            f"{path!r} has format version {version!r}; this pyw2v reads up to "
            f"{FORMAT_VERSION} (upgrade pyw2v)"
        )
    kinds = (kind,) if isinstance(kind, str) else kind
    if header.get("kind") not in kinds:
        wanted = " or ".join(repr(k) for k in kinds)
        raise NativeKindError(f"{path!r} holds a {header.get('kind')!r}, not a {wanted}")
    return header, arrays


def _map_members(path: str, fh: IO[bytes]) -> dict[str, np.ndarray]:
    """The .npy members of an archive: stored ones mapped read-only, others read."""
    arrays: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(fh) as archive:
        for info in archive.infolist():
            name = info.filename.removesuffix(".npy")
            if info.compress_type != zipfile.ZIP_STORED or name == "header":
                with archive.open(info) as member:
                    arrays[name] = np.lib.format.read_array(member, allow_pickle=False)
                continue
            fh.seek(info.header_offset)
            magic, name_size, extra_size = _ZIP_LOCAL_HEADER.unpack(fh.read(_ZIP_LOCAL_HEADER.size))
            if magic != b"PK\x03\x04":
                raise ValueError(f"{info.filename}: bad local header")
            start = info.header_offset + _ZIP_LOCAL_HEADER.size + name_size + extra_size
            fh.seek(start)
            version = np.lib.format.read_magic(fh)
            read = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, fortran, dtype = read(fh)
            offset = fh.tell()
            if dtype.hasobject:
                raise ValueError(f"{info.filename} holds Python objects")
            nbytes = math.prod(shape) * dtype.itemsize
            if offset + nbytes > start + info.file_size:
                raise ValueError(f"{info.filename} is shorter than its shape {shape}")
            if nbytes == 0:
                arrays[name] = np.empty(shape, dtype=dtype)
            else:
                arrays[name] = np.memmap(
                    path, dtype, "r", offset, shape, order="F" if fortran else "C"
                )
    return arrays


def _check_array_sizes(fh: IO[bytes]) -> None:
    """Checks, before anything is decompressed or allocated, that `fh` is a zip archive
    whose members are stored uncompressed (as np.savez, and so Word2Vec.save, writes
    them: a compressed member could claim any size, a zip bomb) and whose .npy members
    claim no more data than they hold; leaves `fh` at its start. So a load reads and
    allocates no more than the file's size. Anything else odd is left for np.load."""
    if fh.read(4) != b"PK\x03\x04":
        raise ValueError("not a zip archive")
    fh.seek(0)
    readers = {
        (1, 0): np.lib.format.read_array_header_1_0,
        (2, 0): np.lib.format.read_array_header_2_0,
    }
    with zipfile.ZipFile(fh) as archive:
        for info in archive.infolist():
            if info.compress_type != zipfile.ZIP_STORED or info.file_size != info.compress_size:
                raise ValueError(
                    f"{info.filename} is compressed (it claims {info.file_size} bytes): "
                    "pyw2v model files hold uncompressed arrays, as Word2Vec.save writes them"
                )
            with archive.open(info) as member:
                read = readers.get(np.lib.format.read_magic(member))
                if read is None:
                    continue
                shape, _, dtype = read(member)
                if not dtype.hasobject and math.prod(shape) * dtype.itemsize > info.file_size:
                    raise ValueError(
                        f"{info.filename} claims shape {shape} of {dtype}, more than its "
                        f"{info.file_size} bytes"
                    )
    fh.seek(0)


def is_native(path: PathLike) -> bool:
    """Whether `path` starts like a native model file (a zip archive)."""
    with open(path, "rb") as f:
        return f.read(4) == b"PK\x03\x04"


def native_kind(path: PathLike) -> str:
    """What a native file holds (its header's "kind", e.g. "word2vec"), reading only
    the header; ValueError if it is not a readable pyw2v file."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as fh:
            _check_array_sizes(fh)
            with np.load(fh, allow_pickle=False) as data:
                blob = data["header"] if "header" in data.files else None
                header = json.loads(blob.tobytes().decode("utf-8")) if blob is not None else None
    except (OSError, ValueError, EOFError, UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(f"{path!r} is not a readable pyw2v model file: {exc}") from exc
    except Exception as exc:  # zipfile.BadZipFile and friends
        raise ValueError(f"{path!r} is not a readable pyw2v model file: {exc}") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise ValueError(f"{path!r} is not a pyw2v model file")
    return str(header.get("kind"))


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


# ------------------------------------------------------------ word2vec.c formats
#
# Header "V d\n", then V rows. Text rows: `word v1 ... vd\n` (word2vec.c ends each
# row with "%lf " and so leaves a space before the newline; gensim does not). Binary
# rows: `word ` + d little-endian float32 + "\n" (word2vec.c writes the newline, gensim
# 4 does not; readers skip it when present).

# what word2vec.c, gensim and pyw2v's tokenizer split words on (non-ASCII spaces stay)
_WHITESPACE = re.compile("[ \t\n\v\f\r\0]")
_HEADER_BYTES = 256  # the header line "V d" must end within these
_MAX_TEXT_VALUE_BYTES = 64  # a text value longer than this (with its space) is not a float
_TRAILING_BYTES = 64  # read past the rows to tell a final newline from a wrong header
_FIRST_BLOCK = 1 << 16  # bytes of a stream read after its header, then doubling
_TEXT_CHUNK = 1 << 24  # bytes of text rows parsed at once
_COPY_BLOCK = 1 << 20  # bytes of binary vectors written per step
_PARALLEL_BYTES = 1 << 25  # binary vectors copied by helper threads from this size on
_MAX_HEADER_DIM = 2**31 - 1  # a larger vector size in a header is taken for garbage
_MADV_POPULATE_READ = getattr(mmap, "MADV_POPULATE_READ", 22)  # Linux's value


def write_word2vec_format(
    path: PathLike,
    words: list[str],
    vectors: np.ndarray,
    binary: bool = False,
    write_header: bool = True,
) -> None:
    """Writes words and their vectors in word2vec.c's text or binary format, atomically.

    Binary rows are `word ` + d little-endian float32 + a newline, byte for byte as
    word2vec.c writes them. Text rows are `word v1 ... vd` with each value written as
    the shortest decimal that reads back to the same value of the vectors' type (as
    gensim 4 writes them), so text files round-trip exactly. Words are written as UTF-8;
    a word that is empty or holds ASCII whitespace or NUL cannot be written (ValueError).
    Without `write_header` the first line "V d" is left out (GloVe's text format).
    """
    keys = _encode_words(words)
    if len(keys) != len(vectors):
        raise ValueError(f"{len(keys)} words for {len(vectors)} vectors")
    with atomic_write(path) as f:
        if write_header:
            f.write(f"{len(keys)} {vectors.shape[1]}\n".encode())
        step = max(1, _COPY_BLOCK // max(vectors.shape[1] * 4, 1))
        for lo in range(0, len(keys), step):
            block_keys = keys[lo : lo + step]
            if binary:  # rows may be padded (pyw2v.memory): each block is copied on its own
                raw = np.ascontiguousarray(vectors[lo : lo + step], dtype="<f4").tobytes()
                nbytes = 4 * vectors.shape[1]
                rows = (
                    k + raw[i * nbytes : (i + 1) * nbytes] + b"\n" for i, k in enumerate(block_keys)
                )
            else:
                values = (" ".join(map(str, row)).encode() for row in vectors[lo : lo + step])
                rows = (k + v + b"\n" for k, v in zip(block_keys, values, strict=True))
            f.write(b"".join(rows))


def _encode_words(words: list[str]) -> list[bytes]:
    """Each word as UTF-8 followed by a space; ValueError for a word that is empty or
    holds ASCII whitespace or NUL (it would not read back)."""
    if not words:
        return []
    joined = "\n".join(words)
    if (
        "" in words
        or _WHITESPACE.search(joined.replace("\n", ""))
        or len(words) - 1 != joined.count("\n")
    ):
        bad = next(w for w in words if not w or _WHITESPACE.search(w))
        raise ValueError(f"word {bad!r} cannot be written: empty or contains whitespace")
    keys = (joined + " ").replace("\n", " \n").encode("utf-8", "surrogatepass").split(b"\n")
    if max(map(len, keys)) > _core.MAX_WORD_BYTES + 1:  # each key ends with its space
        i = next(i for i, k in enumerate(keys) if len(k) > _core.MAX_WORD_BYTES + 1)
        raise ValueError(
            f"word {words[i][:40]!r}... cannot be written: it is {len(keys[i]) - 1} bytes "
            f"long in UTF-8, more than the {_core.MAX_WORD_BYTES} the readers accept"
        )
    return keys


def read_word2vec_format(
    path: PathLike,
    binary: bool = False,
    limit: int | None = None,
    encoding: str = "utf-8",
    unicode_errors: str = "replace",
    datatype: Any = np.float32,
    no_header: bool = False,
) -> tuple[list[str], np.ndarray]:
    """Reads word2vec.c's text or binary format, as written by word2vec.c or gensim:
    the words (distinct) and their vectors.

    Parameters
    ----------
    path : path
        The file; .gz, .bz2 and .xz files are decompressed (recognised by content).
    binary : bool
        Binary rows (`word ` + d little-endian float32, with or without a newline
        after each row) or text rows (`word v1 ... vd`, trailing spaces and CRLF
        line ends accepted).
    limit : int, optional
        Read only the first `limit` rows (the most frequent words, in files written
        by word2vec.c or gensim).
    encoding, unicode_errors : str
        How words are decoded. By default bytes that are not valid UTF-8 become
        U+FFFD, as in pyw2v's corpus reader (so such words match the tokens pyw2v
        makes of the same text); pass ``unicode_errors="strict"`` to reject them.
    datatype : numpy float type
        float32 (as stored in binary files), float16 or float64 (text values are parsed
        at double precision, then rounded to this type, as gensim does).
    no_header : bool
        A text file without the first line "V d" (GloVe's format): the number of rows
        and the vector size are taken from the file.

    Raises
    ------
    TruncatedFileError
        (a ValueError and an EOFError) if the file holds fewer rows than its header
        announces.
    UndecodableWordError
        (a UnicodeDecodeError, so a ValueError) if a word is not valid in `encoding`
        with ``unicode_errors="strict"``.
    ValueError
        If the file is not in the format: a bad header, more data after the rows
        than a final newline (a header that lies about the vector size), a row with a
        wrong number of values, an empty word, a binary row's word holding a newline
        or longer than 100,000 bytes, or a vector holding NaN or an infinity
        (rejected: such vectors would poison every similarity query).

    Notes
    -----
    When two rows hold the same word (possible after U+FFFD replacement) the first
    is kept and a UserWarning names how many were dropped, as gensim does.
    """
    path = os.fspath(path)
    if limit is not None and (isinstance(limit, bool) or int(limit) != limit or limit < 0):
        raise ValueError(f"limit must be a non-negative integer or None, got {limit!r}")
    datatype = np.dtype(datatype)
    if datatype not in (np.float16, np.float32, np.float64):
        raise ValueError(f"datatype must be float16, float32 or float64, got {datatype}")
    if no_header and binary:
        raise ValueError("no_header=True needs binary=False: binary files need their header")
    with _mapped(path, binary, None if no_header else limit, no_header) as data:
        n_words, dim, start = _count_rows(path, data) if no_header else _read_header(path, data)
        n_rows = n_words if limit is None else min(n_words, int(limit))
        min_row = 4 * dim + 2 if binary else 2 * dim + 1  # "w " + floats, "w 0 0 ..."
        if n_rows * min_row > len(data) - start:
            raise TruncatedFileError(
                f"{path!r}: the header announces {n_words} words of dimension {dim}, "
                f"more than the file's {len(data)} bytes can hold (truncated?)"
            )

        def read_words(joined: bytes) -> tuple[list[str], bool]:
            words = _decode_words(path, joined, n_rows, encoding, unicode_errors, binary)
            return words, len(set(words)) == len(words)

        if binary:
            (words, distinct), vectors, bad_row, end = _parse_binary(
                path, data, start, n_rows, dim, read_words
            )
        else:
            parse_as = np.float32 if datatype == np.float32 else np.float64
            raw, vectors, end = _parse_text(path, data, start, n_rows, dim, parse_as)
            (words, distinct), bad_row = read_words(b"\n".join(raw)), _first_non_finite(vectors)
        if limit is None and data[end : end + 64].strip():
            raise ValueError(
                f"{path!r}: {len(data) - end} bytes follow the {n_words} rows the header "
                f"announces: the header is wrong (is the vector size really {dim}?)"
                + ("" if binary else " or the file is not in text format")
            )
    words, vectors = _distinct_rows(path, words, vectors, bad_row, distinct)
    return words, vectors if vectors.dtype == datatype else vectors.astype(datatype)


@contextlib.contextmanager
def _mapped(path: str, binary: bool, limit: int | None, no_header: bool = False) -> Iterator[Any]:
    """The file's rows as a buffer with find() and slicing: a plain regular file is
    memory-mapped (no copy; only the pages read are loaded); a compressed file or a
    stream (a pipe, a device) is read into memory, only as far as its header allows
    (see _read_bounded; a file without a header is read whole)."""
    with _open_once(path) as (f, compressed):
        mapped = None
        if not compressed:
            try:
                mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            except (OSError, ValueError):  # empty, a pipe, or a file system without mmap
                mapped = None
        if mapped is None:
            try:
                data = f.read() if no_header else _read_bounded(path, f, binary, limit)
            except DECOMPRESS_ERRORS as exc:
                raise ValueError(f"{path!r}: corrupt compressed file: {exc}") from exc
            yield data
            return
    try:
        yield mapped
    finally:
        # numpy views of the map may survive in a traceback; the map then closes
        # when they are collected
        with contextlib.suppress(BufferError):
            mapped.close()


@contextlib.contextmanager
def _open_once(path: str) -> Iterator[tuple[IO[bytes], bool]]:
    """The file opened once, decompressed if its magic bytes (peeked at, not consumed,
    so that a pipe loses nothing) name .gz, .bz2 or .xz; and whether it was."""
    with open(path, "rb") as raw:
        opener = decompressor(raw.peek(MAGIC_BYTES)[:MAGIC_BYTES])
        if opener is None:
            yield raw, False
            return
        with opener(raw) as f:
            yield f, True


def _read_bounded(path: str, f: IO[bytes], binary: bool, limit: int | None) -> bytearray:
    """Reads a word2vec file from a stream no further than its header allows: with
    `limit`, up to the end of the rows kept; without, up to the end of the stream, which
    must come before the header's rows could end (each at most a word of MAX_WORD_BYTES,
    a space, d values and a line end: a stream that goes on, like /dev/zero, is refused
    instead of filling memory)."""
    data = bytearray(f.read(_HEADER_BYTES))
    while b"\n" not in data and len(data) < _HEADER_BYTES and (more := f.read(_HEADER_BYTES)):
        data += more  # a pipe may give the header in pieces
    n_words, dim, start = _read_header(path, bytes(data[:_HEADER_BYTES]))
    n_rows = n_words if limit is None else min(n_words, int(limit))
    max_row = _core.MAX_WORD_BYTES + (4 * dim if binary else _MAX_TEXT_VALUE_BYTES * dim) + 3
    cap = start + n_words * max_row + _TRAILING_BYTES
    min_row = 4 * dim + 2 if binary else 2 * dim + 1
    # any 2 max_row bytes of rows hold a whole row, so its space (binary) or line end
    # (text): a run without one (zeros, with a header claiming many rows) is no file
    separator = b" " if binary else b"\n"
    while len(data) < cap:
        if limit is not None and _holds_rows(data, start, n_rows, dim, binary, min_row):
            return data
        if len(data) - start > 2 * max_row and data.find(separator, -2 * max_row) < 0:
            raise ValueError(
                f"{path!r}: {2 * max_row} bytes without a {'space' if binary else 'line end'}: "
                "not a word2vec file (or a stream without an end)"
            )
        block = f.read(min(max(_FIRST_BLOCK, len(data)), cap - len(data)))  # doubling
        if not block:
            return data
        data += block
    if limit is None and f.read(1):
        raise ValueError(
            f"{path!r}: the file goes on past the {n_words} rows of dimension {dim} its header "
            "announces could end (a stream without an end, or a wrong header)"
        )
    return data


def _holds_rows(
    data: bytearray, start: int, n_rows: int, dim: int, binary: bool, min_row: int
) -> bool:
    """Whether data[start:] holds n_rows whole rows (or a malformed one: reading on
    would not help)."""
    if len(data) - start < n_rows * min_row:
        return False
    if not binary:
        return data.count(b"\n", start) >= n_rows
    with memoryview(data) as whole, whole[start:] as rows:
        try:
            _core.scan_word2vec_binary(rows, n_rows, dim, None)
        except _core.BinaryRowError as exc:
            return exc.problem != "truncated"
    return True


def _read_header(path: str, data: Any) -> tuple[int, int, int]:
    """Parses "V d\\n"; returns V, d and the offset of the first row."""
    newline = data.find(b"\n", 0, 256)
    line = data[: newline if newline >= 0 else 256]
    parts = line.split()
    try:
        if len(parts) != 2:
            raise ValueError
        n_words, dim = int(parts[0]), int(parts[1])
    except ValueError:
        raise ValueError(
            f"{path!r}: the first line must be 'n_words vector_size', got {bytes(line[:80])!r}"
            " (for files without this header, like GloVe's, pass no_header=True)"
        ) from None
    if n_words < 0 or not 0 < dim <= _MAX_HEADER_DIM or newline < 0:
        raise ValueError(f"{path!r}: bad header {bytes(line[:80])!r}")
    return n_words, dim, newline + 1


def _count_rows(path: str, data: Any) -> tuple[int, int, int]:
    """For a text file without a header: its number of lines, the number of values on
    its first line, and 0 (where its rows start)."""
    newline = data.find(b"\n")
    first = data[: newline if newline >= 0 else len(data)].split()
    if len(first) < 2:
        raise ValueError(f"{path!r}: the first line is not 'word v1 ... vd': {bytes(first[:2])!r}")
    lines = sum(data[lo : lo + _TEXT_CHUNK].count(b"\n") for lo in range(0, len(data), _TEXT_CHUNK))
    if len(data) and data[len(data) - 1 :] != b"\n":
        lines += 1
    return lines, len(first) - 1, 0


def _parse_binary(
    path: str, data: Any, start: int, n_rows: int, dim: int, read_words: Callable[[bytes], T]
) -> tuple[T, np.ndarray, int | None, int]:
    """Reads the rows of a binary file with the C row scanner (see csrc/w2v_format.c: a
    newline before a word is skipped, so rows with and without one mix freely) and runs
    `read_words` on their words joined by newlines, which no word holds.

    In big files the scan only finds the rows, and helper threads copy the vectors
    (without the GIL) while `read_words` runs. Returns what `read_words` returned, the
    vectors, the first row whose vector is not finite (or None) and the offset after
    the last row.
    """
    first_space = data.find(b" ", start)
    if first_space >= 0 and _looks_like_text(data[first_space + 1 : first_space + 1 + 4 * dim]):
        raise ValueError(f"{path!r} looks like a file in text format, not binary")
    vectors = np.empty((n_rows, dim), dtype=np.float32)
    helpers = min(4, cpu_count()) if vectors.nbytes >= _PARALLEL_BYTES else 0
    if helpers and isinstance(data, mmap.mmap) and sys.platform == "linux":
        # rows are found one after another, each a cache miss: have the kernel map the
        # pages they span at least in one call, not one page fault at a time (Linux 5.14+)
        with contextlib.suppress(OSError, ValueError, OverflowError):
            data.madvise(_MADV_POPULATE_READ, 0, start + n_rows * (4 * dim + 2))
    bad_row = None
    with memoryview(data) as whole, whole[start:] as rows:
        try:
            found = _core.scan_word2vec_binary(rows, n_rows, dim, None if helpers else vectors)
        except _core.BinaryRowError as exc:
            if exc.scan is None:  # a malformed row: the scan stopped there
                error = TruncatedFileError if exc.problem == "truncated" else ValueError
                raise error(_bad_row_message(path, exc, n_rows, len(data))) from None
            found, bad_row = exc.scan, exc.row
        starts, lengths, end = found
        if not helpers:
            result = read_words(_core.join_words(rows, starts, lengths))
            return result, vectors, bad_row, start + end
        bounds = np.linspace(0, n_rows, helpers + 1).astype(np.int64).tolist()
        copy = _core.copy_word2vec_vectors
        # Ctrl-C waits for the copies (a fraction of a second): raised inside the pool's
        # submit() or while its threads copy, it would leave them writing to `vectors`
        with (
            deferred_interrupts(),
            ThreadPoolExecutor(helpers, thread_name_prefix="pyw2v-load") as pool,
        ):
            parts = [
                (a, pool.submit(copy, rows, starts[a:b], lengths[a:b], vectors[a:b]))
                for a, b in itertools.pairwise(bounds)
            ]
            # if this raises, leaving the block still waits for the copies
            result = read_words(_core.join_words(rows, starts, lengths))
            firsts = [(a, part.result()) for a, part in parts]
    bad = [a + first for a, first in firsts if first >= 0]
    return result, vectors, min(bad, default=None), start + end


def _bad_row_message(path: str, exc: _core.BinaryRowError, n_rows: int, size: int) -> str:
    row = exc.row + 1
    if exc.problem == "truncated":
        return (
            f"{path!r}: truncated: row {row} of the {n_rows} announced ends past the end "
            f"of the file ({size} bytes)"
        )
    what = {
        "empty word": "an empty word",
        "newline in word": "a word holding a newline",
        "long word": f"a word longer than {_core.MAX_WORD_BYTES} bytes",
    }[exc.problem]
    return (
        f"{path!r}: row {row} has {what}: the file is corrupt or its header's vector size is wrong"
    )


def _looks_like_text(vector: bytes) -> bool:
    """Whether the bytes of a binary row's vector are all characters of decimal numbers
    (in a real vector, with d >= 2, the odds are below 1e-9)."""
    digits = b"0123456789"
    return (
        len(vector) >= 8
        and not vector.translate(None, digits + b".-+eE \t\r\n")
        and any(c in digits for c in vector)
    )


def _first_non_finite(values: np.ndarray) -> int | None:
    """The first row holding NaN or an infinity, or None. A sum is finite unless a value
    is not or the sum overflows, which the exact test then settles."""
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(values.sum()) or np.isfinite(values).all():
            return None
    return int(np.flatnonzero(~np.isfinite(values).all(axis=1))[0])


def _parse_text(
    path: str, data: Any, start: int, n_rows: int, dim: int, dtype: Any = np.float32
) -> tuple[list[bytes], np.ndarray, int]:
    """Parses text rows a few megabytes at a time: words split off per line, all the
    values of a block converted by one numpy call; a block that does not parse
    cleanly is re-read line by line to name the bad line."""
    words: list[bytes] = []
    blocks: list[np.ndarray] = []
    pos, size = start, len(data)
    while len(words) < n_rows:
        if pos >= size:
            raise TruncatedFileError(
                f"{path!r}: truncated: the header announces {n_rows} rows, the file "
                f"holds {len(words)}"
            )
        end = min(pos + _TEXT_CHUNK, size)
        newline = data.find(b"\n", end - 1) if end < size else -1
        end = size if newline < 0 else newline + 1
        lines = data[pos:end].split(b"\n")
        if lines[-1] == b"":
            lines.pop()
        lines = lines[: n_rows - len(words)]
        first_line = len(words) + 2
        keys, values = _text_block(lines, dim, dtype)
        if values is None:
            keys, values = _text_block_slowly(path, lines, dim, first_line, end == size, dtype)
        words += keys
        blocks.append(values)
        pos += sum(map(len, lines)) + len(lines)
    vectors = np.concatenate(blocks) if blocks else np.empty((0, dim), dtype=dtype)
    return words, vectors, min(pos, size)


def _text_block(
    lines: list[bytes], dim: int, dtype: Any = np.float32
) -> tuple[list[bytes], np.ndarray | None]:
    """Fast path: `word v1 ... vd` with single spaces; None if anything is off."""
    try:
        keys, rests = zip(*(line.rstrip().split(b" ", 1) for line in lines), strict=True)
    except ValueError:  # a line without a space, or no lines
        return [], None if lines else np.empty((0, dim), dtype=dtype)
    if any(rest.count(b" ") != dim - 1 for rest in rests):
        return [], None
    try:
        values = np.fromstring(b" ".join(rests), dtype=dtype, sep=" ")
    except ValueError:
        return [], None
    if values.size != len(lines) * dim:
        return [], None
    return list(keys), values.reshape(len(lines), dim)


def _text_block_slowly(
    path: str,
    lines: list[bytes],
    dim: int,
    first_line: int,
    at_end: bool,
    dtype: Any = np.float32,
) -> tuple[list[bytes], np.ndarray]:
    """Line by line, separated by any whitespace; ValueError naming the first bad line
    (TruncatedFileError if it is the file's last line and too short)."""
    keys = []
    values = np.empty((len(lines), dim), dtype=dtype)
    for i, line in enumerate(lines):
        parts = line.split()
        where = f"{path!r}: line {first_line + i}"
        last = at_end and i == len(lines) - 1
        hint = " (truncated?)" if last else ""
        if len(parts) < dim + 1:
            error = TruncatedFileError if last else ValueError
            raise error(f"{where} has fewer than {dim} values{hint}")
        if len(parts) > dim + 1:
            raise ValueError(f"{where} has more than {dim} values (is this a text file?)")
        try:
            with np.errstate(over="ignore"):  # beyond float32: inf, rejected later
                values[i] = np.array(parts[1:], dtype=dtype)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}{hint}") from exc
        keys.append(parts[0])
    return keys, values


def _decode_words(
    path: str, joined: bytes, n_words: int, encoding: str, errors: str, binary: bool
) -> list[str]:
    """Decodes `n_words` words joined by newlines, which no word holds: one decode and
    one split, or word by word for an encoding in which b"\\n" is not a newline."""
    words: list[str] = []
    per_word = "\n".encode(encoding) != b"\n"
    if not per_word:
        try:
            text = joined.decode(encoding, errors)
        except UnicodeDecodeError as exc:
            row = joined.count(b"\n", 0, exc.start) + 1
            message = f"{path!r}: the word of row {row} is not valid {encoding}"
            raise _undecodable(message, exc) from exc
        words = text.split("\n") if n_words else []
        per_word = len(words) != n_words
    if per_word:
        words = []
        for row, word in enumerate(joined.split(b"\n") if n_words else [], start=1):
            try:
                words.append(word.decode(encoding, errors))
            except UnicodeDecodeError as exc:
                message = f"{path!r}: the word of row {row} is not valid {encoding}"
                raise _undecodable(message, exc) from exc
    if "" in words or (per_word and any("\n" in w for w in words)):  # only in corrupt files
        i = next(i for i, w in enumerate(words) if not w or "\n" in w)
        what = "an empty word" if not words[i] else "a word holding a newline"
        raise ValueError(
            f"{path!r}: row {i + 1} has {what}: the file is corrupt"
            + (" or its header's vector size is wrong" if binary else "")
        )
    return words


def _distinct_rows(
    path: str, words: list[str], vectors: np.ndarray, bad_row: int | None, distinct: bool
) -> tuple[list[str], np.ndarray]:
    """The rows read, rejecting non-finite vectors (`bad_row` is the first) and keeping
    the first row of a repeated word (unless all are `distinct`)."""
    if bad_row is not None:
        raise ValueError(
            f"{path!r}: the vector of {words[bad_row]!r} (row {bad_row + 1}) holds NaN or "
            "infinite values"
        )
    if distinct:
        return words, vectors
    first: dict[str, int] = {}
    for i, word in enumerate(words):
        first.setdefault(word, i)
    keep = sorted(first.values())
    warnings.warn(
        f"{path!r}: {len(words) - len(keep)} rows repeat an earlier word (after decoding); "
        "kept the first of each",
        UserWarning,
        stacklevel=4,
    )
    return [words[i] for i in keep], vectors[keep]


def detect_word2vec_binary(path: PathLike) -> bool:
    """Whether a word2vec.c file is in binary (True) or text (False) format, told by
    content: the first row of a text file is a word and d numbers. Reads only the
    start of the file (decompressed if it is .gz, .bz2 or .xz)."""
    path = os.fspath(path)
    try:
        with _open_once(path) as (f, _):
            data = f.read(_HEADER_BYTES)
            n_words, dim, start = _read_header(path, data)
            size = start + 4096 + 64 * dim  # room for a text row of d long numbers
            # read up to the end of the first row, a block at a time: the header's d
            # may be a lie, and a file is never read beyond its own size
            seen = start
            while data.find(b"\n", seen) < 0 and len(data) < size:
                seen = len(data)
                block = f.read(min(1 << 20, size - len(data)))
                if not block:
                    break
                data += block
    except DECOMPRESS_ERRORS as exc:
        if isinstance(exc, (FileNotFoundError, IsADirectoryError, PermissionError)):
            raise
        raise ValueError(f"{path!r}: corrupt compressed file: {exc}") from exc
    if n_words == 0:
        return False
    newline = data.find(b"\n", start)
    parts = data[start : newline if newline >= 0 else size].split()
    if len(parts) != dim + 1:
        return True
    try:
        # only whether the row parses as numbers matters: 1e99 overflows float32 (the
        # loader reports that), which must not warn here
        with np.errstate(over="ignore", invalid="ignore"):
            np.array(parts[1:], dtype=np.float32)
    except ValueError:
        return True
    return False


# ------------------------------------------------------------ vocabulary files

EOS = "</s>"  # word2vec.c's end-of-sentence token; pyw2v has none
# a word, a space, a count of up to 20 digits and a line end, with room to spare
_MAX_VOCAB_LINE = _core.MAX_WORD_BYTES + 64


def save_vocab(
    vocab: Vocab | Mapping[str, int], path: PathLike, sentences: int | None = None
) -> None:
    """Writes word2vec.c's -save-vocab format: `word count` per line, atomically.

    Parameters
    ----------
    vocab : Vocab or mapping of word to count
        Written in its order (a Vocab's is by descending count).
    sentences : int, optional
        If given, a first line `</s> sentences` is written as word2vec.c does: its
        -read-vocab takes the first word to be the end-of-sentence token.
    """
    if isinstance(vocab, Mapping):
        words, counts = list(vocab), [vocab[w] for w in vocab]
    else:
        words, counts = vocab.index_to_key, vocab.counts.tolist()
    keys = _encode_words(list(words))
    lines = [f"{EOS} {int(sentences)}\n".encode()] if sentences is not None else []
    lines += [k + b"%d\n" % int(c) for k, c in zip(keys, counts, strict=True)]
    with atomic_write(path) as f:
        f.write(b"".join(lines))


def load_vocab(
    path: PathLike,
    encoding: str = "utf-8",
    unicode_errors: str = "replace",
    keep_eos: bool = False,
) -> dict[str, int]:
    """Reads a vocabulary file (`word count` per line, word2vec.c's -save-vocab
    format) into {word: count} in file order, for Word2Vec.build_vocab_from_freq.

    word2vec.c's end-of-sentence token `</s>` is dropped unless `keep_eos`: pyw2v
    ends sentences at line ends without a token. Words repeated after decoding (two
    invalid byte sequences both becoming U+FFFD) have their counts summed. Blank
    lines are skipped; any other line that is not `word count` with a count >= 0
    is a ValueError naming it.
    """
    path = os.fspath(path)
    vocab: dict[str, int] = {}
    with open(path, "rb") as f:
        lines = iter(lambda: f.readline(_MAX_VOCAB_LINE + 1), b"")
        for number, line in enumerate(lines, start=1):
            if len(line) > _MAX_VOCAB_LINE:
                raise ValueError(
                    f"{path!r}: line {number} is longer than {_MAX_VOCAB_LINE} bytes (a word "
                    f"is at most {_core.MAX_WORD_BYTES}): not a vocabulary file"
                )
            parts = line.split()
            if not parts:
                continue
            try:
                word = parts[0].decode(encoding, unicode_errors)
            except UnicodeDecodeError as exc:
                message = f"{path!r}: the word of line {number} is not valid {encoding}"
                raise _undecodable(message, exc) from exc
            try:
                if len(parts) != 2:
                    raise ValueError
                count = int(parts[1])
                if count < 0:
                    raise ValueError
            except ValueError:
                raise ValueError(
                    f"{path!r}: line {number} is not 'word count': {bytes(line[:80])!r}"
                ) from None
            if word != EOS or keep_eos:
                vocab[word] = vocab.get(word, 0) + count
    return vocab
