"""The fake Web API, driven through a real slack_sdk WebClient."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from bot.testing.fakeslack import FakeSlack, RemoteFake

REPO = Path(__file__).resolve().parents[2]
QUICK = FixedValueRetryIntervalCalculator(0.01)


def error_of(call) -> str:
    with pytest.raises(SlackApiError) as info:
        call()
    return info.value.response["error"]


def test_auth_and_unknown_method(fake: FakeSlack, client: WebClient):
    auth = client.auth_test()
    assert (auth["team_id"], auth["user_id"], auth["bot_id"]) == ("T0001", "UBOT", "BBOT")
    wrong = WebClient(base_url=fake.api_url, token="xoxb-wrong")
    assert error_of(wrong.auth_test) == "invalid_auth"
    assert error_of(lambda: client.api_call("no.such.method")) == "unknown_method"


def test_users_list_paginates_with_cursor(fake: FakeSlack, client: WebClient):
    for i in range(2500):
        fake.add_user(f"UX{i:05d}", f"user{i}")
    # SlackResponse iteration reuses one object, so read each page as it comes.
    pages = [page["members"] for page in client.users_list(limit=1000)]
    assert [len(p) for p in pages] == [1000, 1000, 504]  # + U1, U2, the bot and Slackbot
    ids = [m["id"] for p in pages for m in p]
    assert len(set(ids)) == len(ids) == 2504
    assert error_of(lambda: client.users_list(cursor="garbage")) == "invalid_cursor"


def test_user_shapes(fake: FakeSlack, client: WebClient):
    fake.add_user("U3", "nozone", tz=None, is_owner=True)
    members = {m["id"]: m for m in client.users_list()["members"]}
    assert members["UBOT"]["is_bot"] and members["UBOT"]["profile"]["bot_id"] == "BBOT"
    assert members["USLACKBOT"]["is_bot"] is False  # the classic trap: filter it by id
    ben = members["U2"]
    assert ben["tz"] == "America/Los_Angeles" and ben["tz_offset"] in (-28800, -25200)
    assert ben["profile"]["real_name"] == "Ben Brooks" and "locale" not in ben
    assert "tz" not in members["U3"] and members["U3"]["is_admin"]
    info = client.users_info(user="U2", include_locale=True)["user"]
    assert info["locale"] == "es-US"
    assert error_of(lambda: client.users_info(user="UNOPE")) == "user_not_found"


def test_post_to_user_id_lands_in_dm(fake: FakeSlack, client: WebClient):
    fake.marketplace()  # two history reads in a row; Tier 1 is tested below
    blocks = [{"type": "section", "block_id": "q", "text": {"type": "mrkdwn", "text": "Hi"}}]
    meta = {"event_type": "survey_question", "event_payload": {"q": 1}}
    first = client.chat_postMessage(channel="U1", text="hello", blocks=blocks, metadata=meta)
    second = client.chat_postMessage(channel="U1", text="again")
    dm = client.conversations_open(users="U1")["channel"]["id"]
    assert first["channel"] == second["channel"] == dm == fake.dm_channel_id("U1")
    assert float(second["ts"]) > float(first["ts"])
    stored = fake.dm_messages("U1")
    assert [m["text"] for m in stored] == ["hello", "again"]
    assert stored[0]["metadata"] == meta and stored[0]["blocks"] == blocks
    history = client.conversations_history(channel=dm)["messages"]
    assert [m["text"] for m in history] == ["again", "hello"]  # newest first
    assert history[1]["metadata"] == meta and history[1]["bot_id"] == "BBOT"
    newer = client.conversations_history(channel="U1", oldest=first["ts"], limit=5)
    assert [m["text"] for m in newer["messages"]] == ["again"]
    assert fake.calls_to("chat.postMessage")[0]["metadata"] == meta


def test_update_delete_and_ephemeral(fake: FakeSlack, client: WebClient):
    posted = client.chat_postMessage(channel="U1", text="v1")
    client.chat_update(channel=posted["channel"], ts=posted["ts"], text="v2")
    assert fake.dm_messages("U1")[0]["text"] == "v2"
    client.chat_delete(channel=posted["channel"], ts=posted["ts"])
    assert fake.dm_messages("U1") == []
    assert error_of(lambda: client.chat_update(channel=posted["channel"], ts="1.0", text="x")) == (
        "message_not_found"
    )
    client.chat_postEphemeral(channel=fake.dm_channel_id("U1"), user="U1", text="psst")
    assert fake.ephemerals[0]["user"] == "U1" and fake.ephemerals[0]["text"] == "psst"


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_channel_membership_rules(fake: FakeSlack, client: WebClient):
    fake.add_channel("C1", "general", members=["U1", "U2"])
    fake.add_channel("G1", "leads", members=["U1"], is_private=True)
    assert error_of(lambda: client.chat_postMessage(channel="C1", text="x")) == "not_in_channel"
    assert error_of(lambda: client.conversations_join(channel="G1")) == (
        "method_not_supported_for_channel_type"
    )
    assert error_of(lambda: client.conversations_info(channel="G1")) == "channel_not_found"
    client.conversations_join(channel="C1")
    assert client.conversations_info(channel="C1")["channel"]["is_member"]
    client.chat_postMessage(channel="C1", text="hi all")
    assert [m["text"] for m in fake.channel_messages("C1")] == ["hi all"]
    pages = [page["members"] for page in client.conversations_members(channel="C1", limit=2)]
    assert pages == [["U1", "U2"], ["UBOT"]]
    fake.set_members("G1", ["U1", fake.bot_user_id])
    assert client.conversations_members(channel="G1")["members"] == ["U1", "UBOT"]
    assert error_of(lambda: client.chat_postMessage(channel="U2", text="")) == "no_text"
    assert error_of(lambda: client.chat_postMessage(channel="UBOT", text="x")) == "cannot_dm_bot"


MODAL = {
    "type": "modal",
    "callback_id": "survey",
    "title": {"type": "plain_text", "text": "Survey"},
    "submit": {"type": "plain_text", "text": "Send"},
    "private_metadata": "wave-1",
    "blocks": [
        {
            "type": "input",
            "block_id": "b1",
            "label": {"type": "plain_text", "text": "Q"},
            "element": {"type": "plain_text_input", "action_id": "a"},
        }
    ],
}


def test_triggers_expire_and_work_once(client: WebClient):
    with FakeSlack(trigger_ttl=0.2) as fake:
        c = WebClient(base_url=fake.api_url, token=fake.bot_token)
        trigger = fake.issue_trigger("U1")
        view = c.views_open(trigger_id=trigger, view=MODAL)["view"]
        assert view["id"].startswith("V") and view["hash"] and view["callback_id"] == "survey"
        assert fake.last_opened_view("U1")["private_metadata"] == "wave-1"
        assert error_of(lambda: c.views_open(trigger_id=trigger, view=MODAL)) == (
            "exchanged_trigger_id"
        )
        stale = fake.issue_trigger("U1")
        time.sleep(0.25)
        assert error_of(lambda: c.views_open(trigger_id=stale, view=MODAL)) == "expired_trigger_id"
        assert (
            error_of(lambda: c.views_open(trigger_id="1.2.3", view=MODAL)) == "invalid_trigger_id"
        )


def test_views_update_push_publish_and_validation(fake: FakeSlack, client: WebClient):
    opened = client.views_open(trigger_id=fake.issue_trigger("U1"), view=MODAL)["view"]
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=MODAL)["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    stale = lambda: client.views_update(view_id=opened["id"], hash=opened["hash"], view=MODAL)  # noqa: E731
    assert error_of(stale) == "hash_conflict"
    pushed = client.views_push(trigger_id=fake.issue_trigger("U1"), view=MODAL)["view"]
    assert pushed["previous_view_id"] == opened["id"] and pushed["root_view_id"] == opened["id"]
    assert [v["id"] for v in fake.open_views("U1")] == [opened["id"], pushed["id"]]
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}],
    }
    first = client.views_publish(user_id="U2", view=home)["view"]
    again = client.views_publish(user_id="U2", view=home)["view"]
    assert first["id"] == again["id"] and fake.home_views["U2"]["type"] == "home"
    too_long = {**MODAL, "title": {"type": "plain_text", "text": "x" * 25}}
    with pytest.raises(SlackApiError) as info:
        client.views_open(trigger_id=fake.issue_trigger("U1"), view=too_long)
    assert info.value.response["error"] == "invalid_arguments"
    assert "title" in info.value.response["response_metadata"]["messages"][0]


def test_files_upload_v2_end_to_end(fake: FakeSlack, client: WebClient):
    fake.add_channel("C1", "reports", members=["U1", fake.bot_user_id])
    result = client.files_upload_v2(
        channel="C1",
        content=b"\x89PNG fake bytes",
        filename="chart.png",
        title="Monthly chart",
        alt_txt="A bar chart",
        initial_comment="Here it is",
    )
    assert result["file"]["title"] == "Monthly chart"
    (stored,) = fake.files
    assert stored["content"] == b"\x89PNG fake bytes" and stored["alt_txt"] == "A bar chart"
    assert stored["channel"] == "C1" and stored["title"] == "Monthly chart"
    (message,) = fake.channel_messages("C1")
    assert message["text"] == "Here it is" and message["files"][0]["id"] == stored["id"]
    dm = fake.dm_channel_id("U1")
    client.files_upload_v2(channel=dm, content="csv,data\n", filename="r.csv")
    assert fake.files[-1]["channel"] == dm and fake.files[-1]["title"] == "r.csv"


def test_rate_limit_429_is_honoured_by_retry_handler(fake: FakeSlack):
    fake.set_rate_limit("chat.postMessage", per_second=5, burst=1)
    bare = WebClient(base_url=fake.api_url, token=fake.bot_token)
    bare.chat_postMessage(channel="U1", text="1")
    with pytest.raises(SlackApiError) as info:
        bare.chat_postMessage(channel="U1", text="2")
    assert info.value.response.status_code == 429
    assert info.value.response.headers["Retry-After"] == "1"
    retrying = WebClient(
        base_url=fake.api_url,
        token=fake.bot_token,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    fake.clear_rate_limits()
    fake.inject_429("chat.postMessage", retry_after=0)
    retrying.chat_postMessage(channel="U1", text="3")
    assert [m["text"] for m in fake.dm_messages("U1")] == ["1", "3"]  # 429s had no effect
    stats = fake.stats()
    assert stats["ratelimited"] == 2 and stats["calls"]["chat.postMessage"] >= 4


def test_server_errors_and_after_effect_faults(fake: FakeSlack):
    retrying = WebClient(
        base_url=fake.api_url,
        token=fake.bot_token,
        retry_handlers=[ServerErrorRetryHandler(max_retry_count=2, interval_calculator=QUICK)],
    )
    fake.inject("chat.postMessage", status=503, count=2)
    retrying.chat_postMessage(channel="U1", text="survived")
    assert [m["text"] for m in fake.dm_messages("U1")] == ["survived"]
    assert len(fake.calls_to("chat.postMessage")) == 3

    bare = WebClient(base_url=fake.api_url, token=fake.bot_token)
    fake.inject("chat.postMessage", status=500, after_effect=True)
    with pytest.raises(SlackApiError) as info:
        bare.chat_postMessage(channel="U1", text="posted anyway")
    assert info.value.response.status_code == 500
    assert fake.dm_messages("U1")[-1]["text"] == "posted anyway"


def test_delay_simulates_timeouts(fake: FakeSlack):
    impatient = WebClient(base_url=fake.api_url, token=fake.bot_token, timeout=0.2)
    fake.inject_delay("chat.postMessage", 0.6, after_effect=True)
    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel="U1", text="did it land?")
    assert fake.dm_messages("U1")[-1]["text"] == "did it land?"  # yes: effect came first


def test_state_endpoint_and_remote(fake: FakeSlack, client: WebClient):
    client.chat_postMessage(channel="U1", text="one")
    with urllib.request.urlopen(fake.base_url + "/_fake/state") as response:
        state = json.loads(response.read())
    assert state["dm_counts"] == {"U1": 1} and state["calls"]["chat.postMessage"] == 1
    remote = RemoteFake(fake.api_url)
    assert remote.team_id == "T0001" and remote.dm_messages("U1")[0]["text"] == "one"
    trigger = remote.issue_trigger("U1")  # what a cross-process SlackSender relies on
    assert client.views_open(trigger_id=trigger, view=MODAL)["view"]["callback_id"] == "survey"
    assert remote.last_opened_view("U1")["private_metadata"] == "wave-1"
    remote.inject("chat.postMessage", 502)
    assert error_of(lambda: client.chat_postMessage(channel="U1", text="x")) == "bad_gateway"


def test_standalone_process_with_limits():
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.testing.fakeslack", "--users", "5",
         "--limit", "chat.postMessage=1/m:1", "--limit", "users.list=20/m"],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        api_url = proc.stdout.readline().strip()
        assert api_url.startswith("http://127.0.0.1:") and api_url.endswith("/api/")
        client = WebClient(base_url=api_url, token="xoxb-test")
        humans = [m for m in client.users_list()["members"] if not m["is_bot"]]
        assert len([m for m in humans if m["id"].startswith("U0")]) == 5
        client.chat_postMessage(channel="U000001", text="hi")
        with pytest.raises(SlackApiError) as info:
            client.chat_postMessage(channel="U000002", text="hi")
        assert int(info.value.response.headers["Retry-After"]) >= 59
        assert RemoteFake(api_url).state()["dm_counts"] == {"U000001": 1}
    finally:
        proc.terminate()
        proc.wait(timeout=5)


def test_history_is_tier_1_outside_the_marketplace(fake: FakeSlack, client: WebClient):
    """Since May 2025: 1 call a minute and pages of at most 15 messages."""
    for i in range(20):
        client.chat_postMessage(channel="U1", text=str(i))
    bare = WebClient(token=fake.bot_token, base_url=fake.api_url)  # no retries
    page = bare.conversations_history(channel="U1", limit=100)
    assert len(page["messages"]) == 15 and page["has_more"]
    assert error_of(lambda: bare.conversations_history(channel="U1")) == "ratelimited"
    fake.marketplace()
    assert len(bare.conversations_history(channel="U1", limit=100)["messages"]) == 20
