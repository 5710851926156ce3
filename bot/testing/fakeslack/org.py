"""Several fake workspaces behind one Slack: the Web API on one loopback URL,
each call sent to the workspace its bearer token belongs to, plus Slack's
side of an OAuth install.

`FakeOrg(fake_a, fake_b)` serves:
- `/api/<method>`: routed by token to that workspace's `FakeSlack`; a token
  that belongs to no workspace (never issued, revoked, rotated away) gets
  `invalid_auth`, so workspace B's token can never reach A's data. Every
  routed call is recorded with its token (`calls`, `tokens_used`), so a test
  can assert that every call for A carried A's token.
- `GET /oauth/v2/authorize?client_id=…&scope=…&state=…&redirect_uri=…&team=T…`:
  the person approves the install in workspace `team` (the first one if not
  given): a 302 to redirect_uri with a one-time `code` and the same `state`.
- `oauth.v2.access`: with the app's client id and secret (HTTP Basic, as
  slack_sdk sends them, or form fields) exchanges that code for the
  workspace's bot token; with `rotation=True` the token expires and comes
  with a refresh token, and `grant_type=refresh_token` issues a new token
  and a new refresh token (the old token then stops working, and a refresh
  token works only once, as Slack's docs say). `refreshes` counts them.

Enterprise Grid: `grid(enterprise_id, name)` makes the workspaces one org.
Authorizing with `team=<enterprise id>` is then an org-wide install: one org
token for every workspace of the org. A call with it goes to the workspace
its `team_id` names, else to the one owning the channel or user it names;
users.list without `team_id` (and any call naming none) gets
`missing_argument`, as Slack requires team_id with an org token.

Each workspace's own server still serves its response_urls, uploads and
Socket Mode; only the Web API is shared.
"""

from __future__ import annotations

import base64
import secrets
import threading
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from .api import JSON_PARAMS, json_value
from .httpd import FakeHandler, FakeHTTPServer
from .server import FakeSlack

ROTATED_TTL = 12 * 3600  # Slack's rotating tokens last 12 hours


class OrgHandler(FakeHandler):
    def _route(self, body: bytes) -> None:
        org: FakeOrg = self.server.org  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        if parts.path == "/oauth/v2/authorize" and self.command == "GET":
            status, headers, text = org.authorize(dict(parse_qsl(parts.query)))
            self._send(status, text, headers, content_type="text/plain; charset=utf-8")
        elif parts.path.startswith("/api/"):
            params = self._params(body)
            token = params.pop("token", None)
            auth = self.headers.get("Authorization") or ""
            if auth.lower().startswith("bearer "):
                token = auth[7:].strip()
            elif auth.lower().startswith("basic "):
                params.update(_basic(auth[6:].strip()))
            for key in JSON_PARAMS:
                if isinstance(params.get(key), str):
                    params[key] = json_value(params[key])
            self._send(*org.handle_api(parts.path[len("/api/"):], params, token))
        else:
            self._send(404, {"ok": False, "error": "not_found"})


def _basic(value: str) -> dict[str, str]:
    try:
        cid, _, secret = base64.b64decode(value).decode().partition(":")
    except ValueError:
        return {}
    return {"client_id": cid, "client_secret": secret}


