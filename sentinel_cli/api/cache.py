"""A small cache of read responses, keyed by the request and the store's generation.

The evidence list and the dashboard change only when something is written that they read: a job
finishing, an integration added or removed, a risk exception or policy changed, activity recorded,
or the UTC day turning (exceptions expire by day). ``Store.queries.generation()`` reads a cheap
fingerprint of exactly that state; a request whose query and fingerprint match an earlier one is
answered with the earlier response body, byte for byte, without running the query again. Other
processes (a CLI collecting into the same file, other ``--workers``) are seen through the same
fingerprint, so the cache can never serve a state the store has moved past.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable


class ResponseCache:
    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            body = self._entries.get(key)
            if body is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return body

    def put(self, key: Hashable, body: bytes) -> None:
        with self._lock:
            self._entries[key] = body
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
