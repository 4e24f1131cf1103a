"""Ctrl-C at a moment of pyw2v's choosing.

Python raises KeyboardInterrupt between any two bytecodes of the main thread, also
inside threading's own locks and conditions (CPython 3.11 can leave them released twice
or held forever) and between a resource's creation and the `try` that cleans it up.
Where that would lose a lock, a file or a worker, pyw2v defers the interrupt: within
`deferred_interrupts()` a Ctrl-C is recorded (and may ask running work to stop), and
KeyboardInterrupt is raised when the block ends, once everything is consistent.
"""

from __future__ import annotations

import _signal
import signal
import threading
from collections.abc import Callable
from types import TracebackType


class deferred_interrupts:  # noqa: N801 (used as a context manager, like contextlib's)
    """Within the block, SIGINT does not raise: it calls `on_interrupt` (which must be
    safe to run at any moment: set a flag, ask C workers to stop) and is remembered; the
    block's end raises KeyboardInterrupt in its place, whatever else the block raised.

    Only the main thread, and only while SIGINT has Python's default handler: a program's
    own handler, an ignored SIGINT and other threads (where Python raises no
    KeyboardInterrupt) are left alone, and so is an outer block: a Ctrl-C within an
    inner block is raised at the end of the outermost one."""

    def __init__(self, on_interrupt: Callable[[], object] | None = None) -> None:
        self.on_interrupt = on_interrupt
        self.pressed = False
        self._previous: object = None

    def _handler(self, signum: int, frame: object) -> None:
        self.pressed = True
        if self.on_interrupt is not None:
            self.on_interrupt()

    def __enter__(self) -> deferred_interrupts:
        if threading.current_thread() is threading.main_thread():
            # _signal's C functions, not signal's Python wrappers: a Ctrl-C is handled
            # after a call returns, so it finds either the old handler or this one,
            # never a block half entered
            previous = _signal.signal(signal.SIGINT, self._handler)
            if previous is signal.default_int_handler:
                self._previous = previous
            else:  # not Python's default: not ours to defer
                _signal.signal(signal.SIGINT, previous)
                if self.pressed and callable(previous):  # it came in between: pass it on
                    self.pressed = False
                    previous(signal.SIGINT, None)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._previous is not None:
            _signal.signal(signal.SIGINT, self._previous)
            self._previous = None
        if self.pressed:
            self.pressed = False
            raise KeyboardInterrupt from exc


def interrupt_behind(exc: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C behind an exception raised while it was being handled, such as the
    RuntimeError that CPython 3.11 raises when the signal lands inside Thread.start()'s
    condition wait (the wait's lock is released, the KeyboardInterrupt escapes, and the
    `with` block's exit then fails on the released lock: "release unlocked lock"). The
    caller must see the KeyboardInterrupt, not that; None if no Ctrl-C is behind `exc`."""
    if isinstance(exc, KeyboardInterrupt):
        return None
    context = exc.__context__
    return context if isinstance(context, KeyboardInterrupt) else None


def raise_interrupt_behind(exc: BaseException) -> None:
    """Raises the Ctrl-C behind `exc` (see interrupt_behind) in its place, if there is
    one; returns otherwise, for the caller to handle or re-raise `exc`."""
    interrupt = interrupt_behind(exc)
    if interrupt is not None:
        raise interrupt from None
