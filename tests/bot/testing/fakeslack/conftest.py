from __future__ import annotations

import pytest
from slack_sdk import WebClient

from bot.testing.fakeslack import FakeSlack


@pytest.fixture
def fake():
    with FakeSlack() as running:
        running.add_user("U1", "ana", "Ana Alvarez")
        running.add_user("U2", "ben", "Ben Brooks", tz="America/Los_Angeles", locale="es-US")
        yield running


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(base_url=fake.api_url, token=fake.bot_token, timeout=5)
