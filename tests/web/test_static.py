"""The dashboard's static files: the vendored htmx is the file its note names (SHA-256), with its
licence beside it; every template and static file is shipped by the package data; the stylesheet
and scripts are referenced by versioned URLs only.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path

from sentinel_cli.web import static
from sentinel_cli.web.templating import environment

WEB = Path(static.__file__).parent
ROOT = WEB.parent.parent


def test_the_vendored_htmx_matches_its_note() -> None:
    note = (static.DIRECTORY / "VENDORED.md").read_text(encoding="utf-8")
    row = next(line for line in note.splitlines() if line.startswith(f"| `{static.HTMX_FILE}`"))
    version = re.search(r"htmx-(\d+\.\d+\.\d+)\.min\.js", static.HTMX_FILE)
    assert version is not None and version.group(1).startswith("2.")
    assert f"| {version.group(1)} |" in row
    recorded = re.findall(r"`([0-9a-f]{64})`", row)
    actual = hashlib.sha256((static.DIRECTORY / static.HTMX_FILE).read_bytes()).hexdigest()
    assert recorded == [actual]
    licence = static.DIRECTORY / f"htmx-{version.group(1)}.LICENSE.txt"
    assert "Zero-Clause BSD" in licence.read_text(encoding="utf-8")
    assert sorted(p.name for p in static.DIRECTORY.glob("htmx-*")) == sorted(
        [static.HTMX_FILE, licence.name]
    )


def test_every_template_and_static_file_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["sentinel_cli.web"]
    files = [
        p.relative_to(WEB).as_posix()
        for folder in ("templates", "static")
        for p in (WEB / folder).rglob("*")
        if p.is_file()
    ]
    assert len(files) > 10
    missing = [f for f in files if not any(fnmatch(f, pattern) for pattern in patterns)]
    assert missing == []
    # fnmatch's * crosses "/", setuptools' does not: no file may sit deeper than the patterns go.
    assert all(f.count("/") <= 2 for f in files)


def test_every_template_compiles() -> None:
    env = environment()
    names = env.list_templates()
    assert "base.html" in names and "evidence/list.html" in names
    for name in names:
        env.get_template(name)


def test_assets_are_referenced_by_versioned_urls() -> None:
    url = static.static_url(static.HTMX_FILE)
    digest = hashlib.sha256((static.DIRECTORY / static.HTMX_FILE).read_bytes()).hexdigest()
    assert url == f"/static/{static.HTMX_FILE}?v={digest[:12]}"
    base = (WEB / "templates" / "base.html").read_text(encoding="utf-8")
    assert "static_url(" in base and "/static/" not in base
    assert "http://" not in base and "https://" not in base  # no CDN
