"""Collection schedules: parsing --every and --cron, setting and removing, and what the queue's
workers call: claim_due (race-safe, missed slots collapsed, removed integrations dropped),
record_run and next_due_at. Time moves through ``now``; nothing sleeps."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from sentinel_cli.config import Settings
from sentinel_cli.errors import InvalidInput, NotFound
from sentinel_cli.operations import schedules
from sentinel_cli.store import Store, open_store

both_databases = pytest.mark.both_databases
"""The tests that use each statement of the schedules repository (and its CHECK constraints, and
two stores racing for one slot) run on PostgreSQL too; the rest compute slots the same way."""

T0 = datetime(2025, 3, 3, 10, 3, 27, 450000, tzinfo=UTC)
"""A Monday; not on a whole minute, with microseconds, as a real clock reads."""
ACME = "a1a1a1a1-0000-4000-8000-000000000001"
BETA = "b2b2b2b2-0000-4000-8000-000000000002"


def _connect(store: Store, integration_id: str, name: str) -> None:
    store.integrations.insert(
        integration_id=integration_id,
        type="GITHUB",
        name=name,
        external_id=None,
        config={"org": name},
        has_secret=False,
    )


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    with open_store(settings) as opened:
        _connect(opened, ACME, "acme")
        _connect(opened, BETA, "beta")
        yield opened


# -- --every ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds", "shown"),
    [
        ("1m", 60, "1m"),
        ("90m", 5400, "90m"),
        ("120m", 7200, "2h"),
        ("6h", 21600, "6h"),
        ("36h", 129600, "36h"),
        ("1d", 86400, "1d"),
        ("1440m", 86400, "1d"),
        (" 6H ", 21600, "6h"),
        ("2 h", 7200, "2h"),
        ("365d", 365 * 86400, "365d"),
    ],
)
def test_every_accepts_minutes_hours_and_days(text: str, seconds: int, shown: str) -> None:
    assert schedules.parse_every(text) == seconds
    assert schedules.format_every(seconds) == shown


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        ("", "--every: empty value", "e.g. 90m, 6h or 1d"),
        ("6", "--every: '6' is not an interval", "m (minutes), h (hours) or d (days)"),
        ("1.5h", "--every: '1.5h' is not an interval", "e.g. 90m, 6h or 1d"),
        ("-1h", "--every: '-1h' is not an interval", "e.g. 90m, 6h or 1d"),
        ("h", "--every: 'h' is not an interval", "e.g. 90m, 6h or 1d"),
        ("30s", "--every 30s: seconds are not a unit; the shortest interval is 1 minute", "1m"),
        ("2w", "--every 2w: unknown unit 'w'", "m (minutes), h (hours) or d (days)"),
        ("0m", "--every 0m: the shortest interval is 1 minute", "--every 1m or more"),
        ("366d", "--every 366d: the longest interval is 365 days (365d)", "--cron"),
        ("9" * 5000 + "m", "the longest interval is 365 days", "--cron"),
    ],
)
def test_every_refuses_with_the_option_and_an_example(text: str, message: str, hint: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        schedules.parse_every(text)
    assert message in refused.value.message
    assert refused.value.hint is not None and hint in refused.value.hint
    assert len(refused.value.message) < 200  # a huge value is not echoed whole


# -- --cron -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("0 */6 * * *", "0 */6 * * *"),
        ("  0   */6 *\t* *  ", "0 */6 * * *"),
        ("*/5 * * * *", "*/5 * * * *"),
        ("0 9 * * MON-FRI", "0 9 * * MON-FRI"),
        ("0 9 * * THU", "0 9 * * THU"),  # holds an H, but not the hashed value H
        ("0 0 1 JAN,MAR *", "0 0 1 JAN,MAR *"),  # holds an R, but not the random value R
        ("0 0 29 2 *", "0 0 29 2 *"),  # leap days come
    ],
)
def test_cron_accepts_five_fields_and_normalises_spaces(text: str, normalised: str) -> None:
    assert schedules.parse_cron(text, now=T0) == normalised


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "--cron: empty value"),
        ("* * * *", "has 4 fields; a cron line has five"),
        ("0 0 * * * *", "has 6 fields; a cron line has five"),
        ("@daily", "has 1 field; a cron line has five"),
        ("H * * * *", "uses H or R"),
        ("R 0 * * *", "uses H or R"),
        ("61 * * * *", "is not a cron line Sentinel can run"),
        ("0 0 31 4 *", "is not a cron line Sentinel can run"),  # 31 April never comes
        ("a b c d e", "is not a cron line Sentinel can run"),
        ("*/0 * * * *", "is not a cron line Sentinel can run"),
        ("0 0 * * " + "1," * 150 + "2", "--cron is longer than 200 characters"),
    ],
)
def test_cron_refuses_with_the_option_and_an_example(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        schedules.parse_cron(text, now=T0)
    assert message in refused.value.message
    assert refused.value.hint is not None and "0 */6 * * *" in refused.value.hint


# -- setting, reading, removing -----------------------------------------------------------------


def test_an_interval_runs_first_one_interval_after_it_is_set(store: Store) -> None:
    schedule = schedules.set_schedule(store, ACME, every="6h", actor="ada@example.com", now=T0)
    assert schedule == {
        "integrationId": ACME,
        "integrationName": "acme",
        "every": "6h",
        "cron": None,
        "nextRunAt": "2025-03-03T16:03:27Z",
        "lastRunAt": None,
        "lastJobId": None,
        "lastOutcome": None,
        "createdBy": "ada@example.com",
        "createdAt": "2025-03-03T10:03:27Z",
        "updatedAt": "2025-03-03T10:03:27Z",
    }
    assert schedules.get_schedule(store, "a1a1a1a1") == schedule  # a prefix works
    entry = store.activity.recent(limit=1)[0]
    assert entry["action"] == "schedule.set" and entry["actor"] == "ada@example.com"
    assert "'acme' is collected every 6h" in entry["message"]
    assert entry["target_id"] == ACME and entry["details"] == {"every": "6h", "cron": None}


def test_a_cron_line_runs_first_at_its_next_slot_in_utc(store: Store) -> None:
    schedule = schedules.set_schedule(store, ACME, cron="0 */6 * * *", now=T0)
    assert schedule["nextRunAt"] == "2025-03-03T12:00:00Z"
    assert schedule["every"] is None and schedule["cron"] == "0 */6 * * *"
    weekdays = schedules.set_schedule(store, BETA, cron="30 8 * * SAT", now=T0)
    assert weekdays["nextRunAt"] == "2025-03-08T08:30:00Z"


@both_databases
def test_setting_again_replaces_the_rule_and_keeps_its_history(store: Store) -> None:
    schedules.set_schedule(store, ACME, every="1h", actor="ada@example.com", now=T0)
    schedules.record_run(store, ACME, job_id="job-1", outcome="COMPLETED", now=T0)
    later = T0 + timedelta(days=2)
    replaced = schedules.set_schedule(
        store, ACME, cron="0 0 * * *", actor="bob@example.com", now=later
    )
    assert replaced["every"] is None and replaced["cron"] == "0 0 * * *"
    assert replaced["nextRunAt"] == "2025-03-06T00:00:00Z"
    assert replaced["createdBy"] == "ada@example.com"  # who created it first
    assert replaced["createdAt"] == "2025-03-03T10:03:27Z"
    assert replaced["updatedAt"] == "2025-03-05T10:03:27Z"
    assert (replaced["lastJobId"], replaced["lastOutcome"]) == ("job-1", "COMPLETED")
    assert [s["integrationId"] for s in schedules.list_schedules(store)] == [ACME]


def test_exactly_one_of_every_and_cron(store: Store) -> None:
    with pytest.raises(InvalidInput, match="either --every or --cron, not both"):
        schedules.set_schedule(store, ACME, every="6h", cron="0 * * * *", now=T0)
    with pytest.raises(InvalidInput, match="say when to collect") as neither:
        schedules.set_schedule(store, ACME, now=T0)
    assert neither.value.hint is not None and "at least 1m" in neither.value.hint
    assert schedules.list_schedules(store) == []
    assert [e["action"] for e in store.activity.recent()] == []


@both_databases
def test_unknown_and_removed_integrations_have_no_schedule(store: Store) -> None:
    with pytest.raises(NotFound, match="no integration with id 'nope'"):
        schedules.set_schedule(store, "nope", every="6h", now=T0)
    with pytest.raises(NotFound, match=r"'beta' .* has no schedule") as none:
        schedules.get_schedule(store, BETA)
    assert none.value.hint == "set one: sentinel schedules set --integration b2b2b2b2 --every 6h"
    schedules.set_schedule(store, BETA, every="6h", now=T0)
    store.integrations.mark_removed(BETA)
    with pytest.raises(NotFound):
        schedules.get_schedule(store, BETA)
    with pytest.raises(NotFound):
        schedules.set_schedule(store, BETA, every="6h", now=T0)
    assert schedules.list_schedules(store) == []
    assert schedules.next_due_at(store) is None


@both_databases
def test_removing_answers_the_schedule_it_had_and_records_it(store: Store) -> None:
    schedules.set_schedule(store, ACME, cron="0 */6 * * *", now=T0)
    removed = schedules.remove_schedule(store, ACME, actor="ada@example.com", now=T0)
    assert removed["cron"] == "0 */6 * * *"
    entry = store.activity.recent(limit=1)[0]
    assert entry["action"] == "schedule.removed" and entry["actor"] == "ada@example.com"
    assert "no longer collected on cron '0 */6 * * *' (UTC)" in entry["message"]
    with pytest.raises(NotFound, match="has no schedule"):
        schedules.remove_schedule(store, ACME, now=T0)
    assert schedules.list_schedules(store) == []


@both_databases
def test_list_is_soonest_first_and_next_due_at_is_the_soonest(store: Store) -> None:
    assert schedules.next_due_at(store) is None
    schedules.set_schedule(store, ACME, every="1d", now=T0)
    schedules.set_schedule(store, BETA, every="2h", now=T0)
    assert [s["integrationName"] for s in schedules.list_schedules(store)] == ["beta", "acme"]
    assert schedules.next_due_at(store) == datetime(2025, 3, 3, 12, 3, 27, tzinfo=UTC)


# -- what the workers call ----------------------------------------------------------------------


def test_nothing_is_claimed_before_its_slot(store: Store) -> None:
    schedules.set_schedule(store, ACME, every="1h", now=T0)
    assert schedules.claim_due(store, now=T0 + timedelta(minutes=59)) == []
    assert schedules.get_schedule(store, ACME)["nextRunAt"] == "2025-03-03T11:03:27Z"


def test_a_due_slot_is_claimed_once_and_moves_one_interval_on(store: Store) -> None:
    schedules.set_schedule(store, ACME, every="1h", now=T0)
    at_slot = datetime(2025, 3, 3, 11, 3, 27, tzinfo=UTC)
    assert schedules.claim_due(store, now=at_slot) == [ACME]
    assert schedules.get_schedule(store, ACME)["nextRunAt"] == "2025-03-03T12:03:27Z"
    assert schedules.claim_due(store, now=at_slot) == []
    assert schedules.claim_due(store, now=at_slot + timedelta(minutes=30)) == []


def test_missed_interval_slots_collapse_into_one_run_keeping_the_phase(store: Store) -> None:
    schedules.set_schedule(store, ACME, every="1h", now=T0)
    back = T0 + timedelta(hours=5, minutes=30)  # slots at 11:03, 12:03, 13:03, 14:03, 15:03 missed
    assert schedules.claim_due(store, now=back) == [ACME]
    assert schedules.get_schedule(store, ACME)["nextRunAt"] == "2025-03-03T16:03:27Z"
    assert schedules.claim_due(store, now=back) == []


@both_databases
def test_missed_cron_slots_collapse_into_one_run(store: Store) -> None:
    schedules.set_schedule(store, ACME, cron="0 * * * *", now=T0)  # next: 11:00
    back = datetime(2025, 3, 4, 15, 30, tzinfo=UTC)  # a day and more of hourly slots missed
    assert schedules.claim_due(store, now=back) == [ACME]
    assert schedules.get_schedule(store, ACME)["nextRunAt"] == "2025-03-04T16:00:00Z"
    assert schedules.claim_due(store, now=back + timedelta(minutes=29)) == []
    assert schedules.claim_due(store, now=datetime(2025, 3, 4, 16, 0, tzinfo=UTC)) == [ACME]


@both_databases
def test_a_removed_integrations_schedule_is_skipped_and_dropped(store: Store) -> None:
    schedules.set_schedule(store, ACME, every="1h", now=T0)
    schedules.set_schedule(store, BETA, every="1h", now=T0)
    store.integrations.mark_removed(BETA)
    assert schedules.claim_due(store, now=T0 + timedelta(hours=2)) == [ACME]
    assert store.schedules.get(BETA) is None
    assert store.schedules.get(ACME) is not None


def test_a_stale_claim_loses(store: Store, settings: Settings) -> None:
    """The conditional UPDATE on its own: two stores read the same due slot, the first to write
    wins, the second's UPDATE finds the slot moved and changes nothing."""
    schedules.set_schedule(store, ACME, every="1h", now=T0)
    with open_store(settings) as other:
        read_here = store.schedules.due("2025-03-03T12:00:00Z")
        read_there = other.schedules.due("2025-03-03T12:00:00Z")
        assert read_here == read_there and len(read_here) == 1
        slot = read_here[0]["next_run_at"]
        assert store.schedules.claim(ACME, expected_next=slot, next_run_at="2025-03-03T12:03:27Z")
        assert not other.schedules.claim(
            ACME, expected_next=slot, next_run_at="2025-03-03T12:03:27Z"
        )


