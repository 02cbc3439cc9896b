"""The pages that manage things, over real HTTP: reports (generate, list, download, verify a file),
policies (templates, the generate form from a template's fields, versions, approval, Markdown and
PDF downloads), exceptions, the check catalogue, billing and users; what a VIEWER sees (no write
control) and the refusals: a VIEWER's forged POST to any write route is 403, a MEMBER's to an
ADMIN route too, and an operation's refusal is the form again with its message and status, never
JSON or a traceback. Writes happen on ``workshop``; ``site`` stays as seeded.
"""

from __future__ import annotations

import hashlib
import html as html_text
import io
import re
from datetime import timedelta

import httpx
import pytest
from pypdf import PdfReader

from sentinel_cli.operations import billing
from sentinel_cli.operations.checks import list_checks
from sentinel_cli.operations.policies import list_templates
from sentinel_cli.store import open_store
from sentinel_cli.timeutil import utcnow
from sentinel_cli.web.calls import role_of
from sentinel_cli.web.pages import ROUTERS
from tests.web.browser import Browser
from tests.web.conftest import Site, email_of

TEMPLATE = "access-control-policy"


def _html(response: httpx.Response, status: int = 200) -> str:
    assert response.status_code == status, response.text[:3000]
    assert response.headers["content-type"].startswith("text/html")
    assert "Traceback" not in response.text
    return response.text


def _text(html: str) -> str:
    """The page's text as a person reads it (tags dropped, spaces collapsed)."""
    return html_text.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)))


def _post(browser: Browser, path: str, page: str = "/", **data: str) -> httpx.Response:
    return browser.post(path, data={"csrf_token": browser.token(page), **data})


# -- who may do what ----------------------------------------------------------------------------

WRITE_ROUTES: dict[str, tuple[str, str | None]] = {
    # path -> (lowest role, the API use case it runs; None: the API's composite collect route)
    "/integrations/connect/github": ("MEMBER", "connect_github"),
    "/integrations/connect/aws": ("MEMBER", "connect_aws"),
    "/integrations/{integration_id}/collect": ("MEMBER", None),
    "/integrations/{integration_id}/schedule": ("MEMBER", "set_schedule"),
    "/integrations/{integration_id}/schedule/remove": ("MEMBER", "remove_schedule"),
    "/policies/generate/{template_id}": ("MEMBER", "generate_policy"),
    "/policies/{policy_id}/approve": ("ADMIN", "approve_policy"),
    "/reports/generate": ("MEMBER", "generate_report"),
    "/reports/verify": ("VIEWER", None),
    "/exceptions": ("MEMBER", "add_exception"),
    "/exceptions/{exception_id}/revoke": ("ADMIN", "remove_exception"),
    "/billing/plan": ("ADMIN", "update_subscription"),
    "/users": ("ADMIN", "add_user"),
    "/users/{user_id}/role": ("ADMIN", "update_user"),
    "/users/{user_id}/disable": ("ADMIN", "update_user"),
    "/users/{user_id}/enable": ("ADMIN", "update_user"),
    "/notifications": ("ADMIN", "add_notification"),
    "/notifications/{destination_id}/test": ("ADMIN", "test_notification"),
    "/notifications/{destination_id}/remove": ("ADMIN", "remove_notification"),
}


def test_every_post_route_asks_for_the_role_the_api_asks_for() -> None:
    posts = {}
    for router in ROUTERS:
        for route in router.routes:
            if "POST" in getattr(route, "methods", ()) and route.path not in ("/login", "/logout"):
                names = {d.call.__name__ for d in route.dependant.dependencies if d.call}
                roles = [n.removeprefix("page_").upper() for n in names if n.startswith("page_")]
                posts[route.path] = roles
    assert set(posts) == set(WRITE_ROUTES)
    for path, (role, use_case) in WRITE_ROUTES.items():
        assert posts[path] == [role], path
        if use_case is not None:
            assert role_of(use_case) == role, path


def _ids(site: Site) -> dict[str, str]:
    with open_store(site.server.settings) as store:
        policy = store.conn.execute("SELECT id FROM policies LIMIT 1").fetchone()
        exception = store.conn.execute("SELECT id FROM risk_exceptions LIMIT 1").fetchone()
        user = store.users.get_by_email(email_of("MEMBER"))
    assert user is not None
    return {
        "integration_id": site.estate.integrations["prod"],
        "template_id": TEMPLATE,
        "policy_id": policy[0] if policy else "00000000-0000-4000-8000-000000000000",
        "exception_id": exception[0] if exception else "00000000-0000-4000-8000-000000000000",
        "user_id": user["id"],
        "destination_id": "00000000-0000-4000-8000-000000000000",
    }


