"""Block momentum (pyw2v/distributed/momentum.py) and shorter rounds in the first epoch
(first_epoch_sync_words): the merge against an independent reference, the cases where
nothing may change, and the rounds' random streams."""

from __future__ import annotations

import lzma

import numpy as np
import pytest

from pyw2v import Word2Vec
from pyw2v.demo import demo_corpus_path
from pyw2v.distributed import simulate
from pyw2v.distributed.merge import RowValues, lacking_rows, merge_changes, merge_deltas
from pyw2v.distributed.momentum import BlockMomentum
from pyw2v.distributed.simulated import SimulatedBackend

KW = {"vector_size": 16, "window": 3, "negative": 5, "epochs": 2, "workers": 1, "seed": 1,
      "min_count": 2, "progress": False}  # fmt: skip
RATE = 0.3


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    """About 30k tokens of the demo corpus."""
    with lzma.open(demo_corpus_path(), "rb") as f:
        lines = [f.readline() for _ in range(1200)]
    path = tmp_path_factory.mktemp("demo") / "demo.txt"
    path.write_bytes(b"".join(lines))
    return str(path)


def _changes(base, rows, rng):
    """A replica's changed rows: base's rows moved by random deltas."""
    rows = np.asarray(rows, dtype=np.int64)
    values = base[rows] + rng.normal(0, 0.1, (len(rows), base.shape[1])).astype(np.float32)
    return RowValues(rows, values)


def test_merge_changes_adds_the_momentum_of_rows_several_replicas_changed():
    """Two rounds of two replicas, summed (retention None). Round 1: row 0 both, rows 1
    and 2 one each; no change before, so no momentum. Round 2: rows 0 and 1 both (row 1
    carries on its round-1 change, which one replica made), row 2 one replica: exactly
    its value, whatever its last change. Reference in float64."""
    rng = np.random.default_rng(0)
    matrix = rng.normal(0, 1, (4, 6)).astype(np.float32)
    momentum = BlockMomentum(RATE, {"vectors": matrix})
    last = np.zeros((4, 6))
    ref = matrix.astype(np.float64)
    for rows_a, rows_b in (([0, 1], [0, 2]), ([0, 1, 2], [0, 1])):
        a, b = _changes(matrix, rows_a, rng), _changes(matrix, rows_b, rng)
        delta = np.zeros((4, 6))
        shared = np.zeros(4, dtype=bool)
        for part, other in ((a, b), (b, a)):
            delta[part.rows] += part.values - ref[part.rows]
            shared[np.intersect1d(part.rows, other.rows)] = True
        applied = delta + RATE * last * shared[:, None]
        touched = np.union1d(a.rows, b.rows)
        ref[touched] += applied[touched]
        last[touched] = applied[touched]
        update = merge_changes({"vectors": matrix}, [{"vectors": a}, {"vectors": b}],
                               {"vectors": None}, momentum)  # fmt: skip
        np.testing.assert_allclose(matrix, ref, rtol=1e-6, atol=1e-6)
        np.testing.assert_array_equal(update["vectors"].rows, touched)
        np.testing.assert_array_equal(update["vectors"].values, matrix[touched])
        np.testing.assert_allclose(momentum.last["vectors"], last, rtol=1e-5, atol=1e-6)
        alone = [r for r in touched if not shared[r]]
        for part in (a, b):  # a row one replica alone changed: its value, bit for bit
            mine = [i for i, r in enumerate(part.rows) if r in alone]
            np.testing.assert_array_equal(matrix[part.rows[mine]], part.values[mine])
    assert np.abs(last[1]).max() > 0  # row 1 did carry momentum into round 2


