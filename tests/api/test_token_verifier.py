"""``auth.TokenVerifier``: a remembered token is still refused once it expires, bad tokens are
never remembered, and neither it nor the app's state ever shows the signing key."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest

from sentinel_cli.api.auth import LEEWAY_SECONDS, TokenVerifier, issue_token

KEY = "k" * 64


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def test_a_remembered_token_expires_on_time() -> None:
    clock = Clock()
    verifier = TokenVerifier(KEY, clock=clock)
    token = issue_token(KEY, {"id": "u1", "role": "VIEWER"}, ttl_seconds=60)
    first = verifier.claims(token)
    assert first is not None and first["sub"] == "u1"
    assert repr(verifier) == "TokenVerifier(1 verified)"  # remembered
    assert verifier.claims(token) == first  # from memory
    assert repr(verifier) == "TokenVerifier(1 verified)"
    clock.now += 60 + LEEWAY_SECONDS + 1
    assert verifier.claims(token) is None


@pytest.mark.parametrize(
    "token",
    [
        "not-a-jwt",
        jwt.encode({"sub": "u1", "exp": int(time.time()) + 60}, KEY, algorithm="HS256"),  # no jti
        jwt.encode(
            {"sub": "u1", "iat": 0, "exp": int(time.time()) + 60, "jti": uuid.uuid4().hex},
            "another key" * 8,
            algorithm="HS256",
        ),
    ],
)
def test_bad_tokens_are_refused_every_time_and_not_remembered(token: str) -> None:
    verifier = TokenVerifier(KEY)
    assert verifier.claims(token) is None
    assert verifier.claims(token) is None
    assert repr(verifier) == "TokenVerifier(0 verified)"


def test_memory_is_bounded() -> None:
    verifier = TokenVerifier(KEY, max_entries=3)
    tokens = [issue_token(KEY, {"id": f"u{n}", "role": "VIEWER"}, ttl_seconds=60) for n in range(5)]
    assert all(verifier.claims(t) is not None for t in tokens)
    assert repr(verifier) in {f"TokenVerifier({n} verified)" for n in range(1, 4)}


def test_app_state_repr_shows_no_signing_key(settings) -> None:  # type: ignore[no-untyped-def]
    from sentinel_cli.api.app import create_app
    from sentinel_cli.api.config import ApiSettings

    app = create_app(ApiSettings(base=settings))
    state = app.state.api
    assert state.signing_key and state.signing_key not in repr(state)
    assert state.signing_key not in repr(app.user_middleware)
