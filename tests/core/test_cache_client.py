"""``core.cache``: one ``redis.Redis`` per connection pool, kept, instead of one per cache call."""

from __future__ import annotations

import threading

from django.core.cache import cache


def test_cache_calls_share_one_client_and_still_read_what_they_wrote():
    client = cache._cache.get_client("k")
    assert cache._cache.get_client("other", write=True) is client
    cache.set("core-cache-client", {"n": 1}, 30)
    assert cache.get("core-cache-client") == {"n": 1}
    assert cache._cache.get_client("k") is client
    cache.delete("core-cache-client")
    assert cache.get("core-cache-client") is None


def test_threads_share_the_client_safely():
    errors = []

    def work(i):
        try:
            for j in range(50):
                cache.set(f"core-cache-thread-{i}", j, 30)
                assert cache.get(f"core-cache-thread-{i}") == j
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    cache.delete_many([f"core-cache-thread-{i}" for i in range(8)])