class FakeOrg:
    """Fake workspaces behind one Web API URL. See the module docstring."""

    def __init__(self, *fakes: FakeSlack, client_id: str = "1111.2222",
                 client_secret: str = "fake-client-secret", rotation: bool = False,
                 host: str = "127.0.0.1"):
        self.client_id, self.client_secret = client_id, client_secret
        self.rotation = rotation
        # The app's configured Redirect URL (OAuth & Permissions), used when
        # the authorize request names none.
        self.redirect_uri: str | None = None
        self._host = host
        self._lock = threading.Lock()
        self.fakes: dict[str, FakeSlack] = {}
        self._tokens: dict[str, str] = {}  # valid bot token -> team id
        self._codes: dict[str, tuple[str, str | None, str]] = {}  # code -> team, redirect, user
        self._refresh: dict[str, str] = {}  # refresh token -> team id
        self.calls: list[tuple[str, str, str]] = []  # (team id, method, token), routed calls
        self.refused: list[tuple[str, str | None]] = []  # (method, token) with no workspace
        self.orgs: dict[str, str] = {}  # Grid org id -> name
        self.refreshes = 0  # tokens renewed with a refresh token
        self._org_tokens: dict[str, str] = {}  # valid org-wide bot token -> org id
        self._server: FakeHTTPServer | None = None
        self._thread: threading.Thread | None = None
        for fake in fakes:
            self.add(fake)

    def add(self, fake: FakeSlack) -> FakeSlack:
        with self._lock:
            self.fakes[fake.team_id] = fake
            self._tokens[fake.bot_token] = fake.team_id
        return fake

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeOrg:
        for fake in self.fakes.values():
            fake.start()
        if self._server is None:
            self._server = FakeHTTPServer((self._host, 0), OrgHandler)
            self._server.org = self  # type: ignore[attr-defined]
            self._thread = threading.Thread(target=self._server.serve_forever,
                                            kwargs={"poll_interval": 0.05}, name="fakeorg",
                                            daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for fake in self.fakes.values():
            fake.stop()

    def __enter__(self) -> FakeOrg:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeOrg is not started")
        return f"http://{self._host}:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        """SLACK_API_URL for the app: every workspace's Web API."""
        return f"{self.base_url}/api/"

    # ------------------------------------------------------------------ what tests read and do

    def team_of(self, token: str | None) -> str | None:
        with self._lock:
            return self._tokens.get(token or "")

    def tokens_used(self, team_id: str) -> set[str]:
        """Every token that reached this workspace's data."""
        with self._lock:
            return {tok for team, _, tok in self.calls if team == team_id}

    def methods_called(self, team_id: str) -> list[str]:
        with self._lock:
            return [m for team, m, _ in self.calls if team == team_id]

    def revoke(self, team_id: str) -> None:
        """The workspace's tokens stop working (uninstalled, or revoked by an admin)."""
        with self._lock:
            for token in [t for t, team in self._tokens.items() if team == team_id]:
                del self._tokens[token]
            for refresh in [r for r, team in self._refresh.items() if team == team_id]:
                del self._refresh[refresh]

    def grid(self, enterprise_id: str = "E0GRID0001", name: str = "Health System") -> str:
        """All these workspaces are one Enterprise Grid org."""
        with self._lock:
            self.orgs[enterprise_id] = name
            for fake in self.fakes.values():
                fake.enterprise_id, fake.enterprise_name = enterprise_id, name
        return enterprise_id

    def make_org_admin(self, team_id: str, user_id: str) -> None:
        """An org admin (users.info: enterprise_user.is_admin)."""
        with self.fakes[team_id]._lock:
            self.fakes[team_id]._users[user_id]["org_admin"] = True

    def _in_org(self, enterprise_id: str) -> list[FakeSlack]:
        return [f for f in self.fakes.values() if f.enterprise_id == enterprise_id]

    def _route_in_org(self, enterprise_id: str, params: dict[str, Any]) -> str | None:
        """The workspace an org-token call is about: its team_id, else the one
        owning the channel or user it names."""
        fakes = self._in_org(enterprise_id)
        if params.get("team_id"):
            return next((f.team_id for f in fakes if f.team_id == params["team_id"]), None)
        for key in ("channel", "channel_id", "user", "users", "user_id", "trigger_id",
                    "view_id"):
            ident = str(params.get(key) or "").split(",")[0]
            for fake in fakes:
                if ident and ident != fake.bot_user_id and any(
                        ident in known for known in (fake._convs, fake._users,
                                                     fake._triggers, fake._views)):
                    return fake.team_id
        return None

    def _gather_uploads(self, enterprise_id: str, team: str, files: Any) -> None:
        """An org token's upload URL came from one workspace's server; the
        file is shared where the channel is: move it there first."""
        items = json_value(files) if isinstance(files, str) else files or []
        target = self.fakes[team]
        for fake in self._in_org(enterprise_id):
            if fake is target:
                continue
            with fake._lock:
                moved = {i.get("id"): fake._pending_uploads.pop(i.get("id"))
                         for i in items if isinstance(i, dict)
                         and i.get("id") in fake._pending_uploads}
            with target._lock:
                target._pending_uploads.update(moved)

    def _org_api(self, enterprise_id: str, method: str, params: dict[str, Any],
                 token: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        if method == "auth.test":
            first = self._in_org(enterprise_id)[0]
            return 200, {"ok": True, "enterprise_id": enterprise_id, "team_id": None,
                         "user_id": first.bot_user_id, "bot_id": first.bot_id,
                         "is_enterprise_install": True}, {}
        team = self._route_in_org(enterprise_id, params)
        if team is None and method == "files.getUploadURLExternal":
            team = self._in_org(enterprise_id)[0].team_id  # files are the org's
        if method == "files.completeUploadExternal" and team is not None:
            self._gather_uploads(enterprise_id, team, params.get("files"))
        if team is None:
            with self._lock:
                self.refused.append((method, token))
            return 200, {"ok": False, "error": "missing_argument"}, {}
        with self._lock:
            self.calls.append((team, method, token))
        params.pop("team_id", None)
        status, headers, body = self.fakes[team].handle_api(method, params,
                                                            self.fakes[team].bot_token)
        return status, body, headers

    # ------------------------------------------------------------------ Slack's side of OAuth

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], str]:
        """The person clicked Allow: back to the app with a code and the state."""
        if query.get("client_id") != self.client_id:
            return 400, {}, "invalid_client_id"
        team = query.get("team") or next(iter(self.fakes))
        redirect = query.get("redirect_uri") or self.redirect_uri
        if not redirect:
            return 400, {}, "bad_redirect_uri"
        if team not in self.fakes and team not in self.orgs:
            return 400, {}, "invalid_team"
        code = f"{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"
        with self._lock:
            self._codes[code] = (team, redirect, query.get("user") or "UINSTALLER")
        sep = "&" if "?" in redirect else "?"
        location = f"{redirect}{sep}{urlencode({'code': code, 'state': query.get('state', '')})}"
        return 302, {"Location": location}, ""

    def _credentials_ok(self, params: dict[str, Any]) -> bool:
        return (params.get("client_id") == self.client_id
                and params.get("client_secret") == self.client_secret)

    def _issue(self, fake: FakeSlack) -> dict[str, Any]:
        """The workspace's bot token (a fresh one when tokens rotate)."""
        out: dict[str, Any] = {"token_type": "bot", "scope": "chat:write,users:read,commands"}
        if self.rotation:
            old = fake.bot_token
            fake.bot_token = f"xoxe.xoxb-{fake.team_id}-{secrets.token_hex(8)}"
            self._tokens.pop(old, None)
            refresh = f"xoxe-1-{secrets.token_hex(12)}"
            self._refresh[refresh] = fake.team_id
            out.update(refresh_token=refresh, expires_in=ROTATED_TTL)
        self._tokens[fake.bot_token] = fake.team_id
        out["access_token"] = fake.bot_token
        return out

    def oauth_access(self, params: dict[str, Any]) -> dict[str, Any]:
        if not self._credentials_ok(params):
            return {"ok": False, "error": "invalid_client_id"}
        with self._lock:
            if params.get("grant_type") == "refresh_token":
                # A refresh token works once (Slack revokes it on use).
                team = self._refresh.pop(params.get("refresh_token") or "", None)
                if team is None:
                    return {"ok": False, "error": "invalid_refresh_token"}
                self.refreshes += 1
                return {"ok": True, **self._issue(self.fakes[team])}
            grant = self._codes.pop(params.get("code") or "", None)
            if grant is None:
                return {"ok": False, "error": "invalid_code"}
            team, redirect, user = grant
            if params.get("redirect_uri") not in (None, "", redirect):
                return {"ok": False, "error": "bad_redirect_uri"}
            if team in self.orgs:
                return self._org_install(team, user)
            fake = self.fakes[team]
            return {"ok": True, "app_id": fake.app_id, "authed_user": {"id": user},
                    "bot_user_id": fake.bot_user_id,
                    "team": {"id": fake.team_id, "name": fake.team_name},
                    "enterprise": None, "is_enterprise_install": False, **self._issue(fake)}

    def _org_install(self, enterprise_id: str, user: str) -> dict[str, Any]:
        """An org-wide install: one token for the whole org, no team."""
        first = self._in_org(enterprise_id)[0]
        token = f"xoxb-{enterprise_id}-org-{secrets.token_hex(8)}"
        self._org_tokens[token] = enterprise_id
        for fake in self._in_org(enterprise_id):
            fake.org_wide = True
        return {"ok": True, "app_id": first.app_id, "authed_user": {"id": user},
                "bot_user_id": first.bot_user_id, "team": None, "token_type": "bot",
                "scope": "chat:write,users:read,commands", "access_token": token,
                "enterprise": {"id": enterprise_id, "name": self.orgs[enterprise_id]},
                "is_enterprise_install": True}

    # ------------------------------------------------------------------ the Web API

    def handle_api(self, method: str, params: dict[str, Any],
                   token: str | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        """(status, JSON body, headers) — in the order FakeHandler._send takes them."""
        if method == "oauth.v2.access":
            return 200, self.oauth_access(params), {}
        with self._lock:
            team = self._tokens.get(token or "")
            org = self._org_tokens.get(token or "")
        if org is not None:
            return self._org_api(org, method, params, token or "")
        with self._lock:
            if team is None:
                self.refused.append((method, token))
            else:
                self.calls.append((team, method, token or ""))
        if team is None:
            return 200, {"ok": False, "error": "invalid_auth" if token else "not_authed"}, {}
        status, headers, body = self.fakes[team].handle_api(method, params, token)
        return status, body, headers
