"""Tables on a terminal: the width rules of ``cli.tables`` and the evidence table as people see it
at 40, 100 and 200 columns: identifiers (check ids, resources, evidence ids) are never split."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from rich.console import Console

from sentinel_cli.cli import console
from sentinel_cli.cli.tables import GAP, MIN_TEXT, Layout, fit
from tests.helpers.cli import Cli
from tests.helpers.estate import CHECKS, Estate, bucket, day_at

ANSI = re.compile(r"\x1b\[[0-9;]*m")

# -- the width rules -------------------------------------------------------------------------


def test_everything_fits_at_natural_width() -> None:
    assert fit(["id", "text"], [0, 0], [8, 30], [2, 7], 40) == Layout((0, 1), (8, 30))


def test_text_is_cut_before_any_column_is_dropped() -> None:
    layout = fit(["id", "text", "id"], [0, 0, 1], [8, 60, 10], [2, 7, 6], 50)
    assert layout == Layout((0, 1, 2), (8, 50 - 8 - 10 - 2 * GAP, 10))


def test_columns_go_lowest_rank_first_then_text_widens_again() -> None:
    kinds = ["id", "id", "id", "text"]
    layout = fit(kinds, [0, 2, 1, 3], [8, 10, 10, 60], [2, 6, 6, 7], 8 + 10 + MIN_TEXT + 2 * GAP)
    assert layout.columns == (0, 1, 3) and layout.widths == (8, 10, MIN_TEXT)


def test_the_widest_identifier_narrows_and_moves_its_long_values_under_the_row() -> None:
    layout = fit(["id", "id", "id"], [0, 0, 0], [8, 27, 71], [2, 5, 8], 80)
    assert layout == Layout((0, 1, 2), (8, 27, 80 - 8 - 27 - 2 * GAP), moved=2)


def test_too_narrow_for_the_identifiers_becomes_records() -> None:
    assert fit(["id", "id", "id"], [0, 0, 0], [8, 40, 71], [2, 5, 8], 40).stacked


def test_wide_keeps_every_column_in_full() -> None:
    assert fit(["id", "text"], [0, 1], [8, 300], [2, 7], 40, wide=True) == Layout((0, 1), (8, 300))


# -- the evidence table ----------------------------------------------------------------------

LONG_RESOURCES = [
    bucket("northwind-analytics-" + "customer-exports-" * 3 + str(n)) for n in range(3)
] + [f"arn:aws:iam::111122223333:role/service-role/{'x' * 40}-{n}" for n in range(2)]


@pytest.fixture
def wide_estate(estate: Estate) -> Estate:
    """The estate plus one current collection whose resources are long ARNs, for every check."""
    estate.integration("long-names")
    specs = [
        (check_id, LONG_RESOURCES[n % len(LONG_RESOURCES)], "FAIL", "eu-west-1")
        for n, check_id in enumerate(CHECKS)
    ]
    estate.collect("long-1", "long-names", specs, at=day_at(1, 12))
    return estate


def _terminal(monkeypatch: pytest.MonkeyPatch, width: int) -> Callable[[], str]:
    """Stdout as a Rich terminal of this width; returns a reader of what was printed."""
    buffer = io.StringIO()
    screen = Console(file=buffer, width=width, force_terminal=True, highlight=False)
    monkeypatch.setattr(console, "_stdout_console", screen)
    monkeypatch.setenv("SENTINEL_RICH_TABLES", "1")
    return lambda: ANSI.sub("", buffer.getvalue())


@pytest.mark.parametrize("width", [40, 100, 200])
def test_every_identifier_is_whole_on_one_line_at_any_width(
    cli: Cli, wide_estate: Estate, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    items = cli("evidence", "--all", "--json", "--fail-on", "none").json()["evidence"]
    assert len(items) > 20 and any(i["resourceId"] in LONG_RESOURCES for i in items)
    printed = _terminal(monkeypatch, width)
    result = cli("evidence", "--all", "--fail-on", "none")
    assert result.exit_code == 0, result.stderr
    lines = printed().splitlines()
    for item in items:
        for value in (item["id"][:8], item["checkId"], item["resourceId"]):
            assert any(value in line for line in lines), (width, value, lines)
    # Only a line holding an identifier too long for the screen may be wider than the screen.
    too_wide = [ln for ln in lines if len(ln) > width]
    assert all(max(map(len, ln.split())) > width - 4 for ln in too_wide), too_wide
    rows = [ln for ln in lines if any(ln.startswith(i["id"][:8]) for i in items)]
    assert len(rows) == len(items)  # each item starts exactly one line
    if width == 200:
        # One line per item: id, check and resource side by side.
        for item in items:
            (row,) = [ln for ln in lines if ln.startswith(item["id"][:8])]
            assert item["checkId"] in row and item["resourceId"] in row
    if width == 100:
        assert len(lines) <= 2 * len(items) + 4  # at most a second line for a long resource


def test_wide_shows_every_column_and_the_whole_message(
    cli: Cli, wide_estate: Estate, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = cli("evidence", "--all", "--json", "--fail-on", "none").json()["evidence"]
    printed = _terminal(monkeypatch, 100)
    assert cli("evidence", "--all", "--wide", "--fail-on", "none").exit_code == 0
    lines = printed().splitlines()
    assert lines[1].split() == [
        "ID",
        "Status",
        "Severity",
        "Check",
        "Resource",
        "Region",
        "Message",
    ]
    for item in items:
        (row,) = [ln for ln in lines if ln.startswith(item["id"][:8])]
        for value in (item["checkId"], item["resourceId"], item["message"], item["severity"]):
            assert value in row


def test_wide_makes_no_difference_in_a_pipe(cli: Cli, wide_estate: Estate) -> None:
    plain = cli("evidence", "--status", "FAIL", "--fail-on", "none")
    wide = cli("evidence", "--status", "FAIL", "--fail-on", "none", "--wide")
    assert plain.exit_code == wide.exit_code == 0
    assert plain.stdout == wide.stdout and "…" not in plain.stdout


def test_a_narrowed_identifier_takes_the_room_free_text_leaves() -> None:
    # Nothing to drop: the text keeps its minimum and the resource column gets the rest.
    layout = fit(["id", "id", "text"], [0, 0, 0], [8, 71, 60], [2, 8, 7], 60)
    assert layout == Layout((0, 1, 2), (8, 60 - 8 - MIN_TEXT - 2 * GAP, MIN_TEXT), moved=1)
