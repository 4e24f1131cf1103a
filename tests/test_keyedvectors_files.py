"""KeyedVectors files: the native format (save / load, memory-mapped), and gensim's
arguments of load_word2vec_format / save_word2vec_format (vocabulary files, unicode_errors,
datatype, no_header, truncated files, sort order, prefix)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from pyw2v import KeyedVectors, Word2Vec, formats
from pyw2v import io as w2v_io

WORDS = ["the", "of", "日本", "zeta"]


@pytest.fixture
def kv():
    rng = np.random.default_rng(3)
    kv = KeyedVectors(rng.standard_normal((4, 5)).astype(np.float32), WORDS)
    kv.expandos["count"] = np.array([40, 30, 20, 10], dtype=np.int64)
    return kv


# ------------------------------------------------------------ native format


def test_save_load_round_trip(kv, tmp_path):
    kv.expandos["code"] = np.empty(4, dtype=object)  # Python objects are not written
    path = tmp_path / "kv.pyw2v"
    kv.save(path)
    loaded = KeyedVectors.load(path)
    assert loaded.index_to_key == WORDS
    np.testing.assert_array_equal(loaded.vectors, kv.vectors)
    assert loaded.expandos.keys() == {"count"}
    assert loaded.get_vecattr("日本", "count") == 20
    assert loaded.most_similar("the", topn=3) == kv.most_similar("the", topn=3)
    # the file is an ordinary .npz
    with np.load(path) as data:
        np.testing.assert_array_equal(data["vectors"], kv.vectors)


def test_save_keeps_the_vectors_type(tmp_path):
    wide = KeyedVectors(3, dtype=np.float64)
    wide.add_vectors(["a", "b"], [[0.1, 0.2, 0.3], [1.0, 2.0, 3.0]])
    wide.save(tmp_path / "w")
    loaded = KeyedVectors.load(tmp_path / "w")
    assert loaded.vectors.dtype == np.float64 and loaded["a"][0] == 0.1


def test_load_mmap_is_a_read_only_map_of_the_file(kv, tmp_path):
    path = tmp_path / "kv.pyw2v"
    kv.save(path)
    mapped = KeyedVectors.load(path, mmap="r")
    assert isinstance(mapped.vectors, np.memmap)
    assert not mapped.vectors.flags.writeable
    assert mapped.vectors.offset % formats.ARRAY_ALIGN == 0
    np.testing.assert_array_equal(mapped.vectors, kv.vectors)
    assert mapped.most_similar("of", topn=2) == kv.most_similar("of", topn=2)
    with pytest.raises(ValueError, match="read-only"):
        mapped.vectors[0, 0] = 1.0
    # changing a word copies the matrix first; the file stays as saved
    mapped["the"] = np.ones(5)
    assert not isinstance(mapped.vectors, np.memmap) or mapped.vectors.flags.writeable
    np.testing.assert_array_equal(KeyedVectors.load(path)["the"], kv["the"])
    with pytest.raises(ValueError, match="mmap must be None or 'r'"):
        KeyedVectors.load(path, mmap="r+")


def test_model_file_loads_as_its_word_vectors(tmp_path):
    sentences = [["a", "b", "c", "a", "b"], ["c", "d", "a"]] * 20
    model = Word2Vec(sentences, vector_size=8, min_count=1, epochs=1, workers=1, seed=1)
    model.save(tmp_path / "m")
    for mmap in (None, "r"):
        wv = KeyedVectors.load(tmp_path / "m", mmap=mmap)
        assert wv.index_to_key == model.wv.index_to_key
        np.testing.assert_array_equal(wv.vectors, model.wv.vectors)
        np.testing.assert_array_equal(wv.expandos["count"], model.wv.expandos["count"])
    # and a KeyedVectors file is not a model
    model.wv.save(tmp_path / "kv")
    with pytest.raises(ValueError, match="holds a 'keyedvectors', not a 'word2vec'"):
        Word2Vec.load(tmp_path / "kv")
    with pytest.raises(AttributeError):  # what gensim raises for the same mistake
        Word2Vec.load(tmp_path / "kv")


def test_load_rejects_other_files(kv, tmp_path):
    (tmp_path / "text").write_text("2 3\na 1 2 3\n")
    with pytest.raises(ValueError, match="not a file of pyw2v's save"):
        KeyedVectors.load(tmp_path / "text")
    (tmp_path / "zip").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError, match="not a readable pyw2v model file"):
        KeyedVectors.load(tmp_path / "zip")
    formats.save_native(tmp_path / "bad", {"kind": "keyedvectors", "index_to_key": ["a"]}, {})
    with pytest.raises(ValueError, match="do not match the vocabulary"):
        KeyedVectors.load(tmp_path / "bad")
    formats.save_native(
        tmp_path / "nan",
        {"kind": "keyedvectors", "index_to_key": ["a"]},
        {"vectors": np.full((1, 2), np.nan, np.float32)},
    )
    with pytest.raises(ValueError, match="NaN or infinite"):
        KeyedVectors.load(tmp_path / "nan")


def test_cut_file_mapped_or_read_value_error(kv, tmp_path):
    path = tmp_path / "kv"
    kv.save(path)
    data = path.read_bytes()
    cut = tmp_path / "cut"
    for end in range(0, len(data), 7):
        cut.write_bytes(data[:end])
        for mmap in (None, "r"):
            with pytest.raises(ValueError):
                KeyedVectors.load(cut, mmap=mmap)


def test_failed_save_keeps_the_old_file(kv, tmp_path, monkeypatch):
    path = tmp_path / "kv"
    kv.save(path)
    good = path.read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(formats, "_write_member", disk_full)
    with pytest.raises(OSError, match="No space"):
        kv.save(path)
    assert path.read_bytes() == good and os.listdir(tmp_path) == ["kv"]


RSS_PROBE = """
import sys
import numpy as np
from pyw2v import KeyedVectors

