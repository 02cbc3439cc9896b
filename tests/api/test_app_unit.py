"""In-process checks of what a real server cannot be made to do on demand: an endpoint crashing.

The app is built by the same ``create_app`` and called through Starlette's test client; a route
added for the test raises, and the client must get the 500 envelope (with the rate-limit headers)
and nothing of the exception.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from sentinel_cli.config import Settings
from sentinel_cli.errors import StoreUnavailable

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture
def client(settings: Settings) -> Iterator[Any]:
    from sentinel_cli.api.app import create_app
    from sentinel_cli.api.config import ApiSettings

    app = create_app(ApiSettings(base=settings))

    @app.get("/api/_test/crash")
    def crash() -> None:
        raise RuntimeError("secret detail: SELECT * FROM users")

    @app.get("/api/_test/store")
    def store_down() -> None:
        raise StoreUnavailable("cannot open the database /srv/private/sentinel.db: disk I/O error")

    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_an_unhandled_exception_is_a_bare_500_envelope(client: Any) -> None:
    response = client.get("/api/_test/crash")
    assert response.status_code == 500
    assert response.json() == {
        "status": "error",
        "message": "internal server error",
        "statusCode": 500,
    }
    assert "x-ratelimit-remaining" in response.headers


def test_store_errors_do_not_leak_paths(client: Any) -> None:
    response = client.get("/api/_test/store")
    assert response.status_code == 503
    assert response.headers["x-sentinel-error"] == "StoreUnavailable"
    assert "/srv/private" not in response.text
    assert response.json()["message"] == "the server's store is unavailable; see the server log"


def test_request_bodies_never_show_secrets_in_repr() -> None:
    """A body in a log line or a traceback's locals shows everything but the secret."""
    from sentinel_cli.api.models import LoginBody, PasswordBody
    from sentinel_cli.api.routes import body_model
    from sentinel_cli.operations.usecases import BY_NAME

    def build(name: str, **values: Any) -> Any:
        model = body_model(BY_NAME[name])
        assert model is not None
        return model(**values)

    bodies = [
        LoginBody(email="a@example.com", password="s3cret-login"),
        build("connect_aws", accessKeyId="AKIAEXAMPLE", secretAccessKey="s3cret-aws"),
        build("connect_github", token="s3cret-ghp", orgName="acme"),
        build("add_user", email="b@example.com", role="VIEWER", password="s3cret-user"),
        build("set_user_password", password="s3cret-reset"),
        build("set_smtp", host="smtp.example.com", password="s3cret-smtp"),
        PasswordBody(currentPassword="s3cret-old", newPassword="s3cret-new-one"),
    ]
    for body in bodies:
        assert "s3cret" not in repr(body) and "s3cret" not in str(body), type(body).__name__
    assert "AKIAEXAMPLE" in repr(bodies[1])  # the key id is not a secret
    secret_params = {
        (case.name, p.name) for case in BY_NAME.values() for p in case.params if p.secret
    }
    assert secret_params == {
        ("connect_aws", "secret_access_key"),
        ("connect_github", "token"),
        ("add_user", "password"),
        ("set_user_password", "password"),
        ("set_smtp", "password"),
    }
