"""Policy templates: the index, field resolution and safe Markdown rendering.

The templates are Jinja2 Markdown files in the ``policy_templates`` folder, shipped in the wheel as
the package ``sentinel_cli.policy_templates``. ``index.yaml`` beside them describes every template
(title, version, the controls of each framework it satisfies) and every field a
template may use (type, whether it is required, default, description).

Rendering is safe by construction: templates run in Jinja2's ``SandboxedEnvironment`` with
``StrictUndefined``, and user data is only ever passed to a template as *variables*. A field value
is never compiled as a template, so ``{{ 7*7 }}`` in a company name comes out literally. String
fields are single-line text (no control characters), so a value cannot break the Markdown structure
by starting a new heading or table row.

A draft may be rendered before every required field is known (``allow_missing``): each missing
field then reads as a placeholder built from its name alone (``securityOfficer`` ->
``[Security Officer]``), never from user data, and reaches the template as a variable like any
value, so a placeholder cannot carry template or Markdown syntax of its own.

Nothing here produces PDF; the PDF renderer consumes the Markdown returned by ``render_policy``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any

import yaml

from sentinel_cli.errors import InvalidInput, NotFound
from sentinel_cli.timeutil import add_months as shift_months
from sentinel_cli.yamlio import load_yaml

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

TEMPLATES_PACKAGE = "sentinel_cli.policy_templates"
INDEX_FILE = "index.yaml"
INDEX_VERSION = 1
FIELD_TYPES: tuple[str, ...] = ("string", "integer", "email", "date", "list")
# Variables every template receives besides its declared fields.
CONTEXT_VARIABLES: frozenset[str] = frozenset(
    {"generatedAt", "templateVersion", "policyTitle", "policyId"}
)
# A date field whose default is this word defaults to the day the policy is rendered.
TODAY = "today"

_FIELD_NAME = re.compile(r"^[a-z][A-Za-z0-9]*$")
_TEMPLATE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TEMPLATE_FILE = re.compile(r"^[a-z0-9][a-z0-9_.-]*\.md\.j2$")
_VERSION = re.compile(r"^\d+\.\d+\.\d+$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_EMAIL = re.compile(r"^[^@\s<>(),;:\"]+@[^@\s<>(),;:\"]+\.[^@\s<>(),;:\"]+$")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


class PolicyIndexError(ValueError):
    """``index.yaml`` is malformed: a packaging bug, not something a user can fix."""


class FieldValidationError(InvalidInput):
    """Some fields are missing or have values of the wrong type; all of them are listed at once."""

    def __init__(
        self,
        message: str,
        *,
        missing: Iterable[str] = (),
        invalid: Mapping[str, str] | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.missing: tuple[str, ...] = tuple(missing)
        self.invalid: dict[str, str] = dict(invalid or {})


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    required: bool
    default: Any
    description: str
    example: Any = None


@dataclass(frozen=True)
class PolicyTemplate:
    id: str
    title: str
    description: str
    version: str
    file: str
    category: str
    controls: Mapping[str, tuple[str, ...]]
    """Framework id -> the controls the policy satisfies (ids as in the framework's file)."""
    clauses: Mapping[str, tuple[str, ...]]
    """Framework id -> requirements it satisfies outside the framework's controls."""
    fields: tuple[FieldSpec, ...]

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.fields)

    @property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.fields if spec.required)

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)


# --------------------------------------------------------------------------------------------------
# Index


def templates_dir() -> Traversable:
    """The folder holding the templates and ``index.yaml`` (from a wheel or an editable install)."""
    return resources.files(TEMPLATES_PACKAGE)


def template_source(template: PolicyTemplate | str) -> str:
    """The raw Jinja2 source of a template (for review tools and tests)."""
    tpl = _as_template(template)
    return templates_dir().joinpath(tpl.file).read_text(encoding="utf-8")


@functools.cache
def load_fields() -> dict[str, FieldSpec]:
    """Every field declared in the index, shared by the templates, keyed by name."""
    return _load()[0]


