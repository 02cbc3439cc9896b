"""The dashboard in a real browser: one walk per role through every page (issue 18).

- **VIEWER**: signs in through the form, reads the dashboard, filters evidence with
  ``?status=FAIL``, opens an item and reads its remediation, opens a control from the compliance
  page, downloads the report generated beforehand, and sees no write control anywhere.
- **MEMBER**: connects a GitHub integration against the local stand-in, collects it and watches
  the progress region until the job ends (and stops polling); a POST without the CSRF token, with
  a foreign ``Origin`` and a sign-in without a token are 403; a VIEWER's forged POSTs to the
  connect and collect forms, valid token and all, are 403 and change nothing.
- **ADMIN**: every page, Users and Notifications included; sets a schedule on an integration's
  page and removes it with the button beside the form's own, and adds a webhook, sends it a test
  message (a receiver on 127.0.0.1) and removes it.

Every walk fails on a console error, a request to a host other than 127.0.0.1 or a 429 (``Watch``),
and the VIEWER and ADMIN walks screenshot every page at a laptop's and a phone's size (``look``).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import Browser, BrowserContext, Page

from sentinel_cli.operations.dashboard import dashboard
from sentinel_cli.operations.evidence import list_evidence
from sentinel_cli.operations.evidence_item import get_evidence
from sentinel_cli.operations.integrations import list_integrations, list_jobs
from sentinel_cli.standins.github_api import OWNER_TOKEN
from sentinel_cli.store import open_store
from tests.browser.conftest import WEB_RATE_LIMIT, Chromium, Site, email_of
from tests.browser.walk import (
    ADMIN_NAV,
    NAV,
    SIZES,
    Watch,
    csrf_token,
    heading,
    look,
    nav_names,
    sign_in,
    write_controls,
)
from tests.notify.receiver import http_receiver

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
FINAL = re.compile(r"\b(COMPLETED|PARTIAL|FAILED)\b")
STEPS = re.compile(r"(\d+) of (\d+) steps")
POLL_SECONDS = 2


async def _context(browser: Browser, watch: Watch) -> BrowserContext:
    width, height = SIZES["wide"]
    context = await browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True
    )
    context.set_default_timeout(15_000)
    watch.attach(context)
    return context


async def _open(page: Page, name: str) -> None:
    """Follow a link of the navigation bar and wait for its page."""
    await (
        page.get_by_role("navigation", name="Main")
        .get_by_role("link", name=name, exact=True)
        .click()
    )
    await page.wait_for_load_state()
    assert await heading(page), f"{name}: no heading"


async def _open_policy(page: Page) -> None:
    """From the policies page, the first policy's latest version."""
    await page.get_by_role("link", name=re.compile(r"^Version \d+$")).first.click()
    await page.wait_for_url(re.compile(f"/policies/{UUID}$"))
    assert "Download PDF" in await page.locator("main").inner_text()


async def _no_write_controls(page: Page, name: str) -> None:
    found = await write_controls(page)
    assert not found, f"a VIEWER sees write controls on {name}: {found}"


# -- VIEWER ----------------------------------------------------------------------------------------


def test_viewer_walk(chromium: Chromium, site: Site) -> None:
    chromium.run(_viewer_walk(chromium.browser, site))


