"""bot.formbody decodes Slack's form bodies exactly as bolt's own parser does,
or hands them to it."""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus, urlencode

import pytest
import slack_bolt.request.request as bolt_request
from hypothesis import example, given, settings
from hypothesis import strategies as st
from slack_bolt.request.internals import parse_body as bolt_parse_body

from bot import formbody

FORM = "application/x-www-form-urlencoded"
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)


def _same(body: str, content_type: str | None = FORM) -> None:
    try:
        expected = bolt_parse_body(body, content_type)
    except ValueError as e:
        with pytest.raises(type(e)):
            formbody.parse_body(body, content_type)
        return
    assert formbody.parse_body(body, content_type) == expected


@settings(max_examples=300, deadline=None)
@given(json_values, st.booleans())
@example({"k": "100% + é \\ \" & = ? 💬 \n\t"}, True)
def test_encoded_payloads_decode_as_bolt_decodes_them(value, plus):
    encode = quote_plus if plus else quote
    _same("payload=" + encode(json.dumps(value, ensure_ascii=False), safe=""))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="payload=%+&\\{}\"ab0Fé💬\x00", max_size=40))
def test_any_body_is_decoded_as_bolt_decodes_it_or_refused_the_same_way(body):
    _same(body)
    _same("payload=" + body)


@pytest.mark.parametrize("body", [
    "", "payload=", "payload=%7B%7D", "payload=%7b%7d", "payload=%7B%7", "payload=%zz",
    "payload=%7B%22a%22%3A%22%C3%A9%22%7D", "payload=%7B%22a%22%3A%22%C3%28%22%7D",
    "payload=%7B%7D&x=1", 'payload={"a":"b\\n"}', 'payload={"a":"é"}', "token=x&team_id=T1",
    urlencode({"payload": json.dumps({"a": "+ 1 % 2"})}), "payload=%5B1%2C2%5D",
])
def test_edge_bodies(body):
    _same(body)
    _same(body, "application/json")
    _same(body, None)


def test_install_puts_it_in_bolts_requests_once():
    formbody.install()
    formbody.install()
    assert bolt_request.parse_body is formbody.parse_body
    from slack_bolt.request import BoltRequest
    body = "payload=" + quote_plus(json.dumps({"type": "view_submission", "x": "100%"}))
    req = BoltRequest(body=body, headers={"content-type": FORM})
    assert req.body == {"type": "view_submission", "x": "100%"} and req.raw_body == body
