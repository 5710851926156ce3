"""The check-in's voluntary role and tenure questions: turning them on and
off, and the admin's role labels (`/candor segments`)."""

from __future__ import annotations

from analytics.segments import ROLES
from bot.commands import USAGE
from bot.context import Candor
from bot.i18n import t
from bot.services.errors import Invalid
from storage import workspaces

LABEL_MAX = 60  # a Slack option holds 75 characters; leave room


def _state(on: bool) -> str:
    return "*on*" if on else "*off*"


def segments_text(c: Candor, team: str) -> str:
    with c.db.session() as s:
        ws = workspaces.ensure(s, team)
        role, tenure, labels, k = ws.ask_role, ws.ask_tenure, ws.role_labels or {}, ws.min_score_n
    names = ", ".join(f"`{r}` = {labels.get(r) or t('en', f'segments.role.{r}')}" for r in ROLES)
    return (f"*Role question:* {_state(role)}. *Tenure question:* {_state(tenure)}.\n"
            f"Roles: {names}.\n"
            "Both are voluntary and the check-in says so. At close, any team × role × tenure "
            f"group with fewer than {k} answers is stored without its role or tenure; digests "
            f"show a role or tenure group only from {k} people, with the same protection "
            f"against subtraction as teams. {USAGE['segments']}.")


def set_ask(c: Candor, team: str, dim: str, on: bool) -> str:
    if dim not in ("role", "tenure"):
        raise Invalid("Choose `role` or `tenure`.", None, USAGE["segments"])
    with c.db.session() as s:
        workspaces.ensure(s, team)
        workspaces.update(s, team, **{f"ask_{dim}": on})
    if not on:
        return (f"The {dim} question is off from the next check-in. Earlier answers stay in "
                "the digests.")
    return (f"The {dim} question is on from the next check-in. It is optional, and the "
            "check-in says so.")


def set_label(c: Candor, team: str, role: str, text: str) -> str:
    if role not in ROLES:
        raise Invalid(f"There is no role `{role[:20]}`. Roles: {', '.join(ROLES)}.", None,
                      USAGE["segments"])
    text = " ".join(text.split())
    if text.lower() == "default":
        text = ""
    if len(text) > LABEL_MAX or (text and len(text) < 2) or any(ch in text for ch in "<>&*`"):
        raise Invalid(f"A role label is 2–{LABEL_MAX} characters, without < > & * or `.", None,
                      USAGE["segments"])
    with c.db.session() as s:
        ws = workspaces.ensure(s, team)
        labels = {k: v for k, v in (ws.role_labels or {}).items() if k in ROLES and k != role}
        if text:
            labels[role] = text
        workspaces.update(s, team, role_labels=labels or None)
    shown = text or t("en", f"segments.role.{role}")
    return f"Role `{role}` now reads “{shown}” in the check-in and the digest."
