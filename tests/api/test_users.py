"""``operations.users`` and ``sentinel users``: hashing, plan limits, last admin, CLI round trip."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from sentinel_cli.config import Settings
from sentinel_cli.errors import Conflict, InvalidInput, NotFound, PlanLimitExceeded, Unauthorized
from sentinel_cli.operations import users
from sentinel_cli.store import Store, open_store
from tests.helpers.cli import Cli

both_databases = pytest.mark.both_databases
"""The tests whose store work differs by database (emails in any case, counts, the CLI round
trip) run on PostgreSQL too; the others mostly spend their time hashing passwords."""

PASSWORD = "correct horse battery staple"


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    with open_store(settings) as s:
        yield s


@both_databases
def test_passwords_are_stored_as_argon2id_hashes(store: Store) -> None:
    user = users.add_user(store, email="a@example.com", role="ADMIN", password=PASSWORD)
    stored = store.users.get_with_hash("a@example.com")
    assert stored is not None and stored["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in str(user)
    assert users.authenticate(store, email="A@Example.com", password=PASSWORD)["id"] == user["id"]


def test_authenticate_refuses_every_failure_alike(store: Store) -> None:
    users.add_user(store, email="a@example.com", role="ADMIN", password=PASSWORD)
    users.add_user(store, email="b@example.com", role="VIEWER", password=PASSWORD)
    users.update_user(store, "b@example.com", disabled=True)
    messages = set()
    for email, password in (
        ("a@example.com", PASSWORD + "x"),
        ("nobody@example.com", PASSWORD),
        ("b@example.com", PASSWORD),
        ("", ""),
        ("a@example.com", PASSWORD + "x" * 2000),
    ):
        with pytest.raises(Unauthorized) as err:
            users.authenticate(store, email=email, password=password)
        messages.add(err.value.message)
    assert messages == {"invalid email or password"}


@both_databases
def test_input_rules(store: Store) -> None:
    with pytest.raises(InvalidInput, match="at least 12"):
        users.add_user(store, email="a@example.com", role="ADMIN", password="short")
    with pytest.raises(InvalidInput, match="not an email"):
        users.add_user(store, email="nope", role="ADMIN", password=PASSWORD)
    with pytest.raises(InvalidInput, match="unknown role"):
        users.add_user(store, email="a@example.com", role="OWNER", password=PASSWORD)
    users.add_user(store, email="a@example.com", role="admin", password=PASSWORD)
    with pytest.raises(Conflict):
        users.add_user(store, email="A@EXAMPLE.COM", role="VIEWER", password=PASSWORD)
    with pytest.raises(NotFound):
        users.remove_user(store, "ghost@example.com")


@both_databases
def test_plan_user_limit_applies_to_adding_and_re_enabling(store: Store) -> None:
    for n in range(3):  # FREE allows 3 enabled users
        users.add_user(store, email=f"u{n}@example.com", role="ADMIN", password=PASSWORD)
    with pytest.raises(PlanLimitExceeded, match="user limit"):
        users.add_user(store, email="u3@example.com", role="VIEWER", password=PASSWORD)
    users.update_user(store, "u2@example.com", disabled=True)
    users.add_user(store, email="u3@example.com", role="VIEWER", password=PASSWORD)
    with pytest.raises(PlanLimitExceeded):
        users.update_user(store, "u2@example.com", disabled=False)


@both_databases
def test_last_enabled_admin_is_protected(store: Store) -> None:
    users.add_user(store, email="a@example.com", role="ADMIN", password=PASSWORD)
    users.add_user(store, email="b@example.com", role="ADMIN", password=PASSWORD)
    users.set_role(store, "b@example.com", "MEMBER")
    for action in (
        lambda: users.set_role(store, "a@example.com", "VIEWER"),
        lambda: users.update_user(store, "a@example.com", disabled=True),
        lambda: users.remove_user(store, "a@example.com"),
    ):
        with pytest.raises(Conflict, match="only enabled ADMIN"):
            action()
    users.remove_user(store, "b@example.com")
    assert [u["email"] for u in users.list_users(store)] == ["a@example.com"]


@both_databases
def test_cli_users_round_trip(cli: Cli) -> None:
    added = cli(
        "users",
        "add",
        "--email",
        "admin@example.com",
        "--role",
        "ADMIN",
        "--password-stdin",
        "--json",
        input=PASSWORD + "\n",
    )
    assert added.exit_code == 0, added.stderr
    user = added.json()["user"]
    assert user["role"] == "ADMIN" and PASSWORD not in added.stdout

    prompted = cli(
        "users",
        "add",
        "--email",
        "viewer@example.com",
        "--role",
        "viewer",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert prompted.exit_code == 0, prompted.stderr
    assert "Added VIEWER viewer@example.com" in prompted.stdout

    listed = cli("users", "list", "--json").json()["users"]
    assert [u["email"] for u in listed] == ["admin@example.com", "viewer@example.com"]
    assert "viewer@example.com" in cli("users", "list").stdout

    changed = cli("users", "set-role", "viewer@example.com", "MEMBER", "--json")
    assert changed.exit_code == 0 and changed.json()["user"]["role"] == "MEMBER"

    refused = cli("users", "remove", "admin@example.com")
    assert refused.exit_code == 7 and "only enabled ADMIN" in refused.stderr
    removed = cli("users", "remove", listed[1]["id"], "--json")
    assert removed.exit_code == 0 and removed.json()["user"]["email"] == "viewer@example.com"


def test_cli_users_add_refusals(cli: Cli) -> None:
    short = cli(
        "users",
        "add",
        "--email",
        "a@example.com",
        "--role",
        "ADMIN",
        "--password-stdin",
        input="short\n",
    )
    assert short.exit_code == 2 and "at least 12" in short.stderr
    bad_role = cli("users", "add", "--email", "a@example.com", "--role", "ROOT", "--password-stdin")
    assert bad_role.exit_code == 2 and "unknown role" in bad_role.stderr
    mismatch = cli(
        "users",
        "add",
        "--email",
        "a@example.com",
        "--role",
        "ADMIN",
        input=f"{PASSWORD}\n{PASSWORD}x\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert mismatch.exit_code == 0, mismatch.stderr  # typer asks again after a mismatch
    assert json.loads(cli("users", "list", "--json").stdout)["users"][0]["email"] == "a@example.com"
