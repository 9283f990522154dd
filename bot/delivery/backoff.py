"""How the outbox's sender waits before trying a chat again (a setting, so it has no
dependencies: the settings module reads it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """How long a chat rests after a failed attempt: ``first`` doubling up to ``most``.
    ``retry_after_cap``: a flood wait longer than this is an outage, tried again at the cap."""

    first: float = 1.0
    most: float = 60.0
    retry_after_cap: float = 60.0

    def after(self, failures: int) -> float:
        return float(min(self.most, self.first * 2 ** max(failures - 1, 0)))
