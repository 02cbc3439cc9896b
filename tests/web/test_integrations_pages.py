"""The integrations pages over real HTTP: the list and an integration's page for each role, a
MEMBER connecting a GitHub organisation (the local stand-in) and following its collection through
the progress region until it ends, the live progress of a running job, and the refusals a form
shows: the server's outbound rule (a loopback endpoint without the operator's allowance), bad
input, a collection already running, with the typed values kept and secrets never sent back.
"""

from __future__ import annotations

import html as html_text
import re
import time

import httpx

from sentinel_cli.standins.github_api import OWNER_TOKEN, running_github_api
from sentinel_cli.standins.github_seed import seed_org
from sentinel_cli.store import open_store
from tests.web.browser import Browser
from tests.web.conftest import Site, email_of

PROGRESS_TRIGGER = 'hx-trigger="every 2s"'


def _html(response: httpx.Response, status: int = 200) -> str:
    assert response.status_code == status, response.text[:3000]
    assert response.headers["content-type"].startswith("text/html")
    assert "Traceback" not in response.text
    return response.text


def _text(html: str) -> str:
    return html_text.unescape(re.sub(r"\s+", " ", html))


def _form(html: str, action: str) -> str:
    return html.split(f'action="{action}"', 1)[1].split("</form>", 1)[0]


def test_a_viewer_sees_the_integrations_without_any_form(site: Site, viewer: Browser) -> None:
    html = _html(viewer.get("/integrations"))
    for label, integration_id in site.estate.integrations.items():
        if label != "legacy":  # removed
            assert f'<a href="/integrations/{integration_id}">{label}</a>' in html
    assert "Connect GitHub" not in html and "Connect AWS" not in html
    assert "/integrations/connect/" not in html
    prod = _html(viewer.get(f"/integrations/{site.estate.integrations['prod']}"))
    assert "<h1>prod</h1>" in prod and "Collect now" not in prod
    jobs = prod.split('id="jobs-heading"', 1)[1]
    assert jobs.count('<span class="badge badge-completed">COMPLETED</span>') == 3
    assert '<span class="badge badge-failed">FAILED</span>' in jobs
    assert 'id="job-progress"' in prod and PROGRESS_TRIGGER not in prod  # its newest job ended
    assert _html(viewer.get("/integrations/00000000"), 404)


def test_a_member_sees_both_connect_forms_with_their_labels(site: Site) -> None:
    with Browser(site.server) as member:
        html = _html(member.signed_in(email_of("MEMBER")).get("/integrations"))
    github = _form(html, "/integrations/connect/github")
    assert 'aria-labelledby="github-heading"' in github
    for label in ("Organization", "Token", "API base URL", "Name"):
        assert f">{label}</label>" in github, label
    assert 'type="password"' in github and ">Connect GitHub</button>" in github
    aws = _form(html, "/integrations/connect/aws")
    for label in (
        "Name",
        "Access key ID",
        "Secret access key",
        "Region",
        "Role ARN",
        "External ID",
        "Endpoint URL",
    ):
        assert f">{label}</label>" in aws, label
    assert ">Connect AWS</button>" in aws
    assert '<h2 id="github-heading">Connect GitHub</h2>' in html


def test_a_loopback_endpoint_is_refused_without_the_operators_allowance(site: Site) -> None:
    """``site`` runs without SENTINEL_ALLOW_ENDPOINT_HOSTS: the outbound rule refuses before any
    connection, and the form comes back with what was typed, minus the token."""
    secret = "ghp_typedTokenThatMustNotComeBack0000000001"
    with (
        running_github_api(seed_org("acme")) as (base_url, stand_in),
        Browser(site.server) as member,
    ):
        member.signed_in(email_of("MEMBER"))
        answer = member.post(
            "/integrations/connect/github",
            data={
                "csrf_token": member.token("/integrations"),
                "org": "acme",
                "token": secret,
                "base_url": base_url,
                "name": "Loopback org",
            },
        )
        html = _html(answer, 400)
        assert "which this server does not contact" in _text(html)
        assert "--allow-endpoint-hosts" in _text(html)  # the hint
        github = _form(html, "/integrations/connect/github")
        assert 'role="alert"' in github
        assert 'value="acme"' in github and f'value="{base_url}"' in github
        assert 'value="Loopback org"' in github
        assert secret not in html
        aws = member.post(
            "/integrations/connect/aws",
            data={
                "csrf_token": member.token("/integrations"),
                "access_key_id": "AKIAEXAMPLEKEY000001",
                "secret_access_key": "s3cr3t-typed-value-not-echoed",
                "region": "eu-west-1",
                "endpoint_url": base_url,
            },
        )
        aws_html = _html(aws, 400)
        assert "which this server does not contact" in _text(aws_html)
        assert "s3cr3t-typed-value-not-echoed" not in aws_html
        form = _form(aws_html, "/integrations/connect/aws")
        assert 'value="AKIAEXAMPLEKEY000001"' in form and 'value="eu-west-1"' in form
    assert stand_in.total_requests == 0  # refused before any connection
    with open_store(site.server.settings) as store:
        names = [row["name"] for row in store.integrations.list()]
    assert "Loopback org" not in names and len(names) == 3


