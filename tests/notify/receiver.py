"""Real receivers on 127.0.0.1 for the notification tests: an HTTP server in a thread that records
every request (method, path, headers, raw body) and answers the status codes it is given in turn,
and an SMTP server (aiosmtpd) that records every message it accepts.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.helpers.server import free_port


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    """Answers in turn; 200 once they run out."""


@contextmanager
def http_receiver(*statuses: int, answer: bytes = b"ok") -> Iterator[Receiver]:
    """An HTTP server on 127.0.0.1 (a free port) recording requests; stopped afterwards."""
    receiver = Receiver(url="", statuses=list(statuses))
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with lock:
                receiver.requests.append(
                    Received(
                        "POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body
                    )
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class Mailbox:
    host: str
    port: int
    messages: list[Message] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)


@contextmanager
def smtp_server(*, login: tuple[str, str] | None = None) -> Iterator[Mailbox]:
    """An aiosmtpd server on 127.0.0.1 recording the messages it accepts; with ``login``, it
    requires AUTH with that user and password (over plain text: loopback only)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    box = Mailbox("127.0.0.1", 0)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            box.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            box.messages.append(message_from_bytes(envelope.original_content or envelope.content))
            return "250 OK"

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        if isinstance(data, LoginPassword):
            user, password = data.login.decode(), data.password.decode()
            box.logins.append((user, password))
            return AuthResult(success=login == (user, password), handled=False)
        return AuthResult(success=False, handled=False)

    options: dict[str, Any] = {}
    # AUTH without TLS is what this loopback-only test server is for: aiosmtpd's warning about it
    # is expected.
    warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS", UserWarning)
    if login is not None:
        options = {"authenticator": authenticator, "auth_require_tls": False, "auth_required": True}
    # This aiosmtpd checks the server by connecting to its port, so it needs a real one (not 0).
    for _ in range(5):
        box.port = free_port()
        controller = Controller(Handler(), hostname="127.0.0.1", port=box.port, **options)
        try:
            controller.start()
            break
        except OSError:  # taken between free_port() and the bind: try another
            continue
    else:
        raise RuntimeError("no free port for the SMTP server")
    try:
        yield box
    finally:
        controller.stop()
