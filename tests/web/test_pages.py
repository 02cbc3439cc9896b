"""Each page over real HTTP as a VIEWER on the seeded estate: what it shows, its filters, paging,
sorting and exports, the htmx fragment, and the error pages (404 for unknown ids, 400 for bad
filters, 403 by role), never JSON and never a traceback.
"""

from __future__ import annotations

import csv
import html as html_text
import io
import json
import re

import httpx
import pytest

from sentinel_cli.operations.dashboard import dashboard
from sentinel_cli.operations.evidence import evidence_listing, render_listing
from sentinel_cli.store import open_store
from tests.helpers.estate import ROOT
from tests.web.browser import Browser
from tests.web.conftest import Site, email_of

NAV = [
    "Dashboard",
    "Evidence",
    "Compliance",
    "Integrations",
    "Policies",
    "Reports",
    "Checks",
    "Exceptions",
    "Billing",
]
ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
ITEM_LINK = re.compile(r'href="/evidence/([0-9a-f-]{36})"')


def _html(response: httpx.Response, status: int = 200) -> str:
    assert response.status_code == status, response.text[:3000]
    assert response.headers["content-type"].startswith("text/html")
    assert "Traceback" not in response.text
    return response.text


def _rows(html: str) -> list[str]:
    body = html.split('<table class="evidence-table list-table">', 1)[1].split("</table>", 1)[0]
    return [row for row in ROW.findall(body) if "<td " in row]


def _nav(html: str) -> list[str]:
    nav = html.split('<nav aria-label="Main">', 1)[1].split("</nav>", 1)[0]
    return re.findall(r">([A-Za-z]+)</a>", nav)


def test_the_layout_has_landmarks_a_skip_link_and_the_navigation(viewer: Browser) -> None:
    html = _html(viewer.get("/"))
    assert '<a class="skip-link" href="#main">' in html
    assert '<header class="site-header">' in html and '<main id="main"' in html
    assert _nav(html) == NAV  # no Users for a VIEWER
    assert 'href="/" aria-current="page">Dashboard</a>' in html
    assert "viewer@example.com" in html and ">VIEWER<" in html
    assert '<form method="post" action="/logout"' in html


def test_an_admin_also_sees_users_and_a_viewer_is_refused_it(site: Site, viewer: Browser) -> None:
    refused = viewer.get("/users")
    assert "this page needs the ADMIN role; you are VIEWER" in _html(refused, 403)
    with Browser(site.server) as admin:
        admin.signed_in(email_of("ADMIN"))
        assert _nav(_html(admin.get("/"))) == [*NAV, "Users", "Notifications"]
        assert admin.get("/users").status_code == 200


def test_page_answers_carry_the_security_headers(viewer: Browser) -> None:
    page = viewer.get("/evidence")
    csp = page.headers["content-security-policy"]
    for part in ("script-src 'self'", "style-src 'self'", "img-src 'self'"):
        assert part in csp
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    assert '"includeIndicatorStyles":false' in page.text.replace("&#34;", '"')
    assert "<script>" not in page.text and "style=" not in page.text


def test_the_dashboard_shows_scores_trend_severities_activity_and_integrations(
    site: Site, viewer: Browser
) -> None:
    with open_store(site.server.settings) as store:
        expected = dashboard(store)
    html = _html(viewer.get("/"))
    score = expected["overview"]["complianceScore"]
    assert f'<p class="big">{score:g}%</p>' in html
    for fw in expected["frameworks"]:
        assert f'<a href="/compliance/{fw["id"]}">{fw["name"]}</a>' in html
    assert '<svg class="chart"' in html and 'role="img"' in html
    assert '<title id="trend-title">Compliance score over the last 30 days</title>' in html
    assert '<desc id="trend-desc">Compliance score per day' in html
    assert "The scores as a table" in html  # the chart's text fallback
    assert html.count('<tr><th scope="row">20') == 30  # one row per day
    assert 'href="/evidence?status=FAIL&amp;severity=critical">1</a>' in html
    for name in ("prod", "acme", "staging"):
        assert f">{name}</a>" in html
    assert "Last collection" in html and "Recent activity" in html
    assert "The root user has MFA enabled" in html  # top failing items
    ninety = _html(viewer.get("/?days=90"))
    assert "over the last 90 days" in ninety and ninety.count('<tr><th scope="row">20') == 90


