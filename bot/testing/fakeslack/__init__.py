"""A fake Slack owned by the project, for offline tests over real HTTP and WebSockets.

- `FakeSlack` (server.py): the Web API on loopback, with the workspace state, recorded
  calls, Slack's rules (single-use trigger_ids that expire in 3 s, typed tokens, Block
  Kit limits) and fault injection (limits.py: rate limits, 5xx, delays, connection
  resets, before or after the effect, also on the upload URL and response_urls).
- `fake.socket` (socketmode.py): Socket Mode. apps.connections.open, a WebSocket server
  (websocket.py), hello, envelopes, acks with latency, disconnect and dropped connections.
- `SlackSender` (sender.py): the Slack side that calls the bot over signed HTTP (slash
  commands, clicks, submissions, events), timing each answer against Slack's 3 s ack
  deadline (`AckTooSlow`).
- `FakeOrg` (org.py): several workspaces behind one Web API URL, each call routed by
  its token (another workspace's token is `invalid_auth`), and Slack's side of an
  OAuth install (authorize, `oauth.v2.access`, token rotation).
- `RemoteFake` (remote.py): the same read-back and fault injection for a fake running in
  another process (`python -m bot.testing.fakeslack`).
"""

from .api import SlackError
from .blockkit import validate_view
from .limits import RESPONSE_URL, UPLOAD
from .org import FakeOrg
from .remote import RemoteFake
from .sender import Interactions, SlackSender
from .server import FakeSlack
from .signing import ACK_DEADLINE, AckRecord, AckTooSlow, Reply, sign
from .socketmode import SocketAck, SocketConnection, SocketMode
from .viewstate import state_from

__all__ = [
    "ACK_DEADLINE",
    "RESPONSE_URL",
    "UPLOAD",
    "AckRecord",
    "AckTooSlow",
    "FakeOrg",
    "FakeSlack",
    "Interactions",
    "RemoteFake",
    "Reply",
    "SlackError",
    "SlackSender",
    "SocketAck",
    "SocketConnection",
    "SocketMode",
    "sign",
    "state_from",
    "validate_view",
]