def test_merge_changes_of_one_replica_records_its_change_for_later_rounds():
    """A matrix only one replica changed takes its rows as they are, and their change
    is what a later round's momentum carries on."""
    rng = np.random.default_rng(1)
    matrix = rng.normal(0, 1, (3, 4)).astype(np.float32)
    before = matrix.copy()
    momentum = BlockMomentum(RATE, {"vectors": matrix})
    a = _changes(matrix, [0, 2], rng)
    merge_changes({"vectors": matrix}, [{"vectors": a}, {}], {"vectors": None}, momentum)
    np.testing.assert_array_equal(matrix[[0, 2]], a.values)
    np.testing.assert_array_equal(momentum.last["vectors"][[0, 2]], a.values - before[[0, 2]])
    assert not momentum.last["vectors"][1].any()


def test_merge_deltas_with_momentum_every_copy_adds_the_same_rounded_delta():
    """float16 deltas: the shared row's delta is the deltas' sum plus the momentum share,
    rounded once; the driver's rows are its old rows plus exactly the deltas it returns
    (what each replica adds), a row one replica changed keeps its delta exactly, and the
    recorded change is the delta applied."""
    rng = np.random.default_rng(2)
    matrix = rng.normal(0, 1, (3, 8)).astype(np.float32)
    momentum = BlockMomentum(RATE, {"vectors": matrix})
    momentum.last["vectors"][:] = rng.normal(0, 0.1, (3, 8)).astype(np.float32)
    last = momentum.last["vectors"].copy()
    old = matrix.copy()
    da = RowValues(np.array([0, 1]), rng.normal(0, 0.1, (2, 8)).astype(np.float16))
    db = RowValues(np.array([0]), rng.normal(0, 0.1, (1, 8)).astype(np.float16))
    update = merge_deltas({"vectors": matrix}, [{"vectors": da}, {"vectors": db}],
                          {"vectors": None}, momentum)  # fmt: skip
    deltas = update["vectors"].values
    assert deltas.dtype == np.float16
    np.testing.assert_array_equal(matrix[[0, 1]], old[[0, 1]] + deltas.astype(np.float32))
    want = da.values[0].astype(np.float64) + db.values[0] + RATE * last[0]
    np.testing.assert_allclose(deltas[0], want, rtol=2e-3, atol=2e-4)  # one float16 rounding
    np.testing.assert_array_equal(deltas[1], da.values[1])  # alone: no momentum, exact
    np.testing.assert_array_equal(momentum.last["vectors"][[0, 1]], deltas.astype(np.float32))
    np.testing.assert_array_equal(matrix[2], old[2])


def test_momentum_keeps_each_replica_sent_only_the_rows_it_lacks():
    """Momentum touches only rows several replicas changed, which every replica is
    sent; the rows one replica alone changed are still left out of its update."""
    rng = np.random.default_rng(3)
    matrix = rng.normal(0, 1, (5, 4)).astype(np.float32)
    momentum = BlockMomentum(RATE, {"vectors": matrix})
    momentum.last["vectors"][:] = 1.0
    a, b = _changes(matrix, [0, 1, 3], rng), _changes(matrix, [0, 2], rng)
    contributions = [{"vectors": a}, {"vectors": b}]
    update = merge_changes({"vectors": matrix}, contributions, {"vectors": None}, momentum)
    mine_a, mine_b = lacking_rows(update, contributions)
    np.testing.assert_array_equal(mine_a["vectors"].rows, [0, 2])
    np.testing.assert_array_equal(mine_b["vectors"].rows, [0, 1, 3])
    np.testing.assert_array_equal(matrix[[1, 3]], a.values[1:])  # a's own values


def test_one_replica_ignores_block_momentum(demo_file):
    """No row has two replicas' changes: one replica trains as before, bit for bit."""
    off = simulate(demo_file, replicas=1, sync_words=3000, block_momentum=0.0, **KW)
    on = simulate(demo_file, replicas=1, sync_words=3000, block_momentum=0.9, **KW)
    np.testing.assert_array_equal(on.wv.vectors, off.wv.vectors)
    np.testing.assert_array_equal(on.syn1neg, off.syn1neg)


