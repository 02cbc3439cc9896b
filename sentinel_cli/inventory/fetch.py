"""What a collection could not read: ``FetchError`` and the ``FailureIndex`` every inventory
answers ``failed(source, scope)`` from.

They live with the inventories, not with the checks, because collectors produce them and
inventories carry them: a collector, an inventory and a check all need them, and only the inventory
layer sits below all three (the import contracts in pyproject.toml keep it so).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class FetchError:
    """A piece of the inventory that could not be read.

    ``source`` is the inventory source name a check declares (e.g. ``ec2.security_groups``);
    ``scope`` is the region for regional sources, the repository full name for per-repo GitHub
    sources, or ``None`` for account/org-wide sources.
    """

    source: str
    api_call: str
    message: str
    scope: str | None = None
    permission: str | None = None
    error_code: str | None = None

    def describe(self) -> str:
        need = f"; needs {self.permission}" if self.permission else ""
        where = f" in {self.scope}" if self.scope else ""
        return f"{self.api_call}{where} failed: {self.message}{need}"


class FailureIndex:
    """``failed(source, scope)`` for an inventory's ``errors``, answered from a set.

    Checks ask once per resource per source (``each_repo`` does for every repository), so a scan
    of ``errors`` per question made evaluation quadratic in the number of repositories when a
    token lacked a permission on each of them. Inventories are frozen: the set is built once.
    """

    errors: tuple[FetchError, ...]

    @cached_property
    def _failed_pairs(self) -> frozenset[tuple[str, str | None]]:
        return frozenset((e.source, e.scope) for e in self.errors)

    def failed(self, source: str, scope: str | None = None) -> bool:
        """True when ``source`` could not be fetched (in ``scope``: a region, a repository)."""
        return (source, scope) in self._failed_pairs
