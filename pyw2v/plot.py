"""Pictures, drawn with matplotlib (the optional extra ``pyw2v[plot]``): a 2-D map of
words and their nearest neighbours, and a training curve. What they show is computed in
pyw2v.plot_data; this module only draws."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np

from pyw2v.plot_data import TrainingCurve, WordMap, spread_labels, word_map
from pyw2v.saving import atomic_write

if TYPE_CHECKING:
    from pyw2v.keyedvectors import KeyedVectors

INSTALL_HINT = "pip install 'pyw2v[plot]' (or pip install matplotlib)"
FONT_SIZE = 9


def require_matplotlib() -> Any:
    """matplotlib.pyplot on a non-interactive backend, or an ImportError saying what to
    install."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(f"drawing pictures needs matplotlib: {INSTALL_HINT}") from exc
    return plt


def draw_word_map(
    kv: KeyedVectors, words: list[str], path: str | os.PathLike[str], topn: int = 8
) -> WordMap:
    """Draws `words` and their topn nearest neighbours on the first two principal
    components of their vectors, one colour per query word, into a PNG at `path`.
    Returns what was drawn."""
    plt = require_matplotlib()
    drawn = word_map(kv, words, topn)
    fig, ax = plt.subplots(figsize=(9, 7), dpi=110)
    colours = plt.get_cmap("tab10")
    xy = drawn.coords
    for g in range(len(drawn.queries)):
        members = [i for i, group in enumerate(drawn.groups) if group == g]
        ax.scatter(xy[members, 0], xy[members, 1], s=18, color=colours(g % 10), zorder=3)
    # label boxes in data units: measure each text once, then spread them apart
    ax.set_xlim(*_padded(xy[:, 0]))
    ax.set_ylim(*_padded(xy[:, 1]))
    fig.canvas.draw()
    sizes = np.array([_text_size(ax, w, bold=w in drawn.queries) for w in drawn.words])
    height = sizes[:, 1].min()
    labels = spread_labels(
        xy + [0, height * 0.9],
        sizes,
        gap=height * 0.15,
        obstacles=xy,
        obstacle_size=(height * 0.5, height * 0.5),
    )
    for i, word in enumerate(drawn.words):
        colour = colours(drawn.groups[i] % 10)
        query = word in drawn.queries
        ax.annotate(
            word,
            xy=xy[i],
            xytext=labels[i],
            ha="center",
            va="center",
            fontsize=FONT_SIZE + (1 if query else 0),
            fontweight="bold" if query else "normal",
            color=colour,
            arrowprops={"arrowstyle": "-", "color": colour, "lw": 0.5, "alpha": 0.5},
            zorder=4,
        )
    every = np.vstack([xy, labels])
    ax.set_xlim(*_padded(every[:, 0]))
    ax.set_ylim(*_padded(every[:, 1]))
    pc1, pc2 = drawn.explained
    ax.set_xlabel(f"first principal component ({pc1:.0%} of the variance)")
    ax.set_ylabel(f"second principal component ({pc2:.0%})")
    ax.set_title(
        f"{', '.join(drawn.queries)} and their {topn} nearest neighbours "
        f"({pc1 + pc2:.0%} of the variance shown)",
        fontsize=FONT_SIZE + 2,
    )
    ax.grid(alpha=0.2)
    _save(plt, fig, path)
    return drawn


def draw_training_curve(
    curve: TrainingCurve, path: str | os.PathLike[str], title: str = "training"
) -> None:
    """Draws the mean loss per positive example and the words per second of each epoch
    (from a TrainingCurve callback) into a PNG at `path`."""
    if not curve.epochs:
        raise ValueError("the training curve is empty: no epoch was recorded")
    plt = require_matplotlib()
    fig, ax_loss = plt.subplots(figsize=(7, 4), dpi=110)
    ax_speed = ax_loss.twinx()
    loss_line = ax_loss.plot(curve.epochs, curve.losses, "o-", color="tab:blue", label="loss")
    speed_line = ax_speed.plot(
        curve.epochs,
        np.array(curve.words_per_second) / 1e6,
        "s--",
        color="tab:orange",
        label="words/s",
    )
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("mean loss per positive example", color="tab:blue")
    ax_speed.set_ylabel("million words per second", color="tab:orange")
    ax_speed.set_ylim(0, max(curve.words_per_second) / 1e6 * 1.2)
    ax_loss.set_xticks(curve.epochs)
    ax_loss.legend(handles=loss_line + speed_line, loc="upper right", fontsize=FONT_SIZE)
    ax_loss.set_title(title, fontsize=FONT_SIZE + 2)
    ax_loss.grid(alpha=0.2)
    _save(plt, fig, path)


def _save(plt: Any, fig: Any, path: str | os.PathLike[str]) -> None:
    """Writes the figure as a PNG, atomically (a failed write leaves no half picture)."""
    try:
        fig.tight_layout()
        with atomic_write(path) as fh:
            fig.savefig(fh, format="png")
    finally:
        plt.close(fig)


def _text_size(ax: Any, text: str, bold: bool) -> tuple[float, float]:
    """(width, height) of a label in data units of `ax`."""
    t = ax.text(0, 0, text, fontsize=FONT_SIZE + (1 if bold else 0),
                fontweight="bold" if bold else "normal")  # fmt: skip
    box = t.get_window_extent(renderer=ax.figure.canvas.get_renderer())
    t.remove()
    inverse = ax.transData.inverted()
    (x0, y0), (x1, y1) = inverse.transform([[box.x0, box.y0], [box.x1, box.y1]])
    return abs(x1 - x0) * 1.05, abs(y1 - y0) * 1.1


def _padded(values: np.ndarray, share: float = 0.08) -> tuple[float, float]:
    lo, hi = float(values.min()), float(values.max())
    pad = (hi - lo) * share or 1.0
    return lo - pad, hi + pad
