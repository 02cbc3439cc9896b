"""The task queue: work that runs in the background, on any worker, as Huey tasks.

Collections the server starts (API, web, schedules), scheduled runs and notification deliveries are
Huey tasks. The queue's storage is a SQLite file beside the store by default (``queue.py``);
``sentinel worker`` runs a consumer (``consumer.py``) and ``sentinel serve`` starts one beside its
web processes. Operations never import this package: the API enqueues, workers run the operations.
"""
