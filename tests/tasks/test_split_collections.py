"""Split collections, driven in this process part by part (the queue's role played by a list):
the evidence of a split collection equals the whole collection's, as a multiset of (check,
resource, status), for a GitHub organisation of 120 repositories in batches of 25 and for a
3-account AWS organisation on moto; a part that fails for good yields ERROR items for its scope
and the job ends PARTIAL. Real stand-ins (the GitHub stand-in, a moto server), real store.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from sentinel_cli.config import Settings
from sentinel_cli.operations import billing, integrations, job_leases, split
from sentinel_cli.operations.collect import CollectionOptions, run_collection, start_collection
from sentinel_cli.secrets import SecretStore, open_secrets
from sentinel_cli.standins.github_api import OWNER_TOKEN, running_github_api
from sentinel_cli.standins.github_seed import seed_org
from sentinel_cli.store import Store, open_store

REPOS = 60
BATCH = 15
CHECK = "aws_organizations_accounts_audited"


def evidence_multiset(
    store: Store, job_id: str, *, but_account: str | None = None
) -> Counter[tuple[str, str, str]]:
    """(check id, resource id, status) of a job's evidence; ``but_account``: without the items
    that account's own inventory produced (its resources and its account-level results)."""
    rows = store.conn.execute(
        "SELECT check_id, resource_id, status, account_id FROM evidence WHERE job_id = ?",
        (job_id,),
    ).fetchall()
    return Counter(
        (str(r[0]), str(r[1]), str(r[2]))
        for r in rows
        if but_account is None or r[3] != but_account or r[0] == CHECK
    )


def run_split(
    store: Store,
    secrets: SecretStore,
    settings: Settings,
    job_id: str,
    *,
    fail: frozenset[str] = frozenset(),
    rerun_own: bool = False,
) -> dict[str, Any]:
    """Run a queued job as workers would: the first takes it and splits it, then each enqueued
    part is taken and run (or, for the parts in ``fail``, fails on every attempt). ``rerun_own``:
    the splitting worker's own part is run again from its stored scope by another worker, as
    after its first worker died (its first result is thrown away)."""
    assert job_leases.take(store, job_id, owner="w-0", seconds=60)
    queue: list[tuple[str, str]] = []
    followed: list[str | None] = []
    splitter = split.WorkerSplitter(
        store,
        job_id,
        owner="w-0",
        lease_seconds=60,
        settings=settings,
        enqueue=lambda job, key: queue.append((job, key)),
        follow=followed.append,
        actor=None,
    )
    run_collection(store, secrets, settings, job_id, splitter=splitter)
    assert splitter.split and followed == [splitter.own_key]
    row = store.jobs.get(job_id)
    assert row is not None and row["status"] == "RUNNING"
    assert row["lease_owner"] == "parts" and row["lease_expires_at"] is None
    if rerun_own:
        store.conn.execute(
            "UPDATE job_parts SET status = 'PENDING', result = NULL, attempt = 2 "
            "WHERE job_id = ? AND part_key = ?",
            (job_id, splitter.own_key),
        )
        queue.append((job_id, splitter.own_key))
    turn = 0
    while queue:
        job, key = queue.pop(0)
        turn += 1
        owner = f"w-{turn}"
        if not split.take_part(store, job, key, owner=owner, seconds=60):
            continue
        if key in fail:
            retry, last = split.part_failed(
                store, job, key, owner=owner, message="the stand-in is gone", seconds=60
            )
            if retry:
                queue.append((job, key))
        else:
            result = split.run_part(store, secrets, settings, job, key, options=CollectionOptions())
            last = split.end_part(store, job, key, owner=owner, result=result, seconds=60)
        if last:
            assert not queue  # the last part ended: nothing may be left to run
            split.complete_split(store, settings, job)
    done = store.jobs.get(job_id)
    assert done is not None
    return done


def run_whole(store: Store, secrets: SecretStore, settings: Settings, iid: str) -> dict[str, Any]:
    job = start_collection(store, iid, trigger="cli")
    run_collection(store, secrets, settings, job["id"])
    done = store.jobs.get(job["id"])
    assert done is not None
    return done


