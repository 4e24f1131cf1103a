"""Bad input and faults (SPEC "Bad input and faults", docs/errors.md): the rows of the
reliability table that no other test module covers.

Corpora: NUL bytes, mixed encodings counted in corpus_stats, a 100 MB single line and a
100 MB single token counted in bounded memory, compressed corpora cut at every byte.
Hyperparameters: every parameter has a checked range and its message names it.
Model files: native and word2vec text/binary files cut at every byte offset, headers
that claim huge sizes. Faults: an exception in a callback, a real failing write
(RLIMIT_FSIZE), divergence, max_vocab_size bounding the memory of counting.

Tests that measure memory run in a subprocess (outside the source tree, so that the
installed package is imported) and read VmHWM, the peak resident set size, from
/proc/self/status; Python-level allocations are also traced with tracemalloc.
"""

from __future__ import annotations

import bz2
import collections
import contextlib
import dataclasses
import errno
import gzip
import io as stdio
import json
import lzma
import os
import subprocess
import sys
import textwrap
import threading
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest

from pyw2v import KeyedVectors, Word2Vec, _core
from pyw2v import io as w2v_io
from pyw2v.callbacks import CallbackAny2Vec
from pyw2v.corpus import CHUNK_BYTES, FileCorpus
from pyw2v.params import Params

FAST = dict(vector_size=8, min_count=1, epochs=1, workers=1, progress=False, seed=3)
MiB = 1 << 20


def sentences(seed=4, n=300, vocab=50, length=12):
    rng = np.random.default_rng(seed)
    return [[f"w{i}" for i in row] for row in rng.integers(0, vocab, size=(n, length))]


SENTENCES = sentences()


