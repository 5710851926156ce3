"""Deterministic demo workspace: used by `python -m bot.testing.fakeslack` and `candor demo`."""

from __future__ import annotations

from .server import FakeSlack

FIRST = [
    "Ana",
    "Ben",
    "Carla",
    "Dev",
    "Elif",
    "Femi",
    "Grace",
    "Hiro",
    "Ines",
    "Jamal",
    "Kai",
    "Lena",
    "Mateo",
    "Nia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tariq",
]
LAST = [
    "Alvarez",
    "Brooks",
    "Chen",
    "Dubois",
    "Ekwueme",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Mensah",
    "Nguyen",
    "Okafor",
    "Patel",
]
# Mostly East Coast, a few elsewhere (so per-timezone scheduling is exercised).
TIMEZONES = ["America/New_York"] * 5 + ["America/Chicago", "America/Denver", "America/Los_Angeles"]


def demo_user_id(i: int) -> str:
    return f"U{i + 1:06d}"


def seed_demo(
    fake: FakeSlack,
    users: int = 40,
    *,
    channel_id: str = "C_GENERAL",
    channel_name: str = "general",
    edge_cases: bool = True,
) -> list[str]:
    """Add `users` active humans (U000001...; the first is the workspace owner/admin),
    a public #general with all of them and the bot as members, and with edge_cases a
    deactivated user, an integration bot and a guest (ids UDELETED, UZAPIER, UGUEST).
    Returns the active human user ids."""
    ids = []
    for i in range(users):
        first = FIRST[i % len(FIRST)]
        last = LAST[(i // len(FIRST) + i) % len(LAST)]
        uid = demo_user_id(i)
        fake.add_user(
            uid,
            f"{first.lower()}.{last.lower()}{'' if i < len(FIRST) else i}",
            f"{first} {last}",
            tz=TIMEZONES[i % len(TIMEZONES)],
            locale="es-US" if i % 11 == 10 else "en-US",
            is_owner=i == 0,
            is_admin=i in (0, 1),
            email=f"{first.lower()}.{last.lower()}{i}@example.org",
        )
        ids.append(uid)
    members = [*ids, fake.bot_user_id]
    if edge_cases:
        fake.add_user("UDELETED", "former.staff", "Former Staff", deleted=True)
        fake.add_user("UZAPIER", "zapier", "Zapier", is_bot=True, tz=None)
        fake.add_user("UGUEST", "guest.consultant", "Guest Consultant", is_restricted=True)
        members.append("UGUEST")
    fake.add_channel(channel_id, channel_name, members=members)
    return ids
