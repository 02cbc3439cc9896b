"""The dashboard's "What changed" panel over real HTTP: the latest finished collection's counts
and top items linking to their evidence, and a fresh answer as soon as a collection finishes
(the panel is kept in the server's response cache under the store's generation)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sentinel_cli.store import open_store
from tests.helpers.estate import Estate, Spec, bucket, day_at, user
from tests.helpers.server import Server, add_users, server_env
from tests.web.browser import Browser
from tests.web.conftest import RAISED, Site, email_of


def _panel(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text[:3000]
    assert "Traceback" not in response.text
    html = response.text
    start = html.index('<section aria-labelledby="changes-heading">')
    return html[start : html.index("</section>", start)]


def _count(panel: str, label: str) -> int:
    found = re.search(rf"<dt>{label}</dt><dd>([\d,]+)</dd>", panel)
    assert found is not None, panel
    return int(found.group(1).replace(",", ""))


def test_the_panel_shows_the_latest_collections_changes(site: Site, viewer: Browser) -> None:
    panel = _panel(viewer.get("/"))
    assert '<h2 id="changes-heading">What changed</h2>' in panel
    assert "prod: the collection finished" in panel and "against the one finished" in panel
    assert _count(panel, "Newly failing") == 1 and _count(panel, "Fixed") == 0
    assert _count(panel, "Checks now erroring") == 0
    bob = next(r for r in site.estate.items["prod-1"] if r.resource_id == user("bob"))
    assert f'<a href="/evidence/{bob.id}">Access keys are rotated within 90 days</a>' in panel
    assert (
        user("bob") in panel.replace("<wbr>", "")
        and "badge-pass" in panel
        and "badge-fail" in panel
    )
    assert f"/api/jobs/{site.estate.jobs['prod-1']}/changes" in panel
    # The link leads to the item.
    assert viewer.get(f"/evidence/{bob.id}").status_code == 200


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Server]:
    home = tmp_path / "home"
    home.mkdir()
    server = Server(home, server_env(home, **RAISED))
    add_users(server.settings, (email_of("VIEWER"), "VIEWER"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_the_panel_follows_each_finished_collection(fresh: Server) -> None:
    with Browser(fresh) as browser, open_store(fresh.settings) as store:
        browser.signed_in(email_of("VIEWER"))
        assert "No finished collection yet: nothing to compare." in _panel(browser.get("/"))
        assert "No finished collection yet" in _panel(browser.get("/"))  # cached, same answer

        estate = Estate(store)
        estate.integration("shop")
        specs: list[Spec] = [
            ("aws_s3_bucket_default_encryption", bucket("shop-a"), "FAIL", "us-east-1"),
            ("aws_s3_bucket_default_encryption", bucket("shop-b"), "PASS", "us-east-1"),
        ]
        estate.collect("shop-1", "shop", specs, at=day_at(1))
        first = _panel(browser.get("/"))
        assert "shop: the collection finished" in first and "its first" in first
        assert _count(first, "Newly failing") == 1 and _count(first, "New resources") == 2

        estate.collect(
            "shop-2", "shop", [(c, r, "PASS", g) for c, r, _, g in specs], at=day_at(0, 1)
        )
        second = _panel(browser.get("/"))
        assert _count(second, "Newly failing") == 0 and _count(second, "Fixed") == 1
        fixed = next(r for r in estate.items["shop-2"] if r.resource_id == bucket("shop-a"))
        assert f'href="/evidence/{fixed.id}"' in second and "Fixed</td>" in second
