"""The check catalogue as data: what Sentinel verifies, how bad a failure is, which controls of
each framework a check gives evidence for, and how to fix a failure.

Auditors and engineers ask these questions before any collection has run ("do you cover CC7.2?",
"what does aws_s3_tls_only look at?"), so the answers come from the shipped catalogues alone: no
store, no credentials. ``GET /api/checks`` and ``sentinel checks`` both call these functions.
"""

from __future__ import annotations

from collections.abc import Sequence

from sentinel_cli.checks import PROVIDERS, all_metadata
from sentinel_cli.checks.base import CheckMeta
from sentinel_cli.errors import InvalidInput, NotFound
from sentinel_cli.frameworks import with_every_framework
from sentinel_cli.operations.evidence_query import choose_values, parse_severities
from sentinel_cli.wire import CheckData, CheckDetail, CheckInfo, CheckList


def check_shape(meta: CheckMeta) -> CheckInfo:
    """One check as the API and ``--json`` show it."""
    return {
        "id": meta.id,
        "provider": meta.provider.upper(),
        "title": meta.title,
        "description": meta.description,
        "severity": meta.severity,
        "category": meta.category,
        "controls": with_every_framework(meta.controls),
        "remediation": {"text": meta.remediation.text, "cli": meta.remediation.cli},
        "aliases": list(meta.aliases),
        "thresholds": list(meta.thresholds),
    }


def _distinct() -> list[CheckMeta]:
    """Every check once (the metadata mapping repeats a check under each alias), by id."""
    return sorted({m.id: m for m in all_metadata().values()}.values(), key=lambda m: m.id)


def list_checks(
    *,
    provider: str | None = None,
    framework: str | None = None,
    control: str | None = None,
    severity: str | Sequence[str] | None = None,
    category: str | Sequence[str] | None = None,
) -> CheckList:
    """The catalogue, filtered: ``{"checks": [...], "total": N}``.

    ``control`` needs ``framework`` (a control id alone is ambiguous only in theory, but naming the
    framework keeps the filter the same as ``evidence list --control``'s error messages)."""
    from sentinel_cli.frameworks import all_frameworks, normalize_control_id, resolve_framework_id

    metas = _distinct()
    providers = choose_values(provider, [p.upper() for p in PROVIDERS], "--provider")
    severities = parse_severities(severity)
    categories = choose_values(category, sorted({m.category for m in metas}), "--category")
    framework_id = resolve_framework_id(framework) if framework else None
    if control and framework_id is None:
        first = all_frameworks()[0]
        raise InvalidInput(
            "--control needs --framework",
            hint=f"e.g. --framework {first.id} --control {next(iter(first.controls))}",
        )
    control_id = normalize_control_id(framework_id, control) if control and framework_id else None

    def keep(meta: CheckMeta) -> bool:
        if providers and meta.provider.upper() not in providers:
            return False
        if severities and meta.severity not in severities:
            return False
        if categories and meta.category not in categories:
            return False
        if framework_id is not None:
            mapped = meta.controls.get(framework_id, ())
            if not mapped or (control_id is not None and control_id not in mapped):
                return False
        return True

    checks = [check_shape(m) for m in metas if keep(m)]
    return {"checks": checks, "total": len(checks)}


def get_check(check_id: str) -> CheckData:
    """One check (by id or a former id kept as an alias) with the titles of its controls:
    ``{"check": {..., "controlDetails": {FRAMEWORK_ID: [{"id", "title"}], ...}}}``."""
    from sentinel_cli.frameworks import control_title

    wanted = (check_id or "").strip()
    metas = all_metadata()
    meta = metas.get(wanted) or metas.get(wanted.lower())
    if meta is None:
        close = [m.id for m in _distinct() if wanted and wanted.lower() in m.id][:5]
        hint = f"did you mean {', '.join(close)}?" if close else "list them: sentinel checks list"
        raise NotFound(f"no check with id {wanted!r}", hint=hint)
    base = check_shape(meta)
    shape: CheckDetail = {
        **base,
        "controlDetails": {
            fw: [{"id": cid, "title": control_title(fw, cid)} for cid in ids]
            for fw, ids in base["controls"].items()
        },
    }
    return {"check": shape}
