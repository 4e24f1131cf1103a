"""Named sets of Word2Vec parameters, each measured on the reference corpus against the
peers with their own defaults (benchmarks/RESULTS.md, "the corrected CBOW gradient,
wider sweep"). A preset is a plain dict of keyword arguments:

    from pyw2v import Word2Vec, preset

    model = Word2Vec(corpus_file="text.txt", workers=4, **preset("similarity"))

A parameter named both by the preset and in the call is a TypeError (Python's duplicate
keyword), so nothing is overridden silently; change one with
``{**preset("similarity"), "epochs": 8}``. The model stores the resulting parameters
like any others (save/load keep them); the preset's name is not stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any


def _cbow(exact: bool, alpha: float, negative: int, window: int) -> Mapping[str, Any]:
    return MappingProxyType(
        {
            "sg": 0,
            "hs": 0,
            "cbow_mean": 1,
            "cbow_exact_grad": exact,
            "alpha": alpha,
            "min_alpha": 0.0001,
            "negative": negative,
            "window": window,
            "epochs": 5,
            "sample": 1e-3,
            "min_count": 5,
            "vector_size": 100,
        }
    )


PRESETS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        # The exact context gradient with the learning rate it needs (docs/theory.md,
        # Section 3.5), a wider window and more noise words: WordSim-353 well above the
        # peers' defaults, analogies level with them.
        "similarity": _cbow(exact=True, alpha=0.2, negative=15, window=10),
        # word2vec.c's gradient and learning rate, a wider window and more noise words:
        # analogies above the peers' defaults, WordSim-353 no lower.
        "analogy": _cbow(exact=False, alpha=0.05, negative=10, window=8),
    }
)


def preset(name: str) -> dict[str, Any]:
    """The Word2Vec keyword arguments of the preset `name` (a new dict each call)."""
    if not isinstance(name, str):
        raise TypeError(f"preset name must be a string, got {name!r}")
    try:
        return dict(PRESETS[name])
    except KeyError:
        raise ValueError(
            f"unknown preset {name!r}; known presets: {', '.join(sorted(PRESETS))}"
        ) from None
