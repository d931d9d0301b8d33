"""Per-API-key rate limiting: an in-memory token bucket per key name, checked after auth.

Why in memory: the service is one process per deployment; a shared store (Redis) would be
infrastructure the product does not need. Each key may burst up to `per_minute` requests and
refills at `per_minute / 60` tokens a second; a refused request gets 429 with `Retry-After`
(whole seconds until one token is back). `per_minute = 0` disables the limit.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Thread-safe token buckets keyed by API key name."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.capacity > 0

    def acquire(self, key_name: str) -> int:
        """Take one token for `key_name`: 0 when allowed, else seconds to wait (>= 1)."""
        if not self.enabled:
            return 0
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key_name)
            if bucket is None:
                bucket = self._buckets[key_name] = _Bucket(self.capacity, now)
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0
            return max(1, math.ceil((1.0 - bucket.tokens) / self.rate))