def run_child(code: str, cwd, timeout: float = 120) -> dict:
    """Runs `code` in a fresh interpreter in `cwd` (outside the source tree) and returns
    the JSON object it prints on its last line. The environment is passed through, so
    an LD_PRELOADed sanitizer runtime reaches the child too."""
    prelude = textwrap.dedent(
        """
        import json, os, sys, tracemalloc

        def hwm_mib():
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024
            raise RuntimeError("no VmHWM")

        def rss_anon_mib():
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith("RssAnon:"):
                        return int(line.split()[1]) / 1024
            raise RuntimeError("no RssAnon")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


# peak-RSS bounds: Linux only, and meaningless under AddressSanitizer (its shadow memory
# and quarantine count too; scripts/asan_pytest.sh preloads libasan)
measures_rss = pytest.mark.skipif(
    not os.path.exists("/proc/self/status") or "libasan" in os.environ.get("LD_PRELOAD", ""),
    reason="needs /proc/self/status and a process without AddressSanitizer",
)


# ------------------------------------------------------------------------ corpora


def test_nul_bytes_separate_tokens(tmp_path):
    path = tmp_path / "nul.txt"
    path.write_bytes(b"a\0b\0\0c\nd\0a\0\n\0\0\n")
    counted = FileCorpus([path]).count()
    assert counted.words == ["a", "b", "c", "d"]
    assert counted.counts.tolist() == [2, 1, 1, 1]
    assert (counted.tokens, counted.sentences) == (5, 2)
    model = Word2Vec(path, **FAST)
    assert model.wv.index_to_key == ["a", "b", "c", "d"]
    assert np.isfinite(model.wv.vectors).all()


def test_mixed_encodings_become_u_fffd_and_are_counted(tmp_path):
    lines = [
        "café naïve 日本".encode(),  # UTF-8
        "café naïve".encode("latin-1"),  # ISO-8859-1: é and ï alone are invalid UTF-8
        "“quoted” café".encode("cp1252"),  # Windows-1252 quotes
        b"\xef\xbb\xbfbom caf\xc3",  # a UTF-8 BOM (valid: U+FEFF stays) and a cut sequence
        b"\x80 \xc0\xaf \xed\xa0\x80 ok",  # lone continuation, overlong, surrogate
    ]
    data = b"\n".join(lines) + b"\n"
    path = tmp_path / "mixed.txt"
    path.write_bytes(data)
    tokens = data.split()
    expected = [t.decode("utf-8", "replace") for t in tokens]
    invalid = sum(
        t.decode("utf-8", "replace") != t.decode("utf-8", "surrogateescape") for t in tokens
    )
    model = Word2Vec(path, **FAST)
    assert model.corpus_stats["tokens"] == len(tokens)
    assert model.corpus_stats["invalid_tokens"] == invalid == 8
    assert model.corpus_stats["sentences"] == len(lines)
    # invalid bytes become U+FFFD exactly as Python's decoder replaces them
    assert dict(zip(model.vocab.index_to_key, model.vocab.counts.tolist(), strict=True)) == dict(
        collections.Counter(expected)
    )
    assert "\ufeffbom" in model.wv  # the BOM is not stripped: it is a valid character
    assert np.isfinite(model.wv.vectors).all()


def test_utf16_text_is_read_as_bytes(tmp_path):
    # UTF-16 is not decoded: its NUL bytes separate every ASCII letter (convert to UTF-8)
    path = tmp_path / "u16.txt"
    path.write_bytes("ab cd\n".encode("utf-16-le"))
    assert FileCorpus([path]).count().words == ["a", "b", "c", "d"]


def _write_single_line(path, size, token_text: bool) -> int:
    """A file of `size` bytes and no newline: 1000 distinct words, or one token."""
    if token_text:
        rng = np.random.default_rng(1)
        lexicon = [f"t{i}".encode() for i in range(1000)]
        block = b" ".join(lexicon[i] for i in rng.integers(0, 1000, 100_000)) + b" "
    else:
        block = b"x" * MiB
    written = 0
    with open(path, "wb") as f:
        while written < size:
            f.write(block)
            written += len(block)
    return written // len(block) * (100_000 if token_text else 0)


@measures_rss
def test_huge_single_line_counts_and_encodes_in_bounded_memory(tmp_path):
    """A 100 MiB line of 1000 distinct words, and a 100 MiB token. The reader holds one
    chunk (CHUNK_BYTES = 4 MiB) at a time; the C tokenizer carries at most one partial
    token (MAX_TOKEN_BYTES = 4 KiB, longer tokens are truncated) and a table of the
    distinct words. A reader that held the whole line would need 100 MiB more.
    With a memory_budget of 1 MiB, counting drops its recording of the text as ids once
    it outgrows that, and encoding streams the ids to a memory-mapped file."""
    assert 4 * MiB == CHUNK_BYTES
    n_tokens = _write_single_line(tmp_path / "line.txt", 100 * MiB, token_text=True)
    _write_single_line(tmp_path / "token.txt", 100 * MiB, token_text=False)
    out = run_child(
        """
        from pyw2v.corpus import FileCorpus
        from pyw2v.vocab import Vocab
        result = {}
        for name in ("line.txt", "token.txt"):
            before = hwm_mib()
            tracemalloc.start()
            fc = FileCorpus([name])
            c = fc.count(memory_budget=2**20)
            result[name] = dict(
                count_rss=hwm_mib() - before,
                count_traced=tracemalloc.get_traced_memory()[1] / 2**20,
                tokens=c.tokens, sentences=c.sentences, words=len(c.words),
                truncated=c.truncated_tokens, longest=max(map(len, c.words)),
            )
            tracemalloc.stop()
            if name == "line.txt":
                # encoding streams through a temporary file, memory-mapped at the end
                vocab = Vocab.from_counts(c.words, c.counts, min_count=1)
                anon = rss_anon_mib()
                tracemalloc.start()
                enc = fc.encode(vocab, memory_budget=2**20)
                result["encode_traced"] = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
                result["encode_anon"] = rss_anon_mib() - anon
                result["n_words"] = enc.n_words
                result["memmap"] = type(enc.packed).__name__
        print(json.dumps(result))
        """,
        tmp_path,
    )
    line, token = out["line.txt"], out["token.txt"]
    assert line["tokens"] == n_tokens and line["words"] == 1000
    assert line["sentences"] == -(-n_tokens // _core.MAX_SENTENCE)
    assert line["count_rss"] < 32, out
    assert line["count_traced"] < 16, out
    assert out["n_words"] == n_tokens and out["memmap"] == "memmap"
    # the packed ids are memory-mapped (file pages, not anonymous memory); the Python
    # peak is the 4 MiB chunk read, the 16 MiB id buffer it is encoded into and the
    # 5 MiB buffer its pieces are packed into (29 MiB measured), whatever the corpus size
    assert out["encode_traced"] < 32, out
    assert out["encode_anon"] < 16, out
    assert (token["tokens"], token["truncated"]) == (1, 1)
    assert token["longest"] == _core.MAX_TOKEN_BYTES
    assert token["count_rss"] < 32 and token["count_traced"] < 16, out


TEXT = ("the cat sat on the mat\nthe dog ate the café\n" * 40).encode()


@pytest.mark.parametrize(
    "compress", [gzip.compress, bz2.compress, lzma.compress], ids=["gz", "bz2", "xz"]
)
def test_compressed_corpus_cut_at_every_byte(tmp_path, compress):
    packed = compress(TEXT)
    path = tmp_path / "c.z"
    full = FileCorpus([_write(path, packed)]).count()
    assert full.tokens == len(TEXT.split())
    magic = {gzip.compress: 2, bz2.compress: 3, lzma.compress: 6}[compress]
    for cut in range(len(packed)):
        _write(path, packed[:cut])
        try:
            counted = FileCorpus([path]).count()
        except ValueError as exc:
            assert "c.z" in str(exc) and "corrupt" in str(exc)
            continue
        # only a file too short to show its magic bytes is read as (binary) plain text
        assert cut < magic, cut
        assert counted.tokens <= 1
    with pytest.raises(ValueError, match="corrupt"):
        Word2Vec(_write(path, packed[: len(packed) // 2]), **FAST)


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------- hyperparameters

# Every Params field: values out of its range (ValueError) and of a wrong type (TypeError).
BAD_VALUES: dict[str, list] = {
    "vector_size": [0, -1, _core.MAX_DIM + 1],
    "alpha": [0, -0.1, float("nan"), float("inf")],
    "min_alpha": [-1e-9, float("nan"), float("inf"), 1.0],  # 1.0 > alpha
    "window": [0, -3],
    "min_count": [-1],
    "max_vocab_size": [0, -5],
    "max_final_vocab": [0, -5],
    "sample": [-1e-3, float("nan"), float("inf")],
    "seed": [-1, 2**64],
    "workers": [-1, _core.MAX_THREADS + 1],
    "negative": [0, -1],
    "ns_exponent": [float("nan"), float("inf"), -float("inf")],
    "epochs": [0, -2],
    "simd": ["sse9", "", None],
    "negative_reuse": [0, 17],
    "sg": [2, -1],
    "hs": [2, -1],
    "sg_batch": [True],  # with the default sg=0: skip-gram only
}
BAD_TYPES: dict[str, list] = {
    "vector_size": [2.5, "100"],
    "alpha": ["0.1", True],  # None: the mode's default
    "window": [5.0],
    "min_count": [2.0],
    "max_vocab_size": [1.5],
    "max_final_vocab": ["9"],
    "sample": [None],
    "seed": [1.0],
    "workers": [True],
    "negative": [None],
    "ns_exponent": ["0.75"],
    "epochs": [None, 1.0],
    "negative_reuse": [1.5],
    "sg": ["1", 1.5],
    "hs": ["0", 0.0],
    "sg_batch": ["yes", 2, 0.5],
}
ANY_VALUE_OK = {
    "cbow_mean",
    "cbow_exact_grad",
    "shrink_windows",
}  # taken as bool(value), like gensim's ints


def test_every_parameter_has_a_range():
    fields = {f.name for f in dataclasses.fields(Params)}
    assert set(BAD_VALUES) | ANY_VALUE_OK == fields


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [(n, v, ValueError) for n, values in BAD_VALUES.items() for v in values]
    + [(n, v, TypeError) for n, values in BAD_TYPES.items() for v in values],
)
def test_out_of_range_parameter_named_in_the_message(name, value, error):
    with pytest.raises(error, match=name):
        Word2Vec(progress=False, **{name: value})


# ------------------------------------------------------------------- model files


@pytest.fixture(scope="module")
def small_model():
    return Word2Vec([["a", "b", "c"], ["c", "b", "d"]] * 4, **FAST)


def _load_native_quietly(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        return Word2Vec.load(path)


def test_native_file_cut_at_every_byte(small_model, tmp_path):
    path = tmp_path / "m.pyw2v"
    small_model.save(path)
    raw = path.read_bytes()
    cut_path = tmp_path / "cut.pyw2v"
    for cut in range(len(raw)):
        cut_path.write_bytes(raw[:cut])
        with pytest.raises(ValueError, match="cut.pyw2v"):
            _load_native_quietly(cut_path)
        if cut >= 4 and cut % 8 == 0:  # a zip's start: native_kind (the CLI's probe) too
            with pytest.raises(ValueError):
                w2v_io.native_kind(cut_path)
    cut_path.write_bytes(raw)
    np.testing.assert_array_equal(_load_native_quietly(cut_path).wv.vectors, small_model.wv.vectors)


def _gensim_style_binary(kv: KeyedVectors) -> bytes:
    """Binary rows without the newline after each vector (gensim 4 writes them so)."""
    rows = [
        f"{w} ".encode() + kv.vectors[i].astype("<f4").tobytes()
        for i, w in enumerate(kv.index_to_key)
    ]
    return f"{len(kv)} {kv.vector_size}\n".encode() + b"".join(rows)


@pytest.mark.parametrize("kind", ["text", "binary", "binary-no-newlines", "text.gz"])
def test_word2vec_file_cut_at_every_byte(tmp_path, kind):
    rng = np.random.default_rng(2)
    words = ["the", "café", "日本", "x", "longer_word"]
    kv = KeyedVectors(rng.standard_normal((len(words), 4)).astype(np.float32), words)
    path = tmp_path / "v"
    binary = kind.startswith("binary")
    if kind == "binary-no-newlines":
        path.write_bytes(_gensim_style_binary(kv))
    else:
        kv.save_word2vec_format(path, binary=binary)
        if kind == "text.gz":
            path.write_bytes(gzip.compress(path.read_bytes()))
    raw = path.read_bytes()
    plain = gzip.decompress(raw) if kind == "text.gz" else raw
    cut_path = tmp_path / "cut"
    for cut in range(len(raw)):
        cut_path.write_bytes(raw[:cut])
        try:
            loaded = w2v_io.load_word2vec_format(cut_path, binary=binary)
        except ValueError as exc:
            assert "cut" in str(exc)
            continue
        # never fewer rows than announced: only a cut that leaves every row whole (the
        # final newline) or, in text, shortens the last number can still be read
        assert kind == "text" or cut == len(raw) - 1, cut
        assert loaded.index_to_key == words
        np.testing.assert_array_equal(loaded.vectors[:-1], kv.vectors[:-1])
        assert cut == len(raw) - 1 or cut > plain.rindex(b" ")
    cut_path.write_bytes(raw)
    np.testing.assert_array_equal(
        w2v_io.load_word2vec_format(cut_path, binary=binary).vectors, kv.vectors
    )


def test_vocab_file_cut_at_every_byte(tmp_path):
    vocab = {"the": 1234, "café": 56, "日本": 7, "x": 5}
    path = tmp_path / "v.vocab"
    w2v_io.save_vocab(vocab, path)
    raw = path.read_bytes()
    for cut in range(len(raw)):
        path.write_bytes(raw[:cut])
        try:
            loaded = w2v_io.load_vocab(path)
        except ValueError as exc:
            assert "is not 'word count'" in str(exc)
            continue
        # a vocabulary file has no length: a cut at a line end, or inside the last count,
        # leaves a shorter valid file (the count may lose digits)
        words = list(loaded)
        assert words == list(vocab)[: len(words)]
        assert all(loaded[w] == vocab[w] for w in words[:-1])
        assert not words or str(vocab[words[-1]]).startswith(str(loaded[words[-1]]))


@pytest.mark.parametrize(
    "header",
    [b"1000000000000 4\n", b"1 1000000000\n", b"1000000000 1000000000\n", b"9" * 40 + b" 9\n"],
)
@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
def test_word2vec_header_claiming_huge_sizes_allocates_nothing(tmp_path, header, binary):
    path = tmp_path / "lies"
    path.write_bytes(header + b"a 1 2 3 4\n")
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="header announces|bad header"):
            w2v_io.load_word2vec_format(path, binary=binary)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MiB


@pytest.mark.parametrize("dim", [10**7, 10**9])
@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gz"])
def test_detect_binary_with_huge_header_dim_allocates_nothing(tmp_path, dim, compressed):
    path = tmp_path / "lies"
    content = b"1 %d\na 1 2 3 4\n" % dim
    path.write_bytes(gzip.compress(content) if compressed else content)
    tracemalloc.start()
    try:
        # whatever it answers (ValueError: bad header is fine), the loader then refuses
        with contextlib.suppress(ValueError):
            w2v_io.detect_word2vec_binary(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MiB


def test_detect_text_whose_first_row_overflows_float32(tmp_path):
    """Found by the fuzz test: the format probe parsed a first row holding 1e99 into
    float32 and warned (an error under pytest); it must just answer "text", and the
    loader then reports the overflow."""
    path = tmp_path / "big.txt"
    path.write_bytes(b"2 3\nthe 0.1 1e99 0.2\nx 0.1 0.2 0.3\n")
    assert w2v_io.detect_word2vec_binary(path) is False  # pytest turns warnings into errors


@pytest.mark.parametrize("limit", [None, 0])
def test_binary_header_dim_beyond_int64_value_error(tmp_path, limit):
    path = tmp_path / "lies"
    path.write_bytes(b"0 %d\n" % 10**30 if limit is None else b"2 %d\nab" % 10**30)
    with pytest.raises(ValueError, match="lies"):
        w2v_io.load_word2vec_format(path, binary=True, limit=limit)


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
def test_huge_values_load_without_a_warning(tmp_path, binary):
    kv = KeyedVectors(np.array([[3e38, 3e38], [1, 2]], dtype=np.float32), ["a", "b"])
    kv.save_word2vec_format(tmp_path / "big", binary=binary)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = w2v_io.load_word2vec_format(tmp_path / "big", binary=binary)
    np.testing.assert_array_equal(loaded.vectors, kv.vectors)


def test_text_value_beyond_float32_rejected_without_a_warning(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"2 2\na\t1e90 1\nb 1 2\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="NaN or infinite"):
            w2v_io.load_word2vec_format(path)


def test_huge_vocab_count(tmp_path):
    path = tmp_path / "v.vocab"
    path.write_bytes(b"the %d\nx 5\n" % 10**30)
    with pytest.raises(ValueError, match="the"):
        Word2Vec(progress=False).build_vocab_from_freq(w2v_io.load_vocab(path))


@pytest.mark.parametrize("dim", [2**31, 2**63, 10**30])
def test_header_dim_beyond_int32_is_a_bad_header(tmp_path, dim):
    path = tmp_path / "lies"
    for content in (b"0 %d\n" % dim, gzip.compress(b"1 %d\na 1 2\n" % dim)):
        path.write_bytes(content)
        for call in (
            lambda: w2v_io.detect_word2vec_binary(path),
            lambda: w2v_io.load_word2vec_format(path),
            lambda: w2v_io.load_word2vec_format(path, binary=True, limit=0),
        ):
            with pytest.raises(ValueError, match="bad header"):
                call()


def _native_with_npy_shape(path, model_path, shape):
    """A native file whose vectors member claims `shape` but holds 64 bytes."""
    with zipfile.ZipFile(model_path) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "vectors.npy":
                buf = stdio.BytesIO()
                header = {"descr": "<f4", "fortran_order": False, "shape": shape}
                np.lib.format.write_array_header_1_0(buf, header)
                data = buf.getvalue() + bytes(64)
            dst.writestr(info.filename, data)


@measures_rss
def test_native_npy_header_claiming_huge_shape(small_model, tmp_path):
    small_model.save(tmp_path / "m.pyw2v")
    shapes = {"4GB": (100_000, 10_000), "4PB": (10**9, 10**6)}
    for name, shape in shapes.items():
        _native_with_npy_shape(tmp_path / f"{name}.pyw2v", tmp_path / "m.pyw2v", shape)
    out = run_child(
        f"""
        from pyw2v import Word2Vec
        result = {{}}
        for name in {sorted(shapes)!r}:
            before = hwm_mib()
            try:
                Word2Vec.load(name + ".pyw2v")
                result[name] = "loaded"
            except ValueError as exc:
                result[name] = "ValueError"
            result[name + "_rss"] = hwm_mib() - before
        print(json.dumps(result))
        """,
        tmp_path,
    )
    for name in shapes:
        assert out[name] == "ValueError" and out[name + "_rss"] < 16, out


def test_native_npy_header_claiming_huge_shape_allocates_nothing(small_model, tmp_path):
    small_model.save(tmp_path / "m.pyw2v")
    _native_with_npy_shape(tmp_path / "big.pyw2v", tmp_path / "m.pyw2v", (100_000, 10_000))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError):
            _load_native_quietly(tmp_path / "big.pyw2v")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * MiB


def _native_with_header_blob(path, model_path, blob: bytes):
    with np.load(model_path) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["header"] = np.frombuffer(blob, dtype=np.uint8)
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def test_native_deeply_nested_header_value_error(small_model, tmp_path):
    small_model.save(tmp_path / "m.pyw2v")
    _native_with_header_blob(tmp_path / "deep.pyw2v", tmp_path / "m.pyw2v", b"[" * 100_000)
    with pytest.raises(ValueError, match="deep.pyw2v"):
        Word2Vec.load(tmp_path / "deep.pyw2v")


# ------------------------------------------------------------------------- faults


class FailOnEpochEnd(CallbackAny2Vec):
    def on_epoch_end(self, model):
        raise LookupError("callback failed")


def test_exception_in_a_callback_leaves_no_thread_running():
    start = threading.active_count()
    model = Word2Vec(vector_size=8, min_count=1, epochs=3, workers=2, progress=True, seed=1)
    model.build_vocab(SENTENCES)
    with pytest.raises(LookupError, match="callback failed"):
        model.train(SENTENCES, callbacks=[FailOnEpochEnd()], progress=False)
    assert threading.active_count() == start
    assert model.epochs_trained == 1 and np.isfinite(model.wv.vectors).all()


def test_a_failing_write_keeps_the_good_file(tmp_path):
    """A real write error (EFBIG from RLIMIT_FSIZE, as a full disk gives ENOSPC) half-way
    through each kind of save: the exception propagates, the previous file is intact
    and no temporary file is left."""
    out = run_child(
        """
        import resource, signal
        import numpy as np
        from pyw2v import Word2Vec, io

        rng = np.random.default_rng(0)
        corpus = [[f"w{i}" for i in row] for row in rng.integers(0, 200, size=(400, 10))]
        model = Word2Vec(corpus, vector_size=16, min_count=1, epochs=1, workers=1,
                         progress=False)
        saves = {
            "native": model.save,
            "text": lambda p: model.wv.save_word2vec_format(p),
            "binary": lambda p: model.wv.save_word2vec_format(p, binary=True),
            "vocab": lambda p: io.save_vocab(model.vocab, p),
        }
        good = {}
        for name, save in saves.items():
            save(name)
            with open(name, "rb") as f:
                good[name] = f.read()
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() fails with EFBIG instead
        limit = min(map(len, good.values())) // 2
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        result = {"sizes": [len(g) for g in good.values()], "limit": limit}
        for name, save in saves.items():
            try:
                save(name)
                result[name] = "saved"
            except OSError as exc:
                result[name] = exc.errno
            with open(name, "rb") as f:
                result[name + "_intact"] = f.read() == good[name]
        result["files"] = sorted(os.listdir("."))
        print(json.dumps(result))
        """,
        tmp_path,
    )
    for name in ("native", "text", "binary", "vocab"):
        assert out[name] == errno.EFBIG, out
        assert out[name + "_intact"], out
    assert out["files"] == ["binary", "native", "text", "vocab"]


def test_absurd_alpha_raises_floating_point_error_with_advice():
    model = Word2Vec(alpha=1e6, **{**FAST, "epochs": 3})
    model.build_vocab(SENTENCES)
    with pytest.raises(FloatingPointError, match="diverged.*lower alpha"):
        model.train(SENTENCES)
    assert model.epochs_trained == 1


DIVERGING = dict(vector_size=16, min_count=1, workers=1, progress=False, seed=1, sample=0)


def test_divergence_with_a_finite_loss_is_reported():
    model = Word2Vec(alpha=0.5, min_alpha=0.5, epochs=5, **DIVERGING)
    model.build_vocab(SENTENCES)
    with pytest.raises(FloatingPointError, match="lower alpha"):
        model.train(SENTENCES)


def test_divergence_error_not_replaced_by_a_warning():
    model = Word2Vec(alpha=1.0, min_alpha=1.0, epochs=5, **DIVERGING)
    model.build_vocab(SENTENCES)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(FloatingPointError, match="lower alpha"):
            model.train(SENTENCES)


def test_diverged_model_does_not_save_an_unloadable_file(tmp_path):
    model = Word2Vec(alpha=1e6, **FAST)
    model.build_vocab(SENTENCES)
    with pytest.raises(FloatingPointError):
        model.train(SENTENCES)
    try:
        model.save(tmp_path / "m")
    except ValueError:
        return  # refusing to save is fine
    Word2Vec.load(tmp_path / "m")  # what was saved must load


@measures_rss
def test_max_vocab_size_bounds_the_memory_of_counting(tmp_path):
    """1.5 million distinct words, each once, next to one frequent word: bounded to
    10,000 words the counter stays small; unbounded, counting them takes well over
    100 MiB (the hash table, then the exported Python strings)."""
    n = 1_500_000
    with open(tmp_path / "distinct.txt", "wb") as f:
        for lo in range(0, n, 100_000):
            f.write(b"".join(b"w%08d the\n" % i for i in range(lo, lo + 100_000)))
    out = run_child(
        """
        from pyw2v.corpus import FileCorpus
        start = hwm_mib()
        bounded = FileCorpus(["distinct.txt"]).count(max_vocab_size=10_000)
        after_bounded = hwm_mib()
        free = FileCorpus(["distinct.txt"]).count()
        print(json.dumps(dict(
            bounded_rss=after_bounded - start, free_rss=hwm_mib() - start,
            bounded_words=len(bounded.words), free_words=len(free.words),
            first=bounded.words[0], first_count=int(bounded.counts[0]),
            tokens=bounded.tokens)))
        """,
        tmp_path,
    )
    assert out["tokens"] == 2 * n and out["free_words"] == n + 1
    assert out["bounded_words"] <= 10_000
    assert (out["first"], out["first_count"]) == ("the", n)
    assert out["bounded_rss"] < 24, out
    assert out["free_rss"] > 100, out
