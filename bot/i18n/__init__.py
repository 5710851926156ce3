"""Message catalogs. Clinician-facing words live in en.toml / es.toml."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

LANGS = ("en", "es")


@cache
def catalog(lang: str) -> dict:
    raw = resources.files("bot.i18n").joinpath(f"{lang}.toml").read_text("utf-8")
    return tomllib.loads(raw)


def flatten(d: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


@cache
def _flat(lang: str) -> dict[str, str]:
    return flatten(catalog(lang))


def lang_for(locale: str | None) -> str:
    """Slack locales look like 'es-ES' or 'es-LA'; anything unknown is English."""
    base = (locale or "en").split("-")[0].lower()
    return base if base in LANGS else "en"


def t(lang: str, key: str, **kw) -> str:
    text = _flat(lang if lang in LANGS else "en").get(key)
    if text is None:
        text = _flat("en")[key]  # English is the fallback; a missing key is a bug
    return text.format(**kw) if kw else text


def placeholders(text: str) -> set[str]:
    """The `{names}` a catalog string expects, so translations can be checked."""
    from string import Formatter

    return {name for _, name, _, _ in Formatter().parse(text) if name}


def keys(lang: str) -> dict[str, str]:
    """Every key of a catalog, flattened (`home.title`, ...)."""
    return dict(_flat(lang))
