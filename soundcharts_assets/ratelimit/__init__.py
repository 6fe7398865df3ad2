"""Client-side rate limiting: one :class:`RateLimiter` protocol and its two backends, side by side.

Pacing requests locally is cheaper than bouncing off the API's 429s (each costs a round trip and stalls the
thread that got it). The client only ever calls ``acquire()``, so any object with that method will do:

- :mod:`.memory`: ``TokenBucketLimiter`` for one process (the client's default), ``UnlimitedLimiter`` for
  tests and callers that pace themselves;
- :mod:`.database`: ``DatabaseRateLimiter``, one bucket in the warehouse database shared by every process
  (Dagster runs each step in its own process).

Why a package of its own rather than a module of the client: the database backend needs the warehouse's
engine, schema and upserts, and the client must not import the warehouse (nor the warehouse httpx). Here
the client imports only this module and :mod:`.memory`, which import nothing but the standard library;
only :mod:`.database` imports the warehouse, and only Dagster resources and tests import it.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["RateLimiter"]


@runtime_checkable
class RateLimiter(Protocol):
    """Blocks until one more request may be sent."""

    def acquire(self) -> None: ...
