"""Distributed training on a real Dask cluster: a LocalCluster of 2 worker processes x 1
thread bound to 127.0.0.1. Skipped without dask[distributed] (pip install
'pyw2v[dask]'); CI installs it and runs this file."""

from __future__ import annotations

import lzma
import os
import signal

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from pyw2v import Word2Vec  # noqa: E402
from pyw2v.corpus import FileCorpus  # noqa: E402
from pyw2v.demo import demo_corpus_path  # noqa: E402
from pyw2v.distributed import (  # noqa: E402
    DistributedTrainingError,
    build_vocab,
    simulate,
    train,
)
from pyw2v.distributed.dask_backend import DaskBackend  # noqa: E402
from pyw2v.distributed.driver import ReplicaFailure  # noqa: E402
from pyw2v.distributed.merge import RowValues  # noqa: E402
from pyw2v.distributed.replica import ReplicaSpec, RoundTask  # noqa: E402
from pyw2v.distributed.shards import cut_files  # noqa: E402

KW = {"vector_size": 16, "window": 3, "negative": 5, "epochs": 2, "workers": 1, "seed": 1,
      "min_count": 2, "progress": False}  # fmt: skip


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    )
    with cluster, distributed.Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    with lzma.open(demo_corpus_path(), "rb") as f:
        lines = [f.readline() for _ in range(1500)]
    root = tmp_path_factory.mktemp("demo")
    paths = [root / "a.txt", root / "b.txt.xz", root / "c.txt"]
    paths[0].write_bytes(b"".join(lines[:600]))
    with lzma.open(paths[1], "wb") as x:
        x.write(b"".join(lines[600:900]))
    paths[2].write_bytes(b"".join(lines[900:]))
    return [str(p) for p in paths]


def test_vocabulary_counted_on_the_cluster_is_build_vocab(client, demo_files):
    ref = Word2Vec(**KW)
    ref.build_vocab(corpus_file=demo_files)
    model = build_vocab(client, demo_files, count_pieces=5, **KW)
    assert model.wv.index_to_key == ref.wv.index_to_key
    np.testing.assert_array_equal(model.vocab.counts, ref.vocab.counts)
    assert model.corpus_stats == ref.corpus_stats
    np.testing.assert_array_equal(model.wv.vectors, ref.wv.vectors)  # the same start


@pytest.mark.parametrize(
    ("dtype", "schedule", "merge"),
    [
        ("float32", "doubling", "smooth"),
        ("float32", "all", "smooth"),
        ("float16", "doubling", "hybrid"),
        ("float16", "doubling", "smooth"),
    ],
)
def test_cluster_training_is_the_simulated_training(
    client, demo_files, tmp_path, dtype, schedule, merge
):
    """The same shards, rounds and merges on two worker processes as in one process:
    with one thread per replica, the same weights bit for bit (the rows sent as values
    or as float16 deltas; each merge rule's weights)."""
    sync = {"sync_words": 3000, "sync_dtype": dtype, "sync_schedule": schedule, "sync_top": 64}
    sync["merge"] = merge
    model, report = train(client, demo_files, return_report=True, **sync, **KW)
    sim = simulate(demo_files, replicas=2, **sync, **KW)
    assert len(report.shard_words) == 2 and report.recoveries == 0
    np.testing.assert_array_equal(model.wv.vectors, sim.wv.vectors)
    np.testing.assert_array_equal(model.syn1neg, sim.syn1neg)
    assert model.epoch_losses == sim.epoch_losses
    model.save(tmp_path / "m.pyw2v")  # an ordinary model
    assert Word2Vec.load(tmp_path / "m.pyw2v").wv.most_similar("god", topn=1)


def test_results_come_through_the_scheduler_when_the_workers_are_unreachable(
    monkeypatch, client, demo_files, caplog
):
    """A direct fetch that fails while the results are there (a client that cannot
    reach the workers) is not tried again; training gives the same weights."""
    calls = []
    gather = client.gather

    def unreachable(futures, *args, direct=None, **kwargs):
        calls.append(direct)
        if direct:
            raise OSError("no route to the worker")
        return gather(futures, *args, direct=direct, **kwargs)

    monkeypatch.setattr(client, "gather", unreachable)
    sync = {"sync_words": 3000}
    model, report = train(client, demo_files, return_report=True, **sync, **KW)
    assert calls.count(True) == 1 and report.rounds_per_epoch > 1
    assert "through the scheduler from now on" in caplog.text
    sim = simulate(demo_files, replicas=2, **sync, **KW)
    np.testing.assert_array_equal(model.wv.vectors, sim.wv.vectors)