async def _viewer_walk(browser: Browser, site: Site) -> None:
    watch = Watch()
    context = await _context(browser, watch)
    page = await context.new_page()
    role = "VIEWER"
    # The start line names the dashboard and the web budget given with --web-rate-limit.
    log = site.server.log()
    assert f"Sentinel on {site.url}/ (dashboard), API at /api, docs /api/docs" in log, log
    assert f"web {WEB_RATE_LIMIT} per session" in log, log
    try:
        await page.goto(f"{site.url}/login")
        await look(page, role, "sign-in")
        await sign_in(page, site.url, email_of(role))
        assert await nav_names(page) == list(NAV)

        # The dashboard: the score the operation computes, at the top.
        with open_store(site.server.settings) as store:
            score = dashboard(store)["overview"]["complianceScore"]
        assert await heading(page) == "Dashboard"
        card = page.locator(".card-score")
        assert f"{score:g}%" in await card.inner_text()
        await look(page, role, "dashboard")
        await _no_write_controls(page, "the dashboard")

        # Evidence filtered by the URL: the page's count is the operation's, every row FAIL.
        answer = await page.goto(f"{site.url}/evidence?status=FAIL")
        assert answer is not None and answer.status == 200
        assert answer.headers["x-ratelimit-limit"] == WEB_RATE_LIMIT.split("/")[0]
        with open_store(site.server.settings) as store:
            failing = list_evidence(store, status="FAIL", limit=1)["pagination"]["total"]
        assert failing > 0
        assert f"of {failing:,}" in await page.locator("#results .count").inner_text()
        assert await page.get_by_role("checkbox", name="FAIL").is_checked()
        rows = page.locator("#results table tbody tr")
        statuses = await rows.locator("td:first-child .badge").all_inner_texts()
        assert statuses and set(statuses) == {"FAIL"}, statuses
        await look(page, role, "evidence FAIL")
        await _no_write_controls(page, "the evidence list")

        # One item: its remediation, as the operation has it.
        await rows.first.get_by_role("link").first.click()
        await page.wait_for_url(re.compile(f"/evidence/{UUID}$"))
        item_id = urlsplit(page.url).path.rsplit("/", 1)[1]
        with open_store(site.server.settings) as store:
            item = get_evidence(store, item_id)["evidence"]
        assert item["status"] == "FAIL"
        remediation = page.get_by_role("region", name="Remediation")
        assert item["remediation"]["text"] in await remediation.inner_text()
        await look(page, role, "evidence item")

        # Compliance: a framework, then one of its controls and the control's evidence.
        await _open(page, "Compliance")
        await look(page, role, "compliance")
        await page.get_by_role("link", name=re.compile(r"^SOC 2")).first.click()
        await page.wait_for_url(f"{site.url}/compliance/SOC2")
        await look(page, role, "compliance SOC2")
        await page.get_by_role("link", name="CC6.1", exact=True).first.click()
        await page.wait_for_url(f"{site.url}/compliance/SOC2/CC6.1")
        assert (await heading(page)).startswith("CC6.1")
        evidence = page.get_by_role("region", name="Evidence", exact=True)
        assert await evidence.locator("tbody tr").count() > 0
        await look(page, role, "compliance SOC2 CC6.1")
        await page.goto(f"{site.url}/compliance/ISO27001")
        assert await page.get_by_role("heading", name="Statement of Applicability").count()
        await look(page, role, "compliance ISO27001")

        # Integrations, one of them and its jobs; nothing to connect or collect.
        await _open(page, "Integrations")
        await look(page, role, "integrations")
        await _no_write_controls(page, "the integrations")
        await page.get_by_role("link", name="prod", exact=True).first.click()
        await page.wait_for_url(re.compile(f"/integrations/{UUID}$"))
        text = await page.locator("main").inner_text()
        assert "COMPLETED" in text and "FAILED" in text
        await look(page, role, "integration")
        await _no_write_controls(page, "an integration")

        # Reports: the one generated beforehand downloads, byte for byte what was stored.
        await _open(page, "Reports")
        await look(page, role, "reports")
        await _no_write_controls(page, "the reports")
        async with page.expect_download() as started:
            await page.get_by_role("link", name="Download").first.click()
        download = await started.value
        pdf = Path(await download.path()).read_bytes()
        assert pdf.startswith(b"%PDF")
        assert hashlib.sha256(pdf).hexdigest() == site.report["sha256"]

        for name in ("Policies", "Checks", "Exceptions", "Billing"):
            await _open(page, name)
            await look(page, role, name)
            await _no_write_controls(page, name)
            if name == "Policies":
                await _open_policy(page)
                await look(page, role, "policy")
                await _no_write_controls(page, "a policy")
        users = await page.request.get(f"{site.url}/users")
        assert users.status == 403
    finally:
        await context.close()
    watch.assert_clean()


# -- MEMBER ----------------------------------------------------------------------------------------


def test_member_walk(chromium: Chromium, site: Site) -> None:
    chromium.run(_member_walk(chromium.browser, site))


