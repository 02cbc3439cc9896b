"""What an evidence view asks for: option parsers, the scope (which jobs, which moment) and the
store filter that the listing, stats and compliance summary share.

"Current state" is the evidence of the latest COMPLETED or PARTIAL collection of each integration
that is not removed; RUNNING and FAILED jobs never show. ``as_of`` (a date, or an ISO timestamp)
replays that rule at the end of that day: jobs finished by then, integrations not yet removed, and
the risk exceptions then in force. Every function takes ``now`` so tests move the clock.

**Framework/control filters** use the per-check counts kept beside the items (which checks of the
current jobs map to the control, as recorded at collection time), so they are an indexed
``check_id IN (...)``; ``json_each`` over the items is the fallback for a check recorded with two
different mappings (see ``store/queries.py``). Recorded mappings rather than today's catalogue keep
the evidence self-consistent: an item is listed under a control iff its ``controls`` say so.

The parsers raise ``InvalidInput`` with the option's name, so the CLI (which calls
``resolve_format`` before choosing a backend) and the API report bad input the same way. The plain
``list`` path stays light: it reads no YAML unless a category outside the stored evidence or a
control id needs the catalogues.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sentinel_cli.errors import InvalidInput
from sentinel_cli.operations.exceptions import rules_at
from sentinel_cli.store import Store
from sentinel_cli.store.queries import EvidenceFilter, ExceptionRules
from sentinel_cli.timeutil import parse_user_date, to_iso, utcnow
from sentinel_cli.wire import SEVERITIES, STATUSES

OUTPUT_FORMATS: tuple[str, ...] = ("table", "json", "csv", "sarif", "junit")
EXPORT_FORMATS: tuple[str, ...] = ("csv", "sarif", "junit")
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


def parse_sort(value: str | None) -> str:
    """A listing's order: ``status`` (worst first, the default) or ``severity`` (highest first)."""
    from sentinel_cli.store.queries import ORDERS

    choice = (value or "").strip().lower() or ORDERS[0]
    if choice not in ORDERS:
        raise InvalidInput(f"sort: unknown value {value!r}; allowed values: {', '.join(ORDERS)}")
    return choice


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
    """The moment a view describes and the jobs and exceptions in force then; with
    ``account_id``, only the jobs holding items of that AWS account, and only those items."""

    at: str
    as_of: str | None
    jobs: tuple[dict[str, Any], ...]
    rules: ExceptionRules
    account_id: str | None = None

    @property
    def job_ids(self) -> tuple[str, ...]:
        return tuple(j["job_id"] for j in self.jobs)


def parse_as_of(as_of: str | None) -> str | None:
    """``--as-of DATE``: the end of that day (UTC) as ISO 8601; ``None`` when not given."""
    if as_of is None or not str(as_of).strip():
        return None
    return to_iso(parse_user_date(str(as_of), option="--as-of", end_of_day=True))


_ACCOUNT_RE = re.compile(r"^\d{12}$")


def parse_account(account: str | None) -> str | None:
    """``--account``: a 12-digit AWS account id, or None when not given."""
    if account is None or not str(account).strip():
        return None
    value = str(account).strip()
    if not _ACCOUNT_RE.match(value):
        raise InvalidInput(
            f"--account: {account!r} is not an AWS account id",
            hint="give the 12 digits, e.g. --account 123456789012",
        )
    return value


def resolve_scope(
    store: Store,
    *,
    integration: str | None = None,
    account: str | None = None,
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
    account_id = parse_account(account)
    jobs = tuple(store.queries.jobs_at(at, integration_id=integration_id))
    if account_id is not None:
        holding = set(store.queries.jobs_with_account([j["job_id"] for j in jobs], account_id))
        jobs = tuple(j for j in jobs if j["job_id"] in holding)
    return Scope(
        at=at, as_of=as_of_iso, jobs=jobs, rules=rules_at(store, at), account_id=account_id
    )


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
        rows = store.queries.check_counts(scope.job_ids, account_id=scope.account_id)
        check_ids, mixed = _check_sets(rows, fw, ctrl)
    return EvidenceFilter(
        job_ids=scope.job_ids,
        statuses=statuses,
        categories=categories,
        severities=severities,
        check_ids=check_ids,
        mixed_check_ids=mixed,
        framework=fw,
        control=ctrl,
        account_id=scope.account_id,
    )
