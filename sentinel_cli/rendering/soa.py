"""The Statement of Applicability's rules, shared by the audit report (``report_registers``) and the
web dashboard's compliance page: why a control is covered and how far it is implemented.

Every control of a framework with a SoA is applicable. Its implementation status follows from its
compliance status and evidence counts (``operations.compliance``): all items passing (or excepted)
is implemented; failing with nothing passing is not implemented; anything else covered is
partially implemented; a control with neither evidence nor an approved policy is not assessed and
needs a person's assessment. Plain functions over plain values: no PDF, no store.
"""

from __future__ import annotations

from collections.abc import Mapping

IMPLEMENTATION_STATES = ("Implemented", "Partially implemented", "Not implemented", "Not assessed")


def justification(items: int, policies: int) -> str:
    """Why the control is covered: automated evidence (``items``), policies, both or neither."""
    if items and policies:
        return "Covered by automated evidence and policy"
    if items:
        return "Covered by automated evidence"
    if policies:
        return "Covered by policy"
    return "Not covered by automated evidence — assess manually"


def implementation(status: str, counts: Mapping[str, int]) -> str:
    """The implementation status of a control with this compliance ``status`` and ``counts``."""
    if status == "NOT_COVERED":
        return "Not assessed"
    if status == "PASSING":
        return "Implemented"
    if status == "FAILING" and counts["pass"] + counts["excepted"] == 0:
        return "Not implemented"
    return "Partially implemented"
