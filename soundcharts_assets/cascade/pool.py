"""A bounded thread pool for one step's requests: the client bounds what is in flight, the pool feeds it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")


def run_concurrently(work: Iterable[T], handle: Callable[[T], None], workers: int) -> None:
    """Run ``handle`` over ``work`` on a bounded thread pool; the first exception stops the rest and is raised.

    The client bounds requests in flight and the rate; the pool only has to keep that many requests busy.
    Pending items are cancelled on the first error (e.g. quota exhausted) so no more calls are spent.
    """
    items = list(work)
    if not items:
        return
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(items)))) as pool:
        futures = [pool.submit(handle, item) for item in items]
        _, pending = wait(futures, return_when=FIRST_EXCEPTION)
        for future in pending:
            future.cancel()
        for future in futures:
            if future.done() and not future.cancelled():
                error = future.exception()
                if error is not None:
                    raise error
