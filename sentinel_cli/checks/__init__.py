"""Check catalogues per provider: metadata from YAML joined with the registered functions."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from pathlib import Path

from sentinel_cli.checks.base import Check, CheckMeta, load_catalogue, registered_function

PROVIDERS: tuple[str, ...] = ("aws", "github")
DIRECTORY = Path(__file__).parent
"""Where ``<provider>/catalogue.yaml`` is found, read at each call (parsed once per path): a test
points it at a copy whose mappings name one more framework."""


def catalogue(provider: str) -> dict[str, CheckMeta]:
    """Metadata of every check of ``provider`` (cheap: YAML only, no check code imported)."""
    return _catalogue(DIRECTORY / provider / "catalogue.yaml", provider)


@cache
def _catalogue(path: Path, provider: str) -> dict[str, CheckMeta]:
    if not path.exists():
        return {}
    return load_catalogue(path, provider)


def all_metadata() -> dict[str, CheckMeta]:
    """Metadata of every check of every provider, keyed by check id (aliases included)."""
    out: dict[str, CheckMeta] = {}
    for provider in PROVIDERS:
        for meta in catalogue(provider).values():
            out[meta.id] = meta
            for alias in meta.aliases:
                out[alias] = meta
    return out


@cache
def load_checks(provider: str) -> tuple[Check, ...]:
    """Import the provider's check modules (registering their functions) and pair them with metadata.

    Raises when the catalogue and the code disagree: a listed check without code would otherwise
    silently never run.
    """
    package = importlib.import_module(f"sentinel_cli.checks.{provider}")
    for mod in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{mod.name}")
    checks: list[Check] = []
    for meta in catalogue(provider).values():
        fn = registered_function(meta.id)
        if fn is None:
            raise RuntimeError(
                f"check {meta.id} is in the {provider} catalogue but has no function"
            )
        checks.append(Check(meta=meta, evaluate=fn))
    return tuple(checks)
