"""Distributed training's parts without Dask: cutting and encoding pieces, the merged
vocabulary, the sync schedule, the merge rules, and whole runs on the in-process
simulated backend (the same worker, replica and merge code as the Dask backend)."""

from __future__ import annotations

import gzip
import lzma
import subprocess
import sys

import numpy as np
import pytest
from corpora import topic_corpus

from pyw2v import Word2Vec, _core
from pyw2v.corpus import FileCorpus
from pyw2v.demo import demo_corpus_path
from pyw2v.distributed import (
    DistributedTrainingError,
    TrainingInterrupted,
    driver,
    simulate,
    worker,
)
from pyw2v.distributed import replica as replica_module
from pyw2v.distributed.merge import (
    HOT_OCCURRENCES,
    SMOOTH_RATE,
    RowValues,
    changed_deltas,
    changed_rows,
    lacking_rows,
    merge_changes,
    merge_deltas,
    retention_rows,
    round_occurrences,
)
from pyw2v.distributed.schedule import rows_due
from pyw2v.distributed.shards import count_piece, cut_files, cut_rounds, encode_piece
from pyw2v.distributed.vocab import merge_counts
from pyw2v.vocab import Vocab
from pyw2v.weights import digest

KW = {"vector_size": 16, "window": 3, "negative": 5, "epochs": 2, "workers": 1, "seed": 1,
      "min_count": 2, "progress": False}  # fmt: skip


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    """About 40k tokens of the demo corpus as three files: two plain, one gzipped."""
    with lzma.open(demo_corpus_path(), "rb") as f:
        lines = [f.readline() for _ in range(1500)]
    root = tmp_path_factory.mktemp("demo")
    paths = [root / "a.txt", root / "b.txt.gz", root / "c.txt"]
    paths[0].write_bytes(b"".join(lines[:700]))
    with gzip.open(paths[1], "wb") as g:
        g.write(b"".join(lines[700:1000]))
    paths[2].write_bytes(b"".join(lines[1000:]).rstrip(b"\n"))  # no final newline
    return [str(p) for p in paths]


@pytest.fixture(scope="module")
def topic_file(tmp_path_factory):
    topics, sentences = topic_corpus(n_topics=4, words_per_topic=10, n_sentences=3000)
    path = tmp_path_factory.mktemp("topics") / "topics.txt"
    path.write_text("".join(" ".join(s) + "\n" for s in sentences))
    return topics, str(path)


def _text(paths):
    out = b""
    for p in paths:
        opener = gzip.open if p.endswith(".gz") else open
        with opener(p, "rb") as f:
            out += f.read()
    return out


@pytest.mark.parametrize("n", [1, 2, 3, 7, 50])
def test_cut_files_reads_the_text_exactly_once_in_order(demo_files, n):
    pieces = cut_files(demo_files, n)
    assert 1 <= len(pieces) <= n
    text = b""
    for piece in pieces:
        assert piece  # no empty piece
        for seg in piece:
            if seg.start == 0 and seg.end is None:
                text += _text([seg.path])
            else:
                with open(seg.path, "rb") as f:
                    whole = f.read()
                assert seg.start == 0 or whole[seg.start - 1] == ord("\n")
                text += whole[seg.start : seg.end]
    assert text == _text(demo_files)
    if n >= 3:
        assert any(seg.start > 0 for piece in pieces for seg in piece)  # plain files cut


def test_cut_files_refuses_bad_input(tmp_path):
    with pytest.raises(ValueError, match="n_pieces must be >= 1"):
        cut_files([str(tmp_path)], 0)
    with pytest.raises(FileNotFoundError, match="not found"):
        cut_files([str(tmp_path / "missing.txt")], 2)
    with pytest.raises(ValueError, match="no corpus files"):
        cut_files([], 2)


@pytest.mark.parametrize("n", [1, 4, 9])
def test_merged_piece_counts_are_the_single_machine_vocabulary(demo_files, n):
    words, counts, stats = merge_counts([count_piece(p) for p in cut_files(demo_files, n)])
    corpus = FileCorpus(demo_files)
    counted = corpus.count(memory_budget=0)
    assert words == counted.words
    np.testing.assert_array_equal(counts, counted.counts)
    assert stats == {
        "tokens": counted.tokens,
        "sentences": counted.sentences,
        "invalid_tokens": counted.invalid_tokens,
        "truncated_tokens": counted.truncated_tokens,
        "distinct_words": len(counted.words),
    }


def test_simulated_vocabulary_equals_build_vocab(demo_files):
    ref = Word2Vec(**KW)
    ref.build_vocab(corpus_file=demo_files)
    model = simulate(demo_files, count_pieces=5, **{**KW, "epochs": 1})
    assert model.wv.index_to_key == ref.wv.index_to_key
    np.testing.assert_array_equal(model.vocab.counts, ref.vocab.counts)
    assert model.corpus_stats == ref.corpus_stats


def test_encoded_pieces_are_the_corpus_encoding(demo_files):
    corpus = FileCorpus(demo_files)
    counted = corpus.count(memory_budget=0)
    vocab = Vocab.from_counts(counted.words, counted.counts, min_count=2)
    whole = FileCorpus(demo_files).encode(vocab).packed
    for n in (1, 4):
        parts = [encode_piece(p, vocab.index_to_key) for p in cut_files(demo_files, n)]
        np.testing.assert_array_equal(np.concatenate(parts), whole)


