"""Reading evidence: list (with CI gating), show, stats and the per-framework compliance summary.

"Current state" is the evidence of the latest COMPLETED or PARTIAL collection of each integration
that is not removed; RUNNING and FAILED jobs never show. ``as_of`` (a date, or an ISO timestamp)
replays that rule at the end of that day: jobs finished by then, integrations not yet removed, and
the risk exceptions then in force. Every function takes ``now`` so tests move the clock.

Decisions (documented in the README too):

- **Gating scope.** ``evidence_listing`` decides the exit code from *all* items matching the
  filters, not just the printed page: ``--limit 5`` must not hide the sixth failure from CI. Items
  excepted by an active risk exception never trip the gate.
- **Excepted items** keep their status (FAIL stays FAIL, ``excepted: true``). In scores they count as
  passing (an accepted risk is a decision, not an open finding); counts show them separately.
- **Framework/control filters** use the per-check counts kept beside the items (which checks of the
  current jobs map to the control, as recorded at collection time), so they are an indexed
  ``check_id IN (...)``; ``json_each`` over the items is the fallback for a check recorded with two
  different mappings (see ``store/queries.py``). Recorded mappings rather than today's catalogue keep
  the evidence self-consistent: an item is listed under a control iff its ``controls`` say so.
- **Export formats** (csv, sarif, junit) list every matching item unless ``--limit`` is given: a CI
  report silently cut at 50 findings would mislead. ``--all`` asks the same of JSON and the table
  (and cannot be combined with ``--limit``). Such a listing is a stream: the items are read from
  the store a chunk at a time as they are printed, never held whole.
- **Compliance** status per control: FAILING when any non-excepted FAIL, WARNING when any
  non-excepted WARNING or any ERROR (an error is never a pass), PASSING when every item passes or is
  excepted, NOT_COVERED when no current evidence maps to the control (``checks`` then says whether a
  catalogued check maps to it but found nothing to evaluate). Score = passing / covered × 100, one
  decimal; ``None`` while nothing is covered. Other evidence sources (policies) plug in through
  ``extra_sources``.

The plain ``list`` path stays light: it reads no YAML unless a category outside the stored evidence,
a control id, or an export format needs the catalogues.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sentinel_cli.errors import ExternalServiceError, InvalidInput, NotFound
from sentinel_cli.frameworks import with_every_framework
from sentinel_cli.operations.control_evidence import ComplianceSource, ControlEvidence
from sentinel_cli.operations.exceptions import rules_at
from sentinel_cli.operations.shapes import score
from sentinel_cli.store import Store
from sentinel_cli.store.queries import STATUS_ORDER, EvidenceFilter, ExceptionRules
from sentinel_cli.timeutil import parse_user_date, to_iso, utcnow
from sentinel_cli.wire import (
    SEVERITIES,
    STATUSES,
    ControlRef,
    EvidenceData,
    EvidenceDetail,
    EvidenceItem,
    EvidencePage,
    EvidenceStats,
    ExceptionRef,
)

OUTPUT_FORMATS: tuple[str, ...] = ("table", "json", "csv", "sarif", "junit")
EXPORT_FORMATS: tuple[str, ...] = ("csv", "sarif", "junit")
EVIDENCE_IDS_LIMIT = 100
"""Evidence ids listed per control by ``compliance`` unless every id is asked for."""
DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
DEFAULT_FAIL_ON: tuple[str, ...] = ("FAIL",)


# -- input parsing ---------------------------------------------------------------------------


def split_values(values: str | Sequence[str] | None) -> list[str]:
    """Repeatable options that also take comma lists: ``--status FAIL --status ERROR,WARNING``."""
    if values is None:
        return []
    items = [values] if isinstance(values, str) else list(values)
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


def choose_values(
    values: str | Sequence[str] | None, allowed: Sequence[str], option: str
) -> tuple[str, ...]:
    """Match each value case-insensitively against ``allowed``; unknown -> InvalidInput."""
    lookup = {a.lower(): a for a in allowed}
    out: list[str] = []
    for value in split_values(values):
        found = lookup.get(value.lower())
        if found is None:
            raise InvalidInput(
                f"{option}: unknown value {value!r}; allowed values: {', '.join(allowed)}",
                hint=f"e.g. {option} {allowed[0]}",
            )
        if found not in out:
            out.append(found)
    return tuple(out)


def parse_statuses(
    values: str | Sequence[str] | None, *, option: str = "--status"
) -> tuple[str, ...]:
    return choose_values(values, STATUSES, option)


def parse_severities(values: str | Sequence[str] | None) -> tuple[str, ...]:
    return choose_values(values, SEVERITIES, "--severity")


def parse_fail_on(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """``FAIL`` (default), ``FAIL,ERROR``, ... or ``none`` (never fail)."""
    parts = split_values(value)
    if not parts:
        return DEFAULT_FAIL_ON
    if [p.lower() for p in parts] == ["none"]:
        return ()
    if any(p.lower() == "none" for p in parts):
        raise InvalidInput("--fail-on: 'none' cannot be combined with statuses")
    try:
        return parse_statuses(parts, option="--fail-on")
    except InvalidInput as exc:
        raise InvalidInput(
            exc.message + ", or none", hint="e.g. --fail-on FAIL,ERROR or --fail-on none"
        ) from None


def _int(value: int | str, option: str) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise InvalidInput(f"{option}: {value!r} is not a whole number") from None


def parse_limit(value: int | str | None, *, default: int | None = DEFAULT_LIMIT) -> int | None:
    if value is None:
        return default
    limit = _int(value, "--limit")
    if limit < 1 or limit > MAX_LIMIT:
        raise InvalidInput(
            f"--limit must be between 1 and {MAX_LIMIT} (got {limit})",
            hint="page through more with --offset",
        )
    return limit


def parse_offset(value: int | str | None) -> int:
    if value is None:
        return 0
    offset = _int(value, "--offset")
    if offset < 0:
        raise InvalidInput(f"--offset must be 0 or more (got {offset})")
    return offset


def parse_paging(
    limit: int | str | None, offset: int | str | None, *, fmt: str, all_items: bool = False
) -> tuple[int | None, int]:
    """``(limit, offset)`` of a listing; ``None`` for every item (``--all``, or an export format
    without ``--limit``)."""
    if all_items and limit is not None:
        raise InvalidInput(
            "--all and --limit disagree: give one of them",
            hint="--all lists every matching item; --limit N --offset M pages through them",
        )
    every = all_items or fmt in EXPORT_FORMATS
    return parse_limit(limit, default=None if every else DEFAULT_LIMIT), parse_offset(offset)


def resolve_format(output: str | None, *, as_json: bool = False) -> str:
    if as_json and output and output.lower() != "json":
        raise InvalidInput("--json and --format disagree: give one of them")
    if as_json:
        return "json"
    if not output:
        return "table"
    fmt = output.strip().lower()
    if fmt not in OUTPUT_FORMATS:
        raise InvalidInput(
            f"--format: unknown value {output!r}; allowed values: {', '.join(OUTPUT_FORMATS)}"
        )
    return fmt


def resolve_framework(framework: str | None) -> str | None:
    if framework is None or not framework.strip():
        return None
    from sentinel_cli.frameworks import resolve_framework_id

    return resolve_framework_id(framework.strip())


def resolve_control(framework: str | None, control: str | None) -> tuple[str | None, str | None]:
    """Canonical (framework, control). A control alone is looked up in every framework."""
    fw = resolve_framework(framework)
    if control is None or not control.strip():
        return fw, None
    from sentinel_cli.frameworks import all_frameworks, normalize_control_id

    if fw is not None:
        return fw, normalize_control_id(fw, control)
    frameworks = all_frameworks()
    found: list[tuple[str, str]] = []
    for candidate in frameworks:
        try:
            found.append((candidate.id, normalize_control_id(candidate.id, control)))
        except InvalidInput:
            continue
    if not found:
        raise InvalidInput(
            f"--control: {control!r} is not a control of " + " or ".join(f.id for f in frameworks),
            hint=", ".join(f"{f.label} ids look like {next(iter(f.controls))}" for f in frameworks),
        )
    if len(found) > 1:
        raise InvalidInput(
            f"--control {control!r} exists in several frameworks",
            hint="add --framework " + " or --framework ".join(f for f, _ in found),
        )
    return found[0]


def allowed_categories(store: Store) -> list[str]:
    """Categories of the check catalogues, plus any found in stored evidence."""
    from sentinel_cli.checks import all_metadata

    return sorted(
        {m.category for m in all_metadata().values()} | set(store.queries.categories_present())
    )


def parse_categories(store: Store, values: str | Sequence[str] | None) -> tuple[str, ...]:
    wanted = split_values(values)
    if not wanted:
        return ()
    present = {c.lower(): c for c in store.queries.categories_present()}
    if all(w.lower() in present for w in wanted):  # the common case needs no catalogue
        return tuple(dict.fromkeys(present[w.lower()] for w in wanted))
    allowed = allowed_categories(store)
    if not allowed:
        raise InvalidInput(
            f"--category: no categories are known yet (no checks catalogued, no evidence): "
            f"{', '.join(wanted)}"
        )
    return choose_values(wanted, allowed, "--category")


# -- scope: which jobs, which moment -----------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The moment a view describes and the jobs and exceptions in force then."""

    at: str
    as_of: str | None
    jobs: tuple[dict[str, Any], ...]
    rules: ExceptionRules

    @property
    def job_ids(self) -> tuple[str, ...]:
        return tuple(j["job_id"] for j in self.jobs)


