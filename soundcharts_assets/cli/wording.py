"""How the command line says numbers and dates, the same way in every command."""

from __future__ import annotations

from datetime import datetime


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 chart``, ``2 charts``, ``1,501 calls``; ``many`` for nouns whose plural is not ``noun + "s"``."""
    return f"{count:,} {noun if count == 1 else many or noun + 's'}"


def day(when: datetime | None, missing: str = "-") -> str:
    """An edition as users write it, ``2026-12-05``, not ``2026-12-05 00:00:00+00:00``."""
    return when.date().isoformat() if when is not None else missing