@functools.cache
def load_index() -> dict[str, PolicyTemplate]:
    """Every policy template keyed by id, in index order."""
    return _load()[1]


def list_templates() -> list[PolicyTemplate]:
    return list(load_index().values())


def get_template(template_id: str) -> PolicyTemplate:
    index = load_index()
    try:
        return index[template_id]
    except KeyError:
        raise NotFound(
            f"Unknown policy template '{template_id}'.",
            hint="Known templates: " + ", ".join(index),
        ) from None


def unknown_fields(data: Mapping[str, Any]) -> list[str]:
    """Keys of ``data`` that no template declares (likely typos); callers may warn about them."""
    known = load_fields()
    return sorted(key for key in data if key not in known)


@functools.cache
def _load() -> tuple[dict[str, FieldSpec], dict[str, PolicyTemplate]]:
    folder = templates_dir()
    try:
        raw = load_yaml(folder.joinpath(INDEX_FILE).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyIndexError(f"cannot read policy template index: {exc}") from exc
    if not isinstance(raw, dict) or raw.get("version") != INDEX_VERSION:
        raise PolicyIndexError(f"{INDEX_FILE}: expected a mapping with 'version: {INDEX_VERSION}'")

    fields: dict[str, FieldSpec] = {}
    raw_fields = raw.get("fields")
    if not isinstance(raw_fields, dict) or not raw_fields:
        raise PolicyIndexError(f"{INDEX_FILE}: 'fields' must be a non-empty mapping")
    for name, spec in raw_fields.items():
        fields[name] = _parse_field(name, spec)

    templates: dict[str, PolicyTemplate] = {}
    raw_templates = raw.get("templates")
    if not isinstance(raw_templates, list) or not raw_templates:
        raise PolicyIndexError(f"{INDEX_FILE}: 'templates' must be a non-empty list")
    for entry in raw_templates:
        tpl = _parse_template(entry, fields, folder)
        if tpl.id in templates:
            raise PolicyIndexError(f"{INDEX_FILE}: duplicate template id {tpl.id!r}")
        templates[tpl.id] = tpl
    return fields, templates


def _parse_field(name: Any, spec: Any) -> FieldSpec:
    where = f"{INDEX_FILE}: field {name!r}"
    if not isinstance(name, str) or not _FIELD_NAME.match(name):
        raise PolicyIndexError(f"{where}: names are camelCase (letters and digits)")
    if name in CONTEXT_VARIABLES:
        raise PolicyIndexError(f"{where}: the name is reserved for the rendering context")
    if not isinstance(spec, dict):
        raise PolicyIndexError(f"{where}: expected a mapping")
    unknown = set(spec) - {"type", "required", "default", "description", "example"}
    if unknown:
        raise PolicyIndexError(f"{where}: unknown keys {sorted(unknown)}")
    ftype = spec.get("type")
    if ftype not in FIELD_TYPES:
        raise PolicyIndexError(f"{where}: type must be one of {', '.join(FIELD_TYPES)}")
    required = spec.get("required", False)
    if not isinstance(required, bool):
        raise PolicyIndexError(f"{where}: 'required' must be true or false")
    description = spec.get("description")
    if not isinstance(description, str) or not description.strip():
        raise PolicyIndexError(f"{where}: a description is required")
    default = spec.get("default")
    if not _is_blank(default):
        if ftype == "date" and default == TODAY:
            pass
        else:
            probe = FieldSpec(name, ftype, required, None, description)
            try:
                default = _coerce(probe, default)
            except ValueError as exc:
                raise PolicyIndexError(f"{where}: bad default: {exc}") from exc
    if isinstance(default, list):
        default = tuple(default)
    example = spec.get("example")
    if isinstance(example, dt.date):
        example = example.isoformat()
    return FieldSpec(name, ftype, required, default, description.strip(), example)


def _parse_template(
    entry: Any, fields: Mapping[str, FieldSpec], folder: Traversable
) -> PolicyTemplate:
    if not isinstance(entry, dict):
        raise PolicyIndexError(f"{INDEX_FILE}: every template entry must be a mapping")
    tid = entry.get("id")
    where = f"{INDEX_FILE}: template {tid!r}"
    if not isinstance(tid, str) or not _TEMPLATE_ID.match(tid):
        raise PolicyIndexError(f"{where}: ids are kebab-case")
    for key in ("title", "description", "category"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise PolicyIndexError(f"{where}: '{key}' is required")
    version = entry.get("version")
    if not isinstance(version, str) or not _VERSION.match(version):
        raise PolicyIndexError(
            f"{where}: 'version' must be a quoted semantic version like \"1.0.0\""
        )
    file = entry.get("file")
    if not isinstance(file, str) or not _TEMPLATE_FILE.match(file):
        raise PolicyIndexError(f"{where}: 'file' must name a .md.j2 file in the templates folder")
    if not folder.joinpath(file).is_file():
        raise PolicyIndexError(f"{where}: template file {file!r} does not exist")

    def id_list(key: str, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise PolicyIndexError(f"{where}: '{key}' must be a list of strings")
        if len(set(value)) != len(value):
            raise PolicyIndexError(f"{where}: '{key}' lists an id twice")
        return tuple(value)

    def by_framework(key: str) -> dict[str, tuple[str, ...]]:
        value = entry.get(key) or {}
        if not isinstance(value, dict):
            raise PolicyIndexError(f"{where}: '{key}' must map framework ids to lists of ids")
        return {str(fid): id_list(f"{key}.{fid}", ids) for fid, ids in value.items()}

    field_names = entry.get("fields")
    if not isinstance(field_names, list) or not field_names:
        raise PolicyIndexError(f"{where}: 'fields' must list the fields the template uses")
    specs: list[FieldSpec] = []
    for name in field_names:
        if name not in fields:
            raise PolicyIndexError(f"{where}: field {name!r} is not declared under 'fields'")
        if any(spec.name == name for spec in specs):
            raise PolicyIndexError(f"{where}: field {name!r} listed twice")
        specs.append(fields[name])
    return PolicyTemplate(
        id=tid,
        title=entry["title"].strip(),
        description=" ".join(entry["description"].split()),
        version=version,
        file=file,
        category=entry["category"].strip(),
        controls=by_framework("controls"),
        clauses=by_framework("clauses"),
        fields=tuple(specs),
    )


def _as_template(template: PolicyTemplate | str) -> PolicyTemplate:
    return template if isinstance(template, PolicyTemplate) else get_template(template)


# --------------------------------------------------------------------------------------------------
# Fields


def placeholder(name: str) -> str:
    """The visible stand-in for a missing field: ``securityOfficerEmail`` -> ``[Security Officer
    Email]``. Built from the field name only (validated camelCase), so it holds no user data."""
    words = _WORD_START.sub(" ", name).split()
    return "[" + " ".join(word[:1].upper() + word[1:] for word in words) + "]"


def missing_fields(template: PolicyTemplate | str, fields: Mapping[str, Any]) -> list[str]:
    """Required fields of ``template`` without a value in ``fields`` (resolved values), in
    template order."""
    tpl = _as_template(template)
    return [spec.name for spec in tpl.fields if spec.required and _is_blank(fields.get(spec.name))]


def resolve_fields(
    template: PolicyTemplate | str,
    data: Mapping[str, Any] | None = None,
    *,
    today: dt.date | None = None,
    allow_missing: bool = False,
) -> dict[str, Any]:
    """The values a template will see: defaults overlaid with ``data``, each coerced to its type.

    Returns every field the template declares (and only those; other keys of ``data``, such as
    company-profile fields used by other templates, are ignored). Optional fields with neither a
    value nor a default are ``None`` (``[]`` for lists). Values are JSON-friendly: dates as
    ``YYYY-MM-DD`` strings, lists as lists of strings. Raises ``InvalidInput`` (a
    ``FieldValidationError``) naming every missing required field and every badly typed value in
    one message. With ``allow_missing`` (a draft), a missing required field is left empty like an
    optional one (``missing_fields`` names them); a badly typed value is still refused.
    """
    tpl = _as_template(template)
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise InvalidInput(
            "Policy data must be a mapping of field names to values.",
            hint="Use NAME=VALUE pairs or a YAML/JSON file holding a mapping.",
        )
    resolved: dict[str, Any] = {}
    missing: list[str] = []
    invalid: dict[str, str] = {}
    for spec in tpl.fields:
        value = data.get(spec.name)
        if _is_blank(value):
            value = spec.default
        if _is_blank(value):
            resolved[spec.name] = [] if spec.type == "list" else None
            if spec.required and not allow_missing:
                missing.append(spec.name)
            continue
        try:
            resolved[spec.name] = _coerce(spec, value, today=today)
        except ValueError as exc:
            invalid[spec.name] = str(exc)
    if missing or invalid:
        parts = []
        if missing:
            parts.append("missing required field(s): " + ", ".join(missing))
        if invalid:
            parts.append(
                "invalid value(s): " + "; ".join(f"{name} {why}" for name, why in invalid.items())
            )
        raise FieldValidationError(
            f"Cannot generate {tpl.id}: " + "; ".join(parts) + ".",
            missing=missing,
            invalid=invalid,
            hint="Set each field with --set NAME=VALUE, in a --data YAML/JSON file, "
            "or once in the company profile.",
        )
    return resolved


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple):
        return not any(not _is_blank(item) for item in value)
    return False


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _text(value: Any, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float | dt.date):
        raise ValueError(f"must be {what}, got {type(value).__name__}")
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    text = text.strip()
    if _CONTROL_CHARS.search(text):
        raise ValueError("must be a single line of text (no line breaks or control characters)")
    return text


def _coerce(spec: FieldSpec, value: Any, *, today: dt.date | None = None) -> Any:
    """Convert ``value`` to the field's type or raise ``ValueError`` saying what was expected."""
    if spec.type == "string":
        return _text(value, "text")
    if spec.type == "integer":
        if isinstance(value, bool):
            raise ValueError(f"must be a whole number, got {_show(value)}")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and _INTEGER.match(value.strip()):
            value = int(value.strip())
        if not isinstance(value, int):
            raise ValueError(f"must be a whole number, got {_show(value)}")
        if value < 0:
            raise ValueError(f"must be zero or more, got {value}")
        return value
    if spec.type == "email":
        text = _text(value, "an email address")
        if not _EMAIL.match(text):
            raise ValueError(
                f"must be an email address like security@example.com, got {_show(text)}"
            )
        return text
    if spec.type == "date":
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str):
            text = value.strip()
            if text.lower() == TODAY:
                return (today or dt.date.today()).isoformat()
            try:
                return dt.date.fromisoformat(text).isoformat()
            except ValueError:
                pass
        raise ValueError(f"must be a date as YYYY-MM-DD, got {_show(value)}")
    if spec.type == "list":
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise ValueError(f"must be a list or comma-separated text, got {type(value).__name__}")
        out = [_text(item, "text") for item in items if not _is_blank(item)]
        return out
    raise ValueError(f"has unknown type {spec.type!r}")  # pragma: no cover - index validation


# --------------------------------------------------------------------------------------------------
# Rendering


def render_policy(
    template: PolicyTemplate | str,
    data: Mapping[str, Any] | None = None,
    *,
    extra_context: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
    allow_missing: bool = False,
) -> str:
    """Render a policy to Markdown with ``data`` (validated by ``resolve_fields``).

    The context holds the template's fields plus ``generatedAt`` (UTC, ISO 8601),
    ``templateVersion``, ``policyTitle`` and ``policyId``. ``extra_context`` may add or replace
    those built-ins but not a declared field (fields always go through validation). ``now`` fixes
    the generation time (tests, reproducible output); a naive datetime is taken as local time.
    With ``allow_missing`` a missing required field renders as its ``placeholder``.
    """
    tpl = _as_template(template)
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    fields = resolve_fields(tpl, data, today=moment.date(), allow_missing=allow_missing)
    stand_ins = {
        name: [placeholder(name)] if tpl.field(name).type == "list" else placeholder(name)
        for name in missing_fields(tpl, fields)
    }
    context: dict[str, Any] = {
        **fields,
        **stand_ins,
        "generatedAt": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "templateVersion": tpl.version,
        "policyTitle": tpl.title,
        "policyId": tpl.id,
    }
    if extra_context:
        clash = sorted(set(extra_context) & set(fields))
        if clash:
            raise ValueError(f"extra_context may not replace template fields: {', '.join(clash)}")
        context.update(extra_context)
    text = _environment().get_template(tpl.file).render(context)
    return _tidy(text)


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue  # collapse runs of blank lines and drop leading ones
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


def _load_source(name: str) -> tuple[str, str, Any] | None:
    if not _TEMPLATE_FILE.match(name) or "/" in name or "\\" in name or ".." in name:
        return None
    entry = templates_dir().joinpath(name)
    if not entry.is_file():
        return None
    return entry.read_text(encoding="utf-8"), name, lambda: True


@functools.cache
def _environment() -> SandboxedEnvironment:
    # Imported here: the template index (control mappings) is read by compliance and dashboard
    # queries, which must not pay for Jinja2's import when nothing is rendered.
    from jinja2 import FunctionLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        loader=FunctionLoader(_load_source),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        format_date=format_date,
        add_months=add_months,
        cadence=cadence,
        pluralize=pluralize,
        join_words=join_words,
        md_cell=md_cell,
    )
    env.globals["today"] = _today
    return env


