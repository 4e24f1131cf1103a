"""Files of gensim 4's save() read without gensim (pyw2v.gensim_pickle, gensim_convert).

Without gensim: pickles made here with stand-in classes registered under gensim's module
names, laid out as gensim's SaveLoad lays them out (side .npy/.npz files, compression),
and hostile pickles that must be refused without running anything. Marked interop:
files written by gensim itself, compared with what gensim reads from them."""

from __future__ import annotations

import bz2
import contextlib
import functools
import gzip
import logging
import os
import pickle
import subprocess
import sys
import tempfile
import types

import numpy as np
import pytest
from corpora import topic_corpus, zipf_corpus
from hypothesis import given, settings
from hypothesis import strategies as st

from pyw2v import KeyedVectors, Word2Vec, _core, gensim_convert
from pyw2v.cli import main
from pyw2v.gensim_convert import (
    gensim_huffman_tree,
    is_gensim_file,
    load_any,
    syn1_for_pyw2v_tree,
)
from pyw2v.gensim_pickle import ForbiddenGlobalError, read_gensim_file

# ------------------------------------------------------------ gensim-shaped files


@contextlib.contextmanager
def fake_gensim(extra=()):
    """Classes named as gensim's (gensim.models.word2vec.Word2Vec, ...) in sys.modules
    while pickling, so that pickles name them exactly as gensim's do."""
    names = {
        "gensim.models.word2vec": ["Word2Vec", "Word2VecVocab"],
        "gensim.models.keyedvectors": ["KeyedVectors"],
        **dict(extra),
    }
    saved = {m: sys.modules.get(m) for m in ["gensim", "gensim.models", *names]}
    classes = {}
    try:
        for module in ["gensim", "gensim.models", *names]:
            sys.modules[module] = types.ModuleType(module)
        for module, members in names.items():
            for name in members:
                cls = type(name, (), {"__module__": module})
                setattr(sys.modules[module], name, cls)
                classes[name] = cls
        yield classes
    finally:
        for module, old in saved.items():
            if old is None:
                sys.modules.pop(module, None)
            else:
                sys.modules[module] = old


def instance(cls, state):
    obj = cls.__new__(cls)
    obj.__dict__.update(state)
    return obj


def specials(numpys=(), recursive=(), ignoreds=()):
    return {
        "__numpys": list(numpys),
        "__scipys": [],
        "__ignoreds": list(ignoreds),
        "__recursive_saveloads": list(recursive),
    }


def make_state(words=None, dim=6, seed=0, hs=0, negative=3, counts=None):
    """A trained-looking model: what gensim 4's Word2Vec and KeyedVectors pickle."""
    rng = np.random.default_rng(seed)
    words = words or [f"w{i}" for i in range(12)]
    n = len(words)
    counts = np.array(counts if counts is not None else range(100, 100 - n, -1), dtype=np.int64)
    kv = {
        "vector_size": dim,
        "index_to_key": list(words),
        "next_index": 0,
        "key_to_index": {w: i for i, w in enumerate(words)},
        "vectors": rng.standard_normal((n, dim)).astype(np.float32),
        "norms": None,
        "expandos": {"count": counts, "sample_int": np.full(n, 2**32 - 1, dtype=np.uint32)},
        "mapfile_path": None,
        "vectors_lockf": np.ones(1, dtype=np.float32),
    }
    model = {
        "vector_size": dim,
        "workers": 3,
        "epochs": 4,
        "train_count": 2,
        "batch_words": 10000,
        "sg": 1,
        "alpha": np.float64(0.03),  # pickled as a numpy scalar
        "min_alpha": 0.0002,
        "window": 3,
        "shrink_windows": True,
        "random": np.random.RandomState(1),
        "hs": hs,
        "negative": negative,
        "ns_exponent": 0.6,
        "cbow_mean": 1,
        "compute_loss": False,
        "running_training_loss": 0.0,
        "corpus_count": 40,
        "corpus_total_words": int(counts.sum()) + 7,
        "max_final_vocab": None,
        "max_vocab_size": None,
        "min_count": 2,
        "sample": 1e-4,
        "sorted_vocab": 1,
        "null_word": 0,
        "raw_vocab": __import__("collections").defaultdict(int),
        "hashfxn": hash,
        "seed": 42,
        "layer1_size": dim,
        "comment": None,
        "lifecycle_events": [{"msg": "made here", "ignore": frozenset()}],
    }
    if negative:
        model["syn1neg"] = rng.standard_normal((n, dim)).astype(np.float32)
    if hs:
        model["syn1"] = rng.standard_normal((n, dim)).astype(np.float32)
    return model, kv