def test_shards_above_the_memory_budget_are_mapped_and_train_alike(demo_files):
    """A shard's packed ids follow Word2Vec's memory_budget: above it they are in a
    memory-mapped temporary file, with the same bytes, and train to the same weights."""
    corpus = FileCorpus(demo_files)
    counted = corpus.count(memory_budget=0)
    vocab = Vocab.from_counts(counted.words, counted.counts, min_count=2)
    for piece in cut_files(demo_files, 3):
        in_memory = encode_piece(piece, vocab.index_to_key)
        mapped = encode_piece(piece, vocab.index_to_key, memory_budget=64)
        assert type(in_memory) is np.ndarray and isinstance(mapped, np.memmap)
        np.testing.assert_array_equal(mapped, in_memory)
        assert not mapped.flags.writeable
    kw = {**KW, "sync_words": 3000}
    ref = simulate(demo_files, replicas=3, **kw)
    small = simulate(demo_files, replicas=3, memory_budget=64, **kw)
    np.testing.assert_array_equal(small.wv.vectors, ref.wv.vectors)
    np.testing.assert_array_equal(small.syn1neg, ref.syn1neg)


@pytest.mark.parametrize("n_rounds", [1, 2, 5, 1000])
def test_cut_rounds_cuts_after_sentence_ends_into_equal_word_counts(n_rounds):
    rng = np.random.default_rng(0)
    vocab_size = 20_000  # ids of 1, 2 and 3 bytes
    sentences = [rng.integers(0, vocab_size, size=rng.integers(1, 30)) for _ in range(300)]
    ids = np.concatenate([np.append(s, -1) for s in sentences]).astype(np.int32)
    packed = np.zeros(0, np.uint8)
    packed = np.concatenate([packed, _pack(ids, vocab_size)])
    cuts, words = cut_rounds(packed, vocab_size, n_rounds)
    assert cuts[0] == 0 and cuts[-1] == len(packed) and (np.diff(cuts) >= 0).all()
    total = sum(len(s) for s in sentences)
    assert words.sum() == total
    for j in range(n_rounds):
        piece = _core.unpack_ids(packed[cuts[j] : cuts[j + 1]])  # whole codes only
        assert (piece >= 0).sum() == words[j]
        assert len(piece) == 0 or piece[-1] == -1
    longest = max(len(s) for s in sentences)
    assert words.max() - total / n_rounds <= longest  # about equal, to a sentence


def _pack(ids, vocab_size):
    from pyw2v.corpus import pack_ids

    return pack_ids(ids, vocab_size)


def test_rows_due_follows_the_doubling_schedule():
    due = [rows_due("doubling", r, 9, 100_000, top=10) for r in range(9)]
    # rounds 1..8 (count r + 1): top, 2 top, top, 4 top, top, 2 top, top, 8 top; the last all
    assert due == [10, 20, 10, 40, 10, 20, 10, 80, 100_000]
    assert rows_due("doubling", 0, 1, 50) == 50
    assert rows_due("doubling", 7, 100, 50, top=10) == 50  # capped at the rows
    assert all(rows_due("all", r, 9, 77) == 77 for r in range(9))


def test_merge_rules_against_an_independent_reference():
    rng = np.random.default_rng(1)
    base = rng.normal(size=(6, 3)).astype(np.float32)
    changes = []
    replicas = []
    for rows in ([0, 2, 3], [2, 5], [2, 3]):
        cur = base.copy()
        cur[rows] += rng.normal(size=(len(rows), 3)).astype(np.float32)
        replicas.append(cur)
        changes.append({"vectors": changed_rows(cur, base, 6)})
        assert changes[-1]["vectors"].rows.tolist() == rows
    mixed = np.array([1, 1, 0, 1, 1, 1], np.float32)  # row 2 averaged, the others summed
    graded = rng.uniform(0.05, 0.95, size=6).astype(np.float32)
    rules = (("sum", None), ("mean", np.zeros(6, np.float32)), ("mixed", mixed),
             ("graded", graded))  # fmt: skip
    for name, retention in rules:
        expected = base.astype(np.float64).copy()
        for row in range(6):
            deltas = [r[row].astype(np.float64) - base[row] for r in replicas if
                      (r[row] != base[row]).any()]  # fmt: skip
            if deltas:
                n, q = len(deltas), 1.0 if retention is None else float(retention[row])
                weight = (
                    1 / n
                    if q == 0
                    else 1.0
                    if q == 1 or n == 1
                    else sum(q**i for i in range(n)) / n
                )
                expected[row] += weight * np.sum(deltas, 0)
        matrix = base.copy()
        update = merge_changes({"vectors": matrix}, changes, {"vectors": retention})
        np.testing.assert_allclose(matrix, expected, rtol=1e-6, err_msg=name)
        assert update["vectors"].rows.tolist() == [0, 2, 3, 5]
        np.testing.assert_array_equal(update["vectors"].values, matrix[[0, 2, 3, 5]])
    # a row one replica changed takes exactly its value
    for retention in (np.zeros(6, np.float32), graded):
        matrix = base.copy()
        merge_changes({"vectors": matrix}, changes, {"vectors": retention})
        np.testing.assert_array_equal(matrix[0], replicas[0][0])
        np.testing.assert_array_equal(matrix[5], replicas[1][5])
    with pytest.raises(ValueError, match="merge must be one of hybrid, mean, smooth, sum"):
        retention_rows("max", {"vectors": base}, {"vectors": np.zeros(6)}, 2, 0.05)
    for bad in (np.full(6, 1.5, np.float32), np.full(6, np.nan, np.float32)):
        with pytest.raises(ValueError, match="retention is outside"):
            merge_changes({"vectors": base.copy()}, changes, {"vectors": bad})


