"""word2vec.c's vector formats and vocabulary files: round trips, the variants real tools
write (newlines, trailing spaces, compression), bad files, the fixtures made by gensim and
word2vec.c, and (marked interop) cross-checks against the installed tools themselves."""

from __future__ import annotations

import bz2
import collections
import gzip
import lzma
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from pyw2v import KeyedVectors, Word2Vec, formats
from pyw2v import io as w2v_io
from pyw2v.vocab import Vocab

DATA = os.path.join(os.path.dirname(__file__), "data")
CORPUS = os.path.join(DATA, "w2v-corpus.txt")


def data(name):
    return os.path.join(DATA, name)


def random_kv(n=50, dim=7, seed=0):
    rng = np.random.default_rng(seed)
    words = ["the", "café", "日本", "naïve", "Ω", "x", "</s>", "ünïcödé"] + [
        f"w{i}" for i in range(n - 8)
    ]
    vectors = rng.standard_normal((n, dim)).astype(np.float32) * 10.0 ** rng.integers(-8, 8)
    vectors[0, : min(dim, 5)] = [0.0, -0.0, 1e-38, 3.4e38, -1.5e-7][: min(dim, 5)]
    return KeyedVectors(vectors, words[:n])


def assert_same_kv(a, b):
    assert a.index_to_key == b.index_to_key
    assert a.vectors.dtype == b.vectors.dtype == np.float32
    np.testing.assert_array_equal(a.vectors, b.vectors)


def binary_rows(rows, newlines):
    """word2vec binary bytes for [(word bytes, vector)], with a newline after row i if
    newlines(i)."""
    dim = len(rows[0][1]) if rows else 1
    out = [f"{len(rows)} {dim}\n".encode()]
    for i, (word, vector) in enumerate(rows):
        out.append(word + b" " + np.asarray(vector, "<f4").tobytes())
        if newlines(i):
            out.append(b"\n")
    return b"".join(out)


ROWS = [(b"a", [1.0, 2.0, 3.0]), ("日本".encode(), [-3.0, 0.25, 1e-3]), (b"c", [0, 0, 7])]
ROWS_FLOAT = np.array([r[1] for r in ROWS], dtype=np.float32)


# ----------------------------------------------------------------- round trips


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
@pytest.mark.parametrize("dim", [1, 7, 300])
def test_round_trip_is_exact(tmp_path, binary, dim):
    kv = random_kv(dim=dim)
    path = tmp_path / "v"
    w2v_io.save_word2vec_format(kv, path, binary=binary)
    assert_same_kv(kv, w2v_io.load_word2vec_format(path, binary=binary))
    assert w2v_io.detect_word2vec_binary(path) is binary


def test_text_values_are_shortest_float32_decimals(tmp_path):
    kv = KeyedVectors(np.array([[0.1, -2.5, 1e-38, 3.4028235e38]], np.float32), ["w"])
    w2v_io.save_word2vec_format(kv, tmp_path / "v.txt")
    assert (tmp_path / "v.txt").read_bytes() == b"1 4\nw 0.1 -2.5 1e-38 3.4028235e+38\n"


def test_binary_layout_is_word2vec_c(tmp_path):
    kv = KeyedVectors(ROWS_FLOAT, [w.decode() for w, _ in ROWS])
    w2v_io.save_word2vec_format(kv, tmp_path / "v.bin", binary=True)
    assert (tmp_path / "v.bin").read_bytes() == binary_rows(ROWS, lambda i: True)


def test_empty_vectors_round_trip(tmp_path):
    kv = KeyedVectors(np.zeros((0, 4), np.float32), [])
    for binary in (False, True):
        w2v_io.save_word2vec_format(kv, tmp_path / "v", binary=binary)
        assert (tmp_path / "v").read_bytes() == b"0 4\n"
        loaded = w2v_io.load_word2vec_format(tmp_path / "v", binary=binary)
        assert len(loaded) == 0 and loaded.vector_size == 4


# ------------------------------------------------ the variants real files come in

NEWLINES = {
    "every row (word2vec.c)": lambda i: True,
    "none (gensim)": lambda i: False,
    "all but the last": lambda i: i < 2,
    "mixed": lambda i: i == 1,
}


