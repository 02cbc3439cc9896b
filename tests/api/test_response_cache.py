"""The API's response cache: the store generation moves with every write evidence views read, and
the cache answers from memory only while it has not moved."""

from __future__ import annotations

from datetime import UTC, datetime

from sentinel_cli.api.cache import ResponseCache
from sentinel_cli.operations import exceptions as exception_ops
from sentinel_cli.store import Store
from tests.helpers.estate import Estate


def test_generation_moves_with_each_write_views_read(estate: Estate) -> None:
    store: Store = estate.store
    before = store.queries.generation()
    assert store.queries.generation() == before  # reading does not move it

    exc = exception_ops.add_exception(
        store,
        check_id="aws_iam_root_mfa",
        resource=None,
        reason="hardware token on order",
        owner="ciso@example.com",
        expires="2099-01-01",
    )
    after_add = store.queries.generation()
    assert after_add != before
    exception_ops.remove_exception(store, exc["exception"]["id"])
    assert store.queries.generation() != after_add

    last = store.queries.generation()
    estate.collect("prod-0", "prod", [], at=datetime.now(UTC))
    assert store.queries.generation() != last


def test_cache_serves_what_was_put_and_evicts_the_oldest() -> None:
    cache = ResponseCache(max_entries=2)
    assert cache.get("a") is None
    cache.put("a", b"a")
    cache.put("b", b"b")
    assert cache.get("a") == b"a"  # "a" is now the most recent
    cache.put("c", b"c")  # evicts "b", the least recently used
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c")) == (b"a", b"c")
    assert (cache.hits, cache.misses) == (3, 2)
