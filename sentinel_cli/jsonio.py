"""JSON as Sentinel stores it: compact, key-sorted text, so equal content hashes and compares equal.

The store writes its JSON columns with ``dumps``; the renderer reads columns such as a report
item's ``controls`` with ``loads``. Both sides use this one codec, which sits in the base layer so
the renderer never imports the store (the import contracts in pyproject.toml keep it so).
"""

from __future__ import annotations

import json
from typing import Any


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def loads(text: str | None, default: Any = None) -> Any:
    if text is None or text == "":
        return default
    return json.loads(text)
