"""Corpus readers: text files (plain, .gz, .bz2, .xz) and iterables of token lists,
counted and encoded to packed token ids (pack_ids; -1 ends a sentence before packing).

Files go through the C tokenizer chunk by chunk (no Python per token): a token is a
run of non-whitespace bytes, a line is a sentence, lines longer than MAX_SENTENCE
tokens are split, invalid UTF-8 is replaced by U+FFFD (counted in the stats).
"""

from __future__ import annotations

import collections
import errno
import logging
import numbers
import os
import tempfile
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any, Union

import numpy as np

from pyw2v import _core
from pyw2v.compression import DECOMPRESS_ERRORS, Owning, is_compressed, open_binary
from pyw2v.counting import Recording, count_files
from pyw2v.streams import copy_stream, is_stream, remove_quietly
from pyw2v.vocab import Vocab

logger = logging.getLogger(__name__)

PathLike = Union[str, "os.PathLike[str]"]
CHUNK_BYTES = 1 << 22
MAX_SENTENCE: int = _core.MAX_SENTENCE
# Encoded corpora larger than this go to a temporary memory-mapped file.
DEFAULT_MEMORY_BUDGET = 1 << 30


def open_text_file(path: PathLike) -> IO[bytes] | Owning:
    """Opens a corpus file for binary reading, decompressing by its magic bytes. The
    file is opened once: the magic bytes are peeked at, not consumed."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"corpus path {path!r} is a directory, not a text file")
    if not os.path.exists(path):
        raise FileNotFoundError(f"corpus file {path!r} not found")
    return open_binary(path)


def read_chunks(
    path: PathLike, chunk_bytes: int | None = None, name: str | None = None
) -> Iterator[bytes]:
    """Yields the (decompressed) bytes of a file in chunks of at most chunk_bytes
    (default: CHUNK_BYTES, read when called); errors name `name` (default: path)."""
    size = CHUNK_BYTES if chunk_bytes is None else chunk_bytes
    with open_text_file(path) as f:
        try:
            while chunk := f.read(size):
                yield chunk
        except DECOMPRESS_ERRORS as exc:
            shown = os.fspath(path) if name is None else name
            raise ValueError(f"corpus file {shown!r} is corrupt: {exc}") from exc


@dataclass
class Counts:
    """What counting a corpus found: distinct words in first-seen order and statistics."""

    words: list[str]
    counts: np.ndarray
    tokens: int
    sentences: int
    invalid_tokens: int = 0
    truncated_tokens: int = 0


@dataclass
class EncodedCorpus:
    """A whole corpus as packed token ids (pack_ids): 1 to 5 bytes per word, frequent
    words shortest, one byte per sentence end. n_words excludes the sentence ends."""

    packed: np.ndarray
    n_words: int
    n_sentences: int

    @property
    def ids(self) -> np.ndarray:
        """The int32 token ids, -1 after each sentence (decoded on each access)."""
        return _core.unpack_ids(self.packed)


def pack_ids(ids: np.ndarray, vocab_size: int) -> np.ndarray:
    """Packs int32 ids in 0..vocab_size-1 (-1 ends a sentence) into the byte code the
    trainer reads (csrc/packed.h); raises ValueError for an id outside that range."""
    ids = np.ascontiguousarray(ids, dtype=np.int32)
    if len(ids) and (ids.min() < -1 or ids.max() >= vocab_size):
        raise ValueError(f"token ids must be in -1..{vocab_size - 1}")
    widths = _core.packed_widths(vocab_size)
    words = ids[ids >= 0]
    out = np.empty(int(widths[words].sum(dtype=np.int64)) + (len(ids) - len(words)), np.uint8)
    _core.pack_ids(ids, out, 0)
    return out


class FileCorpus:
    """One or more text files, read in order; each file ends a sentence.

    A path that is not a regular file (a FIFO, /dev/stdin, a pipe, a device) can be
    read only once: it is copied here, once, to a temporary file (removed with this
    object), which counting and encoding then read like any file."""

    def __init__(self, paths: Sequence[PathLike]) -> None:
        self.names = [os.fspath(p) for p in paths]
        self.paths = []
        for name in self.names:
            if is_stream(name):
                spool = copy_stream(name, "corpus")
                weakref.finalize(self, remove_quietly, spool)
                self.paths.append(spool)
            else:
                open_text_file(name).close()  # fail early on a missing file or a directory
                self.paths.append(name)
        self._shown = dict(zip(self.paths, self.names, strict=True))
        self.counted: Counts | None = None
        self._recording: Recording | None = None  # the text as its first-seen ids

    def key(self) -> tuple[Any, ...]:
        """Equal only while the files are the same ones, unchanged (size, mtime, inode)."""
        return ("files", tuple(_file_identity(p) for p in self.paths))

    def count(
        self,
        max_vocab_size: int | None = None,
        memory_budget: int = DEFAULT_MEMORY_BUDGET,
        workers: int = 1,
    ) -> Counts:
        """Counts the words, with `workers` threads on pieces of plain files cut after
        newlines (pyw2v.counting; the same result as one pass). Without max_vocab_size
        (no pruning) the counters also keep the text as packed ids in first-seen order,
        up to memory_budget bytes, so that the next encode() maps those ids instead of
        reading the files again."""
        self._recording = None
        counter, recording = count_files(
            self.paths,
            max_vocab_size,
            memory_budget,
            workers,
            self._read,
            is_compressed,
            CHUNK_BYTES,
        )
        words, counts = counter.export()
        stats = counter.stats
        self.counted = Counts(
            words,
            counts,
            stats["tokens"],
            stats["sentences"],
            stats["invalid_tokens"],
            stats["truncated_tokens"],
        )
        self._recording = recording
        check_pruned(self.counted, max_vocab_size)
        return self.counted

    def encode(self, vocab: Vocab, memory_budget: int = DEFAULT_MEMORY_BUDGET) -> EncodedCorpus:
        if self.counted is not None:
            # the counts give the packed size: allocate once, fill chunk by chunk
            widths = _core.packed_widths(len(vocab)).astype(np.int64)
            size = int(widths @ vocab.counts) + self.counted.sentences
            recording, self._recording = self._recording, None  # used once, then freed
            if recording is not None and size <= memory_budget:
                packed = np.empty(size, dtype=np.uint8)
                n = recording.remap(vocab.index_to_key, packed)
                del recording
                if n >= 0:
                    return _finish(packed[:n], len(vocab))
            if size <= memory_budget:
                packed = np.empty(size, dtype=np.uint8)
                n = _encode_into(self.paths, _core.Encoder(vocab.index_to_key), packed, self._read)
                if n >= 0:
                    return _finish(packed[:n], len(vocab))
                # the files changed since they were counted: fall through
        packed = _encode_streaming(self.paths, vocab, memory_budget, self._read)
        return _finish(packed, len(vocab))

    def _read(self, path: str, chunk_bytes: int | None = None) -> Iterator[bytes]:
        """read_chunks, with errors naming the path given (not its spool)."""
        return read_chunks(path, chunk_bytes, self._shown.get(path, path))


def _encode_chunks(paths: list[str], encoder: Any, read: Any = read_chunks) -> Iterator[np.ndarray]:
    """Yields the int32 ids of the files chunk by chunk (one buffer, reused)."""
    chunk_bytes = CHUNK_BYTES  # one value for both the reads and the buffer they fill
    buf = np.empty(chunk_bytes + 2, dtype=np.int32)
    for path in paths:
        for chunk, final in _with_final(read(path, chunk_bytes)):
            yield buf[: encoder.feed(chunk, final, buf, 0)]


def _encode_into(
    paths: list[str], encoder: Any, packed: np.ndarray, read: Any = read_chunks
) -> int:
    """Packs the ids of the files into `packed`; returns the bytes used, or -1 if they
    do not fit."""
    n = 0
    for ids in _encode_chunks(paths, encoder, read):
        n = _core.pack_ids(ids, packed, n)
        if n < 0:
            return -1
    return n


def _encode_streaming(
    paths: list[str], vocab: Vocab, memory_budget: int, read: Any = read_chunks
) -> np.ndarray:
    """Encodes without knowing the size (pack_within_budget)."""
    encoder = _core.Encoder(vocab.index_to_key)
    return pack_within_budget(_encode_chunks(paths, encoder, read), memory_budget)


def pack_within_budget(id_chunks: Iterable[np.ndarray], memory_budget: int) -> np.ndarray:
    """Packs int32 ids (-1 ends a sentence), chunk by chunk, without knowing their size:
    the packed ids go to a temporary file, then to memory if they fit memory_budget
    bytes, else they stay in that file, memory-mapped read-only (it is unlinked at once,
    so it goes when the array does). Reading a mapped corpus, the trainer releases the
    pages it has read, so that resident memory does not grow with the corpus."""
    piece = 1 << 20  # ids packed per write
    out = np.empty(5 * piece, dtype=np.uint8)  # 5 bytes per id at most
    with tempfile.NamedTemporaryFile(prefix="pyw2v-ids-", suffix=".bin", delete=False) as tmp:
        try:
            try:
                for ids in id_chunks:
                    for lo in range(0, len(ids), piece):
                        tmp.write(out[: _core.pack_ids(ids[lo : lo + piece], out, 0)].data)
                tmp.flush()
            except OSError as exc:
                if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
                    raise
                raise OSError(
                    exc.errno,
                    f"encoding the corpus failed in the temporary directory "
                    f"{os.path.dirname(tmp.name)!r}: {exc.strerror}. The encoded corpus "
                    f"exceeds memory_budget={memory_budget} bytes, so it is written there: "
                    "free space, set TMPDIR to a larger directory, or raise memory_budget",
                ) from exc
            size = tmp.tell()
            if size <= memory_budget or size == 0:
                tmp.seek(0)
                return np.fromfile(tmp, dtype=np.uint8, count=size)
            return np.memmap(tmp.name, dtype=np.uint8, mode="r", shape=(size,))
        finally:
            os.unlink(tmp.name)


def _with_final(chunks: Iterator[bytes]) -> Iterator[tuple[bytes, bool]]:
    """Pairs each chunk with whether it is the last one (an empty final chunk at the end)."""
    for chunk in chunks:
        yield chunk, False
    yield b"", True


def _finish(packed: np.ndarray, vocab_size: int) -> EncodedCorpus:
    n_words, n_sentences = _core.packed_stats(packed, vocab_size)
    # read-only (and the buffer it views): the trainer then checks and cuts it once for
    # all epochs, which is only safe if nothing can write the ids in between
    view: Any = packed
    while isinstance(view, np.ndarray):
        view.flags.writeable = False
        view = view.base
    return EncodedCorpus(packed, n_words, n_sentences)


class IterableCorpus:
    """An iterable of sentences, each a list (or tuple) of str tokens."""

    def __init__(self, sentences: Iterable[Sequence[str]]) -> None:
        self.sentences = sentences
        self.counted: Counts | None = None

    def key(self) -> tuple[Any, ...]:
        """Equal only for the same object (held, so its id cannot be reused). Its
        contents may change in place, so the model reuses an iterable's encoding only
        once, in the train() right after build_vocab."""
        return ("iterable", _Same(self.sentences))

    def _iter(self) -> Iterator[Sequence[str]]:
        warned = False
        for index, sentence in enumerate(self.sentences):
            if isinstance(sentence, bytes):
                raise TypeError(
                    f"sentence {index}: each sentence must be a list of str tokens, got a "
                    "bytes object (decode it and split it into tokens)"
                )
            if isinstance(sentence, str) and not warned:
                # gensim's behaviour and warning: the string is a sentence of characters
                logger.warning(
                    "Each 'sentences' item should be a list of words (usually unicode "
                    "strings). First item here is instead plain str: it is read as a "
                    "sentence of single characters (to train on files, pass "
                    "corpus_file=path or a list of paths)."
                )
                warned = True
            if not isinstance(sentence, (Sequence, np.ndarray)):
                raise TypeError(
                    f"sentence {index}: each sentence must be a list (or tuple) of str "
                    f"tokens, got {type(sentence).__name__}"
                    + (
                        " (a generator can be read only once: make it a list)"
                        if isinstance(sentence, Iterator)
                        else ""
                    )
                )
            yield sentence

    def count(
        self,
        max_vocab_size: int | None = None,
        memory_budget: int = DEFAULT_MEMORY_BUDGET,
        workers: int = 1,
    ) -> Counts:
        del memory_budget, workers  # one pass in Python; encode() iterates again
        counts: collections.Counter[str] = collections.Counter()
        tokens = sentences = 0
        min_reduce = 0
        for sentence in self._iter():
            tokens += len(sentence)
            sentences += (len(sentence) + MAX_SENTENCE - 1) // MAX_SENTENCE
            if not max_vocab_size:
                counts.update(sentence)
                continue
            # word2vec.c's ReduceVocab token by token, as the C counter prunes files, so
            # that a list and a file of the same sentences keep the same words
            for token in sentence:
                if token in counts:
                    counts[token] += 1
                    continue
                counts[token] = 1
                while len(counts) > max_vocab_size:
                    min_reduce += 1
                    counts = collections.Counter(
                        {w: c for w, c in counts.items() if c > min_reduce}
                    )
        for word in counts:
            if not isinstance(word, str):
                raise TypeError(f"tokens must be str, got {type(word).__name__}: {word!r}")
        words = list(counts)
        self.counted = Counts(
            words, np.array([counts[w] for w in words], dtype=np.int64), tokens, sentences
        )
        check_pruned(self.counted, max_vocab_size)
        return self.counted

    def encode(self, vocab: Vocab, memory_budget: int = DEFAULT_MEMORY_BUDGET) -> EncodedCorpus:
        index = vocab.key_to_index
        parts: list[np.ndarray] = []
        for sentence in self._iter():
            for start in range(0, len(sentence), MAX_SENTENCE):
                ids = [index[w] for w in sentence[start : start + MAX_SENTENCE] if w in index]
                if ids:
                    ids.append(-1)
                    parts.append(np.array(ids, dtype=np.int32))
        ids_all = np.concatenate(parts) if parts else np.empty(0, dtype=np.int32)
        return _finish(pack_ids(ids_all, len(vocab)), len(vocab))


Corpus = FileCorpus | IterableCorpus


def check_pruned(counted: Counts, max_vocab_size: int | None) -> None:
    """ValueError if the corpus had tokens but max_vocab_size's pruning left no word."""
    if counted.tokens and not counted.words:
        raise ValueError(
            f"max_vocab_size={max_vocab_size} pruned every word while counting (each prune "
            "drops the rarest words, and the last one dropped them all): raise max_vocab_size"
        )


