"""A database URL's password never shows: not in the URL as Sentinel prints it, not in the
driver's reason for refusing it, however the password is written (unencoded ``@``, ``/``, ``?``,
``#`` included: people paste them so, and libpq then reads pieces of them as a host name)."""

from __future__ import annotations

import pytest

from sentinel_cli.config import redact_url, url_passwords
from sentinel_cli.store.postgres import _reason


@pytest.mark.parametrize(
    ("url", "shown", "passwords"),
    [
        ("postgresql://u:pw1@h:5/db", "postgresql://u:***@h:5/db", ["pw1"]),
        ("postgresql://u@h/db", "postgresql://u@h/db", []),
        ("postgres://h/db", "postgres://h/db", []),
        ("postgresql://u:pa/ss@h:1/db", "postgresql://u:***@h:1/db", ["pa/ss"]),
        ("postgresql://u:pa?ss@h:1/db", "postgresql://u:***@h:1/db", ["pa?ss"]),
        ("postgresql://u:pa#ss@h:1/db", "postgresql://u:***@h:1/db", ["pa#ss"]),
        ("postgresql://u:p@ss@h:1/db?x=y", "postgresql://u:***@h:1/db?x=y", ["p@ss"]),
        (
            "postgresql://h/db?user=u&password=sek&sslmode=require",
            "postgresql://h/db?user=u&password=***&sslmode=require",
            ["sek"],
        ),
        (
            "postgresql://u:a?b@h/db?password=c?d",
            "postgresql://u:***@h/db?password=***",
            ["a?b", "c?d"],
        ),
        (
            "postgresql://u:pw9@h/db?options=-csearch_path%3Dt_1",
            "postgresql://u:***@h/db?options=-csearch_path%3Dt_1",
            ["pw9"],
        ),
    ],
)
def test_passwords_are_masked_however_written(url: str, shown: str, passwords: list[str]) -> None:
    assert redact_url(url) == shown
    assert url_passwords(url) == passwords


def test_a_driver_message_loses_the_password_and_its_pieces() -> None:
    url = "postgresql://u:top@secret/x@127.0.0.1:5432/db"
    message = (
        "failed to resolve host 'secret/x@127.0.0.1': Name or service not known (top@secret/x)"
    )
    reason = _reason(RuntimeError(message), url)
    assert "secret" not in reason and "top" not in reason, reason
    assert "Name or service not known" in reason
