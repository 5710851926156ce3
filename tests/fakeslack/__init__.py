"""A fake Slack owned by the project: a Web API server (`FakeSlack`) and the Slack side
that calls the bot over signed HTTP (`SlackSender`). See server.py / sender.py."""

from .remote import RemoteFake
from .sender import Reply, SlackSender, sign, state_from
from .server import FakeSlack, SlackError

__all__ = ["FakeSlack", "RemoteFake", "Reply", "SlackError", "SlackSender", "sign", "state_from"]