def write_gensim(path, model=None, kv=None, protocol=4, side=(), compress=None):
    """Writes `model` (with `kv` as its wv) or `kv` alone as gensim's SaveLoad does:
    attributes named in `side` ("syn1neg", "wv.vectors") go to side files."""
    path = str(path)
    suffix = "npz" if path.endswith((".gz", ".bz2")) else "npy"
    kv = dict(kv)
    kv_side = [a.split(".", 1)[1] for a in side if a.startswith("wv.")]
    top_side = [a for a in side if not a.startswith("wv.")]
    prefix = f"{path}.wv" if model is not None else path
    for attrib in kv_side:
        _save_array(f"{prefix}.{attrib}.{suffix}", kv.pop(attrib))
    kv.update(specials(kv_side))
    with fake_gensim() as classes:
        kv_obj = instance(classes["KeyedVectors"], kv)
        if model is None:
            obj = kv_obj
        else:
            model = dict(model)
            for attrib in top_side:
                _save_array(f"{path}.{attrib}.{suffix}", model.pop(attrib))
            model.update(wv=kv_obj, **specials(top_side, ["wv"], ["cum_table"]))
            obj = instance(classes["Word2Vec"], model)
        data = pickle.dumps(obj, protocol=protocol)
    opener = {"gz": gzip.open, "bz2": bz2.open}.get(compress, open)
    with opener(path, "wb") as f:
        f.write(data)
    return path


def _save_array(name, array):
    if name.endswith(".npz"):
        np.savez_compressed(name, val=array)
    else:
        np.save(name, array)


def check_model(model, state, kv):
    assert model.wv.index_to_key == kv["index_to_key"]
    np.testing.assert_array_equal(model.wv.vectors, kv["vectors"])
    np.testing.assert_array_equal(model.vocab.counts, kv["expandos"]["count"])
    assert model.vocab.counts.dtype == np.int64
    for name in ("syn1neg",) if state["negative"] else ():
        np.testing.assert_array_equal(getattr(model, name), state[name])
    p = model.params
    for name in ("vector_size", "window", "min_count", "sg", "hs", "negative", "epochs"):
        assert getattr(p, name) == state[name], name
    for name in ("alpha", "min_alpha", "sample", "ns_exponent"):
        assert getattr(p, name) == pytest.approx(float(state[name])), name
    assert (p.seed, p.workers, p.cbow_mean) == (42, 3, True)
    assert model.corpus_count == state["corpus_count"]
    assert model.corpus_total_words == state["corpus_total_words"]
    assert model.epochs_trained == state["train_count"] * state["epochs"]


def corpus_for(words, n=60, seed=0):
    rng = np.random.default_rng(seed)
    return [list(rng.choice(words, size=8)) for _ in range(n)]


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_word2vec_file_loads_with_its_hyperparameters_and_trains_on(tmp_path, protocol):
    state, kv = make_state()
    path = write_gensim(tmp_path / "m.model", state, kv, protocol=protocol)
    assert is_gensim_file(path)
    model = Word2Vec.load(path)
    check_model(model, state, kv)
    assert model.wv.get_vecattr("w3", "count") == 97
    before = model.wv.vectors.copy()
    words, examples = model.train(corpus_for(kv["index_to_key"]), progress=False)
    assert words > 0 and examples > 0
    assert np.isfinite(model.wv.vectors).all() and not np.array_equal(before, model.wv.vectors)
    assert model.epochs_trained == 8 + 4


def test_online_training_after_loading(tmp_path):
    # gensim's build_vocab(update=True): known words add counts, new ones get rows after
    state, kv = make_state()
    model = Word2Vec.load(write_gensim(tmp_path / "m", state, kv))
    more = [["w1", "novel", "w2", "novel"]] * 5
    model.build_vocab(more, update=True)
    assert model.wv.index_to_key[:12] == kv["index_to_key"]
    assert model.wv.index_to_key[12:] == ["novel"]
    assert model.wv.get_vecattr("w1", "count") == 99 + 5
    np.testing.assert_array_equal(model.wv.vectors[:12], kv["vectors"])
    model.train(more, total_examples=len(more), epochs=1, progress=False)
    assert np.isfinite(model.wv.vectors).all()


def test_queries_answer_from_the_stored_vectors(tmp_path):
    state, kv = make_state(dim=8)
    model = Word2Vec.load(write_gensim(tmp_path / "m", state, kv))
    normed = kv["vectors"] / np.linalg.norm(kv["vectors"], axis=1, keepdims=True)
    cosines = normed @ normed[5]
    cosines[5] = -np.inf
    best = np.argsort(-cosines)[:3]
    got = model.wv.most_similar("w5", topn=3)
    assert [w for w, _ in got] == [kv["index_to_key"][i] for i in best]
    np.testing.assert_allclose([s for _, s in got], cosines[best], rtol=1e-5)


