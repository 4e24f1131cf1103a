"""Ctrl-C during training: the workers stop within a second, KeyboardInterrupt reaches
the caller, and the model stays usable."""

import signal
import subprocess
import sys
import time

CHILD = r"""
import sys, time
import numpy as np
from pyw2v import Word2Vec

rng = np.random.default_rng(0)
corpus = [[f"w{i}" for i in row] for row in rng.integers(0, 2000, size=(20000, 30))]
model = Word2Vec(vector_size=50, min_count=1, workers=2, epochs=1000, sample=0,
                 progress=False)
model.build_vocab(corpus)
print("training", flush=True)
try:
    model.train(corpus)
except KeyboardInterrupt:
    stopped = time.perf_counter()
    assert np.isfinite(model.wv.vectors).all()
    assert 0 < model.epochs_trained < 1000
    model.train(corpus, epochs=1)  # still usable
    print(f"interrupted {stopped:.6f}", flush=True)
    sys.exit(0)
print("finished without interruption", flush=True)
sys.exit(1)
"""


def test_sigint_stops_training_cleanly(tmp_path):
    # run outside the source tree so that the installed package is imported
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        assert child.stdout.readline().strip() == "training"
        time.sleep(1.0)  # let some epochs run
        sent = time.perf_counter()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, err
    assert out.startswith("interrupted"), (out, err)
    # perf_counter is CLOCK_MONOTONIC on Linux, shared by both processes
    assert float(out.split()[1]) - sent < 1.0
