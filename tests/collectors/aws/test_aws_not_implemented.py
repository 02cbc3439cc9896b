"""No sleeping on "not implemented": an AWS-compatible endpoint that lacks an operation answers at
once with an ERROR, without retry backoff, while throttling and transient 5xx are still retried.

Against a real moto server (which answers its missing operations with a bare HTML 500) and against
a scripted local HTTP server on 127.0.0.1 that answers exactly what a test asks for.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sentinel_cli.collectors import aws as aws_collector
from sentinel_cli.collectors.aws import AwsCredentials, build_session, collect_aws_with_stats
from sentinel_cli.collectors.aws.actions import CallStats
from sentinel_cli.collectors.aws.engine import (
    DEFAULT_MAX_ATTEMPTS,
    Collection,
    lacks_operation,
    no_retry_when_not_implemented,
)
from sentinel_cli.standins.moto_server import reset_moto_server

# Regional units whose every call moto lacks (HTTP 500 page), and one it serves.
MISSING = ("accessanalyzer", "ssm")
SERVED = ("kms",)
JSON = "application/x-amz-json-1.1"
XML = "application/xml"
HTML_500 = (500, "text/html", "<!doctype html><title>500 Internal Server Error</title>")


# ---------------------------------------------------------------- against moto_server


def test_every_region_completes_at_once_with_errors_for_what_moto_lacks(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    reset_moto_server(moto_endpoint)
    monkeypatch.setattr(aws_collector, "GLOBAL_UNITS", ())
    monkeypatch.setattr(
        aws_collector,
        "REGIONAL_UNITS",
        tuple(u for u in aws_collector.REGIONAL_UNITS if u[0] in MISSING + SERVED),
    )
    sent: Counter[str] = Counter()
    real_client = Collection.client

    def counting_client(self: Collection, service: str, region: str | None = None) -> Any:
        client = real_client(self, service, region)
        if not getattr(client, "_counted", False):
            client.meta.events.register(
                "before-send", lambda request, **_: sent.update([request.url.split("?")[0]])
            )
            client._counted = True
        return client

    monkeypatch.setattr(Collection, "client", counting_client)
    creds = AwsCredentials(region="us-east-1", endpoint_url=moto_endpoint)
    # Default retries (adaptive, AWS_MAX_ATTEMPTS or 10) and every region moto offers.
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    collection = collect_aws_with_stats(creds, workers=4)
    inv = collection.inventory
    print(
        f"\nall {len(inv.regions)} regions, units {MISSING + SERVED}: "
        f"{collection.seconds:.1f} s, {inv.api_calls} calls, {len(inv.errors)} errors"
    )

    assert len(inv.regions) > 15
    lacking = {"access-analyzer:ListAnalyzers", "ssm:DescribeInstanceInformation"}
    lacking.add("ssm:ListResourceComplianceSummaries")
    for action in lacking:
        errors = [e for e in inv.errors if e.api_call == action]
        assert {e.scope for e in errors} == set(inv.regions), action
        assert {e.error_code for e in errors} == {"NotImplemented"}
        assert "does not implement" in errors[0].message
    assert set(inv.kms_keys) == set(inv.regions)  # what moto serves is collected
    assert not [e for e in inv.errors if e.api_call not in lacking]
    # Each call went out once: no retry at all (requests sent == API calls made).
    assert sum(sent.values()) == inv.api_calls
    # With backoff, 3 x 24 refused calls cost minutes (233 s for a whole collection).
    assert collection.seconds < 30, f"took {collection.seconds:.1f} s"


# ---------------------------------------------------------------- a scripted endpoint


class _Script:
    """Answers (status, content type, body) in order; then 200 with ``ok`` forever."""

    def __init__(self, ok: tuple[int, str, str]) -> None:
        self.answers: list[tuple[int, str, str]] = []
        self.ok = ok
        self.requests = 0
        self.lock = threading.Lock()

    def next(self) -> tuple[int, str, str]:
        with self.lock:
            self.requests += 1
            return self.answers.pop(0) if self.answers else self.ok


@pytest.fixture
def scripted() -> Iterator[tuple[str, dict[str, _Script]]]:
    """A local endpoint serving KMS (JSON) and S3 (XML) from scripts: ``{"kms": ..., "s3": ...}``."""
    scripts = {
        "kms": _Script((200, JSON, json.dumps({"Keys": [], "Truncated": False}))),
        "s3": _Script(
            (
                200,
                XML,
                '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                "<Status>Enabled</Status></VersioningConfiguration>",
            )
        ),
    }

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            target = self.headers.get("X-Amz-Target") or ""
            status, ctype, body = scripts[
                "kms" if target.startswith("TrentService") else "s3"
            ].next()
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _answer

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", scripts
    finally:
        server.shutdown()
        server.server_close()


def _ctx(endpoint: str, attempts: int = 4) -> Collection:
    creds = AwsCredentials(region="us-east-1", endpoint_url=endpoint)
    return Collection(
        build_session(creds),
        endpoint_url=endpoint,
        home_region="us-east-1",
        stats=CallStats(),
        workers=1,
        max_attempts=attempts,
    )


def test_throttling_and_transient_errors_are_still_retried(
    scripted: tuple[str, dict[str, _Script]],
) -> None:
    endpoint, scripts = scripted
    ctx = _ctx(endpoint)
    kms = scripts["kms"]
    kms.answers = [
        (400, JSON, json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"})),
        (500, JSON, json.dumps({"__type": "InternalFailure", "message": "try again"})),
        (503, JSON, json.dumps({"__type": "ServiceUnavailableException", "message": "busy"})),
    ]
    answer = ctx.client("kms").list_keys()
    assert answer["Keys"] == [] and answer["ResponseMetadata"]["RetryAttempts"] == 3
    assert kms.requests == 4

    s3 = scripts["s3"]
    s3.answers = [
        (
            503,
            XML,
            "<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>",
        ),
        (500, XML, "<Error><Code>InternalError</Code><Message>Try again.</Message></Error>"),
    ]
    versioning = ctx.client("s3").get_bucket_versioning(Bucket="logs")
    assert versioning["Status"] == "Enabled" and s3.requests == 3


@pytest.mark.parametrize(
    "answer",
    [
        HTML_500,  # moto_server
        (501, JSON, json.dumps({"__type": "InternalFailure", "message": "not implemented"})),
        (  # LocalStack
            500,
            JSON,
            json.dumps(
                {
                    "__type": "InternalFailure",
                    "message": "API action 'ListKeys' for service 'kms' not yet implemented",
                }
            ),
        ),
    ],
    ids=["moto-html-500", "501", "500-not-yet-implemented"],
)
def test_not_implemented_is_answered_once(
    scripted: tuple[str, dict[str, _Script]], answer: tuple[int, str, str]
) -> None:
    endpoint, scripts = scripted
    kms = scripts["kms"]
    kms.answers = [answer] * DEFAULT_MAX_ATTEMPTS
    ctx = _ctx(endpoint, attempts=DEFAULT_MAX_ATTEMPTS)
    client = ctx.client("kms")
    started = time.monotonic()
    with pytest.raises(ClientError) as raised:
        client.list_keys()
    # One request, no backoff (nine retries would sleep for seconds even on an idle machine).
    assert kms.requests == 1
    assert raised.value.response["ResponseMetadata"]["RetryAttempts"] == 0
    assert time.monotonic() - started < 5
    # Recorded as evidence naming the cause.
    failed = ctx.fail("kms_keys", "us-east-1", ctx.client("kms"), "list_keys", raised.value)
    (error,) = ctx.errors
    assert str(failed) == "kms:ListKeys: NotImplemented"
    assert error.error_code == "NotImplemented"
    assert error.message.startswith("NotImplemented: the endpoint does not implement")


def test_only_answers_meaning_not_implemented_skip_the_retries() -> None:
    # AWS itself: a bare 500 page is a transient failure of some front end, retried as before.
    assert not lacks_operation(500, "500", "HTTP 500: Internal Server Error", custom_endpoint=False)
    assert lacks_operation(500, "500", "HTTP 500: Internal Server Error", custom_endpoint=True)
    assert lacks_operation(501, "NotImplemented", "", custom_endpoint=False)
    assert lacks_operation(500, "InternalFailure", "x not yet implemented", custom_endpoint=False)
    for code in ("InternalError", "InternalFailure", "ServiceUnavailable"):
        assert not lacks_operation(
            500, code, "We encountered an internal error.", custom_endpoint=True
        )
    assert not lacks_operation(503, "503", "", custom_endpoint=True)
    assert not lacks_operation(400, "ThrottlingException", "", custom_endpoint=True)

    handler = no_retry_when_not_implemented(True)
    page = (type("R", (), {"status_code": 500})(), {"Error": {"Code": "500", "Message": "<html>"}})
    assert handler(response=page) is False
    slow = (type("R", (), {"status_code": 503})(), {"Error": {"Code": "SlowDown"}})
    assert handler(response=slow) is None
    assert handler(response=None, caught_exception=ConnectionError()) is None
