"""The cache backend: Django's Redis cache that keeps serving when Redis is down.

Everything the platform keeps in the cache can be recomputed or done without for a while: cached
reads (the public region counts) fall back to the database, sessions are written through to the
database (``cached_db``), rate limits and the login guard's counters are skipped with a warning
(``core.ratelimit``, ``accounts.login_guard``). So a Redis outage is a miss, not a 500: reads answer
``default``, writes answer ``False``; ``incr`` still raises (its callers decide), as do calls made
straight to the client. Each failure is logged as a warning (the key's name only, never a value).
Short socket timeouts (``OPTIONS`` in settings) keep a request from hanging on an unreachable host.

Django's Redis client makes a new ``redis.Redis`` object for every cache call, and redis-py fills ~170
response callbacks into each (~0.15 ms, a session read's half): ``ReusedClients`` makes one per
connection pool and keeps it (a ``redis.Redis`` is safe to share between threads; the pool checks its
process id after a fork).
"""

from __future__ import annotations

import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


def _warn(operation: str) -> None:
    log.warning("cache %s skipped: Redis is unavailable", operation)


class ReusedClients(RedisCacheClient):
    """Django's Redis cache client with one ``redis.Redis`` per connection pool, made on first use."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClients

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except DOWN:
            _warn("get")
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except DOWN:
            _warn("get_many")
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except DOWN:
            _warn("has_key")
            return False

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except DOWN:
            _warn("add")
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set(key, value, timeout, version)
        except DOWN:
            _warn("set")
            return False

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except DOWN:
            _warn("set_many")
            return list(data)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except DOWN:
            _warn("touch")
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except DOWN:
            _warn("delete")
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except DOWN:
            _warn("delete_many")
            return None
