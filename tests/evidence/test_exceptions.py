"""`sentinel exceptions`: add, list, remove, validation, activity entries and states over time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sentinel_cli.checks.base import CheckMeta, Remediation
from sentinel_cli.config import Settings
from sentinel_cli.errors import Conflict, Forbidden, InvalidInput, NotFound
from sentinel_cli.operations import exceptions as ops
from sentinel_cli.store import open_store
from tests.helpers.cli import Cli
from tests.helpers.estate import Estate, day_at, squash

FUTURE = (day_at(0) + timedelta(days=90)).date().isoformat()


def _add(est: Estate, **overrides: object) -> dict:
    args = {
        "check_id": "aws_iam_root_mfa",
        "reason": "hardware key on order",
        "owner": "cto@example.com",
        "expires": FUTURE,
    }
    args.update(overrides)
    return ops.add_exception(est.store, **args)["exception"]


def test_add_list_remove_round_trip(estate: Estate) -> None:
    added = _add(estate, resource="arn:aws:iam::*")
    assert added["checkId"] == "aws_iam_root_mfa"
    assert added["resourcePattern"] == "arn:aws:iam::*"
    assert added["expiresAt"] == f"{FUTURE}T23:59:59Z"
    assert added["state"] == "ACTIVE" and added["removedAt"] is None
    assert [e["id"] for e in ops.list_exceptions(estate.store)["exceptions"]] == [added["id"]]

    removed = ops.remove_exception(estate.store, added["id"])["exception"]
    assert removed["state"] == "REMOVED" and removed["removedAt"]
    assert ops.list_exceptions(estate.store)["exceptions"] == []
    assert [
        e["state"] for e in ops.list_exceptions(estate.store, include_all=True)["exceptions"]
    ] == ["REMOVED"]
    with pytest.raises(Conflict):
        ops.remove_exception(estate.store, added["id"])
    actions = [a["action"] for a in estate.store.activity.recent(5)]
    assert actions[:2] == ["exception.removed", "exception.added"]


def test_default_pattern_is_everything(estate: Estate) -> None:
    assert _add(estate)["resourcePattern"] == "*"


def test_expired_exceptions_only_with_all(estate: Estate) -> None:
    _add(estate, expires=day_at(2).date().isoformat(), now=day_at(5))
    active = _add(estate, check_id="aws_s3_versioning")
    assert [e["id"] for e in ops.list_exceptions(estate.store)["exceptions"]] == [active["id"]]
    states = {
        e["checkId"]: e["state"]
        for e in ops.list_exceptions(estate.store, include_all=True)["exceptions"]
    }
    assert states == {"aws_iam_root_mfa": "EXPIRED", "aws_s3_versioning": "ACTIVE"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"check_id": "aws_no_such_check"}, "unknown check 'aws_no_such_check'"),
        ({"check_id": ""}, "--check is required"),
        ({"owner": "not-an-email"}, "is not an email address"),
        # The same rule as users and policy owners: no display-name or list punctuation.
        ({"owner": "CISO <ciso@example.com>"}, "is not an email address"),
        ({"owner": "a@example.com,b@example.com"}, "is not an email address"),
        ({"reason": "  "}, "--reason is required"),
        ({"expires": "31/12/2030"}, "is not a date"),
        ({"expires": "2020-01-01"}, "is in the past"),
        ({"expires": "2030-02-30"}, "is not a date"),
    ],
)
def test_validation(estate: Estate, overrides: dict, message: str) -> None:
    with pytest.raises(InvalidInput) as info:
        _add(estate, **overrides)
    assert message in info.value.message


def test_expiring_today_is_allowed_yesterday_is_not(estate: Estate) -> None:
    now = day_at(0, 12)
    assert _add(estate, expires=now.date().isoformat(), now=now)["state"] == "ACTIVE"
    with pytest.raises(InvalidInput, match="in the past"):
        _add(estate, expires=(now - timedelta(days=1)).date().isoformat(), now=now)


def test_check_ids_validated_against_the_catalogue(
    settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With an empty store, the catalogue decides; with no catalogue either, the id convention."""
    import sentinel_cli.checks as checks

    meta = CheckMeta(
        id="aws_demo_check",
        provider="aws",
        title="Demo",
        description="",
        severity="low",
        category="demo",
        remediation=Remediation(text=""),
        sources=(),
    )
    with open_store(settings) as store:
        monkeypatch.setattr(checks, "all_metadata", lambda: {"aws_demo_check": meta})
        ok = ops.add_exception(
            store, check_id="aws_demo_check", reason="r", owner="a@b.io", expires=FUTURE
        )
        assert ok["exception"]["checkId"] == "aws_demo_check"
        with pytest.raises(InvalidInput, match="unknown check"):
            ops.add_exception(
                store, check_id="aws_other_check", reason="r", owner="a@b.io", expires=FUTURE
            )
        monkeypatch.setattr(checks, "all_metadata", dict)
        # Catalogue empty and no evidence: any well-formed id is accepted ...
        ops.add_exception(
            store, check_id="aws_future_check", reason="r", owner="a@b.io", expires=FUTURE
        )
        # ... but not a malformed one.
        with pytest.raises(InvalidInput, match="is not a check id"):
            ops.add_exception(
                store, check_id="Not A Check", reason="r", owner="a@b.io", expires=FUTURE
            )


