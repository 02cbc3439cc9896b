"""The session rules on a real store, without a server: what ends a session, what the store keeps
(a hash, never the id), and migration 5 on a store written by the previous version."""

from __future__ import annotations

import time

from sentinel_cli.api.auth import KEY_GENERATION
from sentinel_cli.config import Settings
from sentinel_cli.operations import users
from sentinel_cli.store import connection, open_store
from sentinel_cli.store.migrations import MIGRATIONS, split_statements
from sentinel_cli.web import sessions
from sentinel_cli.wire import User
from tests.helpers.server import PASSWORD

TTL = 3600


def _user(settings: Settings, email: str = "s@example.com", role: str = "MEMBER") -> User:
    with open_store(settings) as store:
        return users.add_user(store, email=email, role=role, password=PASSWORD)


def test_a_session_resolves_until_it_expires_and_the_store_keeps_only_a_hash(
    settings: Settings,
) -> None:
    user = _user(settings)
    with open_store(settings) as store:
        session_id = sessions.start_session(store, user, ttl_seconds=TTL)
        found = sessions.resolve_session(store, session_id)
        assert found is not None and found.email == "s@example.com" and found.role == "MEMBER"
        assert found.csrf_token == sessions.csrf_for(session_id) != session_id
        dump = "\n".join(store.conn.raw.iterdump())  # type: ignore[attr-defined]
        assert session_id not in dump and sessions.id_hash(session_id) in dump
        assert sessions.resolve_session(store, session_id, now=time.time() + TTL + 1) is None
        assert sessions.resolve_session(store, "not-a-session") is None
        assert sessions.resolve_session(store, "x" * 1000) is None
        sessions.end_session(store, session_id)
        assert sessions.resolve_session(store, session_id) is None


def test_what_ends_a_users_tokens_ends_their_sessions(settings: Settings) -> None:
    admin = _user(settings, "admin@example.com", "ADMIN")
    user = _user(settings)
    with open_store(settings) as store:

        def fresh() -> str:
            return sessions.start_session(store, user, ttl_seconds=TTL)

        one = fresh()
        users.update_user(store, user["id"], role="VIEWER", actor=admin["email"])
        assert sessions.resolve_session(store, one) is None
        two = fresh()
        found = sessions.resolve_session(store, two)
        assert found is not None and found.role == "VIEWER"
        users.update_user(store, user["id"], disabled=True)
        assert sessions.resolve_session(store, two) is None
        users.update_user(store, user["id"], disabled=False)
        assert sessions.resolve_session(store, two) is None  # not revived
        three = fresh()
        store.kv.set(KEY_GENERATION, "rotated")  # what rotate_signing_key writes
        assert sessions.resolve_session(store, three) is None
        four = fresh()
        assert sessions.resolve_session(store, four) is not None
        users.remove_user(store, user["id"])
        assert sessions.resolve_session(store, four) is None
        assert store.web_sessions.count_for(user["id"]) == 0  # the rows went with the user


def test_migration_5_on_a_version_4_store(settings: Settings) -> None:
    settings.ensure_home()
    conn = connection.connect(settings.db_path)
    connection.current_version(conn)
    for migration in MIGRATIONS[:4]:
        for statement in split_statements(migration.sql):
            conn.execute(statement)
        conn.execute(
            "INSERT INTO schema_migrations (number, name, applied_at) VALUES (?, ?, ?)",
            (migration.number, migration.name, "2025-01-02T10:00:00Z"),
        )
    conn.close()
    user = _user(settings)
    with open_store(settings) as store:
        assert store.schema_version() == MIGRATIONS[-1].number >= 5
        assert "web_sessions" in store.table_names()
        session_id = sessions.start_session(store, user, ttl_seconds=TTL)
        assert sessions.resolve_session(store, session_id) is not None
