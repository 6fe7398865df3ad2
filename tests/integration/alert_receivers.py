"""Real receivers on loopback for the alert channels: an HTTP server standing for Slack and the JSON webhook,
and an SMTP server (aiosmtpd) with a login. Each records what it received; the HTTP one can play an outage.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.ports import free_port

SLACK_PATH = "/services/T0000/B0000/s3cr3t-slack-token"
WEBHOOK_PATH = "/hooks/s3cr3t-webhook-token"
SMTP_USER, SMTP_PASSWORD = "alerts", "s3cr3t-smtp-password"
SECRETS = ("s3cr3t-slack-token", "s3cr3t-webhook-token", SMTP_PASSWORD)


@dataclass
class Post:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class HttpReceiver:
    """Answers 200 ("ok", like Slack) to every POST, or ``status`` while an outage is on."""

    url: str = ""
    posts: list[Post] = field(default_factory=list)
    status: int = 200
    lock: threading.Lock = field(default_factory=threading.Lock)

    def received(self, path: str) -> list[Post]:
        with self.lock:
            return [post for post in self.posts if post.path == path]


@contextmanager
def http_receiver() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            status = receiver.status
            if status == 200:
                with receiver.lock:
                    receiver.posts.append(Post(self.path, json.loads(raw or b"{}"), dict(self.headers)))
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            body = b"ok" if status == 200 else b"internal_error"
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class SmtpReceiver:
    host: str
    port: int
    messages: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, password: str = SMTP_PASSWORD) -> str:
        return f"smtp://{SMTP_USER}:{password}@{self.host}:{self.port}"

    def received(self) -> list[Message]:
        with self.lock:
            return list(self.messages)


@contextmanager
def smtp_receiver() -> Iterator[SmtpReceiver]:
    """aiosmtpd on loopback that takes a plain LOGIN (no TLS on loopback) for ``SMTP_USER``/``SMTP_PASSWORD``."""
    receiver = SmtpReceiver("127.0.0.1", free_port())

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with receiver.lock:
                receiver.messages.append(message_from_bytes(envelope.content))
            return "250 OK"

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login == SMTP_USER.encode()
            and data.password == SMTP_PASSWORD.encode()
        )
        return AuthResult(success=ok, handled=False)

    controller = Controller(
        Handler(), hostname=receiver.host, port=receiver.port, authenticator=authenticate, auth_require_tls=False
    )
    controller.start()
    try:
        yield receiver
    finally:
        controller.stop()
