"""Option values without pydantic: keeps ``sentinel evidence`` (the CI call) fast to start.

Typer 0.29+ coerces every option value it is given (and the ``--help`` flag's unset value) through
a pydantic ``TypeAdapter``; importing pydantic alone costs ~100 ms, more than the whole start-up
budget of ``sentinel evidence list`` (within 3x of a bare ``python -c "import sqlite3"``).
``LeanCommand`` and ``LeanGroup`` give ``str``, ``list[str]`` and plain ``int`` options, and the
help flag, a plain converter instead; every other annotation (and any option with ``min``/``max``
or a custom parser) keeps Typer's coercion. The operations parse and validate every value anyway,
with errors that name the allowed values. On Typer versions without runtime adapters (< 0.29)
parameters have no ``get_runtime_param`` and this module changes nothing.

Use ``cls=LeanCommand`` on a command and ``typer.Typer(cls=LeanGroup)`` on a group; the root
``SentinelGroup`` should derive from ``LeanGroup`` so its ``--help`` flag does not import pydantic
for every command.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup


class _PlainValue:
    """Stands in for Typer's runtime coercion of one parameter."""

    def __init__(self, kind: str) -> None:
        self.kind = kind  # "str", "list", "int", "bool" or "flag"

    def coerce(self, value: Any, param: Any = None, ctx: Any = None) -> Any:
        if value is None:
            return None
        if self.kind == "list":
            values = [value] if isinstance(value, str) else list(value)
            return [str(v) for v in values] or None
        if self.kind == "int":
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            try:
                return int(str(value).strip())
            except ValueError:
                raise typer.BadParameter(f"{value!r} is not a whole number") from None
        if self.kind == "flag":
            return value
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "y", "on"):
                return True
            if text in ("0", "false", "no", "n", "off", ""):
                return False
            raise typer.BadParameter(f"{value!r} is not true or false")
        return value if isinstance(value, str) else str(value)


def _kind(param: Any) -> str | None:
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or not hasattr(param, "get_runtime_param"):
        return None
    if getattr(param, "is_flag", False) and not getattr(param, "expose_value", True):
        return "flag"  # --help: its callback acts, its value is never used
    info = getattr(descriptor, "parameter_info", None)
    if info is not None and any(
        getattr(info, attr, None) is not None for attr in ("min", "max", "parser")
    ):
        return None
    annotation = descriptor.annotation
    if annotation is str:
        return "str"
    if annotation == list[str]:
        return "list"
    if annotation is int:
        return "int"
    if annotation is bool:
        return "bool"
    return None


def make_lean(params: list[Any]) -> None:
    """Replace Typer's runtime coercion of the parameters this module knows how to convert."""
    for param in params:
        kind = _kind(param)
        if kind is not None:
            plain = _PlainValue(kind)
            param.get_runtime_param = lambda plain=plain: plain


class LeanCommand(TyperCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        make_lean(self.params)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            make_lean([option])
        return option


class LeanGroup(TyperGroup):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        make_lean(self.params)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            make_lean([option])
        return option


def make_tree_lean(command: Any) -> None:
    """Apply ``make_lean`` to a command, its help option and every subcommand, recursively.

    The entry point calls this once on the built command tree, so every command starts without
    pydantic, whatever class it was declared with.
    """
    make_lean(list(getattr(command, "params", [])))
    original = getattr(command, "get_help_option", None)
    if original is not None:

        def lean_help_option(ctx: Any, _original: Any = original) -> Any:
            option = _original(ctx)
            if option is not None:
                make_lean([option])
            return option

        command.get_help_option = lean_help_option
    for sub in (getattr(command, "commands", None) or {}).values():
        make_tree_lean(sub)
