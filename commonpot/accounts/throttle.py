"""Slowing down password guessing without locking out the people it protects.

Only failures count. After a number of free failures (LOGIN_LIMIT_PER_ACCOUNT, per address
LOGIN_LIMIT_PER_ADDRESS) each further attempt must wait, and the wait doubles with each
failure up to LOGIN_DELAY_MAX_SECONDS; the count is forgotten after the limit's window with
no failure. A success clears the account's count, never the address's (or an attacker could
reset it with an account of their own). The owner of a slowed account is emailed a link that
exempts their browser, so nobody can keep the true owner out.

Counts live in Redis when REDIS_URL is set, so every worker shares them. When Redis cannot
be reached the throttle keeps working on this process's own counts and logs a warning: a
degraded limit beats a sign-in page that fails for everyone.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from flask import current_app
from limits import parse

_WARN_EVERY_SECONDS = 60


@dataclass(frozen=True)
class Policy:
    free_failures: int
    window_seconds: int
    base_delay: int
    max_delay: int

    @classmethod
    def from_config(cls, limit_text: str) -> Policy:
        item = parse(limit_text)
        config = current_app.config
        return cls(item.amount, item.get_expiry(), config["LOGIN_DELAY_BASE_SECONDS"],
                   config["LOGIN_DELAY_MAX_SECONDS"])

    def wait_seconds(self, failures: int, last_failure_at: float | None, now: float) -> int:
        if failures < self.free_failures or last_failure_at is None:
            return 0
        delay = min(self.base_delay * 2 ** min(failures - self.free_failures, 30), self.max_delay)
        return max(0, math.ceil(last_failure_at + delay - now))


class MemoryCounts:
    """This process's own counts (no Redis, or Redis unreachable)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, float, float]] = {}  # key -> (count, last, expires)

    def peek(self, key: str, now: float) -> tuple[int, float | None]:
        with self._lock:
            count, last, expires = self._counts.get(key, (0, None, 0.0))
            if expires <= now:
                self._counts.pop(key, None)
                return 0, None
            return count, last

    def add(self, key: str, window: int, now: float) -> int:
        with self._lock:
            count, _last, expires = self._counts.get(key, (0, None, 0.0))
            count = count + 1 if expires > now else 1
            self._counts[key] = (count, now, now + window)
            return count

    def clear(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)


class RedisCounts:
    def __init__(self, url: str):
        import redis

        self._redis = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)

    def peek(self, key: str, now: float) -> tuple[int, float | None]:
        count, last = self._redis.hmget(key, "count", "last")
        if count is None:
            return 0, None
        return int(count), float(last) if last is not None else None

    def add(self, key: str, window: int, now: float) -> int:
        pipe = self._redis.pipeline()
        pipe.hincrby(key, "count", 1)
        pipe.hset(key, "last", repr(now))
        pipe.expire(key, window)
        return int(pipe.execute()[0])

    def clear(self, key: str) -> None:
        self._redis.delete(key)


class Counts:
    """Redis when configured and reachable, else this process's memory (with a warning)."""

    def __init__(self, redis_url: str | None, logger):
        self._memory = MemoryCounts()
        self._redis = RedisCounts(redis_url) if redis_url else None
        self._logger = logger
        self._warned_at = 0.0

    def _call(self, name: str, *args):
        if self._redis is not None:
            try:
                return getattr(self._redis, name)(*args)
            except Exception as exc:  # noqa: BLE001 - any Redis failure degrades, never 500s
                now = time.monotonic()
                if now - self._warned_at > _WARN_EVERY_SECONDS:
                    self._warned_at = now
                    self._logger.warning("Redis unreachable for sign-in limits (%s); using "
                                         "this process's own counts until it is back", exc)
        return getattr(self._memory, name)(*args)

    def peek(self, key: str, now: float):
        return self._call("peek", key, now)

    def add(self, key: str, window: int, now: float) -> int:
        return self._call("add", key, window, now)

    def clear(self, key: str) -> None:
        self._call("clear", key)


def counts() -> Counts:
    app = current_app._get_current_object()
    store = app.extensions.get("commonpot_throttle")
    if store is None:
        store = Counts(app.config.get("REDIS_URL"), app.logger)
        app.extensions["commonpot_throttle"] = store
    return store


def _now() -> float:
    clock = current_app.config.get("CLOCK")
    return clock().timestamp() if clock else time.time()


def account_key(email: str) -> str:
    return "commonpot:login:account:" + email.strip().lower()


def address_key(address: str) -> str:
    return "commonpot:login:address:" + (address or "unknown")


def wait_seconds(key: str, limit_text: str) -> int:
    """Seconds before `key` may try again (0: now)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return 0
    policy = Policy.from_config(limit_text)
    now = _now()
    failures, last = counts().peek(key, now)
    return policy.wait_seconds(failures, last, now)


def record_failure(key: str, limit_text: str) -> int:
    """Count a failure; returns the number of failures in the window so far."""
    return counts().add(key, Policy.from_config(limit_text).window_seconds, _now())


def free_failures(limit_text: str) -> int:
    return parse(limit_text).amount


def clear(key: str) -> None:
    counts().clear(key)


def describe_wait(seconds: int) -> str:
    """'30 seconds', '1 minute', '15 minutes': when to try again, in words."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
