"""Schedules over real HTTP: ``GET/PUT/DELETE /api/integrations/:id/schedule`` and
``GET /api/schedules``, with the roles (VIEWER reads, MEMBER sets and removes), the error
envelope for refused values, and a removed integration taking its schedule with it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from sentinel_cli.timeutil import parse_iso, utcnow
from tests.helpers.server import Api, assert_error, data_of

NOBODY = "00000000-0000-0000-0000-000000000000"


def _integration(api: Api, org: str) -> dict[str, Any]:
    body = {"orgName": org, "name": org, "token": "ghp_schedulesTest000000000000", "verify": False}
    created = api.as_("MEMBER").post("/api/integrations/github/connect", json=body)
    return data_of(created, 201)["integration"]  # type: ignore[no-any-return]


def _path(integration: dict[str, Any]) -> str:
    return f"/api/integrations/{integration['id']}/schedule"


def test_a_member_sets_a_viewer_reads_and_a_member_removes(api: Api) -> None:
    integration = _integration(api, "sched-one")
    member, viewer = api.as_("MEMBER"), api.as_("VIEWER")
    assert_error(viewer.get(_path(integration)), 404, "has no schedule")

    before = utcnow()
    schedule = data_of(member.put(_path(integration), json={"every": "6h"}))["schedule"]
    assert schedule["integrationId"] == integration["id"]
    assert schedule["integrationName"] == "sched-one"
    assert (schedule["every"], schedule["cron"]) == ("6h", None)
    assert schedule["createdBy"] == "member@example.com"
    wait = parse_iso(schedule["nextRunAt"]) - before
    assert timedelta(hours=5, minutes=59) < wait <= timedelta(hours=6, seconds=1)

    assert data_of(viewer.get(_path(integration)))["schedule"] == schedule
    listed = data_of(viewer.get("/api/schedules"))["schedules"]
    assert schedule in listed

    # A yearly line: the shared server's worker must not start a collection meanwhile.
    cron = data_of(member.put(_path(integration), json={"cron": "30  4 1 1 *"}))["schedule"]
    assert (cron["every"], cron["cron"]) == (None, "30 4 1 1 *")
    assert cron["nextRunAt"][4:] == "-01-01T04:30:00Z"

    removed = data_of(member.delete(_path(integration)))["schedule"]
    assert removed == cron  # the schedule it had
    assert_error(viewer.get(_path(integration)), 404, "has no schedule")
    assert_error(member.delete(_path(integration)), 404, "has no schedule")
    assert integration["id"] not in [
        s["integrationId"] for s in data_of(viewer.get("/api/schedules"))["schedules"]
    ]
    actions = [a["action"] for a in data_of(viewer.get("/api/activity?limit=5"))["activity"]]
    assert actions[:3] == ["schedule.removed", "schedule.set", "schedule.set"]


def test_a_viewer_cannot_set_or_remove(api: Api) -> None:
    integration = _integration(api, "sched-viewer")
    viewer = api.as_("VIEWER")
    assert_error(viewer.put(_path(integration), json={"every": "1d"}), 403, "needs the MEMBER")
    data_of(api.as_("MEMBER").put(_path(integration), json={"every": "1d"}))
    assert_error(viewer.delete(_path(integration)), 403, "needs the MEMBER")
    assert data_of(viewer.get(_path(integration)))["schedule"]["every"] == "1d"
    assert_error(api.anonymous().get("/api/schedules"), 401)
    # No schedule is left behind on the shared server for its worker to run.
    data_of(api.as_("MEMBER").delete(_path(integration)))


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"every": "30s"}, "the shortest interval is 1 minute"),
        ({"every": "0m"}, "the shortest interval is 1 minute"),
        ({"every": "6"}, "is not an interval"),
        ({"every": "1y"}, "unknown unit"),
        ({"every": ""}, "--every: empty value"),
        ({"cron": "* * * *"}, "a cron line has five"),
        ({"cron": "0 0 31 4 *"}, "is not a cron line Sentinel can run"),
        ({"every": "6h", "cron": "0 * * * *"}, "not both"),
        ({}, "say when to collect"),
        (None, "say when to collect"),
        ({"every": 6}, ""),
        ({"every": "6h", "unknown": 1}, ""),
    ],
)
def test_refused_values_get_400_and_leave_no_schedule(
    api: Api, body: dict[str, Any] | None, fragment: str
) -> None:
    integration = _integration(api, "sched-refused")
    member = api.as_("MEMBER")
    answer = (
        member.put(_path(integration), json=body)
        if body is not None
        else member.put(_path(integration))
    )
    assert_error(answer, 400, fragment)
    assert_error(api.as_("VIEWER").get(_path(integration)), 404)


def test_an_unknown_integration_is_404(api: Api) -> None:
    path = f"/api/integrations/{NOBODY}/schedule"
    assert_error(api.as_("MEMBER").put(path, json={"every": "6h"}), 404, "no integration")
    assert_error(api.as_("VIEWER").get(path), 404, "no integration")
    assert_error(api.as_("MEMBER").delete(path), 404, "no integration")


def test_removing_the_integration_removes_its_schedule(api: Api) -> None:
    integration = _integration(api, "sched-removed")
    data_of(api.as_("MEMBER").put(_path(integration), json={"every": "1d"}))
    data_of(api.as_("ADMIN").delete(f"/api/integrations/{integration['id']}"))
    assert_error(api.as_("VIEWER").get(_path(integration)), 404, "no integration")
    listed = data_of(api.as_("VIEWER").get("/api/schedules"))["schedules"]
    assert integration["id"] not in [s["integrationId"] for s in listed]
