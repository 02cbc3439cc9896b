"""The API's response cache: the store generation moves with every write evidence views read, and
the cache answers from memory only while it has not moved."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from sentinel_cli.api.cache import ResponseCache
from sentinel_cli.config import Settings
from sentinel_cli.operations import exceptions as exception_ops
from sentinel_cli.store import Store, open_store
from tests.test_evidence_support import Estate, build_estate


@pytest.fixture
def estate(settings: Settings) -> Iterator[Estate]:
    with open_store(settings) as store:
        yield build_estate(store)


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


def test_cache_builds_once_per_key_and_evicts_oldest() -> None:
    cache = ResponseCache(max_entries=2)
    calls: list[str] = []

    def build(name: str) -> bytes:
        calls.append(name)
        return name.encode()

    assert cache.get_or_build("a", lambda: build("a")) == b"a"
    assert cache.get_or_build("a", lambda: build("a")) == b"a"
    cache.get_or_build("b", lambda: build("b"))
    cache.get_or_build("c", lambda: build("c"))  # evicts "a"
    cache.get_or_build("a", lambda: build("a"))
    assert calls == ["a", "b", "c", "a"]
    assert (cache.hits, cache.misses) == (1, 4)
