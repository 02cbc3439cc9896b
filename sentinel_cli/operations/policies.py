"""Policies: templates, generation with company data, versions, approval, download, and evidence.

Data for a policy is merged in one place, lowest precedence first: the template's defaults, the
saved company profile (``kv_settings`` key ``policies.profile``, shared by every policy), a data
file, the request's ``customData`` and finally ``--set`` pairs. Every check (unknown template,
malformed pair or data file, badly typed fields) runs and the Markdown is rendered *before* the
write transaction opens, so a refused request stores nothing.

A generator is how one gets a first draft, so a *missing* required field does not refuse
generation: the DRAFT shows a visible placeholder for it (``[Security Officer]``) and the policy
lists it in ``missingFields``. Approval is refused while any is missing, so an approved policy never
carries a placeholder; the fields are filled by generating the next version with them or by setting
them once in the company profile.

Lifecycle decisions, documented in the README:

- Each generation is a new row: version n+1 of its template, status DRAFT; older versions are kept.
- Only the latest version of a template can be approved (approving an older one would put a
  superseded text back in force). Approving again is how a periodic review is recorded: it renews
  the approver, date and next review. Approving version n archives every earlier version, so at most
  one version per template is APPROVED — the one in force.
- The next review defaults to the approval date plus the policy's own ``reviewFrequencyMonths``
  (the cadence its text promises), else 12 months.
- As compliance evidence (``policy_evidence``) only the approved version in force counts: PASS while
  its review date is ahead, WARNING once overdue. A DRAFT is not evidence at all: an unapproved
  text proves nothing to an auditor, and reporting it as a failure would make generating a draft
  look worse than having no policy.

Heavy imports (Jinja2 through ``rendering.policies``, fpdf2 through ``rendering.policy_pdf``) happen
inside the functions that render, so listing policies stays cheap.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sentinel_cli.errors import Conflict, InvalidInput, NotFound
from sentinel_cli.operations.ids import resolve_id
from sentinel_cli.operations.limits import check_document, check_values
from sentinel_cli.store import Store
from sentinel_cli.timeutil import add_months, parse_iso, to_iso, utcnow
from sentinel_cli.wire import (
    GeneratedPolicy,
    JsonObject,
    Policy,
    PolicyRevision,
    policy_template_clauses,
)
from sentinel_cli.wire import PolicyTemplate as TemplateShape

if TYPE_CHECKING:
    from sentinel_cli.rendering.policies import PolicyTemplate

PROFILE_KEY = "policies.profile"
DEFAULT_REVIEW_MONTHS = 12
MAX_REVIEW_MONTHS = 60
FORMATS: dict[str, tuple[str, str]] = {
    "md": ("md", "text/markdown; charset=utf-8"),
    "pdf": ("pdf", "application/pdf"),
}


@dataclass(frozen=True)
class PolicyDocument:
    """A downloadable document: what the API streams and the CLI writes to a file."""

    content: bytes
    filename: str
    media_type: str


# --------------------------------------------------------------------------------------------------
# Shapes (camelCase, as the API returns them)


def template_shape(tpl: PolicyTemplate) -> TemplateShape:
    from sentinel_cli.frameworks import with_every_framework

    clauses = {fid: list(ids) for fid, ids in tpl.clauses.items()}
    return {
        "id": tpl.id,
        "title": tpl.title,
        "description": tpl.description,
        "version": tpl.version,
        "category": tpl.category,
        "controls": with_every_framework(tpl.controls),
        "clauses": clauses,
        **policy_template_clauses(clauses),
        "fields": [
            {
                "name": spec.name,
                "type": spec.type,
                "required": spec.required,
                "default": list(spec.default) if isinstance(spec.default, tuple) else spec.default,
                "description": spec.description,
            }
            for spec in tpl.fields
        ],
    }


def review_overdue(row: Mapping[str, Any], now: datetime) -> bool:
    """An APPROVED policy whose next review date has passed."""
    due = row.get("next_review_at")
    return (
        row.get("status") == "APPROVED"
        and isinstance(due, str)
        and bool(due)
        and parse_iso(due) < now
    )


def policy_shape(row: Mapping[str, Any], *, now: datetime | None = None) -> Policy:
    moment = now or utcnow()
    shape: Policy = {
        "id": row["id"],
        "templateId": row["template_id"],
        "templateVersion": row["template_version"],
        "title": row["title"],
        "version": row["version"],
        "status": row["status"],
        "owner": row.get("owner"),
        "approvedBy": row.get("approved_by"),
        "approvedAt": row.get("approved_at"),
        "nextReviewAt": row.get("next_review_at"),
        "reviewOverdue": review_overdue(row, moment),
        "sha256": row["sha256"],
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
        "createdBy": row.get("created_by"),
        "missingFields": list(row.get("missing_fields") or []),
    }
    if "data" in row:
        shape["data"] = row["data"]
    if "content" in row:
        shape["content"] = row["content"]
    return shape


def _revision_shape(row: Mapping[str, Any]) -> PolicyRevision:
    return {
        "id": row["id"],
        "version": row["version"],
        "status": row["status"],
        "templateVersion": row["template_version"],
        "createdAt": row["created_at"],
        "approvedBy": row.get("approved_by"),
        "approvedAt": row.get("approved_at"),
        "sha256": row["sha256"],
        "missingFields": list(row.get("missing_fields") or []),
    }


# --------------------------------------------------------------------------------------------------
# Templates and input parsing


def list_templates() -> list[TemplateShape]:
    """Every bundled template with its control mappings and fields (GET /api/policies/templates)."""
    from sentinel_cli.rendering.policies import list_templates as templates

    return [template_shape(t) for t in templates()]


def parse_assignments(pairs: Iterable[str], *, option: str = "--set") -> dict[str, str]:
    """``["companyName=Acme", ...]`` -> a mapping; a pair without ``=`` is refused."""
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InvalidInput(
                f"{option}: expected NAME=VALUE, got {pair!r}",
                hint=f"e.g. {option} companyName='Acme Corp'",
            )
        values[key] = value
    return values


def load_data_file(path: str | Path) -> dict[str, Any]:
    """A YAML or JSON file holding one mapping of field names to values."""
    import yaml

    file = Path(path).expanduser()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"--data: file {str(file)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"--data: cannot read {str(file)!r}: {exc}") from None
    try:
        data = json.loads(text) if file.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        kind = "JSON" if file.suffix.lower() == ".json" else "YAML"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidInput(
            f"--data: {str(file)!r} is not valid {kind}: {first}",
            hint="the data file must hold a mapping such as 'companyName: Acme Corp'",
        ) from None
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise InvalidInput(
            f"--data: {str(file)!r} does not hold a mapping of field names to values",
            hint="e.g. a YAML file with lines like 'companyName: Acme Corp'",
        )
    return data


# --------------------------------------------------------------------------------------------------
# Company profile


def get_profile(store: Store) -> JsonObject:
    profile = store.kv.get(PROFILE_KEY, {})
    return dict(profile) if isinstance(profile, dict) else {}


def _check_profile_values(values: Mapping[str, Any]) -> None:
    """Refuse unknown field names (typos) and values of the wrong type, all in one error."""
    from sentinel_cli.rendering.policies import (
        FieldSpec,
        FieldValidationError,
        PolicyTemplate,
        load_fields,
        resolve_fields,
    )

    check_values(values, "profile value")
    known = load_fields()
    unknown = sorted(k for k in values if k not in known)
    if unknown:
        raise InvalidInput(
            "unknown profile field(s): " + ", ".join(unknown),
            hint="fields are listed by 'sentinel policies templates' (e.g. companyName, "
            "securityOfficer, securityOfficerEmail)",
        )
    # Validate through the same coercion generation uses, with every field optional.
    specs = tuple(
        FieldSpec(s.name, s.type, False, None, s.description)
        for k, s in known.items()
        if k in values
    )
    probe = PolicyTemplate(
        id="company-profile",
        title="Company profile",
        description="",
        version="0.0.0",
        file="",
        category="",
        controls={},
        clauses={},
        fields=specs,
    )
    try:
        resolve_fields(probe, values)
    except FieldValidationError as exc:
        problems = "; ".join(f"{name} {why}" for name, why in exc.invalid.items())
        raise InvalidInput(f"invalid profile value(s): {problems}") from None


def set_profile(store: Store, values: Mapping[str, Any], *, actor: str | None = None) -> JsonObject:
    """Save company-wide defaults used by every generated policy; returns the whole profile."""
    if not values:
        raise InvalidInput("give at least one NAME=VALUE", hint="e.g. companyName='Acme Corp'")
    _check_profile_values(values)
    with store.transaction():
        profile = get_profile(store)
        profile.update(values)
        store.kv.set(PROFILE_KEY, profile)
        store.activity.record(
            "policy.profile.updated",
            "Updated the policy company profile: " + ", ".join(sorted(values)),
            actor=actor,
            target_type="policy_profile",
            details={"fields": sorted(values)},
        )
    return profile


def unset_profile(store: Store, key: str, *, actor: str | None = None) -> JsonObject:
    with store.transaction():
        profile = get_profile(store)
        if key not in profile:
            raise NotFound(
                f"the company profile has no field {key!r}",
                hint="run 'sentinel policies profile show' to see the saved fields",
            )
        del profile[key]
        store.kv.set(PROFILE_KEY, profile)
        store.activity.record(
            "policy.profile.updated",
            f"Removed {key} from the policy company profile",
            actor=actor,
            target_type="policy_profile",
            details={"removed": key},
        )
    return profile


# --------------------------------------------------------------------------------------------------
# Generation


def _check_email(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    from sentinel_cli.operations.users import is_email

    text = value.strip()
    if not is_email(text):
        raise InvalidInput(
            f"{option}: {value!r} is not an email address", hint="e.g. ciso@acme.com"
        )
    return text


def generate_policy(
    store: Store,
    *,
    template_id: str,
    custom_data: Mapping[str, Any] | None = None,
    data_file: str | Path | None = None,
    assignments: Sequence[str] = (),
    owner: str | None = None,
    actor: str | None = None,
    now: datetime | None = None,
) -> GeneratedPolicy:
    """Render a template with merged data and store it as the template's next version (DRAFT).

    Precedence, lowest first: template defaults < company profile < ``data_file`` <
    ``custom_data`` (the API's ``customData``) < ``assignments`` (``NAME=VALUE`` pairs). Returns
    ``{"policy": shape-with-content, "warnings": [...]}``; warnings name data keys no template uses.
    Required fields nobody supplied become placeholders, named in the policy's ``missingFields``.
    """
    from sentinel_cli.rendering.policies import (
        get_template,
        missing_fields,
        render_policy,
        resolve_fields,
        unknown_fields,
    )

    tpl = get_template(template_id)
    pairs = parse_assignments(assignments)
    owner = _check_email(owner, "--owner")
    if custom_data is not None and not isinstance(custom_data, Mapping):
        raise InvalidInput("customData must be an object of field names to values")
    supplied: dict[str, Any] = {}
    if data_file is not None:
        supplied.update(load_data_file(data_file))
    supplied.update(custom_data or {})
    supplied.update(pairs)
    check_values(supplied, "template value")
    merged = {**get_profile(store), **supplied}

    moment = parse_iso(to_iso(now or utcnow()))  # whole seconds, UTC: what the row records
    fields = resolve_fields(tpl, merged, today=moment.date(), allow_missing=True)
    missing = missing_fields(tpl, fields)
    content = render_policy(tpl, fields, now=moment, allow_missing=True)
    check_document("policy", content)
    digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
    warnings = [f"ignored unknown field {name!r}" for name in unknown_fields(supplied)]
    owner = owner or fields.get("securityOfficerEmail")

    policy_id = str(uuid.uuid4())
    created_at = to_iso(moment)
    with store.transaction():
        version = store.policies.next_version(tpl.id)
        store.policies.insert(
            policy_id=policy_id,
            template_id=tpl.id,
            template_version=tpl.version,
            title=tpl.title,
            version=version,
            owner=owner,
            data=fields,
            content=content,
            sha256=digest,
            created_at=created_at,
            created_by=actor,
            missing_fields=missing,
        )
        store.activity.record(
            "policy.generated",
            f"Generated {tpl.title} version {version}",
            actor=actor,
            target_type="policy",
            target_id=policy_id,
            details={
                "templateId": tpl.id,
                "version": version,
                "sha256": digest,
                "missingFields": missing,
            },
            at=created_at,
        )
    row = store.policies.get(policy_id)
    assert row is not None
    return {"policy": policy_shape(row, now=moment), "warnings": warnings}


# --------------------------------------------------------------------------------------------------
# Reading


def resolve_policy(store: Store, policy_id: str) -> dict[str, Any]:
    """A policy row by id, or by an unambiguous id prefix (as copied from the table)."""
    return resolve_id(
        policy_id,
        get=store.policies.get,
        find_by_prefix=store.policies.find_by_prefix,
        noun="policy",
        hint="run 'sentinel policies list' to see the ids",
    )


def list_policies(
    store: Store, *, all_versions: bool = False, now: datetime | None = None
) -> list[Policy]:
    """Each template's latest version (or every version), without the Markdown body."""
    moment = now or utcnow()
    return [policy_shape(r, now=moment) for r in store.policies.list(all_versions=all_versions)]


def get_policy(store: Store, policy_id: str, *, now: datetime | None = None) -> Policy:
    """One policy with its data, Markdown and the revision history of its template."""
    row = resolve_policy(store, policy_id)
    shape = policy_shape(row, now=now)
    shape["revisions"] = [_revision_shape(r) for r in store.policies.history(row["template_id"])]
    return shape


# --------------------------------------------------------------------------------------------------
# Approval


def fill_missing_hint(template_id: str, missing: Sequence[str]) -> str:
    """How to supply missing fields: the next version with them, or the company profile once."""
    pairs = " ".join(f"{name}=..." for name in missing)
    sets = " ".join(f"--set {name}=..." for name in missing)
    return (
        f"generate the next version with them (sentinel policies generate {template_id} {sets}), "
        f"or set them once in the company profile (sentinel policies profile set {pairs}) "
        "and generate again"
    )


def _refuse_placeholders(row: Mapping[str, Any]) -> None:
    """An approved policy never carries a placeholder: refuse while required fields are missing."""
    missing = list(row.get("missing_fields") or [])
    if missing:
        raise InvalidInput(
            f"{row['title']} version {row['version']} cannot be approved: required field(s) "
            f"missing (shown as placeholders): {', '.join(missing)}",
            hint=fill_missing_hint(row["template_id"], missing) + ", then approve that version",
        )


def approve_policy(
    store: Store,
    policy_id: str,
    *,
    approver: str | None = None,
    review_months: int | None = None,
    actor: str | None = None,
    now: datetime | None = None,
) -> Policy:
    """Approve the latest version of a policy (again, to record a review); archive older ones.
    The approver defaults to the acting user (the API's caller)."""
    approved_by = _check_email(approver or actor, "--approver")
    if not approved_by:
        raise InvalidInput("--approver is required: the email of the person approving")
    if review_months is not None and not 1 <= review_months <= MAX_REVIEW_MONTHS:
        raise InvalidInput(f"--review-months must be between 1 and {MAX_REVIEW_MONTHS}")
    moment = parse_iso(to_iso(now or utcnow()))
    with store.transaction():
        row = resolve_policy(store, policy_id)
        latest = store.policies.next_version(row["template_id"]) - 1
        if row["version"] != latest:
            newest = store.policies.history(row["template_id"])[-1]
            raise Conflict(
                f"{row['title']} version {row['version']} is not the latest version "
                f"(version {latest} is); only the latest version can be approved",
                hint=f"approve version {latest}: sentinel policies approve {newest['id']}",
            )
        _refuse_placeholders(row)
        months = review_months
        if months is None:
            cadence = (row.get("data") or {}).get("reviewFrequencyMonths")
            months = cadence if isinstance(cadence, int) and cadence > 0 else DEFAULT_REVIEW_MONTHS
        approved_at = to_iso(moment)
        next_review = to_iso(add_months(moment, months))
        renewed = row["status"] == "APPROVED"
        store.policies.approve(
            row["id"], approved_by=approved_by, approved_at=approved_at, next_review_at=next_review
        )
        archived = store.policies.archive_older(row["template_id"], row["version"], at=approved_at)
        store.activity.record(
            "policy.approved",
            f"{'Re-approved (reviewed)' if renewed else 'Approved'} {row['title']} "
            f"version {row['version']}; next review {next_review[:10]}",
            actor=actor or approved_by,
            target_type="policy",
            target_id=row["id"],
            details={
                "approvedBy": approved_by,
                "nextReviewAt": next_review,
                "reviewMonths": months,
                "archivedVersions": archived,
            },
            at=approved_at,
        )
    return get_policy(store, row["id"], now=moment)


# --------------------------------------------------------------------------------------------------
# Download


def parse_format(value: str | None) -> str:
    """``--format``: ``md`` or ``pdf`` (case-insensitive)."""
    fmt = (value or "").strip().lower()
    if fmt not in FORMATS:
        raise InvalidInput(f"--format: {value!r} is not one of {', '.join(FORMATS)}")
    return fmt


def download_policy(
    store: Store, policy_id: str, *, format: str = "md", now: datetime | None = None
) -> PolicyDocument:
    """The policy as Markdown or PDF bytes with a file name and media type."""
    fmt = parse_format(format)
    policy = get_policy(store, policy_id, now=now)
    ext, media_type = FORMATS[fmt]
    filename = f"{policy['templateId']}-v{policy['version']}.{ext}"
    if fmt == "md":
        return PolicyDocument(policy["content"].encode("utf-8"), filename, media_type)
    from sentinel_cli.rendering.policies import placeholder
    from sentinel_cli.rendering.policy_pdf import render_policy_pdf

    company = str((policy.get("data") or {}).get("companyName") or "")
    if not company and "companyName" in policy["missingFields"]:
        company = placeholder("companyName")  # the cover shows the gap as the body does
    return PolicyDocument(render_policy_pdf(policy, company=company), filename, media_type)


# --------------------------------------------------------------------------------------------------
# Compliance evidence


def policy_evidence(
    store: Store, *, framework: str, now: datetime | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Every control id of ``framework`` -> the approved policies in force that satisfy it.

    Status PASS while the policy's review date is ahead, WARNING once it has passed. Drafts are not
    evidence (see the module docstring); controls no policy covers map to ``[]``. A template's
    ``clauses`` (requirements outside the framework's controls, such as a management-system
    clause) are not controls and so appear nowhere here.
    """
    from sentinel_cli.frameworks import load_framework
    from sentinel_cli.rendering.policies import load_index

    fw = load_framework(framework)
    moment = now or utcnow()
    index = load_index()
    result: dict[str, list[dict[str, Any]]] = {cid: [] for cid in fw.controls}
    latest = {r["template_id"]: r for r in store.policies.list()}
    for row in store.policies.in_force():
        tpl = index.get(row["template_id"])
        if tpl is None:  # a template dropped from a later Sentinel: its controls are unknown
            continue
        control_ids = tpl.controls.get(fw.id, ())
        overdue = review_overdue(row, moment)
        due = (row.get("next_review_at") or "")[:10]
        approved = f"approved by {row['approved_by']} on {(row['approved_at'] or '')[:10]}"
        if overdue:
            reason = f"Version {row['version']} {approved}; review overdue since {due}"
        else:
            reason = f"Version {row['version']} {approved}; next review {due}"
        newest = latest.get(row["template_id"])
        if newest is not None and newest["version"] > row["version"]:
            reason += f"; version {newest['version']} is a draft awaiting approval"
        entry = {
            "policyId": row["id"],
            "templateId": row["template_id"],
            "title": row["title"],
            "version": row["version"],
            "status": "WARNING" if overdue else "PASS",
            "reason": reason,
            "approvedBy": row["approved_by"],
            "approvedAt": row["approved_at"],
            "nextReviewAt": row["next_review_at"],
        }
        for cid in control_ids:
            if cid in result:
                result[cid].append(dict(entry))
    for entries in result.values():
        entries.sort(key=lambda e: (e["title"].lower(), e["templateId"]))
    return result


def policy_compliance_source(store: Store, *, now: datetime | None = None) -> Any:
    """``policy_evidence`` as a compliance source: each approved policy in force is one piece of
    evidence (PASS, or WARNING once its review is overdue) for every control it satisfies."""
    from sentinel_cli.operations.control_evidence import ControlEvidence

    def source(framework_id: str) -> list[ControlEvidence]:
        by_control = policy_evidence(store, framework=framework_id, now=now)
        return [
            ControlEvidence(
                control_id=cid,
                evidence_id=entry["policyId"],
                status=entry["status"],
                source="policy",
                title=f"{entry['title']} v{entry['version']}",
                reason=entry["reason"],
            )
            for cid, entries in by_control.items()
            for entry in entries
        ]

    return source