@pytest.mark.parametrize("newlines", NEWLINES.values(), ids=NEWLINES.keys())
def test_binary_with_or_without_row_newlines(tmp_path, newlines):
    path = tmp_path / "v.bin"
    path.write_bytes(binary_rows(ROWS, newlines))
    kv = w2v_io.load_word2vec_format(path, binary=True)
    assert kv.index_to_key == ["a", "日本", "c"]
    np.testing.assert_array_equal(kv.vectors, ROWS_FLOAT)
    for limit in range(4):
        part = w2v_io.load_word2vec_format(path, binary=True, limit=limit)
        assert part.index_to_key == kv.index_to_key[:limit]
        np.testing.assert_array_equal(part.vectors, ROWS_FLOAT[:limit])


def test_binary_vectors_holding_space_and_newline_bytes(tmp_path):
    # 0x20 and 0x0a inside vectors must not be taken for separators
    tricky = np.frombuffer(b" \n \n" * 3, dtype="<f4")
    rows = [(b"a", tricky), (b"b", tricky[::-1]), (b"c", tricky)]
    for newlines in NEWLINES.values():
        (tmp_path / "v").write_bytes(binary_rows(rows, newlines))
        kv = w2v_io.load_word2vec_format(tmp_path / "v", binary=True)
        assert kv.index_to_key == ["a", "b", "c"]
        np.testing.assert_array_equal(kv.vectors[1], tricky[::-1])


@pytest.mark.parametrize(
    "body",
    [
        b"a 1 2 3 \nb 4 5 6 \n",  # word2vec.c: a space before each newline
        b"a 1 2 3\nb 4 5 6",  # no final newline
        b"a 1 2 3\r\nb 4 5 6\r\n",  # CRLF
        b"a 1  2\t3\nb  4 5 6\n",  # runs of spaces and tabs
        b"a 1.0e0 2 3\nb 4 5 6\n\n\n",  # blank lines after the last row
    ],
)
def test_text_variants(tmp_path, body):
    path = tmp_path / "v.txt"
    path.write_bytes(b"2 3\n" + body)
    kv = w2v_io.load_word2vec_format(path)
    assert kv.index_to_key == ["a", "b"]
    np.testing.assert_array_equal(kv.vectors, [[1, 2, 3], [4, 5, 6]])


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress, lzma.compress])
def test_compressed_files(tmp_path, binary, compress):
    kv = random_kv()
    plain = tmp_path / "plain"
    w2v_io.save_word2vec_format(kv, plain, binary=binary)
    packed = tmp_path / "packed.gz"
    packed.write_bytes(compress(plain.read_bytes()))
    assert_same_kv(kv, w2v_io.load_word2vec_format(packed, binary=binary))
    assert w2v_io.detect_word2vec_binary(packed) is binary
    packed.write_bytes(compress(plain.read_bytes())[:-20])
    with pytest.raises(ValueError, match="packed.gz"):
        w2v_io.load_word2vec_format(packed, binary=binary)


