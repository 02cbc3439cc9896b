"""Compliance frameworks as data: one YAML file per framework, discovered from this directory.

A framework is the file ``<name>.yaml`` beside this module; its ``id`` is the file name upper-cased
(``acme-sec.yaml`` holds ``ACME-SEC``), so the list of frameworks is a directory listing and adding
one is a data change (plus ``controls: {ID: [...]}`` mappings in the check catalogues). Besides its
controls and their groups, a file says what the generic code needs to present it:

``id``, ``name``, ``version``, ``citation``
    The id users and the API use, the full name, the edition, and how a report cover cites the
    framework (the name unless given).
``label``
    A short name for table headers and report lines.
``order``
    Where it sits in lists (dashboard, tables); files without one come last, by id.
``aliases``
    Other spellings users type; matching ignores case, spaces, ``-``, ``_``, ``.`` and ``/``.
``category_name``, ``controls_name``
    What the framework calls its top-level split (``category``, ``theme``, ``function``: the key
    groups and controls carry it under) and its controls in a heading (``criteria``).
``soa``
    Whether a Statement of Applicability lists every control (reports then summarise the
    uncovered ones instead of printing each).
``scope_label``
    Optional: the report-cover line that lists the categories in scope. A group marked
    ``optional: true`` is in scope only when evidence or a policy covers it.

This module parses those files (once per process, cached, lazily: importing it costs no I/O),
resolves the framework ids users type (any case, or an alias) and the control ids they type
(``cc6.1``, ``8.5``, ``pr.aa-3``), and validates that the control ids named by check
catalogues really exist. Unknown framework or control ids are user input errors and raise
``InvalidInput`` with the allowed values; malformed data files are bugs and raise ``ValueError``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from sentinel_cli.errors import InvalidInput
from sentinel_cli.yamlio import load_yaml

DIRECTORY = Path(__file__).parent
"""Where the framework files are, read at each call (parsed once per directory): a test points it
at a copy with one more file to show that a framework needs no code."""


class MapsControls(Protocol):
    """What ``unknown_controls`` reads of a check's metadata (``checks.base.CheckMeta``); named
    here so the base layer need not import the checks."""

    @property
    def id(self) -> str: ...

    @property
    def controls(self) -> Mapping[str, Sequence[str]]: ...


@dataclass(frozen=True)
class Control:
    """One control. ``category`` is its group's place in the framework's top-level split: the
    framework's ``category_name`` says what that is called (category, theme, function ...)."""

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
    label: str = ""
    aliases: tuple[str, ...] = ()
    order: int | None = None
    category_name: str = "category"
    controls_name: str = "controls"
    soa: bool = False
    scope_label: str | None = None
    citation: str = ""

    @property
    def optional_groups(self) -> frozenset[str]:
        """Groups in scope only where evidence or a policy covers them."""
        return frozenset(str(g["id"]) for g in self.groups if g.get("optional"))


def _alias_key(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch not in " -_/.")


@cache
def _file_ids(directory: Path) -> tuple[str, ...]:
    """The framework ids the file names promise, without parsing a file: cheap enough for the
    evidence listing, which pads every item's controls with every framework."""
    return tuple(sorted(path.stem.upper() for path in directory.glob("*.yaml")))


def discover() -> tuple[Framework, ...]:
    """Every framework of ``DIRECTORY``, parsed, in display order (``order``, then id)."""
    return _discover(DIRECTORY)


@cache
def _discover(directory: Path) -> tuple[Framework, ...]:
    frameworks = [_load_file(path) for path in sorted(directory.glob("*.yaml"))]
    frameworks.sort(key=lambda f: (f.order is None, f.order or 0, f.id))
    return tuple(frameworks)


@cache
def _load_file(path: Path) -> Framework:
    framework = _parse(load_yaml(path.read_text(encoding="utf-8")) or {}, source=path.name)
    if framework.id != path.stem.upper():
        raise ValueError(f"{path.name}: id {framework.id!r} must be the file name upper-cased")
    return framework


def framework_ids() -> tuple[str, ...]:
    """Every framework id, in display order."""
    return tuple(f.id for f in discover())


def all_frameworks() -> list[Framework]:
    """Every framework, in display order."""
    return list(discover())


