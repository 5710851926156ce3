"""Slack's form bodies, decoded at C speed.

Every interaction Slack sends is `payload=<percent-encoded JSON>`, and a
check-in submit carries its whole modal: about 10 kB, a third of it escapes.
bolt decodes it with urllib's `parse_qsl`, whose percent-decoding is a Python
loop over every escape: the largest single cost of a submit (issue 12).

`parse_body` decodes the same bodies with str.replace and the
`unicode_escape` codec instead, and hands anything it isn't sure of to
bolt's own parser: a body that is not one `payload=` field, has a raw
backslash or non-ASCII character, or a `%` not followed by two hex digits.
What it returns is what bolt's parser returns (tests/bot/test_formbody.py
checks that with generated payloads). The signature is still checked by
bolt, over the raw body, before any listener runs.
"""

from __future__ import annotations

import json
import re

import slack_bolt.request.request as _bolt_request
from slack_bolt.request.internals import parse_body as bolt_parse_body

FORM = "application/x-www-form-urlencoded"
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def parse_body(body: str, content_type: str | None):
    """bolt's `parse_body`, with a fast path for `payload=` form bodies."""
    fast = _payload(body) if content_type == FORM else None
    return fast if fast is not None else bolt_parse_body(body, content_type)


def _payload(body: str):
    if not body.startswith("payload=") or "&" in body or "\\" in body or not body.isascii():
        return None
    value = body[8:]
    if _BAD_ESCAPE.search(value):
        return None
    # '+' is a space in a form; each %XY becomes \xXY, which unicode_escape
    # turns into the byte XY (as U+00XY); latin-1 gives the bytes back and
    # UTF-8 decodes them, as urllib's unquote does (errors="replace").
    text = (value.replace("+", " ").replace("%", "\\x").encode("ascii")
            .decode("unicode_escape").encode("latin-1").decode("utf-8", "replace"))
    try:
        return json.loads(text)
    except ValueError:
        return None  # let bolt's parser raise or answer as it always has


def install() -> None:
    """Make bolt's requests use `parse_body` (once per process; idempotent)."""
    if getattr(_bolt_request, "parse_body", None) is not bolt_parse_body:
        return  # already installed, or bolt changed: keep whatever it has
    _bolt_request.parse_body = parse_body
