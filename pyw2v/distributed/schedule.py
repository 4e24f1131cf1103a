"""Which rows a round reconciles.

Rows are word ranks (the vocabulary is sorted by descending count), so the frequent
words come first. "all": every changed row after every round. "doubling" (Intel
pWord2Vec's scheme; the default): the first `top` rows after every round, the first
2 top every second round, 4 top every fourth, and so on; every row after the last
round of an epoch. Either way the rows due form a prefix of the matrix; only the rows a replica
changed since they were last reconciled are sent.
"""

from __future__ import annotations

SCHEDULES = ("all", "doubling")
DEFAULT_TOP = 4096


def check_schedule(schedule: str, top: int) -> None:
    if schedule not in SCHEDULES:
        raise ValueError(f"sync_schedule must be one of {', '.join(SCHEDULES)}, got {schedule!r}")
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ValueError(f"sync_top must be an integer >= 1, got {top!r}")


def rows_due(
    schedule: str, round_index: int, n_rounds: int, n_rows: int, top: int = DEFAULT_TOP
) -> int:
    """How many leading rows are reconciled after round `round_index` (0-based) of an
    epoch of n_rounds rounds."""
    if schedule == "all" or round_index >= n_rounds - 1:
        return n_rows
    count = round_index + 1
    level = (count & -count).bit_length() - 1  # trailing zero bits of count
    return min(n_rows, top << level)
