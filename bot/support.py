"""Support resources shown privately after a hard burnout answer."""

from __future__ import annotations

DEFAULT_RESOURCES = (
    "If you are in the US, you can call or text *988* (the 988 Suicide & Crisis Lifeline) "
    "any time, or chat at 988lifeline.org. Your organisation's Employee Assistance Program "
    "(EAP) is confidential too — ask HR for its number, or see your benefits guide."
)


def resources_text(ws) -> str:
    return (ws.resources_text or "").strip() or DEFAULT_RESOURCES
