"""An integration's schedule on its page, over real HTTP: every role sees it and its next run; a
MEMBER sets it (an interval, then a cron line), a refused value comes back beside the form with
what was typed, and the MEMBER removes it. Writes happen on ``workshop`` (on an integration no
other page test uses); the VIEWER sees no form."""

from __future__ import annotations

import html as html_text
import re

import httpx

from sentinel_cli.store import open_store
from tests.web.browser import Browser
from tests.web.conftest import Site


def _html(response: httpx.Response, status: int = 200) -> str:
    assert response.status_code == status, response.text[:3000]
    assert response.headers["content-type"].startswith("text/html")
    assert "Traceback" not in response.text
    return response.text


def _section(html: str) -> str:
    return html.split('<section id="schedule"', 1)[1].split("</section>", 1)[0]


def _text(html: str) -> str:
    return html_text.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _post(browser: Browser, path: str, page: str, **data: str) -> httpx.Response:
    return browser.post(path, data={"csrf_token": browser.token(page), **data})


def test_a_member_sets_changes_and_removes_the_schedule(
    workshop: Site, crew: dict[str, Browser]
) -> None:
    member, viewer = crew["MEMBER"], crew["VIEWER"]
    ident = workshop.estate.integrations["staging"]
    page = f"/integrations/{ident}"
    action = f"{page}/schedule"

    before = _section(_html(member.get(page)))
    assert "Not collected on a schedule." in _text(before)
    assert f'action="{action}"' in before and ">Set schedule</button>" in before
    assert f'action="{action}/remove"' not in before
    for label in ("Every", "Or a cron line (UTC)"):
        assert f">{label}</label>" in before, label
    assert 'placeholder="6h"' in before and "at least 1m" in before

    saved = _post(member, action, page, every="6h", cron="")
    assert saved.status_code == 303, saved.text[:2000]
    assert saved.headers["location"] == f"{page}#schedule"
    shown = _text(_section(_html(member.get(page))))
    assert "Every 6h" in shown and "Next run" in shown and "UTC" in shown
    assert "member@example.com" in shown
    with open_store(workshop.server.settings) as store:
        row = store.schedules.get(ident)
    assert row is not None and row["every_seconds"] == 21600 and row["cron"] is None
    assert row["created_by"] == "member@example.com"

    # A viewer sees the schedule and its next run, and no form.
    seen = _section(_html(viewer.get(page)))
    assert "Every 6h" in _text(seen) and row["next_run_at"] in seen
    assert "<form" not in seen

    changed = _post(member, action, page, every="", cron="30 4 1 1 *")  # yearly: never due here
    assert changed.status_code == 303
    shown = _text(_section(_html(member.get(page))))
    assert "On the cron line 30 4 1 1 * (UTC)" in shown and "-01-01 04:30 UTC" in shown

    removed = _post(member, f"{action}/remove", page)
    assert removed.status_code == 303
    assert "Not collected on a schedule." in _text(_section(_html(member.get(page))))
    with open_store(workshop.server.settings) as store:
        assert store.schedules.get(ident) is None
        actions = [a["action"] for a in store.activity.recent(limit=3)]
    assert actions == ["schedule.removed", "schedule.set", "schedule.set"]


def test_a_refused_schedule_says_why_and_keeps_what_was_typed(
    workshop: Site, crew: dict[str, Browser]
) -> None:
    member = crew["MEMBER"]
    ident = workshop.estate.integrations["acme"]
    page = f"/integrations/{ident}"
    cases = [
        ({"every": "30s", "cron": ""}, "the shortest interval is 1 minute", 'value="30s"'),
        ({"every": "6h", "cron": "0 * * * *"}, "not both", 'value="0 * * * *"'),
        ({"every": " ", "cron": ""}, "say when to collect", 'value=" "'),
        ({"every": "", "cron": "0 0 31 4 *"}, "is not a cron line", 'value="0 0 31 4 *"'),
    ]
    for data, message, typed in cases:
        html = _html(_post(member, f"{page}/schedule", page, **data), 400)
        section = _section(html)
        alert = section.split('role="alert"', 1)[1].split("</div>", 1)[0]
        assert message in _text(alert), data
        assert typed in section, data
    with open_store(workshop.server.settings) as store:
        assert store.schedules.get(ident) is None
    # Removing a schedule that is not there says so on the page.
    gone = _html(_post(member, f"{page}/schedule/remove", page), 404)
    assert "has no schedule" in _text(_section(gone))
    # An unknown integration is the 404 page.
    assert _html(_post(member, "/integrations/00000000/schedule", page, every="6h"), 404)
