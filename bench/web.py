"""Bench the web dashboard: server time and page weight of its pages, beside the REST API.

With 100,000 current evidence items (the store ``bench/api.py`` builds, through ``bench/query.py``'s
builder), a real ``sentinel serve --workers 1`` on 127.0.0.1 and a signed-in browser session (the
sign-in form, its CSRF token and cookie, as a browser does), it times, with ``bench/api.py``'s load
client on ONE keep-alive connection (one request at a time, so each latency is the server's time
plus a loopback round trip), in ``--rounds`` interleaved turns:

    GET /                            the dashboard page (HTML, rendered per request)
    GET /evidence?status=FAIL        an evidence page: 50 of the ~15,000 FAIL items
    GET /api/evidence?status=FAIL    the API's evidence list (50 items), its response cache warm
    GET /api/dashboard/stats         the API's dashboard, its response cache warm

and prints requests, median and p95 latency for each, the first (cold) request of each right after
start, and the ratio of each page to its API counterpart. The API answers a repeated query from its
response cache (``api/cache.py``) and the pages do not cache at all, so the API's list is also timed
with a distinct ``offset`` per request (a cache miss each time: the query run for real).

Page weight is what a first visit downloads with an empty cache: the page's HTML plus every
stylesheet, script and icon it links (the CSS, the vendored htmx, the favicon), in bytes as served
(no compression is configured).

Targets (issue 18): each page's median and p95 server time under 100 ms, its weight under 150 KB.

    .venv/bin/python bench/web.py                          # 100k items, 10 s per route
    .venv/bin/python bench/web.py --items 2000 --seconds 2  # a quick smoke run
    .venv/bin/python bench/web.py --keep /tmp/sentinel-api-bench   # reuse bench/api.py's store
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import importlib.util
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path
from types import ModuleType
from urllib.parse import urlencode

TARGET_MS = 100.0
TARGET_BYTES = 150 * 1024
PAGES = (
    ("dashboard page", "/", "API dashboard"),
    ("evidence page", "/evidence?status=FAIL", "API evidence list"),
)
API = (
    ("API evidence list", "/api/evidence?status=FAIL"),
    ("API dashboard", "/api/dashboard/stats"),
)
CACHE_MISSES = 200
"""Requests of the API's list with distinct offsets (0..199: each a page of 50 FAIL items)."""
_ASSET = re.compile(r'<(?:link|script)\b[^>]*?\b(?:href|src)="(/static/[^"]+)"')
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _api_bench() -> ModuleType:
    """bench/api.py: the store, the server, the API login and the load client of the benches."""
    path = Path(__file__).with_name("api.py")
    spec = importlib.util.spec_from_file_location("sentinel_bench_api", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


api = _api_bench()


def _get(
    port: int, path: str, headers: dict[str, str]
) -> tuple[int, bytes, http.client.HTTPResponse]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=api.REQUEST_TIMEOUT)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read(), response
    finally:
        conn.close()


def web_sign_in(port: int) -> str:
    """Sign in through the form, as a browser does; the session's ``Cookie`` header."""
    from sentinel_cli.web.cookies import PRESESSION_COOKIE, SESSION_COOKIE

    status, body, response = _get(port, "/login", {"Accept": "text/html"})
    if status != 200:
        raise SystemExit(f"GET /login answered {status}")
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    found = _TOKEN.search(body.decode())
    if found is None or PRESESSION_COOKIE not in jar:
        raise SystemExit("the sign-in page carries no CSRF token")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=api.REQUEST_TIMEOUT)
    try:
        conn.request(
            "POST",
            "/login",
            body=urlencode({"email": api.EMAIL, "password": api.PASSWORD, "csrf_token": found[1]}),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"{PRESESSION_COOKIE}={jar[PRESESSION_COOKIE].value}",
            },
        )
        answer = conn.getresponse()
        answer.read()
        for header in answer.headers.get_all("Set-Cookie") or []:
            jar.load(header)
    finally:
        conn.close()
    if answer.status != 303 or SESSION_COOKIE not in jar:
        raise SystemExit(f"signing in failed: {answer.status}")
    return f"{SESSION_COOKIE}={jar[SESSION_COOKIE].value}"


