"""A per-client sliding-window rate limit for public endpoints.

Kept in the process's memory: right for the embedded default and for one web process; several
web processes behind a balancer each count their own share (a shared store such as Redis
would make the limit global — not needed yet; docs/trace.md says so).
"""

from __future__ import annotations

import threading
import time
from collections import deque

from yaojian.kit.errors import DomainError


class TooManyRequests(DomainError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            detail=f"too many requests; try again in {retry_after} s",
            status=429,
            title="Too many requests",
            type_slug="too-many-requests",
        )
        self.retry_after = retry_after


class RateLimiter:
    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Count one request of ``key``; raise TooManyRequests past the limit."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                raise TooManyRequests(max(1, int(hits[0] + self.window - now) + 1))
            hits.append(now)
            if len(self._hits) > 100_000:  # forget idle clients rather than grow without bound
                for idle in [k for k, v in self._hits.items() if not v]:
                    del self._hits[idle]
