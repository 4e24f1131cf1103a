"""Where a save goes, and how: every writer of pyw2v (native models, word2vec text and
binary files, vocabulary files, the command line's outputs) writes through
`atomic_write`, which first resolves what the destination is:

- a regular file, or nothing yet: the data goes to a temporary file in the same
  directory (a short hidden name, so that any legal file name can be saved to), is
  flushed and fsynced, and is renamed over the destination; an existing file's
  permission bits (and, when allowed, its owner) are kept. A file with no write
  permission at all is refused, as `cp` refuses it without -f (also for root).
  A file with other hard links is replaced too: its other names keep the old
  contents (an atomic replace makes a new file; rewriting in place would change a
  hard-linked backup and lose the old file on a failed write).
- a symbolic link: followed (also a chain of them, or a dangling one); the file it
  points to is replaced atomically and the link stays.
- a character device, a FIFO or a socket (/dev/null, a named pipe, /dev/stdout, an
  open descriptor under /dev/fd): written through, with no temporary and no rename.
- a directory: IsADirectoryError.

On any exception, and on SIGTERM or SIGHUP (in the main thread, when the process has
not set its own handler for them), the temporary file is removed; the signal then
takes its usual course. Errors name the destination, not the temporary file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import signal
import stat
import threading
from collections.abc import Iterator
from typing import IO, Union

from pyw2v.interrupts import deferred_interrupts, raise_interrupt_behind

PathLike = Union[str, "os.PathLike[str]"]

# a descriptor's directory: a path below it names an open file, not a place on disk
_FD_DIRS = re.compile(r"/proc/(self|thread-self|\d+)(/task/\d+)?/fd")
_MAX_LINKS = 40  # as Linux's ELOOP limit
# signals a process is normally stopped with; SIGINT already raises KeyboardInterrupt
_STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class Destination:
    """What a save to `path` writes: `target` (the path after following symbolic links)
    and whether it is written through (a device, a FIFO, an open descriptor) or
    replaced atomically. `mode` is the permission bits of an existing regular file."""

    def __init__(self, path: PathLike) -> None:
        self.path = os.fspath(path)
        self.target, through_fd = _follow_links(self.path)
        try:
            st = os.stat(self.target)
        except FileNotFoundError:
            st = None
        self.stat = st
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(
                errno.EISDIR, f"cannot save to {self.path!r}: it is a directory", self.path
            )
        self.through = through_fd or (st is not None and not stat.S_ISREG(st.st_mode))
        self.mode = None if st is None or self.through else stat.S_IMODE(st.st_mode)

    def check(self) -> None:
        """Raises the error a save would meet before writing anything: a missing or
        unwritable directory, a read-only file."""
        if self.through:
            if self.stat is not None and not os.access(self.target, os.W_OK):
                raise PermissionError(
                    errno.EACCES, f"cannot save to {self.path!r}: not writable", self.path
                )
            return
        directory = os.path.dirname(os.path.abspath(self.target))
        if not os.path.isdir(directory):
            raise FileNotFoundError(
                errno.ENOENT,
                f"cannot save to {self.path!r}: directory {directory!r} does not exist",
                self.path,
            )
        if self.mode is not None and not self.mode & 0o222:
            raise PermissionError(
                errno.EACCES,
                f"cannot save to {self.path!r}: the file is read-only "
                "(make it writable or remove it first)",
                self.path,
            )
        if not os.access(directory, os.W_OK):
            raise PermissionError(
                errno.EACCES,
                f"cannot save to {self.path!r}: directory {directory!r} is not writable",
                self.path,
            )


def _follow_links(path: str) -> tuple[str, bool]:
    """`path` with its symbolic links followed (the last component included), and
    whether it names an open descriptor (/dev/stdout, /dev/fd/N, /proc/self/fd/N), which
    must be written through: following such a link would give the name of the file the
    descriptor had opened, and replacing that file would not reach the descriptor."""
    current = os.path.abspath(path)
    for _ in range(_MAX_LINKS):
        parent = os.path.realpath(os.path.dirname(current))
        current = os.path.join(parent, os.path.basename(current))
        if _FD_DIRS.fullmatch(parent):
            return current, True
        if not os.path.islink(current):
            return current, False
        current = os.path.join(parent, os.readlink(current))
    raise OSError(errno.ELOOP, f"cannot save to {path!r}: too many levels of symbolic links", path)


def check_destination(path: PathLike) -> Destination:
    """The destination of a save to `path`, checked (see Destination.check)."""
    destination = Destination(path)
    destination.check()
    return destination


@contextlib.contextmanager
def atomic_write(path: PathLike) -> Iterator[IO[bytes]]:
    """A binary file object whose contents replace `path` only once they are completely
    written (or that writes through to a device, FIFO or descriptor: see the module)."""
    destination = check_destination(path)
    try:
        if destination.through:
            with open(destination.target, "wb") as f:
                yield f
                f.flush()
            return
        with _removed_on_stop_signals(), _temporary(destination) as (f, tmp):
            yield f
            f.flush()
            os.fsync(f.fileno())
            os.replace(tmp, destination.target)
    except BaseException as exc:
        # e.g. zipfile's "can't close the ZIP file while there is an open writing
        # handle", raised while a Ctrl-C unwound the writer: the Ctrl-C is what happened
        raise_interrupt_behind(exc)
        named = _naming(exc, destination.path) if isinstance(exc, OSError) else exc
        if named is exc:
            raise
        raise named from exc


@contextlib.contextmanager
def _temporary(destination: Destination) -> Iterator[tuple[IO[bytes], str]]:
    """A new file beside the target, with the target's permission bits (or the umask's),
    removed unless it was renamed away."""
    directory = os.path.dirname(destination.target)
    # os.open with mode 0o666 lets the umask decide the permissions, as open() does
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd, tmp, f = -1, "", None
    try:
        # the file, its descriptor and its file object come to exist with Ctrl-C
        # deferred, so that the `finally` knows exactly what to close and remove
        with deferred_interrupts():
            while fd < 0:
                # short, whatever the destination's name: a legal name of 255 bytes saves
                tmp = os.path.join(directory, f".pyw2v-{secrets.token_hex(6)}.tmp")
                with contextlib.suppress(FileExistsError):
                    fd = os.open(tmp, flags, 0o666)
            if destination.stat is not None and destination.mode is not None:
                os.fchmod(fd, destination.mode)
                owner = (destination.stat.st_uid, destination.stat.st_gid)
                if owner != (os.geteuid(), os.getegid()):
                    with contextlib.suppress(OSError):  # only root may give a file away
                        os.fchown(fd, *owner)
            f, fd = os.fdopen(fd, "wb"), -1
        yield f, tmp
    finally:
        with deferred_interrupts():
            if f is not None:
                with contextlib.suppress(OSError):  # flushed and synced if it was renamed
                    f.close()
            if fd >= 0:
                os.close(fd)
            if tmp:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)  # gone already after a successful rename


class _StopSignal(BaseException):
    """A stop signal arrived while a temporary file existed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _removed_on_stop_signals() -> Iterator[None]:
    """Within the block, a SIGTERM or SIGHUP whose disposition is the default (death)
    raises _StopSignal in the main thread instead, so that the temporary file is
    removed on the way out (by _temporary); the signal is then delivered again with
    its default disposition. Signals the process ignores or handles itself are
    left alone, as are saves from other threads (Python runs handlers in the main
    thread only)."""
    installed: dict[int, object] = {}
    if threading.current_thread() is threading.main_thread():

        def handler(signum: int, frame: object) -> None:
            raise _StopSignal(signum)

        for signum in _STOP_SIGNALS:
            if signal.getsignal(signum) == signal.SIG_DFL:
                installed[signum] = signal.signal(signum, handler)
    try:
        yield
    except _StopSignal as stop:
        _restore(installed)
        installed = {}
        signal.raise_signal(stop.signum)  # the default: the process ends here
        raise  # only reached if the signal did not end the process
    finally:
        _restore(installed)


def _restore(installed: dict[int, object]) -> None:
    for signum, previous in installed.items():
        signal.signal(signum, previous)  # type: ignore[arg-type]


def _naming(exc: OSError, path: str) -> OSError:
    """`exc` as an error about the destination `path` (not the temporary file)."""
    if exc.errno is None or path in str(exc):
        return exc
    return OSError(exc.errno, f"cannot save to {path!r}: {exc.strerror}", path)