@pytest.mark.parametrize("role", ["VIEWER", "MEMBER"])
def test_a_forged_post_below_the_routes_role_is_403_and_changes_nothing(
    workshop: Site, crew: dict[str, Browser], role: str
) -> None:
    browser = crew[role]
    ids = _ids(workshop)
    with open_store(workshop.server.settings) as store:
        before = store.activity.recent(limit=1)
    refused = 0
    for path, (needed, _use_case) in WRITE_ROUTES.items():
        if needed == "VIEWER" or (role == "MEMBER" and needed == "MEMBER"):
            continue
        url = path.format(**ids)
        answer = _post(browser, url, org="acme", token="t", tier="FREE", role="ADMIN")
        html = _html(answer, 403)
        assert f"this page needs the {needed} role; you are {role}" in html, url
        refused += 1
    assert refused == (18 if role == "VIEWER" else 10)
    with open_store(workshop.server.settings) as store:
        assert store.activity.recent(limit=1) == before


def test_a_viewer_sees_no_write_control_anywhere(site: Site, viewer: Browser) -> None:
    prod = site.estate.integrations["prod"]
    for path in (
        "/integrations",
        f"/integrations/{prod}",
        "/policies",
        "/reports",
        "/exceptions",
        "/checks",
        "/billing",
    ):
        html = _html(viewer.get(path))
        actions = re.findall(r'<form method="post" action="([^"]+)"', html)
        assert set(actions) <= {"/logout", "/reports/verify"}, (path, actions)
        for word in ("Generate", "Approve", "Revoke", "Collect now", "Add exception"):
            assert f">{word}</" not in html, (path, word)
    assert _html(viewer.get(f"/policies/generate/{TEMPLATE}"), 403)
    assert "needs the ADMIN role" in _html(viewer.get("/users"), 403)


# -- reports ------------------------------------------------------------------------------------


def test_a_member_generates_a_report_downloads_it_and_anyone_verifies_it(
    workshop: Site, crew: dict[str, Browser]
) -> None:
    member, viewer = crew["MEMBER"], crew["VIEWER"]
    form = _html(member.get("/reports"))
    generate = form.split('action="/reports/generate"', 1)[1].split("</form>", 1)[0]
    assert '<label for="r-type">Type</label>' in generate
    assert '<label for="r-start">Period start</label>' in generate and 'type="date"' in generate
    assert '<label for="r-end">Period end</label>' in generate
    assert ">Generate</button>" in generate and 'value="SOC2_AUDIT" selected' in generate
    today = utcnow().date()
    start = (today - timedelta(days=30)).isoformat()
    created = _post(
        member,
        "/reports/generate",
        "/reports",
        report_type="SOC2_AUDIT",
        period_start=start,
        period_end=today.isoformat(),
    )
    assert created.status_code == 303, created.text[:2000]
    report_id = re.fullmatch(
        r"/reports\?generated=([0-9a-f-]{36})#report-\1", created.headers["location"]
    )
    assert report_id is not None
    listing = _html(viewer.get(created.headers["location"]))
    assert f"Generated the SOC 2 audit report for {start} to {today.isoformat()}" in listing
    row = listing.split(f'<tr id="report-{report_id.group(1)}">', 1)[1].split("</tr>", 1)[0]
    assert "COMPLETED" in row and f"by {email_of('MEMBER')}" in row
    link = f'<a href="/reports/{report_id.group(1)}/download" download>Download</a>'
    assert link in row
    sha = re.search(r'<td class="[^"]*\bsha\b[^"]*"[^>]*>([0-9a-f]{64})</td>', row)
    assert sha is not None

    pdf = viewer.get(f"/reports/{report_id.group(1)}/download")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    name = re.search(r'filename="([^"]+)"', pdf.headers["content-disposition"])
    assert name is not None and name.group(1).startswith(f"soc2-audit-{start}-")
    assert hashlib.sha256(pdf.content).hexdigest() == sha.group(1)
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) > 1
    assert len(pdf.content) < 1 << 20  # within the upload limit of the verify form

    token = viewer.token("/reports")

    def verify(filename: str, content: bytes) -> str:
        answer = viewer.post(
            "/reports/verify",
            data={"csrf_token": token},
            files={"report_file": (filename, content, "application/pdf")},
        )
        return _text(_html(answer))

    verified = verify(name.group(1), pdf.content)
    assert f"VERIFIED: {name.group(1)} is the SOC2_AUDIT report {report_id.group(1)}" in verified
    assert f"SHA-256 {sha.group(1)}" in verified
    altered = verify(name.group(1), pdf.content + b"\n%tampered")
    assert f"ALTERED: {name.group(1)} does not match the SOC2_AUDIT report" in altered
    unknown = verify("../../etc/other.pdf", b"%PDF-1.4 not ours")
    assert "UNKNOWN: no report in this store has the SHA-256 of other.pdf" in unknown
    missing = viewer.post("/reports/verify", data={"csrf_token": token})
    assert "choose a report file to verify" in _html(missing, 400)
    # Past the API's 1 MiB body limit, within this route's upload limit (64 MiB by default).
    big = viewer.post(
        "/reports/verify",
        data={"csrf_token": token},
        files={"report_file": ("big.pdf", b"0" * (2 << 20), "application/pdf")},
    )
    assert "UNKNOWN: no report in this store has the SHA-256 of big.pdf" in _text(_html(big))
    too_big = _declare_upload(viewer, (64 << 20) + 1)
    assert too_big.startswith(b"HTTP/1.1 413"), too_big[:200]
    no_token = viewer.post("/reports/verify", files={"report_file": ("a.pdf", b"x")})
    assert _html(no_token, 403)
    two_files = viewer.post(
        "/reports/verify",
        data={"csrf_token": token},
        files=[("report_file", ("a.pdf", b"a")), ("other", ("b.pdf", b"b"))],
    )
    assert "Too many files" in _html(two_files, 400)
    garbled = viewer.post(
        "/reports/verify",
        content=b"--x\r\nContent-Disposition: form-data; name=\r\n\r\n",
        headers={"Content-Type": "multipart/form-data; boundary=x", "X-CSRF-Token": token},
    )
    assert _html(garbled, 400)


