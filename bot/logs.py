"""Logging: nothing written names a person or carries what they sent.

`setup` installs three layers on the one handler candor writes through:
- `Redact`, a filter (also put on the loggers of Slack's libraries,
  SQLAlchemy and waitress): records that carry a payload lose it before any
  handler sees them: bolt's failed-signature line with its body, slack_sdk's
  request and response dumps, bolt's "Responding with ... body", SQL
  parameters and result rows;
- `Scrubbing`, the formatter: masks the whole formatted record, exception
  text and traceback included (a filter only sees the message);
- `scrub`, which both use: Slack ids of people and workspaces, name fields,
  and anything shaped like a Slack payload, JSON or form-encoded.

The submit path never logs a user id by design; this is the second line of
defence, for libraries and for exception text nobody wrote on purpose.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote_plus

# Users (U, W), bots (B), teams (T), enterprises (E) and DMs (D: one DM is one
# person). Real ids contain a digit; requiring one keeps TIMEOUT or WITHOUT
# readable. The look-behind also catches ids inside URL-encoded JSON (%22U…).
SLACK_ID = re.compile(r"(?:(?<=%[0-9A-Fa-f]{2})|(?<![A-Za-z0-9]))"
                      r"([UWBTED])(?=[A-Z0-9]*[0-9])[A-Z0-9]{6,}(?![A-Za-z0-9])")

# Keys whose values name a person or hold what they wrote or chose.
PERSONAL = ("real_name_normalized|display_name_normalized|real_name|display_name|username|"
            "user_name|first_name|last_name|name|email|phone|title|text|comment|value|"
            "initial_value|selected_options?|submission|private_metadata|payload|token|"
            "trigger_id|response_url")
# Keys that make a {...} blob a Slack payload (or part of one): withheld whole.
PAYLOAD_KEYS = re.compile(
    r"""(["'])(?:view|state|values|user|users|members|profile|message|messages|blocks|"""
    rf"""actions|event|{PERSONAL})\1\s*:""")
VALUE = r"""(?P<v>"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?|[^\s,;&}\])]+)"""
# "name": "x" and 'name': 'x' (JSON, Python reprs) ...
QUOTED_FIELD = re.compile(rf"""(?P<q>["'])(?P<k>{PERSONAL})(?P=q)(?P<sep>\s*:\s*){VALUE}""")
# ... and name=x, name='x', name: "x" (forms, keyword arguments, prose). Not
# "name = x" or "text: str", so source lines in tracebacks stay readable.
BARE_FIELD = re.compile(rf"""(?P<q>)\b(?P<k>{PERSONAL})(?P<sep>=|:\s*(?=["']))(?!=){VALUE}""")
# Form bodies and URL-encoded JSON are judged a whitespace-free token at a
# time: a plain scan, with no backtracking over a body of half a megabyte.
TOKEN = re.compile(r"\S+")
FORM_KEYS = re.compile(rf"(?<![\w.-])(?:{PERSONAL}|user_id|command|channel_name)=")
ERROR_CODE = re.compile(r"""["']error["']\s*:\s*["']([a-z_]{1,60})["']""")
SQL_PARAMETERS = re.compile(r"\[parameters: [^\n]*\]")

WITHHELD = "(withheld)"

# Message templates of slack_bolt (slack_bolt/logger/messages.py,
# request_verification.py) and slack_sdk (web/base_client.py,
# webhook/client.py, web/internal_utils.py) that carry a body, cut before it.
LIBRARIES = ("slack_bolt", "slack_sdk", "candor.bolt", "slack", "sqlalchemy", "waitress")
TEMPLATES = [
    (re.compile(r"^(Invalid request signature detected)\b.*", re.S), r"\1 (body withheld)"),
    (re.compile(r"^(A global middleware \(.*?\) skipped calling .*?) for the request \(.*", re.S),
     r"\1 (body withheld)"),
    (re.compile(r"^Unhandled request \(.*", re.S), "Unhandled request (body withheld)"),
    (re.compile(r"^(Responding with status: \d+) body: .*?(\(\d+ millis\))?$", re.S),
     r"\1 body withheld \2"),
    (re.compile(r"^(Responding with listener middleware's response - listener: [^,]*, "
                r"status: \d+), body: .*?(\(\d+ millis\))?$", re.S), r"\1 body withheld \2"),
    (re.compile(r"^Skipped self event: .*", re.S), "Skipped self event (withheld)"),
    # Keep the host and the API method; a response_url's path is a credential.
    (re.compile(r"^(Sending a request) - url: (https?://[^/\s,]*)(/api/[\w.]+)?.*", re.S),
     r"\1 to \2\3 (parameters withheld)"),
    (re.compile(r"^(Received the following response - status: \d+).*", re.S),
     r"\1 (headers and body withheld)"),
    (re.compile(r"^(Unsuccessful Bolt execution result \(status: \d+).*", re.S),
     r"\1; body withheld)"),
    (re.compile(r"^(Failed to decode Slack API response):.*", re.S), r"\1 (body withheld)"),
    (re.compile(r"^((?:Request|request) body):.*", re.S), r"\1 withheld"),
]


def scrub(text: str) -> str:
    """`text` without Slack ids of people, name fields or payloads."""
    if not text:
        return text
    text = SQL_PARAMETERS.sub("[parameters withheld]", text)
    if PAYLOAD_KEYS.search(text):
        text = _withhold_blobs(text)
    if "%22" in text or "&" in text:
        text = TOKEN.sub(_token, text)
    text = BARE_FIELD.sub(_field, QUOTED_FIELD.sub(_field, text))
    return SLACK_ID.sub(r"\1…", text)


def _token(m: re.Match) -> str:
    token = m[0]
    if "%22" in token and PAYLOAD_KEYS.search(unquote_plus(token)):  # %7B%22user%22%3A...
        return WITHHELD
    if "&" in token and FORM_KEYS.search(token):  # user_id=U…&user_name=…&text=…
        return "(form body withheld)"
    return token


def _field(m: re.Match) -> str:
    q = m["v"][:1] if m["v"][:1] in "\"'" else ""
    return f"{m['q']}{m['k']}{m['q']}{m['sep']}{q}…{q}"


def _withhold_blobs(text: str) -> str:
    """Replace each outermost {...} that holds a payload key by {…}. One left
    open (a truncated body) is withheld to the end of the text. Linear: no
    character is scanned twice."""
    out, i = [], 0
    while (start := text.find("{", i)) >= 0:
        end = _closing(text, start)
        out.append(text[i:start])
        blob = text[start:end]
        if PAYLOAD_KEYS.search(blob):
            code = ERROR_CODE.search(blob)  # Slack's error code is what an operator needs
            blob = f"{{'error': '{code[1]}', …}}" if code else "{…}"
        out.append(blob)
        i = end
    out.append(text[i:])
    return "".join(out)


def _closing(text: str, start: int) -> int:
    """Where the blob opened at text[start] ends: after its closing brace,
    at the end of its line if it is a lone brace in prose, or at the end."""
    depth, quote, escaped, colon = 0, "", False, False
    for i in range(start, len(text)):
        ch = text[i]
        if escaped:
            escaped = False
        elif quote:
            escaped, quote = ch == "\\", "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return i + 1
        elif ch == ":":
            colon = True
        elif ch == "\n" and not colon:
            return i
    return len(text)


def redact_message(name: str, msg: object, args: object, message: str) -> str:
    """The message a record may keep: payload-carrying templates of the Slack
    libraries cut before the body; SQL parameters and rows withheld."""
    if name.startswith("sqlalchemy.engine"):
        if msg == "[%s] %r" and isinstance(args, tuple) and args:
            return f"[{args[0]}] {WITHHELD}"
        if msg == "Row %r":
            return f"Row {WITHHELD}"
    if name.startswith(LIBRARIES):
        for pattern, repl in TEMPLATES:
            message, hits = pattern.subn(repl, message, count=1)
            if hits:
                break
    return scrub(message)


class Redact(logging.Filter):
    """Rewrites a record in place so every later handler sees it clean."""

    _plain = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a call whose args don't fit its template
            message = str(record.msg)
        clean = redact_message(record.name, record.msg, record.args, message)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = self._plain.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


class Scrubbing(logging.Formatter):
    """Masks everything it writes, exception text and traceback included."""

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return scrub(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:  # noqa: N802 - logging's name
        return scrub(super().formatStack(stack_info))

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


REDACT = Redact()


def _guard(logger: logging.Logger) -> logging.Logger:
    if REDACT not in logger.filters:
        logger.addFilter(REDACT)
    return logger


def bolt_logger() -> logging.Logger:
    """The logger to hand bolt's App: bolt copies its filters onto every
    logger it makes (slack_bolt.RequestVerification among them), so the
    redaction travels with them whatever handler is attached."""
    return _guard(logging.getLogger("candor.bolt"))


def setup(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(REDACT)
    handler.setFormatter(Scrubbing("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Library debug logs echo request bodies and SQL parameters; keep them
    # quiet even at DEBUG (the filters still apply if someone turns them up).
    for noisy in ("slack_bolt", "slack_sdk", "candor.bolt", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.INFO, root.level))
    for noisy in ("apscheduler", "sqlalchemy"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Logger filters apply only where a record is made, so each library
    # logger gets its own, for handlers other than ours (e.g. an APM agent).
    for name in ("slack_sdk.web.base_client", "slack_sdk.webhook.client", "sqlalchemy.engine.Engine",
                 *list(logging.root.manager.loggerDict)):
        if name.startswith(LIBRARIES):
            _guard(logging.getLogger(name))
    bolt_logger()
