"""Paging walks (status, severity) buckets from the per-check counts; it must return exactly what
sorting every matching item would, for any limit and offset."""

from __future__ import annotations

import pytest

from sentinel_cli.store import Store
from sentinel_cli.store.queries import NO_EXCEPTIONS, EvidenceFilter
from tests.helpers.estate import Estate

pytestmark = pytest.mark.both_databases


def _sorted_all(store: Store, flt: EvidenceFilter) -> list[str]:
    # limit=None takes the plain ORDER BY path over every matching item: the reference order.
    return [r["id"] for r in store.queries.page(flt, rules=NO_EXCEPTIONS, limit=None)]


@pytest.mark.parametrize("statuses", [(), ("FAIL",), ("FAIL", "PASS"), ("WARNING", "ERROR")])
def test_bucket_pages_equal_slices_of_the_full_order(
    estate: Estate, statuses: tuple[str, ...]
) -> None:
    store = estate.store
    flt = EvidenceFilter(
        job_ids=tuple(estate.jobs[j] for j in ("prod-1", "acme-2", "staging-1")), statuses=statuses
    )
    reference = _sorted_all(store, flt)
    assert store.queries.count(flt) == len(reference)
    for limit in (1, 2, 3, 7, 50):
        for offset in range(0, len(reference) + 2):
            page = [
                r["id"]
                for r in store.queries.page(flt, rules=NO_EXCEPTIONS, limit=limit, offset=offset)
            ]
            assert page == reference[offset : offset + limit], (limit, offset)