def test_limit_reads_only_what_it_needs(tmp_path):
    kv = random_kv(dim=4)
    for binary in (False, True):
        path = tmp_path / "v"
        w2v_io.save_word2vec_format(kv, path, binary=binary)
        raw = path.read_bytes()
        path.write_bytes(raw[: len(raw) * 2 // 3])  # the tail is missing
        part = w2v_io.load_word2vec_format(path, binary=binary, limit=10)
        assert part.index_to_key == kv.index_to_key[:10]
        np.testing.assert_array_equal(part.vectors, kv.vectors[:10])
        with pytest.raises(ValueError, match="truncated"):
            w2v_io.load_word2vec_format(path, binary=binary)


@pytest.mark.parametrize("limit", [-1, 1.5, True, "3"])
def test_bad_limit(tmp_path, limit):
    w2v_io.save_word2vec_format(random_kv(), tmp_path / "v")
    with pytest.raises((ValueError, TypeError), match="limit"):
        w2v_io.load_word2vec_format(tmp_path / "v", limit=limit)


@pytest.mark.parametrize("parallel", [False, True])
def test_big_binary_file_copied_by_threads(tmp_path, monkeypatch, parallel):
    monkeypatch.setattr(formats, "_PARALLEL_BYTES", 0 if parallel else 1 << 62)
    monkeypatch.setattr(formats, "_COPY_BLOCK", 4096)
    kv = random_kv(n=3000, dim=50)
    path = tmp_path / "v.bin"
    w2v_io.save_word2vec_format(kv, path, binary=True)
    assert_same_kv(kv, w2v_io.load_word2vec_format(path, binary=True))
    vectors = kv.vectors.copy()
    vectors[2345, 7] = np.nan
    w2v_io.save_word2vec_format(KeyedVectors(vectors, kv.index_to_key), path, binary=True)
    with pytest.raises(ValueError, match=r"'w2337' \(row 2346\) holds NaN"):
        w2v_io.load_word2vec_format(path, binary=True)


# ---------------------------------------------------------------- words and bytes


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
def test_invalid_utf8_in_words(tmp_path, binary):
    words = [b"ok", b"caf\xe9", b"\xff\xfeab"]
    path = tmp_path / "v"
    if binary:
        path.write_bytes(binary_rows(list(zip(words, ROWS_FLOAT, strict=True)), lambda i: True))
    else:
        rows = b"".join(w + b" 1 2 3\n" for w in words)
        path.write_bytes(b"3 3\n" + rows)
    kv = w2v_io.load_word2vec_format(path, binary=binary)
    assert kv.index_to_key == ["ok", "caf\ufffd", "\ufffd\ufffdab"]
    with pytest.raises(ValueError, match="row 2 is not valid utf-8"):
        w2v_io.load_word2vec_format(path, binary=binary, unicode_errors="strict")
    latin = w2v_io.load_word2vec_format(path, binary=binary, encoding="latin-1")
    assert latin.index_to_key[1] == "café"


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
def test_words_with_non_ascii_spaces_round_trip(tmp_path, binary):
    # pyw2v's tokenizer, word2vec.c and gensim split on ASCII whitespace only
    kv = KeyedVectors(ROWS_FLOAT, ["a\u00a0b", "c\u2003d", "e\x85"])
    w2v_io.save_word2vec_format(kv, tmp_path / "v", binary=binary)
    assert_same_kv(kv, w2v_io.load_word2vec_format(tmp_path / "v", binary=binary))
    bad = KeyedVectors(ROWS_FLOAT, ["ok", "a\x00b", "x"])
    with pytest.raises(ValueError, match="cannot be written"):
        w2v_io.save_word2vec_format(bad, tmp_path / "w", binary=binary)


def test_words_equal_after_decoding_keep_the_first(tmp_path):
    path = tmp_path / "v.bin"
    path.write_bytes(
        binary_rows([(b"a\xff", [1.0]), (b"b", [2.0]), (b"a\xfe", [3.0])], lambda i: True)
    )
    with pytest.warns(UserWarning, match="1 rows repeat an earlier word"):
        kv = w2v_io.load_word2vec_format(path, binary=True)
    assert kv.index_to_key == ["a\ufffd", "b"]
    np.testing.assert_array_equal(kv.vectors, [[1.0], [2.0]])


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
def test_non_finite_vectors_rejected(tmp_path, value, binary):
    vectors = ROWS_FLOAT.copy()
    vectors[1, 2] = value
    path = tmp_path / "v"
    w2v_io.save_word2vec_format(KeyedVectors(vectors, ["a", "日本", "c"]), path, binary=binary)
    with pytest.raises(ValueError, match=r"'日本' \(row 2\) holds NaN or infinite"):
        w2v_io.load_word2vec_format(path, binary=binary)


def test_text_overflow_is_infinite_and_rejected(tmp_path):
    (tmp_path / "v").write_bytes(b"1 2\na 1e39 0\n")
    with pytest.raises(ValueError, match="NaN or infinite"):
        w2v_io.load_word2vec_format(tmp_path / "v")


# ------------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"2 3\na 1 2 3\nb 4 5 6\nc 7 8 9\n", "follow the 2 rows"),  # the header undercounts
        (b"1 2\na 1 2 3\n", "more than 2 values"),
        (b"2 3\na 1 2 3\n 4 5 6\n", "row 2 has an empty word"),
        (b"2 3\na 1 2 3\nb 4 5 6e\n", "line 3"),
        (b"2 3\na 1 2 3\nb 4 5", "more than the file's 17 bytes can hold \\(truncated\\?\\)"),
        (b"2 3\na 1 2 3\nbbbbbbbbbbb 4 5", "line 3 has fewer than 3 values \\(truncated\\?\\)"),
        (b"2 3\na 1 2 3\n\nb 4 5 6\n", "line 3 has fewer"),
        (b"the 0.1 0.2\nof 0.3 0.4\n", "GloVe"),
    ],
)
def test_bad_text_files(tmp_path, content, match):
    (tmp_path / "v").write_bytes(content)
    with pytest.raises(ValueError, match=match):
        w2v_io.load_word2vec_format(tmp_path / "v")


