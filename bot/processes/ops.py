"""Operator commands: `candor keys rotate`, `candor purge`, `candor forget-user`,
and the keyless `Candor` that `candor export` runs on.

Plain functions; bot.processes.cli registers them on its Typer apps.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from bot.processes import common

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.context import Candor


class NoKeys:
    """Stands in for the keyring and ballot box in commands that decrypt
    nothing (`candor export` reads aggregates only). Any use is a bug: it
    fails loudly instead of sealing anything under a made-up key."""

    def __getattr__(self, name: str):
        raise RuntimeError(f"this command runs without CANDOR_SECRET_KEY and can't use {name}")


def keyless_candor(s: Settings) -> Candor:
    """A `Candor` for reading aggregates: no CANDOR_SECRET_KEY, no Slack token."""
    from bot.context import Candor
    from bot.slackapi.client import make_client

    db = common.database(s)
    return Candor(settings=s, db=db, client=make_client(s),
                  keyring=NoKeys(), box=NoKeys())  # type: ignore[arg-type]


def keys_rotate(
    batch_size: Annotated[int, typer.Option(min=1, max=10000,
                                            help="Rows per transaction")] = 500,
) -> None:
    """Re-encrypt stored ballots and comments under CANDOR_SECRET_KEY.

    Put the new key in CANDOR_SECRET_KEY and the old one(s) in
    CANDOR_OLD_SECRET_KEYS (comma-separated, newest first), then run this
    between rounds. Token timestamps (the round start) are kept.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from bot.services import operations

    c = common.candor(common.settings(), need_slack=False)
    total = operations.count_sealed(c)
    try:
        with Progress(TextColumn("re-encrypting"), BarColumn(), MofNCompleteColumn(),
                      transient=False) as bar:
            task = bar.add_task("rotate", total=total)
            report = operations.rotate_keys(c, batch_size=batch_size,
                                            progress=lambda n: bar.advance(task, n))
    except operations.OperationRefused as e:
        typer.echo(f"candor: {e}", err=True)
        raise typer.Exit(1) from None
    finally:
        c.db.dispose()
    typer.echo(report.message())
    if not report.complete:
        raise typer.Exit(1)


def purge_cmd(
    days: Annotated[int | None, typer.Option(
        min=0, max=36500,
        help="Keep raw comments this many days after publication "
             "(default: CANDOR_RETENTION_DAYS)")] = None,
) -> None:
    """Delete raw comments and invitations `days` after their round was published
    (or closed, if never published), and any spent tickets of closed rounds.
    Aggregates (responses, team counts) are kept. The clock runs this daily."""
    from bot.services import operations

    c = common.candor(common.settings(), need_slack=False)
    try:
        out = operations.purge(c, days)
    finally:
        c.db.dispose()
    days = c.settings.retention_days if days is None else days
    typer.echo(f"Removed {out['comments']} comment(s) and {out['deliveries']} invitation row(s) "
               f"older than {days} days after publication; {out['participation_tokens']} "
               f"spent ticket(s) and {out['reminder_rows']} reminder row(s) of closed rounds. "
               "Aggregates were kept.")


def forget_user_cmd(
    user_id: Annotated[str, typer.Argument(help="Slack user id, like U012AB3CD")],
    team: Annotated[str | None, typer.Option(help="Only this workspace (team id)")] = None,
) -> None:
    """Remove everything tied to one person: pause preference, roster cache
    and invitations."""
    from bot.services import operations

    uid = user_id.strip()
    if uid[:1] not in ("U", "W") or not uid.isalnum():
        typer.echo(f"candor: {uid[:40]!r} is not a Slack user id (like U012AB3CD)", err=True)
        raise typer.Exit(2)
    c = common.candor(common.settings(), need_slack=False)
    try:
        out = operations.forget_user(c, uid, team)
    finally:
        c.db.dispose()
    typer.echo(
        f"Removed {out['pauses']} pause preference(s), {out['people']} roster row(s) and "
        f"{out['deliveries']} invitation row(s).")
    typer.echo(operations.FORGET_NOTE)
    typer.echo("Note: the roster is re-read from Slack when the next round opens, so if this "
               "person is still in an audience channel they will be invited again; their pause "
               "(if any) was removed with everything else.")
    sys.stdout.flush()
