"""``store.errors`` on real failures of both databases: a write lock held by another connection is
busy (also behind the domain error raised from it), a missing table is a database failure but not
busy, and a broken constraint is neither, so the API's 503 and the rate limiter's fail-open stay as
narrow as they were when the API caught ``sqlite3.OperationalError`` itself."""

from __future__ import annotations

import pytest

from sentinel_cli.config import Settings
from sentinel_cli.errors import StoreUnavailable
from sentinel_cli.store import Store, open_store
from sentinel_cli.store.errors import is_busy, is_database_failure

pytestmark = pytest.mark.both_databases


def _raised(action: object) -> BaseException:
    assert callable(action)
    with pytest.raises(Exception) as caught:
        action()
    return caught.value


def test_a_write_lock_held_elsewhere_is_busy_directly_and_as_a_cause(settings: Settings) -> None:
    def write(store: Store) -> None:
        with store.transaction():
            store.kv.set("k", "v")

    with open_store(settings) as store, open_store(settings) as holder:
        with holder.transaction():
            holder.kv.set("held", True)
            store.set_lock_timeout(50)
            locked = _raised(lambda: write(store))
        write(store)  # the lock released, the same write goes through
        assert store.kv.get("k") == "v"
    assert is_busy(locked) and is_database_failure(locked)

    def wrapped() -> None:
        try:
            raise locked
        except Exception as exc:
            raise StoreUnavailable("the store is locked") from exc

    domain = _raised(wrapped)
    assert is_busy(domain)
    assert not is_database_failure(domain), "only the failure itself, not what it caused"


def test_other_failures_are_not_busy(settings: Settings) -> None:
    with open_store(settings) as store:
        missing = _raised(lambda: store.conn.execute("SELECT * FROM no_such_table"))
        store.conn.execute(
            "INSERT INTO kv_settings (key, value, updated_at) VALUES ('k', 'v', 'now')"
        )
        duplicate = _raised(
            lambda: store.conn.execute(
                "INSERT INTO kv_settings (key, value, updated_at) VALUES ('k', 'w', 'now')"
            )
        )
    assert is_database_failure(missing) and not is_busy(missing)
    assert not is_database_failure(duplicate) and not is_busy(duplicate)
    assert not is_busy(ValueError("database is locked"))  # the words alone are not the store's