@pytest.mark.parametrize(
    "side", [["syn1neg"], ["wv.vectors"], ["syn1neg", "wv.vectors", "wv.vectors_lockf"]]
)
def test_arrays_stored_beside_the_file_are_read(tmp_path, side):
    state, kv = make_state()
    path = write_gensim(tmp_path / "m.model", state, kv, side=side)
    assert all(os.path.exists(f"{path}.{a}.npy") for a in side)
    check_model(Word2Vec.load(path), state, kv)


@pytest.mark.parametrize("compress", ["gz", "bz2"])
def test_compressed_files_and_their_npz_side_arrays(tmp_path, compress):
    state, kv = make_state()
    side = ["syn1neg", "wv.vectors"]
    path = write_gensim(tmp_path / f"m.{compress}", state, kv, side=side, compress=compress)
    assert os.path.exists(f"{path}.wv.vectors.npz") and is_gensim_file(path)
    check_model(Word2Vec.load(path), state, kv)
    with pytest.raises(ValueError, match="compressed and cannot be memory-mapped"):
        Word2Vec.load(path, mmap="r")


def test_mmap_maps_the_side_arrays_read_only(tmp_path):
    state, kv = make_state()
    path = write_gensim(tmp_path / "m.model", state, kv, side=["syn1neg", "wv.vectors"])
    vectors = KeyedVectors.load(path, mmap="r")
    assert isinstance(vectors.vectors.base, np.memmap) or isinstance(vectors.vectors, np.memmap)
    assert not vectors.vectors.flags.writeable
    np.testing.assert_array_equal(vectors.vectors, kv["vectors"])
    model = Word2Vec.load(path, mmap="r")
    assert model.wv.most_similar("w1", topn=2) == vectors.most_similar("w1", topn=2)
    with pytest.raises(ValueError, match="read-only: training writes it"):
        model.train(corpus_for(kv["index_to_key"]), progress=False)
    with pytest.raises(ValueError, match="mmap must be"):
        Word2Vec.load(path, mmap="w+")  # would overwrite gensim's files


def test_missing_side_file_is_named(tmp_path):
    state, kv = make_state()
    path = write_gensim(tmp_path / "m.model", state, kv, side=["syn1neg"])
    os.unlink(f"{path}.syn1neg.npy")
    with pytest.raises(FileNotFoundError, match=r"m\.model\.syn1neg\.npy', which is missing"):
        Word2Vec.load(path)


def test_keyed_vectors_files(tmp_path):
    state, kv = make_state()
    path = write_gensim(tmp_path / "v.kv", kv=kv, side=["vectors"])
    loaded = KeyedVectors.load(path)
    assert loaded.index_to_key == kv["index_to_key"]
    np.testing.assert_array_equal(loaded.vectors, kv["vectors"])
    assert loaded.get_vecattr("w2", "count") == 98
    assert loaded.get_vecattr("w2", "sample_int") == 2**32 - 1
    with pytest.raises(ValueError, match="not a Word2Vec model: read it with KeyedVectors.load"):
        Word2Vec.load(path)
    # a model's file gives its word vectors
    model_path = write_gensim(tmp_path / "m.model", state, kv)
    np.testing.assert_array_equal(KeyedVectors.load(model_path).vectors, kv["vectors"])