def test_a_bad_dashboard_period_says_so(viewer: Browser) -> None:
    html = _html(viewer.get("/?days=9999"), 400)
    assert "--days must be between 1 and 365" in html and "Compliance score" in html


def test_the_evidence_list_shows_the_current_state(site: Site, viewer: Browser) -> None:
    html = _html(viewer.get("/evidence"))
    current = site.estate.current()
    assert f"Showing 1–{len(current)} of {len(current)}" in html
    assert set(ITEM_LINK.findall(html)) == {r.id for r in current}
    for label in ("Status", "Severity", "Category", "Integration", "Framework", "Control"):
        assert label in html
    assert '<label for="f-as-of">As of</label>' in html


def test_filtering_by_status_and_severity_shows_only_those_items(
    site: Site, viewer: Browser
) -> None:
    html = _html(viewer.get("/evidence?status=FAIL&severity=critical"))
    expected = {
        r.id for r in site.estate.current() if r.status == "FAIL" and r.severity == "critical"
    }
    assert expected and set(ITEM_LINK.findall(html)) == expected
    rows = _rows(html)
    assert len(rows) == len(expected)
    for row in rows:
        assert '<span class="badge badge-fail">FAIL</span>' in row
        assert '<span class="severity severity-critical">critical</span>' in row
    assert ROOT in html
    assert 'value="FAIL" checked' in html and 'value="critical" checked' in html


def test_every_cli_filter_is_a_query_parameter(site: Site, viewer: Browser) -> None:
    current = site.estate.current()
    by_category = _html(viewer.get("/evidence?category=encryption&status=FAIL,WARNING"))
    assert set(ITEM_LINK.findall(by_category)) == {
        r.id for r in current if r.category == "encryption" and r.status in ("FAIL", "WARNING")
    }
    acme = site.estate.integrations["acme"]
    by_integration = _html(viewer.get(f"/evidence?integration={acme}"))
    assert set(ITEM_LINK.findall(by_integration)) == {r.id for r in site.estate.items["acme-2"]}
    by_control = _html(viewer.get("/evidence?framework=soc2&control=CC8.1"))
    assert set(ITEM_LINK.findall(by_control)) == {
        r.id for r in current if "CC8.1" in r.controls.get("SOC2", [])
    }
    three_days_ago = site.estate.items["legacy-3"]
    as_of = _html(viewer.get("/evidence?as_of=" + _day(site, "legacy-3")))
    assert "as of " in as_of
    assert {r.id for r in three_days_ago} <= set(ITEM_LINK.findall(as_of))


def _day(site: Site, label: str) -> str:
    with open_store(site.server.settings) as store:
        job = store.queries.job(site.estate.jobs[label])
    assert job is not None
    return str(job["finished_at"])[:10]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("severity=urgent", "unknown value 'urgent'"),
        ("status=MAYBE", "unknown value 'MAYBE'"),
        ("as_of=yesterday-ish", "is not a date"),
        ("integration=no-such-integration", "no-such-integration"),
        ("framework=nope", "unknown framework"),
        ("limit=5000", "--limit must be between 1 and 1000"),
        ("sort=random", "sort: unknown value"),
    ],
)
def test_a_bad_filter_shows_the_page_with_its_message(
    viewer: Browser, query: str, message: str
) -> None:
    html = _html(viewer.get(f"/evidence?{query}"), 400)
    assert 'role="alert"' in html and message in html_text.unescape(html)
    assert '<form method="get" action="/evidence"' in html


