"""Inputs read once and bounded: corpora from pipes, FIFOs and /dev/stdin are read
whole (copied once to a temporary file), compressed files are probed without losing
bytes, and every loader reads no more than its header allows."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
import threading
import tracemalloc
import zipfile
from collections import Counter

import numpy as np
import pytest

from pyw2v import KeyedVectors, Word2Vec, _core
from pyw2v import io as w2v_io
from pyw2v.corpus import read_chunks

MAX_WORD = _core.MAX_WORD_BYTES


def make_corpus(path, lines=4000):
    """A corpus of about 200 kB: far more than one 8 KiB read of a pipe."""
    rng = np.random.default_rng(5)
    ranks = np.minimum(rng.zipf(1.4, size=(lines, 10)), 300) - 1
    text = "\n".join(" ".join(f"w{r}" for r in row) for row in ranks) + "\n"
    path.write_text(text)
    return text


def word_counts(text):
    return Counter(text.split())


def feed_fifo(fifo, data):
    """Writes `data` into the FIFO from a thread (the open blocks until a reader comes)."""

    def write():
        with open(fifo, "wb") as f:
            f.write(data)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


# ------------------------------------------------------------------ corpora


@pytest.mark.parametrize("compress", [False, True])
def test_cli_trains_on_the_whole_of_stdin(tmp_path, compress):
    """`cat corpus | pyw2v train -train /dev/stdin` counts every word of the corpus."""
    text = make_corpus(tmp_path / "corpus.txt")
    data = text.encode()
    if compress:
        data = gzip.compress(data)
    common = ["-size", "4", "-iter", "1", "-min-count", "1", "--quiet", "-threads", "1"]
    done = subprocess.run(
        [sys.executable, "-m", "pyw2v", "train", "-train", "/dev/stdin", "-output", "v.txt"]
        + ["-save-vocab", "vocab.txt", *common],
        input=data,
        capture_output=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    saved = w2v_io.load_vocab(tmp_path / "vocab.txt", keep_eos=True)
    assert saved.pop("</s>") == text.count("\n")
    assert saved == dict(word_counts(text))
    assert [n for n in os.listdir(tmp_path) if n.startswith((".", "pyw2v-"))] == []


def test_fifo_corpus_trains_whole(tmp_path):
    text = make_corpus(tmp_path / "corpus.txt")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    writer = feed_fifo(fifo, text.encode())
    # the constructor counts and trains from one read of the FIFO
    model = Word2Vec(
        corpus_file=str(fifo), vector_size=4, min_count=1, epochs=1, workers=1, progress=False
    )
    writer.join(timeout=30)
    assert model.corpus_total_words == sum(word_counts(text).values())
    assert model.corpus_count == text.count("\n")
    counts = model.wv.expandos["count"].tolist()
    assert dict(zip(model.wv.index_to_key, counts, strict=True)) == dict(word_counts(text))
    assert model.epochs_trained == 1


def test_compression_probe_consumes_nothing_from_a_pipe(tmp_path):
    """A gzip stream read through a FIFO (no seek): the magic bytes are peeked at."""
    text = make_corpus(tmp_path / "corpus.txt", lines=500).encode()
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    writer = feed_fifo(fifo, gzip.compress(text))
    assert b"".join(read_chunks(fifo)) == text
    writer.join(timeout=30)


SPOOL_FULL = """
import resource, sys
from pyw2v import Word2Vec
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))  # a full disk, for the temporaries
try:
    Word2Vec(corpus_file=sys.argv[1], min_count=1, workers=1, progress=False,
             memory_budget=0)
except OSError as exc:
    print(exc)
