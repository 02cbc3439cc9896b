"""The dashboard's static files (``static/``) and their URLs.

Files are served under ``/static/`` by Starlette's ``StaticFiles``, outside the rate limit and with
a one-year cache lifetime (``api.middleware``). That is safe because every URL a page uses carries
the file's content hash (``?v=``; htmx also has its version in its name): a changed file is a new
URL, so no browser keeps a stale one.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from sentinel_cli.web.paths import STATIC_PREFIX

DIRECTORY = Path(__file__).parent / "static"
HTMX_FILE = "htmx-2.0.11.min.js"
"""The vendored htmx (see ``static/VENDORED.md``)."""
STYLESHEET = "sentinel.css"
ICON = "favicon.svg"


@cache
def _version(name: str) -> str:
    return hashlib.sha256((DIRECTORY / name).read_bytes()).hexdigest()[:12]


def static_url(name: str) -> str:
    """The versioned URL of a file of ``static/``."""
    return f"{STATIC_PREFIX}{name}?v={_version(name)}"