@both_databases
def test_two_stores_on_one_file_claiming_the_same_slot_one_wins(
    store: Store, settings: Settings
) -> None:
    schedules.set_schedule(store, ACME, every="1m", now=T0)
    schedules.set_schedule(store, BETA, every="1m", now=T0)
    store.close()
    workers = [open_store(settings) for _ in range(4)]
    start = threading.Barrier(len(workers))
    claimed: list[list[str]] = [[] for _ in workers]
    errors: list[BaseException] = []
    now = T0 + timedelta(minutes=10)

    def work(index: int) -> None:
        try:
            start.wait()
            claimed[index] = schedules.claim_due(workers[index], now=now)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for worker in workers:
        worker.close()
    assert errors == []
    won = sorted(i for ids in claimed for i in ids)
    assert won == [ACME, BETA]  # each slot once, whoever won it


def test_record_run_remembers_the_latest_run(store: Store) -> None:
    schedules.set_schedule(store, ACME, every="1h", now=T0)
    schedules.record_run(
        store, ACME, job_id="job-9", outcome=" FAILED ", now=T0 + timedelta(hours=1)
    )
    schedule = schedules.get_schedule(store, ACME)
    assert (schedule["lastRunAt"], schedule["lastJobId"], schedule["lastOutcome"]) == (
        "2025-03-03T11:03:27Z",
        "job-9",
        "FAILED",
    )
    schedules.record_run(store, BETA, job_id=None, outcome="refused: plan limit")  # no schedule
    assert store.schedules.get(BETA) is None
    with pytest.raises(InvalidInput):
        schedules.record_run(store, ACME, job_id=None, outcome="  ")


@both_databases
def test_the_schema_refuses_an_interval_under_a_minute_and_two_rules(store: Store) -> None:
    for every, cron in ((59, None), (None, None), (60, "* * * * *")):
        with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError)) as refused:
            store.schedules.upsert(
                ACME, every_seconds=every, cron=cron, next_run_at="x", actor=None, at="x"
            )
        assert "check" in str(refused.value).lower()  # the CHECK constraint, not another failure
    assert store.schedules.get(ACME) is None