def test_two_replicas_with_momentum_train_to_a_lower_loss(demo_file):
    """The default momentum (0.3) lowers two replicas' last-epoch loss against none, as
    on the reference corpus (1.718 against 1.733): here by 2.2-3.2 % over seeds 1-8, so
    1 % is a margin no seed came near."""
    off = simulate(demo_file, replicas=2, sync_words=3000, block_momentum=0.0, **KW)
    on = simulate(demo_file, replicas=2, sync_words=3000, **KW)
    assert on.epoch_losses[-1] < 0.99 * off.epoch_losses[-1]


class _Recorder(SimulatedBackend):
    """The simulated backend, recording every round task it runs."""

    tasks: list = []

    def rounds(self, job, calls):
        for _, task, _ in calls.values():
            _Recorder.tasks.append(task)
        return super().rounds(job, calls)


@pytest.fixture
def recorded(monkeypatch):
    import pyw2v.distributed.simulated as simulated

    _Recorder.tasks = []
    monkeypatch.setattr(simulated, "SimulatedBackend", _Recorder)
    return _Recorder.tasks


def test_first_epoch_rounds_are_shorter_and_every_round_has_its_own_streams(demo_file, recorded):
    """first_epoch_sync_words cuts the first epoch into more rounds; every word is still
    trained once per epoch, and every round of the run draws its own random streams
    (round seeds numbered on across epochs, none repeated)."""
    model, report = simulate(demo_file, replicas=2, sync_words=4000, first_epoch_sync_words=1000,
                             return_report=True, **{**KW, "epochs": 3})  # fmt: skip
    n = report.rounds_per_epoch
    assert report.epoch_rounds == [report.epoch_rounds[0], n, n]
    assert report.epoch_rounds[0] > 3 * n
    assert report.words == 3 * sum(report.shard_words)
    assert model.epoch_words == [sum(report.shard_words)] * 3
    seeds = [t.epoch_seed for t in recorded[::2]]  # both replicas run each round
    assert seeds == list(range(sum(report.epoch_rounds)))
    assert [t.n_rounds for t in recorded[::2]] == [r for r in report.epoch_rounds for _ in range(r)]


def test_rounds_of_one_length_keep_their_round_seeds(demo_file, recorded):
    """With every epoch in rounds of sync_words the round seeds are those of earlier
    versions, epochs_trained * rounds + r, so such a run is reproduced."""
    model, report = simulate(demo_file, replicas=2, sync_words=4000, first_epoch_sync_words=4000,
                             return_report=True, **KW)  # fmt: skip
    n = report.rounds_per_epoch
    assert report.epoch_rounds == [n] * KW["epochs"] and n > 1
    assert [t.epoch_seed for t in recorded[::2]] == list(range(KW["epochs"] * n))


def test_the_first_epoch_is_in_rounds_of_a_quarter_of_sync_words_by_default(demo_file):
    """The default: several replicas train their first epoch in rounds of sync_words // 4
    (the same run as asking for it); one replica, which loses nothing to merging, in
    rounds of sync_words."""
    plain, report = simulate(demo_file, replicas=2, sync_words=4000, return_report=True, **KW)
    asked = simulate(demo_file, replicas=2, sync_words=4000, first_epoch_sync_words=1000, **KW)
    np.testing.assert_array_equal(plain.wv.vectors, asked.wv.vectors)
    np.testing.assert_array_equal(plain.syn1neg, asked.syn1neg)
    n = report.rounds_per_epoch
    assert report.epoch_rounds[1:] == [n] and 3 * n < report.epoch_rounds[0] <= 4 * n + 1
    _, alone = simulate(demo_file, replicas=1, sync_words=4000, return_report=True, **KW)
    assert alone.epoch_rounds == [alone.rounds_per_epoch] * KW["epochs"]


