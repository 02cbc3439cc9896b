"""Compliance frameworks as data: SOC 2 and ISO/IEC 27001:2022 control catalogues.

Each framework is one YAML file beside this module (``soc2.yaml``, ``iso27001.yaml``) listing its
groups and controls, so adding or correcting a control is a data change reviewers can read without
Python. This module only parses those files (once per process, cached), resolves the framework ids
users type (``soc2``, ``iso``, ``ISO-27001`` ...) and the control ids they type (``cc6.1``,
``8.5``), and validates that the control ids named by check catalogues really exist. Parsing is
lazy, so importing the module costs no I/O (architecture principle 5).

Unknown framework or control ids are user input errors and raise ``InvalidInput`` with the allowed
values; malformed data files are bugs in Sentinel and raise ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Protocol

from sentinel_cli.errors import InvalidInput
from sentinel_cli.yamlio import load_yaml


class MapsControls(Protocol):
    """What ``unknown_controls`` reads of a check's metadata (``checks.base.CheckMeta``); named
    here so the base layer need not import the checks."""

    @property
    def id(self) -> str: ...

    @property
    def controls(self) -> Mapping[str, list[str]]: ...


FRAMEWORK_IDS: tuple[str, ...] = ("SOC2", "ISO27001")

_FILES: dict[str, str] = {"SOC2": "soc2.yaml", "ISO27001": "iso27001.yaml"}

# Keys are the user's spelling upper-cased with separators removed (see _alias_key).
_ALIASES: dict[str, str] = {
    "SOC2": "SOC2",
    "ISO27001": "ISO27001",
    "ISO": "ISO27001",
    "ISOIEC27001": "ISO27001",
}


@dataclass(frozen=True)
class Control:
    """One control or criterion. ``category`` is the SOC 2 category or the ISO 27001 theme."""

    id: str
    title: str
    description: str
    category: str
    group: str


@dataclass(frozen=True)
class Framework:
    """A parsed framework. Instances are cached and shared: treat ``controls``/``groups`` as
    read-only. ``controls`` keeps the order of the data file, which is the standard's order."""

    id: str
    name: str
    version: str
    controls: dict[str, Control]
    groups: list[dict[str, Any]]


def _alias_key(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch not in " -_/.")


def resolve_framework_id(raw: str) -> str:
    """Canonical framework id for what a user typed, case-insensitively, aliases included."""
    canonical = _ALIASES.get(_alias_key(raw or ""))
    if canonical is None:
        allowed = ", ".join(FRAMEWORK_IDS)
        raise InvalidInput(
            f"unknown framework {raw!r}: expected one of {allowed}",
            hint=f"use one of {allowed} (aliases: soc2, iso27001, ISO-27001, iso)",
        )
    return canonical


def load_framework(framework_id: str) -> Framework:
    """The framework named by ``framework_id`` (case-insensitive; aliases accepted)."""
    return _load(resolve_framework_id(framework_id))


def all_frameworks() -> list[Framework]:
    """Every shipped framework, in ``FRAMEWORK_IDS`` order."""
    return [_load(fid) for fid in FRAMEWORK_IDS]


@cache
def _load(canonical_id: str) -> Framework:
    filename = _FILES[canonical_id]
    text = resources.files(__name__).joinpath(filename).read_text(encoding="utf-8")
    raw = load_yaml(text) or {}
    return _parse(raw, source=filename)


