"""YAML parsing through libyaml's safe loader when PyYAML was built with it (about 10x faster).

The check catalogues and framework files are read on the start-up path of ``sentinel evidence``;
the pure-Python loader alone would cost most of its time budget. Both loaders are safe loaders.
"""

from __future__ import annotations

from typing import Any


def load_yaml(text: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)
