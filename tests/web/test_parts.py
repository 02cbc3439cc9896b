"""The dashboard's small pure parts: the SVG chart, the filters' canonical URL, where sign-in may
send the browser back to, what counts as this server's origin, and how identifiers may wrap."""

from __future__ import annotations

from starlette.datastructures import QueryParams
from starlette.requests import Request

from sentinel_cli.web.charts import describe, timeline_svg
from sentinel_cli.web.csrf import same_origin
from sentinel_cli.web.filters import EvidenceFilters
from sentinel_cli.web.paths import safe_next
from sentinel_cli.web.templating import breakable
from sentinel_cli.wire import TimelinePoint


def _point(day: int, score: float | None) -> TimelinePoint:
    return {
        "date": f"2025-01-{day:02d}",
        "score": score,
        "total": 0 if score is None else 10,
        "passing": 0,
        "failing": 0,
        "warning": 0,
    }


def test_the_chart_breaks_its_line_where_there_is_no_score() -> None:
    points = [_point(1, None), _point(2, 50.0), _point(3, 60.0), _point(4, None), _point(5, 80.0)]
    svg = str(timeline_svg(points, trend="improving"))
    assert svg.startswith('<svg class="chart"') and 'role="img"' in svg
    assert 'aria-labelledby="trend-title trend-desc"' in svg
    assert svg.count("<path ") == 1  # days 2-3; day 5 alone is a point
    assert svg.count("<circle ") == 2
    assert "2025-01-01" in svg and "2025-01-05" in svg
    text = describe(points, "improving")
    assert text == (
        "Compliance score per day from 2025-01-01 to 2025-01-05: 50% on 2025-01-02, "
        "80% on 2025-01-05 (improving); no score before 2025-01-02."
    )
    assert "no collection yet" in describe([_point(1, None)])
    empty = str(timeline_svg([]))
    assert "<path" not in empty and "No days to show." in empty


def test_the_chart_escapes_what_it_writes() -> None:
    svg = str(timeline_svg([{**_point(1, 10.0), "date": "<script>"}]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_filters_make_a_canonical_shareable_query() -> None:
    params = QueryParams(
        "status=FAIL&status=error,WARNING&severity=&integration=&control=+CC6.1+&offset=50"
    )
    filters = EvidenceFilters.from_query(params)
    assert filters.status == ("FAIL", "error", "WARNING")
    assert filters.query() == "status=FAIL&status=error&status=WARNING&control=CC6.1&offset=50"
    assert filters.query(paging=False) == "status=FAIL&status=error&status=WARNING&control=CC6.1"
    assert filters.query(offset="") == "status=FAIL&status=error&status=WARNING&control=CC6.1"
    assert filters.has("status", "ERROR") and not filters.has("status", "PASS")
    args = filters.operation_args()
    assert args["status"] == ["FAIL", "error", "WARNING"] and args["severity"] is None
    assert args["control"] == "CC6.1" and args["integration"] is None
    assert EvidenceFilters.from_query(QueryParams("")).query() == ""


def test_sign_in_only_returns_to_local_pages() -> None:
    assert safe_next("/evidence?status=FAIL") == "/evidence?status=FAIL"
    for bad in (
        None,
        "",
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "evidence",
        "/login",
        "/logout?x=1",
        "/a\r\nSet-Cookie: x=1",
    ):
        assert safe_next(bad) is None, bad


def _request(scheme: str, host: str) -> Request:
    return Request(
        {
            "type": "http",
            "scheme": scheme,
            "method": "POST",
            "path": "/login",
            "headers": [(b"host", host.encode())],
            "server": ("127.0.0.1", 8000),
        }
    )


def test_same_origin_compares_scheme_host_and_port() -> None:
    local = _request("http", "127.0.0.1:8000")
    assert same_origin(local, "http://127.0.0.1:8000")
    assert not same_origin(local, "https://127.0.0.1:8000")
    assert not same_origin(local, "http://127.0.0.1:8001")
    assert not same_origin(local, "http://localhost:8000")
    assert not same_origin(local, "null")
    assert not same_origin(local, "http://127.0.0.1:8000/path")
    proxied = _request("https", "sentinel.example.com")
    assert same_origin(proxied, "https://sentinel.example.com")
    assert same_origin(proxied, "https://SENTINEL.example.com:443")
    assert not same_origin(proxied, "http://sentinel.example.com")


def test_an_identifier_may_wrap_only_after_its_separators() -> None:
    arn = str(breakable("arn:aws:iam::111122223333:root"))
    assert arn == "arn:<wbr>aws:<wbr>iam::<wbr>111122223333:<wbr>root"
    assert str(breakable("acme/api", after="/")) == "acme/<wbr>api"
    assert str(breakable("aws_s3_versioning", after="_")) == "aws_<wbr>s3_<wbr>versioning"
    # Escaped first: a separator never lands inside an entity, markup stays text.
    assert str(breakable("a<b>:'c'")) == "a&lt;b&gt;:<wbr>&#39;c&#39;"
    assert str(breakable(None)) == ""
