"""Helpers every GitHub check shares: iterating repositories and reading branch policy once.

Two things would otherwise be re-implemented (and drift) in each check:

- *Which repositories can be judged.* ``each_repo`` yields a ``RepoView`` per collected repository,
  skipping those whose sources failed (the runner already emits ERROR evidence for them) and
  flagging those a source simply lacks — a collector gap that must surface as ERROR, never PASS.
- *What protects the default branch.* Classic branch protection and repository rulesets layer:
  GitHub enforces the most restrictive combination. ``BranchPolicy`` folds the classic body and
  the rules of *active* rulesets into one answer per question (reviews required? force pushes
  blocked? ...), and names the mechanisms that provided it, so every protection check agrees.

Nothing here talks to GitHub; it only reads the inventory.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sentinel_cli.checks.base import ERROR, CheckResult, CheckSettings
from sentinel_cli.inventory.github import GithubInventory
from sentinel_cli.timeutil import parse_iso

REPO = "github-repository"
USER = "github-user"
WEBHOOK = "github-webhook"

PROTECTION_SOURCES: tuple[str, ...] = ("repos", "branch_protection", "branch_rules", "rulesets")


def parse_time(value: object) -> datetime | None:
    """An API timestamp as an aware UTC datetime; None when absent or unparseable."""
    if not value or not isinstance(value, str):
        return None
    try:
        return parse_iso(value)
    except ValueError:
        return None


def evaluation_time(inv: GithubInventory, settings: CheckSettings) -> datetime:
    """The clock ages are measured against: ``settings.now`` if given, else collection time."""
    raw = settings.now or inv.collected_at
    moment = parse_time(raw)
    if moment is None:
        raise ValueError(f"cannot parse evaluation time {raw!r}")
    return moment


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def org_result(
    inv: GithubInventory, check_id: str, status: str, message: str, data: Mapping[str, Any]
) -> CheckResult:
    org, kind = inv.account_resource
    return CheckResult(check_id, status, org, kind, message, data=dict(data))


def org_source(inv: GithubInventory, source: str) -> Any:
    """An org-wide source's value, or None when its fetch failed (the runner reports it)."""
    if inv.failed(source):
        return None
    return getattr(inv, source)


def is_public(repo: Mapping[str, Any]) -> bool:
    visibility = repo.get("visibility")
    if isinstance(visibility, str):
        return visibility == "public"
    return repo.get("private") is False


def login_of(user: object) -> str:
    return str(user.get("login") or "") if isinstance(user, Mapping) else ""


@dataclass(frozen=True)
class RepoView:
    """One repository as a check sees it: its listing entry and the per-repo sources asked for."""

    full_name: str
    repo: Mapping[str, Any]
    values: Mapping[str, Any]
    missing: tuple[str, ...] = ()

    @property
    def default_branch(self) -> str:
        return str(self.repo.get("default_branch") or "main")

    def result(
        self, check_id: str, status: str, message: str, data: Mapping[str, Any] | None = None
    ) -> CheckResult:
        return CheckResult(
            check_id,
            status,
            self.full_name,
            REPO,
            message,
            data={"repository": self.full_name, **(data or {})},
        )

    def not_collected(self, check_id: str) -> CheckResult:
        names = ", ".join(self.missing)
        return self.result(
            check_id,
            ERROR,
            f"Could not evaluate: {names} was not collected for {self.full_name}.",
            {"notCollected": list(self.missing)},
        )


def each_repo(
    inv: GithubInventory, sources: tuple[str, ...], *, public_only: bool = False
) -> Iterator[RepoView]:
    """Collected repositories whose ``sources`` all succeeded (``repos`` itself is implicit).

    A repository whose fetch of any source failed is skipped: its ERROR comes from the runner.
    A source with neither a value nor an error for the repository is reported in ``missing``.
    """
    if inv.repos is None or inv.failed("repos"):
        return
    per_repo = [s for s in sources if s != "repos"]
    for repo in inv.repos:
        full = str(repo.get("full_name"))
        if public_only and not is_public(repo):
            continue
        if any(inv.failed(s, full) for s in per_repo):
            continue
        values: dict[str, Any] = {}
        missing: list[str] = []
        for source in per_repo:
            mapping = getattr(inv, source)
            if full in mapping:
                values[source] = mapping[full]
            else:
                missing.append(source)
        yield RepoView(full, repo, values, tuple(missing))


def _enabled(obj: object) -> bool:
    """Classic protection toggles are ``{"enabled": bool}`` objects (absent = default off)."""
    return isinstance(obj, Mapping) and obj.get("enabled") is True