def test_paging_and_sorting(site: Site, viewer: Browser) -> None:
    total = len(site.estate.current())
    first = _html(viewer.get("/evidence?limit=25&sort=severity"))
    assert "Page 1 of 1" in first
    page = _html(viewer.get("/evidence?limit=5"))
    assert f"Showing 1–5 of {total}" in page and "Page 1 of 4" in page
    assert 'href="/evidence?limit=5&amp;offset=5" rel="next"' in page
    second = _html(viewer.get("/evidence?limit=5&offset=5"))
    assert f"Showing 6–10 of {total}" in second and 'rel="prev"' in second
    assert not set(ITEM_LINK.findall(page)) & set(ITEM_LINK.findall(second))
    worst = _rows(_html(viewer.get("/evidence?limit=200")))
    assert "badge-fail" in worst[0] and "badge-pass" in worst[-1]
    by_severity = _rows(first)
    severities = [re.findall(r"severity-(\w+)", row)[0] for row in by_severity]
    order = ["critical", "high", "medium", "low", "info"]
    assert severities == sorted(severities, key=order.index)
    assert "badge-pass" in by_severity[1]  # the PASS critical item comes before high FAILs


def test_htmx_gets_the_results_alone_with_the_canonical_url(viewer: Browser) -> None:
    answer = viewer.get(
        "/evidence?status=FAIL&severity=&integration=&control=",
        headers={"HX-Request": "true"},
    )
    html = _html(answer)
    assert "<html" not in html and '<nav aria-label="Main">' not in html
    assert '<table class="evidence-table list-table">' in html
    assert answer.headers["hx-push-url"] == "/evidence?status=FAIL"
    form = _html(viewer.get("/evidence"))
    assert 'hx-get="/evidence" hx-target="#results" hx-push-url="true"' in form


def test_on_a_phone_each_evidence_cell_is_labelled_with_its_column(viewer: Browser) -> None:
    html = _html(viewer.get("/evidence?status=FAIL"))
    table = html.split('<table class="evidence-table list-table">', 1)[1].split("</table>", 1)[0]
    headers = re.findall(r'<th scope="col">([^<]+)</th>', table.split("</thead>", 1)[0])
    rows = _rows(html)
    assert headers and rows
    for row in rows:
        assert re.findall(r'<td[^>]* data-label="([^"]+)"', row) == headers


def test_exports_of_the_current_filter_use_the_cli_renderers(site: Site, viewer: Browser) -> None:
    html = _html(viewer.get("/evidence?status=FAIL&severity=high&limit=5"))
    assert 'href="/evidence/export.csv?status=FAIL&amp;severity=high"' in html
    csv_answer = viewer.get("/evidence/export.csv?status=FAIL&severity=high")
    assert csv_answer.status_code == 200
    assert csv_answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv_answer.headers["content-disposition"]
    with open_store(site.server.settings) as store:
        listing = evidence_listing(store, status="FAIL", severity="high", output="csv")
        expected_csv = render_listing(listing)
    assert csv_answer.text == expected_csv
    rows = list(csv.DictReader(io.StringIO(csv_answer.text)))
    assert rows and {r["status"] for r in rows} == {"FAIL"}
    sarif = viewer.get("/evidence/export.sarif?status=FAIL&severity=high").json()
    assert sarif["version"] == "2.1.0" and len(sarif["runs"][0]["results"]) == len(rows)
    exported = viewer.get("/evidence/export.json?status=FAIL&severity=high")
    document = json.loads(exported.text)
    assert document["pagination"]["total"] == len(rows)
    assert {i["status"] for i in document["evidence"]} == {"FAIL"}
    assert len(document["evidence"]) == len(rows)
    assert viewer.get("/evidence/export.xml").status_code == 404


def test_an_item_shows_everything_about_it(site: Site, viewer: Browser) -> None:
    record = next(r for r in site.estate.items["prod-1"] if r.check_id == "aws_iam_root_mfa")
    html = _html(viewer.get(f"/evidence/{record.id}"))
    assert "<h1>The root user has MFA enabled</h1>" in html
    assert record.message in html and ROOT in html
    assert "Fix aws_iam_root_mfa." in html and "fix --check aws_iam_root_mfa" in html
    assert "<details>" in html and "Raw collected data" in html
    assert "&#34;check&#34;: &#34;aws_iam_root_mfa&#34;" in html  # pretty-printed, escaped
    with open_store(site.server.settings) as store:
        sha = store.conn.execute(
            "SELECT sha256 FROM evidence WHERE id = ?", (record.id,)
        ).fetchone()[0]
    assert sha in html
    assert 'href="/compliance/SOC2/CC6.1"' in html and 'href="/compliance/ISO27001/A.8.5"' in html
    assert "No risk exception covers this item." in html
    history = {r.id for label in ("prod-2", "prod-3") for r in site.estate.items[label]}
    linked = set(ITEM_LINK.findall(html.split("History of this check", 1)[1]))
    assert len(linked) == 2 and linked <= history
    short = _html(viewer.get(f"/evidence/{record.id[:8]}"))
    assert "<h1>The root user has MFA enabled</h1>" in short


