"""auth.test, api.test and users.*: who the bot is and who is in the workspace.

users.list includes Slackbot (USLACKBOT, `is_bot: false`!) and the app's bot user.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .api import api_method, paginate, truthy

if TYPE_CHECKING:
    from .server import FakeSlack


@api_method("api.test")
def _api_test(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    return {"args": {k: v for k, v in p.items() if k != "token"}}


@api_method("auth.test")
def _auth_test(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    return {
        "url": f"https://{fake.team_domain}.slack.com/",
        "team": fake.team_name,
        "user": fake.bot_name,
        "team_id": fake.team_id,
        "user_id": fake.bot_user_id,
        "bot_id": fake.bot_id,
        "is_enterprise_install": False,
    }


@api_method("users.list")
def _users_list(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    include_locale = truthy(p.get("include_locale"))
    page, meta = paginate(list(fake._users), p, 1000, 1000)
    members = [fake._user_json(uid, include_locale) for uid in page]
    return {"members": members, "cache_ts": int(time.time()), "response_metadata": meta}


@api_method("users.info")
def _users_info(fake: FakeSlack, p: dict[str, Any]) -> dict[str, Any]:
    user = fake._user_or_error(p.get("user"))
    return {"user": fake._user_json(user["id"], truthy(p.get("include_locale")))}