def test_the_weight_of_a_retention_reproduces_sequential_contractions():
    """The merge weight's model (pyw2v/distributed/merge.py): n replicas each make m
    updates that keep a share 1 - eta of a row's distance to a target; merged with the
    retention q = (1 - eta)^m, the row lands where one machine's n m updates in a row
    would have taken it."""
    rng = np.random.default_rng(5)
    base = rng.normal(size=(3, 4)).astype(np.float32)
    target = rng.normal(size=(3, 4))
    eta, m = 0.01, np.array([5, 80, 400])
    q = (1 - eta) ** m
    for n in (2, 3, 4):
        deltas = (1 - q)[:, None] * (target - base)  # each replica's move, the same in all
        changes = [{"vectors": RowValues(np.arange(3), (base + deltas).astype(np.float32))}
                   for _ in range(n)]  # fmt: skip
        matrix = base.copy()
        merge_changes({"vectors": matrix}, changes, {"vectors": q.astype(np.float32)})
        one_machine = base + (1 - q**n)[:, None] * (target - base)
        np.testing.assert_allclose(matrix, one_machine, rtol=1e-4, atol=1e-5, err_msg=str(n))


def test_round_occurrences_against_a_walk_of_the_paths():
    """round_occurrences: a word's occurrences in a replica's round (count / total *
    round_words) for its rows; an inner node's, summed here by walking every word's
    Huffman path."""
    counts = np.array([4000, 2000, 1000, 500, 300, 200], dtype=np.int64)
    matrices = {name: np.zeros((6, 4), np.float32) for name in ("vectors", "syn1neg", "syn1")}
    offsets, points, _ = _core.huffman_tree(counts)
    got = round_occurrences(matrices, counts, 800.0, (offsets, points))
    share = counts * 800.0 / counts.sum()
    np.testing.assert_allclose(got["vectors"], share)
    np.testing.assert_allclose(got["syn1neg"], share)
    visits = np.zeros(6)
    for w in range(6):
        for node in points[offsets[w] : offsets[w + 1]]:
            visits[node] += share[w]
    np.testing.assert_allclose(got["syn1"], visits)
    assert got["syn1"][len(counts) - 2] == pytest.approx(800.0)  # the root: every word


def test_retention_rows_by_rule():
    matrices = {"vectors": np.zeros((4, 2), np.float32)}
    seen = {"vectors": np.array([10 * HOT_OCCURRENCES, HOT_OCCURRENCES, HOT_OCCURRENCES / 2, 0])}
    assert retention_rows("hybrid", matrices, seen, 2, 0.05)["vectors"].tolist() == [0, 0, 1, 1]
    assert retention_rows("hybrid", matrices, seen, 3, 0.05)["vectors"].tolist() == [0, 0, 0, 1]
    assert not retention_rows("mean", matrices, seen, 2, 0.05)["vectors"].any()
    assert retention_rows("sum", matrices, seen, 2, 0.05)["vectors"] is None
    smooth = retention_rows("smooth", matrices, seen, 2, 0.05)["vectors"]
    assert smooth.dtype == np.float32
    np.testing.assert_allclose(smooth, np.exp(-SMOOTH_RATE * 0.05 * seen["vectors"]), rtol=1e-6)
    assert smooth[-1] == 1.0 and np.all(np.diff(smooth) > 0)  # fewer occurrences, nearer the sum
    assert retention_rows("smooth", matrices, seen, 2, 0.0)["vectors"].tolist() == [1] * 4


def test_smooth_merges_each_round_at_that_round_s_learning_rate(monkeypatch, demo_files):
    """The smooth rule's alpha is the replicas' rate in the middle of each round: it
    falls linearly over all rounds of all epochs from alpha towards min_alpha (the
    replicas' schedule), one value per merge."""
    seen = []
    original = driver.retention_rows

    def spy(rule, matrices, occurrences, replicas, alpha):
        seen.append(alpha)
        return original(rule, matrices, occurrences, replicas, alpha)

    monkeypatch.setattr(driver, "retention_rows", spy)
    params = {**KW, "alpha": 0.05, "min_alpha": 0.001, "epochs": 2}
    _, report = simulate(demo_files, replicas=2, sync_words=2000, merge="smooth",
                         return_report=True, **params)  # fmt: skip
    n = report.rounds_per_epoch
    first = report.epoch_rounds[0]  # a shorter first epoch's rounds: more of them
    assert report.epoch_rounds == [first, n] and first > n >= 3
    assert len(seen) == first + n  # one per merge
    rounds = np.array(seen)
    mids = np.concatenate([(np.arange(first) + 0.5) / first, 1 + (np.arange(n) + 0.5) / n]) / 2
    np.testing.assert_allclose(rounds, 0.05 - (0.05 - 0.001) * mids, rtol=1e-12)
    assert driver.round_alpha(0.05, 0.001, 1, 2, n - 1, n) == pytest.approx(rounds[-1])


