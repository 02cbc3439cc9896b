"""Login and bearer tokens over HTTP: success, the one 401 for every failure, bad/expired tokens."""

from __future__ import annotations

import statistics
import time
import uuid

import jwt
import pytest

from tests.helpers.server import PASSWORD, Api, add_users, assert_error, data_of, login


def test_login_returns_user_and_a_hs256_token_with_the_documented_claims(api: Api) -> None:
    with api.server.client() as client:
        response = client.post(
            "/api/auth/login", json={"email": "ADMIN@example.com", "password": PASSWORD}
        )
    data = data_of(response)
    assert data["user"] == {
        "id": api.users["ADMIN"]["id"],
        "email": "admin@example.com",
        "role": "ADMIN",
    }
    assert jwt.get_unverified_header(data["token"])["alg"] == "HS256"
    claims = jwt.decode(data["token"], api.server.signing_key(), algorithms=["HS256"])
    assert set(claims) == {"sub", "role", "exp", "iat", "jti"}
    assert claims["sub"] == api.users["ADMIN"]["id"] and claims["role"] == "ADMIN"
    assert claims["exp"] - claims["iat"] == pytest.approx(12 * 3600)


def test_me_says_who_the_token_belongs_to(api: Api) -> None:
    user = data_of(api.as_("MEMBER").get("/api/auth/me"))["user"]
    assert user["email"] == "member@example.com" and user["role"] == "MEMBER"
    assert user["lastLoginAt"] is not None


def _login_time(api: Api, email: str, password: str) -> tuple[float, dict]:
    with api.server.client() as client:
        started = time.perf_counter()
        response = client.post("/api/auth/login", json={"email": email, "password": password})
        elapsed = time.perf_counter() - started
    return elapsed, assert_error(response, 401)


def test_wrong_password_and_unknown_email_get_the_same_401_in_the_same_time(api: Api) -> None:
    wrong = [_login_time(api, "viewer@example.com", "not the password!!") for _ in range(5)]
    unknown = [_login_time(api, "nobody@example.com", "not the password!!") for _ in range(5)]
    assert wrong[0][1] == unknown[0][1]  # byte-identical envelopes
    assert wrong[0][1]["message"] == "invalid email or password"
    # Both run one argon2 verification (~tens of ms); an early return for unknown emails would be
    # an order of magnitude faster. Medians keep one slow request on a busy machine from deciding.
    slow = statistics.median(t for t, _ in wrong)
    fast = statistics.median(t for t, _ in unknown)
    assert 0.5 < fast / slow < 2.0, (fast, slow)


@pytest.mark.parametrize(
    "body",
    [
        {"email": "viewer@example.com"},
        {"password": PASSWORD},
        {"email": "viewer@example.com", "password": PASSWORD, "extra": 1},
        {"email": 5, "password": PASSWORD},
    ],
)
def test_malformed_login_bodies_are_400(api: Api, body: dict) -> None:
    with api.server.client() as client:
        assert_error(client.post("/api/auth/login", json=body), 400, "invalid request")


def test_no_token_is_401_with_a_bearer_challenge(api: Api) -> None:
    response = api.anonymous().get("/api/integrations")
    assert_error(response, 401, "authentication required")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer not-a-jwt",
        "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
        "Basic YWRtaW46cGFzc3dvcmQ=",
    ],
)
def test_a_bad_token_is_401(api: Api, header: str) -> None:
    with api.server.client() as client:
        response = client.get("/api/integrations", headers={"Authorization": header})
    assert_error(response, 401)


def _mint(key: str, sub: str, role: str, *, exp_offset: int, alg: str = "HS256") -> str:
    now = int(time.time())
    claims = {"sub": sub, "role": role, "iat": now - 13 * 3600, "exp": now + exp_offset}
    return jwt.encode({**claims, "jti": uuid.uuid4().hex}, key, algorithm=alg)


def test_an_expired_token_signed_with_the_real_key_is_401(api: Api) -> None:
    key = api.server.signing_key()
    admin = api.users["ADMIN"]["id"]
    expired = _mint(key, admin, "ADMIN", exp_offset=-3600)
    with api.server.client(expired) as client:
        assert_error(client.get("/api/integrations"), 401, "expired")
    # The same claims, unexpired, work: the key read from the secrets file is the server's.
    with api.server.client(_mint(key, admin, "ADMIN", exp_offset=3600)) as client:
        assert client.get("/api/integrations").status_code == 200


def test_a_token_signed_with_another_key_is_401(api: Api) -> None:
    forged = _mint("x" * 64, api.users["ADMIN"]["id"], "ADMIN", exp_offset=3600)
    with api.server.client(forged) as client:
        assert_error(client.get("/api/users"), 401)


def test_the_current_role_counts_not_the_one_in_the_token(api: Api) -> None:
    """A token claiming ADMIN for a VIEWER gets nothing more: roles come from the store."""
    lying = _mint(api.server.signing_key(), api.users["VIEWER"]["id"], "ADMIN", exp_offset=3600)
    with api.server.client(lying) as client:
        assert_error(client.get("/api/users"), 403, "needs the ADMIN role")


def test_disabling_a_user_revokes_their_tokens_at_once(api: Api) -> None:
    add_users(api.server.settings, ("temp-disabled@example.com", "MEMBER"))
    token = login(api.server, "temp-disabled@example.com")
    user_id = jwt.decode(token, options={"verify_signature": False})["sub"]
    with api.server.client(token) as client:
        assert client.get("/api/integrations").status_code == 200
        data_of(api.as_("ADMIN").patch(f"/api/users/{user_id}", json={"disabled": True}))
        assert_error(client.get("/api/integrations"), 401)
    with api.server.client() as client:
        response = client.post(
            "/api/auth/login", json={"email": "temp-disabled@example.com", "password": PASSWORD}
        )
    assert_error(response, 401, "invalid email or password")