def test_unknown_or_ambiguous_ids(estate: Estate) -> None:
    with pytest.raises(NotFound):
        ops.remove_exception(estate.store, "00000000-nope")
    with pytest.raises(NotFound):
        ops.remove_exception(estate.store, "abc")


def test_cli_round_trip(cli: Cli, estate: Estate) -> None:
    added = cli(
        "exceptions",
        "add",
        "--check",
        "aws_s3_versioning",
        "--resource",
        "arn:aws:s3:::acme-*",
        "--reason",
        "versioning not needed for rebuildable data",
        "--owner",
        "ops@example.com",
        "--expires",
        FUTURE,
        "--json",
    )
    assert added.exit_code == 0, added.stderr
    exc_id = added.json()["exception"]["id"]
    table = cli("exceptions", "list")
    assert table.exit_code == 0 and exc_id[:8] in table.stdout
    listed = cli("exceptions", "list", "--json").json()["exceptions"]
    assert [e["id"] for e in listed] == [exc_id]
    removed = cli("exceptions", "remove", exc_id[:8])
    assert removed.exit_code == 0, removed.stderr
    assert cli("exceptions", "list", "--json").json()["exceptions"] == []
    assert len(cli("exceptions", "list", "--all", "--json").json()["exceptions"]) == 1
    assert cli("exceptions", "remove", "ffffffff-ffff").exit_code == 3


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--check", "aws_nope"], "unknown check"),
        (["--check", "aws_iam_root_mfa", "--owner", "bob"], "is not an email address"),
        (["--check", "aws_iam_root_mfa", "--expires", "2001-01-01"], "must expire in the future"),
        (["--check", "aws_iam_root_mfa", "--expires", "soon"], "use YYYY-MM-DD"),
    ],
)
def test_cli_bad_input_exits_2(cli: Cli, estate: Estate, args: list[str], text: str) -> None:
    base = {"--reason": "r", "--owner": "a@example.com", "--expires": FUTURE}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    flat = [x for kv in base.items() for x in kv]
    if "--check" not in base:
        flat += ["--check", "aws_iam_root_mfa"]
    result = cli("exceptions", "add", *flat)
    assert result.exit_code == 2, result.stderr
    assert text in squash(result.stderr)


# -- risk acceptance bounds (issue 17, item 10) ------------------------------------------------


@pytest.mark.parametrize("pattern", [None, "*", "**", "?*", " * "])
def test_a_member_cannot_except_every_resource(estate: Estate, pattern: str | None) -> None:
    with pytest.raises(Forbidden, match="only an ADMIN may except every resource") as caught:
        _add(estate, resource=pattern, role="MEMBER")
    assert "name a resource pattern" in caught.value.message
    assert ops.list_exceptions(estate.store)["exceptions"] == []


def test_an_admin_and_the_local_owner_may_except_every_resource(estate: Estate) -> None:
    assert _add(estate, role="ADMIN")["resourcePattern"] == "*"
    assert _add(estate, check_id="aws_s3_versioning")["resourcePattern"] == "*"


def test_a_members_exception_lasts_at_most_365_days(estate: Estate) -> None:
    now = day_at(0)
    last = (now + timedelta(days=365)).date().isoformat()
    ok = _add(estate, resource="arn:aws:iam::1*", role="MEMBER", expires=last, now=now)
    assert ok["expiresAt"] == f"{last}T23:59:59Z"
    too_far = (now + timedelta(days=366)).date().isoformat()
    with pytest.raises(InvalidInput, match="at most 365 days") as caught:
        _add(estate, resource="arn:aws:iam::2*", role="MEMBER", expires=too_far, now=now)
    assert last in caught.value.message
    with pytest.raises(InvalidInput, match="at most 365 days"):
        _add(estate, resource="arn:aws:iam::3*", role="MEMBER", expires="9999-12-31", now=now)
    # An ADMIN answers for the register and is not capped.
    assert _add(estate, resource="arn:aws:iam::4*", role="ADMIN", expires="9999-12-31", now=now)


def test_the_cap_is_read_from_settings_yaml(settings: Settings, estate: Estate) -> None:
    settings.settings_file.parent.mkdir(parents=True, exist_ok=True)  # no store file made it
    settings.settings_file.write_text("exceptions:\n  maxDays: 30\n", encoding="utf-8")
    now = day_at(0)
    with pytest.raises(InvalidInput, match="at most 30 days"):
        _add(
            estate,
            resource="arn:aws:iam::1*",
            role="MEMBER",
            expires=(now + timedelta(days=31)).date().isoformat(),
            now=now,
        )
    settings.settings_file.write_text("exceptions:\n  maxDays: soon\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"exceptions\.maxDays must be a whole number"):
        _add(estate, resource="arn:aws:iam::1*", role="MEMBER", now=now)


def test_cli_table_shows_who_created_each_exception(cli: Cli, estate: Estate) -> None:
    ops.add_exception(
        estate.store,
        check_id="aws_s3_versioning",
        resource="arn:aws:s3:::acme-*",
        reason="r",
        owner="ops@example.com",
        expires=FUTURE,
        actor="member@example.com",
        role="MEMBER",
    )
    _add(estate, resource="arn:aws:iam::*")  # the local owner: no actor recorded
    table = cli("exceptions", "list")
    assert table.exit_code == 0, table.stderr
    assert "Created by" in table.stdout
    assert "member@example.com" in squash(table.stdout)
    assert "local" in table.stdout
