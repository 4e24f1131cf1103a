"""What a round's round trip costs on a Dask LocalCluster of 2 workers x 1 thread, without
any training: a task per worker and round (what pyw2v's Dask backend does: the state in
the worker process, the update as a task argument through the scheduler, the rows back
straight from the workers) against a method call on a Dask actor holding the state (calls
go to the worker directly, not through the scheduler). Each round sends `rows` x 100
float32 rows to each worker and gets as many back.

    python benchmarks/dask_round_trip.py

Needs `pip install 'pyw2v[dask]'`.
"""

import time

import numpy as np


class Holder:
    def __init__(self, rows):
        self.m = np.zeros((rows, 100), np.float32)

    def round(self, update, n):
        if update is not None:
            self.m[: len(update)] += update
        return self.m[:n].copy()


_STATE = {}


def task_round(key, update, n):
    m = _STATE.setdefault(key, np.zeros((66000, 100), np.float32))
    if update is not None:
        m[: len(update)] += update
    return m[:n].copy()


if __name__ == "__main__":
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        workers = sorted(client.scheduler_info()["workers"])
        actors = [client.submit(Holder, 66000, workers=[w], actor=True).result() for w in workers]
        for n in (4096, 16384):
            upd = np.ones((n, 100), np.float32)
            for _rep in range(2):
                t = time.perf_counter()
                for r in range(40):
                    fs = [a.round(upd if r else None, n) for a in actors]
                    [f.result() for f in fs]
                ta = (time.perf_counter() - t) / 40
                t = time.perf_counter()
                for r in range(40):
                    fs = [
                        client.submit(task_round, k, upd if r else None, n, workers=[w], pure=False)
                        for k, w in enumerate(workers)
                    ]
                    client.gather(fs, direct=True)
                    client.cancel(fs)
                tt = (time.perf_counter() - t) / 40
                print(f"rows {n}: actor {ta * 1000:.1f} ms/round, task {tt * 1000:.1f} ms/round")