def test_changed_rows_looks_only_at_the_rows_due():
    base = np.zeros((5, 2), np.float32)
    cur = base.copy()
    cur[[1, 4]] = 1
    assert changed_rows(cur, base, 3).rows.tolist() == [1]
    got = changed_rows(cur, base, 5)
    assert isinstance(got, RowValues) and got.rows.tolist() == [1, 4]


def test_changed_deltas_are_the_changes_rounded_to_float16():
    rng = np.random.default_rng(2)
    base = rng.normal(size=(5, 3)).astype(np.float32)
    cur = base.copy()
    cur[[0, 3]] += rng.normal(scale=1e-3, size=(2, 3)).astype(np.float32)
    got = changed_deltas(cur, base, 5)
    assert got.rows.tolist() == [0, 3] and got.values.dtype == np.float16
    np.testing.assert_array_equal(got.values, (cur[[0, 3]] - base[[0, 3]]).astype(np.float16))
    assert changed_deltas(cur, base, 3).rows.tolist() == [0]


def test_merged_float16_deltas_against_float64():
    """merge_deltas: per row the weighted sum (the mean where the retention is 0) of the
    replicas' float16 deltas, computed in float64 here, rounded to float16; a row one replica
    changed takes its delta exactly; the matrix adds the rounded deltas."""
    rng = np.random.default_rng(3)
    base = rng.normal(size=(6, 4)).astype(np.float32)
    changes = []
    for rows in ([0, 2, 3], [2, 5], [2, 3]):
        deltas = rng.normal(scale=1e-2, size=(len(rows), 4)).astype(np.float16)
        changes.append({"vectors": RowValues(np.array(rows, np.int64), deltas)})
    retention = np.array([1, 1, 0, 0.5, 1, 1], np.float32)  # row 2 averaged, row 3 between
    matrix = base.copy()
    update = merge_deltas({"vectors": matrix}, changes, {"vectors": retention})
    assert update["vectors"].rows.tolist() == [0, 2, 3, 5]
    assert update["vectors"].values.dtype == np.float16
    for i, row in enumerate([0, 2, 3, 5]):
        parts = [c["vectors"].values[c["vectors"].rows.tolist().index(row)].astype(np.float64)
                 for c in changes if row in c["vectors"].rows]  # fmt: skip
        n, q = len(parts), float(retention[row])
        expected = np.sum(parts, 0) * (
            1 / n if q == 0 else (1 - q**n) / (n * (1 - q)) if q < 1 else 1
        )
        got = update["vectors"].values[i]
        np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-6)
        assert np.array_equal(got, expected.astype(np.float16)) or len(parts) > 1
    np.testing.assert_array_equal(update["vectors"].values[0], changes[0]["vectors"].values[0])
    np.testing.assert_array_equal(update["vectors"].values[3], changes[1]["vectors"].values[1])
    np.testing.assert_array_equal(
        matrix[[0, 2, 3, 5]], base[[0, 2, 3, 5]] + update["vectors"].values.astype(np.float32)
    )
    np.testing.assert_array_equal(matrix[[1, 4]], base[[1, 4]])


def test_each_replica_is_sent_only_the_rows_it_lacks():
    """lacking_rows: a replica gets every merged row except those it alone changed."""
    values = np.arange(5 * 2, dtype=np.float32).reshape(5, 2)
    update = {"vectors": RowValues(np.array([0, 2, 3, 5, 7]), values)}
    changes = [
        {"vectors": RowValues(np.array([0, 2, 3]), np.zeros((3, 2), np.float32))},
        {"vectors": RowValues(np.array([2, 5]), np.zeros((2, 2), np.float32))},
        {"vectors": RowValues(np.array([2, 3, 7]), np.zeros((3, 2), np.float32))},
        {},  # a replica that changed nothing
    ]
    got = lacking_rows(update, changes)
    expected = [[2, 3, 5, 7], [0, 2, 3, 7], [0, 2, 3, 5], [0, 2, 3, 5, 7]]
    for mine, rows in zip(got, expected, strict=True):
        assert mine["vectors"].rows.tolist() == rows
        np.testing.assert_array_equal(
            mine["vectors"].values, values[[[0, 2, 3, 5, 7].index(r) for r in rows]]
        )