def check_memory_budget(value: Any) -> int:
    """memory_budget as an int >= 0; TypeError or ValueError naming it otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"memory_budget must be an integer number of bytes, got {value!r}")
    if value < 0:
        raise ValueError(f"memory_budget must be >= 0 bytes, got {value}")
    return int(value)


def as_corpus(corpus: Any, files: bool = False) -> Corpus:
    """Normalises what users pass: a path, a list of paths or an iterable of token lists.

    A list of str is a list of sentences, as in gensim (each sentence then reads as
    its characters, with gensim's warning), unless `files` says it names files
    (corpus_file=[...]); a list of os.PathLike objects always names files."""
    if isinstance(corpus, (FileCorpus, IterableCorpus)):
        return corpus
    if isinstance(corpus, (str, os.PathLike)):
        return FileCorpus([corpus])
    if (
        isinstance(corpus, (list, tuple))
        and corpus
        and all(isinstance(p, (str, os.PathLike)) for p in corpus)
        and (files or all(isinstance(p, os.PathLike) for p in corpus))
    ):
        return FileCorpus(list(corpus))
    if files:
        raise TypeError(
            f"corpus_file must be a path or a list of paths, got {type(corpus).__name__}"
        )
    if isinstance(corpus, Iterable):
        return IterableCorpus(corpus)
    raise TypeError(
        "corpus must be a path, a list of paths or an iterable of token lists, "
        f"got {type(corpus).__name__}"
    )


def _file_identity(path: str) -> tuple[Any, ...]:
    try:
        st = os.stat(path)
    except OSError:
        return (path, _Same(object()))  # equal to nothing else
    return (path, st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)


class _Same:
    """Compares equal to a _Same of the very same object (and holds it)."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.obj is self.obj

    def __hash__(self) -> int:
        return id(self.obj)