class _KillAWorker:
    """Kills one worker process (SIGKILL) when epoch `at` begins."""

    def __init__(self, client, at=1, times=1):
        self.client, self.at, self.times, self.epoch = client, at, times, 0

    def on_epoch_begin(self, model):
        if self.epoch == self.at and self.times > 0:
            self.times -= 1
            victim = sorted(self.client.scheduler_info()["workers"])[0]
            pid = self.client.run(os.getpid, workers=[victim])[victim]
            os.kill(pid, signal.SIGKILL)
        self.epoch += 1


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_a_killed_worker_costs_a_round_and_training_completes(client, demo_files, dtype):
    client.wait_for_workers(2, timeout=60)  # a worker killed before has restarted
    ref = simulate(demo_files, replicas=2, sync_words=3000, **KW)
    model, report = train(
        client, demo_files, sync_words=3000, return_report=True, sync_dtype=dtype,
        callbacks=[_KillAWorker(client)], worker_timeout=30, **KW,
    )  # fmt: skip
    assert report.recoveries >= 1
    n_words = FileCorpus(demo_files).encode(model.vocab).n_words
    assert report.words == KW["epochs"] * n_words  # every shard fully trained
    assert np.isfinite(model.wv.vectors).all()
    assert model.epoch_losses[-1] == pytest.approx(ref.epoch_losses[-1], rel=0.05)


def test_an_unrecoverable_failure_raises(client, demo_files):
    client.wait_for_workers(2, timeout=60)  # the worker killed before has restarted
    with pytest.raises(DistributedTrainingError, match="failed 1 times in a row"):
        train(
            client, demo_files, sync_words=3000, max_retries=0,
            callbacks=[_KillAWorker(client)], worker_timeout=30, **KW,
        )  # fmt: skip


def test_a_task_error_is_not_taken_for_a_lost_worker(client, demo_files):
    """A replica that is missing is lost (rebuilt by the driver); an error raised by the
    task itself stops training at once, naming it."""
    model = build_vocab(client, demo_files, **KW)
    backend = DaskBackend(client)
    spec = ReplicaSpec(
        cut_files(demo_files, 1)[0], list(model.wv.index_to_key), model.vocab.counts,
        model.params.to_dict(), seed=1, threads=1,
    )  # fmt: skip
    matrices = {"vectors": model.wv.vectors, "syn1neg": model.syn1neg}
    assert backend.setup("job", 0, 0, spec, matrices) > 0
    task = RoundTask(0, 1, 0, 1, 0, 0.025, 0.0001, len(model.vocab))
    try:
        lost = backend.rounds("job", {0: (1, task, None)})[0]  # a generation never built
        assert isinstance(lost, ReplicaFailure) and "ReplicaLostError" in lost.reason
        bad = {"vectors": RowValues(np.array([10**9]), np.zeros((1, 16), np.float32))}
        with pytest.raises(DistributedTrainingError, match="replica 0 failed: IndexError"):
            backend.rounds("job", {0: (0, task, bad)})
    finally:
        backend.close("job")


def test_no_worker_at_all_raises_after_the_timeout():
    with (
        distributed.LocalCluster(
            n_workers=0, processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0"
        ) as cluster,
        distributed.Client(cluster) as empty,
        pytest.raises(DistributedTrainingError, match="no Dask worker for 0.2 s"),
    ):
        DaskBackend(empty, worker_timeout=0.2, poll=0.05).workers()


def test_command_line_trains_on_the_cluster(client, demo_files, tmp_path, capsys):
    from pyw2v.cli import main

    out, vocab = tmp_path / "m.pyw2v", tmp_path / "vocab.txt"
    argv = ["train", "-train", demo_files[0], "-output", out, "-save-vocab", vocab,
            "-size", 16, "-min-count", 2, "-iter", 1, "-threads", 1,
            "-scheduler", client.scheduler.address]  # fmt: skip
    assert main([str(a) for a in argv]) == 0
    err = capsys.readouterr().err
    assert "vocabulary:" in err and "wrote" in err
    model = Word2Vec.load(out)
    ref = Word2Vec(vector_size=16, min_count=2)
    ref.build_vocab(corpus_file=demo_files[0])
    assert model.wv.index_to_key == ref.wv.index_to_key
    assert model.epochs_trained == 1
    assert len(vocab.read_text().splitlines()) == len(ref.wv) + 1  # and word2vec.c's </s>
    argv = ["train", "-train", demo_files[0], "-output", tmp_path / "m2.pyw2v",
            "-read-vocab", vocab, "-scheduler", client.scheduler.address]  # fmt: skip
    assert main([str(a) for a in argv]) == 2
    assert "-read-vocab cannot be used with -scheduler" in capsys.readouterr().err