def test_a_split_github_collection_equals_the_whole_one(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(split.ENV_SPLIT_REPOS, str(BATCH))
    with (
        running_github_api(seed_org("acme", repos=REPOS)) as (base_url, _github),
        open_store(settings) as store,
    ):
        billing.set_plan(store, "ENTERPRISE")
        secrets = open_secrets(settings, announce=False)
        iid = integrations.connect_github(
            store, secrets, org="acme", token=OWNER_TOKEN, base_url=base_url, verify=False
        )["id"]
        queued = start_collection(store, iid, trigger="api", queued=True)
        done = run_split(store, secrets, settings, queued["id"])
        parts = store.job_parts.of_job(queued["id"])
        listed = REPOS - 1  # the seed's listing holds one archived repository
        assert [p["part_key"] for p in parts] == ["org"] + [
            f"repos-{n:04d}" for n in range(1, (listed + BATCH - 1) // BATCH + 1)
        ]
        assert {p["status"] for p in parts} == {"DONE"}
        assert (done["progress_done"], done["progress_total"]) == (len(parts), len(parts))
        assert all(r["result"] is None for r in store.job_parts.results(queued["id"]))
        whole = run_whole(store, secrets, settings, iid)
        assert store.job_parts.of_job(whole["id"]) == []  # in-process runs are never split
        split_items = evidence_multiset(store, queued["id"])
        whole_items = evidence_multiset(store, whole["id"])
    assert done["status"] == whole["status"]
    assert sum(split_items.values()) == done["total_count"] > REPOS
    assert split_items == whole_items


def test_a_github_part_that_fails_for_good_ends_the_job_partial(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(split.ENV_SPLIT_REPOS, "20")
    with (
        running_github_api(seed_org("acme", profile="hardened", repos=60)) as (base_url, _),
        open_store(settings) as store,
    ):
        billing.set_plan(store, "ENTERPRISE")
        secrets = open_secrets(settings, announce=False)
        iid = integrations.connect_github(
            store, secrets, org="acme", token=OWNER_TOKEN, base_url=base_url, verify=False
        )["id"]
        queued = start_collection(store, iid, trigger="api", queued=True)
        done = run_split(store, secrets, settings, queued["id"], fail=frozenset({"repos-0002"}))
        parts = {p["part_key"]: p for p in store.job_parts.of_job(queued["id"])}
        failed = parts["repos-0002"]
        assert failed["status"] == "FAILED" and failed["attempt"] == split.MAX_PART_ATTEMPTS
        assert "the stand-in is gone" in failed["error"]
        batch = [
            str(r["full_name"])
            for r in json.loads(
                store.conn.execute(
                    "SELECT scope FROM job_parts WHERE job_id = ? AND part_key = ?",
                    (queued["id"], "repos-0002"),
                ).fetchone()[0]
            )["repos"]
        ]
        items = evidence_multiset(store, queued["id"])
        whole = run_whole(store, secrets, settings, iid)
        whole_items = evidence_multiset(store, whole["id"])
    assert whole["status"] == "COMPLETED"
    assert done["status"] == "PARTIAL" and done["error_count"] > 0
    errored = {resource for (_, resource, status) in items if status == "ERROR"}
    assert errored == set(batch)

    def outside(key: tuple[str, str, str]) -> bool:
        return key[1].split("#")[0] not in batch  # a repository, or a hook/key of one

    # Everything outside the failed batch is judged exactly as the whole collection judged it.
    assert {k: v for k, v in items.items() if outside(k)} == {
        k: v for k, v in whole_items.items() if outside(k)
    }


# -- AWS ---------------------------------------------------------------------------------------

REGION = "us-east-1"
ROLE = "SentinelAudit"


@pytest.fixture(scope="module")
def moto_org() -> Iterator[tuple[str, Any]]:
    """A moto server (a subprocess) with an organisation of three accounts, every member with
    the member role and a console user without MFA of its own."""
    from sentinel_cli.collectors.aws.session import AwsCredentials, build_session, plain_client
    from sentinel_cli.standins.aws_org_seed import seed_organization
    from sentinel_cli.standins.moto_server import MOTO_ENV, running_moto_server

    with pytest.MonkeyPatch.context() as mp:
        for key, value in MOTO_ENV.items():
            mp.setenv(key, value)
        for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
            mp.delenv(key, raising=False)
        mp.setenv("AWS_CONFIG_FILE", "/dev/null")
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        with running_moto_server() as endpoint:
            base = AwsCredentials(
                region=REGION,
                access_key_id="AKIASEEDSEEDSEEDSEED",
                secret_access_key="seed",
                endpoint_url=endpoint,
            )
            manifest = seed_organization(base, members=("prod", "staging"), role_name=ROLE)
            for name in ("prod", "staging"):
                session = build_session(manifest.member_credentials(base, name))
                iam = plain_client(session, "iam", region=REGION, endpoint_url=endpoint)
                iam.create_user(UserName=f"{name}-admin")
                iam.create_login_profile(UserName=f"{name}-admin", Password="Seed-Passw0rd-X!")
            yield endpoint, manifest


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    from sentinel_cli.standins.moto_server import MOTO_ENV

    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # moto's missing APIs need no retries
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in MOTO_ENV.items():
        monkeypatch.setenv(key, value)


@pytest.mark.long_wait
def test_a_split_aws_organisation_reruns_a_part_and_reports_a_lost_account(
    settings: Settings, moto_org: tuple[str, Any], aws_env: None
) -> None:
    endpoint, manifest = moto_org
    with open_store(settings) as store:
        billing.set_plan(store, "ENTERPRISE")
        secrets = open_secrets(settings, announce=False)
        iid = integrations.connect_aws(
            store,
            secrets,
            name="Org",
            regions=[REGION],
            access_key_id="AKIASEEDSEEDSEEDSEED",
            secret_access_key="seed",
            endpoint_url=endpoint,
            verify=False,
            organization=True,
            member_role_name=ROLE,
        )["id"]
        queued = start_collection(store, iid, trigger="api", queued=True)
        # The management account's part runs again on "another worker", from its stored scope.
        done = run_split(store, secrets, settings, queued["id"], rerun_own=True)
        parts = store.job_parts.of_job(queued["id"])
        assert parts[0]["attempt"] == 2
        accounts = [manifest.management_id, *manifest.members.values()]
        assert [p["part_key"] for p in parts] == [f"account-{a}" for a in accounts]
        assert {p["status"] for p in parts} == {"DONE"}
        split_items = evidence_multiset(store, queued["id"])

        # A member whose part fails for good: its account is reported ERROR, not dropped. (The
        # split run equals a whole one: tests/tasks/test_scale_out.py compares them.)
        lost = manifest.members["staging"]
        queued = start_collection(store, iid, trigger="api", queued=True)
        partial = run_split(
            store, secrets, settings, queued["id"], fail=frozenset({f"account-{lost}"})
        )
        partial_items = evidence_multiset(store, queued["id"])
        split_but_lost = evidence_multiset(store, done["id"], but_account=lost)
        partial_but_lost = evidence_multiset(store, queued["id"], but_account=lost)
        assert not any(
            status != "ERROR" or check == CHECK
            for (check, _, status) in partial_items - partial_but_lost
        )
    assert done["status"] in ("COMPLETED", "PARTIAL")
    assert {r for (c, r, s) in split_items if c == CHECK and s == "PASS"} == set(accounts)
    assert partial["status"] == "PARTIAL"
    assert (CHECK, lost, "ERROR") in partial_items
    assert (CHECK, lost, "PASS") in split_items
    kept = Counter({k: v for k, v in split_but_lost.items() if k != (CHECK, lost, "PASS")})
    assert partial_but_lost == kept + Counter({(CHECK, lost, "ERROR"): 1})


@pytest.mark.both_databases
def test_the_reaper_gives_an_expired_part_three_runs_and_the_job_is_never_reaped(
    settings: Settings,
) -> None:
    with open_store(settings) as store:
        iid = integrations.connect_github(
            store, open_secrets(settings, announce=False), org="a", token="t", verify=False
        )["id"]
        job_id = start_collection(store, iid, trigger="api", queued=True)["id"]
        assert job_leases.take(store, job_id, owner="w-0", seconds=60)
        with store.transaction():
            assert store.job_parts.split(
                job_id,
                job_owner="w-0",
                parts=[("org", "{}"), ("repos-0001", "{}")],
                running="org",
                owner="w-0",
                expires_at=0.0,  # already expired: the worker running it is gone
                now="2026-01-01T00:00:00Z",
            )
        # The job's lease belongs to its parts: no job reaper ends it, however long they take.
        assert job_leases.reap_expired(store, now=1e12) == []
        assert job_leases.untaken(store, older_than=0) == []
        # A part never taken, its task lost: enqueued again once the queue is empty.
        assert split.untaken_parts(store, older_than=60) == [(job_id, "repos-0001")]
        assert split.take_part(store, job_id, "repos-0001", owner="w-1", seconds=60)
        assert not split.take_part(store, job_id, "repos-0001", owner="w-2", seconds=60)
        # Not the last part (the org part still runs): the caller is not to end the job.
        assert not split.end_part(store, job_id, "repos-0001", owner="w-1", result="{}", seconds=60)
        for attempt in (1, 2, 3):
            assert split.reap_expired_parts(store) == [(job_id, "org")]
            part = store.job_parts.get(job_id, "org")
            assert part is not None
            if attempt < split.MAX_PART_ATTEMPTS:
                assert (part["status"], part["attempt"]) == ("PENDING", attempt + 1)
                assert split.take_part(store, job_id, "org", owner=f"w-{attempt}", seconds=-1)
            else:
                assert (part["status"], part["attempt"]) == ("FAILED", 3)
                assert "killed or cut off" in part["error"]
        assert split.reap_expired_parts(store) == []
        # The reaper's task for the failed part finds the job ready to end: one taker only.
        assert split.try_complete(store, job_id, owner="w-9", seconds=60)
        assert not split.try_complete(store, job_id, owner="w-8", seconds=60)
        job = store.jobs.get(job_id)
        assert job is not None and job["lease_owner"] == "w-9" and job["status"] == "RUNNING"
        assert (job["progress_done"], job["progress_total"]) == (1, 2)
