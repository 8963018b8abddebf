"""Preparing the next part of an extract in a worker thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from harmwatch.ingest.prefetch import prefetched


def _threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name.startswith("harmwatch-ingest")}


def test_items_come_in_order() -> None:
    assert list(prefetched(iter(range(1000)))) == list(range(1000))
    assert list(prefetched(iter([]))) == []
    assert not _threads()


def test_the_next_item_is_made_while_the_caller_works() -> None:
    made: list[tuple[int, str]] = []

    def items() -> Iterator[int]:
        for i in range(3):
            made.append((i, threading.current_thread().name))
            yield i

    reader = prefetched(items())
    assert next(reader) == 0
    deadline = time.monotonic() + 5
    while len(made) < 2 and time.monotonic() < deadline:  # item 1 made ahead of time
        time.sleep(0.01)
    assert [i for i, _ in made] == [0, 1]
    assert all(name.startswith("harmwatch-ingest") for _, name in made)
    assert list(reader) == [1, 2]


def test_an_error_in_the_worker_is_raised_at_its_place() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("part 3 is bad")

    got: list[int] = []
    with pytest.raises(ValueError, match="part 3 is bad"):
        for item in prefetched(items()):
            got.append(item)
    assert got == [1, 2]
    assert not _threads()


def test_a_caller_that_stops_early_stops_the_worker() -> None:
    closed = threading.Event()

    def items() -> Iterator[int]:
        try:
            yield from range(10**9)
        finally:
            closed.set()

    reader = prefetched(items(), ahead=2)
    with pytest.raises(RuntimeError, match="writing failed"):
        for item in reader:
            if item == 5:
                raise RuntimeError("writing failed")
    reader.close()
    assert closed.wait(5)
    assert not _threads()
