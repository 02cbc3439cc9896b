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


@pytest.mark.parametrize(
    "items",
    [
        [],
        [{"id": "a", "nested": {"list": [1, 2], "empty": [], "text": 'ü\n"quoted"'}}],
        [{"id": str(n), "controls": {"SOC2": ["CC6.1"]}, "none": None} for n in range(3)],
    ],
)
def test_streamed_json_is_byte_for_byte_print_json(
    capsys: pytest.CaptureFixture[str], items: list[dict[str, object]]
) -> None:
    """``--all --json`` writes the document item by item; a reader must not see a difference."""
    data = {"evidence": items, "pagination": {"total": len(items), "limit": None, "offset": 0}}
    console.print_json(data)
    whole = capsys.readouterr().out
    console.print_json_streamed(
        {"evidence": [], "pagination": data["pagination"]}, "evidence", iter(items)
    )
    assert capsys.readouterr().out == whole


def test_a_line_is_never_wrapped_even_in_a_narrow_pipe(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.console import Console

    monkeypatch.setattr(console, "_stdout_console", Console(width=40, highlight=False))
    path = "/srv/" + "/".join(["a-rather-long-directory-name"] * 5) + "/report [1].pdf"
    console.line(f"Wrote [bold]{path.replace('[', chr(92) + '[')}[/bold]")
    assert capsys.readouterr().out == f"Wrote {path}\n"