@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("schedule", ["all", "doubling"])
def test_replicas_and_driver_agree_before_each_round(monkeypatch, demo_files, dtype, schedule):
    """Each replica receives only the rows it lacks and makes the others itself (its own
    value, or its base plus its own float16 delta): before every round, every replica's
    reconciled rows (its base) are the driver's model, bit for bit."""
    from pyw2v.distributed.replica import Replica

    seen: dict = {}
    checked = []
    original = Replica.train_round

    class Grab:
        def on_train_begin(self, model):
            seen["model"] = model

    def train_round(self, task):
        np.testing.assert_array_equal(self.base["vectors"], seen["model"].wv.vectors)
        np.testing.assert_array_equal(self.base["syn1neg"], seen["model"].syn1neg)
        checked.append(task.round_index)
        return original(self, task)

    monkeypatch.setattr(Replica, "train_round", train_round)
    model, report = simulate(demo_files, replicas=3, sync_words=2000, sync_dtype=dtype,
                             sync_schedule=schedule, sync_top=64, callbacks=[Grab()],
                             return_report=True, **KW)  # fmt: skip
    assert len(checked) == 3 * sum(report.epoch_rounds) > 3 * KW["epochs"]
    assert np.isfinite(model.wv.vectors).all()


def test_float16_rows_train_as_the_float32_rows(demo_files):
    """Rounding each round's changes to float16 moves the loss by far less than 1 %."""
    ref = simulate(demo_files, replicas=2, sync_words=3000, **KW)
    half = simulate(demo_files, replicas=2, sync_words=3000, sync_dtype="float16", **KW)
    assert half.epoch_losses[-1] == pytest.approx(ref.epoch_losses[-1], rel=0.005)
    assert not np.array_equal(half.wv.vectors, ref.wv.vectors)


def test_one_replica_synced_once_per_epoch_is_single_machine_training(demo_files):
    """One replica, one round per epoch: the same shard bytes, random streams and
    learning-rate schedule as Word2Vec on one machine, and a merge that takes a row
    changed by one replica exactly: the same weights, bit for bit."""
    ref = Word2Vec(corpus_file=demo_files, **KW)
    model, report = simulate(demo_files, replicas=1, sync_words=10**9, return_report=True, **KW)
    assert report.rounds_per_epoch == 1
    np.testing.assert_array_equal(model.wv.vectors, ref.wv.vectors)
    np.testing.assert_array_equal(model.syn1neg, ref.syn1neg)
    assert model.epoch_losses == ref.epoch_losses
    assert model.epochs_trained == ref.epochs_trained == KW["epochs"]
    assert model.epoch_words == ref.epoch_words


def test_one_replica_in_many_rounds_stays_close_to_single_machine(demo_files):
    """Rounds change the random streams (each round has its own) and where the learning
    rate is set: a round starts at its exact place in the schedule, while one machine
    refreshes alpha every 10k words (W2V_PROGRESS_WORDS), a large share of this
    80k-word run. With a constant alpha only the streams differ, and the loss stays
    within 1 % (seeds 1-3 measured within 0.3 %)."""
    kw = {**KW, "alpha": 0.025, "min_alpha": 0.025}
    ref = Word2Vec(corpus_file=demo_files, **kw)
    model, report = simulate(demo_files, replicas=1, sync_words=3000, return_report=True, **kw)
    assert report.rounds_per_epoch > 5
    assert report.words == KW["epochs"] * FileCorpus(demo_files).encode(ref.vocab).n_words
    assert model.epoch_losses[-1] == pytest.approx(ref.epoch_losses[-1], rel=0.01)


def _purity(model, topics):
    hits = 0
    for topic in topics:
        for word in topic:
            hits += sum(w in topic for w, _ in model.wv.most_similar(word, topn=len(topic) - 1))
    return hits / sum(len(t) * (len(t) - 1) for t in topics)


@pytest.mark.parametrize("schedule", ["all", "doubling"])
def test_two_replicas_train_as_well_as_one_machine(topic_file, schedule):
    """Sentences of one topic each: a word's neighbours must be its topic's words. Two
    replicas averaged every 5000 words reach single-machine quality and loss."""
    topics, path = topic_file
    kw = {**KW, "min_count": 1, "sample": 0, "epochs": 3}
    ref = Word2Vec(corpus_file=path, **kw)
    model, report = simulate(
        path, replicas=2, sync_words=5000, sync_schedule=schedule, sync_top=8,
        return_report=True, **kw,
    )  # fmt: skip
    assert len(report.shard_words) == 2 and min(report.shard_words) > 0
    assert _purity(ref, topics) == 1.0
    assert _purity(model, topics) >= 0.95
    assert model.epoch_losses[-1] == pytest.approx(ref.epoch_losses[-1], rel=0.05)


def test_a_lost_replica_is_rebuilt_and_its_shard_fully_trained(demo_files):
    lost = {(1, 2, 1), (1, 3, 0)}  # (epoch, round, replica), each lost once

    def lose(e, r, k):
        hit = (e, r, k) in lost
        lost.discard((e, r, k))
        return hit

    model, report = simulate(
        demo_files, replicas=2, sync_words=2000, return_report=True, _lose=lose, **KW
    )
    counted = FileCorpus(demo_files).encode(model.vocab).n_words
    assert report.recoveries == 2
    assert report.words == KW["epochs"] * counted
    ref = simulate(demo_files, replicas=2, sync_words=2000, **KW)
    assert model.epoch_losses[-1] == pytest.approx(ref.epoch_losses[-1], rel=0.02)


