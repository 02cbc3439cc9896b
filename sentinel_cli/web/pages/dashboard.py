"""``GET /``: the dashboard. Signed out, the browser is sent to ``/login`` (``auth``).

One page over the operations the API's dashboard and stats routes use: ``dashboard.dashboard``
(score, framework scores, categories, recent activity, top failing items, the timeline and its
trend), ``evidence_stats.evidence_stats`` (items by severity and status) and
``integrations.list_integrations`` (each integration's last collection). ``?days=`` picks the
trend's span (30 or 90 are offered; anything the operation accepts works).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from sentinel_cli.api.deps import leased_store
from sentinel_cli.errors import InvalidInput
from sentinel_cli.operations.dashboard import TIMELINE_DAYS, dashboard
from sentinel_cli.operations.evidence_stats import evidence_stats
from sentinel_cli.operations.integrations import list_integrations
from sentinel_cli.web.auth import Viewer
from sentinel_cli.web.charts import timeline_svg
from sentinel_cli.web.paths import HOME_PATH
from sentinel_cli.web.routing import page_router
from sentinel_cli.web.templating import render
from sentinel_cli.wire import SEVERITIES

router = page_router()

DAY_CHOICES = (30, 90)


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
            "chart": timeline_svg(data["timeline"], trend=data["trend"]),
            "days": days,
            "day_choices": DAY_CHOICES,
            "error": error,
        },
        title="Dashboard",
        active="dashboard",
        status=400 if error else 200,
    )