Route = tuple[str, str, dict[str, str]]
"""A route to time: its name, path and request headers (the session cookie or the API token)."""


def _request(port: int, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{key}: {value}" for key, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def weight(port: int, path: str, cookie: str) -> dict[str, int]:
    """Bytes of the page's HTML and of each asset it links, fetched as an empty cache would."""
    status, html, response = _get(port, path, {"Cookie": cookie, "Accept": "text/html"})
    if status != 200:
        raise SystemExit(f"GET {path} answered {status}")
    if response.getheader("Content-Length") is None:
        raise SystemExit(f"GET {path} has no Content-Length: the load client needs one")
    sizes = {"HTML": len(html)}
    for asset in dict.fromkeys(_ASSET.findall(html.decode())):
        code, body, _ = _get(port, asset.replace("&amp;", "&"), {})
        if code != 200:
            raise SystemExit(f"GET {asset} answered {code}")
        sizes[asset.split("?")[0].rsplit("/", 1)[-1]] = len(body)
    return sizes


def cold(port: int, routes: list[Route]) -> dict[str, float]:
    """Milliseconds of each route's first request after the server started."""
    out = {}
    for name, path, headers in routes:
        started = time.perf_counter()
        status, _, _ = _get(port, path, headers)
        out[name] = (time.perf_counter() - started) * 1000
        if status != 200:
            raise SystemExit(f"GET {path} answered {status}")
    return out


def timed(port: int, routes: list[Route], seconds: float, rounds: int) -> dict:
    """``bench/api.py``'s load client on one connection, routes interleaved over ``rounds``."""
    requests = [_request(port, path, headers) for _, path, headers in routes]
    for request in requests:  # warm-up: imports, templates, the API's response cache
        asyncio.run(api._load(port, request, min(1.0, seconds / 5), 1))
    merged = {name: api.Result(name, path, 0, 0, 0.0, []) for name, path, _ in routes}
    for turn in range(rounds):
        for index in ((turn + k) % len(routes) for k in range(len(routes))):
            name = routes[index][0]
            part = asyncio.run(api._load(port, requests[index], seconds / rounds, 1))
            total = merged[name]
            total.requests += part.requests
            total.errors += part.errors
            total.seconds += part.seconds
            total.latencies.extend(part.latencies)
        print(f"  round {turn + 1}/{rounds} done", flush=True)
    return merged


def cache_misses(port: int, headers: dict[str, str]) -> list[float]:
    """Seconds of API list requests that each miss the response cache (distinct offsets)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=api.REQUEST_TIMEOUT)
    out = []
    try:
        for offset in range(CACHE_MISSES):
            started = time.perf_counter()
            conn.request("GET", f"/api/evidence?status=FAIL&offset={offset}", headers=headers)
            response = conn.getresponse()
            response.read()
            out.append(time.perf_counter() - started)
            if response.status != 200:
                raise SystemExit(f"the API's list answered {response.status}")
    finally:
        conn.close()
    return out


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def operations(home: Path, runs: int = 5) -> dict[str, float]:
    """Median milliseconds of the operations the two pages call, run in this process on the same
    store: where a page's server time goes, besides rendering it."""
    from sentinel_cli.config import Settings
    from sentinel_cli.operations.dashboard import dashboard
    from sentinel_cli.operations.evidence import list_evidence
    from sentinel_cli.operations.evidence_stats import evidence_stats
    from sentinel_cli.operations.integrations import list_integrations
    from sentinel_cli.store import open_store

    calls = {
        "dashboard()": lambda store: dashboard(store),
        "evidence_stats()": lambda store: evidence_stats(store),
        "list_integrations()": lambda store: list_integrations(store),
        "list_evidence(status=FAIL)": lambda store: list_evidence(store, status="FAIL"),
    }
    out = {}
    with open_store(Settings(home=home, db_path=home / "sentinel.db")) as store:
        for name, call in calls.items():
            seconds = []
            for _ in range(runs):
                started = time.perf_counter()
                call(store)
                seconds.append(time.perf_counter() - started)
            out[name] = statistics.median(seconds) * 1000
    return out


def report(
    results: dict,
    misses: list[float],
    first: dict[str, float],
    weights: dict[str, dict[str, int]],
    ops: dict[str, float],
) -> int:
    head = f"{'route':<48} {'requests':>8} {'median ms':>10} {'p95 ms':>8} {'first ms':>9}"
    print(f"\n{head} {'errors':>7}")
    for name, r in results.items():
        print(
            f"{name + ' ' + r.path:<48} {r.requests:>8} {_ms(r.latencies, 0.5):>10.1f} "
            f"{_ms(r.latencies, 0.95):>8.1f} {first[name]:>9.1f} {r.errors:>7}"
        )
    print(
        f"{'API evidence list, cache misses':<48} {len(misses):>8} {_ms(misses, 0.5):>10.1f} "
        f"{_ms(misses, 0.95):>8.1f} {'':>9} {0:>7}"
    )
    print(
        "\noperations in this process, median of 5: "
        + ", ".join(f"{name} {ms:.1f} ms" for name, ms in ops.items())
    )
    ok = not any(r.errors for r in results.values())
    for page, _path, counterpart in PAGES:
        r = results[page]
        median, p95 = _ms(r.latencies, 0.5), _ms(r.latencies, 0.95)
        ratio = statistics.median(r.latencies) / statistics.median(results[counterpart].latencies)
        versus = f"{ratio:.1f}x {counterpart} (cached)"
        if counterpart == "API evidence list":
            versus += f", {statistics.median(r.latencies) / statistics.median(misses):.1f}x a miss"
        sizes = weights[page]
        total = sum(sizes.values())
        parts = ", ".join(f"{k} {v:,}" for k, v in sizes.items())
        print(f"\n{page}: median {median:.1f} ms, p95 {p95:.1f} ms; {versus}")
        print(f"  weight {total:,} bytes ({total / 1024:.1f} KB): {parts}")
        ok = ok and p95 < TARGET_MS and total < TARGET_BYTES
    print(
        f"\ntarget: each page's p95 < {TARGET_MS:.0f} ms server time and weight < "
        f"{TARGET_BYTES // 1024} KB: {'met' if ok else 'NOT met'}"
    )
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000, help="Current evidence items.")
    parser.add_argument("--integrations", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10.0, help="Time per route.")
    parser.add_argument("--rounds", type=int, default=5, help="Interleaved turns per route.")
    parser.add_argument("--keep", type=Path, default=None, help="Build (or reuse) the store here.")
    parser.add_argument("--log-level", choices=api.LOG_LEVELS, default="warning")
    args = parser.parse_args(argv)

    home = args.keep or Path(tempfile.mkdtemp(prefix="sentinel-web-bench-"))
    home.mkdir(parents=True, exist_ok=True)
    log = home / "serve.log"
    log.unlink(missing_ok=True)
    # Pages count against the web budget: raised so the load is never refused (inherited by the
    # server bench/api.py starts, which raises the API's budget the same way).
    os.environ["SENTINEL_WEB_RATE_LIMIT"] = "100000000/900"
    server = None
    failed = True
    try:
        api.prepare(home, integrations=args.integrations, items=args.items)
        port = api._free_port()
        server = api.start_server(home, port, log, args.log_level)
        session = web_sign_in(port)
        cookie = {"Cookie": session, "Accept": "text/html"}
        bearer = {"Authorization": f"Bearer {api.login(port)}"}
        routes = [
            *((name, path, cookie) for name, path, _ in PAGES),
            *((name, path, bearer) for name, path in API),
        ]
        print(
            f"server: sentinel serve --workers 1 on 127.0.0.1:{port} (pid {server.pid}, log "
            f"{log}); client: this process, one keep-alive connection, {args.seconds:.0f} s per "
            f"route in {args.rounds} interleaved rounds; {os.cpu_count()} CPUs",
            flush=True,
        )
        first = cold(port, routes)
        weights = {name: weight(port, path, session) for name, path, _ in PAGES}
        results = timed(port, routes, args.seconds, args.rounds)
        misses = cache_misses(port, bearer)
        code = report(results, misses, first, weights, operations(home))
        failed = server.poll() is not None or any(r.errors for r in results.values())
        return code
    finally:
        if failed and server is not None:
            print(api.log_tail(log), file=sys.stderr, flush=True)
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if args.keep is None:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
