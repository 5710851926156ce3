"""Settings from the environment (and a .env file), validated once at start-up."""

from __future__ import annotations

import os
import sys
from functools import cached_property
from pathlib import Path

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SLACK_DEFAULT_API = "https://slack.com/api/"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# The bot scopes an OAuth install asks for: the same as manifest-http.yml's.
DEFAULT_SCOPES = ("channels:join,channels:read,chat:write,commands,files:write,groups:read,"
                  "im:history,im:write,users:read")


class ConfigError(Exception):
    """A setting is missing or invalid; the message names the variable."""


def data_dir() -> Path:
    """The per-user folder for candor's data, so every command finds the same
    database wherever it is run from (XDG on Linux)."""
    try:
        home = Path.home()
    except RuntimeError:
        raise ConfigError("no home folder to keep the database in; set DATABASE_URL") from None
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        base = Path(xdg) if os.path.isabs(xdg) else home / ".local" / "share"
    return base / "candor"


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'candor.db'}"


def _database_url(v: str) -> str:
    """Check a DATABASE_URL and name its driver for SQLAlchemy 2 (psycopg 3)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        u = make_url(v)
    except (ArgumentError, ValueError):
        raise ValueError("can't be read as a database URL; use sqlite:////path/to/candor.db "
                         "or postgresql://user:password@host:5432/dbname") from None
    scheme = v.split("://", 1)[0]
    backend, _, driver = u.drivername.partition("+")
    if backend in ("postgres", "postgresql"):
        # Heroku hands out postgres://; psycopg2 URLs from other tools work
        # unchanged with psycopg 3, which candor installs.
        if driver not in ("", "psycopg", "psycopg2"):
            raise ValueError(f"uses the {driver} driver; candor talks to PostgreSQL with psycopg 3: "
                             "write postgresql://…")
        return "postgresql+psycopg" + v[len(scheme):]
    if backend == "sqlite":
        if driver not in ("", "pysqlite"):
            raise ValueError(f"uses the {driver} driver; write sqlite:////path/to/candor.db")
        return v
    raise ValueError(f"{backend} isn't supported; use sqlite:////path/to/candor.db "
                     "or postgresql://user:password@host:5432/dbname")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    slack_bot_token: str | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default=SLACK_DEFAULT_API, alias="SLACK_API_URL")
    # Many workspaces: with both set, candor is installed by OAuth (/slack/install)
    # and keeps a bot token per workspace; SLACK_BOT_TOKEN is then not used.
    slack_client_id: str | None = Field(default=None, alias="SLACK_CLIENT_ID")
    slack_client_secret: str | None = Field(default=None, alias="SLACK_CLIENT_SECRET")
    slack_scopes: str = Field(default=DEFAULT_SCOPES, alias="SLACK_SCOPES")
    slack_redirect_uri: str | None = Field(default=None, alias="SLACK_REDIRECT_URI")
    # What an uninstall does to the workspace's data (its token and schedule always go).
    on_uninstall: str = Field(default="keep", alias="CANDOR_ON_UNINSTALL")
    database_url: str = Field(default_factory=default_database_url, alias="DATABASE_URL")
    secret_key: str | None = Field(default=None, alias="CANDOR_SECRET_KEY")
    # Retired master keys, newest first; only `candor keys rotate` reads them.
    old_secret_keys: str = Field(default="", alias="CANDOR_OLD_SECRET_KEYS")
    admins_raw: str = Field(default="", alias="CANDOR_ADMINS")
    port: int = Field(default=3000, alias="PORT", ge=1, le=65535)
    # Raw (encrypted) comments are deleted this long after their round is published.
    retention_days: int = Field(default=180, alias="CANDOR_RETENTION_DAYS", ge=1, le=3650)
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    # conversations.history is Tier 1 (1 call a minute, 15 messages a page)
    # for apps installed outside the Marketplace since May 2025; a Marketplace
    # app may set 50.
    history_per_minute: float = Field(default=1.0, alias="CANDOR_SLACK_HISTORY_PER_MINUTE",
                                      gt=0, le=100)

    @field_validator("slack_api_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return v if v.endswith("/") else v + "/"

    @field_validator("database_url")
    @classmethod
    def _db(cls, v: str) -> str:
        return _database_url(v.strip()) if v.strip() else default_database_url()

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, v: str | None) -> str | None:
        if v and not v.startswith("xoxb-"):
            hint = (" (that is the app-level token: it goes in SLACK_APP_TOKEN)"
                    if v.startswith("xapp-") else "")
            raise ValueError("must be the Bot User OAuth Token, starting with xoxb- "
                             f"(OAuth & Permissions){hint}")
        return v

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, v: str | None) -> str | None:
        if v and not v.startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp- (Basic Information "
                             "→ App-Level Tokens, with the connections:write scope)")
        return v or None

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, v: str) -> str:
        if v.strip().upper() not in LOG_LEVELS:
            raise ValueError(f"{v[:20]!r} isn't a level; use one of {', '.join(LOG_LEVELS)}")
        return v.strip().upper()

    @field_validator("secret_key")
    @classmethod
    def _secret(cls, v: str | None) -> str | None:
        if v is not None and len(v) < 32:
            raise ValueError("must be at least 32 characters (try: python -c 'import secrets; print(secrets.token_urlsafe(48))')")
        return v

    @field_validator("admins_raw")
    @classmethod
    def _admins(cls, v: str) -> str:
        for entry in filter(None, (p.strip() for p in v.split(","))):
            team, _, uid = entry.rpartition(":")
            if team and (team[:1] not in ("T", "E") or not team.isalnum()):
                raise ValueError(f"{entry!r}: {team!r} is not a Slack workspace ID (like T012AB3CD)")
            if uid[:1] not in ("U", "W") or not uid.isalnum():
                raise ValueError(f"{entry!r} is not a Slack user ID (like U012AB3CD, "
                                 "or T012AB3CD:U012AB3CD for one workspace)")
        return v

    @field_validator("on_uninstall")
    @classmethod
    def _on_uninstall(cls, v: str) -> str:
        v = v.strip().lower()
        if v == "delete":
            raise ValueError("delete isn't supported yet (candor has no per-workspace purge); "
                             "use keep, and `candor forget-user` for people who ask")
        if v != "keep":
            raise ValueError(f"{v[:20]!r} isn't a choice; use keep")
        return v

    @model_validator(mode="after")
    def _oauth_pair(self) -> Settings:
        if bool(self.slack_client_id) != bool(self.slack_client_secret):
            missing = "SLACK_CLIENT_SECRET" if self.slack_client_id else "SLACK_CLIENT_ID"
            raise ValueError(f"{missing} must be set too: OAuth installs need both "
                             "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (Basic Information)")
        if self.oauth and self.slack_app_token:
            raise ValueError("SLACK_APP_TOKEN is set with SLACK_CLIENT_ID: installing in many "
                             "workspaces needs candor over HTTP (/slack/install); unset "
                             "SLACK_APP_TOKEN, or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
        return self

    @property
    def oauth(self) -> bool:
        """Many workspaces, installed by OAuth; otherwise one, with SLACK_BOT_TOKEN."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def database_is_default(self) -> bool:
        return self.database_url == default_database_url()

    @cached_property
    def admins(self) -> frozenset[str]:
        """CANDOR_ADMINS entries: `U…` (any workspace, single-workspace mode
        only) or `T…:U…` (that workspace only)."""
        return frozenset(filter(None, (p.strip() for p in self.admins_raw.split(","))))

    def is_listed_admin(self, team_id: str, user_id: str) -> bool:
        """Whether CANDOR_ADMINS makes this person an admin in this workspace.
        With many workspaces only team-prefixed entries count, so one
        workspace's admins are never another's."""
        return f"{team_id}:{user_id}" in self.admins or (
            not self.oauth and user_id in self.admins)

    def require(self, *names: str) -> None:
        """Fail with one clear line if a setting this command needs is unset."""
        for name in names:
            if name == "slack_bot_token" and self.oauth:
                continue  # each workspace's token comes from its OAuth install
            field = type(self).model_fields[name]
            if not getattr(self, name):
                raise ConfigError(f"{field.alias} is not set; it is required for this command")


def load_settings(**overrides) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as e:
        err = e.errors()[0]
        if not err["loc"]:  # a rule across settings: its message names them
            raise ConfigError(err["msg"].removeprefix("Value error, ")) from None
        loc = err["loc"][0]
        alias = next(
            (f.alias for n, f in Settings.model_fields.items() if n == loc or f.alias == loc), loc
        )
        msg = err["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{alias} is invalid: {msg}") from None