@dataclass(frozen=True)
class BranchPolicy:
    """The effective protection of a default branch: classic protection + active rulesets."""

    classic: Mapping[str, Any] | None
    rules: tuple[Mapping[str, Any], ...] = ()
    rulesets: tuple[Mapping[str, Any], ...] = ()
    _by_id: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, view: RepoView) -> BranchPolicy:
        rulesets = tuple(view.values.get("rulesets") or ())
        by_id = {int(r.get("id") or 0): r for r in rulesets}
        rules = []
        for rule in view.values.get("branch_rules") or ():
            # The rules endpoint only lists active rulesets' rules; a hand-built or future
            # inventory may not, so drop rules whose ruleset is known to be non-active.
            rs = by_id.get(int(rule.get("ruleset_id") or 0))
            if rs is not None and rs.get("enforcement", "active") != "active":
                continue
            rules.append(rule)
        return cls(view.values.get("branch_protection"), tuple(rules), rulesets, by_id)

    # -- what provides protection --

    @property
    def protected(self) -> bool:
        return self.classic is not None or bool(self.rules)

    def active_rulesets(self) -> list[Mapping[str, Any]]:
        ids = {int(r.get("ruleset_id") or 0) for r in self.rules}
        known = [self._by_id[i] for i in sorted(ids) if i in self._by_id]
        return known

    def mechanisms(self) -> list[str]:
        out = ["classic branch protection"] if self.classic is not None else []
        seen: set[int] = set()
        for rule in self.rules:
            rid = int(rule.get("ruleset_id") or 0)
            if rid in seen:
                continue
            seen.add(rid)
            rs = self._by_id.get(rid) or {}
            name = rs.get("name") or f"#{rid}"
            source = rule.get("ruleset_source") or rs.get("source") or "?"
            out.append(
                f"ruleset {name!r} ({rule.get('ruleset_source_type', 'Repository')} {source})"
            )
        return out

    def _rules_of(self, kind: str) -> list[Mapping[str, Any]]:
        return [r for r in self.rules if r.get("type") == kind]

    def _params(self, kind: str) -> list[Mapping[str, Any]]:
        return [r.get("parameters") or {} for r in self._rules_of(kind)]

    @property
    def _reviews(self) -> Mapping[str, Any] | None:
        if self.classic is None:
            return None
        reviews = self.classic.get("required_pull_request_reviews")
        return reviews if isinstance(reviews, Mapping) else None

    # -- the questions checks ask --

    @property
    def requires_pull_request(self) -> bool:
        return self._reviews is not None or bool(self._rules_of("pull_request"))

    @property
    def required_approvals(self) -> int:
        counts = [
            int(p.get("required_approving_review_count") or 0) for p in self._params("pull_request")
        ]
        if self._reviews is not None:
            counts.append(int(self._reviews.get("required_approving_review_count") or 0))
        return max(counts, default=0)

    @property
    def dismiss_stale_reviews(self) -> bool:
        classic = self._reviews is not None and self._reviews.get("dismiss_stale_reviews") is True
        return classic or any(
            p.get("dismiss_stale_reviews_on_push") is True for p in self._params("pull_request")
        )

    @property
    def code_owner_review(self) -> bool:
        classic = (
            self._reviews is not None and self._reviews.get("require_code_owner_reviews") is True
        )
        return classic or any(
            p.get("require_code_owner_review") is True for p in self._params("pull_request")
        )

    @property
    def status_checks(self) -> list[str]:
        names: list[str] = []
        if self.classic is not None:
            rsc = self.classic.get("required_status_checks") or {}
            names += [str(c) for c in rsc.get("contexts") or []]
            names += [
                str(c.get("context")) for c in rsc.get("checks") or [] if isinstance(c, Mapping)
            ]
        for params in self._params("required_status_checks"):
            names += [
                str(c.get("context"))
                for c in params.get("required_status_checks") or []
                if isinstance(c, Mapping)
            ]
        return sorted(set(n for n in names if n and n != "None"))

    @property
    def force_push_blocked(self) -> bool:
        classic = self.classic is not None and not _enabled(self.classic.get("allow_force_pushes"))
        return classic or bool(self._rules_of("non_fast_forward"))

    @property
    def deletion_blocked(self) -> bool:
        classic = self.classic is not None and not _enabled(self.classic.get("allow_deletions"))
        return classic or bool(self._rules_of("deletion"))

    @property
    def signatures_required(self) -> bool | None:
        """True/False, or None when classic protection could not say (see sentinel_errors)."""
        if self._rules_of("required_signatures"):
            return True
        if self.classic is None:
            return False
        if "required_signatures" not in self.classic:
            return None
        return _enabled(self.classic.get("required_signatures"))

    def admin_enforcement(self) -> tuple[bool | None, list[str]]:
        """(enforced on admins?, reasons). None when bypass lists are not visible to the token.

        Classic protection binds admins only with ``enforce_admins``; a ruleset binds everyone
        except its bypass actors. Either mechanism enforcing review on everyone is enough.
        """
        reasons: list[str] = []
        if self.classic is not None:
            if _enabled(self.classic.get("enforce_admins")):
                return True, ["classic protection applies to administrators (enforce_admins)"]
            reasons.append("classic protection does not include administrators")
        unknown = False
        for rs in self.active_rulesets():
            if "bypass_actors" not in rs:
                unknown = True
                reasons.append(
                    f"ruleset {rs.get('name')!r}: bypass actors not visible to the token"
                )
                continue
            actors = rs.get("bypass_actors") or []
            if not actors:
                return True, [f"ruleset {rs.get('name')!r} has no bypass actors"]
            listed = ", ".join(
                f"{a.get('actor_type')}#{a.get('actor_id')} ({a.get('bypass_mode', 'always')})"
                for a in actors
            )
            reasons.append(f"ruleset {rs.get('name')!r} can be bypassed by {listed}")
        if self.rules and not self.active_rulesets():
            unknown = True
            reasons.append("the rulesets behind the branch rules were not collected")
        return (None if unknown else False), reasons

    def summary(self) -> dict[str, Any]:
        """The slice of data behind every protection verdict, for the evidence item."""
        return {
            "protectedBy": self.mechanisms(),
            "classicProtection": self.classic is not None,
            "activeRulesets": [
                {"id": r.get("id"), "name": r.get("name"), "enforcement": r.get("enforcement")}
                for r in self.active_rulesets()
            ],
            "ruleTypes": sorted({str(r.get("type")) for r in self.rules}),
        }
