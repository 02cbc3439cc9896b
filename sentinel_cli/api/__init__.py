"""The REST API served by ``sentinel serve`` (the ``serve`` extra: FastAPI, uvicorn, PyJWT, argon2).

Routes are thin adapters over ``sentinel_cli.operations``, the same functions the CLI calls, so a
response's ``data`` is exactly what the matching CLI command prints with ``--json``. This package
__init__ imports nothing: importing ``sentinel_cli.api`` must not pull FastAPI into the CLI's
start-up. The app is built by ``sentinel_cli.api.app.create_app``.
"""