def with_every_framework(controls: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """``controls`` (framework id -> control ids) with an empty list for each framework it does
    not name, so a JSON consumer always finds every framework's key. Reads no framework file."""
    out = {fid: list(ids) for fid, ids in controls.items()}
    for fid in _file_ids(DIRECTORY):
        out.setdefault(fid, [])
    return out


@cache
def _aliases(directory: Path) -> dict[str, str]:
    """Accepted spellings (see ``_alias_key``) -> framework id: ids, labels and aliases."""
    table: dict[str, str] = {}
    for framework in _discover(directory):
        for spelling in (framework.id, framework.label, *framework.aliases):
            key = _alias_key(spelling)
            if not key:
                continue
            if table.get(key, framework.id) != framework.id:
                raise ValueError(f"alias {spelling!r} names both {table[key]} and {framework.id}")
            table[key] = framework.id
    return table


def resolve_framework_id(raw: str) -> str:
    """Canonical framework id for what a user typed, case-insensitively, aliases included.

    An id as the file names spell it parses no file (``evidence list --framework ID`` is the CI
    gate's path); an alias or a label reads them all."""
    key = _alias_key(raw or "")
    by_name = {_alias_key(fid): fid for fid in _file_ids(DIRECTORY)}
    if key in by_name:
        return by_name[key]
    canonical = _aliases(DIRECTORY).get(key)
    if canonical is None:
        allowed = ", ".join(framework_ids())
        aliases = ", ".join(
            alias for framework in discover() for alias in framework.aliases if alias
        )
        raise InvalidInput(
            f"unknown framework {raw!r}: expected one of {allowed}",
            hint=f"use one of {allowed}" + (f" (aliases: {aliases})" if aliases else ""),
        )
    return canonical


def load_framework(framework_id: str) -> Framework:
    """The framework named by ``framework_id`` (case-insensitive; aliases accepted)."""
    return _load_file(_path_of(resolve_framework_id(framework_id)))


def _path_of(canonical_id: str) -> Path:
    return next(p for p in DIRECTORY.glob("*.yaml") if p.stem.upper() == canonical_id)


def _parse(raw: Mapping[str, Any], *, source: str) -> Framework:
    """Build a Framework from parsed YAML, rejecting data that would silently mislead reports."""
    try:
        category_name = str(raw.get("category_name") or "category")
        groups = [dict(g) for g in raw.get("groups") or []]
        group_ids = [str(g["id"]) for g in groups]
        if len(set(group_ids)) != len(group_ids):
            raise ValueError("duplicate group id")
        by_group = dict(zip(group_ids, groups, strict=True))
        controls: dict[str, Control] = {}
        for entry in raw.get("controls") or []:
            group = str(entry["group"])
            if group not in by_group:
                raise ValueError(f"control {entry['id']} names unknown group {group}")
            control = Control(
                id=str(entry["id"]),
                title=str(entry["title"]).strip(),
                description=str(entry.get("description") or "").strip(),
                # A control may leave its category to its group (CSF subcategories do).
                category=str(entry.get(category_name) or by_group[group][category_name]),
                group=group,
            )
            if control.id in controls:
                raise ValueError(f"control {control.id} listed twice")
            if not control.title:
                raise ValueError(f"control {control.id} has no title")
            controls[control.id] = control
        order = raw.get("order")
        return Framework(
            id=str(raw["id"]),
            name=str(raw["name"]),
            version=str(raw["version"]),
            controls=controls,
            groups=groups,
            label=str(raw.get("label") or raw["id"]),
            aliases=tuple(str(a) for a in raw.get("aliases") or ()),
            order=int(order) if order is not None else None,
            category_name=category_name,
            controls_name=str(raw.get("controls_name") or "controls"),
            soa=bool(raw.get("soa", False)),
            scope_label=str(raw["scope_label"]) if raw.get("scope_label") else None,
            citation=str(raw.get("citation") or raw["name"]),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{source}: malformed framework data ({exc!r})") from exc
    except ValueError as exc:
        raise ValueError(f"{source}: {exc}") from exc


_LEADING_ZEROS = re.compile(r"(?<=[-.])0+(?=\d)")


@cache
def _control_lookup(directory: Path, canonical_id: str) -> dict[str, str]:
    """Accepted spellings (upper-cased, no spaces) -> control id.

    Besides the exact id, an annex-style ``A.8.5`` is also reachable as ``A8.5`` and ``8.5``,
    because people quote annex controls both with and without the annex prefix, and a
    zero-padded ``PR.AA-03`` as ``PR.AA-3``, as earlier editions of some standards wrote them.
    """
    lookup: dict[str, str] = {}
    path = next(p for p in directory.glob("*.yaml") if p.stem.upper() == canonical_id)
    for cid in _load_file(path).controls:
        key = cid.upper()
        lookup[key] = cid
        if key.startswith("A."):
            lookup.setdefault(key[2:], cid)
            lookup.setdefault("A" + key[2:], cid)
        lookup.setdefault(_LEADING_ZEROS.sub("", key), cid)
    return lookup


def normalize_control_id(framework_id: str, raw: str) -> str:
    """The canonical id of a control as typed by a user (``cc6.1`` -> ``CC6.1``, ``8.5`` ->
    ``A.8.5``). Raises ``InvalidInput`` with a few examples when there is no such control."""
    framework = load_framework(framework_id)
    key = "".join((raw or "").split()).upper()
    found = _control_lookup(DIRECTORY, framework.id).get(key)
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
    does not define (or to a framework there is no file for). Empty means every mapping is valid.

    Accepts ``checks.all_metadata()`` (a mapping in which aliases repeat a check) or any iterable
    of CheckMeta. Framework and control ids must be written exactly as in the framework file
    (``CC6.1``, ``A.8.5``): catalogues are data other tools read, so we do not tolerate
    loose spellings there.
    """
    items = metas.values() if isinstance(metas, Mapping) else metas
    known = {f.id: f.controls for f in discover()}
    seen: set[str] = set()
    problems: list[tuple[str, str, str]] = []
    for meta in items:
        if meta.id in seen:
            continue
        seen.add(meta.id)
        for framework_id, control_ids in meta.controls.items():
            controls = known.get(framework_id, {})
            problems.extend(
                (meta.id, framework_id, cid) for cid in control_ids if cid not in controls
            )
    return sorted(problems)


__all__ = [
    "DIRECTORY",
    "Control",
    "Framework",
    "all_frameworks",
    "control_title",
    "discover",
    "framework_ids",
    "load_framework",
    "normalize_control_id",
    "resolve_framework_id",
    "unknown_controls",
    "with_every_framework",
]
