"""Pictures: the projection against an independent eigen-decomposition, the label layout,
the training curve callback, and the PNGs the commands write (with matplotlib), or the
one-line message saying what to install (without it)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from pyw2v import KeyedVectors, Word2Vec
from pyw2v.cli import main
from pyw2v.plot_data import (
    TrainingCurve,
    boxes_overlap,
    principal_components,
    spread_labels,
    word_map,
)

from .corpora import topic_corpus


@pytest.fixture(scope="module")
def model():
    _, sentences = topic_corpus(n_sentences=600)
    return Word2Vec(sentences, vector_size=16, min_count=1, workers=1, epochs=3, seed=2,
                    progress=False)  # fmt: skip


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_principal_components_against_the_covariance_eigenvectors(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(30, 6)) * [5, 3, 1, 0.5, 0.2, 0.1] + rng.normal(size=6)
    coords, explained = principal_components(x)
    centred = x - x.mean(axis=0)
    values, vectors = np.linalg.eigh(centred.T @ centred)  # ascending
    top = vectors[:, ::-1][:, :2]
    want = centred @ top
    for i in range(2):  # each component is defined up to its sign
        sign = np.sign(want[:, i] @ coords[:, i])
        np.testing.assert_allclose(coords[:, i], sign * want[:, i], atol=1e-9)
        assert coords[np.argmax(np.abs(coords[:, i])), i] > 0  # the sign convention
    np.testing.assert_allclose(explained, values[::-1][:2] / values.sum(), rtol=1e-9)


def test_principal_components_of_a_line_and_bad_input():
    line = np.outer(np.arange(5.0), [1.0, 2.0, 3.0])
    coords, explained = principal_components(line)
    assert coords.shape == (5, 2)
    assert explained[0] == pytest.approx(1.0) and explained[1] == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="at least 2 vectors"):
        principal_components(np.ones((1, 3)))
    with pytest.raises(ValueError, match="NaN"):
        principal_components(np.array([[1.0, np.nan], [0.0, 1.0]]))


def test_word_map_groups_each_query_with_its_neighbours(model):
    queries = ["t0w0", "t2w3"]
    drawn = word_map(model.wv, queries, topn=4)
    assert drawn.queries == queries
    for g, query in enumerate(queries):
        members = [w for w, group in zip(drawn.words, drawn.groups, strict=True) if group == g]
        assert members[0] == query
        neighbours = [w for w, _ in model.wv.most_similar(query, topn=4)]
        assert set(members[1:]) <= set(neighbours)
    assert len(set(drawn.words)) == len(drawn.words)  # a word is drawn once
    assert drawn.coords.shape == (len(drawn.words), 2)
    with pytest.raises(KeyError, match="'nope'"):
        word_map(model.wv, ["t0w0", "nope"])


def test_spread_labels_leaves_no_two_labels_overlapping():
    rng = np.random.default_rng(3)
    anchors = rng.normal(scale=0.5, size=(40, 2))
    anchors[5] = anchors[6]  # identical anchors must part too
    sizes = np.column_stack([rng.uniform(0.3, 1.0, 40), np.full(40, 0.2)])
    assert boxes_overlap(anchors, sizes)
    placed = spread_labels(anchors, sizes)
    assert not boxes_overlap(placed, sizes)
    # with fixed points to keep off: still no two labels overlap, and fewer sit on a point
    points = rng.normal(scale=0.5, size=(10, 2))
    placed = spread_labels(anchors, sizes, obstacles=points, obstacle_size=(0.05, 0.05))
    assert not boxes_overlap(placed, sizes)

    def on_points(centres):
        d = np.abs(centres[:, None, :] - points[None, :, :])
        return int(((d < sizes[:, None, :] / 2 + 0.025).all(axis=2)).sum())

    assert on_points(placed) < on_points(spread_labels(anchors, sizes))


def test_training_curve_records_each_epoch(model):
    curve = TrainingCurve()
    trained = Word2Vec(min_count=1, vector_size=8, workers=1, epochs=3, progress=False)
    _, sentences = topic_corpus(n_sentences=300)
    trained.build_vocab(sentences)
    words, _ = trained.train(callbacks=[curve])
    assert curve.epochs == [1, 2, 3]
    assert curve.losses == trained.epoch_losses
    assert curve.words == trained.epoch_words and sum(curve.words) == words
    assert all(speed > 0 for speed in curve.words_per_second)


# ---- the pictures (matplotlib) ----------------------------------------------------------


def _assert_png_picture(path, min_bytes=10_000):
    image = pytest.importorskip("matplotlib.image")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > min_bytes
    pixels = image.imread(str(path))[:, :, :3]
    assert pixels.std() > 0.05  # not blank
    colours = {tuple(p) for p in (pixels.reshape(-1, 3) * 8).astype(int)[::37]}
    assert len(colours) > 5  # several colours: the groups, the text, the axes


def test_word_map_picture(model, tmp_path):
    pytest.importorskip("matplotlib")
    from pyw2v.plot import draw_word_map

    drawn = draw_word_map(model.wv, ["t0w0", "t1w0", "t3w5"], tmp_path / "map.png", topn=5)
    assert len(drawn.words) >= 3
    _assert_png_picture(tmp_path / "map.png")


def test_training_curve_picture(tmp_path):
    pytest.importorskip("matplotlib")
    from pyw2v.plot import draw_training_curve

    curve = TrainingCurve(epochs=[1, 2, 3], losses=[3.0, 2.5, 2.4], words=[10, 10, 10],
                          words_per_second=[1e6, 1.1e6, 1.05e6])  # fmt: skip
    draw_training_curve(curve, tmp_path / "curve.png")
    _assert_png_picture(tmp_path / "curve.png")
    with pytest.raises(ValueError, match="empty"):
        draw_training_curve(TrainingCurve(), tmp_path / "none.png")
    assert not (tmp_path / "none.png").exists()


def test_plot_command(model, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    model.save(tmp_path / "m.pyw2v")
    out = tmp_path / "map.png"
    code = main(["plot", str(tmp_path / "m.pyw2v"), "t0w0", "t2w1", "-o", str(out), "--topn", "3"])
    err = capsys.readouterr().err
    assert code == 0 and "the two components shown explain" in err, err
    _assert_png_picture(out)
    code = main(["plot", str(tmp_path / "m.pyw2v"), "nope", "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("pyw2v: error:") and "'nope'" in err


def test_train_command_draws_the_curve(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    _, sentences = topic_corpus(n_sentences=300)
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(" ".join(s) for s in sentences) + "\n")
    curve = tmp_path / "curve.png"
    argv = ["train", "-train", str(corpus), "-output", str(tmp_path / "v.txt"), "-size", "8",
            "-min-count", "1", "-iter", "2", "-threads", "1", "--quiet",
            "--plot-curve", str(curve)]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    _assert_png_picture(curve)


def test_without_matplotlib_the_message_says_what_to_install(model, tmp_path, monkeypatch, capsys):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib fails
    from pyw2v.plot import draw_word_map

    with pytest.raises(ImportError, match=r"pip install 'pyw2v\[plot\]'"):
        draw_word_map(model.wv, ["t0w0"], tmp_path / "x.png")
    model.save(tmp_path / "m.pyw2v")
    code = main(["plot", str(tmp_path / "m.pyw2v"), "t0w0", "-o", str(tmp_path / "x.png")])
    err = capsys.readouterr().err
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "pip install 'pyw2v[plot]'" in err
    assert not (tmp_path / "x.png").exists()


def test_keyed_vectors_alone_can_be_drawn(tmp_path):
    pytest.importorskip("matplotlib")
    from pyw2v.plot import draw_word_map

    rng = np.random.default_rng(0)
    kv = KeyedVectors(rng.normal(size=(12, 5)).astype(np.float32), [f"k{i}" for i in range(12)])
    draw_word_map(kv, ["k0", "k5"], tmp_path / "kv.png", topn=3)
    _assert_png_picture(tmp_path / "kv.png", min_bytes=5_000)