def rss():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) * 1024

before = rss()
kv = KeyedVectors.load(sys.argv[1], mmap=sys.argv[2] or None)
row = kv["w7"]
print(rss() - before, type(kv.vectors).__name__, float(row[0]))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_mmap_load_in_two_processes_reads_almost_nothing(tmp_path):
    n, d = 4096, 2048  # 32 MiB of float32
    rng = np.random.default_rng(0)
    kv = KeyedVectors(rng.standard_normal((n, d), dtype=np.float32), [f"w{i}" for i in range(n)])
    path = tmp_path / "big"
    kv.save(path)
    size = kv.vectors.nbytes
    del kv
    probe = tmp_path / "probe.py"
    probe.write_text(textwrap.dedent(RSS_PROBE))

    def start(mmap):
        return subprocess.Popen(
            [sys.executable, str(probe), str(path), mmap],
            stdout=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )

    mapped = [start("r"), start("r")]  # both at once, on the same file
    grown = []
    for process in mapped:
        out, _ = process.communicate(timeout=120)
        assert process.returncode == 0
        growth, kind, _ = out.split()
        assert kind == "memmap"
        grown.append(int(growth))
    read = start("")  # the control: without mmap the whole matrix is read
    out, _ = read.communicate(timeout=120)
    assert int(out.split()[0]) > 0.9 * size
    assert all(g < size / 8 for g in grown), (grown, size)


# ------------------------------------------------------------ word2vec format, gensim's args


def test_vocab_file_round_trip(kv, tmp_path):
    kv.save_word2vec_format(tmp_path / "v.bin", tmp_path / "v.vocab", binary=True)
    assert (tmp_path / "v.vocab").read_text("utf-8").splitlines() == [
        "the 40",
        "of 30",
        "日本 20",
        "zeta 10",
    ]
    loaded = KeyedVectors.load_word2vec_format(tmp_path / "v.bin", tmp_path / "v.vocab", True)
    assert loaded.expandos["count"].tolist() == [40, 30, 20, 10]
    np.testing.assert_array_equal(loaded.vectors, kv.vectors)
    # without a vocabulary file the counts are gensim's made-up ones
    plain = KeyedVectors.load_word2vec_format(tmp_path / "v.bin", binary=True)
    assert plain.expandos["count"].tolist() == [4, 3, 2, 1]
    # words missing from the vocabulary file get count 0
    (tmp_path / "part.vocab").write_text("of 7\n")
    part = KeyedVectors.load_word2vec_format(tmp_path / "v.bin", tmp_path / "part.vocab", True)
    assert part.expandos["count"].tolist() == [0, 7, 0, 0]


def test_save_sorts_by_the_attribute_and_prefixes(kv, tmp_path):
    kv.expandos["count"] = np.array([1, 5, 5, 9], dtype=np.int64)
    kv.save_word2vec_format(tmp_path / "v.txt", tmp_path / "v.vocab", prefix="x_")
    loaded = KeyedVectors.load_word2vec_format(tmp_path / "v.txt")
    assert loaded.index_to_key == ["x_zeta", "x_of", "x_日本", "x_the"]  # stable for ties
    np.testing.assert_array_equal(loaded.vectors, kv.vectors[[3, 1, 2, 0]])
    assert (tmp_path / "v.vocab").read_text("utf-8").split("\n")[0] == "x_zeta 9"
    kv.save_word2vec_format(tmp_path / "rows.txt", sort_attr=None)
    assert KeyedVectors.load_word2vec_format(tmp_path / "rows.txt").index_to_key == WORDS
    w2v_io.save_word2vec_format(kv, tmp_path / "io.txt")  # pyw2v.io keeps the row order
    assert KeyedVectors.load_word2vec_format(tmp_path / "io.txt").index_to_key == WORDS


def test_pyw2v_path_keyword_still_works(kv, tmp_path):
    kv.save_word2vec_format(path=tmp_path / "v.bin", binary=True)
    loaded = KeyedVectors.load_word2vec_format(path=tmp_path / "v.bin", binary=True, limit=2)
    assert loaded.index_to_key == WORDS[:2]
    with pytest.raises(TypeError, match="give the file once"):
        KeyedVectors.load_word2vec_format(tmp_path / "v.bin", path=tmp_path / "v.bin")
    with pytest.raises(TypeError, match="give the file once"):
        kv.save_word2vec_format()


