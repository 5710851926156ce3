"""What a service can refuse with. Listeners catch these and answer in words;
anything else is a fault (see `friendly`)."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

# Any database fault, for listeners that must tell a person nothing was saved.
from sqlalchemy.exc import SQLAlchemyError as DatabaseError

# The ballot box's own refusals, raised from storage and shown by listeners.
from storage.ballot_box import AlreadyAnswered, RoundClosed

__all__ = ["AlreadyAnswered", "DatabaseError", "InvalidBallot", "NotInvited", "RoundClosed", "ServiceError",
           "DB_DOWN", "SLACK_DOWN", "UNEXPECTED", "friendly"]

DB_DOWN = ("candor can't reach its database right now, so nothing was changed. "
           "Please try again in a minute.")
SLACK_DOWN = "Slack didn't answer candor just now, so nothing was changed. Please try again shortly."
UNEXPECTED = "Something went wrong on candor's side and nothing was changed. Please try again."


class ServiceError(Exception):
    """A refusal with a message fit to show the person who asked."""


class Invalid(ServiceError):
    """A setting that can't be saved. `field` names the modal input it belongs to."""

    def __init__(self, short: str, field: str | None = None, usage: str | None = None):
        super().__init__(f"{short} Usage: {usage}" if usage else short)
        self.short, self.field = short, field  # a modal shows `short` beside the field


class NotInvited(Exception):
    pass


class InvalidBallot(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__("invalid ballot")
        self.errors = errors  # question key (or "comment") -> catalog key


def friendly(exc: BaseException) -> str:
    """What to tell a person when something failed that wasn't their doing."""
    if isinstance(exc, DatabaseError):
        return DB_DOWN
    if isinstance(exc, SlackApiError):
        return SLACK_DOWN
    return UNEXPECTED
