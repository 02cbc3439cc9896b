"""Rendering pages: the Jinja2 environment, its filters, and ``render`` for page routes.

Autoescaping is on for every template and undefined names raise (``StrictUndefined``), so a typo
in a template fails its test instead of printing an empty cell. ``render`` gives every template the
base layout's values (the session, the navigation links the user's role sees, the CSRF token that
``hx-headers`` on ``<body>`` and every form carry, the htmx settings) besides the page's own.

htmx fragments: a page that updates part of itself (the evidence table under its filter form)
passes ``fragment=``; an htmx request then gets that template alone, a normal request the whole
page, so every page works without JavaScript too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from sentinel_cli import __version__
from sentinel_cli.timeutil import parse_iso
from sentinel_cli.web import nav
from sentinel_cli.web.auth import can, current_session
from sentinel_cli.web.static import HTMX_FILE, ICON, STYLESHEET, static_url

HTMX_CONFIG = {
    # The Content-Security-Policy allows no inline style: the indicator styles are in our CSS.
    "includeIndicatorStyles": False,
    "allowEval": False,
    "allowScriptTags": False,
    "selfRequestsOnly": True,
    # No copies of pages in the browser's storage (they hold evidence); back/forward reloads.
    "historyCacheSize": 0,
    "refreshOnHistoryMiss": True,
    "historyRestoreAsHxRequest": False,
    # 400 and 404 fragments carry a message for the user: swap them in like a 200.
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        {"code": "40[04]", "swap": True, "error": False},
        {"code": "[45]..", "swap": False, "error": True},
    ],
}


def when(value: str | None) -> str:
    """``2025-01-31T09:30:00Z`` as ``2025-01-31 09:30 UTC``; a dash for nothing."""
    if not value:
        return "—"
    try:
        moment = parse_iso(value)
    except ValueError:
        return value
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def day(value: str | None) -> str:
    return value[:10] if value else "—"


def number(value: int | float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,}"


def percent(value: float | None) -> str:
    """A score (0-100, one decimal) with its unit; a dash while there is nothing to score."""
    return "—" if value is None else f"{value:g}%"


def sentence(value: str) -> str:
    """The first letter upper-cased, the rest as written (``Annex A controls``)."""
    return value[:1].upper() + value[1:]


@cache
def _separators(after: str) -> re.Pattern[str]:
    """The pattern of runs of ``after``: never characters of the escaped text's entities
    (``&amp;``, ``&#39;``), nor ones with a meaning inside a regular expression's ``[...]``."""
    if not after or any(c in after for c in "&#;<>'\"\\]^-"):
        raise ValueError(f"unsuitable separators for breakable: {after!r}")
    return re.compile(f"([{after}]+)")


def breakable(value: object, after: str = ":/") -> Markup:
    """An identifier (an ARN, a URL, a resource pattern) that may wrap only after its separators.

    The text is escaped, then a ``<wbr>`` follows each run of the ``after`` characters, so
    ``arn:aws:iam::111122223333:root`` breaks at ``:`` and never inside ``111122223333``: breaking
    anywhere (CSS ``overflow-wrap: anywhere``) also lets a table squeeze the column to a few
    characters. Copying the text copies no extra character. ``None`` is empty.
    """
    if value is None:
        return Markup("")
    return Markup(_separators(after).sub(r"\1<wbr>", str(escape(value))))


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("sentinel_cli.web", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        when=when,
        day=day,
        number=number,
        percent=percent,
        sentence=sentence,
        pretty_json=pretty_json,
        breakable=breakable,
    )
    env.globals.update(
        static_url=static_url,
        can=can,
        htmx_file=HTMX_FILE,
        stylesheet=STYLESHEET,
        icon=ICON,
        version=__version__,
        htmx_config=json.dumps(HTMX_CONFIG, separators=(",", ":")),
        current_year=datetime.now().year,
    )
    return env


def is_htmx(request: Request) -> bool:
    """An htmx request for part of a page (not a boosted link, not a history reload)."""
    headers = request.headers
    return (
        headers.get("hx-request") == "true"
        and headers.get("hx-boosted") != "true"
        and "hx-history-restore-request" not in headers
    )


def render_text(template: str, values: Mapping[str, Any]) -> str:
    """A template with only the values given plus the layout's defaults for a signed-out page."""
    base: dict[str, Any] = {
        "session": None,
        "nav": [],
        "active": None,
        "title": "",
        "csrf_token": "",
    }
    return environment().get_template(template).render({**base, **values})


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    title: str,
    active: str | None = None,
    status: int = 200,
    fragment: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """A page (or its ``fragment`` for an htmx request) as an HTML response."""
    session = current_session(request)
    values: dict[str, Any] = {
        "session": session,
        "nav": nav.visible(session.role) if session else [],
        "active": active,
        "title": title,
        "csrf_token": session.csrf_token if session else "",
        "request_path": request.url.path,
        **(context or {}),
    }
    name = fragment if fragment is not None and is_htmx(request) else template
    body = environment().get_template(name).render(values)
    return HTMLResponse(body, status_code=status, headers=dict(headers or {}))
