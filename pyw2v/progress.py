"""Progress reports for long training runs: words/s, percent, ETA, alpha, loss."""

from __future__ import annotations

import os
import sys
import time
from typing import IO

BAR_WIDTH = 20


class ProgressReporter:
    """Writes a status line to `stream`: on a terminal, a bar redrawn in place twice a
    second; otherwise (a log file, a pipe) a plain line every `log_every` seconds and
    at the end of each epoch. Silent when `enabled` is False."""

    def __init__(
        self,
        total_words: int,
        enabled: bool = True,
        stream: IO[str] | None = None,
        log_every: float = 5.0,
    ) -> None:
        self.total_words = max(total_words, 1)
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and self.stream is not None  # pythonw: no stderr at all
        self.interactive = bool(getattr(self.stream, "isatty", lambda: False)())
        self.log_every = log_every if not self.interactive else 0.5
        self.start = time.perf_counter()
        self.last = self.start
        self.drawn = 0  # length of the line on screen

    def update(
        self,
        words_done: int,
        epoch: int,
        epochs: int,
        alpha: float,
        loss: float | None,
        force: bool = False,
    ) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if not force and now - self.last < self.log_every:
            return
        self.last = now
        elapsed = max(now - self.start, 1e-9)
        rate = words_done / elapsed
        frac = min(words_done / self.total_words, 1.0)
        eta = (self.total_words - words_done) / rate if rate > 0 else float("inf")
        loss_text = f"{loss:.4f}" if loss is not None else "-"
        line = (
            f"epoch {epoch + 1}/{epochs}  {100 * frac:5.1f}%  {_rate(rate)} words/s  "
            f"ETA {_seconds(eta)}  alpha {alpha:.5f}  loss {loss_text}"
        )
        if self.interactive:
            filled = int(BAR_WIDTH * frac)
            bar = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] "
            width = _columns(self.stream) - 1
            if len(bar) + len(line) <= width:
                line = bar + line
            line = line[:width]
            self._write("\r" + line + " " * max(self.drawn - len(line), 0))
            self.drawn = len(line)
        else:
            self._write(line + "\n")

    def close(self) -> None:
        if self.enabled and self.drawn:
            self._write("\n")

    def _write(self, text: str) -> None:
        """Best-effort: a line that cannot be written (stderr closed, a broken pipe, an
        I/O error) turns progress off; it never stops training."""
        if not write_quietly(self.stream, text):
            self.enabled = False


def write_quietly(stream: IO[str] | None, text: str) -> bool:
    """Writes and flushes `text`; False (and nothing raised) if the stream is gone,
    closed or failing."""
    if stream is None:
        return False
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError):  # ValueError: a closed file
        return False
    return True


def _columns(stream: IO[str]) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return 80


def _rate(words_per_second: float) -> str:
    if words_per_second >= 1e6:
        return f"{words_per_second / 1e6:6.2f}M"
    return f"{words_per_second / 1e3:6.1f}k"


def _seconds(value: float) -> str:
    if value == float("inf"):
        return "?"
    minutes, seconds = divmod(int(value + 0.5), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
