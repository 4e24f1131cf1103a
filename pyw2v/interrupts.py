"""Ctrl-C seen through the exceptions that CPython wraps it in."""

from __future__ import annotations


def interrupt_behind(exc: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C behind a RuntimeError that CPython 3.11 raises when the signal lands
    inside Thread.start()'s condition wait: the wait's lock is released, the
    KeyboardInterrupt escapes, and the `with` block's exit then fails on the released lock
    ("release unlocked lock"). A thread pool's submit() starts threads and fails alike.
    The caller must see the KeyboardInterrupt, not that; None for any other exception."""
    if not isinstance(exc, RuntimeError):
        return None
    context = exc.__context__
    return context if isinstance(context, KeyboardInterrupt) else None
