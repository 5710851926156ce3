"""Opening in bulk, for the close of a round: a close opens every sealed
ballot of a round (20,000 tokens of one PAD_BLOCK each) and writes 100,000
answer rows. Decryption stays cryptography's own Fernet (MultiFernet); what
is done here is reading the tokens in batches on the driver's cursor,
parsing only the JSON of each, and writing rows without ORM objects."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import suppress
from itertools import islice

from cryptography.fernet import MultiFernet
from sqlalchemy.engine import Connection

from storage.keys import unseal

_DECODER = json.JSONDecoder()


def open_json(sealer: MultiFernet, token: str):
    """A sealed JSON body. Its padding (spaces) is left unread: scanning
    4 kB of spaces per ballot cost more than decrypting it."""
    return _DECODER.raw_decode(unseal(sealer, token).decode())[0]


def stream_sealed(conn: Connection, table: str, round_id: int, chunk: int) -> Iterator[str]:
    """The `sealed` tokens of a round's rows, `chunk` rows per fetch, on the
    driver's own cursor (no SQLAlchemy row objects for 20,000 tokens of
    6 kB; server-side on PostgreSQL), so they are never all held at once.
    Closed even when the consumer stops early: a SQLite cursor left open
    pins its connection to an old snapshot."""
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        sql = f"SELECT sealed FROM {table} WHERE round_id = %s"
        cur = raw.cursor(name="candor_open")
    else:
        sql = f"SELECT sealed FROM {table} WHERE round_id = ?"
        cur = raw.cursor()
    try:
        cur.execute(sql, (round_id,))
        while rows := cur.fetchmany(chunk):
            for (value,) in rows:
                yield value
    finally:
        # A consumer that stopped early may be collected after its connection
        # has closed (and the cursor with it).
        with suppress(Exception):
            cur.close()


def random_ids(n: int) -> list[str]:
    """n random 128-bit ids (hex), from one read of the OS's random source
    instead of one per id: the same ids secrets.token_hex(16) gives."""
    h = os.urandom(16 * n).hex()
    return [h[i:i + 32] for i in range(0, 32 * n, 32)]


def insert_many(conn: Connection, table, cols: list[str], rows: Iterable[tuple],
                chunk: int) -> None:
    """COPY on PostgreSQL; elsewhere the driver's own executemany, `chunk`
    rows at a time. Either way in the caller's transaction. `rows` may be a
    generator: it is consumed once, in order."""
    if conn.dialect.name == "postgresql":
        with conn.connection.driver_connection.cursor() as cur, cur.copy(
                f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {table.name} ({', '.join(cols)}) "
           f"VALUES ({', '.join([mark] * len(cols))})")
    it = iter(rows)
    while batch := list(islice(it, chunk)):
        conn.exec_driver_sql(sql, batch)


def comment_text(plain: bytes) -> str:
    """Padded JSON since tickets were introduced; raw text before."""
    text = plain.decode()
    try:
        obj = json.loads(text)
    except ValueError:
        return text
    return obj["c"] if isinstance(obj, dict) and isinstance(obj.get("c"), str) else text


HISTOGRAM_COLS = ["id", "team_id", "round_id", "team_label", "question_key", "value", "role",
                  "tenure", "n"]


def histogram(team_id: str, round_id: int, answers: list[tuple]) -> list[tuple]:
    """`answer_counts` rows for a round's answer rows (id, team, round, label,
    key, value, role, tenure): one row per distinct answer, counted, in the
    order of fresh random ids like every other row written at close."""
    counts = Counter(a[3:] for a in answers)
    ids = sorted(random_ids(len(counts)))
    return [(i, team_id, round_id, *group, n)
            for i, (group, n) in zip(ids, counts.items(), strict=True)]