def test_keyed_vectors_load_refuses_other_files(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("1 2\nw 0.5 0.5\n")
    assert not is_gensim_file(path)
    with pytest.raises(ValueError, match="use load_word2vec_format"):
        KeyedVectors.load(path)


@pytest.mark.parametrize("lockf", [None, [1.0], [0.5], [1, 0] * 6])
def test_frozen_vectors_stay_frozen(tmp_path, lockf):
    """gensim's vectors_lockf (0 freezes a word's vector) is carried over and honoured."""
    state, kv = make_state()
    state["sample"] = 0  # every word trained
    if lockf is None:
        del kv["vectors_lockf"]
    else:
        kv["vectors_lockf"] = np.array(lockf, dtype=np.float32)
    model = Word2Vec.load(write_gensim(tmp_path / "m", state, kv))
    expected = np.ones(1) if lockf is None else np.array(lockf)
    np.testing.assert_array_equal(model.wv.vectors_lockf, expected)
    before = model.wv.vectors.copy()
    model.train(corpus_for(kv["index_to_key"]), progress=False)
    moved = (model.wv.vectors != before).any(axis=1)
    np.testing.assert_array_equal(moved, np.broadcast_to(expected != 0, moved.shape))


def test_bad_lock_factors_are_refused(tmp_path):
    state, kv = make_state()
    kv["vectors_lockf"] = np.ones(5, dtype=np.float32)  # neither 1 nor one per word
    with pytest.raises(ValueError, match=r"vectors_lockf of shape \(5,\), expected \(1,\) or"):
        Word2Vec.load(write_gensim(tmp_path / "m", state, kv))


def test_rows_allocated_ahead_are_dropped(tmp_path):
    # gensim's KeyedVectors(vector_size, count=n) allocates n rows before words are added
    _, kv = make_state()
    kv["vectors"] = np.vstack([kv["vectors"], np.zeros((3, 6), np.float32)])
    kv["expandos"] = {"count": np.concatenate([kv["expandos"]["count"], [0, 0, 0]])}
    loaded = KeyedVectors.load(write_gensim(tmp_path / "v.kv", kv=kv))
    assert loaded.vectors.shape == (12, 6) and len(loaded.expandos["count"]) == 12


# ------------------------------------------------------------ bad and hostile files


def test_hyperparameters_pyw2v_cannot_take_are_named(tmp_path):
    state, kv = make_state()
    state.update(negative=0, hs=0)
    with pytest.raises(ValueError, match="hyperparameters do not fit pyw2v: negative=0 with hs=0"):
        Word2Vec.load(write_gensim(tmp_path / "m", state, kv))


def test_non_str_keys_are_refused(tmp_path):
    _, kv = make_state()
    kv["index_to_key"] = [3] + kv["index_to_key"][1:]
    with pytest.raises(ValueError, match="the key 3 is not a str"):
        KeyedVectors.load(write_gensim(tmp_path / "v.kv", kv=kv))


@pytest.mark.parametrize("row", [0, 2, 11])
@pytest.mark.parametrize("floats_at_a_time", [6, 12, 1 << 22])
def test_nan_vectors_are_refused(tmp_path, monkeypatch, row, floats_at_a_time):
    # the check runs in blocks of rows: a NaN in any block, first or last, is found
    monkeypatch.setattr(gensim_convert, "FINITE_CHECK_FLOATS", floats_at_a_time)
    _, kv = make_state()
    kv["vectors"][row, 1] = np.nan
    with pytest.raises(ValueError, match="vectors holds NaN"):
        KeyedVectors.load(write_gensim(tmp_path / "v.kv", kv=kv))


def test_truncated_file_is_corrupt_not_a_crash(tmp_path):
    state, kv = make_state()
    path = write_gensim(tmp_path / "m", state, kv)
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[: len(data) // 2])
    with pytest.raises(ValueError, match="corrupt gensim file"):
        Word2Vec.load(path)


def test_side_file_names_cannot_leave_the_directory(tmp_path):
    _, kv = make_state()
    kv["__numpys"] = ["../../etc/passwd"]
    path = tmp_path / "v.kv"
    with fake_gensim() as classes:
        data = pickle.dumps(instance(classes["KeyedVectors"], kv), protocol=4)
    path.write_bytes(data)
    with pytest.raises(ValueError, match="invalid __numpys"):
        KeyedVectors.load(path)


def test_pickle_of_something_else_is_refused(tmp_path):
    path = tmp_path / "list.pkl"
    path.write_bytes(pickle.dumps([1, 2, 3], protocol=4))
    with pytest.raises(ValueError, match="holds a pickled list, not a gensim Word2Vec"):
        Word2Vec.load(path)


def test_other_gensim_classes_are_named(tmp_path):
    path = tmp_path / "ft.model"
    with fake_gensim({"gensim.models.fasttext": ["FastText"]}) as classes:
        path.write_bytes(pickle.dumps(instance(classes["FastText"], {"a": 1}), protocol=4))
    with pytest.raises(
        ForbiddenGlobalError, match="gensim.models.fasttext.FastText: pyw2v reads gensim's"
    ):
        Word2Vec.load(path)


@pytest.mark.interop
@pytest.mark.parametrize(
    "name",
    [
        "word2vec_old",
        "old_w2v_models/w2v_0.12.0.mdl",
        "old_w2v_models/w2v_2.0.0.mdl",
        "word2vec_3.3",
        "model-from-gensim-3.8.0.w2v",
        "old_keyedvectors_320.dat",
    ],
)
def test_gensims_own_old_files_are_named(name):
    gensim_test_utils = pytest.importorskip("gensim.test.utils")
    path = gensim_test_utils.datapath(name)
    if not os.path.exists(path):
        pytest.skip(f"gensim's test data holds no {name}")
    load = KeyedVectors.load if name.endswith(".dat") else Word2Vec.load
    with pytest.raises(ValueError, match="saved by gensim 3 or earlier"):
        load(path)


def test_gensim_3_files_are_named(tmp_path):
    path = tmp_path / "old.model"
    with fake_gensim() as classes:
        old = instance(classes["Word2Vec"], {"vocabulary": instance(classes["Word2VecVocab"], {})})
        old.__dict__["vocab"] = {}
        path.write_bytes(pickle.dumps(old, protocol=2))
    with pytest.raises(ValueError, match="saved by gensim 3 or earlier"):
        Word2Vec.load(path)


class Hostile:
    """Pickles as a call of `func` with `args`, as an attacker's file would."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def hostile_payloads(marker):
    return {
        "posix.system": Hostile(os.system, f"touch {marker}"),
        "builtins.eval": Hostile(eval, f"open({str(marker)!r}, 'w')"),
        "builtins.exec": Hostile(exec, f"open({str(marker)!r}, 'w')"),
        "subprocess.Popen": Hostile(subprocess.Popen, ["touch", str(marker)]),
        "builtins.getattr": Hostile(getattr, "text", "upper"),
    }


@pytest.mark.parametrize("name", list(hostile_payloads("m")))
@pytest.mark.parametrize("where", ["top", "inside a model", "inside its vectors"])
@pytest.mark.parametrize("loader", [Word2Vec.load, KeyedVectors.load])
def test_code_in_a_pickle_is_refused_without_running(tmp_path, name, where, loader):
    marker = tmp_path / "marker"
    payload = hostile_payloads(marker)[name]
    path = tmp_path / "evil.model"
    state, kv = make_state()
    if where == "top":
        data = pickle.dumps(payload, protocol=4)
    else:
        if where == "inside a model":
            state["comment"] = payload
        else:
            kv["expandos"]["count"] = payload
        with fake_gensim() as classes:
            kv.update(specials())
            state.update(wv=instance(classes["KeyedVectors"], kv), **specials(recursive=["wv"]))
            data = pickle.dumps(instance(classes["Word2Vec"], state), protocol=4)
    path.write_bytes(data)
    assert is_gensim_file(path)
    with pytest.raises(ForbiddenGlobalError, match=rf"it calls {name}, which a gensim") as caught:
        loader(path)
    assert isinstance(caught.value, pickle.UnpicklingError) and isinstance(caught.value, ValueError)
    assert not marker.exists()


def test_compressed_hostile_pickle_is_refused(tmp_path):
    marker = tmp_path / "marker"
    path = tmp_path / "evil.model.gz"
    with gzip.open(path, "wb") as f:
        f.write(pickle.dumps(Hostile(os.system, f"touch {marker}"), protocol=2))
    with pytest.raises(ForbiddenGlobalError, match="posix.system|nt.system"):
        read_gensim_file(path)
    assert not marker.exists()


def test_numpy_constructors_take_data_only(tmp_path):
    # numpy.dtype is allowed, but only with a str: not with an object that has a dtype
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(Hostile(np.dtype, Hostile(os.system, "true")), protocol=4))
    with pytest.raises(ForbiddenGlobalError, match="posix.system|nt.system"):
        read_gensim_file(path)
    path.write_bytes(pickle.dumps(Hostile(np.dtype, 3), protocol=4))
    with pytest.raises(ForbiddenGlobalError, match="numpy.dtype is given int"):
        read_gensim_file(path)
    # bytes(n) would allocate n bytes from a few bytes of pickle
    path.write_bytes(pickle.dumps(Hostile(bytes, 10**12), protocol=4))
    with pytest.raises(ForbiddenGlobalError, match="it calls builtins.bytes"):
        read_gensim_file(path)


# ------------------------------------------------------------ hierarchical softmax


def walk_log_prob(tree, syn1, word, hidden):
    offsets, points, codes = tree
    lo, hi = offsets[word], offsets[word + 1]
    signs = 1.0 - 2.0 * codes[lo:hi].astype(np.float64)
    scores = syn1[points[lo:hi]].astype(np.float64) @ hidden
    return float(-np.logaddexp(0.0, -signs * scores).sum())


@pytest.mark.parametrize("counts", [[3, 2, 1, 1], [5] * 7, [9, 4, 4, 2, 2, 1, 1, 1], [1, 2, 40]])
def test_gensim_tree_replica_is_a_huffman_tree(counts):
    # a full binary tree (each inner node has one child per code) of the least total
    # path length: the same as pyw2v's, whatever the ties (gensim's own output is
    # compared in test_gensim_hs_with_ties_trains_on)
    counts = np.array(counts, dtype=np.int64)
    n = len(counts)
    offsets, points, codes = gensim_huffman_tree(counts)
    lengths = np.diff(offsets)
    assert np.all(points < n - 1) and set(codes.tolist()) <= {0, 1}
    assert sorted(set(zip(points.tolist(), codes.tolist(), strict=True))) == [
        (node, code) for node in range(n - 1) for code in (0, 1)
    ]
    assert points[offsets[:-1]].tolist() == [n - 2] * n  # every path starts at the root
    ours = _core.huffman_tree(counts)
    assert (lengths * counts).sum() == (np.diff(ours[0]) * counts).sum()


@pytest.mark.parametrize("counts", [[3, 2, 1, 1], [5, 5, 5, 5, 5, 5], [9, 4, 4, 2, 2, 1, 1, 1]])
def test_syn1_is_rearranged_for_pyw2v_tree(counts, caplog):
    counts = np.array(counts, dtype=np.int64)
    n = len(counts)
    rng = np.random.default_rng(1)
    syn1 = rng.standard_normal((n, 5)).astype(np.float32)
    theirs = gensim_huffman_tree(counts)
    ours = _core.huffman_tree(counts)
    with caplog.at_level("WARNING", logger="pyw2v.gensim_convert"):
        rearranged = syn1_for_pyw2v_tree("m", counts, syn1, theirs)
    # words whose whole path in pyw2v's tree got a gensim row have the same P(w | h)
    hidden = rng.standard_normal(5)
    complete = 0
    for w in range(n):
        a, b = ours[0][w], ours[0][w + 1]
        if np.abs(rearranged[ours[1][a:b]]).sum(axis=1).all():
            complete += 1
            assert walk_log_prob(ours, rearranged, w, hidden) == pytest.approx(
                walk_log_prob(theirs, syn1, w, hidden), rel=1e-9
            )
    zero_rows = int((np.abs(rearranged[: n - 1]).sum(axis=1) == 0).sum())
    if zero_rows:
        assert f"{zero_rows} of the {n - 1} inner nodes of gensim's Huffman tree" in caplog.text
    else:
        assert complete == n and caplog.text == ""
    assert not rearranged[n - 1].any()  # the row past the inner nodes is unused


def test_syn1_kept_as_is_when_the_trees_agree():
    counts = np.array([2**k for k in range(8, 0, -1)], dtype=np.int64)  # no ties anywhere
    syn1 = np.ones((8, 3), np.float32)
    assert syn1_for_pyw2v_tree("m", counts, syn1, None) is syn1


@pytest.mark.parametrize("stored", ["as gensim", "corrupt", "absent"])
def test_hs_model_uses_the_stored_tree_and_trains_on(tmp_path, caplog, stored):
    # a stored tree is used when it is valid; otherwise gensim's is rebuilt from the counts
    words = [f"w{i}" for i in range(10)]
    counts = [50, 20, 20, 10, 10, 10, 5, 5, 5, 5]
    state, kv = make_state(words=words, hs=1, negative=0, counts=counts)
    offsets, points, codes = gensim_huffman_tree(np.array(counts))
    if stored == "corrupt":
        points = points + 100  # nodes that do not exist
    kv["expandos"]["code"] = np.empty(10, dtype=object)
    kv["expandos"]["point"] = np.empty(10, dtype=object)
    for w in range(10):
        kv["expandos"]["code"][w] = codes[offsets[w] : offsets[w + 1]].astype(np.uint8)
        kv["expandos"]["point"][w] = points[offsets[w] : offsets[w + 1]].astype(np.uint32)
    if stored == "absent":
        del kv["expandos"]["code"], kv["expandos"]["point"]
    path = write_gensim(tmp_path / "hs.model", state, kv)
    with caplog.at_level("WARNING", logger="pyw2v.gensim_convert"):
        model = Word2Vec.load(path)
    expected = syn1_for_pyw2v_tree("m", np.array(counts), state["syn1"], None)
    np.testing.assert_array_equal(model.syn1, expected)
    # its code and point are pyw2v's (they match its syn1)
    mine = _core.huffman_tree(np.array(counts, dtype=np.int64))
    np.testing.assert_array_equal(model.wv.get_vecattr("w9", "point"), mine[1][mine[0][9] :])
    model.train(corpus_for(words), progress=False)
    assert np.isfinite(model.syn1).all() and np.isfinite(model.wv.vectors).all()


# ------------------------------------------------------------ command line


def test_convert_gensim_command(tmp_path, capsys):
    state, kv = make_state()
    old = write_gensim(tmp_path / "m.model", state, kv, side=["syn1neg"])
    new = tmp_path / "m.pyw2v"
    assert main(["convert-gensim", old, str(new)]) == 0
    assert not is_gensim_file(new)
    check_model(Word2Vec.load(new), state, kv)
    kv_path = write_gensim(tmp_path / "v.kv", kv=kv)
    assert main(["convert-gensim", kv_path, str(tmp_path / "v.txt"), "--format", "text"]) == 0
    loaded = KeyedVectors.load_word2vec_format(tmp_path / "v.txt")
    assert loaded.index_to_key == kv["index_to_key"]
    np.testing.assert_allclose(loaded.vectors, kv["vectors"], rtol=1e-6)
    bad = tmp_path / "evil.model"
    bad.write_bytes(pickle.dumps(Hostile(os.system, "true"), protocol=4))
    assert main(["convert-gensim", str(bad), str(tmp_path / "x")]) == 1
    assert "refused to unpickle: it calls posix.system" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_query_commands_read_gensim_files(tmp_path, capsys):
    state, kv = make_state(dim=8)
    path = write_gensim(tmp_path / "m.model", state, kv)
    expected = Word2Vec.load(path).wv.most_similar("w4", topn=3)
    assert main(["similar", path, "w4", "--topn", "3"]) == 0
    out = capsys.readouterr().out
    assert [line.split()[0] for line in out.splitlines() if line.strip()][-3:] == [
        w for w, _ in expected
    ]
    assert main(["info", write_gensim(tmp_path / "v.kv", kv=kv)]) == 0
    assert "gensim" in capsys.readouterr().out


# ------------------------------------------------------------ gensim itself (interop)


def gensim_model(tmp_path, name="g.model", save_kwargs=None, **kwargs):
    gensim_models = pytest.importorskip("gensim.models")
    sentences = kwargs.pop("sentences", None) or topic_corpus(n_sentences=300)[1]
    options = dict(vector_size=12, window=3, min_count=2, epochs=2, workers=1, seed=5)
    options.update(kwargs)
    model = gensim_models.Word2Vec(sentences, **options)
    path = str(tmp_path / name)
    model.save(path, **(save_kwargs or {}))
    return model, path, sentences


def assert_same(ours, theirs):
    assert ours.wv.index_to_key == theirs.wv.index_to_key
    np.testing.assert_array_equal(ours.wv.vectors, theirs.wv.vectors)
    for w in theirs.wv.index_to_key[:5]:
        assert ours.wv.get_vecattr(w, "count") == theirs.wv.get_vecattr(w, "count")
    if theirs.negative:
        np.testing.assert_array_equal(ours.syn1neg, theirs.syn1neg)
    for name in ("vector_size", "window", "min_count", "sg", "hs", "negative", "epochs", "seed"):
        assert getattr(ours.params, name) == getattr(theirs, name), name
    for name in ("alpha", "min_alpha", "sample", "ns_exponent"):
        assert getattr(ours.params, name) == pytest.approx(getattr(theirs, name)), name
    assert ours.params.cbow_mean == bool(theirs.cbow_mean)
    assert ours.corpus_count == theirs.corpus_count
    assert ours.corpus_total_words == theirs.corpus_total_words
    for word in theirs.wv.index_to_key[:3]:
        mine, gensims = ours.wv.most_similar(word, topn=5), theirs.wv.most_similar(word, topn=5)
        assert [w for w, _ in mine] == [w for w, _ in gensims]
        np.testing.assert_allclose([s for _, s in mine], [s for _, s in gensims], atol=1e-5)


@pytest.mark.interop
@pytest.mark.parametrize(
    "save_kwargs",
    [
        {},
        {"separately": ["syn1neg"]},
        {"sep_limit": 100},
        {"pickle_protocol": 2},
        {"pickle_protocol": 5, "sep_limit": 100},
    ],
    ids=["in-pickle", "separately", "side-files", "protocol-2", "protocol-5"],
)
@pytest.mark.parametrize("sg", [0, 1])
def test_gensim_word2vec_ns(tmp_path, save_kwargs, sg):
    theirs, path, sentences = gensim_model(tmp_path, save_kwargs=save_kwargs, sg=sg)
    ours = Word2Vec.load(path)
    assert_same(ours, theirs)
    context = ["t0w1", "t0w2", "t0w3"]
    assert [w for w, _ in ours.predict_output_word(context, topn=5)] == [
        w for w, _ in theirs.predict_output_word(context, topn=5)
    ]
    before = ours.wv.vectors.copy()
    ours.train(sentences, progress=False)
    assert np.isfinite(ours.wv.vectors).all() and not np.array_equal(before, ours.wv.vectors)


@pytest.mark.interop
def test_gensim_compressed_model_and_mmap(tmp_path):
    theirs, path, _ = gensim_model(tmp_path, name="g.model.gz", save_kwargs={"sep_limit": 100})
    assert os.path.exists(path + ".wv.vectors.npz")
    assert_same(Word2Vec.load(path), theirs)
    _, plain, _ = gensim_model(tmp_path, name="p.model", save_kwargs={"sep_limit": 100})
    kv = KeyedVectors.load(plain, mmap="r")
    assert not kv.vectors.flags.writeable
    np.testing.assert_array_equal(kv.vectors, theirs.wv.vectors)


@pytest.mark.interop
def test_gensim_keyed_vectors(tmp_path):
    theirs, _, _ = gensim_model(tmp_path)
    path = str(tmp_path / "g.kv")
    theirs.wv.save(path)
    ours = KeyedVectors.load(path)
    assert ours.index_to_key == theirs.wv.index_to_key
    np.testing.assert_array_equal(ours.vectors, theirs.wv.vectors)
    assert ours.get_vecattr("t1w1", "count") == theirs.wv.get_vecattr("t1w1", "count")
    assert ours.most_similar("t1w1", topn=3)[0][0] == theirs.wv.most_similar("t1w1", topn=3)[0][0]


@pytest.mark.interop
def test_gensim_hs_without_ties_scores_as_gensim(tmp_path):
    # counts 2^k: no two equal counts or sums, so both builds give the same tree
    words = [f"w{k}" for k in range(9)]
    sentences = [[w] * 2 ** (8 - k) for k, w in enumerate(words)]
    sentences = [s[i : i + 8] for s in sentences for i in range(0, len(s), 8)]
    rng = np.random.default_rng(0)
    flat = [w for s in sentences for w in s]
    rng.shuffle(flat)
    sentences = [flat[i : i + 8] for i in range(0, len(flat), 8)]
    theirs, path, _ = gensim_model(
        tmp_path, sentences=sentences, min_count=1, hs=1, negative=0, sample=0
    )
    ours = Word2Vec.load(path)
    assert_same(ours, theirs)
    # the same tree, so syn1 is taken as it is (gensim's score() is not compared: it
    # reads log sigma from a coarse table, pyw2v's computes it)
    for word in theirs.wv.index_to_key:
        for attr in ("code", "point"):
            mine, gensims = ours.wv.get_vecattr(word, attr), theirs.wv.get_vecattr(word, attr)
            np.testing.assert_array_equal(mine, gensims)
    np.testing.assert_array_equal(ours.syn1, theirs.syn1)


@pytest.mark.interop
@pytest.mark.parametrize("sg", [0, 1])
def test_gensim_hs_with_ties_trains_on(tmp_path, caplog, sg):
    sentences = zipf_corpus(400, vocab=200, length=10)
    theirs, path, _ = gensim_model(tmp_path, sentences=sentences, hs=1, negative=0, sg=sg)
    expandos = theirs.wv.expandos
    replica = gensim_huffman_tree(expandos["count"])
    for w in range(len(theirs.wv)):
        a, b = replica[0][w], replica[0][w + 1]
        np.testing.assert_array_equal(replica[1][a:b], expandos["point"][w])
        np.testing.assert_array_equal(replica[2][a:b], expandos["code"][w])
    with caplog.at_level(logging.WARNING, logger="pyw2v.gensim_convert"):
        ours = Word2Vec.load(path)
    assert "have no counterpart in pyw2v's" in caplog.text
    assert_same(ours, theirs)
    ours.train(sentences, progress=False)
    assert np.isfinite(ours.syn1).all() and np.isfinite(ours.wv.vectors).all()


@pytest.mark.interop
def test_convert_gensim_command_on_gensim_files(tmp_path):
    theirs, path, _ = gensim_model(tmp_path, save_kwargs={"sep_limit": 100}, hs=1, negative=3)
    assert main(["convert-gensim", path, str(tmp_path / "m.pyw2v")]) == 0
    ours = Word2Vec.load(tmp_path / "m.pyw2v")
    assert_same(ours, theirs)
    assert load_any(Word2Vec, path).params == ours.params


# ------------------------------------------------------------ fuzzing


@functools.cache
def fuzz_seeds():
    """Small gensim-shaped files (model and vectors; protocols 2 and 4) as bytes."""
    state, kv = make_state(words=["a", "b", "c", "d"], dim=2, hs=1, counts=[4, 3, 2, 2])
    seeds = {}
    with tempfile.TemporaryDirectory() as d:
        for kind in ("model", "vectors"):
            for protocol in (2, 4):
                path = os.path.join(d, f"{kind}{protocol}")
                write_gensim(path, state if kind == "model" else None, kv, protocol=protocol)
                with open(path, "rb") as f:
                    seeds[kind, protocol] = f.read()
    return seeds


@settings(max_examples=100, deadline=None, database=None, derandomize=True)
@given(data=st.data())
def test_fuzz_gensim_files(tmp_path_factory, data):
    """A mutated gensim file gives ValueError (or FileNotFoundError for a side file it
    now names), or loads sane."""
    seed = fuzz_seeds()[data.draw(st.sampled_from(sorted(fuzz_seeds())))]
    raw = bytearray(seed)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(raw) - 1))
        op = data.draw(st.sampled_from(["flip", "set", "cut", "delete", "insert"]))
        if op == "flip":
            raw[at] ^= 1 << data.draw(st.integers(0, 7))
        elif op == "set":
            raw[at] = data.draw(st.integers(0, 255))
        elif op == "cut":
            del raw[max(at, 2) :]
        elif op == "delete":
            del raw[at : at + data.draw(st.integers(1, 8))]
        else:
            raw[at:at] = data.draw(st.binary(min_size=1, max_size=8))
    path = tmp_path_factory.mktemp("fuzz") / "f"
    path.write_bytes(bytes(raw))
    for load in (Word2Vec.load, KeyedVectors.load):
        try:
            loaded = load(path)
        except (ValueError, FileNotFoundError):
            continue
        kv = loaded.wv if isinstance(loaded, Word2Vec) else loaded
        assert kv.vectors.dtype == np.float32 and np.isfinite(kv.vectors).all()
        assert len(kv.index_to_key) == kv.vectors.shape[0]
        assert all(isinstance(w, str) for w in kv.index_to_key)