def _declare_upload(browser: Browser, length: int) -> bytes:
    """Send only the headers of a POST declaring ``length`` body bytes; the server must answer
    413 from the declaration, before reading any of the body."""
    import socket

    url = httpx.URL(str(browser.client.base_url))
    with socket.create_connection((url.host, url.port or 80), timeout=10) as sock:
        sock.sendall(
            b"POST /reports/verify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\n"
            + f"Content-Length: {length}\r\n\r\n".encode()
        )
        return sock.recv(4096)


def test_a_refused_report_keeps_the_form_and_says_why(crew: dict[str, Browser]) -> None:
    member = crew["MEMBER"]
    backwards = _post(
        member,
        "/reports/generate",
        "/reports",
        report_type="ISO27001_AUDIT",
        period_start="2025-06-30",
        period_end="2025-01-01",
    )
    html = _html(backwards, 400)
    assert "the period ends (2025-01-01) before it starts (2025-06-30)" in _text(html)
    assert 'value="ISO27001_AUDIT" selected' in html and 'value="2025-06-30"' in html
    unknown = _post(member, "/reports/generate", "/reports", report_type="NOPE")
    assert "NOPE" in _text(_html(unknown, 400))
    assert _html(member.get("/reports/00000000-0000-4000-8000-000000000000/download"), 404)


# -- policies -----------------------------------------------------------------------------------


def test_the_generate_form_has_the_templates_fields(site: Site) -> None:
    template = next(t for t in list_templates() if t["id"] == TEMPLATE)
    with Browser(site.server) as member:
        member.signed_in(email_of("MEMBER"))
        listing = _html(member.get("/policies"))
        assert f'href="/policies/generate/{TEMPLATE}"' in listing
        assert listing.count(">Generate</a>") == len(list_templates())
        html = _html(member.get(f"/policies/generate/{TEMPLATE}"))
    assert f"<h1>Generate: {template['title']}</h1>" in html
    for spec in template["fields"]:
        assert f'name="field_{spec["name"]}"' in html, spec["name"]
    assert (
        '<label for="p-companyName">Company name <span class="tag">required</span></label>' in html
    )
    assert 'id="p-securityOfficerEmail" name="field_securityOfficerEmail" type="email"' in html
    assert 'name="field_reviewFrequencyMonths" type="number"' in html
    assert ">Generate policy</button>" in html