def test_save_word2vec_format_refusals(kv, tmp_path):
    # gensim's second positional argument is fvocab, where pyw2v's was binary
    with pytest.raises(TypeError, match="pass binary= as a keyword"):
        kv.save_word2vec_format(tmp_path / "v", True)
    with pytest.raises(TypeError, match="pass binary= as a keyword"):
        KeyedVectors.load_word2vec_format(tmp_path / "v", True)
    del kv.expandos["count"]
    with pytest.raises(ValueError, match="no attribute 'count'"):
        kv.save_word2vec_format(tmp_path / "v", tmp_path / "vocab")
    with pytest.raises(NotImplementedError, match="append"):
        kv.save_word2vec_format(tmp_path / "v", append=True)
    with pytest.raises(NotImplementedError, match="total_vec"):
        kv.save_word2vec_format(tmp_path / "v", total_vec=9)
    assert os.listdir(tmp_path) == []


def test_no_header_round_trip(kv, tmp_path):
    kv.save_word2vec_format(tmp_path / "glove.txt", write_header=False)
    text = (tmp_path / "glove.txt").read_text("utf-8")
    assert text.startswith("the ")
    loaded = KeyedVectors.load_word2vec_format(tmp_path / "glove.txt", no_header=True)
    assert loaded.index_to_key == WORDS
    np.testing.assert_array_equal(loaded.vectors, kv.vectors)
    assert KeyedVectors.load_word2vec_format(tmp_path / "glove.txt", no_header=True, limit=2)[
        "of"
    ].shape == (5,)
    (tmp_path / "last.txt").write_text(text.rstrip("\n"))  # no final newline
    assert len(KeyedVectors.load_word2vec_format(tmp_path / "last.txt", no_header=True)) == 4
    with pytest.raises(ValueError, match="no_header=True needs binary=False"):
        KeyedVectors.load_word2vec_format(tmp_path / "glove.txt", binary=True, no_header=True)


def test_datatype(tmp_path):
    (tmp_path / "v.txt").write_text("2 3\na 0.1 0.2 0.3\nb 1 2 65504\n")
    wide = KeyedVectors.load_word2vec_format(tmp_path / "v.txt", datatype=np.float64)
    assert wide.vectors.dtype == np.float64 and wide["a"].tolist() == [0.1, 0.2, 0.3]
    half = KeyedVectors.load_word2vec_format(tmp_path / "v.txt", datatype=np.float16)
    assert half.vectors.dtype == np.float16
    np.testing.assert_array_equal(half["a"], np.array([0.1, 0.2, 0.3], np.float16))
    assert half.most_similar("a", topn=1)[0][0] == "b"
    narrow = KeyedVectors.load_word2vec_format(tmp_path / "v.txt")
    assert narrow.vectors.nbytes == 2 * half.vectors.nbytes
    with pytest.raises(ValueError, match="datatype must be"):
        KeyedVectors.load_word2vec_format(tmp_path / "v.txt", datatype=np.int32)


def test_unicode_errors(tmp_path):
    (tmp_path / "v.txt").write_bytes(b"2 2\nok 1 2\nbad\xe3\x81 3 4\n")
    (tmp_path / "v.vocab").write_bytes(b"ok 5\nbad\xe3\x81 6\n")
    for fvocab in (None, tmp_path / "v.vocab"):
        with pytest.raises(UnicodeDecodeError, match="not valid utf8") as excinfo:
            KeyedVectors.load_word2vec_format(tmp_path / "v.txt", fvocab)  # gensim's strict
        assert isinstance(excinfo.value, ValueError)
        assert ("line 2" if fvocab else "row 2") in str(excinfo.value)
    replaced = KeyedVectors.load_word2vec_format(
        tmp_path / "v.txt", tmp_path / "v.vocab", unicode_errors="replace"
    )
    assert replaced.index_to_key == ["ok", "bad\ufffd"]
    assert replaced.get_vecattr("bad\ufffd", "count") == 6
    ignored = KeyedVectors.load_word2vec_format(tmp_path / "v.txt", unicode_errors="ignore")
    assert ignored.index_to_key == ["ok", "bad"]
    # pyw2v.io's loader replaces by default
    assert w2v_io.load_word2vec_format(tmp_path / "v.txt").index_to_key == ["ok", "bad\ufffd"]


@pytest.mark.parametrize("binary", [False, True])
def test_truncated_file_is_an_eof_error(kv, tmp_path, binary):
    path = tmp_path / "v"
    kv.save_word2vec_format(path, binary=binary)
    data = path.read_bytes()
    path.write_bytes(b"13" + data[1:])  # announces 13 rows (gensim's test)
    with pytest.raises(EOFError, match="truncated"):
        KeyedVectors.load_word2vec_format(path, binary=binary)
    with pytest.raises(ValueError, match="truncated"):
        w2v_io.load_word2vec_format(path, binary=binary)
    cut = len(data) - 3 if binary else data.rstrip().rindex(b" ")  # inside the last row
    path.write_bytes(data[:cut])
    with pytest.raises(formats.TruncatedFileError):
        KeyedVectors.load_word2vec_format(path, binary=binary)