"""


def test_full_temporary_directory_is_named(tmp_path):
    """A stream copied to a full temporary directory, or an encoding that outgrows
    memory_budget there: the error names the directory and what to do."""
    make_corpus(tmp_path / "corpus.txt")
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    data = (tmp_path / "corpus.txt").read_bytes()
    spooled = subprocess.run(
        [sys.executable, "-c", SPOOL_FULL, "/dev/stdin"],
        input=data,
        capture_output=True,
        text=False,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    message = spooled.stdout.decode()
    assert "temporary directory" in message and str(tmp_path) in message, spooled
    assert "TMPDIR" in message
    encoded = subprocess.run(
        [sys.executable, "-c", SPOOL_FULL, str(tmp_path / "corpus.txt")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert "memory_budget=0" in encoded.stdout and str(tmp_path) in encoded.stdout, encoded
    assert [n for n in os.listdir(tmp_path) if n.startswith("pyw2v-")] == []


# ------------------------------------------------------------------ loaders


def test_load_vocab_refuses_an_endless_stream():
    with pytest.raises(ValueError, match="line 1 is longer than .*not a vocabulary file"):
        w2v_io.load_vocab("/dev/zero")


def test_word2vec_loaders_refuse_dev_zero():
    for binary in (False, True):
        with pytest.raises(ValueError, match="the first line must be"):
            w2v_io.load_word2vec_format("/dev/zero", binary=binary)


ENDLESS = """
import sys
from pyw2v import io
try:
    io.load_word2vec_format("/dev/stdin", binary=True)
except ValueError as exc:
    print(exc)
