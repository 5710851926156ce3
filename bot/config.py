"""Settings from the environment (and a .env file), validated once at start-up."""

from __future__ import annotations

from functools import cached_property

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SLACK_DEFAULT_API = "https://slack.com/api/"


class ConfigError(Exception):
    """A setting is missing or invalid; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    slack_bot_token: str | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default=SLACK_DEFAULT_API, alias="SLACK_API_URL")
    database_url: str = Field(default="sqlite:///candor.db", alias="DATABASE_URL")
    secret_key: str | None = Field(default=None, alias="CANDOR_SECRET_KEY")
    # Retired master keys, newest first; only `candor keys rotate` reads them.
    old_secret_keys: str = Field(default="", alias="CANDOR_OLD_SECRET_KEYS")
    admins_raw: str = Field(default="", alias="CANDOR_ADMINS")
    port: int = Field(default=3000, alias="PORT", ge=1, le=65535)
    # Raw (encrypted) comments are deleted this long after their round is published.
    retention_days: int = Field(default=180, alias="CANDOR_RETENTION_DAYS", ge=1, le=3650)
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")

    @field_validator("slack_api_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return v if v.endswith("/") else v + "/"

    @field_validator("database_url")
    @classmethod
    def _db(cls, v: str) -> str:
        # Heroku hands out postgres://; SQLAlchemy 2 wants a dialect+driver name.
        if v.startswith("postgres://"):
            v = "postgresql+psycopg://" + v[len("postgres://"):]
        elif v.startswith("postgresql://"):
            v = "postgresql+psycopg://" + v[len("postgresql://"):]
        if not v.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgres:// URL")
        return v

    @field_validator("secret_key")
    @classmethod
    def _secret(cls, v: str | None) -> str | None:
        if v is not None and len(v) < 32:
            raise ValueError("must be at least 32 characters (try: python -c 'import secrets; print(secrets.token_urlsafe(48))')")
        return v

    @field_validator("admins_raw")
    @classmethod
    def _admins(cls, v: str) -> str:
        for uid in filter(None, (p.strip() for p in v.split(","))):
            if uid[:1] not in ("U", "W") or not uid.isalnum():
                raise ValueError(f"{uid!r} is not a Slack user ID (like U012AB3CD)")
        return v

    @cached_property
    def admins(self) -> frozenset[str]:
        return frozenset(filter(None, (p.strip() for p in self.admins_raw.split(","))))

    def require(self, *names: str) -> None:
        """Fail with one clear line if a setting this command needs is unset."""
        for name in names:
            field = type(self).model_fields[name]
            if not getattr(self, name):
                raise ConfigError(f"{field.alias} is not set; it is required for this command")


def load_settings(**overrides) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as e:
        err = e.errors()[0]
        loc = err["loc"][0] if err["loc"] else "setting"
        alias = next(
            (f.alias for n, f in Settings.model_fields.items() if n == loc or f.alias == loc), loc
        )
        msg = err["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{alias} is invalid: {msg}") from None
