"""Guards around Word2Vec.train: one train() at a time per model, and callbacks that
must not replace the arrays being trained.

- Two threads calling train() on the same model would run two sets of workers on the
  same weights and interleave their epoch counts and losses: the second call raises
  RuntimeError at once (so does a train() called from one of the model's callbacks).
  Different models train concurrently without restriction.
- The trainer holds wv.vectors, the output matrices and the vocabulary it was built
  with. A callback that replaces one of them (a copy, a new KeyedVectors, a rebuilt
  vocabulary) would leave the epochs left training the old arrays while the model
  shows the new ones: before each epoch this is checked, and a RuntimeError says what
  was replaced. Changing the arrays in place (model.wv.vectors[:] = ...) is fine.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from pyw2v.interrupts import deferred_interrupts

F = TypeVar("F", bound=Callable[..., Any])

_locks: weakref.WeakKeyDictionary[Any, threading.Lock] = weakref.WeakKeyDictionary()
_locks_guard = threading.Lock()


def one_at_a_time(train: F) -> F:
    """Decorates Word2Vec.train: RuntimeError if the model is already training."""

    @functools.wraps(train)
    def guarded(model: Any, *args: Any, **kwargs: Any) -> Any:
        # A Ctrl-C between taking the lock and the `try` that releases it would leave
        # the model unable to train ever again: it is deferred until `acquired` is true
        # to what happened, and then raised inside the `try`.
        acquired = False
        try:
            with deferred_interrupts():
                with _locks_guard:
                    lock = _locks.setdefault(model, threading.Lock())
                acquired = lock.acquire(blocking=False)
            if not acquired:
                raise RuntimeError(
                    "this model is already training (train() was called from another "
                    "thread, or from one of its callbacks): one train() at a time per model"
                )
            return train(model, *args, **kwargs)
        finally:
            if acquired:
                lock.release()

    return guarded  # type: ignore[return-value]


def held_arrays(model: Any) -> dict[str, Any]:
    """What the trainer is about to hold: the weight matrices and the vocabulary."""
    held = {"wv.vectors": model.wv.vectors, "vocab": model.vocab}
    held.update(model._outputs())
    return held


def check_unchanged(model: Any, held: dict[str, Any]) -> None:
    """RuntimeError if a callback replaced what the trainer holds (see the module)."""
    now = held_arrays(model) if all(hasattr(model, n) for n in model._output_names()) else {}
    replaced = [name for name, value in held.items() if now.get(name) is not value]
    if replaced:
        raise RuntimeError(
            f"a callback replaced {', '.join(replaced)} during training: the epochs left "
            "would train the arrays the trainer holds, not the model's. Change the arrays "
            "in place (e.g. model.wv.vectors[:] = ...), or replace them between train() calls"
        )
