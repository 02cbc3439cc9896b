"""The web dashboard of ``sentinel serve``: server-rendered pages over the operations, on the API's
port, for the people who do not use curl (the compliance owner, a manager, the auditor).

Pages are Jinja2 templates (``templates/``), small interactions are htmx 2 (one vendored file in
``static/``, see ``static/VENDORED.md``), charts are SVG drawn on the server (``charts``) and the
styles are one plain CSS file: no Node build, no CDN, so an air-gapped install works. Pages call
the operations directly, as the API's routes do, never the API over HTTP.

How it fits the server: ``api.app`` calls ``mount.install`` and hands the gate it returns
(``gate.PageGate``) to the API's middleware, which then finds the browser session before routing
and counts pages against the web budget instead of the API's (``api.middleware``). Sign-in,
sessions and CSRF: ``sessions``, ``cookies``, ``csrf``, ``auth``, ``pages/auth.py``.

Adding a page: a module in ``pages/`` with ``router = page_router()`` (``routing``), its routes
taking ``Viewer``/``Member``/``Admin`` (``auth``) and answering with ``templating.render``; its
router listed in ``pages.ROUTERS``; its link in ``nav.NAV``; its template extending ``base.html``.
"""
