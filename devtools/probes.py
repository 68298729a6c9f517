"""Probes that the tests and the bench share (never packaged): requests released at once
from real threads, and an argon2 hasher that counts the passwords it checks."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def at_once(work: Callable[[int], Any], threads: int) -> list[Any]:
    """``work(i)`` for i < ``threads``, in threads released together by a barrier; each
    call's result, or the exception it raised (for the caller to report)."""
    barrier = threading.Barrier(threads)
    results: list[Any] = [None] * threads

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as e:
            results[i] = e

    started = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()
    return results


class CountingHasher:
    """The stage's argon2 hasher, counting (under a lock) the passwords it checks and hashes."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.verified, self.hashed, self._lock = inner, 0, 0, threading.Lock()

    def verify(self, stored: str, password: str) -> bool:
        with self._lock:
            self.verified += 1
        return bool(self.inner.verify(stored, password))

    def hash(self, password: str) -> str:
        with self._lock:
            self.hashed += 1
        return str(self.inner.hash(password))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
