"""Policy PDFs: they open with pypdf and their text holds the company, title, Unicode names,
approval state, revision history, and user data exactly as typed.

PDF rendering costs about a second per document, so these tests render only a few. Text is read
back with pypdf; that includes the CJK characters, which the PDF layer draws with the bundled
Droid Sans Fallback font (its ToUnicode map makes "株式会社" extractable).
"""

from __future__ import annotations

import io
import secrets
from pathlib import Path

import pytest
from pypdf import PdfReader

from sentinel_cli.rendering.pdf_markdown import ListBlock, parse_markdown, plain_text
from sentinel_cli.rendering.policy_pdf import SHA_PREFIX, _escape_inline, _protect_values
from tests.helpers.cli import Cli

COMPANY = "株式会社 Example"
OFFICER = "Zoë Müller"
INJECTIONS = ("{{ 7*7 }}", "{{ ''.__class__ }}")


def _text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 2
    return "\n".join(page.extract_text() for page in reader.pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _generate(cli: Cli, template: str, *sets: str) -> dict:
    args = [a for s in sets for a in ("--set", s)]
    result = cli("policies", "generate", template, *args, "--json")
    assert result.exit_code == 0, result.stderr
    return result.json()["policy"]


@pytest.fixture
def profile(cli: Cli) -> None:
    result = cli(
        "policies",
        "profile",
        "set",
        f"companyName={COMPANY}",
        f"securityOfficer={OFFICER}",
        "securityOfficerEmail=zoe@example.jp",
    )
    assert result.exit_code == 0, result.stderr


def test_pdf_has_title_page_history_and_unicode(cli: Cli, profile: None, tmp_path: Path) -> None:
    v1 = _generate(cli, "access-control-policy")
    v2 = _generate(cli, "access-control-policy")
    approved = cli("policies", "approve", v2["id"], "--approver", "ceo@example.jp")
    assert approved.exit_code == 0, approved.stderr

    out = tmp_path / "acp.pdf"
    result = cli("policies", "download", v2["id"], "--format", "pdf", "--output", str(out))
    assert result.exit_code == 0, result.stderr
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    text = _text(data)
    flat = _flat(text)
    assert COMPANY in text and OFFICER in text
    assert "Access Control Policy" in text
    assert "Approved by ceo@example.jp" in flat
    assert "Revision history" in text
    # Both versions in the history, with status, approver and a SHA-256 prefix.
    assert v1["sha256"][:12] in text and v2["sha256"][:12] in text
    assert "ARCHIVED" in text and "APPROVED" in text
    assert v2["sha256"] in flat  # the cover prints the full hash of the policy text
    # Body: headings and a table row from the Markdown.
    assert "Purpose" in text and "Policy owner" in text

    again = cli("policies", "download", v2["id"], "--format", "pdf", "--output", str(out))
    assert again.exit_code == 7  # no silent overwrite


def test_draft_pdf_says_not_approved_and_keeps_injections_literal(
    cli: Cli, profile: None, tmp_path: Path
) -> None:
    policy = _generate(
        cli,
        "backup-policy",
        f"companyName={INJECTIONS[0]} {COMPANY}",
        f"securityOfficerTitle={INJECTIONS[1]}",
        "cloudProvider=a_b|c [x](https://e.example) <https://f.example>",
    )
    for needle in (*INJECTIONS, "a_b|c [x](https://e.example)"):
        assert needle in policy["content"]  # the stored Markdown is the data as typed

    out = tmp_path / "backup.pdf"
    written = cli("policies", "download", policy["id"], "--format", "pdf", "-o", str(out))
    assert written.exit_code == 0, written.stderr
    text = _text(out.read_bytes())
    assert "Draft — not approved" in text
    _assert_injections_shown_as_typed(text)
    assert "a_b|c [x](https://e.example) <https://f.example>" in _flat(text)

    # The PDF also prints the policy's SHA-256 (whole, and its prefix in the revision table),
    # which changes with the content and its dates. The assertions above must hold whatever it
    # is: re-check them on the same text with 200 other digests (rendering 200 PDFs would take
    # minutes), one of them full of "49", the value an evaluated {{ 7*7 }} would print.
    sha = policy["sha256"]
    assert sha in text and sha[:SHA_PREFIX] in text
    digests = ["49" * 32, *(secrets.token_hex(32) for _ in range(199))]
    for digest in digests:
        variant = text.replace(sha, digest).replace(sha[:SHA_PREFIX], digest[:SHA_PREFIX])
        assert digest in variant
        _assert_injections_shown_as_typed(variant)


def _assert_injections_shown_as_typed(text: str) -> None:
    """Each injection is printed literally on the line that shows it; evaluated, the lines would
    read "Organisation 49 株式会社 Example" and "Policy owner Zoë Müller, <class 'str'>"."""
    lines = text.splitlines()
    assert f"Organisation {INJECTIONS[0]} {COMPANY}" in lines
    assert f"Policy owner {OFFICER}, {INJECTIONS[1]}" in lines
    assert sum(f"{INJECTIONS[0]} {COMPANY}" in line for line in lines) >= 5
    assert "<class" not in text


def test_pdf_to_stdout_when_redirected(cli: Cli, profile: None) -> None:
    from sentinel_cli.cli import app

    policy = _generate(cli, "code-of-conduct-policy")
    result = cli.runner.invoke(
        app, ["policies", "download", policy["id"][:8], "--format", "pdf", "--output", "-"]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes.startswith(b"%PDF-")
    assert "Code of Conduct" in _text(result.stdout_bytes)


def test_protect_values_escapes_only_field_values() -> None:
    assert _escape_inline("{{ ''.__class__ }}") == "{{ ''.\\_\\_class\\_\\_ }}"
    assert _escape_inline("a_b\\|c") == "a\\_b\\|c"  # a table cell's escaped pipe stays whole
    md = "**Acme** uses **{{ 7*7 }}** and | x_y\\|z |\n"
    data = {"companyName": "{{ 7*7 }}", "industry": "x_y|z", "short": "*", "n": 5}
    assert _protect_values(md, data) == "**Acme** uses **{{ 7\\*7 }}** and | x\\_y\\|z |\n"
    assert _protect_values(md, {"companyName": "Acme"}) == md
    assert _protect_values(md, {"officeLocations": ["{{ 7*7 }}"]}).count("\\*") == 1


def test_a_value_that_starts_a_list_item_opens_no_block() -> None:
    """In CommonMark an item's text is block content: "1. - Evil" would nest a list, so a value's
    leading block marker is escaped too (and reads the same)."""
    md = "1. {} shall act.\n2. Next.\n"
    for value in ("- Evil Corp", "+ Evil Corp", "1. Evil Corp", "2) Evil Corp", "# Evil Corp"):
        (items,) = parse_markdown(_protect_values(md.format(value), {"companyName": value}))
        assert isinstance(items, ListBlock)
        assert [plain_text(i.spans) for i in items.items] == [f"{value} shall act.", "Next."]
        assert not items.items[0].children
    assert _protect_values(md.format("51-200"), {"employeeCount": "51-200"}) == md.format("51-200")


def test_draft_with_missing_fields_shows_placeholders_literally(cli: Cli, tmp_path: Path) -> None:
    policy = _generate(cli, "backup-policy")  # no profile, no values: every required field missing
    assert policy["missingFields"] == ["companyName", "securityOfficer", "securityOfficerEmail"]
    out = tmp_path / "draft.pdf"
    written = cli("policies", "download", policy["id"], "--format", "pdf", "-o", str(out))
    assert written.exit_code == 0, written.stderr
    flat = _flat(_text(out.read_bytes()))
    assert "[Company Name]" in flat  # on the cover as in the body
    assert "requested in writing from [Security Officer] ([Security Officer Email])" in flat
    assert (
        "shown as placeholders: [Company Name] (companyName), [Security Officer] "
        "(securityOfficer), [Security Officer Email] (securityOfficerEmail)" in flat
    )


def test_a_placeholder_next_to_a_parenthesis_is_not_a_link() -> None:
    """In the PDF dialect ``[x](url)`` is a link; a placeholder's brackets must stay brackets."""
    from sentinel_cli.rendering.policy_pdf import render_policy_pdf

    policy = {
        "title": "Backup Policy",
        "templateId": "backup-policy",
        "version": 1,
        "status": "DRAFT",
        "missingFields": ["securityOfficer"],
        "data": {"securityOfficer": None},
        "content": "# Backup Policy\n\nAsk [Security Officer](https://e.example) first.\n",
    }
    flat = _flat(_text(render_policy_pdf(policy, company="Acme")))
    assert "Ask [Security Officer](https://e.example) first." in flat
