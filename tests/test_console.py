"""Tables for pipes are plain aligned columns; status markup never leaks into them."""

from __future__ import annotations

import pytest

from sentinel_cli.cli import console


def test_plain_table_when_stdout_is_not_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SENTINEL_RICH_TABLES", raising=False)
    excepted = console.Styled(console.styled("FAIL") + " [dim](excepted)[/dim]")
    console.table(
        "Evidence",
        ["ID", "Status", "Resource"],
        [("a1", console.styled("PASS"), "arn:aws:s3:::logs[1]"), ("b2", excepted, "x")],
        caption="2 of 2",
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "Evidence",
        "ID  Status           Resource",
        "a1  PASS             arn:aws:s3:::logs[1]",
        "b2  FAIL (excepted)  x",
        "2 of 2",
    ]


def test_empty_plain_table_prints_the_hint(capsys: pytest.CaptureFixture[str]) -> None:
    console.table("T", ["A"], [], empty="Nothing yet: run sentinel collect")
    assert capsys.readouterr().out == "Nothing yet: run sentinel collect\n"


def test_status_text_with_brackets_is_escaped_for_rich() -> None:
    assert console.styled("a[b]", "red") == "[red]a\\[b][/red]"
    assert console.plain_text(console.styled("a[b]", "red")) == "a[b]"