def test_replicas_draw_a_fresh_run_s_weights_and_rebuilt_ones_receive_the_driver_s(
    monkeypatch, demo_files
):
    """The first set-up sends no weights (each replica draws them from the seed and
    checks their digest); a replica built again mid-run gets the driver's model."""
    sent = []
    setup = worker.setup_replica

    def spy(job, k, generation, spec, matrices):
        sent.append((k, matrices is None, spec.fresh is not None))
        return setup(job, k, generation, spec, matrices)

    monkeypatch.setattr(worker, "setup_replica", spy)
    lost = {(0, 1, 1)}

    def lose(e, r, k):
        hit = (e, r, k) in lost
        lost.discard((e, r, k))
        return hit

    simulate(demo_files, replicas=2, sync_words=2000, _lose=lose, **KW)
    assert sorted(sent[:2]) == [(0, True, True), (1, True, True)]
    assert sent[2:] == [(1, False, False)]


def test_weights_drawn_otherwise_are_replaced_by_the_driver_s(monkeypatch, demo_files, caplog):
    """A worker whose draws differ from the driver's (another numpy, say) is sent the
    driver's weights: one replica in one round still trains as one machine, bit for bit."""
    draw = replica_module.initial_vectors
    monkeypatch.setattr(replica_module, "initial_vectors", lambda n, p: draw(n, p) * 2)
    ref = Word2Vec(corpus_file=demo_files, **KW)
    model = simulate(demo_files, replicas=1, sync_words=10**9, **KW)
    assert "replica 0 drew other weights: sending them" in caplog.text
    np.testing.assert_array_equal(model.wv.vectors, ref.wv.vectors)


def test_fresh_matrices_are_build_vocab_s_weights(demo_files):
    model = Word2Vec(**KW)
    model.build_vocab(corpus_file=demo_files)
    spec = replica_module.ReplicaSpec(
        cut_files(demo_files, 1)[0], list(model.vocab.index_to_key), model.vocab.counts,
        model.params.to_dict(), seed=model.params.seed,
    )  # fmt: skip
    drawn = replica_module.fresh_matrices(spec)
    assert sorted(drawn) == ["syn1neg", "vectors"]
    np.testing.assert_array_equal(drawn["vectors"], model.wv.vectors)
    np.testing.assert_array_equal(drawn["syn1neg"], model.syn1neg)
    assert digest(drawn) == digest({"vectors": model.wv.vectors, "syn1neg": model.syn1neg})
    assert digest(drawn) != digest({"vectors": model.wv.vectors})


def test_a_replica_lost_too_often_raises_instead_of_returning_a_partial_model(demo_files):
    with pytest.raises(DistributedTrainingError, match="replica 1 failed 3 times in a row"):
        simulate(demo_files, replicas=2, sync_words=2000, max_retries=2,
                 _lose=lambda e, r, k: k == 1 and e == 1, **KW)  # fmt: skip


class _StopAfterFirstEpoch:
    def on_epoch_end(self, model):
        raise KeyboardInterrupt


def test_interrupt_leaves_a_usable_model(demo_files, tmp_path):
    with pytest.raises(TrainingInterrupted, match="interrupted in epoch 1 of 2") as caught:
        simulate(demo_files, replicas=2, sync_words=2000, callbacks=[_StopAfterFirstEpoch()],
                 **KW)  # fmt: skip
    model = caught.value.model
    assert model.epochs_trained == 1 and np.isfinite(model.wv.vectors).all()
    model.save(tmp_path / "m.pyw2v")
    again = Word2Vec.load(tmp_path / "m.pyw2v")
    np.testing.assert_array_equal(again.wv.vectors, model.wv.vectors)
    again.train(corpus_file=demo_files, epochs=1)  # continues on one machine
    assert again.epochs_trained == 2


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"replicas": 0}, ValueError, "replicas must be an integer >= 1, got 0"),
        ({"sync_words": 0}, ValueError, "sync_words must be an integer >= 1, got 0"),
        ({"merge": "max"}, ValueError, "merge must be one of hybrid, mean, smooth, sum, got 'max'"),
        ({"sync_schedule": "x"}, ValueError, "sync_schedule must be one of all, doubling"),
        ({"sync_top": 0}, ValueError, "sync_top must be an integer >= 1, got 0"),
        ({"sync_dtype": "int8"}, ValueError, "sync_dtype must be one of float32, float16"),
        ({"block_momentum": 1.0}, ValueError, "block_momentum must be a number in \\[0, 1\\)"),
        ({"block_momentum": -0.1}, ValueError, "block_momentum must be a number in"),
        ({"block_momentum": float("nan")}, ValueError, "block_momentum must be a number in"),
        ({"block_momentum": True}, ValueError, "block_momentum must be a number in"),
        ({"block_momentum": "0.3"}, ValueError, "block_momentum must be a number in"),
        ({"first_epoch_sync_words": 0}, ValueError, "first_epoch_sync_words must be an integer >="),
        ({"first_epoch_sync_words": 2.5}, ValueError, "first_epoch_sync_words must be an integer"),
        ({"max_retries": -1}, ValueError, "max_retries must be an integer >= 0"),
        ({"count_pieces": 0}, ValueError, "count_pieces must be an integer >= 1"),
        ({"max_vocab_size": 100}, ValueError, "max_vocab_size is not supported"),
        ({"corpus_file": "x"}, TypeError, "corpus_file is not a parameter here"),
    ],
)
def test_bad_options_are_refused(demo_files, kwargs, error, message):
    with pytest.raises(error, match=message):
        simulate(demo_files, **{**KW, **kwargs})


