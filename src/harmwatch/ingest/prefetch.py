"""Preparing the next part of an extract while the current one is written.

A load alternates between work that runs in Polars, pyarrow and pyproj
(validation, hashing, placing in small areas: native code that releases
Python's global interpreter lock) and work in the database driver (binding
rows and writing pages). :func:`prefetched` runs the first kind one part
ahead in a worker thread, so on a machine with two cores both go at once.
The order of the parts, and so the result of the load, is unchanged; the
database connection is only ever used by the caller's thread.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

__all__ = ["prefetched"]

T = TypeVar("T")

#: How often (seconds) a blocked worker checks whether the reader has gone.
_POLL = 0.1


class _Done:
    """The end of the items (or the error that ended them)."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


def prefetched(items: Iterator[T], *, ahead: int = 1) -> Iterator[T]:
    """Yield ``items`` in order, producing up to ``ahead`` of them in a worker thread.

    An exception raised while producing an item is raised here, at that
    item's place. When the caller stops early (an error while writing, or a
    ``break``), the worker is told to stop and is waited for before this
    generator closes, so no work outlives the load.

    Parameters
    ----------
    items : iterator
        Produced in the worker thread; it must not use the caller's database
        connection.
    ahead : int
        Items held ready at most (each is a part of the extract, so memory
        grows by ``ahead`` parts).
    """
    ready: queue.Queue[object] = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not offer(item):
                    return
        except BaseException as exc:  # handed to the reader, raised there
            offer(_Done(exc))
        else:
            offer(_Done())
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=work, name="harmwatch-ingest-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = ready.get()
            if isinstance(item, _Done):
                if item.error is not None:
                    raise item.error
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while worker.is_alive():
            # Make room, so a worker blocked on a full queue sees the stop.
            with contextlib.suppress(queue.Empty):
                ready.get(timeout=_POLL)
        worker.join()
