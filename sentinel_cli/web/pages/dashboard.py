"""``GET /``: the dashboard. Signed out, the browser is sent to ``/login`` (``auth``).

One page over the operations the API's dashboard and stats routes use: ``dashboard.dashboard``
(score, framework scores, categories, recent activity, top failing items, the timeline and its
trend), ``evidence_stats.evidence_stats`` (items by severity and status) and
``integrations.list_integrations`` (each integration's last collection). ``?days=`` picks the
trend's span (30 or 90 are offered; anything the operation accepts works).

The "What changed" panel is ``changes.job_changes`` for the latest finished collection (what
``sentinel evidence changes`` prints), its top items only. Comparing two collections reads their
index entries (0.1-0.25 s at 100,000 items each), more than the rest of the page together, so the
panel is kept in the server's response cache under the store's generation and the UTC day, as the
API's hot reads are: a job finishing, an exception or an integration changing makes a new entry.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from sentinel_cli.api.deps import leased_store, state_of
from sentinel_cli.errors import InvalidInput, NotFound
from sentinel_cli.jsonio import dumps, loads
from sentinel_cli.operations.changes import LATEST, job_changes
from sentinel_cli.operations.dashboard import TIMELINE_DAYS, dashboard
from sentinel_cli.operations.evidence_stats import evidence_stats
from sentinel_cli.operations.integrations import list_integrations
from sentinel_cli.store import Store
from sentinel_cli.timeutil import utcnow
from sentinel_cli.web.auth import Viewer
from sentinel_cli.web.charts import timeline_svg
from sentinel_cli.web.paths import HOME_PATH
from sentinel_cli.web.routing import page_router
from sentinel_cli.web.templating import render
from sentinel_cli.wire import SEVERITIES, JobChanges

router = page_router()

DAY_CHOICES = (30, 90)
PANEL_ITEMS = 5
"""Newly failing and fixed items the "What changed" panel lists (each)."""


def what_changed(request: Request, store: Store) -> JobChanges | None:
    """The latest finished collection's changes (``PANEL_ITEMS`` of each list), or None before
    the first one; from the response cache while the store is unchanged (module docstring)."""
    key = ("web:what-changed", utcnow().date().isoformat(), store.queries.generation())
    cache = state_of(request).cache
    cached = cache.get(key)
    if cached is not None:
        found: JobChanges | None = loads(cached.decode("utf-8"))
        return found
    try:
        changes: JobChanges | None = job_changes(store, LATEST, limit=PANEL_ITEMS)
    except NotFound:
        changes = None
    cache.put(key, dumps(changes).encode("utf-8"))
    return changes


@router.get(HOME_PATH)
def dashboard_page(request: Request, session: Viewer) -> Response:
    store = leased_store(request)
    asked = request.query_params.get("days") or None
    error = None
    try:
        data = dashboard(store, days=asked)
    except InvalidInput as exc:
        error, asked = exc.message, None
        data = dashboard(store, days=TIMELINE_DAYS)
    stats = evidence_stats(store)
    by_severity = [
        {
            "severity": severity,
            **{
                status: stats["bySeverity"].get(severity, {}).get(status, 0)
                for status in ("FAIL", "WARNING", "ERROR", "PASS", "total")
            },
        }
        for severity in SEVERITIES
    ]
    days = len(data["timeline"])
    return render(
        request,
        "dashboard.html",
        {
            "data": data,
            "overview": data["overview"],
            "by_severity": by_severity,
            "integrations": list_integrations(store),
            "changes": what_changed(request, store),
            "chart": timeline_svg(data["timeline"], trend=data["trend"]),
            "days": days,
            "day_choices": DAY_CHOICES,
            "error": error,
        },
        title="Dashboard",
        active="dashboard",
        status=400 if error else 200,
    )
