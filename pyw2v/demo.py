"""The main job: train on the embedded public-domain corpus and print the nearest
neighbours of validation words."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from importlib import resources
from typing import IO

import numpy as np

from pyw2v.model import Word2Vec

DEMO_CORPUS = "pd-sample.txt.xz"


def demo_corpus_path() -> str:
    """Path of the embedded corpus (World English Bible + The Devil's Dictionary)."""
    return str(resources.files("pyw2v") / "data" / DEMO_CORPUS)


def pick_words(model: Word2Vec, n: int, seed: int, top: int = 100) -> list[str]:
    """`n` words drawn without replacement from the `top` most frequent."""
    rng = np.random.default_rng(seed)
    pool = model.wv.index_to_key[:top]
    picks = rng.choice(len(pool), size=min(n, len(pool)), replace=False)
    return [pool[i] for i in sorted(picks)]


def run_demo(
    words: Sequence[str] = (),
    n_random: int = 8,
    topn: int = 8,
    epochs: int = 5,
    workers: int = 0,
    seed: int = 1,
    progress: bool = True,
    out: IO[str] | None = None,
) -> Word2Vec:
    """Trains CBOW-NS on the embedded corpus and prints neighbours with cosine similarities."""
    out = out if out is not None else sys.stdout
    start = time.perf_counter()
    model = Word2Vec(
        demo_corpus_path(),
        vector_size=100,
        window=5,
        negative=5,
        sample=1e-3,
        min_count=5,
        epochs=epochs,
        workers=workers,
        seed=seed,
        progress=progress,
    )
    elapsed = time.perf_counter() - start
    stats = model.corpus_stats
    print(
        f"trained on {stats['tokens']:,} tokens ({len(model.wv):,} words kept), "
        f"{epochs} epochs, {model.params.n_threads} threads, in {elapsed:.1f} s; "
        f"final loss {model.get_latest_training_loss():.4f}",
        file=out,
    )
    chosen = pick_words(model, n_random, seed) + [w for w in words if w]
    for word in chosen:
        if word not in model.wv:
            print(f"\n{word}: not in the vocabulary", file=out)
            continue
        neighbours = model.wv.most_similar(word, topn=topn)
        print(f"\n{word}:", file=out)
        for other, sim in neighbours:
            print(f"    {other:<16} {sim:.3f}", file=out)
    return model
