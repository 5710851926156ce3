"""A fake Slack owned by the project: a Web API server (`FakeSlack`, server.py) and the
Slack side that calls the bot over signed HTTP (`SlackSender`, sender.py)."""

from .api import SlackError
from .blockkit import validate_view
from .remote import RemoteFake
from .sender import SlackSender
from .server import FakeSlack
from .signing import Reply, sign
from .viewstate import state_from

__all__ = [
    "FakeSlack",
    "RemoteFake",
    "Reply",
    "SlackError",
    "SlackSender",
    "sign",
    "state_from",
    "validate_view",
]
