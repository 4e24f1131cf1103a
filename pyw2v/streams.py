"""Inputs that can be read only once: a path that is not a regular file (a FIFO,
/dev/stdin or /dev/fd/N naming a pipe, a device) is copied once to a temporary file,
which the readers then open, seek and read again like any file. The copy costs the
stream's size in the temporary directory ($TMPDIR)."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator

_BLOCK = 1 << 20


def is_stream(path: str) -> bool:
    """Whether `path` exists and is something other than a regular file or directory."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False  # the reader names the problem
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def copy_stream(path: str, what: str) -> str:
    """Copies the stream `path` (a `what`: "corpus", "model", ...) to a new temporary
    file and returns its path; the caller removes it. A full temporary directory is an
    OSError naming it."""
    directory = tempfile.gettempdir()
    with (
        open(path, "rb") as stream,
        tempfile.NamedTemporaryFile(prefix="pyw2v-stream-", dir=directory, delete=False) as tmp,
    ):
        try:
            while block := stream.read(_BLOCK):
                tmp.write(block)
            tmp.flush()
        except OSError as exc:
            remove_quietly(tmp.name)
            if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
                raise OSError(
                    exc.errno,
                    f"{what} {path!r} is not a regular file, so it is copied to the "
                    f"temporary directory {directory!r} to be read more than once, and "
                    f"that failed: {exc.strerror} (set TMPDIR to a larger directory)",
                ) from exc
            raise
        except BaseException:
            remove_quietly(tmp.name)
            raise
    return tmp.name


@contextlib.contextmanager
def readable_twice(path: str, what: str) -> Iterator[str]:
    """`path` itself, or for a stream a temporary copy of it, removed on exit."""
    if not is_stream(path):
        yield path
        return
    copy = copy_stream(path, what)
    try:
        yield copy
    finally:
        remove_quietly(copy)


def remove_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
