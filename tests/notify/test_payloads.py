"""What a notification says: the webhook body of the contract, the severity cut per destination,
the Slack and email renderings, the signature, and the parsing of what people type."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from sentinel_cli.errors import InvalidInput
from sentinel_cli.operations import notify
from sentinel_cli.operations.notify_payloads import (
    EVENTS,
    MAX_ITEMS,
    SLACK_ITEMS,
    Message,
    body,
    email,
    for_destination,
    public_url,
    render,
    slack,
)
from sentinel_cli.operations.notify_send import signature
from sentinel_cli.wire import NotifyItem


def item(severity: str | None, n: int = 0, status: str = "FAIL") -> NotifyItem:
    return {
        "checkId": f"aws_check_{n}",
        "resourceId": f"arn:aws:s3:::bucket-{n}",
        "severity": severity,
        "status": status,
        "title": f"Check {n} <b>&</b>",
    }


def failures(*severities: str) -> Message:
    items = tuple(item(s, n) for n, s in enumerate(severities))
    return Message(
        "new-failures",
        items=items,
        total=len(items),
        counts={"pass": 3, "fail": len(items)},
        integration_id="i-1",
        integration_name="Prod",
        job_id="j-1",
        collected_at="2025-01-02T03:04:05Z",
        url="https://sentinel.example.com/integrations/i-1",
    )


def test_the_webhook_body_has_exactly_the_keys_of_the_contract() -> None:
    out = body(failures("high", "low"))
    assert list(out) == [
        "event",
        "integrationId",
        "jobId",
        "collectedAt",
        "counts",
        "items",
        "url",
    ]
    assert out["event"] == "new-failures" and out["jobId"] == "j-1"
    assert out["counts"] == {"items": 2, "pass": 3, "fail": 2}
    assert set(out["items"][0]) == {"checkId", "resourceId", "severity", "status", "title"}


def test_the_body_lists_at_most_max_items_and_counts_them_all() -> None:
    many = failures(*(["medium"] * (MAX_ITEMS + 7)))
    out = body(many)
    assert len(out["items"]) == MAX_ITEMS
    assert out["counts"]["items"] == MAX_ITEMS + 7


def test_min_severity_keeps_worse_items_and_items_without_severity() -> None:
    message = Message(
        "policy-review-due",
        items=(item("critical", 1), item("low", 2), item(None, 3)),
        total=3,
    )
    cut = for_destination(message, "high")
    assert cut is not None
    assert [i["checkId"] for i in cut.items] == ["aws_check_1", "aws_check_3"]
    assert cut.total == 2
    assert for_destination(message, None) == message


def test_an_event_about_items_left_with_none_is_not_sent_but_a_failure_is() -> None:
    assert for_destination(failures("low", "info"), "high") is None
    assert for_destination(failures(), None) is None  # nothing new: nothing to say
    failed = Message("collection-failed", integration_name="Prod", detail="boom")
    assert for_destination(failed, "critical") == failed


def test_slack_message_has_a_summary_and_the_top_items_escaped() -> None:
    message = failures(*(["high"] * (SLACK_ITEMS + 3)))
    out = slack(message)
    assert out["text"] == f"Sentinel: {SLACK_ITEMS + 3} new failing items in Prod"
    listed = out["blocks"][1]["text"]["text"]
    assert listed.count("•") == SLACK_ITEMS
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in listed and "<b>" not in listed
    assert "…and 3 more" in listed
    assert out["blocks"][-1]["elements"][0]["text"] == (
        "<https://sentinel.example.com/integrations/i-1|Open in Sentinel>"
    )


def test_email_has_a_one_line_subject_and_the_items() -> None:
    message = Message(
        "collection-failed", integration_name="Line\nbreak", detail="AccessDenied on s3"
    )
    out = email(message)
    assert out["subject"] == "[Sentinel] The collection of Line break failed: AccessDenied on s3"
    first = email(failures("critical"))
    assert "- [critical] Check 0 <b>&</b>" in first["text"]
    assert "check aws_check_0 resource arn:aws:s3:::bucket-0" in first["text"]


def test_summaries_name_what_happened() -> None:
    first = Message(
        "new-failures", items=(item("high"),), total=1, integration_name="Acme", first=True
    )
    assert json.loads(render("slack", first))["text"] == (
        "Sentinel: First collection of Acme: 1 failing item"
    )
    refused = Message("limit-reached", integration_name="Acme", detail="limit of 100 checks")
    assert "refused by the plan's limits: limit of 100 checks" in email(refused)["subject"]
    reviews = Message("policy-review-due", items=(item(None), item(None, 1)), total=2)
    assert email(reviews)["subject"] == "[Sentinel] 2 policies are due for review within 14 days"


def test_the_signature_is_the_hex_hmac_sha256_of_the_raw_body() -> None:
    raw = render("webhook", failures("high")).encode()
    expected = hmac.new(b"k" * 64, raw, hashlib.sha256).hexdigest()
    assert signature("k" * 64, raw) == f"sha256={expected}"
    assert signature("k" * 64, raw + b" ") != f"sha256={expected}"


def test_the_public_url_comes_from_the_environment() -> None:
    assert public_url({"SENTINEL_PUBLIC_URL": "https://s.example.com/"}) == "https://s.example.com"
    assert public_url({"SENTINEL_PUBLIC_URL": "s.example.com"}) is None
    assert public_url({}) is None


def test_parsing_events_severities_kinds_and_urls() -> None:
    assert notify.parse_events(None) == list(EVENTS)
    assert notify.parse_events("fixed, NEW-FAILURES") == ["new-failures", "fixed"]
    assert notify.parse_events(["fixed", "limit-reached,fixed"]) == ["fixed", "limit-reached"]
    with pytest.raises(InvalidInput, match="unknown event 'nope'"):
        notify.parse_events("fixed,nope")
    assert notify.parse_min_severity("HIGH") == "high"
    assert notify.parse_min_severity("") is None
    with pytest.raises(InvalidInput, match="not a severity"):
        notify.parse_min_severity("urgent")
    with pytest.raises(InvalidInput, match="not a destination kind"):
        notify.parse_kind("pager")
    for bad in ("ftp://x/y", "hooks.example.com", "http://", "http://a b/", "http://h:99999/"):
        with pytest.raises(InvalidInput):
            notify.parse_url(bad, kind="webhook")