def test_bad_binary_files(tmp_path):
    path = tmp_path / "v.bin"
    good = binary_rows(ROWS, lambda i: True)
    # the header says 2 rows of 3: the third row is left over
    path.write_bytes(b"2 3\n" + good[4:])
    with pytest.raises(ValueError, match="follow the 2 rows"):
        w2v_io.load_word2vec_format(path, binary=True)
    assert len(w2v_io.load_word2vec_format(path, binary=True, limit=2)) == 2
    # a smaller dimension than the rows have: words run into vector bytes
    path.write_bytes(b"3 2\n" + good[4:])
    with pytest.raises(ValueError, match="v.bin"):
        w2v_io.load_word2vec_format(path, binary=True)
    # an empty word
    path.write_bytes(binary_rows([(b"", [1.0]), (b"b", [2.0])], lambda i: True))
    with pytest.raises(ValueError, match="row 1 has an empty word"):
        w2v_io.load_word2vec_format(path, binary=True)
    # a text file read as binary
    path.write_bytes(b"2 3\na 1.5 2.5 3.5\nb 4.5 5.5 6.5\n")
    with pytest.raises(ValueError, match="text format"):
        w2v_io.load_word2vec_format(path, binary=True)


@pytest.mark.parametrize("cut", [1, 5, 10, 16, 30, 44, 70])
@pytest.mark.parametrize("newlines", [True, False])
def test_truncated_binary_names_the_row(tmp_path, cut, newlines):
    rows = [(b"a" * 30, [1.0, 2.0, 3.0]), (b"b" * 30, [4.0, 5.0, 6.0]), (b"c" * 30, [7, 8, 9])]
    raw = binary_rows(rows, lambda i: newlines)
    (tmp_path / "v").write_bytes(raw[: len(raw) - cut - newlines])
    with pytest.raises(ValueError, match=r"truncated: row [23] of the 3"):
        w2v_io.load_word2vec_format(tmp_path / "v", binary=True)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(FileNotFoundError):
        w2v_io.load_word2vec_format(tmp_path / "nope")
    with pytest.raises(IsADirectoryError):
        w2v_io.load_word2vec_format(tmp_path)


def test_empty_file(tmp_path):
    (tmp_path / "v").write_bytes(b"")
    with pytest.raises(ValueError, match="first line"):
        w2v_io.load_word2vec_format(tmp_path / "v", binary=True)


# ------------------------------------------------------------------- fixtures


def parse_text_independently(path):
    """Reads a text vectors file with plain Python, not pyw2v."""
    with open(path, encoding="utf-8") as f:
        n, dim = map(int, f.readline().split())
        rows = [line.split() for line in f]
    assert len(rows) == n and all(len(r) == dim + 1 for r in rows)
    return [r[0] for r in rows], np.array([[float(x) for x in r[1:]] for r in rows])


def corpus_counts():
    with open(CORPUS, encoding="utf-8") as f:
        return collections.Counter(f.read().split())


