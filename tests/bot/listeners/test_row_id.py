"""Ids read from payloads: a crafted one is refused before it reaches the
database (where a 30-digit integer overflows, a different error per engine)."""

from __future__ import annotations

import pytest

from bot.listeners._util import row_id


@pytest.mark.parametrize("value, expect", [
    ("7", 7), ("000123", 123), ("999999999999", 999999999999),
    ("9" * 13, None), ("9" * 30, None), ("-1", None), ("²", None), ("١٢", None),
    ("", None), (" 7", None), ("7.0", None), (None, None), (7, None), (["7"], None),
])
def test_row_id_takes_short_ascii_digits_only(value, expect):
    assert row_id(value) == expect
