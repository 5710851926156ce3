"""The fake's HTTP plumbing: one threaded loopback server for the Web API (/api/...),
file uploads (/upload/...), response_urls (/response/...), the Socket Mode WebSocket
(/link/...) and the fake's own control endpoints (/_fake/...).

A fault can make a request end in a TCP reset instead of an answer (`DropConnection`):
the handler sets SO_LINGER to 0 and the server then closes without the usual FIN, so
the client sees ECONNRESET like a connection cut by a proxy or a crashed host."""

from __future__ import annotations

import base64
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from .api import JSON_PARAMS, json_value
from .control import handle_control
from .limits import DropConnection
from .websocket import abort_socket, aborting

if TYPE_CHECKING:
    from .server import FakeSlack


class FakeHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeSlack

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out (inject_delay) hang up mid-response; that is expected.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        # The usual shutdown(SHUT_WR) would send a FIN first; an aborted one must only RST.
        if aborting(request):
            self.close_request(request)
        else:
            super().shutdown_request(request)


class FakeHandler(BaseHTTPRequestHandler):
    server: FakeHTTPServer
    server_version = "FakeSlack/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read calls instead
        pass

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self,
        status: int,
        body: bytes | str | dict[str, Any],
        headers: dict[str, str] | None = None,
        content_type: str = "application/json; charset=utf-8",
    ) -> None:
        if isinstance(body, dict):
            data = json.dumps(body, default=_json_default).encode()
        else:
            data = body.encode() if isinstance(body, str) else body
            if content_type.startswith("application/json"):
                content_type = "text/plain; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _params(self, body: bytes) -> dict[str, Any]:
        query = urlsplit(self.path).query
        params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if body:
            if content_type == "application/json":
                decoded = json.loads(body)
                if isinstance(decoded, dict):
                    params.update(decoded)
            else:
                params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        return params

    def do_GET(self) -> None:
        if urlsplit(self.path).path.startswith("/link/"):
            self.close_connection = True  # after the WebSocket session, no more HTTP
            self.server.fake.socket.serve(self)
            return
        self._dispatch(b"")

    def do_POST(self) -> None:
        self._dispatch(self._read_body())

    def _dispatch(self, body: bytes) -> None:
        try:
            self._route(body)
        except DropConnection:
            abort_socket(self.connection)
            self.close_connection = True
        except (ConnectionError, TimeoutError):
            raise
        except Exception as exc:  # a bug in the fake: make it loud but keep serving
            self._send(500, {"ok": False, "error": "fake_internal_error", "detail": repr(exc)})
            raise

    def _route(self, body: bytes) -> None:
        fake = self.server.fake
        path = urlsplit(self.path).path
        if path.startswith("/api/"):
            params = self._params(body)
            token = params.pop("token", None)
            auth = self.headers.get("Authorization") or ""
            if auth.lower().startswith("bearer "):
                token = auth[7:].strip()
            for key in JSON_PARAMS:  # record decoded documents, not JSON strings
                if isinstance(params.get(key), str):
                    params[key] = json_value(params[key])
            status, headers, reply = fake.handle_api(path[len("/api/") :], params, token)
            self._send(status, reply, headers)
        elif path.startswith("/upload/") and self.command == "POST":
            status, text = fake.handle_upload(path[len("/upload/") :], body)
            self._send(status, text, content_type="text/plain; charset=utf-8")
        elif path.startswith("/response/") and self.command == "POST":
            try:
                payload = json.loads(body or b"{}")
            except ValueError:
                self._send(400, {"ok": False, "error": "invalid_payload"})
                return
            status, reply = fake.handle_response_url(path[len("/response/") :], payload)
            self._send(status, reply)
        elif path.startswith("/_fake/"):
            self._send(*handle_control(fake, path, self.command, body))
        else:
            self._send(404, {"ok": False, "error": "not_found"})


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
