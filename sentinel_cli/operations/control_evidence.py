"""Evidence for a control from a source other than collected checks (an approved policy, say),
and the ``ComplianceSource`` type that contributes it to a framework's compliance.

A module of its own so the two sides need not import each other: ``operations.compliance``
computes compliance from any sources it is given, and ``operations.policies`` builds one such
source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ControlEvidence:
    """One piece of evidence for a control from another source than collected checks (e.g. an
    approved policy). ``status`` is PASS, FAIL, WARNING or ERROR."""

    control_id: str
    evidence_id: str
    status: str
    excepted: bool = False
    source: str = "policy"
    title: str = ""
    reason: str = ""


ComplianceSource = Callable[[str], Iterable[ControlEvidence]]
"""Given a framework id, the extra evidence it contributes to that framework's controls."""
