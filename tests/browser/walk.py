"""What every browser walk does besides its own steps: watch for what must never happen, sign in
through the form, look at each page at a laptop's and a phone's size, and find write controls.

``Watch`` records, for one browser context, every console error and uncaught page error, every
request to a host other than 127.0.0.1 and every 429 answer; ``assert_clean`` fails the walk on
any. ``look`` screenshots the page at 1366x900 and 390x844 (its first ``MAX_SHOT_HEIGHT`` pixels,
written under ``SENTINEL_SCREENSHOTS`` when that is set; taken either way, so the walk is the same)
and checks that the page does not overflow the window sideways at either size: a wide table must
scroll inside its own box.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, ConsoleMessage, Page, Request, Response

from tests.helpers.server import PASSWORD

SIZES = {"wide": (1366, 900), "phone": (390, 844)}
SCREENSHOTS_ENV = "SENTINEL_SCREENSHOTS"
MAX_SHOT_HEIGHT = 2700
"""Screenshots show a page's first 2,700 CSS pixels (three laptop screens): long tables repeat
their rows below that, and a whole-page PNG of a 93-control table costs over a second."""
LOCAL_SCHEMES = ("data", "blob", "about")
NAV = (
    "Dashboard",
    "Evidence",
    "Compliance",
    "Integrations",
    "Policies",
    "Reports",
    "Checks",
    "Exceptions",
    "Billing",
)
ADMIN_NAV = (*NAV, "Users", "Notifications")
WRITE_CONTROLS = (
    "Connect GitHub",
    "Connect AWS",
    "Collect now",
    "Generate",
    "Generate policy",
    "Approve",
    "Add exception",
    "Revoke",
    "Add user",
    "Change role",
    "Disable",
    "Enable",
    "Add destination",
    "Send test",
)
"""Buttons and links (ui-contract.md) that change something: none may show to a VIEWER."""
READ_ONLY_POSTS = ("Sign out", "Verify")
"""POST forms a VIEWER may see: signing out, and checking a report file's hash."""


@dataclass
class Watch:
    """Console errors, requests off loopback and 429s of one browser context, as they happen."""

    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    requests: list[tuple[float, str]] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> None:
        context.on("console", self._console)
        context.on("weberror", lambda error: self.errors.append(f"page error: {error.error}"))
        context.on("request", self._request)
        context.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text} ({message.location.get('url')})")

    def _request(self, request: Request) -> None:
        self.requests.append((time.monotonic(), request.url))
        parts = urlsplit(request.url)
        if parts.scheme not in LOCAL_SCHEMES and parts.hostname != "127.0.0.1":
            self.foreign.append(request.url)

    def _response(self, response: Response) -> None:
        if response.status == 429:
            self.refused.append(response.url)

    def requests_since(self, moment: float) -> list[str]:
        return [url for at, url in self.requests if at >= moment]

    def assert_clean(self) -> None:
        assert not self.errors, self.errors
        assert not self.foreign, f"requests left 127.0.0.1: {self.foreign}"
        assert not self.refused, f"429 during the walk: {self.refused}"


async def sign_in(page: Page, base: str, email: str) -> None:
    """Open the site signed out (sent to the sign-in form), sign in, land on the dashboard."""
    await page.goto(f"{base}/")
    assert urlsplit(page.url).path == "/login", page.url
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{base}/")


async def heading(page: Page) -> str:
    return (await page.locator("main h1").first.inner_text()).strip()


async def nav_names(page: Page) -> list[str]:
    links = page.get_by_role("navigation", name="Main").get_by_role("link")
    return [name.strip() for name in await links.all_inner_texts()]


async def csrf_token(page: Page) -> str:
    """The session's CSRF token, as every page's sign-out form carries it."""
    value = await page.locator("form[action='/logout'] input[name='csrf_token']").get_attribute(
        "value"
    )
    assert value, "no CSRF token in the sign-out form"
    return value


_WRITE_CONTROLS_JS = """([names, readOnly]) => {
    const label = e => (e.getAttribute('aria-label') || e.innerText || e.value || '').trim();
    const found = [];
    for (const e of document.querySelectorAll('button, a[href], input[type=submit], [role=button]')) {
        if (names.includes(label(e))) found.push(`${e.tagName.toLowerCase()} "${label(e)}"`);
    }
    for (const form of document.forms) {
        if (form.method !== 'post') continue;
        const buttons = [...form.querySelectorAll('button, input[type=submit]')].map(label);
        if (!buttons.some(b => readOnly.includes(b)))
            found.push(`POST form ${form.getAttribute('action')} [${buttons.join(', ')}]`);
    }
    for (const e of document.querySelectorAll('[hx-post], [hx-put], [hx-patch], [hx-delete]'))
        found.push('htmx write ' + e.outerHTML.slice(0, 120));
    return found;
}"""


async def write_controls(page: Page) -> list[str]:
    """The write controls on this page, hidden or not: buttons and links named as in the contract,
    POST forms other than signing out and verifying a file, and elements that send htmx writes
    (one evaluation in the page: asking for each name in turn costs a round trip each)."""
    found = await page.evaluate(_WRITE_CONTROLS_JS, [list(WRITE_CONTROLS), list(READ_ONLY_POSTS)])
    return [str(entry) for entry in found]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "page"


async def look(page: Page, role: str, name: str) -> None:
    """Screenshot the page at both sizes (saved when ``SENTINEL_SCREENSHOTS`` names a directory)
    and check it fits the window's width at each; the page ends at the wide size again."""
    folder = os.environ.get(SCREENSHOTS_ENV)
    for size, (width, height) in SIZES.items():
        await page.set_viewport_size({"width": width, "height": height})
        overflow, tall = await page.evaluate(
            "[document.documentElement.scrollWidth - document.documentElement.clientWidth,"
            " document.documentElement.scrollHeight]"
        )
        clip = {"x": 0, "y": 0, "width": width, "height": min(tall, MAX_SHOT_HEIGHT)}
        shot = await page.screenshot(full_page=True, clip=clip)
        assert shot.startswith(b"\x89PNG")
        if folder:
            target = Path(folder) / f"{role.lower()}-{_slug(name)}-{size}.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(shot)
        where = f"{name} ({urlsplit(page.url).path})"
        assert overflow <= 0, f"{where} is {overflow}px wider than a {width}px window"
    width, height = SIZES["wide"]
    await page.set_viewport_size({"width": width, "height": height})
