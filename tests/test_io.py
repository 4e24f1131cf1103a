"""Model files: native save/load, word2vec.c text and binary formats, atomic writes and
corrupt or truncated input (always ValueError, never another exception or a crash)."""

from __future__ import annotations

import gc
import json
import os
import struct
import warnings

import numpy as np
import pytest

from pyw2v import KeyedVectors, Word2Vec, formats
from pyw2v import io as w2v_io


def synthetic_sentences(seed=3, n=300, vocab=40, length=12):
    rng = np.random.default_rng(seed)
    ranks = np.minimum(rng.zipf(1.5, size=(n, length)), vocab) - 1
    return [[f"w{r}" for r in row] for row in ranks]


SENTENCES = synthetic_sentences()


def tiny_model(**kwargs):
    args = dict(
        vector_size=16,
        window=3,
        negative=3,
        min_count=1,
        epochs=1,
        workers=1,
        progress=False,
        seed=7,
    )
    args.update(kwargs)
    return Word2Vec(SENTENCES, **args)


@pytest.fixture(scope="module")
def model():
    return tiny_model()


@pytest.fixture(scope="module")
def model_bytes(model, tmp_path_factory):
    path = tmp_path_factory.mktemp("native") / "model.pyw2v"
    model.save(path)
    return path.read_bytes()


def assert_same_model(a, b):
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)
    np.testing.assert_array_equal(a.syn1neg, b.syn1neg)
    assert a.wv.vectors.dtype == b.wv.vectors.dtype == np.float32
    assert a.vocab.index_to_key == b.vocab.index_to_key
    assert a.wv.index_to_key == b.wv.index_to_key
    np.testing.assert_array_equal(a.vocab.counts, b.vocab.counts)
    assert b.vocab.counts.dtype == np.int64
    assert a.params == b.params
    assert a.epochs_trained == b.epochs_trained
    assert a.epoch_losses == b.epoch_losses


