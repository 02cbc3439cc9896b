"""The Redis server of a test run, and a database and a user of its own in it for each test.

``.ci/with-services`` starts a throwaway redis-server for the run (or leaves one that
SENTINEL_TEST_REDIS already names) with 1024 databases, and passes its URL in
SENTINEL_TEST_REDIS. Huey's key names are fixed by the queue's name ("sentinel"), so two tests
sharing a database would take each other's tasks; each test therefore gets a database number of
its own, handed out by a counter kept in the server itself (INCR is atomic, so the processes of
``pytest -n`` never draw the same number), and emptied before and after the test. Database 0
holds only the counter. The code under test connects with a plain
``redis://USER:PASSWORD@HOST:PORT/N`` URL, exactly as a user's SENTINEL_QUEUE would, and learns
nothing about the isolation; the user exists for that test only (a Redis ACL user), so every test
also signs in with a password that must never show in what Sentinel prints or logs.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

ENV_VAR = "SENTINEL_TEST_REDIS"
COUNTER_KEY = "sentinel-tests:next-database"


def redis_server_url() -> str:
    """The run's server URL (no database number). Missing, it is a failure and not a skip: the
    Redis queue's tests would otherwise vanish from a run that still passes."""
    url = os.environ.get(ENV_VAR, "")
    if not url:
        pytest.fail(
            f"{ENV_VAR} is not set: run the tests through .ci/with-services "
            f"(e.g. `.ci/with-services pytest -n auto`), which starts a throwaway redis-server, "
            f"or set {ENV_VAR} to the redis:// URL of a server whose databases the tests may empty",
            pytrace=False,
        )
    return url.rstrip("/")


@contextmanager
def fresh_queue_url() -> Iterator[str]:
    """A ``redis://user:password@...`` URL of a database no other running test uses, empty at
    the start and emptied again at the end, for a user that exists during this test only."""
    import redis

    server = redis_server_url()
    with redis.Redis.from_url(f"{server}/0") as admin:
        databases = int(admin.config_get("databases")["databases"])
        if databases < 2:
            pytest.fail(f"the Redis server at {server} has one database; the tests need more")
        number = int(admin.incr(COUNTER_KEY)) % (databases - 1) + 1
        user = f"sentinel-test-{number}-{secrets.token_hex(4)}"
        password = f"queue-pw-{secrets.token_hex(8)}"
        admin.acl_setuser(
            user, enabled=True, passwords=[f"+{password}"], keys=["*"], categories=["+@all"]
        )
        scheme, _, address = server.partition("://")
        url = f"{scheme}://{user}:{password}@{address.rpartition('@')[2]}/{number}"
        try:
            with redis.Redis.from_url(f"{server}/{number}") as client:
                client.flushdb()
                try:
                    yield url
                finally:
                    client.flushdb()
        finally:
            admin.acl_deluser(user)


def queued_tasks(url: str) -> int:
    """How many tasks wait on Huey's list for the queue named "sentinel" in this database: the
    test's own look at the server, independent of the code under test."""
    import redis

    with redis.Redis.from_url(url) as client:
        return int(client.llen("huey.redis.sentinel"))
