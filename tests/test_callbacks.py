"""Training callbacks: when each hook runs, the per-epoch loss they see, and what an
exception raised inside one does (stops training, propagates, leaves no thread)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from pyw2v import Word2Vec
from pyw2v.callbacks import CallbackAny2Vec, check_callbacks
from pyw2v.demo import demo_corpus_path


def sentences(seed=5, n=400, vocab=60, length=10):
    rng = np.random.default_rng(seed)
    ranks = np.minimum(rng.zipf(1.4, size=(n, length)), vocab) - 1
    return [[f"w{r}" for r in row] for row in ranks]


SENTENCES = sentences()
ARGS = dict(vector_size=16, window=3, negative=3, min_count=1, workers=2, seed=1, progress=False)


class Recorder(CallbackAny2Vec):
    def __init__(self):
        self.events = []
        self.losses = []
        self.running = []

    def on_train_begin(self, model):
        self.events.append("train_begin")

    def on_epoch_begin(self, model):
        self.events.append(f"epoch_begin {model.epochs_trained}")

    def on_epoch_end(self, model):
        self.events.append(f"epoch_end {model.epochs_trained}")
        self.losses.append(model.epoch_losses[-1])
        self.running.append(model.get_latest_training_loss())

    def on_train_end(self, model):
        self.events.append("train_end")


class Boom(RuntimeError):
    pass


class FailAt(CallbackAny2Vec):
    def __init__(self, hook, epoch=0):
        self.hook, self.epoch, self.calls = hook, epoch, 0

    def _maybe_fail(self, hook, model):
        if hook == self.hook and model.epochs_trained >= self.epoch:
            self.calls += 1
            raise Boom(f"{hook} at {model.epochs_trained}")

    def on_train_begin(self, model):
        self._maybe_fail("on_train_begin", model)

    def on_epoch_begin(self, model):
        self._maybe_fail("on_epoch_begin", model)

    def on_epoch_end(self, model):
        self._maybe_fail("on_epoch_end", model)

    def on_train_end(self, model):
        self._maybe_fail("on_train_end", model)


def training_threads():
    return [t for t in threading.enumerate() if t.name.startswith("pyw2v")]


def test_hooks_run_in_order_with_each_epochs_loss():
    recorder = Recorder()
    model = Word2Vec(SENTENCES, epochs=3, callbacks=[recorder], **ARGS)
    assert recorder.events == [
        "train_begin",
        "epoch_begin 0",
        "epoch_end 1",
        "epoch_begin 1",
        "epoch_end 2",
        "epoch_begin 2",
        "epoch_end 3",
        "train_end",
    ]
    assert recorder.losses == model.epoch_losses
    assert all(np.isfinite(recorder.losses)) and all(x > 0 for x in recorder.losses)


def test_running_loss_sums_the_epochs_of_one_train_call():
    """gensim's get_latest_training_loss: the loss summed over the examples of the epochs
    of the current train() call. Without subsampling a CBOW epoch trains one example per
    word, so each epoch adds its mean loss times the corpus length; a new train() call
    starts again from zero."""
    sentences = [[f"w{(i * 7 + j) % 13}" for j in range(9)] for i in range(40)]
    recorder = Recorder()
    model = Word2Vec(min_count=1, sample=0, workers=1, epochs=3, progress=False)
    model.build_vocab(sentences)
    words, examples = model.train(sentences, callbacks=[recorder])
    assert examples == words == 3 * 9 * 40
    steps = np.diff([0.0, *recorder.running])
    np.testing.assert_allclose(steps, np.array(recorder.losses) * 9 * 40, rtol=1e-9)
    assert model.get_latest_training_loss() == recorder.running[-1]
    model.train(sentences, epochs=1, callbacks=[recorder])
    assert recorder.running[-1] == pytest.approx(model.epoch_losses[-1] * 9 * 40, rel=1e-9)


def test_loss_falls_over_epochs_on_the_demo_corpus():
    recorder = Recorder()
    Word2Vec(
        demo_corpus_path(),
        vector_size=50,
        min_count=5,
        epochs=3,
        workers=2,
        seed=1,
        progress=False,
        callbacks=[recorder],
    )
    first, second, third = recorder.losses
    assert first > second > third
    assert third < 0.95 * first


def test_train_callbacks_replace_the_constructors():
    constructor, given = Recorder(), Recorder()
    model = Word2Vec(epochs=1, callbacks=[constructor], **ARGS)
    model.build_vocab(SENTENCES)
    model.train(SENTENCES, epochs=2)
    assert len(constructor.losses) == 2  # train() without callbacks= uses the constructor's
    model.train(SENTENCES, epochs=1, callbacks=[given])
    assert len(given.losses) == 1 and len(constructor.losses) == 2
    model.train(SENTENCES, epochs=1, callbacks=[])
    assert len(given.losses) == 1 and len(constructor.losses) == 2
    assert model.epochs_trained == 4


def test_partial_callbacks_and_duck_typing():
    class OnlyEnd:  # not a CallbackAny2Vec subclass: methods are looked up by name
        def __init__(self):
            self.seen = 0

        def on_epoch_end(self, model):
            self.seen += 1

    only_end = OnlyEnd()
    Word2Vec(SENTENCES, epochs=2, callbacks=[only_end, CallbackAny2Vec()], **ARGS)
    assert only_end.seen == 2


@pytest.mark.parametrize(
    ("hook", "epoch", "trained"),
    [
        ("on_train_begin", 0, 0),
        ("on_epoch_begin", 1, 1),
        ("on_epoch_end", 2, 2),
        ("on_train_end", 0, 3),
    ],
)
def test_exception_in_a_callback_stops_training_and_propagates(hook, epoch, trained):
    model = Word2Vec(epochs=3, **ARGS)
    model.build_vocab(SENTENCES)
    before = model.wv.vectors.copy()
    failing = FailAt(hook, epoch)
    with pytest.raises(Boom, match=hook):
        model.train(SENTENCES, callbacks=[failing])
    assert failing.calls == 1
    assert training_threads() == []
    assert model.epochs_trained == trained == len(model.epoch_losses)
    assert np.array_equal(before, model.wv.vectors) == (trained == 0)
    # the model is left usable: training continues from where it stopped
    model.train(SENTENCES, epochs=1)
    assert model.epochs_trained == trained + 1
    assert np.isfinite(model.wv.vectors).all()


def test_exception_from_constructor_callbacks_propagates():
    with pytest.raises(Boom):
        Word2Vec(SENTENCES, epochs=2, callbacks=[FailAt("on_epoch_end", 1)], **ARGS)
    assert training_threads() == []


def test_keyboard_interrupt_in_a_callback():
    class Interrupt(CallbackAny2Vec):
        def on_epoch_end(self, model):
            raise KeyboardInterrupt

    model = Word2Vec(epochs=3, **ARGS)
    model.build_vocab(SENTENCES)
    with pytest.raises(KeyboardInterrupt):
        model.train(SENTENCES, callbacks=[Interrupt()])
    assert model.epochs_trained == 1 and training_threads() == []


@pytest.mark.parametrize("bad", [[object()], "on_epoch_end", 5, [Recorder, 3]])
def test_bad_callbacks_are_type_errors(bad):
    with pytest.raises(TypeError, match="callback"):
        Word2Vec(callbacks=bad, **ARGS)
    model = Word2Vec(**ARGS)
    model.build_vocab(SENTENCES)
    with pytest.raises(TypeError, match="callback"):
        model.train(SENTENCES, callbacks=bad)
    assert model.epochs_trained == 0


def test_check_callbacks():
    recorder = Recorder()
    assert check_callbacks(None) == ()
    assert check_callbacks(r for r in [recorder]) == (recorder,)


def test_compute_loss_is_accepted_for_gensim_code():
    recorder = Recorder()
    model = Word2Vec(SENTENCES, epochs=1, compute_loss=True, callbacks=[recorder], **ARGS)
    model.train(SENTENCES, epochs=1, compute_loss=True)
    assert len(model.epoch_losses) == 2


def test_loaded_model_has_no_callbacks(tmp_path):
    model = Word2Vec(SENTENCES, epochs=1, callbacks=[Recorder()], **ARGS)
    model.save(tmp_path / "m.pyw2v")
    assert Word2Vec.load(tmp_path / "m.pyw2v").callbacks == ()


@pytest.mark.interop
def test_gensim_callbacks_work_unchanged():
    gensim_callbacks = pytest.importorskip("gensim.models.callbacks")

    class EpochLoss(gensim_callbacks.CallbackAny2Vec):
        def __init__(self):
            self.losses = []

        def on_epoch_end(self, model):
            self.losses.append(model.get_latest_training_loss())

    callback = EpochLoss()
    model = Word2Vec(SENTENCES, epochs=2, callbacks=[callback], **ARGS)
    # gensim's recipe: the running loss grows by each epoch's loss
    assert 0 < callback.losses[0] < callback.losses[1] == model.get_latest_training_loss()