def parse_as_of(as_of: str | None) -> str | None:
    """``--as-of DATE``: the end of that day (UTC) as ISO 8601; ``None`` when not given."""
    if as_of is None or not str(as_of).strip():
        return None
    return to_iso(parse_user_date(str(as_of), option="--as-of", end_of_day=True))


def resolve_scope(
    store: Store,
    *,
    integration: str | None = None,
    as_of: str | None = None,
    now: datetime | None = None,
) -> Scope:
    at = to_iso(now or utcnow())
    as_of_iso = parse_as_of(as_of)
    if as_of_iso is not None:
        at = min(at, as_of_iso)
    integration_id = None
    if integration is not None and str(integration).strip():
        from sentinel_cli.operations.integrations import resolve_integration

        integration_id = resolve_integration(store, str(integration))["id"]
    jobs = tuple(store.queries.jobs_at(at, integration_id=integration_id))
    return Scope(at=at, as_of=as_of_iso, jobs=jobs, rules=rules_at(store, at))


def _check_sets(
    rows: Iterable[dict[str, Any]], framework: str, control: str | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(checks all of whose rows map, checks with mapped and unmapped rows) for the filter."""
    flags: dict[str, set[bool]] = {}
    for row in rows:
        mapped_to = row["controls"].get(framework) or []
        flags.setdefault(row["check_id"], set()).add(
            (control in mapped_to) if control else bool(mapped_to)
        )
    every = tuple(sorted(c for c, f in flags.items() if f == {True}))
    mixed = tuple(sorted(c for c, f in flags.items() if len(f) == 2))
    return every, mixed


def build_filter(
    store: Store,
    scope: Scope,
    *,
    status: str | Sequence[str] | None = None,
    category: str | Sequence[str] | None = None,
    framework: str | None = None,
    control: str | None = None,
    severity: str | Sequence[str] | None = None,
) -> EvidenceFilter:
    statuses = parse_statuses(status)
    severities = parse_severities(severity)
    categories = parse_categories(store, category)
    fw, ctrl = resolve_control(framework, control)
    check_ids: tuple[str, ...] | None = None
    mixed: tuple[str, ...] = ()
    if fw is not None:
        check_ids, mixed = _check_sets(store.queries.check_counts(scope.job_ids), fw, ctrl)
    return EvidenceFilter(
        job_ids=scope.job_ids,
        statuses=statuses,
        categories=categories,
        severities=severities,
        check_ids=check_ids,
        mixed_check_ids=mixed,
        framework=fw,
        control=ctrl,
    )


# -- shapes -----------------------------------------------------------------------------------


def item_shape(row: dict[str, Any], rules: ExceptionRules) -> EvidenceItem:
    """The API's evidence item (camelCase)."""
    exception: ExceptionRef | None = None
    exception_id = row.get("exception_id")
    if exception_id:
        exc = next((e for e in rules.exceptions if e["id"] == exception_id), None)
        if exc is not None:
            exception = {
                "id": exc["id"],
                "reason": exc["reason"],
                "owner": exc["owner"],
                "expiresAt": exc["expires_at"],
            }
    controls = row.get("controls") or {}
    remediation = row.get("remediation") or {}
    return {
        "id": row["id"],
        "integrationId": row["integration_id"],
        "jobId": row["job_id"],
        "checkId": row["check_id"],
        "title": row["title"],
        "status": row["status"],
        "severity": row["severity"],
        "category": row["category"],
        "resourceId": row["resource_id"],
        "resourceType": row["resource_type"],
        "region": row["region"],
        "collectedAt": row["collected_at"],
        "message": row["message"],
        "controls": with_every_framework(controls),
        "remediation": {"text": remediation.get("text", ""), "cli": remediation.get("cli")},
        "excepted": exception is not None,
        "exception": exception,
        "sha256": row["sha256"],
    }


# -- list and gate ----------------------------------------------------------------------------


@dataclass
class EvidenceListing:
    """A page (or, for exports and ``--all``, all) of matching items and the CI gate's verdict
    over all of them.

    A listing of every item carries them as a ``stream``, to be read once while the store (or the
    server connection) is open; its ``data["evidence"]`` is then empty and ``data`` carries the
    pagination only. ``iter_items`` reads whichever there is.
    """

    data: EvidencePage
    output: str
    fail_on: tuple[str, ...]
    failing: int
    as_of: str | None = None
    stream: Iterator[EvidenceItem] | None = None

    def iter_items(self) -> Iterator[EvidenceItem]:
        """The items, page or stream (a stream can be read once)."""
        return self.stream if self.stream is not None else iter(self.data["evidence"])

    @property
    def items(self) -> list[EvidenceItem]:
        return list(self.iter_items())

    @property
    def gate_tripped(self) -> bool:
        return self.failing > 0

    @property
    def exit_code(self) -> int:
        """1 when a matching, non-excepted item has a ``--fail-on`` status, else 0."""
        return 1 if self.gate_tripped else 0


def evidence_listing(
    store: Store,
    *,
    status: str | Sequence[str] | None = None,
    category: str | Sequence[str] | None = None,
    integration: str | None = None,
    framework: str | None = None,
    control: str | None = None,
    severity: str | Sequence[str] | None = None,
    as_of: str | None = None,
    limit: int | str | None = None,
    offset: int | str | None = None,
    fail_on: str | Sequence[str] | None = None,
    output: str = "json",
    all_items: bool = False,
    now: datetime | None = None,
) -> EvidenceListing:
    """List evidence and evaluate the CI gate (see the module docstring for the rules)."""
    fmt = resolve_format(output)
    gate_statuses = parse_fail_on(fail_on)
    page_limit, page_offset = parse_paging(limit, offset, fmt=fmt, all_items=all_items)
    scope = resolve_scope(store, integration=integration, as_of=as_of, now=now)
    flt = build_filter(
        store,
        scope,
        status=status,
        category=category,
        framework=framework,
        control=control,
        severity=severity,
    )
    stream = None
    if page_limit is None:  # opened before the counts: one snapshot (see Queries.stream)
        rows = store.queries.stream(flt, rules=scope.rules, offset=page_offset)
        stream = (item_shape(r, scope.rules) for r in rows)
        items: list[EvidenceItem] = []
    else:
        rows_page = store.queries.page(flt, rules=scope.rules, limit=page_limit, offset=page_offset)
        items = [item_shape(r, scope.rules) for r in rows_page]
    total = store.queries.count(flt)
    failing = store.queries.count(flt, statuses=gate_statuses, rules=scope.rules)
    data: EvidencePage = {
        "evidence": items,
        "pagination": {"total": total, "limit": page_limit, "offset": page_offset},
    }
    return EvidenceListing(
        data=data,
        output=fmt,
        fail_on=gate_statuses,
        failing=failing,
        as_of=scope.as_of,
        stream=stream,
    )


def evidence_page(
    store: Store,
    *,
    status: str | Sequence[str] | None = None,
    category: str | Sequence[str] | None = None,
    integration: str | None = None,
    framework: str | None = None,
    control: str | None = None,
    severity: str | Sequence[str] | None = None,
    limit: int | str | None = None,
    offset: int | str | None = None,
    as_of: str | None = None,
    fail_on: str | None = None,
) -> EvidencePage:
    """One page as ``GET /api/evidence`` answers it: ``evidence`` and ``pagination``, plus
    ``gate = {"failOn": [...], "failing": N}`` (the CI gate over *all* pages) when ``fail_on``
    is given, so a CLI logged in to a server exits as it would on the server's store."""
    listing = evidence_listing(
        store,
        status=status,
        category=category,
        integration=integration,
        framework=framework,
        control=control,
        severity=severity,
        limit=limit,
        offset=offset,
        as_of=as_of,
        fail_on=fail_on,
    )
    if fail_on is None:
        return listing.data
    return {**listing.data, "gate": {"failOn": list(listing.fail_on), "failing": listing.failing}}


PageFetch = Callable[[int, int, str | None], dict[str, Any]]
"""``fetch(limit, offset, fail_on)``: one page as ``evidence_page`` answers it."""


def listing_from_pages(
    fetch: PageFetch,
    *,
    output: str,
    limit: int | str | None = None,
    offset: int | str | None = None,
    fail_on: str | Sequence[str] | None = None,
    all_items: bool = False,
    as_of: str | None = None,
) -> EvidenceListing:
    """The listing of a store reached one page at a time (a Sentinel server).

    The first page carries the CI gate's count over every matching item (``failOn``); for every
    item (``--all``, exports) the later pages, at most ``MAX_LIMIT`` each, are fetched as the
    stream is read. Paging stops at ``total`` or at an empty page (items shrank under us).
    """
    fmt = resolve_format(output)
    gate = parse_fail_on(fail_on)
    page_limit, page_offset = parse_paging(limit, offset, fmt=fmt, all_items=all_items)
    as_of_iso = parse_as_of(as_of)
    first = fetch(page_limit or MAX_LIMIT, page_offset, ",".join(gate) or "none")
    total = int(first["pagination"]["total"])
    verdict = first.get("gate")
    if not isinstance(verdict, dict):
        raise ExternalServiceError(
            "the server cannot evaluate the evidence gate (failOn)",
            hint="upgrade the server to this CLI's Sentinel version",
        )

    def every_item() -> Iterator[EvidenceItem]:
        page: list[EvidenceItem] = first["evidence"]
        at = page_offset
        while True:
            yield from page
            at += len(page)
            if not page or at >= total:
                return
            page = fetch(MAX_LIMIT, at, None)["evidence"]

    stream = every_item() if page_limit is None else None
    return EvidenceListing(
        data={
            "evidence": [] if stream is not None else list(first["evidence"]),
            "pagination": {"total": total, "limit": page_limit, "offset": page_offset},
        },
        output=fmt,
        fail_on=tuple(verdict["failOn"]),
        failing=int(verdict["failing"]),
        as_of=as_of_iso,
        stream=stream,
    )


def list_evidence(store: Store, **options: Any) -> EvidencePage:
    """``{"evidence": [...], "pagination": {...}}`` — what ``GET /api/evidence`` returns."""
    options.setdefault("limit", DEFAULT_LIMIT)
    return evidence_listing(store, **options).data


def check_descriptions(check_ids: Iterable[str]) -> dict[str, str]:
    """Catalogue descriptions of these checks (empty for checks the catalogues do not know)."""
    from sentinel_cli.checks import all_metadata

    metas = all_metadata()
    return {cid: metas[cid].description for cid in check_ids if cid in metas}


def render_listing(listing: EvidenceListing) -> str:
    """The document for an export format (csv, sarif, junit) of a listing."""
    items = listing.items
    if listing.output == "csv":
        from sentinel_cli.rendering.csv_out import render_csv

        return render_csv(items)
    if listing.output == "sarif":
        from sentinel_cli.rendering.sarif import render_sarif

        descriptions = check_descriptions({i["checkId"] for i in items})
        return render_sarif(items, descriptions=descriptions)
    if listing.output == "junit":
        from sentinel_cli.rendering.junit import render_junit

        return render_junit(items)
    raise InvalidInput(f"{listing.output} is not an export format ({', '.join(EXPORT_FORMATS)})")


# -- show -------------------------------------------------------------------------------------


def _find_one(store: Store, evidence_id: str) -> dict[str, Any]:
    ident = (evidence_id or "").strip()
    matches = store.queries.find(ident) if ident else []
    if len(matches) == 1 and (matches[0]["id"] == ident or len(ident) >= 4):
        return matches[0]
    if len(matches) > 1 and len(ident) >= 4:
        raise InvalidInput(f"evidence id prefix {ident!r} is ambiguous: give more characters")
    raise NotFound(
        f"no evidence item with id {ident!r}",
        hint="ids are in sentinel evidence list --json; any unique prefix of 4+ characters works",
    )


def get_evidence(store: Store, evidence_id: str, *, now: datetime | None = None) -> EvidenceData:
    """One item in full: raw data, description, control titles, remediation, its history."""
    row = _find_one(store, evidence_id)
    at = to_iso(now or utcnow())
    rules = rules_at(store, at)
    row["exception_id"] = rules.match(row["check_id"], row["resource_id"], row["status"])
    item = item_shape(row, rules)

    raw_text = store.queries.raw_data(row["sha256"])

    from sentinel_cli.checks import all_metadata
    from sentinel_cli.frameworks import discover

    meta = all_metadata().get(row["check_id"])
    known = {f.id: f.controls for f in discover()}
    details: dict[str, list[ControlRef]] = {}
    for fid, control_ids in item["controls"].items():
        controls = known.get(fid, {})
        details[fid] = [
            {"id": cid, "title": controls[cid].title if cid in controls else None}
            for cid in control_ids
        ]
    current_jobs = {j["job_id"] for j in store.queries.jobs_at(at)}
    detail: EvidenceDetail = {
        **item,
        "rawData": json.loads(raw_text) if raw_text is not None else None,
        "description": meta.description if meta is not None else "",
        "controlDetails": details,
        "current": row["job_id"] in current_jobs,
        "history": [
            {
                "evidenceId": h["id"],
                "jobId": h["job_id"],
                "collectedAt": h["collected_at"],
                "status": h["status"],
                "sha256": h["sha256"],
            }
            for h in store.queries.history(
                integration_id=row["integration_id"],
                check_id=row["check_id"],
                resource_id=row["resource_id"],
                until=row["collected_at"],
            )
            if h["id"] != row["id"]
        ],
    }
    return {"evidence": detail}


# -- stats ------------------------------------------------------------------------------------


def _status_counts() -> dict[str, int]:
    return {s: 0 for s in STATUSES}


def evidence_stats(
    store: Store,
    *,
    integration: str | None = None,
    as_of: str | None = None,
    now: datetime | None = None,
) -> EvidenceStats:
    """Counts of the current items by status, category and severity (``/api/evidence/stats``).

    Statuses are as recorded; ``excepted`` counts the FAIL/WARNING items covered by an exception.
    """
    scope = resolve_scope(store, integration=integration, as_of=as_of, now=now)
    rows = store.queries.check_counts(scope.job_ids)
    excepted_rows = store.queries.excepted_counts(scope.job_ids, scope.rules)
    by_status = _status_counts()
    by_category: dict[str, dict[str, int]] = {}
    by_severity: dict[str, dict[str, int]] = {
        s: {"total": 0, **_status_counts(), "excepted": 0} for s in SEVERITIES
    }
    for row in rows:
        n = int(row["count"])
        by_status[row["status"]] = by_status.get(row["status"], 0) + n
        for bucket in (
            by_category.setdefault(
                row["category"], {"total": 0, **_status_counts(), "excepted": 0}
            ),
            by_severity.setdefault(
                row["severity"], {"total": 0, **_status_counts(), "excepted": 0}
            ),
        ):
            bucket["total"] += n
            bucket[row["status"]] = bucket.get(row["status"], 0) + n
    excepted = 0
    for row in excepted_rows:
        excepted += int(row["count"])
        by_category[row["category"]]["excepted"] += int(row["count"])
        by_severity[row["severity"]]["excepted"] += int(row["count"])
    return {
        "total": sum(by_status.values()),
        "byStatus": by_status,
        "byCategory": dict(sorted(by_category.items())),
        "bySeverity": by_severity,
        "excepted": excepted,
        "asOf": scope.as_of,
        "collections": [
            {
                "integrationId": j["integration_id"],
                "jobId": j["job_id"],
                "finishedAt": j["finished_at"],
            }
            for j in scope.jobs
        ],
    }


# -- compliance -------------------------------------------------------------------------------


def default_sources(
    store: Store, sources: Sequence[ComplianceSource] | None, *, now: datetime | None = None
) -> Sequence[ComplianceSource]:
    """``sources`` as given, or by default the approved policies in force (policy evidence)."""
    if sources is not None:
        return sources
    from sentinel_cli.operations.policies import policy_compliance_source

    return (policy_compliance_source(store, now=now),)


def _new_counts() -> dict[str, int]:
    return {"total": 0, "pass": 0, "fail": 0, "warning": 0, "error": 0, "excepted": 0}


_COUNT_KEY = {"PASS": "pass", "FAIL": "fail", "WARNING": "warning", "ERROR": "error"}


@dataclass
class _ControlTally:
    counts: dict[str, int] = field(default_factory=_new_counts)
    excepted_by_status: dict[str, int] = field(default_factory=dict)
    checks: set[str] = field(default_factory=set)
    groups: list[tuple[str, str, str, str, int]] = field(default_factory=list)
    """(job_id, check_id, status, severity, count): where to fetch evidence ids from."""
    extra: list[ControlEvidence] = field(default_factory=list)

    def status(self) -> str:
        c = self.counts
        if c["total"] == 0:
            return "NOT_COVERED"
        if c["fail"] - self.excepted_by_status.get("FAIL", 0) > 0:
            return "FAILING"
        if c["warning"] - self.excepted_by_status.get("WARNING", 0) > 0 or c["error"] > 0:
            return "WARNING"
        return "PASSING"


def _tally(
    framework: Any,
    rows: Sequence[dict[str, Any]],
    excepted_rows: Sequence[dict[str, Any]],
    extra: Sequence[ControlEvidence],
) -> dict[str, _ControlTally]:
    tallies = {cid: _ControlTally() for cid in framework.controls}
    for row in rows:
        n = int(row["count"])
        for cid in row["controls"].get(framework.id) or []:
            tally = tallies.get(cid)
            if tally is None:  # a mapping to a control the framework does not define
                continue
            tally.counts["total"] += n
            tally.counts[_COUNT_KEY[row["status"]]] += n
            tally.checks.add(row["check_id"])
            tally.groups.append((row["job_id"], row["check_id"], row["status"], row["severity"], n))
    for row in excepted_rows:
        n = int(row["count"])
        for cid in row["controls"].get(framework.id) or []:
            tally = tallies.get(cid)
            if tally is not None:
                tally.counts["excepted"] += n
                tally.excepted_by_status[row["status"]] = (
                    tally.excepted_by_status.get(row["status"], 0) + n
                )
    for ev in extra:
        tally = tallies.get(ev.control_id)
        if tally is None:
            continue
        tally.counts["total"] += 1
        tally.counts[_COUNT_KEY[ev.status]] += 1
        if ev.excepted:
            tally.counts["excepted"] += 1
            tally.excepted_by_status[ev.status] = tally.excepted_by_status.get(ev.status, 0) + 1
        tally.extra.append(ev)
    return tallies


def _evidence_ids(
    store: Store, tally: _ControlTally, limit: int | None, cache: dict[tuple[str, ...], list[str]]
) -> tuple[list[str], bool]:
    """Ids of a control's evidence, failing first, at most ``limit`` (None: all)."""
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    ids: list[str] = []
    extra = sorted(tally.extra, key=lambda e: rank.get(e.status, 9))
    groups = sorted(tally.groups, key=lambda g: (rank.get(g[2], 9), g[1], g[0]))
    total = tally.counts["total"]
    for ev in extra:
        ids.append(ev.evidence_id)
    for job_id, check_id, status, severity, _n in groups:
        if limit is not None and len(ids) >= limit:
            break
        key = (job_id, check_id, status, severity)
        if key not in cache:
            cache[key] = store.queries.ids_for(job_id, check_id, status, severity, limit=limit)
        ids.extend(cache[key])
    if limit is not None:
        ids = ids[:limit]
    return ids, len(ids) < total


def _catalogue_checks(framework_id: str) -> dict[str, set[str]]:
    """control id -> ids of catalogued checks mapping to it."""
    from sentinel_cli.checks import all_metadata

    out: dict[str, set[str]] = {}
    seen: set[str] = set()
    for meta in all_metadata().values():
        if meta.id in seen:
            continue
        seen.add(meta.id)
        for cid in meta.controls.get(framework_id, []):
            out.setdefault(cid, set()).add(meta.id)
    return out


def compliance_summary(
    store: Store,
    *,
    framework: str | None,
    integration: str | None = None,
    as_of: str | None = None,
    now: datetime | None = None,
    extra_sources: Sequence[ComplianceSource] | None = None,
    evidence_ids_limit: int | None = EVIDENCE_IDS_LIMIT,
    include_catalogue: bool = True,
    all_ids: bool = False,
) -> dict[str, Any]:
    """Every control of ``framework`` with its status, counts and evidence ids, plus the score.

    ``extra_sources`` defaults to the approved policies in force (a policy is evidence for the
    controls it satisfies); pass ``()`` for automated evidence only.

    ``evidence_ids_limit`` caps the ids listed per control (failing first; ``None`` lists all):
    a control mapped by many checks can have tens of thousands of items, and the full list is one
    ``sentinel evidence list --framework F --control C`` away; ``all_ids`` lifts the cap.
    """
    if all_ids:
        evidence_ids_limit = None
    if framework is None or not str(framework).strip():
        from sentinel_cli.frameworks import framework_ids

        raise InvalidInput("--framework is required; allowed values: " + ", ".join(framework_ids()))
    from sentinel_cli.frameworks import load_framework

    fw = load_framework(framework)
    scope = resolve_scope(store, integration=integration, as_of=as_of, now=now)
    return compliance_from_counts(
        store,
        fw,
        scope,
        rows=store.queries.check_counts(scope.job_ids),
        excepted_rows=store.queries.excepted_counts(scope.job_ids, scope.rules),
        extra_sources=default_sources(store, extra_sources, now=now),
        evidence_ids_limit=evidence_ids_limit,
        include_catalogue=include_catalogue,
        with_controls=True,
    )


def compliance_from_counts(
    store: Store,
    fw: Any,
    scope: Scope,
    *,
    rows: Sequence[dict[str, Any]],
    excepted_rows: Sequence[dict[str, Any]],
    extra_sources: Sequence[ComplianceSource],
    evidence_ids_limit: int | None,
    include_catalogue: bool,
    with_controls: bool,
) -> dict[str, Any]:
    extra = [ev for source in extra_sources for ev in source(fw.id)]
    tallies = _tally(fw, rows, excepted_rows, extra)
    catalogued = _catalogue_checks(fw.id) if include_catalogue else {}
    status_totals = {"PASSING": 0, "FAILING": 0, "WARNING": 0, "NOT_COVERED": 0}
    controls: list[dict[str, Any]] = []
    cache: dict[tuple[str, ...], list[str]] = {}
    for cid, control in fw.controls.items():
        tally = tallies[cid]
        status = tally.status()
        status_totals[status] += 1
        if not with_controls:
            continue
        ids, truncated = (
            _evidence_ids(store, tally, evidence_ids_limit, cache)
            if evidence_ids_limit != 0
            else ([], tally.counts["total"] > 0)
        )
        controls.append(
            {
                "id": cid,
                "title": control.title,
                "category": control.category,
                "group": control.group,
                "status": status,
                "counts": dict(tally.counts),
                "checks": sorted(tally.checks | catalogued.get(cid, set())),
                "sources": sorted({"checks"} if tally.checks else set())
                + sorted({ev.source for ev in tally.extra}),
                "evidenceIds": ids,
                "evidenceIdsTruncated": truncated,
                "policies": [
                    {
                        "id": ev.evidence_id,
                        "title": ev.title,
                        "status": ev.status,
                        "reason": ev.reason,
                    }
                    for ev in tally.extra
                    if ev.source == "policy"
                ],
            }
        )
    covered = len(fw.controls) - status_totals["NOT_COVERED"]
    # Items mapped to any control of the framework, each counted once.
    evidence = _new_counts()
    excepted_total = 0
    for row in rows:
        if any(c in fw.controls for c in row["controls"].get(fw.id) or []):
            evidence["total"] += int(row["count"])
            evidence[_COUNT_KEY[row["status"]]] += int(row["count"])
    for row in excepted_rows:
        if any(c in fw.controls for c in row["controls"].get(fw.id) or []):
            excepted_total += int(row["count"])
    evidence["excepted"] = excepted_total
    result: dict[str, Any] = {
        "framework": {"id": fw.id, "name": fw.name, "version": fw.version, "label": fw.label},
        "asOf": scope.as_of,
        "score": score(status_totals["PASSING"], covered),
        "totals": {
            "controls": len(fw.controls),
            "covered": covered,
            "passing": status_totals["PASSING"],
            "failing": status_totals["FAILING"],
            "warning": status_totals["WARNING"],
            "notCovered": status_totals["NOT_COVERED"],
            "evidence": evidence,
        },
    }
    if with_controls:
        result["controls"] = controls
    return result
