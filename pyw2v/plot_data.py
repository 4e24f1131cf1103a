"""What the pictures show, computed with numpy alone: a 2-D projection of word vectors,
the groups of a word map, label positions that do not overlap, and a training curve
collected by a callback. Drawing them (matplotlib) is pyw2v.plot's job."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from pyw2v.keyedvectors import KeyedVectors


def principal_components(vectors: np.ndarray, k: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """The rows of `vectors` projected on their first k principal components, and the
    share of the variance each component explains.

    With X the rows centred on their mean and X = U S V^T its thin SVD, the projection
    is X V_k = U_k S_k and component i explains s_i^2 / sum_j s_j^2 of the variance. The
    sign of each component is fixed so that its largest coordinate is positive (an SVD
    may return either sign)."""
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"need at least 2 vectors to project, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("the vectors hold NaN or infinite values")
    x = x - x.mean(axis=0)
    u, s, _ = np.linalg.svd(x, full_matrices=False)
    k = min(k, len(s))
    coords = u[:, :k] * s[:k]
    for i in range(k):
        if coords[np.argmax(np.abs(coords[:, i])), i] < 0:
            coords[:, i] = -coords[:, i]
    total = float((s**2).sum())
    explained = (s[:k] ** 2) / total if total > 0 else np.zeros(k)
    if k < 2:  # one distinct direction only: a flat second axis
        coords = np.column_stack([coords, np.zeros(len(x))])
        explained = np.append(explained, 0.0)
    return coords, explained


@dataclass
class WordMap:
    """The words of a map, the group (the query word it belongs to) of each, and their
    2-D coordinates."""

    words: list[str]
    groups: list[int]
    queries: list[str]
    coords: np.ndarray
    explained: np.ndarray


def word_map(kv: KeyedVectors, queries: list[str], topn: int = 8) -> WordMap:
    """Each query word with its topn nearest neighbours, projected together on the first
    two principal components of their vectors. A word near two queries belongs to the
    first. Unknown query words raise KeyError naming them."""
    missing = [w for w in queries if w not in kv]
    if missing:
        raise KeyError(f"not in the vocabulary: {', '.join(map(repr, missing))}")
    if not queries:
        raise ValueError("give at least one word to draw")
    words: list[str] = []
    groups: list[int] = []
    seen: set[str] = set()
    for g, query in enumerate(queries):
        for word in [query] + [w for w, _ in kv.most_similar(query, topn=topn)]:
            if word not in seen:
                seen.add(word)
                words.append(word)
                groups.append(g)
    coords, explained = principal_components(np.stack([kv[w] for w in words]))
    return WordMap(words, groups, list(queries), coords, explained)


def spread_labels(
    anchors: np.ndarray,
    sizes: np.ndarray,
    iterations: int = 1000,
    gap: float = 0.0,
    obstacles: np.ndarray | None = None,
    obstacle_size: tuple[float, float] = (0.0, 0.0),
) -> np.ndarray:
    """Positions for labels (boxes of the given (width, height), centred on their
    position) near their anchors such that no two boxes overlap: boxes that overlap are
    pushed apart along the axis where they overlap least, all pairs at once, until none
    does or `iterations` passes are spent (on clusters of 40 labels, under 200). Fixed
    `obstacles` (boxes of obstacle_size, e.g. the plotted points) push labels off them
    without moving, in the first half of the passes. Returns the label centres."""
    labels = np.asarray(anchors, dtype=np.float64)
    fixed = np.empty((0, 2)) if obstacles is None else np.asarray(obstacles, dtype=np.float64)
    n = len(labels)
    # labels and obstacles are boxes of one system in which only the labels move
    pos = np.vstack([labels, fixed])
    half = np.vstack([np.asarray(sizes, dtype=np.float64), np.tile(obstacle_size, (len(fixed), 1))])
    half = half / 2 + gap / 2
    movable = np.arange(len(pos)) < n
    # a pair of labels parts by 3/4 of its overlap each (all pairs move at once: half
    # each would leave a crowded label pushed to and fro), a label on an obstacle by all
    # of it; plus a small margin. Exact ties (identical anchors) part by index.
    share = np.where(movable[None, :], 0.75, 1.0)
    tie = np.sign(np.arange(len(pos))[None, :] - np.arange(len(pos))[:, None]).astype(float)
    margin = 0.01 * float(half[:n, 1].min()) if n else 0.0
    # the obstacles count in the first half of the passes only: labels keep off the
    # points where they can, and never end on each other
    for it in range(iterations):
        d = pos[None, :, :] - pos[:, None, :]  # d[i, j] = pos[j] - pos[i]
        overlap = half[:, None, :] + half[None, :, :] - np.abs(d)
        hit = (overlap > 0).all(axis=2) & movable[:, None]
        if it >= iterations // 2:
            hit &= movable[None, :]
        np.fill_diagonal(hit, False)
        if not hit.any():
            break
        pos -= _pushes(overlap, d, hit, tie, share, margin)
    return pos[:n]


def _pushes(
    overlap: np.ndarray,
    d: np.ndarray,
    hit: np.ndarray,
    tie: np.ndarray,
    share: float,
    margin: float,
) -> np.ndarray:
    """Each row's summed push: for each overlapping (row, column) pair, `share` of the
    overlap plus `margin` along the pair's axis of least overlap, signed as d along it
    (tie where d is 0)."""
    axis = np.argmin(overlap, axis=2)
    amount = np.take_along_axis(overlap, axis[:, :, None], axis=2)[:, :, 0] * share + margin
    direction = np.take_along_axis(d, axis[:, :, None], axis=2)[:, :, 0]
    push = np.where(hit, np.where(direction != 0, np.sign(direction), tie) * amount, 0.0)
    return np.column_stack([(push * (axis == ax)).sum(axis=1) for ax in (0, 1)])


def boxes_overlap(centres: np.ndarray, sizes: np.ndarray) -> bool:
    """Whether any two boxes (centres and (width, height)) overlap."""
    half = np.asarray(sizes, dtype=np.float64) / 2
    for i in range(len(centres)):
        d = np.abs(centres[i + 1 :] - centres[i])
        reach = half[i + 1 :] + half[i]
        if ((d < reach - 1e-9).all(axis=1)).any():
            return True
    return False


@dataclass
class TrainingCurve:
    """A training callback (pass it in ``callbacks=[...]``) that records, per epoch, the
    mean loss per positive example (NaN with ``compute_loss=False``), the words trained
    and the words per second."""

    epochs: list[int] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    words: list[int] = field(default_factory=list)
    words_per_second: list[float] = field(default_factory=list)
    _started: float = 0.0

    def on_train_begin(self, model: Any) -> None:
        pass

    def on_epoch_begin(self, model: Any) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, model: Any) -> None:
        elapsed = max(time.perf_counter() - self._started, 1e-9)
        words = int(model.epoch_words[-1])
        self.epochs.append(int(model.epochs_trained))
        self.losses.append(float(model.epoch_losses[-1]))
        self.words.append(words)
        self.words_per_second.append(words / elapsed)

    def on_train_end(self, model: Any) -> None:
        pass