def test_word2vec_c_fixtures():
    words, values = parse_text_independently(data("w2v-word2vec-c.txt"))
    assert words[0] == "</s>" and words[1] == "the" and "日本" in words and "café" in words
    binary = w2v_io.load_word2vec_format(data("w2v-word2vec-c.bin"), binary=True)
    text = w2v_io.load_word2vec_format(data("w2v-word2vec-c.txt"))
    assert binary.index_to_key == text.index_to_key == words
    assert binary.vector_size == 8 and len(binary) == 230
    # word2vec.c prints "%lf": 6 decimals of the float32 it keeps
    np.testing.assert_allclose(binary.vectors, values, rtol=0, atol=6e-7)
    np.testing.assert_array_equal(text.vectors, values.astype(np.float32))
    np.testing.assert_allclose(
        binary["the"], [-0.312172, 0.65899, 0.578394, -0.342408, -0.042332, 0.921758, -0.429878,
                        1.287581], atol=6e-7)  # fmt: skip
    assert w2v_io.detect_word2vec_binary(data("w2v-word2vec-c.bin"))
    assert not w2v_io.detect_word2vec_binary(data("w2v-word2vec-c.txt"))


def test_word2vec_c_vocab_fixture():
    counts = corpus_counts()
    vocab = w2v_io.load_vocab(data("w2v-word2vec-c.vocab"))
    assert "</s>" not in vocab
    assert vocab == {w: counts[w] for w in vocab}
    assert set(vocab) == {w for w, c in counts.items() if c >= 5}
    assert list(vocab.values()) == sorted(vocab.values(), reverse=True)
    assert vocab["日本"] == 6
    with_eos = w2v_io.load_vocab(data("w2v-word2vec-c.vocab"), keep_eos=True)
    assert next(iter(with_eos.items())) == ("</s>", 306)  # the corpus's lines
    vectors = w2v_io.load_word2vec_format(data("w2v-word2vec-c.bin"), binary=True)
    assert vectors.index_to_key == list(with_eos)


def test_gensim_fixtures():
    words, values = parse_text_independently(data("w2v-gensim.txt"))
    binary = w2v_io.load_word2vec_format(data("w2v-gensim.bin"), binary=True)
    text = w2v_io.load_word2vec_format(data("w2v-gensim.txt"))
    assert binary.index_to_key == text.index_to_key == words
    assert words[:3] == ["the", "and", "of"] and len(words) == 229
    # gensim writes shortest round-trip decimals: text and binary agree exactly
    np.testing.assert_array_equal(binary.vectors, text.vectors)
    np.testing.assert_array_equal(text.vectors, values.astype(np.float32))
    the = [-0.8715034, -0.97638726, 1.9063145, 1.4279914, 0.24895711, -1.4152699, 2.6054406,
           -0.23100872]  # fmt: skip
    np.testing.assert_array_equal(binary["the"], np.array(the, dtype=np.float32))
    # gensim writes no newline after binary rows
    with open(data("w2v-gensim.bin"), "rb") as f:
        raw = f.read()
    assert raw.startswith(b"229 8\nthe ") and raw[10 + 32 : 10 + 36] == b"and "
    vocab = w2v_io.load_vocab(data("w2v-gensim.vocab"))
    assert list(vocab) == words and vocab["the"] == corpus_counts()["the"]


def test_pyw2v_writes_gensim_text_byte_for_byte(tmp_path):
    kv = w2v_io.load_word2vec_format(data("w2v-gensim.txt"))
    w2v_io.save_word2vec_format(kv, tmp_path / "v.txt")
    with open(data("w2v-gensim.txt"), "rb") as f:
        assert (tmp_path / "v.txt").read_bytes() == f.read()


# ------------------------------------------------------------- vocabulary files


def test_vocab_round_trip(tmp_path):
    vocab = Vocab(["the", "café", "日本", "x"], np.array([10, 7, 7, 0]))
    w2v_io.save_vocab(vocab, tmp_path / "v.vocab")
    assert (tmp_path / "v.vocab").read_bytes() == "the 10\ncafé 7\n日本 7\nx 0\n".encode()
    assert w2v_io.load_vocab(tmp_path / "v.vocab") == {"the": 10, "café": 7, "日本": 7, "x": 0}
    w2v_io.save_vocab({"a": 3, "b": 2}, tmp_path / "d.vocab", sentences=5)
    assert (tmp_path / "d.vocab").read_bytes() == b"</s> 5\na 3\nb 2\n"
    assert w2v_io.load_vocab(tmp_path / "d.vocab") == {"a": 3, "b": 2}
    assert w2v_io.load_vocab(tmp_path / "d.vocab", keep_eos=True) == {"</s>": 5, "a": 3, "b": 2}


