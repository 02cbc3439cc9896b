"""The test server helper never talks to a stranger that took its port first.

``free_port()`` can only say a port was free a moment ago. Here a stand-in HTTP server that
answers ``/api/health`` with 200 holds the port before ``sentinel serve`` starts: the helper must
notice that its own server could not bind, move to another port and talk to its own server.
"""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

from tests.helpers.server import Server, server_env


class _Stranger(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"stranger": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_taken_port_moves_the_server_to_another(tmp_path: Path) -> None:
    stranger = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Stranger)
    thread = threading.Thread(target=stranger.serve_forever, daemon=True)
    thread.start()
    taken = stranger.server_address[1]
    home = tmp_path / "home"
    server = Server(home, server_env(home), port=taken)
    try:
        server.start()
        assert server.port != taken
        assert server.proc is not None and server.proc.poll() is None
        with server.client() as client:
            health = client.get("/api/health")
        assert health.status_code == 200 and "stranger" not in health.json()
    finally:
        server.stop()
        stranger.shutdown()
        stranger.server_close()
