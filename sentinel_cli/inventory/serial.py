"""Inventories as JSON text and back: how a part of a split collection hands its slice on.

A split collection's parts run on different workers (and hosts); each stores what it fetched in
the store, and the worker that ends the last part rebuilds the inventories and merges them. The
inventories hold JSON-able data by contract, so the text is their fields as a JSON object; tuples
(``regions``, ``archived_repos``...) come back as tuples and ``errors`` as ``FetchError`` values.
Key order is kept (no sorting), so a round trip gives back an equal inventory.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, TypeVar

from sentinel_cli.inventory.fetch import FetchError

T = TypeVar("T")


def inventory_to_json(inventory: Any) -> str:
    """The fields of an inventory dataclass as one JSON object."""
    values = {f.name: getattr(inventory, f.name) for f in dataclasses.fields(inventory)}
    values["errors"] = [dataclasses.asdict(e) for e in values.get("errors") or ()]
    return json.dumps(values, separators=(",", ":"), ensure_ascii=False, default=str)


def inventory_from_json(cls: type[T], text: str) -> T:
    """An inventory of ``cls`` (``AwsInventory``, ``GithubInventory``) from ``inventory_to_json``."""
    raw: dict[str, Any] = json.loads(text)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name not in raw:
            continue
        value = raw[f.name]
        if f.name == "errors":
            value = tuple(FetchError(**e) for e in value or ())
        elif isinstance(value, list) and str(f.type).startswith("tuple"):
            value = tuple(value)
        values[f.name] = value
    return cls(**values)
