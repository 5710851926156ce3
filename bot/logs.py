"""Logging: one line per record, and Slack user ids masked everywhere.

The submit path never logs a user id by design; the mask is a second line of
defence for anything else (including libraries) that might.
"""

from __future__ import annotations

import logging
import re

USER_ID = re.compile(r"\b[UW][A-Z0-9]{6,}\b")


class MaskUserIds(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        masked = USER_ID.sub("U…", msg)
        if masked != msg:
            record.msg, record.args = masked, ()
        return True


def setup(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(MaskUserIds())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Library debug logs can echo request bodies; keep them quiet.
    for noisy in ("slack_bolt", "slack_sdk", "candor.bolt", "urllib3", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.INFO, root.level))
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