# Filters and globals available to templates. They treat their input as data and never evaluate it.


def _today() -> str:
    return dt.date.today().isoformat()


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for parse in (dt.date.fromisoformat, dt.datetime.fromisoformat):
            try:
                parsed = parse(text)
            except ValueError:
                continue
            return parsed.date() if isinstance(parsed, dt.datetime) else parsed
    return None


def format_date(value: Any, fmt: str | None = None) -> str:
    """``2025-03-01`` -> ``1 March 2025`` (or ``strftime(fmt)``); non-dates are returned as text."""
    day = _as_date(value)
    if day is None:
        return "" if value is None else str(value)
    if fmt:
        return day.strftime(fmt)
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def add_months(value: Any, months: int) -> str:
    """The ISO date ``months`` after ``value`` (the day is clamped to the month's length)."""
    day = _as_date(value)
    if day is None:
        return "" if value is None else str(value)
    return shift_months(day, int(months)).isoformat()


_NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 6: "six", 9: "nine", 18: "eighteen"}


def cadence(months: Any) -> str:
    """A review cadence in months as words: 12 -> ``annually``, 3 -> ``quarterly``."""
    try:
        n = int(months)
    except (TypeError, ValueError):
        return str(months)
    named = {1: "monthly", 3: "quarterly", 6: "every six months", 12: "annually"}
    if n in named:
        return named[n]
    if n > 12 and n % 12 == 0:
        years = n // 12
        return f"every {_NUMBER_WORDS.get(years, str(years))} years"
    return f"every {n} months"


def pluralize(count: Any, singular: str, plural: str | None = None) -> str:
    """``7 | pluralize('day')`` -> ``7 days``; ``1 | pluralize('day')`` -> ``1 day``."""
    word = singular if str(count) == "1" else (plural or singular + "s")
    return f"{count} {word}"


def join_words(items: Any, conjunction: str = "and") -> str:
    """``['a', 'b', 'c']`` -> ``a, b and c``."""
    if items is None:
        return ""
    if isinstance(items, str):
        return items
    words = [str(item) for item in items]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {conjunction} " + words[-1]


def md_cell(value: Any) -> str:
    """Text safe inside a Markdown table cell (pipes escaped)."""
    return ("" if value is None else str(value)).replace("|", "\\|")