async def _member_walk(browser: Browser, site: Site) -> None:
    watch = Watch()
    context = await _context(browser, watch)
    page = await context.new_page()
    try:
        await sign_in(page, site.url, email_of("MEMBER"))
        assert await nav_names(page) == list(NAV)
        for name in NAV[1:]:
            await _open(page, name)
        assert (await page.request.get(f"{site.url}/users")).status == 403

        # Connect the stand-in's organisation through the form.
        await _open(page, "Integrations")
        connect = page.locator("form").filter(
            has=page.get_by_role("button", name="Connect GitHub", exact=True)
        )
        await connect.get_by_label("Organization").fill("acme")
        await connect.get_by_label("Token", exact=True).fill(OWNER_TOKEN)
        await connect.get_by_label("API base URL").fill(site.github_url)
        await connect.get_by_label(re.compile(r"^Name")).fill("Acme on GitHub")
        connect_action = await connect.get_attribute("action") or "/integrations"
        connect_fields = await connect.evaluate("f => Object.fromEntries(new FormData(f))")
        await connect.get_by_role("button", name="Connect GitHub", exact=True).click()
        await page.wait_for_url(re.compile(f"/integrations/{UUID}$"))
        integration_id = urlsplit(page.url).path.rsplit("/", 1)[1]
        assert "Acme on GitHub" in await page.locator("main").inner_text()

        # Collect, and watch the progress region until the job ends.
        collect = page.locator("form").filter(
            has=page.get_by_role("button", name="Collect now", exact=True)
        )
        collect_action = await collect.get_attribute("action")
        assert collect_action, "the Collect now form names no action"
        await collect.get_by_role("button", name="Collect now").click()
        region = page.locator("#job-progress")
        await region.wait_for()
        polled = await region.get_attribute("hx-get")
        assert polled, "the progress region of a running job does not poll"
        seen: list[str] = []
        bars = 0
        deadline = time.monotonic() + 90
        while not FINAL.search(seen[-1] if seen else ""):
            assert time.monotonic() < deadline, f"the collection did not end: {seen[-3:]}"
            seen.append(await region.inner_text())
            bars += await region.get_by_role("progressbar", name="Collection progress").count()
            await asyncio.sleep(0.1)
        ended = time.monotonic()
        steps = [STEPS.search(text) for text in seen]
        assert bars and any(steps), f"no progress shown while running: {seen[:3]}"
        assert any(int(s.group(1)) < int(s.group(2)) for s in steps if s), seen
        assert "COMPLETED" in seen[-1], seen[-1]

        # While the page sits there, the refusals; then no poll may have followed the end.
        await _refusals(browser, site, page, connect_action, connect_fields, collect_action)
        await asyncio.sleep(max(0.0, ended + POLL_SECONDS + 0.5 - time.monotonic()))
        late = [url for url in watch.requests_since(ended) if urlsplit(url).path == polled]
        assert not late, f"the region kept polling after the job ended: {late}"

        await page.reload()
        assert "COMPLETED" in await page.locator("main table").first.inner_text()
        await page.goto(f"{site.url}/evidence?integration={integration_id}")
        assert await page.locator("#results table tbody tr").count() > 0
    finally:
        await context.close()
    watch.assert_clean()


def _counts(site: Site, integration_id: str) -> tuple[int, int]:
    """Integrations, and jobs of this one, as the store has them."""
    with open_store(site.server.settings) as store:
        return len(list_integrations(store)), len(list_jobs(store, integration_id))


async def _refusals(
    browser: Browser,
    site: Site,
    member: Page,
    connect_action: str,
    connect_fields: dict[str, str],
    collect_action: str,
) -> None:
    """CSRF before anything else, and a VIEWER's forged writes: 403, and nothing changes."""
    collect_url = f"{site.url}{collect_action}"
    integration_id = re.findall(UUID, collect_action)[0]
    before = _counts(site, integration_id)
    token = await csrf_token(member)

    without_token = await member.request.post(collect_url, form={})
    assert without_token.status == 403
    foreign = await member.request.post(
        collect_url, form={"csrf_token": token}, headers={"Origin": "http://elsewhere.example"}
    )
    assert foreign.status == 403
    sign_in_without_token = await member.request.post(
        f"{site.url}/login", form={"email": email_of("MEMBER"), "password": "whatever"}
    )
    assert sign_in_without_token.status == 403

    watch = Watch()
    context = await _context(browser, watch)
    viewer = await context.new_page()
    try:
        await sign_in(viewer, site.url, email_of("VIEWER"))
        viewer_token = await csrf_token(viewer)
        forged = {**connect_fields, "csrf_token": viewer_token}
        connect = await viewer.request.post(f"{site.url}{connect_action}", form=forged)
        assert connect.status == 403, await connect.text()
        collect = await viewer.request.post(collect_url, form={"csrf_token": viewer_token})
        assert collect.status == 403, await collect.text()
    finally:
        await context.close()
    watch.assert_clean()
    assert _counts(site, integration_id) == before


# -- ADMIN -----------------------------------------------------------------------------------------


