"""Block Kit for a stay or exit pulse's results. Pure functions: data in, JSON out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from analytics.digest import ThemeSummary, theme_line
from bot.blocks.kit import MAX_TEXT, context, cut, esc, plain, section
from bot.i18n import t


@dataclass(frozen=True)
class PulseResults:
    kind: str  # "stay" | "exit"
    number: int
    seed: str
    answered: int  # 0 when the answers were destroyed unopened
    invited: int
    k: int  # the comment threshold the pulse was held to
    themes: tuple[ThemeSummary, ...] = ()
    quotes: tuple[str, ...] = ()
    first: date | None = None  # opened, or an exit pool's first offer
    last: date | None = None  # closed, or an exit pool's last offer


def _span(a: date | None, b: date | None) -> str:
    if a is None or b is None:
        return ""
    return f"{a:%-d %b %Y}" if a == b else f"{a:%-d %b} – {b:%-d %b %Y}"


def _heading(r: PulseResults) -> tuple[str, str]:
    question = t("en", f"pulse.seed.{r.seed}")
    if r.kind == "exit":
        return (f"candor — exit check-ins, pool {r.number}",
                f"Asked of people leaving: *{esc(question)}* Offered to {r.invited} people "
                f"between {_span(r.first, r.last)}. Their answers were pooled until at least "
                f"{r.k} had answered, so none can be tied to one leaver.")
    return (f"candor — stay pulse {r.number}",
            f"Asked of everyone invited ({r.invited}), {_span(r.first, r.last)}: "
            f"*{esc(question)}*")


def pulse_blocks(r: PulseResults) -> tuple[list[dict], str]:
    head, intro = _heading(r)
    blocks: list[dict] = [{"type": "header", "text": plain(head)}, section(intro)]
    if r.answered < r.k:
        text = (f"Fewer than {r.k} people answered, so no answer can be shown without "
                "pointing to someone. The answers were destroyed unopened; nobody, including "
                "candor's operators, can read them.")
        return [*blocks, section(text)], f"{head}: {text}"
    exit_ = r.kind == "exit"
    # An exit pool's exact count, beside the admin's own list of who was
    # offered, would say whether those people answered: it gets none, and
    # neither do its themes; its quotes are k, whatever the count.
    blocks.append(section(f"*{r.k} or more answers.*" if exit_ else f"*{r.answered} answers.*"))
    if r.themes:
        lines = [esc(th.theme) if exit_ else esc(theme_line(th)) for th in r.themes]
        title = "*Themes* (most mentioned first):" if exit_ else "*Themes:*"
        blocks.append(section(cut(title + "\n" + "\n".join(f"• {x}" for x in lines), MAX_TEXT)))
    if r.quotes:
        shown = ("*In their words* (picked at random to cover the themes):" if exit_ else
                 f"*In their words* ({len(r.quotes)} of {r.answered}, picked at random to "
                 "cover the themes):" if len(r.quotes) < r.answered else "*In their words:*")
        blocks.append(section(shown))
        blocks += [section(cut("> " + esc(q).replace("\n", "\n> "), MAX_TEXT))
                   for q in r.quotes]
    blocks.append(context(
        f"Answers had names, emails, phone numbers and links removed before they were "
        f"stored, and are shown only when {r.k} or more people answered. Nobody can see who "
        "wrote what."))
    return blocks, f"{head}: {r.k if exit_ else r.answered}{'+' if exit_ else ''} answers."