def test_a_member_generates_and_an_admin_approves_a_policy(
    workshop: Site, crew: dict[str, Browser]
) -> None:
    member, admin = crew["MEMBER"], crew["ADMIN"]
    page = f"/policies/generate/{TEMPLATE}"
    draft = _post(member, page, page, field_companyName="Acme Corp")
    assert draft.status_code == 303, draft.text[:2000]
    first = draft.headers["location"]
    html = _html(member.get(first))
    assert "version 1</h1>" in html and '<span class="badge badge-draft">DRAFT</span>' in html
    assert "Required fields are missing" in html and "securityOfficer" in html
    assert ">Approve</button>" not in html  # a member, and fields are missing
    assert f'href="{first}/download.md" download>Download Markdown</a>' in html
    assert f'href="{first}/download.pdf" download>Download PDF</a>' in html
    forced = _post(admin, f"{first}/approve")
    assert "cannot be approved: required field(s) missing" in _text(_html(forced, 400))

    complete = _post(
        member,
        page,
        page,
        field_companyName="Acme Corp",
        field_securityOfficer="Dana Lee",
        field_securityOfficerEmail="dana@acme.example",
        field_reviewFrequencyMonths="6",
        owner="owner@acme.example",
    )
    assert complete.status_code == 303
    second = complete.headers["location"]
    as_admin = _html(admin.get(second))
    assert "version 2</h1>" in as_admin and ">Approve</button>" in as_admin
    versions = as_admin.split('id="versions-heading"', 1)[1]
    assert (
        f'<a href="{first}">1</a>' in versions
        and '2 <span class="muted">(this page)</span>' in versions
    )
    approved = _post(admin, f"{second}/approve", second)
    assert approved.status_code == 303 and approved.headers["location"] == second
    after = _html(admin.get(second))
    assert '<span class="badge badge-approved">APPROVED</span>' in after
    assert f"by {email_of('ADMIN')}" in after
    old = _post(admin, f"{first}/approve", first)
    assert "is not the latest version" in _text(_html(old, 409))

    markdown = member.get(f"{second}/download.md")
    assert markdown.status_code == 200 and markdown.headers["content-type"].startswith(
        "text/markdown"
    )
    assert "Acme Corp" in markdown.text and "Dana Lee" in markdown.text
    assert f'filename="{TEMPLATE}-v2.md"' in markdown.headers["content-disposition"]
    pdf = member.get(f"{second}/download.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Acme Corp" in text
    assert _html(member.get(f"{second}/download.docx"), 404)

    listing = _html(crew["VIEWER"].get("/policies"))
    assert f'<a href="{second}">Version 2</a> <span class="badge badge-approved">' in listing


def test_a_refused_generation_keeps_what_was_typed(crew: dict[str, Browser]) -> None:
    page = f"/policies/generate/{TEMPLATE}"
    bad = _post(
        crew["MEMBER"],
        page,
        page,
        field_companyName="Acme Corp",
        field_reviewFrequencyMonths="often",
        owner="not-an-email",
    )
    html = _html(bad, 400)
    assert "not-an-email" in _text(html) and 'value="Acme Corp"' in html
    assert 'value="often"' in html
    assert _html(crew["MEMBER"].get("/policies/generate/no-such-template"), 404)


# -- exceptions ---------------------------------------------------------------------------------


def test_exceptions_are_added_by_members_within_their_limits_and_revoked_by_admins(
    workshop: Site, crew: dict[str, Browser]
) -> None:
    member, admin = crew["MEMBER"], crew["ADMIN"]
    form = _html(
        member.get("/exceptions?check=aws_s3_bucket_versioning&resource=arn:aws:s3:::logs")
    )
    add = form.split('action="/exceptions"', 1)[1].split("</form>", 1)[0]
    for label in ("Check", "Resource pattern", "Reason", "Expires", "Owner"):
        assert f">{label}</label>" in add, label
    assert 'value="aws_s3_bucket_versioning"' in add and 'value="arn:aws:s3:::logs"' in add
    assert f'value="{email_of("MEMBER")}"' in add and ">Add exception</button>" in add
    expires = (utcnow().date() + timedelta(days=30)).isoformat()
    fields = {
        "check_id": "aws_iam_root_mfa",
        "resource": "arn:aws:iam::*:root",
        "reason": "Hardware key on order",
        "owner": "cto@example.com",
        "expires": expires,
    }
    everything = _post(member, "/exceptions", "/exceptions", **{**fields, "resource": "*"})
    html = _html(everything, 403)
    assert "only an ADMIN may except every resource" in _text(html)
    assert "Hardware key on order</textarea>" in html and 'value="arn:aws:iam::*:root"' not in html
    far = (utcnow().date() + timedelta(days=400)).isoformat()
    too_long = _post(member, "/exceptions", "/exceptions", **{**fields, "expires": far})
    assert "an exception lasts at most 365 days" in _text(_html(too_long, 400))
    unknown = _post(member, "/exceptions", "/exceptions", **{**fields, "check_id": "nope"})
    assert "unknown check 'nope'" in _text(_html(unknown, 400))

    added = _post(member, "/exceptions", "/exceptions", **fields)
    assert added.status_code == 303 and added.headers["location"] == "/exceptions"
    listing = _html(crew["VIEWER"].get("/exceptions"))
    shown = "arn:<wbr>aws:<wbr>iam::<wbr>*:<wbr>root"  # may wrap after each separator
    row = listing.split(shown, 1)[1].split("</tr>", 1)[0]
    assert "Hardware key on order" in row and f"{email_of('MEMBER')}<br>" in row
    assert expires in row and "ACTIVE" in row and "Revoke" not in listing
    with open_store(workshop.server.settings) as store:
        exception_id = next(
            r["id"]
            for r in store.exceptions.list()
            if r["resource_pattern"] == "arn:aws:iam::*:root"
        )
    as_admin = _html(admin.get("/exceptions"))
    assert (
        f'action="/exceptions/{exception_id}/revoke"' in as_admin and ">Revoke</button>" in as_admin
    )
    revoked = _post(admin, f"/exceptions/{exception_id}/revoke", "/exceptions")
    assert revoked.status_code == 303
    assert shown not in _html(admin.get("/exceptions"))
    history = _html(admin.get("/exceptions?all=1"))
    assert shown in history and "REMOVED" in history and "revoked " in history
    again = _post(admin, f"/exceptions/{exception_id}/revoke", "/exceptions")
    assert "was already removed" in _text(_html(again, 409))


# -- checks -------------------------------------------------------------------------------------


def test_the_check_catalogue_filters_by_provider_and_framework(viewer: Browser) -> None:
    everything = list_checks()["checks"]
    html = _html(viewer.get("/checks"))
    assert f"{len(everything)} checks." in _text(html)
    assert len(re.findall(r'<th scope="row"><a href="/checks/', html)) == len(everything)
    github = _html(viewer.get("/checks?provider=GITHUB"))
    expected = [c["id"] for c in everything if c["provider"] == "GITHUB"]
    assert re.findall(r'<th scope="row"><a href="/checks/([a-z0-9_]+)">', github) == expected
    assert '<option value="GITHUB" selected>' in github
    soc2 = _html(viewer.get("/checks?provider=aws&framework=soc2&control=CC6.1"))
    expected_soc2 = [
        c["id"] for c in list_checks(provider="AWS", framework="SOC2", control="CC6.1")["checks"]
    ]
    assert expected_soc2
    assert re.findall(r'<th scope="row"><a href="/checks/([a-z0-9_]+)">', soc2) == expected_soc2
    bad = _html(viewer.get("/checks?severity=urgent"), 400)
    assert "unknown value 'urgent'" in _text(bad) and 'role="alert"' in bad
    assert "--control needs --framework" in _text(_html(viewer.get("/checks?control=CC6.1"), 400))
    one = _html(viewer.get("/checks/aws_iam_root_mfa"))
    assert "<h1>The root user has MFA enabled</h1>" in one
    assert 'href="/compliance/ISO27001/A.8.5">A.8.5</a> Secure authentication' in one
    assert "Remediation" in one
    assert _html(viewer.get("/checks/no_such_check"), 404)


# -- billing ------------------------------------------------------------------------------------


def test_billing_shows_the_plan_and_usage_and_an_admin_changes_the_plan(
    workshop: Site, crew: dict[str, Browser]
) -> None:
    viewer, admin = crew["VIEWER"], crew["ADMIN"]
    html = _html(viewer.get("/billing"))
    assert '<p class="big">Enterprise</p>' in html
    assert "Change plan" not in html
    with open_store(workshop.server.settings) as store:
        sub = billing.subscription(store)
    users = sub["usage"]["users"]
    assert f"{users} (unlimited)" in html or f"{users} of " in html
    try:
        changed = _post(admin, "/billing/plan", "/billing", tier="FREE")
        assert changed.status_code == 303
        free = _html(viewer.get("/billing"))
        assert '<p class="big">Free</p>' in free
        meter = re.search(
            r'<meter min="0" max="3" value="(\d+)" high="2" optimum="0" aria-labelledby="usage-users"',
            free,
        )
        assert meter is not None and int(meter.group(1)) == min(users, 3)
        assert f"{users} of 3" in free
        if users > 3:
            assert f"{users - 3} over the plan" in free
        integrations = sub["usage"]["integrations"]
        assert f"{integrations} of 2" in _text(free)
        bad = _post(admin, "/billing/plan", "/billing", tier="PLATINUM")
        assert "PLATINUM" in _text(_html(bad, 400))
        form = _html(admin.get("/billing"))
        assert '<label for="b-tier">New plan</label>' in form and ">Change plan</button>" in form
    finally:
        with open_store(workshop.server.settings) as store:
            billing.set_plan(store, "ENTERPRISE")


# -- users --------------------------------------------------------------------------------------


def test_an_admin_adds_users_changes_roles_and_disables_them(
    workshop: Site, crew: dict[str, Browser]
) -> None:
    admin = crew["ADMIN"]
    html = _html(admin.get("/users"))
    add = html.split('action="/users"', 1)[1].split("</form>", 1)[0]
    for label in ("Email", "Role", "Password"):
        assert f">{label}</label>" in add, label
    assert ">Add user</button>" in add
    for role in ("ADMIN", "MEMBER", "VIEWER"):
        assert email_of(role) in html
    # Every user but the admin signed in: their own row offers no role change and no disable.
    assert html.count(">Change role</button>") == html.count(">Disable</button>") == 2
    own = html.split(f'<th scope="row" class="wrap">{email_of("ADMIN")}', 1)[1]
    own = own.split("</tr>", 1)[0]
    assert (
        "Change role" not in own
        and "Disable" not in own
        and "Another admin can change your account" in own
    )

    password = "a long enough password 42"
    added = _post(
        admin, "/users", "/users", email="new@example.com", role="MEMBER", password=password
    )
    assert added.status_code == 303
    again = _post(
        admin, "/users", "/users", email="new@example.com", role="MEMBER", password=password
    )
    page = _html(again, 409)
    assert "a user with email new@example.com already exists" in _text(page)
    assert password not in page and 'value="new@example.com"' in page
    short = _post(admin, "/users", "/users", email="s@example.com", role="VIEWER", password="short")
    assert "use at least 12 characters" in _text(_html(short, 400))

    with open_store(workshop.server.settings) as store:
        new = store.users.get_by_email("new@example.com")
        admin_row = store.users.get_by_email(email_of("ADMIN"))
    assert new is not None and admin_row is not None
    row = _html(admin.get("/users")).split("new@example.com", 1)[1].split("</tr>", 1)[0]
    assert '"Role">MEMBER</td>' in row and '"Status">Enabled</td>' in row
    assert _post(admin, f"/users/{new['id']}/role", "/users", role="VIEWER").status_code == 303
    assert _post(admin, f"/users/{new['id']}/disable", "/users").status_code == 303
    row = _html(admin.get("/users")).split("new@example.com", 1)[1].split("</tr>", 1)[0]
    assert '"Role">VIEWER</td>' in row and '"Status">Disabled</td>' in row
    assert ">Enable</button>" in row
    with Browser(workshop.server) as refused:
        assert refused.sign_in("new@example.com", password).status_code == 401
    assert _post(admin, f"/users/{new['id']}/enable", "/users").status_code == 303
    with Browser(workshop.server) as back:
        assert back.sign_in("new@example.com", password).status_code == 303

    last = _post(admin, f"/users/{admin_row['id']}/disable", "/users")
    assert "is the only enabled ADMIN" in _text(_html(last, 409))
    bad_role = _post(admin, f"/users/{new['id']}/role", "/users", role="OWNER")
    assert "OWNER" in _text(_html(bad_role, 400))
    assert _html(_post(admin, "/users/nobody@example.com/disable", "/users"), 404)
    assert "needs the ADMIN role; you are MEMBER" in _html(crew["MEMBER"].get("/users"), 403)