def load_expecting_value_error(path):
    """Loads a bad file and returns the ValueError's message. The exception is dropped
    inside the warning filter, so a file handle it keeps alive (see
    test_failed_load_leaks_no_file_handle) is closed here and cannot fail other tests."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            Word2Vec.load(path)
        except ValueError as exc:
            return str(exc)
    raise AssertionError(f"loading {path} did not raise ValueError")


# ------------------------------------------------------------------ native format


def test_save_load_round_trip(model, tmp_path):
    assert model.epochs_trained == 1 and len(model.epoch_losses) == 1
    assert np.isfinite(model.epoch_losses[0]) and model.epoch_losses[0] > 0
    assert np.any(model.syn1neg != 0)  # trained: the output weights moved
    path = tmp_path / "m.pyw2v"
    model.save(path)
    loaded = Word2Vec.load(path)
    assert_same_model(model, loaded)
    assert loaded.params.workers == 1 and loaded.params.seed == 7
    assert loaded.vector_size == 16 and loaded.window == 3  # gensim-style attributes
    assert loaded.wv.most_similar("w0", topn=3) == model.wv.most_similar("w0", topn=3)
    # str path and no leftovers next to it
    model.save(str(tmp_path / "s.pyw2v"))
    assert_same_model(model, Word2Vec.load(str(tmp_path / "s.pyw2v")))
    assert sorted(os.listdir(tmp_path)) == ["m.pyw2v", "s.pyw2v"]


def test_loaded_model_continues_training_like_the_original(tmp_path):
    original = tiny_model()
    path = tmp_path / "m.pyw2v"
    original.save(path)
    loaded = Word2Vec.load(path)
    original.train(SENTENCES, epochs=2)
    loaded.train(SENTENCES, epochs=2)
    # workers=1 is bit-for-bit reproducible, and the state saved is the whole state
    assert loaded.epochs_trained == original.epochs_trained == 3
    assert len(loaded.epoch_losses) == 3
    assert_same_model(original, loaded)
    before = Word2Vec.load(path).wv.vectors
    assert not np.array_equal(before, loaded.wv.vectors)


def test_loaded_model_train_without_corpus_gives_clear_error(model, tmp_path):
    path = tmp_path / "m.pyw2v"
    model.save(path)
    loaded = Word2Vec.load(path)
    with pytest.raises((ValueError, RuntimeError), match="corpus"):
        loaded.train()


def test_save_before_build_vocab_raises(tmp_path):
    with pytest.raises(RuntimeError, match="vocabulary"):
        Word2Vec(progress=False).save(tmp_path / "x")
    assert os.listdir(tmp_path) == []


# ----------------------------------------------------------- word2vec.c formats


def kv_with_unicode():
    rng = np.random.default_rng(11)
    words = ["the", "café", "日本", "naïve", "Ω", "x"]
    vectors = rng.standard_normal((len(words), 5)).astype(np.float32)
    vectors[0] = [0.0, -0.0, 1e-38, 3.4e38, -1.5e-7]  # extremes survive exactly
    return KeyedVectors(vectors, words)


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
def test_word2vec_format_round_trip(tmp_path, binary):
    kv = kv_with_unicode()
    path = tmp_path / "v.bin"
    kv.save_word2vec_format(path, binary=binary)
    loaded = KeyedVectors.load_word2vec_format(path, binary=binary)
    assert loaded.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(loaded.vectors, kv.vectors)
    assert loaded.vectors.dtype == np.float32
    assert loaded.get_index("日本") == 2
    raw = path.read_bytes()
    assert raw.startswith(b"6 5\n")
    assert "café".encode() in raw and "日本".encode() in raw
    if binary:
        # word2vec.c layout: "word " then d little-endian float32, then "\n"
        first = b"the " + kv.vectors[0].astype("<f4").tobytes() + b"\n"
        assert raw[4 : 4 + len(first)] == first
    else:
        assert raw.decode("utf-8").splitlines()[2].split()[0] == "café"
    assert os.listdir(tmp_path) == ["v.bin"]


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
@pytest.mark.parametrize("limit", [0, 1, 3, 6, 100])
def test_word2vec_format_limit(tmp_path, binary, limit):
    kv = kv_with_unicode()
    path = tmp_path / "v"
    kv.save_word2vec_format(path, binary=binary)
    loaded = KeyedVectors.load_word2vec_format(path, binary=binary, limit=limit)
    n = min(limit, 6)
    assert len(loaded) == n
    assert loaded.index_to_key == kv.index_to_key[:n]
    np.testing.assert_array_equal(loaded.vectors, kv.vectors[:n])


def test_model_wv_round_trip(model, tmp_path):
    model.wv.save_word2vec_format(tmp_path / "w.bin", binary=True)
    loaded = KeyedVectors.load_word2vec_format(tmp_path / "w.bin", binary=True)
    np.testing.assert_array_equal(loaded.vectors, model.wv.vectors)
    assert loaded.index_to_key == model.wv.index_to_key


def test_reads_files_written_like_word2vec_c(tmp_path):
    # word2vec.c's text rows end in a space; its binary rows in "\n"
    text = tmp_path / "t.txt"
    text.write_bytes(b"2 3\n</s> 0.5 -1 2e-3 \nb\xc3\xa9 4 5 6 \n")
    kv = KeyedVectors.load_word2vec_format(text)
    assert kv.index_to_key == ["</s>", "bé"]
    np.testing.assert_array_equal(kv.vectors, np.array([[0.5, -1, 2e-3], [4, 5, 6]], np.float32))
    binary = tmp_path / "b.bin"
    rows = [(b"a", [1.0, 2.0]), ("日".encode(), [-3.0, 0.25])]
    binary.write_bytes(
        b"2 2\n" + b"".join(w + b" " + struct.pack("<2f", *v) + b"\n" for w, v in rows)
    )
    kv = KeyedVectors.load_word2vec_format(binary, binary=True)
    assert kv.index_to_key == ["a", "日"]
    np.testing.assert_array_equal(kv.vectors, [[1, 2], [-3, 0.25]])


@pytest.mark.parametrize("word", ["two words", "", "tab\there", "new\nline"])
def test_word2vec_format_rejects_unwritable_words(tmp_path, word):
    kv = KeyedVectors(np.zeros((2, 2), dtype=np.float32), ["ok", word])
    with pytest.raises(ValueError, match="cannot be written"):
        kv.save_word2vec_format(tmp_path / "v")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "header", [b"", b"\n", b"abc def\n", b"3\n", b"-1 5\n", b"2 0\n", b"2 -3\n", b"2.5 3\n"]
)
@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
def test_word2vec_format_bad_header(tmp_path, header, binary):
    path = tmp_path / "bad"
    path.write_bytes(header + b"a 1 2 3\n")
    with pytest.raises(ValueError, match="bad"):
        KeyedVectors.load_word2vec_format(path, binary=binary)


@pytest.mark.parametrize("header", [b"1000000000000 100\n", b"2 100000000000000\n"])
def test_word2vec_format_absurd_header(tmp_path, header):
    path = tmp_path / "bad"
    path.write_bytes(header + b"a 1 2 3\n")
    with pytest.raises(ValueError, match="bad"):
        KeyedVectors.load_word2vec_format(path, binary=True)


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
def test_word2vec_format_truncated(tmp_path, binary):
    kv = kv_with_unicode()
    good = tmp_path / "good"
    kv.save_word2vec_format(good, binary=binary)
    raw = good.read_bytes()
    header_len = raw.index(b"\n") + 1
    bad = tmp_path / "trunc"
    cuts = set(range(header_len, len(raw) - 1, 3)) | set(range(len(raw) - 30, len(raw) - 1))
    for cut in sorted(cuts):
        bad.write_bytes(raw[:cut])
        try:
            loaded = KeyedVectors.load_word2vec_format(bad, binary=binary)
        except ValueError as exc:
            assert "trunc" in str(exc)
            continue
        # only a text file cut inside the last value can still parse; never silently
        # fewer rows than the header announced
        assert not binary, cut
        assert len(loaded) == 6 and cut >= raw.rindex(b" ")


def test_word2vec_text_bad_values(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"2 2\na 1 2\nb 3 x\n")
    with pytest.raises(ValueError, match="line 3"):
        KeyedVectors.load_word2vec_format(path)
    path.write_bytes(b"2 3\na 1 2 3\nb 3 4\n")
    with pytest.raises(ValueError, match="fewer than 3"):
        KeyedVectors.load_word2vec_format(path)


# ------------------------------------------------------------------ atomic writes


def _disk_full(*args, **kwargs):
    raise OSError(28, "No space left on device")


def test_failed_native_save_keeps_good_file(model, tmp_path, monkeypatch):
    path = tmp_path / "m.pyw2v"
    model.save(path)
    good = path.read_bytes()

    def partial_member(archive, f, *args, **kwargs):
        f.write(b"PK\x03\x04 half a model")
        raise OSError(28, "No space left on device")

    for broken in (_disk_full, partial_member):
        monkeypatch.setattr(formats, "_write_member", broken)
        with pytest.raises(OSError, match="No space"):
            model.save(path)
        assert path.read_bytes() == good
        assert os.listdir(tmp_path) == ["m.pyw2v"]
    monkeypatch.undo()
    assert_same_model(model, Word2Vec.load(path))


@pytest.mark.parametrize("what", ["native", "text", "binary"])
def test_failed_fsync_keeps_good_file(model, tmp_path, monkeypatch, what):
    path = tmp_path / "out"

    def save():
        if what == "native":
            model.save(path)
        else:
            model.wv.save_word2vec_format(path, binary=what == "binary")

    save()
    good = path.read_bytes()
    monkeypatch.setattr(os, "fsync", _disk_full)
    with pytest.raises(OSError, match="No space"):
        save()
    assert path.read_bytes() == good
    assert os.listdir(tmp_path) == ["out"]


def test_interrupted_save_leaves_no_temporary(model, tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(formats, "_write_member", interrupted)
    with pytest.raises(KeyboardInterrupt):
        model.save(tmp_path / "m")
    assert os.listdir(tmp_path) == []


def test_save_to_missing_directory_raises(model, tmp_path):
    with pytest.raises(FileNotFoundError):
        model.save(tmp_path / "no" / "such" / "m")
    assert os.listdir(tmp_path) == []


def test_saved_file_permissions_follow_umask(model, tmp_path):
    old = os.umask(0o022)
    try:
        model.save(tmp_path / "m")
        model.wv.save_word2vec_format(tmp_path / "v")
    finally:
        os.umask(old)
    assert oct(os.stat(tmp_path / "m").st_mode & 0o777) == oct(0o644)
    assert oct(os.stat(tmp_path / "v").st_mode & 0o777) == oct(0o644)


# ------------------------------------------------------------- bad native files


def test_truncated_native_file_value_error(model_bytes, tmp_path):
    path = tmp_path / "cut.pyw2v"
    n = len(model_bytes)
    offsets = sorted(set(range(0, 120, 3)) | set(range(120, n, 41)) | set(range(n - 100, n)))
    for cut in offsets:
        path.write_bytes(model_bytes[:cut])
        assert "cut.pyw2v" in load_expecting_value_error(path), cut


def test_corrupted_native_file_value_error_or_valid_model(model_bytes, model, tmp_path):
    rng = np.random.default_rng(5)
    path = tmp_path / "flip.pyw2v"
    loaded_ok = 0
    for _ in range(150):
        raw = bytearray(model_bytes)
        for i in rng.integers(0, len(raw), size=rng.integers(1, 4)):
            raw[i] = rng.integers(0, 256)
        path.write_bytes(bytes(raw))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                loaded = Word2Vec.load(path)
            except ValueError:
                continue
        # a flip that leaves a loadable file hit zip metadata, not the data (CRC-checked)
        loaded_ok += 1
        np.testing.assert_array_equal(loaded.wv.vectors, model.wv.vectors)
    assert loaded_ok < 150


@pytest.mark.parametrize(
    "kind", ["text", "empty", "npz-no-header", "npy", "pickle", "word2vec-format", "zip-garbage"]
)
def test_non_model_file_value_error(model, tmp_path, kind):
    path = tmp_path / "notamodel"
    if kind == "text":
        path.write_text("the cat sat on the mat\n")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "npz-no-header":
        with open(path, "wb") as f:
            np.savez(f, vectors=np.zeros((2, 2), np.float32))
    elif kind == "npy":
        with open(path, "wb") as f:
            np.save(f, np.zeros(3))
    elif kind == "pickle":
        with open(path, "wb") as f:
            np.save(f, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    elif kind == "word2vec-format":
        model.wv.save_word2vec_format(path, binary=True)
    else:
        path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    assert "notamodel" in load_expecting_value_error(path)


def _craft(path, model_bytes, tmp_path, **changes):
    src = tmp_path / "src.pyw2v"
    src.write_bytes(model_bytes)
    with np.load(src) as data:
        arrays = {k: data[k] for k in data.files}
    header = json.loads(arrays.pop("header").tobytes())
    for key, value in changes.items():
        if key in arrays:
            arrays[key] = value
        elif value is KeyError:
            del header[key]
        else:
            header[key] = value
    blob = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    with open(path, "wb") as f:
        np.savez(f, header=blob, **arrays)


@pytest.mark.parametrize("version", [w2v_io.FORMAT_VERSION + 1, 99, "1", None, 1.5])
def test_future_or_bad_version_value_error(model_bytes, tmp_path, version):
    path = tmp_path / "future.pyw2v"
    _craft(path, model_bytes, tmp_path, version=version)
    with pytest.raises(ValueError, match="version") as excinfo:
        Word2Vec.load(path)
    assert "future.pyw2v" in str(excinfo.value)


def test_crafted_file_at_current_version_loads(model, model_bytes, tmp_path):
    path = tmp_path / "same.pyw2v"
    _craft(path, model_bytes, tmp_path)
    assert_same_model(model, Word2Vec.load(path))


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"kind": "keyedvectors"}, "not a 'word2vec'"),
        ({"format": "other"}, "not a pyw2v model"),
        ({"params": KeyError}, "params"),
        ({"params": [1, 2]}, "invalid model file"),
        ({"index_to_key": KeyError}, "index_to_key"),
        ({"index_to_key": "w0 w1"}, "vocabulary"),
        ({"index_to_key": ["a", "b"]}, "counts"),
        ({"counts": np.ones(3, dtype=np.int32)}, "counts"),
        ({"vectors": np.zeros((3, 3), dtype=np.float32)}, "vectors"),
        ({"vectors": np.zeros(3, dtype=np.float32)}, "vectors"),
        ({"syn1neg": np.empty(0, dtype=np.float32)}, "syn1neg"),
        ({"syn1neg": np.zeros((2, 2), dtype=np.float64)}, "syn1neg"),
        ({"epochs_trained": "many"}, None),
        ({"epoch_losses": ["x"]}, None),
    ],
)
def test_invalid_model_contents_value_error(model, model_bytes, tmp_path, changes, match):
    path = tmp_path / "bad.pyw2v"
    _craft(path, model_bytes, tmp_path, **changes)
    with pytest.raises(ValueError, match=match):
        Word2Vec.load(path)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_weights_value_error(model, model_bytes, tmp_path, value):
    vectors = model.wv.vectors.copy()
    vectors[3, 2] = value
    path = tmp_path / "nan.pyw2v"
    _craft(path, model_bytes, tmp_path, vectors=vectors)
    with pytest.raises(ValueError, match="NaN or infinite"):
        Word2Vec.load(path)


def test_wrong_params_value_error(model, model_bytes, tmp_path):
    params = model.params.to_dict()
    for bad, match in [
        ({"vector_size": 0}, "vector_size"),
        ({"vector_size": 8}, "vector_size"),
        ({"window": -1}, "window"),
        ({"unknown": 1}, "unknown"),
    ]:
        path = tmp_path / "p.pyw2v"
        _craft(path, model_bytes, tmp_path, params={**params, **bad})
        with pytest.raises(ValueError, match=match):
            Word2Vec.load(path)


@pytest.mark.parametrize(
    "changes",
    [
        {"epoch_losses": 5},
        {"epoch_losses": None},
        {"epochs_trained": None},
        {"epochs_trained": [1]},
    ],
)
def test_invalid_history_value_error(model_bytes, tmp_path, changes):
    path = tmp_path / "h.pyw2v"
    _craft(path, model_bytes, tmp_path, **changes)
    with pytest.raises(ValueError):
        Word2Vec.load(path)


def test_failed_load_leaks_no_file_handle(model_bytes, tmp_path):
    path = tmp_path / "cut.pyw2v"
    path.write_bytes(model_bytes[:100])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError):
            Word2Vec.load(path)
        gc.collect()
    # only this file's handles: a warning about something another test left behind
    # (e.g. a subprocess) is not this loader's leak
    assert not [
        w for w in caught if issubclass(w.category, ResourceWarning) and path.name in str(w.message)
    ]


def test_numpy_integer_params_can_be_saved(tmp_path):
    model = tiny_model(vector_size=np.int64(8), window=np.int32(2), seed=np.uint64(3))
    model.save(tmp_path / "m")
    loaded = Word2Vec.load(tmp_path / "m")
    assert loaded.params.vector_size == 8 and type(loaded.params.vector_size) is int
    np.testing.assert_array_equal(loaded.wv.vectors, model.wv.vectors)
