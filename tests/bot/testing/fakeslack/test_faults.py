"""Fault injection through a real slack_sdk WebClient: files_upload_v2's upload URL
failing, answers lost after the effect (500, reset, timeout), and slow answers."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.testing.fakeslack import RESPONSE_URL, UPLOAD, FakeSlack


@pytest.fixture
def reports(fake: FakeSlack) -> str:
    fake.add_channel("C1", "reports", members=["U1", fake.bot_user_id])
    return "C1"


def upload(client: WebClient, channel: str):
    return client.files_upload_v2(channel=channel, content=b"PNG bytes", filename="c.png")


def test_upload_url_answering_500(fake: FakeSlack, client: WebClient, reports: str):
    fake.inject(UPLOAD, 500)
    with pytest.raises(urllib.error.HTTPError) as info:  # what slack_sdk lets through
        upload(client, reports)
    assert info.value.code == 500
    assert fake.calls_to("files.getUploadURLExternal") and not fake.calls_to(
        "files.completeUploadExternal"
    )
    assert fake.files == [] and fake.channel_messages(reports) == []
    assert fake.stats()["injected"] == {UPLOAD: 1}
    upload(client, reports)  # the fault was used up: the next upload works
    assert len(fake.files) == 1


def test_upload_url_connection_reset(fake: FakeSlack, client: WebClient, reports: str):
    fake.inject_reset(UPLOAD)
    with pytest.raises(ConnectionResetError):
        upload(client, reports)
    assert fake.files == [] and not fake.calls_to("files.completeUploadExternal")


def test_upload_url_timeout(fake: FakeSlack, reports: str):
    impatient = WebClient(base_url=fake.api_url, token=fake.bot_token, timeout=0.3)
    fake.inject_delay(UPLOAD, 0.8)
    with pytest.raises(TimeoutError):
        upload(impatient, reports)
    assert fake.files == [] and not fake.calls_to("files.completeUploadExternal")


@pytest.mark.parametrize("method", ["files.getUploadURLExternal", "files.completeUploadExternal"])
def test_upload_steps_answering_5xx(fake: FakeSlack, client: WebClient, reports: str, method: str):
    fake.inject(method, 503)
    with pytest.raises(SlackApiError) as info:
        upload(client, reports)
    assert info.value.response.status_code == 503
    assert fake.files == [] and fake.channel_messages(reports) == []


def test_complete_upload_500_after_sharing(fake: FakeSlack, client: WebClient, reports: str):
    fake.inject("files.completeUploadExternal", 500, after_effect=True)
    with pytest.raises(SlackApiError):
        upload(client, reports)
    (shared,) = fake.files  # shared in the channel although the client saw an error
    assert shared["channel"] == reports and shared["content"] == b"PNG bytes"


@pytest.mark.parametrize("method", ["chat.postMessage", "chat.update"])
def test_500_after_the_change_was_made(fake: FakeSlack, client: WebClient, method: str):
    posted = client.chat_postMessage(channel="U1", text="v1")
    fake.inject(method, 500, after_effect=True)
    with pytest.raises(SlackApiError) as info:
        if method == "chat.update":
            client.chat_update(channel=posted["channel"], ts=posted["ts"], text="v2")
        else:
            client.chat_postMessage(channel="U1", text="v2")
    assert info.value.response.status_code == 500
    texts = [m["text"] for m in fake.dm_messages("U1")]
    assert texts == (["v2"] if method == "chat.update" else ["v1", "v2"])


@pytest.mark.parametrize("method", ["chat.postMessage", "chat.update"])
def test_timeout_after_the_change_was_made(fake: FakeSlack, method: str):
    posted = WebClient(base_url=fake.api_url, token=fake.bot_token).chat_postMessage(
        channel="U1", text="v1"
    )
    impatient = WebClient(base_url=fake.api_url, token=fake.bot_token, timeout=0.3)
    fake.inject_delay(method, 0.8, after_effect=True)
    with pytest.raises(TimeoutError):
        if method == "chat.update":
            impatient.chat_update(channel=posted["channel"], ts=posted["ts"], text="v2")
        else:
            impatient.chat_postMessage(channel="U1", text="v2")
    assert fake.dm_messages("U1")[-1]["text"] == "v2"


def test_reset_after_the_post_and_before_it(fake: FakeSlack):
    bare = WebClient(base_url=fake.api_url, token=fake.bot_token, retry_handlers=[])
    fake.inject_reset("chat.postMessage", after_effect=True)
    with pytest.raises(ConnectionResetError):
        bare.chat_postMessage(channel="U1", text="landed")
    fake.inject_reset("chat.postMessage")
    with pytest.raises(ConnectionResetError):
        bare.chat_postMessage(channel="U1", text="lost")
    assert [m["text"] for m in fake.dm_messages("U1")] == ["landed"]
    assert fake.stats()["injected"] == {"chat.postMessage": 2}


def test_default_client_retries_a_reset_and_posts_twice(fake: FakeSlack, client: WebClient):
    # slack_sdk's default ConnectionErrorRetryHandler repeats the call: the duplicate a
    # blind retry of a non-idempotent method makes when the first attempt had landed.
    fake.inject_reset("chat.postMessage", after_effect=True)
    assert client.chat_postMessage(channel="U1", text="once?")["ok"]
    assert [m["text"] for m in fake.dm_messages("U1")] == ["once?", "once?"]


def _post_in_background(client: WebClient, text: str) -> tuple[threading.Thread, list]:
    result: list = []
    thread = threading.Thread(
        target=lambda: result.append(client.chat_postMessage(channel="U1", text=text))
    )
    thread.start()
    return thread, result


def test_delayed_post_stored_after_the_delay(fake: FakeSlack, client: WebClient):
    fake.inject_delay("chat.postMessage", 0.8)
    thread, result = _post_in_background(client, "late")
    fake.wait_for(lambda: fake.calls_to("chat.postMessage"))
    assert fake.dm_messages("U1") == []  # in flight: not posted yet
    thread.join(5)
    assert result[0]["ok"] and [m["text"] for m in fake.dm_messages("U1")] == ["late"]


def test_delayed_post_stored_before_the_delay(fake: FakeSlack, client: WebClient):
    fake.inject_delay("chat.postMessage", 0.8, after_effect=True)
    thread, result = _post_in_background(client, "early")
    fake.wait_for(lambda: fake.dm_messages("U1"))
    assert thread.is_alive() and result == []  # posted, the answer not yet sent
    thread.join(5)
    assert result[0]["ts"] == fake.dm_messages("U1")[0]["ts"]


def test_response_url_faults(fake: FakeSlack):
    url = fake.new_response_url("U1", fake.dm_channel_id("U1"))
    body = json.dumps({"text": "hi", "response_type": "in_channel"}).encode()

    def post():
        request = urllib.request.Request(
            url, data=body, headers={"Content-Type": "application/json"}
        )
        return urllib.request.urlopen(request, timeout=5)

    fake.inject(RESPONSE_URL, 500, after_effect=True)
    with pytest.raises(urllib.error.HTTPError) as info:
        post()
    assert info.value.code == 500 and [r["text"] for r in fake.responses] == ["hi"]
    fake.inject_reset(RESPONSE_URL)
    with pytest.raises(ConnectionResetError):
        post()
    assert len(fake.responses) == 1
