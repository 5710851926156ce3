"""Image blocks naming an uploaded file (`slack_file`), checked as Slack does
(docs.slack.dev, "Slack file object"): exactly one of id or url; the file must
be a png/jpg/jpeg/gif the app can see, and an upload shared nowhere is private
to the uploader, so Slack answers "invalid slack file"."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.testing.fakeslack import FakeSlack


def _image(ref: dict) -> dict:
    return {"type": "image", "slack_file": ref, "alt_text": "A heatmap"}


def _home(client: WebClient, block: dict):
    return client.views_publish(user_id="U1", view={"type": "home", "blocks": [block]})


def _refused(call) -> tuple[str, list[str]]:
    with pytest.raises(SlackApiError) as info:
        call()
    r = info.value.response
    return r["error"], r.get("response_metadata", {}).get("messages", [])


def _upload(client: WebClient, channel: str | None, name: str = "heat.png") -> dict:
    kw = {"channel": channel} if channel else {}
    return client.files_upload_v2(content=b"\x89PNG", filename=name, **kw)["file"]


def test_a_shared_image_is_shown_by_id_or_url(fake: FakeSlack, client: WebClient):
    fake.add_user("U1", "u1", "U One")
    fake.add_channel("C1", "leaders", members=["U1", fake.bot_user_id])
    f = _upload(client, "C1")
    assert _home(client, _image({"id": f["id"]}))["ok"]
    assert _home(client, _image({"url": f["url_private"]}))["ok"]
    assert _home(client, _image({"url": f["permalink"]}))["ok"]
    assert client.chat_postMessage(channel="C1", text="x", blocks=[_image({"id": f["id"]})])["ok"]


def test_what_slack_refuses(fake: FakeSlack, client: WebClient):
    fake.add_user("U1", "u1", "U One")
    fake.add_channel("C1", "leaders", members=["U1", fake.bot_user_id])
    shared, private = _upload(client, "C1"), _upload(client, None)
    csv = _upload(client, "C1", "data.csv")
    for ref, where in (({"id": private["id"]}, "/view/blocks/0/slack_file"),  # shared nowhere
                       ({"id": "F0NOSUCH"}, "/view/blocks/0/slack_file"),
                       ({"id": csv["id"]}, "/view/blocks/0/slack_file"),  # not an image
                       ({"id": shared["id"], "url": shared["url_private"]},
                        "/view/blocks/0/slack_file")):  # both: rejected
        error, messages = _refused(lambda ref=ref: _home(client, _image(ref)))
        assert error == "invalid_arguments"
        assert messages == [f"[ERROR] invalid slack file [json-pointer:{where}]"], ref
    error, messages = _refused(lambda: client.chat_postMessage(
        channel="C1", text="x", blocks=[_image({"id": private["id"]})]))
    assert error == "invalid_blocks" and "invalid slack file" in messages[0]
    # Neither image_url nor slack_file, or both; no alt_text.
    both = {**_image({"id": shared["id"]}), "image_url": "https://example.org/a.png"}
    assert "either image_url or slack_file" in _refused(lambda: _home(client, both))[1][0]
    bare = {"type": "image", "slack_file": {"id": shared["id"]}}
    assert "alt_text" in _refused(lambda: _home(client, bare))[1][0]