def test_vocab_file_variants(tmp_path):
    path = tmp_path / "v.vocab"
    path.write_bytes(b"a 3\r\n\nb\t2\n  \nc 1")  # CRLF, blank lines, tabs, no final newline
    assert w2v_io.load_vocab(path) == {"a": 3, "b": 2, "c": 1}
    path.write_bytes(b"a\xff 3\na\xfe 2\n")  # both decode to "a\ufffd": counts add up
    assert w2v_io.load_vocab(path) == {"a\ufffd": 5}


@pytest.mark.parametrize("line", [b"a", b"a 1 2", b"a -1", b"a x", b"a 1.5"])
def test_bad_vocab_lines(tmp_path, line):
    (tmp_path / "v").write_bytes(b"ok 5\n" + line + b"\n")
    with pytest.raises(ValueError, match="line 2 is not 'word count'"):
        w2v_io.load_vocab(tmp_path / "v")


def test_unwritable_vocab_word(tmp_path):
    with pytest.raises(ValueError, match="cannot be written"):
        w2v_io.save_vocab({"two words": 1}, tmp_path / "v")
    assert os.listdir(tmp_path) == []


# ----------------------------------------------------- Word2Vec from a vocabulary


def small_model(**kwargs):
    args = dict(vector_size=16, min_count=5, epochs=2, workers=1, seed=3, progress=False)
    return Word2Vec(**{**args, **kwargs})


def test_build_vocab_from_freq_trains_like_build_vocab():
    counted = small_model()
    counted.build_vocab(CORPUS)
    counted.train(CORPUS)
    given = small_model()
    given.build_vocab_from_freq(dict(corpus_counts()))
    assert given.vocab.index_to_key == counted.vocab.index_to_key
    np.testing.assert_array_equal(given.vocab.counts, counted.vocab.counts)
    given.train(CORPUS)
    # the same counts, seed and single thread: the same vectors
    np.testing.assert_array_equal(given.wv.vectors, counted.wv.vectors)


def test_build_vocab_from_word2vec_c_vocab_file():
    model = small_model(min_count=10)
    model.build_vocab_from_freq(w2v_io.load_vocab(data("w2v-word2vec-c.vocab")))
    counts = corpus_counts()
    assert set(model.wv.index_to_key) == {w for w, c in counts.items() if c >= 10}
    assert model.wv.index_to_key[0] == "the"
    with pytest.raises(ValueError, match="corpus"):
        model.train()
    model.train(CORPUS)
    assert model.epochs_trained == 2 and np.isfinite(model.wv.vectors).all()


@pytest.mark.parametrize(
    ("freq", "error"),
    [
        ({"a": -1}, ValueError),
        ({"a": 2.5}, ValueError),
        ({"a": True}, ValueError),
        ({1: 7}, TypeError),
        ({"": 7}, TypeError),
        ([("a", 7)], TypeError),
    ],
)
def test_build_vocab_from_bad_freq(freq, error):
    with pytest.raises(error):
        small_model().build_vocab_from_freq(freq)


@pytest.mark.parametrize("freq", [{}, {"a": 1, "b": 2}], ids=["none", "all-below-min-count"])
def test_build_vocab_from_freq_that_keeps_no_word(freq):
    """As gensim: an empty vocabulary is no error until train() needs words."""
    model = small_model()
    model.build_vocab_from_freq(freq)
    assert len(model.wv) == 0
    with pytest.raises(ValueError, match="vocabulary is empty"):
        model.train(CORPUS)


def test_build_vocab_from_freq_accepts_numpy_counts():
    model = small_model(min_count=1)
    model.build_vocab_from_freq({"a": np.int64(7), "b": np.int32(9)}, corpus_count=3)
    assert model.wv.index_to_key == ["b", "a"]
    assert model.corpus_stats["sentences"] == 3


# ------------------------------------------------------------------- interop


def word2vec_c():
    found = shutil.which("word2vec") or shutil.which(
        "word2vec", path=os.path.dirname(sys.executable)
    )
    if not found:
        pytest.skip("no word2vec binary (pip install word2vec)")
    return found


