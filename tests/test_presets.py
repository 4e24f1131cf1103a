"""Named parameter sets (pyw2v.presets): each preset's parameters pinned as measured in
benchmarks/RESULTS.md, the lookup's errors, and that a preset trains, saves and loads
as ordinary parameters."""

import numpy as np
import pytest
from corpora import zipf_corpus

import pyw2v
from pyw2v import PRESETS, Word2Vec, preset

# The values the sweep measured; changing a preset means measuring it again.
COMMON = {
    "sg": 0,
    "hs": 0,
    "cbow_mean": 1,
    "min_alpha": 0.0001,
    "epochs": 5,
    "sample": 1e-3,
    "min_count": 5,
    "vector_size": 100,
}
PINNED = {
    "similarity": COMMON | {"cbow_exact_grad": True, "alpha": 0.2, "negative": 15, "window": 10},
    "analogy": COMMON | {"cbow_exact_grad": False, "alpha": 0.05, "negative": 10, "window": 8},
}


def test_presets_are_pinned():
    assert {name: dict(values) for name, values in PRESETS.items()} == PINNED
    for name, values in PINNED.items():
        assert preset(name) == values


@pytest.mark.parametrize("name", sorted(PINNED))
def test_preset_sets_the_model_parameters(name):
    model = Word2Vec(workers=1, **preset(name))
    params = model.params.to_dict()
    for key, value in PINNED[name].items():
        assert params[key] == value, key


def test_preset_returns_a_new_dict_and_presets_are_read_only():
    mine = preset("similarity")
    mine["window"] = 2
    assert preset("similarity")["window"] == PINNED["similarity"]["window"]
    with pytest.raises(TypeError):
        PRESETS["similarity"]["window"] = 2  # type: ignore[index]
    with pytest.raises(TypeError):
        PRESETS["mine"] = {}  # type: ignore[index]


def test_unknown_preset_names_the_known_ones():
    with pytest.raises(
        ValueError, match=r"unknown preset 'simlarity'; known presets: analogy, similarity"
    ):
        preset("simlarity")
    with pytest.raises(TypeError, match="preset name must be a string, got None"):
        preset(None)  # type: ignore[arg-type]


def test_a_parameter_given_twice_is_refused_not_overridden():
    with pytest.raises(TypeError, match="multiple values for keyword argument 'window'"):
        Word2Vec(window=3, **preset("similarity"))  # type: ignore[misc]
    model = Word2Vec(**{**preset("similarity"), "window": 3})
    assert model.params.window == 3
    assert model.params.cbow_exact_grad is True


@pytest.mark.parametrize("name", sorted(PINNED))
def test_preset_trains_saves_and_loads(tmp_path, name):
    kwargs = {**preset(name), "min_count": 1, "epochs": 2, "vector_size": 16}
    model = Word2Vec(zipf_corpus(200), workers=1, seed=3, progress=False, **kwargs)
    assert np.isfinite(model.wv.vectors).all()
    assert model.wv.vectors.std() > 0
    model.save(str(tmp_path / "m.model"))
    loaded = Word2Vec.load(str(tmp_path / "m.model"))
    assert loaded.params == model.params
    np.testing.assert_array_equal(loaded.wv.vectors, model.wv.vectors)


def test_presets_are_exported():
    assert "preset" in pyw2v.__all__ and "PRESETS" in pyw2v.__all__