def test_one_replica_with_short_first_epoch_rounds_stays_close_to_one_machine(demo_file):
    """One replica in short rounds, then longer ones: the loss of one machine within
    1 % at a constant learning rate (as test_distributed's one-replica test)."""
    kw = {**KW, "alpha": 0.025, "min_alpha": 0.025}
    ref = Word2Vec(corpus_file=demo_file, **kw)
    model = simulate(demo_file, replicas=1, sync_words=5000, first_epoch_sync_words=1000, **kw)
    assert model.epoch_losses[-1] == pytest.approx(ref.epoch_losses[-1], rel=0.01)


def test_merge_rows_kernel_refuses_a_bad_momentum_matrix():
    from pyw2v import _core

    matrix = np.zeros((4, 3), dtype=np.float32)
    rows, ats = np.array([0], dtype=np.int64), [np.array([0], dtype=np.int64)]
    values = [np.ones((1, 3), dtype=np.float32)]
    with pytest.raises(ValueError, match="last must have the matrix's shape"):
        _core.merge_rows(matrix, rows, ats, values, None, np.zeros((3, 3), np.float32), 0.3)
    with pytest.raises(ValueError, match="rate must be in \\[0, 1\\)"):
        _core.merge_rows(matrix, rows, ats, values, None, np.zeros((4, 3), np.float32), 1.0)
    last = np.zeros((4, 3), np.float32)
    _core.merge_rows(matrix, rows, ats, values, None, last, 0.3)  # one replica: its value
    np.testing.assert_array_equal(matrix[0], values[0][0])
    np.testing.assert_array_equal(last[0], values[0][0])  # its change from zero


def test_hybrid_takes_each_epoch_s_round_length(monkeypatch, demo_file):
    """ "hybrid" calls a word hot by its occurrences in a round: a shorter first epoch's
    rounds hold fewer, so its retention is taken again for the later epochs' rounds
    (occurrences times rounds per epoch is the same for both)."""
    from pyw2v.distributed import driver

    seen = []
    original = driver.retention_rows

    def spy(rule, matrices, occurrences, replicas, alpha):
        seen.append(occurrences["vectors"].copy())
        return original(rule, matrices, occurrences, replicas, alpha)

    monkeypatch.setattr(driver, "retention_rows", spy)
    _, report = simulate(demo_file, replicas=2, sync_words=4000, merge="hybrid",
                         return_report=True, **KW)  # fmt: skip
    first, n = report.epoch_rounds
    assert first > n and len(seen) == KW["epochs"]
    np.testing.assert_allclose(seen[0] * first, seen[1] * n, rtol=1e-12)


def test_momentum_on_padded_rows_is_momentum_on_dense_rows():
    """The model's matrices are views of padded rows (their stride is not d); the kernel
    keeps the momentum record dense: both give the same rows and record, bit for bit."""
    from pyw2v.memory import zeros_matrix

    rng = np.random.default_rng(4)
    dense = rng.normal(0, 1, (6, 10)).astype(np.float32)
    padded = zeros_matrix(6, 10)
    padded[:] = dense
    assert padded.strides[0] != 10 * 4
    records = []
    for matrix in (dense, padded):
        momentum = BlockMomentum(RATE, {"vectors": matrix})
        momentum.last["vectors"][:] = np.arange(60, dtype=np.float32).reshape(6, 10) / 100
        parts_rng = np.random.default_rng(5)
        a, b = _changes(matrix, [0, 2, 5], parts_rng), _changes(matrix, [2, 3], parts_rng)
        merge_changes({"vectors": matrix}, [{"vectors": a}, {"vectors": b}],
                      {"vectors": None}, momentum)  # fmt: skip
        records.append(momentum.last["vectors"])
    np.testing.assert_array_equal(padded, dense)
    np.testing.assert_array_equal(records[0], records[1])


def test_a_momentum_that_rounds_to_one_in_float32_is_refused(demo_file):
    with pytest.raises(ValueError, match="block_momentum must be a number in"):
        simulate(demo_file, replicas=2, block_momentum=0.99999999, **KW)