@pytest.mark.interop
@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
def test_gensim_reads_pyw2v_files(tmp_path, binary):
    gensim_models = pytest.importorskip("gensim.models")
    kv = random_kv()
    path = tmp_path / "v"
    w2v_io.save_word2vec_format(kv, path, binary=binary)
    theirs = gensim_models.KeyedVectors.load_word2vec_format(str(path), binary=binary)
    assert theirs.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(theirs.vectors, kv.vectors)


@pytest.mark.interop
@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
def test_pyw2v_reads_gensim_files(tmp_path, binary):
    gensim_models = pytest.importorskip("gensim.models")
    ours = random_kv(n=300, dim=25)
    theirs = gensim_models.KeyedVectors(vector_size=25)
    theirs.add_vectors(ours.index_to_key, ours.vectors)
    path = tmp_path / "v"
    theirs.save_word2vec_format(str(path), binary=binary)
    loaded = w2v_io.load_word2vec_format(path, binary=binary)
    reloaded = gensim_models.KeyedVectors.load_word2vec_format(str(path), binary=binary)
    assert loaded.index_to_key == reloaded.index_to_key == ours.index_to_key
    np.testing.assert_array_equal(loaded.vectors, reloaded.vectors)
    np.testing.assert_array_equal(loaded.vectors, ours.vectors)
    if not binary:  # and text: the very same bytes
        w2v_io.save_word2vec_format(ours, tmp_path / "ours")
        assert (tmp_path / "ours").read_bytes() == path.read_bytes()


@pytest.mark.interop
def test_gensim_reads_pyw2v_vocab_counts(tmp_path):
    gensim_models = pytest.importorskip("gensim.models")
    model = small_model(min_count=5, epochs=1)
    model.build_vocab(CORPUS)
    model.train(CORPUS)
    model.wv.save_word2vec_format(tmp_path / "v.bin", binary=True)
    w2v_io.save_vocab(model.vocab, tmp_path / "v.vocab")
    theirs = gensim_models.KeyedVectors.load_word2vec_format(
        str(tmp_path / "v.bin"), binary=True, fvocab=str(tmp_path / "v.vocab")
    )
    counts = corpus_counts()
    assert all(theirs.get_vecattr(w, "count") == counts[w] for w in theirs.index_to_key)


@pytest.mark.interop
def test_word2vec_c_outputs_load(tmp_path):
    binary_tool = word2vec_c()
    common = "-size 12 -window 4 -negative 3 -min-count 5 -iter 2 -threads 1 -cbow 1 -hs 0"
    for name, flag in (("v.bin", "1"), ("v.txt", "0")):
        subprocess.run(
            [binary_tool, "-train", CORPUS, "-output", str(tmp_path / name), "-binary", flag]
            + common.split()
            + ["-save-vocab", str(tmp_path / "v.vocab")],
            check=True,
            capture_output=True,
            timeout=120,
        )
    binary = w2v_io.load_word2vec_format(tmp_path / "v.bin", binary=True)
    text = w2v_io.load_word2vec_format(tmp_path / "v.txt")
    assert binary.index_to_key == text.index_to_key
    assert binary.index_to_key[0] == "</s>" and binary.vector_size == 12
    np.testing.assert_allclose(binary.vectors, text.vectors, rtol=0, atol=6e-7)
    assert w2v_io.detect_word2vec_binary(tmp_path / "v.bin")
    assert not w2v_io.detect_word2vec_binary(tmp_path / "v.txt")
    vocab = w2v_io.load_vocab(tmp_path / "v.vocab")
    assert list(vocab) == binary.index_to_key[1:]


@pytest.mark.interop
def test_word2vec_c_reads_pyw2v_vocab(tmp_path):
    binary_tool = word2vec_c()
    model = small_model(min_count=8, epochs=1)
    model.build_vocab(CORPUS)
    w2v_io.save_vocab(model.vocab, tmp_path / "v.vocab", sentences=model.corpus_stats["sentences"])
    subprocess.run(
        [binary_tool, "-train", CORPUS, "-read-vocab", str(tmp_path / "v.vocab"),
         "-output", str(tmp_path / "v.bin"), "-binary", "1", "-size", "8", "-iter", "1",
         "-threads", "1", "-min-count", "8"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    theirs = w2v_io.load_word2vec_format(tmp_path / "v.bin", binary=True)
    assert theirs.index_to_key == ["</s>", *model.wv.index_to_key]