"""


def test_word2vec_stream_going_on_past_its_rows_is_refused(tmp_path):
    """A valid header, then a stream without an end: refused once more bytes came than
    the header's rows could hold (not read until memory runs out)."""
    done = subprocess.run(
        ["sh", "-c", f"(printf '2 3\\n'; cat /dev/zero) | {sys.executable} -c '{ENDLESS}'"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert "goes on past the 2 rows of dimension 3" in done.stdout, done


@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_stream_of_zeros_under_a_lying_header_is_refused(tmp_path, binary):
    """A header claiming 10**12 rows, then zeros without end: refused once a run longer
    than two rows can be holds no separator, not when memory runs out."""
    code = ENDLESS.replace("binary=True", f"binary={binary}")
    done = subprocess.run(
        [
            "sh",
            "-c",
            f"(printf '1000000000000 3\\n'; cat /dev/zero) | {sys.executable} -c '{code}'",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert "not a word2vec file (or a stream without an end)" in done.stdout, done


def big_kv(n=20000, d=20):
    rng = np.random.default_rng(1)
    return KeyedVectors(rng.standard_normal((n, d)).astype(np.float32), [f"w{i}" for i in range(n)])


@pytest.mark.parametrize("binary", [False, True])
def test_gz_with_limit_reads_only_what_it_needs(tmp_path, binary):
    """The rows past `limit` are never decompressed: a .gz cut in its second half still
    loads its first rows with a limit, while the whole load reports the cut."""
    kv = big_kv()
    plain = tmp_path / "v"
    kv.save_word2vec_format(plain, binary=binary)
    packed = gzip.compress(plain.read_bytes())
    cut = tmp_path / "v.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    loaded = w2v_io.load_word2vec_format(cut, binary=binary, limit=10)
    assert loaded.index_to_key == kv.index_to_key[:10]
    np.testing.assert_array_equal(loaded.vectors, kv.vectors[:10])
    with pytest.raises(ValueError, match="corrupt compressed file"):
        w2v_io.load_word2vec_format(cut, binary=binary)


@pytest.mark.parametrize("binary", [False, True])
def test_fifo_vectors_load_whole(tmp_path, binary):
    kv = big_kv(n=3000)
    plain = tmp_path / "v"
    kv.save_word2vec_format(plain, binary=binary)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    writer = feed_fifo(fifo, plain.read_bytes())
    loaded = w2v_io.load_word2vec_format(fifo, binary=binary)
    writer.join(timeout=30)
    assert loaded.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(loaded.vectors, kv.vectors)


def zip_bomb(path, claimed_bytes):
    """A zip whose vectors.npy member, deflated, expands to `claimed_bytes` of zeros:
    its npy header and zip entry both tell the truth about the size."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        header_npy = io.BytesIO()
        np.save(header_npy, np.frombuffer(b'{"format": "pyw2v"}', dtype=np.uint8))
        archive.writestr("header.npy", header_npy.getvalue(), compress_type=zipfile.ZIP_STORED)
        with archive.open("vectors.npy", "w", force_zip64=True) as member:
            header = {"descr": "<f4", "fortran_order": False, "shape": (claimed_bytes // 4,)}
            np.lib.format.write_array_header_1_0(member, header)
            block = bytes(1 << 24)
            for _ in range(claimed_bytes // len(block)):
                member.write(block)


def test_native_zip_bomb_is_refused_before_decompressing(tmp_path):
    path = tmp_path / "bomb.pyw2v"
    zip_bomb(path, 1 << 28)  # 256 MiB of zeros in about 256 kB
    assert os.path.getsize(path) < 1 << 20
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="vectors.npy is compressed"):
            Word2Vec.load(path)
        with pytest.raises(ValueError, match="is compressed"):
            w2v_io.native_kind(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20


def test_native_file_with_compressed_members_is_refused(tmp_path):
    model = Word2Vec([["a", "b", "c"]] * 3, vector_size=4, min_count=1, epochs=1, progress=False)
    model.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz") as data:
        arrays = {k: data[k] for k in data.files}
    np.savez_compressed(tmp_path / "c.npz", **arrays)
    with pytest.raises(ValueError, match="is compressed.*as Word2Vec.save writes them"):
        Word2Vec.load(tmp_path / "c.npz")


@pytest.mark.parametrize("fmt", ["text", "binary", "vocab"])
def test_writers_and_readers_agree_on_the_longest_word(tmp_path, fmt):
    """A word of MAX_WORD_BYTES bytes round-trips; one byte more is refused by the
    writer, before anything is written (the binary reader would refuse it)."""
    longest = "é" * (MAX_WORD // 2)  # 2 bytes each in UTF-8
    path = tmp_path / "f"
    kv = KeyedVectors(np.ones((2, 3), dtype=np.float32), [longest, "b"])
    if fmt == "vocab":
        w2v_io.save_vocab({longest: 3, "b": 1}, path)
        assert w2v_io.load_vocab(path) == {longest: 3, "b": 1}
    else:
        kv.save_word2vec_format(path, binary=fmt == "binary")
        assert w2v_io.load_word2vec_format(path, binary=fmt == "binary").index_to_key == [
            longest,
            "b",
        ]
    path.unlink()
    too_long = longest + "x"
    with pytest.raises(ValueError, match=f"{MAX_WORD + 1} bytes long in UTF-8, more than"):
        if fmt == "vocab":
            w2v_io.save_vocab({too_long: 3}, path)
        else:
            KeyedVectors(np.ones((1, 3), dtype=np.float32), [too_long]).save_word2vec_format(
                path, binary=fmt == "binary"
            )
    assert not path.exists()


@pytest.mark.parametrize("name", ["w2v-gensim.bin", "w2v-gensim.txt"])
def test_query_command_reads_a_model_from_a_pipe(tmp_path, name):
    """`pyw2v similar /dev/stdin ...` with the model piped in: the format is told and the
    model read from one pass over the pipe (a temporary copy), as from the file."""
    data = os.path.join(os.path.dirname(__file__), "data", name)
    args = [sys.executable, "-m", "pyw2v", "similar"]
    with open(data, "rb") as f:
        piped = subprocess.run(
            [*args, "/dev/stdin", "god", "--topn", "3"],
            input=f.read(),
            capture_output=True,
            cwd=tmp_path,
            timeout=120,
        )
    direct = subprocess.run(
        [*args, data, "god", "--topn", "3"], capture_output=True, cwd=tmp_path, timeout=120
    )
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == direct.stdout and piped.stdout.startswith(b"god:")