@pytest.mark.parametrize(
    "path",
    [
        "/evidence/00000000-0000-4000-8000-000000000000",
        "/compliance/NOPE",
        "/compliance/SOC2/ZZ9.9",
        "/no-such-page",
    ],
)
def test_unknown_ids_are_a_404_page(viewer: Browser, path: str) -> None:
    html = _html(viewer.get(path), 404)
    assert "<h1>Not found</h1>" in html and 'role="alert"' in html
    assert _nav(html) == NAV


def test_the_api_keeps_its_json_404(site: Site) -> None:
    answer = httpx.get(f"{site.server.url}/no-such-page", timeout=30)  # a script, not a browser
    assert answer.status_code == 404 and answer.json()["statusCode"] == 404
    api = httpx.get(f"{site.server.url}/api/nope", headers={"Accept": "text/html"}, timeout=30)
    assert api.status_code == 404 and api.json()["status"] == "error"


def test_compliance_lists_the_frameworks_and_every_control(viewer: Browser) -> None:
    index = _html(viewer.get("/compliance"))
    for fid in ("SOC2", "ISO27001", "NIST-CSF"):
        assert f'href="/compliance/{fid}"' in index
    soc2 = _html(viewer.get("/compliance/SOC2"))
    from sentinel_cli.frameworks import load_framework

    controls = load_framework("SOC2").controls
    for cid in controls:
        assert f'href="/compliance/SOC2/{cid}">{cid}</a>' in soc2
    assert "NOT COVERED" in soc2
    cc61 = soc2.split('href="/compliance/SOC2/CC6.1">CC6.1</a>', 1)[1].split("</tr>", 1)[0]
    assert '<span class="badge badge-failing">FAILING</span>' in cc61
    assert "Statement of Applicability" not in soc2
    not_covered = _html(viewer.get("/compliance/soc2?status=NOT_COVERED"))
    assert "FAILING</span>" not in not_covered and "NOT COVERED" in not_covered


def test_iso_27001_has_its_statement_of_applicability(viewer: Browser) -> None:
    html = _html(viewer.get("/compliance/iso"))
    assert "<h1>ISO/IEC 27001:2022 Annex A</h1>" in html
    soa = html.split('<h2 id="soa-heading">Statement of Applicability</h2>', 1)[1]
    assert soa.count('data-label="Applicable">Yes</td>') == 93
    assert "Not assessed" in soa and "Not covered by automated evidence — assess manually" in soa
    assert "Covered by automated evidence" in soa


def test_a_control_page_lists_its_evidence(site: Site, viewer: Browser) -> None:
    html = _html(viewer.get("/compliance/soc2/cc6.1"))
    assert "<h1>CC6.1 " in html
    expected = {r.id for r in site.estate.current() if "CC6.1" in r.controls.get("SOC2", [])}
    staging = {r.id for r in site.estate.items["staging-1"]}  # mapped to CC6.1 by a newer catalogue
    assert set(ITEM_LINK.findall(html)) == expected | staging
    assert "aws_iam_root_mfa" in html
    assert 'href="/evidence?framework=SOC2&amp;control=CC6.1"' in html


def test_every_page_of_the_navigation_answers_for_its_role(viewer: Browser) -> None:
    for path, label in (
        ("/integrations", "Integrations"),
        ("/policies", "Policies"),
        ("/reports", "Reports"),
        ("/checks", "Checks"),
        ("/exceptions", "Exceptions"),
        ("/billing", "Billing"),
    ):
        html = _html(viewer.get(path))
        assert f"<h1>{label}</h1>" in html and "not built yet" not in html
        assert f'href="{path}" aria-current="page">{label}</a>' in html
