"""Issue 22 end to end: the reference deployment, on one machine, collecting two large
integrations while one of its workers dies.

PostgreSQL (a fresh schema) holds the store, Redis (a fresh database) the queue; two
``sentinel serve --no-worker`` processes answer the API and two ``sentinel worker`` processes
do the work, all sharing one SENTINEL_HOME (the file secrets backend). A GitHub organisation of
300 repositories (the local stand-in) is connected and collected through the first server, a
3-account AWS organisation (a moto server) through the second. Both collections are split into
parts (batches of 100 repositories; one part per account) that the workers share.

Mid-job, the first worker (one thread) is SIGKILLed while the stand-in holds a request of its
GitHub part, so "mid-part" is a fact checked before the kill. Its part then runs on the other
worker once the lease expires, and both jobs complete: never reaped, never run again as a new
job. Their evidence, as (check id, resource id, status) multisets, equals that of the same two
collections run whole into a SQLite store, in a thread of this process while the deployment
works (the time of the test is the longer of the two, not their sum), from the same moto server
and a second GitHub stand-in serving the same seed (so holding the deployment's requests never
holds the baseline's).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from sentinel_cli.config import Settings
from sentinel_cli.operations import billing, integrations
from sentinel_cli.secrets import open_secrets
from sentinel_cli.standins.github_api import OWNER_TOKEN, GithubApiServer, running_github_api
from sentinel_cli.standins.github_seed import seed_org
from sentinel_cli.store import open_store
from tests.helpers.redis import fresh_queue_url
from tests.helpers.server import Server, add_users, data_of, login, server_env
from tests.helpers.waiting import wait_until
from tests.helpers.worker import Worker, start_worker
from tests.tasks.test_split_collections import (  # noqa: F401  (fixtures, used by name)
    REGION,
    ROLE,
    aws_env,
    evidence_multiset,
    moto_org,
    run_whole,
)

pytestmark = [pytest.mark.e2e, pytest.mark.long_wait, pytest.mark.slow]

REPOS = 300
BATCH = 100
ADMIN = "ops@example.com"
Key = tuple[str, str, str]
KEY_ID, SECRET = "AKIASEEDSEEDSEEDSEED", "seed"  # the management account's (aws_org_seed)


@pytest.fixture
def queue_url() -> Iterator[str]:
    with fresh_queue_url() as url:
        yield url


def _pid(owner: Any) -> int:
    return int(str(owner).split(":")[1])


class Deployment:
    """The processes of one deployment, and the store they share, seen from the test."""

    def __init__(self, home: Path, pg_url: str, queue_url: str) -> None:
        self.env = server_env(
            home,
            SENTINEL_DB=pg_url,
            SENTINEL_QUEUE=queue_url,
            SENTINEL_ALLOW_ENDPOINT_HOSTS="127.0.0.1",
            SENTINEL_SPLIT_REPOS=str(BATCH),
            SENTINEL_JOB_LEASE_SECONDS="5",
            SENTINEL_HOUSEKEEPING_SECONDS="0.5",
        )
        self.home = home
        self.settings = Settings.from_env(self.env)
        self.servers = [Server(home, self.env, args=("--no-worker",)) for _ in range(2)]
        self.workers: list[Worker] = []

    def start(self) -> None:
        """Both servers and both workers, started side by side: the first worker runs one task
        at a time (so when it is held mid-part it holds nothing else), the second two."""
        logs = self.home.parent
        with ThreadPoolExecutor(4) as pool:
            started = [pool.submit(server.start) for server in self.servers]
            workers = [
                pool.submit(start_worker, self.env, logs / "worker-1.log", "--concurrency", "1"),
                pool.submit(start_worker, self.env, logs / "worker-2.log", "--concurrency", "2"),
            ]
            for future in started:
                future.result()
            self.workers = [future.result() for future in workers]

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        for server in self.servers:
            server.stop()

    def parts(self, job_id: str) -> list[dict[str, Any]]:
        with open_store(self.settings) as store:
            return store.job_parts.of_job(job_id)


def _held_part(
    deployment: Deployment, job_id: str, github: GithubApiServer, worker: Worker
) -> str | None:
    """The GitHub part ``worker`` runs while the stand-in holds a request, if any."""
    if github.total_requests == 0:
        return None
    for part in deployment.parts(job_id):
        if part["status"] == "RUNNING" and _pid(part["lease_owner"]) == worker.proc.pid:
            return str(part["part_key"])
    return None


def _baseline(
    home: Path, github_url: str, aws_endpoint: str
) -> dict[str, tuple[str, Counter[Key]]]:
    """The same two collections, each run whole in this process into a SQLite store of its own:
    (status, evidence) by integration type."""
    settings = Settings(home=home, db_path=home / "sentinel.db", secrets_backend="file")
    settings.ensure_home()
    with open_store(settings) as store:
        billing.set_plan(store, "ENTERPRISE")
        secrets = open_secrets(settings, announce=False)
        github = integrations.connect_github(
            store, secrets, org="acme", token=OWNER_TOKEN, base_url=github_url, verify=False
        )
        aws = integrations.connect_aws(
            store,
            secrets,
            name="Org",
            regions=[REGION],
            access_key_id=KEY_ID,
            secret_access_key=SECRET,
            endpoint_url=aws_endpoint,
            verify=False,
            organization=True,
            member_role_name=ROLE,
        )
        out = {}
        for name, integration in (("github", github), ("aws", aws)):
            job = run_whole(store, secrets, settings, integration["id"])
            out[name] = (str(job["status"]), evidence_multiset(store, job["id"]))
    return out


def _ended(client: httpx.Client, job_id: str) -> dict[str, Any] | None:
    job = data_of(client.get(f"/api/jobs/{job_id}"))
    job = job.get("job", job)
    return job if job["status"] != "RUNNING" else None


def test_two_servers_and_two_workers_on_postgresql_and_redis_survive_a_killed_worker(
    tmp_path: Path,
    home: Path,
    pg_url: str,
    queue_url: str,
    moto_org: tuple[str, Any],  # noqa: F811
    aws_env: None,  # noqa: F811
) -> None:
    began = time.monotonic()
    endpoint, manifest = moto_org
    github_body = {"orgName": "acme", "token": OWNER_TOKEN, "verify": False}
    aws_body = {
        "name": "Org",
        "regions": [REGION],
        "accessKeyId": KEY_ID,
        "secretAccessKey": SECRET,
        "endpointUrl": endpoint,
        "verify": False,
        "organization": True,
        "memberRoleName": ROLE,
    }
    deployment = Deployment(home, pg_url, queue_url)
    add_users(deployment.settings, (ADMIN, "ADMIN"))
    seed = seed_org("acme", repos=REPOS)
    with (
        running_github_api(seed) as (base_url, github),
        # The baseline's own stand-in, serving the same seed: the gate below must hold only the
        # deployment's requests.
        running_github_api(seed) as (baseline_url, _),
        ThreadPoolExecutor(1) as pool,
    ):
        # The same collections, whole, on SQLite, in this process, beside the deployment's run.
        whole = pool.submit(_baseline, tmp_path / "sqlite-home", baseline_url, endpoint)
        github_body["baseUrl"] = base_url
        try:
            deployment.start()
            first, second = deployment.workers
            token = login(deployment.servers[0], ADMIN)  # one signing key: valid on both
            clients = [server.client(token) for server in deployment.servers]
            gh_id = data_of(
                clients[0].post("/api/integrations/github/connect", json=github_body), 201
            )["integration"]["id"]
            aws_id = data_of(clients[1].post("/api/integrations/aws/connect", json=aws_body), 201)[
                "integration"
            ]["id"]
            gh_job = data_of(clients[0].post(f"/api/integrations/{gh_id}/collect"), 202)["job"][
                "id"
            ]
            aws_job = data_of(clients[1].post(f"/api/integrations/{aws_id}/collect"), 202)["job"][
                "id"
            ]

            # Split: hold every GitHub request until the first worker is inside a GitHub part.
            wait_until(
                lambda: deployment.parts(gh_job), 60, "the GitHub job to be split", every=0.05
            )
            github.reset_counters()
            github.hold = threading.Event()
            held = wait_until(
                lambda: _held_part(deployment, gh_job, github, first),
                60,
                "the first worker to be held mid-part",
                every=0.05,
            )
            owned = {
                (job, p["part_key"])
                for job in (gh_job, aws_job)
                for p in deployment.parts(job)
                if p["status"] == "RUNNING" and _pid(p["lease_owner"]) == first.proc.pid
            }
            first.kill()
            github.hold.set()
            github.hold = None

            done_gh = wait_until(lambda: _ended(clients[0], gh_job), 120, "the GitHub job to end")
            done_aws = wait_until(lambda: _ended(clients[1], aws_job), 120, "the AWS job to end")
            for client in clients:
                client.close()
        finally:
            github.hold = None
            deployment.stop()
        baseline = whole.result()

    # Both jobs ended as the whole collections did (moto lacks a few APIs: the AWS one PARTIAL).
    assert done_gh["status"] == baseline["github"][0] == "COMPLETED", done_gh
    assert done_aws["status"] == baseline["aws"][0] != "FAILED", done_aws
    assert "interrupted" not in str(done_gh["errorMessage"]) + str(done_aws["errorMessage"])
    parts = {job: {p["part_key"]: p for p in deployment.parts(job)} for job in (gh_job, aws_job)}
    listed = REPOS - 1  # the seed's listing holds one archived repository
    assert list(parts[gh_job]) == ["org"] + [
        f"repos-{n:04d}" for n in range(1, (listed + BATCH - 1) // BATCH + 1)
    ]
    accounts = [manifest.management_id, *manifest.members.values()]
    assert sorted(parts[aws_job]) == sorted(f"account-{a}" for a in accounts)
    assert {p["status"] for job in parts.values() for p in job.values()} == {"DONE"}
    # What the killed worker held ran again, on the other worker.
    assert (gh_job, held) in owned
    for job, key in owned:
        assert parts[job][key]["attempt"] == 2, parts[job][key]
        assert _pid(parts[job][key]["lease_owner"]) == second.proc.pid
    with open_store(deployment.settings) as store:
        for iid in (gh_id, aws_id):
            jobs = store.jobs.list_for(iid)
            assert len(jobs) == 1 and jobs[0]["retry_of"] is None  # never reaped, never re-run
        split_gh = evidence_multiset(store, gh_job)
        split_aws = evidence_multiset(store, aws_job)
    assert sum(split_gh.values()) == done_gh["totalCount"] > REPOS
    assert split_gh == baseline["github"][1]
    assert split_aws == baseline["aws"][1]
    assert {r for (c, r, s) in split_aws if c == "aws_organizations_accounts_audited"} == set(
        accounts
    )
    print(f"scale-out end to end: {time.monotonic() - began:.1f} s")