def test_admin_walk(chromium: Chromium, site: Site) -> None:
    chromium.run(_admin_walk(chromium.browser, site))


async def _admin_walk(browser: Browser, site: Site) -> None:
    watch = Watch()
    context = await _context(browser, watch)
    page = await context.new_page()
    role = "ADMIN"
    try:
        await sign_in(page, site.url, email_of(role))
        assert await nav_names(page) == list(ADMIN_NAV)
        for name in ADMIN_NAV:
            await _open(page, name)
            await look(page, role, name)
            if name == "Evidence":
                await page.locator("#results table tbody tr a").first.click()
                await page.wait_for_url(re.compile(f"/evidence/{UUID}$"))
                await look(page, role, "evidence item")
            if name == "Compliance":
                for path in ("/compliance/SOC2", "/compliance/SOC2/CC6.1", "/compliance/ISO27001"):
                    answer = await page.goto(f"{site.url}{path}")
                    assert answer is not None and answer.status == 200, path
                    await look(page, role, path[1:].replace("/", " "))
            if name == "Integrations":
                await page.get_by_role("link", name="prod", exact=True).first.click()
                await page.wait_for_url(re.compile(f"/integrations/{UUID}$"))
                await look(page, role, "integration")
                await _schedule_and_unschedule(page, role)
            if name == "Policies":
                await _open_policy(page)
                assert await page.get_by_role("button", name="Approve", exact=True).count()
                await look(page, role, "policy")
            if name == "Users":
                assert await page.get_by_role("button", name="Add user", exact=True).count()
            if name == "Notifications":
                await _webhook_round_trip(page, role)
    finally:
        await context.close()
    watch.assert_clean()


async def _schedule_and_unschedule(page: Page, role: str) -> None:
    """Set a schedule with the form; "Remove schedule" stands beside "Change schedule" though it
    submits a form of its own (form=), and removes the schedule."""
    section = page.locator("#schedule")
    await section.get_by_label("Every", exact=True).fill("12h")
    await section.get_by_role("button", name="Set schedule").click()
    remove = section.get_by_role("button", name="Remove schedule")
    await remove.wait_for()
    assert "Every 12h" in await section.inner_text()
    change = await section.get_by_role("button", name="Change schedule").bounding_box()
    beside = await remove.bounding_box()
    assert change and beside and abs(change["y"] - beside["y"]) < 1, (change, beside)
    await look(page, role, "integration scheduled")
    await remove.click()
    await section.get_by_text("Not collected on a schedule.").wait_for()


_LINES_JS = """sel => [...document.querySelectorAll(sel)].map(e => {
    const range = document.createRange();
    range.selectNodeContents(e);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
})"""


async def _webhook_round_trip(page: Page, role: str) -> None:
    """Add a webhook (every event: the table says "all"), send it a test message, read the
    delivery in the log (a DELIVERED badge, "HTTP 200" on one line at both sizes), remove it."""
    with http_receiver() as receiver:
        add = page.locator("form").filter(
            has=page.get_by_role("button", name="Add destination", exact=True)
        )
        await add.get_by_label("URL").fill(receiver.url)
        await add.get_by_role("button", name="Add destination", exact=True).click()
        await page.get_by_role("status").filter(has_text="Signing secret").wait_for()
        row = (
            page.get_by_role("region", name="Notification destinations")
            .locator("tbody tr")
            .filter(has_text=receiver.url)
        )
        assert (await row.locator("td[data-label='Events']").inner_text()).strip() == "all"
        await row.get_by_role("button", name="Send test").click()
        await page.get_by_text(f"Delivered the test message to {receiver.url}").wait_for()
        delivery = page.get_by_role("region", name="Recent deliveries").locator("tbody tr").first
        assert await delivery.locator(".badge").inner_text() == "DELIVERED"
        for width, height in SIZES.values():
            await page.set_viewport_size({"width": width, "height": height})
            lines = await page.evaluate(
                _LINES_JS, ".deliveries-table td[data-label=Status] .nowrap"
            )
            assert lines and set(lines) == {1}, (width, lines)
        await look(page, role, "notifications with a webhook")
        remove = (
            page.get_by_role("region", name="Notification destinations")
            .locator("tbody tr")
            .filter(has_text=receiver.url)
            .get_by_role("button", name="Remove")
        )
        await remove.click()
        await page.get_by_text("No destination yet").wait_for()
    assert [r.headers["x-sentinel-event"] for r in receiver.requests] == ["test"]
