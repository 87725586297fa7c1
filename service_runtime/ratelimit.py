"""A sliding-window limit per client, in process: enough to blunt a flood from one address.

Each instance counts on its own, so N instances allow up to N times the limit; a shared limit
belongs in front of them (the gateway). Clients are keyed by the peer address, never by a
header the client could forge: uvicorn replaces the peer with X-Forwarded-For only when the
peer is one of TRUSTED_PROXIES (service_runtime/serve.py).
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable

from fastapi import Request

from service_runtime.problems import Problem

WINDOW_SECONDS = 60.0
MAX_CLIENTS = 50_000  # memory stays bounded; the least recently seen client is forgotten


class RateLimit:
    def __init__(
        self, per_minute: int, clock: Callable[[], float] = time.monotonic, name: str = "requests"
    ) -> None:
        self.per_minute = per_minute
        self.name = name
        self._clock = clock
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()

    def check(self, client: str) -> None:
        """Count one request; 429 with Retry-After when the client is over the limit."""
        now = self._clock()
        times = self._seen.pop(client, None) or deque()
        while times and now - times[0] >= WINDOW_SECONDS:
            times.popleft()
        self._seen[client] = times
        if len(self._seen) > MAX_CLIENTS:
            self._seen.popitem(last=False)
        if len(times) >= self.per_minute:
            retry = max(1, int(WINDOW_SECONDS - (now - times[0])) + 1)
            raise Problem(
                429,
                "rate_limited",
                limited=self.name,
                limit_per_minute=self.per_minute,
                retry_after=retry,
            )
        times.append(now)

    def __call__(self, request: Request) -> None:
        """As a FastAPI dependency."""
        self.check(request.client.host if request.client else "unknown")
