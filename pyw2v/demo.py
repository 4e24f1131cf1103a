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


def train_demo_model(
    sg: int, hs: int, epochs: int, workers: int, seed: int, progress: bool
) -> tuple[Word2Vec, int, float]:
    """(model, positive examples trained, seconds) on the embedded corpus: d 100,
    window 5, sample 1e-3, min_count 5; negative sampling with 5 noise words, or
    hierarchical softmax alone with hs=1 (word2vec.c's -hs 1 -negative 0)."""
    start = time.perf_counter()
    model = Word2Vec(
        vector_size=100,
        window=5,
        negative=0 if hs else 5,
        hs=hs,
        sg=sg,
        alpha=0.025 if sg else 0.05,  # word2vec.c's, as the command line
        sample=1e-3,
        min_count=5,
        epochs=epochs,
        workers=workers,
        seed=seed,
        progress=progress,
    )
    model.build_vocab(demo_corpus_path())
    _, examples = model.train()
    return model, examples, time.perf_counter() - start


def mode_label(sg: int, hs: int, batched: bool = False) -> str:
    loss = "hierarchical softmax" if hs else "negative sampling"
    form = " (batched)" if batched else ""
    return f"{'skip-gram' if sg else 'CBOW'}{form} + {loss}"


def run_demo(
    words: Sequence[str] = (),
    n_random: int = 8,
    topn: int = 8,
    epochs: int = 5,
    workers: int = 0,
    seed: int = 1,
    progress: bool = True,
    out: IO[str] | None = None,
    sg: int = 0,
    hs: int = 0,
) -> Word2Vec:
    """Trains on the embedded corpus (CBOW-NS unless sg/hs say otherwise) and prints the
    nearest neighbours of validation words with their cosine similarities."""
    out = out if out is not None else sys.stdout
    model, examples, elapsed = train_demo_model(sg, hs, epochs, workers, seed, progress)
    print(_summary(model, examples, elapsed, epochs), file=out)
    for word in validation_words(model, words, n_random, seed):
        if word not in model.wv:
            print(f"\n{word}: not in the vocabulary", file=out)
            continue
        neighbours = model.wv.most_similar(word, topn=topn)
        print(f"\n{word}:", file=out)
        for other, sim in neighbours:
            print(f"    {other:<16} {sim:.3f}", file=out)
    return model


def run_compare(
    words: Sequence[str] = (),
    n_random: int = 8,
    topn: int = 8,
    epochs: int = 5,
    workers: int = 0,
    seed: int = 1,
    progress: bool = True,
    out: IO[str] | None = None,
    hs: int = 0,
) -> tuple[Word2Vec, Word2Vec]:
    """Trains CBOW and skip-gram on the embedded corpus with the same settings and prints
    each validation word's neighbours side by side, with the positive examples each mode
    trained (CBOW: one per center word; skip-gram: one per (center, context) pair) and
    the time it took."""
    out = out if out is not None else sys.stdout
    cbow, cbow_examples, cbow_time = train_demo_model(0, hs, epochs, workers, seed, progress)
    sg, sg_examples, sg_time = train_demo_model(1, hs, epochs, workers, seed, progress)
    print(f"CBOW:      {_summary(cbow, cbow_examples, cbow_time, epochs)}", file=out)
    print(f"skip-gram: {_summary(sg, sg_examples, sg_time, epochs)}", file=out)
    print(
        f"skip-gram trained {sg_examples / max(cbow_examples, 1):.1f}x the positive examples "
        f"in {sg_time / max(cbow_time, 1e-9):.1f}x the time",
        file=out,
    )
    width = 26
    for word in validation_words(cbow, words, n_random, seed):
        if word not in cbow.wv:
            print(f"\n{word}: not in the vocabulary", file=out)
            continue
        print(f"\n{word}:\n    {'CBOW':<{width}}skip-gram", file=out)
        left = cbow.wv.most_similar(word, topn=topn)
        right = sg.wv.most_similar(word, topn=topn)
        for (w1, s1), (w2, s2) in zip(left, right, strict=True):
            print(f"    {w1:<16} {s1:.3f}    {w2:<16} {s2:.3f}", file=out)
    return cbow, sg


def _summary(model: Word2Vec, examples: int, elapsed: float, epochs: int) -> str:
    stats = model.corpus_stats
    p = model.params
    return (
        f"{mode_label(p.sg, p.hs, p.batched)}: trained on {stats['tokens']:,} tokens "
        f"({len(model.wv):,} words kept), {epochs} epochs, {p.n_threads} threads, "
        f"{examples:,} positive examples, in {elapsed:.1f} s; "
        f"final loss {model.epoch_losses[-1]:.4f}"
    )


def validation_words(model: Word2Vec, words: Sequence[str], n_random: int, seed: int) -> list[str]:
    """The drawn words, then the given ones, each once."""
    return list(dict.fromkeys(pick_words(model, n_random, seed) + [w for w in words if w]))