def test_bad_input_is_the_operations_message_and_nothing_is_stored(workshop: Site) -> None:
    with Browser(workshop.server) as member:
        member.signed_in(email_of("MEMBER"))
        token = member.token("/integrations")
        bad_org = member.post(
            "/integrations/connect/github",
            data={"csrf_token": token, "org": "not an org!", "token": "x" * 20},
        )
        assert "is not a GitHub organisation login" in _text(_html(bad_org, 400))
        half_keys = member.post(
            "/integrations/connect/aws",
            data={"csrf_token": token, "access_key_id": "AKIAEXAMPLE", "region": "us-east-1"},
        )
        assert "--access-key-id and --secret-access-key go together" in _text(_html(half_keys, 400))
        region = member.post(
            "/integrations/connect/aws",
            data={"csrf_token": token, "region": "mars-1"},
        )
        assert "is not an AWS region name" in _text(_html(region, 400))
        too_long = member.post(
            "/integrations/connect/github",
            data={"csrf_token": token, "org": "acme", "token": "t", "name": "n" * 5000},
        )
        assert _html(too_long, 400)


def _poll(browser: Browser, integration_id: str, timeout: float = 120) -> list[str]:
    """Ask for the progress region as htmx does until it stops asking for itself."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fragment = _html(
            browser.get(f"/integrations/{integration_id}/progress", headers={"HX-Request": "true"})
        )
        assert "<html" not in fragment and fragment.lstrip().startswith("<section")
        seen.append(fragment)
        if PROGRESS_TRIGGER not in fragment:
            return seen
        time.sleep(0.1)
    raise AssertionError(f"the collection was still running after {timeout} s: {seen[-1]}")


def test_a_member_connects_github_collects_and_follows_the_progress(
    workshop: Site, crew: dict[str, Browser]
) -> None:
    member = crew["MEMBER"]
    # 60 repositories: a collection long enough for the polls to catch it running.
    with running_github_api(seed_org("acme", repos=60)) as (base_url, _stand_in):
        connected = member.post(
            "/integrations/connect/github",
            data={
                "csrf_token": member.token("/integrations"),
                "org": "acme",
                "token": OWNER_TOKEN,
                "base_url": base_url,
                "name": "Acme stand-in",
            },
        )
        assert connected.status_code == 303, connected.text[:2000]
        location = connected.headers["location"]
        assert re.fullmatch(r"/integrations/[0-9a-f-]{36}", location)
        integration_id = location.rsplit("/", 1)[1]
        page = _html(member.get(location))
        assert "<h1>Acme stand-in</h1>" in page and ">Collect now</button>" in page
        assert OWNER_TOKEN not in page
        assert "Nothing collected yet." in page

        started = member.post(f"{location}/collect", data={"csrf_token": member.token(location)})
        assert started.status_code == 303 and started.headers["location"] == location
        running = _html(member.get(location))
        fragments = _poll(member, integration_id)
    final = fragments[-1]
    assert 'id="job-progress"' in final and "hx-get" not in final
    assert re.search(r'badge-(completed|partial)">(COMPLETED|PARTIAL)</span>', final), final
    assert "items:" in final and "See this integration's evidence" in final
    assert 'id="job-progress"' in running
    steps = []
    for fragment in fragments[:-1]:  # every poll made while the job ran showed its progress
        assert '<progress aria-label="Collection progress"' in fragment
        assert PROGRESS_TRIGGER in fragment and 'hx-swap="outerHTML"' in fragment
        # RUNNING, or QUEUED if a poll came before the embedded worker took the job.
        assert re.search(r'badge-(running|queued)">(RUNNING|QUEUED)</span>', fragment), fragment
        steps += [(int(d), int(t)) for d, t in re.findall(r"<p>(\d+) of (\d+) steps", fragment)]
    # 60 repositories take the stand-in long enough for the polls to see steps being recorded.
    assert steps, fragments
    assert [d for d, _ in steps] == sorted(d for d, _ in steps)
    assert all(done <= total for done, total in steps)
    with open_store(workshop.server.settings) as store:
        jobs = store.jobs.list_for(integration_id, limit=5)
    assert len(jobs) == 1 and jobs[0]["trigger"] == "web"
    assert jobs[0]["progress_total"] and jobs[0]["progress_done"] == jobs[0]["progress_total"]
    detail = _html(member.get(location))
    assert re.search(r"badge-(completed|partial)", detail.split('id="jobs-heading"', 1)[1])


def test_a_running_job_shows_its_steps_and_keeps_polling(
    workshop: Site, crew: dict[str, Browser]
) -> None:
    """The estate's GitHub org has a RUNNING job: record progress on it as a collection does."""
    acme = workshop.estate.integrations["acme"]
    with open_store(workshop.server.settings) as store:
        store.jobs.set_progress(
            workshop.estate.jobs["acme-running"], done=3, total=7, step="Listing repositories"
        )
    viewer = crew["VIEWER"]
    page = _html(viewer.get(f"/integrations/{acme}"))
    region = page.split('id="job-progress"', 1)[1].split("</section>", 1)[0]
    assert f'hx-get="/integrations/{acme}/progress" {PROGRESS_TRIGGER}' in region
    assert '<progress aria-label="Collection progress" max="7" value="3">' in region
    assert "3 of 7 steps" in region and "Listing repositories" in region
    assert '<span class="badge badge-running">RUNNING</span>' in region
    assert 'aria-live="polite"' in page.split('id="job-progress"', 1)[0][-200:]
    fragment = _html(viewer.get(f"/integrations/{acme}/progress", headers={"HX-Request": "true"}))
    assert "<html" not in fragment and "3 of 7 steps" in fragment and PROGRESS_TRIGGER in fragment

    refused = crew["MEMBER"].post(
        f"/integrations/{acme}/collect",
        data={"csrf_token": crew["MEMBER"].token(f"/integrations/{acme}")},
    )
    html = _html(refused, 409)
    assert "is already running" in _text(html) and "<h1>acme</h1>" in html
