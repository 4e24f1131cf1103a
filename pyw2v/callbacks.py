"""Training callbacks, shaped like gensim's ``CallbackAny2Vec``.

A callback is any object with some of the methods below; each is called with the
model, in the thread that called ``train()``, while no training thread is running:

- ``on_train_begin(model)`` before the first epoch of a ``train()`` call,
- ``on_epoch_begin(model)`` before each epoch,
- ``on_epoch_end(model)`` after each epoch, once ``model.epoch_losses[-1]`` holds that
  epoch's mean loss (NaN with ``compute_loss=False``), ``model.get_latest_training_loss()``
  the loss summed over the
  epochs of this ``train()`` call so far (gensim's running loss), and
  ``model.epochs_trained`` counts it,
- ``on_train_end(model)`` after the last epoch of a ``train()`` call that completed.

An exception raised by a callback stops training and propagates to the caller of
``train()``; the epochs finished so far stay in the model. Because methods are looked
up by name, callbacks written for gensim (subclasses of its ``CallbackAny2Vec``) work
unchanged; its batch hooks are never called.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

HOOKS = ("on_train_begin", "on_epoch_begin", "on_epoch_end", "on_train_end")


class CallbackAny2Vec:
    """Base class for training callbacks: override the hooks you need."""

    def on_train_begin(self, model: Any) -> None:
        """Called before the first epoch of a train() call."""

    def on_epoch_begin(self, model: Any) -> None:
        """Called before each epoch."""

    def on_epoch_end(self, model: Any) -> None:
        """Called after each epoch; model.epoch_losses[-1] is its mean loss (NaN when the
        model does not compute it)."""

    def on_train_end(self, model: Any) -> None:
        """Called after the last epoch of a train() call that completed."""


def check_callbacks(callbacks: Iterable[Any] | None) -> tuple[Any, ...]:
    """The callbacks as a tuple; TypeError if one has none of the hooks."""
    if callbacks is None:
        return ()
    if isinstance(callbacks, (str, bytes)) or not isinstance(callbacks, Iterable):
        raise TypeError(f"callbacks must be a list of callback objects, got {callbacks!r}")
    found = tuple(callbacks)
    for callback in found:
        if not any(callable(getattr(callback, hook, None)) for hook in HOOKS):
            raise TypeError(
                f"{callback!r} is not a training callback: it has none of the methods "
                + ", ".join(HOOKS)
            )
    return found


def notify(callbacks: tuple[Any, ...], hook: str, model: Any) -> None:
    """Calls `hook(model)` on every callback that has it, in order."""
    for callback in callbacks:
        method = getattr(callback, hook, None)
        if method is not None:
            method(model)
