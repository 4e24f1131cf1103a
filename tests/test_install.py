"""What an installed pyw2v reports about itself: its version (one source for the package
metadata, ``pyw2v.__version__`` and ``pyw2v --version``) and the kernel variant run-time
dispatch picks (from the CPU, lowered by ``PYW2V_SIMD``), as a wheel built on one machine
must pick it on another."""

import importlib.metadata
import platform

import numpy as np
import pytest

import pyw2v
from pyw2v import Word2Vec, _core
from pyw2v.cli import main

ORDER = ["scalar", "avx2", "avx512"]


def test_version_has_one_source():
    assert pyw2v.__version__ == importlib.metadata.version("pyw2v")


def test_cli_prints_the_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"pyw2v {pyw2v.__version__}\n"


def _cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    pytest.skip("no /proc/cpuinfo flags to compare with")


@pytest.mark.skipif(platform.machine() != "x86_64", reason="x86-64 kernel variants")
def test_auto_picks_what_the_cpu_reports(monkeypatch):
    # would fail with a runtime whose CPU detection reports nothing (every CPU on scalar)
    monkeypatch.delenv("PYW2V_SIMD", raising=False)
    flags = _cpu_flags()
    expected = "scalar"
    if {"avx2", "fma"} <= flags:
        expected = "avx512" if {"avx512f", "avx512vl"} <= flags else "avx2"
    assert _core.simd_best() == expected
    for name in ORDER:
        assert _core.simd_available(name) == (ORDER.index(name) <= ORDER.index(expected))


def _train(simd):
    rng = np.random.default_rng(3)
    sentences = [[f"w{i}" for i in rng.integers(40, size=12)] for _ in range(300)]
    model = Word2Vec(
        sentences,
        vector_size=24,
        min_count=1,
        workers=1,
        epochs=2,
        seed=5,
        progress=False,
        simd=simd,
    )
    return model.wv.vectors


@pytest.mark.parametrize("mask", ORDER)
def test_mask_caps_what_auto_picks(monkeypatch, mask):
    monkeypatch.delenv("PYW2V_SIMD", raising=False)
    best = _core.simd_best()
    monkeypatch.setenv("PYW2V_SIMD", mask)
    expected = ORDER[min(ORDER.index(best), ORDER.index(mask))]
    assert _core.simd_best() == expected
    for name in ORDER:
        assert _core.simd_available(name) == (ORDER.index(name) <= ORDER.index(expected))


def test_masked_cpu_trains_on_the_portable_kernel(monkeypatch):
    monkeypatch.delenv("PYW2V_SIMD", raising=False)
    best = _core.simd_best()
    unmasked_auto = _train("auto")
    scalar = _train("scalar")
    monkeypatch.setenv("PYW2V_SIMD", "scalar")
    assert _core.simd_best() == "scalar"
    masked_auto = _train("auto")
    assert np.isfinite(masked_auto).all()
    np.testing.assert_array_equal(masked_auto, scalar)
    if best != "scalar":
        # the wide kernels round differently (FMA), so the mask did change the kernel
        assert not np.array_equal(unmasked_auto, scalar)
        with pytest.raises(ValueError, match=f"this CPU cannot run the '{best}' kernel"):
            _train(best)


def test_bad_mask_is_refused(monkeypatch):
    monkeypatch.setenv("PYW2V_SIMD", "sse9")
    with pytest.raises(ValueError, match=r"PYW2V_SIMD must be one of .*, got 'sse9'"):
        _core.simd_best()
    with pytest.raises(ValueError, match="PYW2V_SIMD must be one of"):
        _train("auto")
