"""Talk to a FakeSlack running in another process (e.g. `python -m bot.testing.fakeslack`).

`RemoteFake(api_url)` exposes the same introspection/sender-support methods as an
in-process FakeSlack (those in control.RPC_FUNCTIONS) over the fake's control endpoint,
so `SlackSender(bot_url, secret, RemoteFake(url))` works across processes too.
Files' bytes come back base64-encoded.
"""

from __future__ import annotations

import json
import urllib.request
from functools import partial
from typing import Any

from .control import RPC_FUNCTIONS


class RemoteFake:
    def __init__(self, url: str, timeout: float = 30.0):
        # Accept either the api_url (".../api/") or the bare base URL.
        self.base_url = url.split("/api/")[0].rstrip("/")
        self.timeout = timeout
        self._info: dict[str, Any] | None = None

    def _request(self, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            headers={"Content-Type": "application/json"},
            method="POST" if data is not None else "GET",
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            return json.loads(response.read())

    def rpc(self, fn: str, *args: Any, **kwargs: Any) -> Any:
        reply = self._request("/_fake/rpc", {"fn": fn, "args": list(args), "kwargs": kwargs})
        return reply["result"]

    def state(self) -> dict[str, Any]:
        """GET /_fake/state: call counts, DM messages per user, files, responses..."""
        return self._request("/_fake/state")

    def __getattr__(self, name: str) -> Any:
        if name in RPC_FUNCTIONS:
            return partial(self.rpc, name)
        info = self.__dict__.get("_info")
        if info is None and not name.startswith("_"):
            info = self.__dict__["_info"] = self.rpc("info")
        if info is not None and name in info:
            return info[name]
        raise AttributeError(name)