def test_files_must_be_paths():
    with pytest.raises(TypeError, match="files must be a path or a non-empty list of paths"):
        simulate([], **KW)
    with pytest.raises(TypeError, match="files must be a path or a non-empty list of paths"):
        simulate([1, 2], **KW)


def test_importing_pyw2v_does_not_import_dask(tmp_path):
    code = (
        "import sys, pyw2v, pyw2v.distributed; "
        "print(any(m == 'dask' or m.startswith(('dask.', 'distributed')) for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert out.stdout.strip() == "False"


def test_command_line_scheduler_without_dask_is_a_usage_error(
    monkeypatch, demo_files, tmp_path, capsys
):
    from pyw2v.cli import main

    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    argv = ["train", "-train", demo_files[0], "-output", str(tmp_path / "v.txt"),
            "-scheduler", "tcp://127.0.0.1:1"]  # fmt: skip
    assert main(argv) == 2
    assert "-scheduler needs Dask: pip install 'pyw2v[dask]'" in capsys.readouterr().err
    assert not (tmp_path / "v.txt").exists()


def test_command_line_reconciliation_flags_need_a_scheduler(demo_files, tmp_path, capsys):
    from pyw2v.cli import main

    for flag, value in (
        ("--merge", "sum"),
        ("--sync-words", "5000"),
        ("--sync-schedule", "all"),
        ("--sync-dtype", "float16"),
        ("--block-momentum", "0.5"),
        ("--first-epoch-sync-words", "1000"),
    ):
        argv = ["train", "-train", demo_files[0], "-output", str(tmp_path / "v.txt"), flag, value]
        assert main(argv) == 2
        assert f"{flag} needs -scheduler" in capsys.readouterr().err
        assert not (tmp_path / "v.txt").exists()


def test_command_line_passes_reconciliation_flags_to_the_cluster(monkeypatch, demo_files, tmp_path):
    """-scheduler with --merge, --sync-words, --sync-schedule: train() gets them (a stand-in
    client and train(), so that this runs without Dask); without them, train()'s own
    defaults apply (none is passed)."""
    import types

    import pyw2v.distributed
    from pyw2v.cli import main

    seen: list[dict] = []

    class FakeClient:
        def __init__(self, address):
            assert address == "tcp://127.0.0.1:1"

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def fake_train(client, files, **kwargs):
        seen.append(kwargs)
        model = Word2Vec(vector_size=8, min_count=2, epochs=1, workers=1)
        model.build_vocab(corpus_file=files[0])
        model.train(corpus_file=files[0])
        return model

    monkeypatch.setitem(sys.modules, "distributed", types.SimpleNamespace(Client=FakeClient))
    monkeypatch.setattr(pyw2v.distributed, "train", fake_train)
    base = ["train", "-train", demo_files[0], "-size", "8", "-min-count", "2", "-iter", "1",
            "-scheduler", "tcp://127.0.0.1:1"]  # fmt: skip
    flags = ["--merge", "sum", "--sync-words", "5000", "--sync-schedule", "doubling",
             "--sync-dtype", "float16", "--block-momentum", "0.5",
             "--first-epoch-sync-words", "1000"]  # fmt: skip
    names = ("merge", "sync_words", "sync_schedule", "sync_dtype", "block_momentum",
             "first_epoch_sync_words")  # fmt: skip
    assert main([*base, "-output", str(tmp_path / "a.txt"), *flags]) == 0
    assert main([*base, "-output", str(tmp_path / "b.txt")]) == 0
    assert main([*base, "-output", str(tmp_path / "c.txt"), "--merge", "hybrid"]) == 0
    assert {k: seen[0][k] for k in names} == {
        "merge": "sum",
        "sync_words": 5000,
        "sync_schedule": "doubling",
        "sync_dtype": "float16",
        "block_momentum": 0.5,
        "first_epoch_sync_words": 1000,
    }
    assert not set(names) & set(seen[1])
    assert seen[2]["merge"] == "hybrid"


def test_merge_rows_kernel_against_float64_and_its_errors():
    """_core.merge_rows (csrc/merge_rows.c) with 3 replicas over overlapping random rows:
    the float64 reference within float32 rounding, the rows one replica alone changed
    exactly; bad indices are refused before any row is written."""
    rng = np.random.default_rng(7)
    base = rng.normal(size=(50, 9)).astype(np.float32)
    picks = [np.sort(rng.choice(50, size, replace=False)) for size in (30, 20, 40)]
    values = [base[p] + rng.normal(size=(len(p), 9)).astype(np.float32) for p in picks]
    rows = np.unique(np.concatenate(picks))
    ats = [np.searchsorted(rows, p) for p in picks]
    some = (rng.random(50) < 0.5).astype(np.float32)  # 0 averages, 1 sums
    graded = rng.uniform(0, 1, 50).astype(np.float32)
    for retention in (None, np.zeros(50, np.float32), some, graded):
        matrix = base.copy()
        out = _core.merge_rows(matrix, rows, ats, values, retention)
        expected = base.astype(np.float64)
        deltas = np.zeros_like(expected)
        n = np.zeros(50)
        for p, v in zip(picks, values, strict=True):
            deltas[p] += v - base[p].astype(np.float64)
            n[p] += 1
        q = np.ones(50) if retention is None else retention.astype(np.float64)
        # w = (1 + q + ... + q^(n-1)) / n for a row n >= 2 replicas changed, else 1
        weight = np.array([sum(q[r] ** i for i in range(int(n[r]))) / n[r] if n[r] > 1 else 1.0
                           for r in range(50)])  # fmt: skip
        expected += deltas * weight[:, None]
        np.testing.assert_allclose(matrix, expected, rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(out, matrix[rows])
        for p, v in zip(picks, values, strict=True):
            alone = n[p] == 1
            np.testing.assert_array_equal(matrix[p[alone]], v[alone])
    # the mean and the sum bit for bit as before the retention existed: deltas summed in
    # float32 in replica order, then row + sum / n (mean) or row + sum
    for retention, mean in ((np.zeros(50, np.float32), True), (None, False),
                            (np.ones(50, np.float32), False)):  # fmt: skip
        matrix = base.copy()
        _core.merge_rows(matrix, rows, ats, values, retention)
        expected = base.copy()
        total = np.zeros_like(base)
        n = np.zeros(50, np.int32)
        for p, v in zip(picks, values, strict=True):
            total[p] = total[p] + (v - base[p])
            n[p] += 1
        shared = n > 1
        step = total[shared] / n[shared, None].astype(np.float32) if mean else total[shared]
        expected[shared] = base[shared] + step
        for p, v in zip(picks, values, strict=True):
            expected[p[n[p] == 1]] = v[n[p] == 1]
        np.testing.assert_array_equal(matrix, expected)
    matrix = base.copy()
    with pytest.raises(ValueError, match="not a mask"):
        _core.merge_rows(matrix, rows, ats, values, np.ones(50, bool))
    with pytest.raises(ValueError, match="an index is outside rows"):
        _core.merge_rows(matrix, rows, [ats[0] + len(rows)], [values[0]], None)
    with pytest.raises(ValueError, match="a row is outside the matrix"):
        _core.merge_rows(matrix, rows + 50, ats, values, None)
    with pytest.raises(ValueError, match="values do not match their rows"):
        _core.merge_rows(matrix, rows, ats, [values[0][:-1], values[1], values[2]], None)
    with pytest.raises(ValueError, match="one value per row of the matrix"):
        _core.merge_rows(matrix, rows, ats, values, np.ones(49, np.float32))
    with pytest.raises(ValueError, match="a retention is outside"):
        _core.merge_rows(matrix, rows, ats, values, np.full(50, -0.5, np.float32))
    np.testing.assert_array_equal(matrix, base)


def test_merge_rows_kernel_on_padded_rows():
    """The model's matrices are views of rows padded to 16 floats: merging into such a
    view equals merging into a contiguous copy, and the padding stays untouched."""
    rng = np.random.default_rng(3)
    storage = rng.normal(size=(20, 16)).astype(np.float32)
    padded = storage[:, :9]
    dense = np.ascontiguousarray(padded)
    rows = np.array([1, 4, 7, 19])
    values = [padded[rows] + 1, padded[rows[1:]] - 2]
    ats = [np.arange(4), np.arange(1, 4)]
    out_padded = _core.merge_rows(padded, rows, ats, values, None)
    out_dense = _core.merge_rows(dense, rows, ats, values, None)
    np.testing.assert_array_equal(out_padded, out_dense)
    np.testing.assert_array_equal(padded, dense)
    assert not np.shares_memory(dense, storage)
    with pytest.raises(ValueError, match="rows must be contiguous float32"):
        _core.merge_rows(storage[:, ::2], rows, ats, values, None)


def test_a_diverging_merge_raises_instead_of_returning_a_garbage_model(topic_file):
    """Four replicas summing the changes of rows they all train (40 words, alpha 0.1)
    overshoot until the loss is far above an untrained model's: training stops with
    FloatingPointError naming the merge rule; the hybrid and smooth rules (which
    average those rows) train the same setup to in-topic neighbours."""
    topics, path = topic_file
    params = dict(vector_size=16, min_count=1, epochs=3, workers=1, seed=1, progress=False)
    params.update(alpha=0.1, first_epoch_sync_words=2000)  # (shorter rounds: no divergence)
    with pytest.raises(
        FloatingPointError, match="merge='hybrid', 'smooth' or 'mean' \\(now 'sum'\\)"
    ):
        simulate(path, replicas=4, merge="sum", sync_words=2000, **params)
    word = topics[0][0]
    for merge in ("hybrid", "smooth"):
        model = simulate(path, replicas=4, merge=merge, sync_words=2000, **params)
        assert {w for w, _ in model.wv.most_similar(word, topn=5)} <= set(topics[0]), merge