def _parse(raw: Mapping[str, Any], *, source: str) -> Framework:
    """Build a Framework from parsed YAML, rejecting data that would silently mislead reports."""
    try:
        groups = [dict(g) for g in raw.get("groups") or []]
        group_ids = [str(g["id"]) for g in groups]
        if len(set(group_ids)) != len(group_ids):
            raise ValueError("duplicate group id")
        controls: dict[str, Control] = {}
        for entry in raw.get("controls") or []:
            control = Control(
                id=str(entry["id"]),
                title=str(entry["title"]).strip(),
                description=str(entry["description"]).strip(),
                # ISO 27001 calls its top-level split "theme", SOC 2 "category": one field here.
                category=str(entry.get("category") or entry["theme"]),
                group=str(entry["group"]),
            )
            if control.id in controls:
                raise ValueError(f"control {control.id} listed twice")
            if control.group not in group_ids:
                raise ValueError(f"control {control.id} names unknown group {control.group}")
            controls[control.id] = control
        return Framework(
            id=str(raw["id"]),
            name=str(raw["name"]),
            version=str(raw["version"]),
            controls=controls,
            groups=groups,
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{source}: malformed framework data ({exc!r})") from exc
    except ValueError as exc:
        raise ValueError(f"{source}: {exc}") from exc


@cache
def _control_lookup(canonical_id: str) -> dict[str, str]:
    """Accepted spellings (upper-cased, no spaces) -> control id.

    Besides the exact id, an ISO-style ``A.8.5`` is also reachable as ``A8.5`` and ``8.5``,
    because people quote Annex A controls both with and without the annex prefix.
    """
    lookup: dict[str, str] = {}
    for cid in _load(canonical_id).controls:
        key = cid.upper()
        lookup[key] = cid
        if key.startswith("A."):
            lookup.setdefault(key[2:], cid)
            lookup.setdefault("A" + key[2:], cid)
    return lookup


def normalize_control_id(framework_id: str, raw: str) -> str:
    """The canonical id of a control as typed by a user (``cc6.1`` -> ``CC6.1``, ``8.5`` ->
    ``A.8.5``). Raises ``InvalidInput`` with a few examples when there is no such control."""
    framework = load_framework(framework_id)
    key = "".join((raw or "").split()).upper()
    found = _control_lookup(framework.id).get(key)
    if found is None:
        ids = list(framework.controls)
        picks = [ids[0], ids[len(ids) // 3], ids[2 * len(ids) // 3], ids[-1]] if ids else []
        examples = ", ".join(dict.fromkeys(picks))
        raise InvalidInput(
            f"unknown {framework.id} control {raw!r}",
            hint=f"{framework.id} control ids look like: {examples}",
        )
    return found


def control_title(framework_id: str, control_id: str) -> str | None:
    """Title of a control, or ``None`` when the framework has no such control.

    An unknown *framework* still raises ``InvalidInput``: that is a caller error, not a lookup
    miss.
    """
    framework = load_framework(framework_id)
    try:
        return framework.controls[normalize_control_id(framework.id, control_id)].title
    except InvalidInput:
        return None


def unknown_controls(
    metas: Mapping[str, MapsControls] | Iterable[MapsControls],
) -> list[tuple[str, str, str]]:
    """Every ``(check_id, framework_id, control_id)`` where a check maps to a control the framework
    does not define. Empty means every mapping is valid.

    Accepts ``checks.all_metadata()`` (a mapping in which aliases repeat a check) or any iterable
    of CheckMeta. Ids must be written exactly as in the framework file (``CC6.1``, ``A.8.5``):
    catalogues are data other tools read, so we do not tolerate loose spellings there.
    """
    items = metas.values() if isinstance(metas, Mapping) else metas
    seen: set[str] = set()
    problems: list[tuple[str, str, str]] = []
    for meta in items:
        if meta.id in seen:
            continue
        seen.add(meta.id)
        for framework_id, control_ids in meta.controls.items():
            known = _load(resolve_framework_id(framework_id)).controls
            problems.extend((meta.id, framework_id, cid) for cid in control_ids if cid not in known)
    return sorted(problems)


__all__ = [
    "FRAMEWORK_IDS",
    "Control",
    "Framework",
    "all_frameworks",
    "control_title",
    "load_framework",
    "normalize_control_id",
    "resolve_framework_id",
    "unknown_controls",
]
