"""De-identify free-text comments before they are stored. Pure: no I/O.

``Scrubber(roster).scrub(text)`` replaces, in this order:

1. Slack markup: ``<mailto:..|..>`` -> ``[email]``, ``<http..|..>`` -> ``[link]``,
   ``<tel:..>`` -> ``[phone]``, ``<@U123|name>`` -> ``[person]``,
   ``<#C123|name>`` -> ``[channel]``, ``<!here>`` / ``<!subteam^..>`` -> ``[mention]``.
2. E-mail addresses (also "name at agency dot org") -> ``[email]``.
3. URLs: ``http(s)://``, ``www.``, bare domains on common TLDs
   (``example.org/path``, ``bit.ly/x``) -> ``[link]``.
4. Phone numbers: ``phonenumbers.PhoneNumberMatcher`` (region US) plus a
   fallback regex for formats it rejects (7-digit ``555-1234``, 555 area
   codes, ``+1 555 123 4567``) -> ``[phone]``.
5. Plain-text handles ``@jsmith`` -> ``[person]``.
6. People: roster names and honorific + capitalised word ("Dr. Whoever")
   -> ``[name]``.

Roster matching rule (see ``data/scrub_words.toml``): full roster names and
every name token of 3+ letters are matched as whole words, case-insensitively
and accent-insensitively ("Jose" matches "José" and vice versa; "Maria's" ->
"[name]'s"). We prefer over-scrubbing, with two exceptions: a lone token that
is also an everyday word ("Will", "Hope", "Grace", "Case", "Esperanza") is
scrubbed only when capitalised, and a handful of function words ("the", "team")
are never scrubbed alone. Full names and "title + name" are always scrubbed.

The result is capped at ``MAX_CHARS`` (1000) characters. Text already in the
output format is left alone: placeholders are never re-matched, so scrubbing a
scrubbed comment never makes it longer.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

import phonenumbers

from ._normalize import fold, load_toml

__all__ = ["MAX_CHARS", "PLACEHOLDERS", "Scrubber", "scrub"]

MAX_CHARS = 1000
# Work on at most this much input; anything beyond can never reach the output.
_MAX_INPUT = 20 * MAX_CHARS

PLACEHOLDERS = ("[email]", "[phone]", "[link]", "[person]", "[channel]", "[mention]", "[name]")
_PLACEHOLDER_RE = re.compile("(" + "|".join(re.escape(p) for p in PLACEHOLDERS) + ")")

# -- Slack markup -------------------------------------------------------------
_SLACK = [
    (re.compile(r"<mailto:[^<>]*>", re.I), "[email]", "email"),
    (re.compile(r"<tel:[^<>]*>", re.I), "[phone]", "phone"),
    (re.compile(r"<(?:https?|ftp)://[^<>]*>", re.I), "[link]", "link"),
    (re.compile(r"<@[^<>]*>"), "[person]", "person"),
    (re.compile(r"<#[^<>]*>"), "[channel]", "channel"),
    (re.compile(r"<![^<>]*>"), "[mention]", "mention"),
]

# -- e-mail -------------------------------------------------------------------
_EMAIL = re.compile(r"[\w.+'-]*\w@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
_EMAIL_SPELLED = re.compile(
    r"\b[\w.+-]+(?:\s*(?:\(dot\)|\[dot\]|\{dot\}|\sdot\s)\s*[\w+-]+)*"
    r"\s*(?:\(at\)|\[at\]|\{at\}|\sat\s)\s*[\w-]+"
    r"\s*(?:\(dot\)|\[dot\]|\{dot\}|\sdot\s)\s*(?:com|org|net|edu|gov|us|io)\b",
    re.I,
)

# -- URLs ---------------------------------------------------------------------
_URL_TAIL = r"""(?:[^\s<>"'\[\]]*[^\s<>"'\[\].,;:!?)])?"""
_TLDS = (
    "com|org|net|edu|gov|mil|int|io|us|co|info|biz|me|ly|app|dev|health|care|ai|gl|gle|"
    "link|page|site|online|tv|ca|uk|mx|es|ws|gd|sh|to|cc|zoom|ms"
)
_URL = re.compile(
    r"(?:\b(?:https?|ftp)://" + _URL_TAIL + r")"
    r"|(?:\bwww\.[^\s<>\"'\[\]]*[^\s<>\"'\[\].,;:!?)])"
    r"|(?:(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:" + _TLDS + r")(?![\w-])"
    r"(?:/" + _URL_TAIL + r")?)",
    re.I,
)

# -- phones -------------------------------------------------------------------
_D = "[0-9]"
_EXT = r"(?:\s*(?:x|ext\.?|extension)\s*" + _D + r"{1,6})?"
_PHONE_FALLBACK = re.compile(
    r"(?<![\w+.-])(?:"
    # +1 555 123 4567 / 1-555-123-4567 / (555) 123 4567 / 555.123.4567 / 5551234567
    r"(?:\+?1[\s.-]?)?(?:\(\s*" + _D + r"{3}\s*\)|" + _D + r"{3})[\s.-]?" + _D + r"{3}[\s.-]?" + _D + r"{4}"
    # 555-1234 / 555.1234
    r"|" + _D + r"{3}[.-]" + _D + r"{4}"
    r")" + _EXT + r"(?![\w-])"
    # a bare extension: "ext. 4412"
    r"|(?<!\w)(?:ext\.?|extension)\s*#?\s*" + _D + r"{2,6}(?![\w-])",
    re.I,
)

# -- handles ------------------------------------------------------------------
_HANDLE = re.compile(r"(?<![\w.@])@(?!(?:here|channel|everyone)\b)[^\W\d_][\w.-]*\w", re.I)


def _replace_spans(text: str, finder, placeholder: str) -> tuple[str, int]:
    """Replace the spans ``finder`` reports with ``placeholder``.

    ``finder`` sees the text with every existing placeholder masked as a run of
    ``x`` (so a placeholder behaves like the word it replaced for look-arounds),
    and spans touching a placeholder are ignored. This is what makes scrubbing
    stable: re-scrubbing a scrubbed comment finds nothing new.
    """
    protected = [m.span() for m in _PLACEHOLDER_RE.finditer(text)]
    masked = _PLACEHOLDER_RE.sub(lambda m: "x" * len(m.group(0)), text) if protected else text
    out: list[str] = []
    last = n = 0
    for start, end in finder(masked):
        if start < last or end <= start:
            continue
        if any(ps < end and start < pe for ps, pe in protected):
            continue
        out.append(text[last:start])
        out.append(placeholder)
        last = end
        n += 1
    if not n:
        return text, 0
    out.append(text[last:])
    return "".join(out), n


def _regex_finder(pattern: re.Pattern[str]):
    return lambda masked: (m.span() for m in pattern.finditer(masked))


def _phone_finder(masked: str):
    if sum(c.isdigit() for c in masked) < 7:
        return []
    try:
        return [(m.start, m.end) for m in phonenumbers.PhoneNumberMatcher(masked, "US")]
    except Exception:  # pragma: no cover - defensive: never fail a comment
        return []


def _titled_finder(masked: str):
    # Honorific + capitalised word ("Dr. Whoever"): a person even if not on the roster.
    return (m.span() for m in _TITLED_ANYONE.finditer(masked) if m.group(1)[:1].isupper())


# -- roster names -------------------------------------------------------------
_WORDS = load_toml("scrub_words.toml")
_AMBIGUOUS = frozenset(fold(w) for w in _WORDS["ambiguous"])
_FUNCTION = frozenset(fold(w) for w in _WORDS["function_words"])
_TITLES = tuple(sorted((fold(t) for t in _WORDS["titles"]), key=len, reverse=True))
_FOLD_CACHE: dict[str, str] = {}


def _fold_char(ch: str) -> str:
    f = _FOLD_CACHE.get(ch)
    if f is None:
        f = _FOLD_CACHE[ch] = fold(ch)
    return f


def _fold_with_map(text: str) -> tuple[str, list[int]]:
    """Fold ``text`` for matching and map each folded char back to its source index."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        f = ch if ch.isascii() and not ch.isupper() else _fold_char(ch)
        out.append(f)
        origin.extend([i] * len(f))
    return "".join(out), origin


def _token_pattern(token: str) -> str:
    """Regex for one roster name/token, matched against folded text."""
    out = []
    for ch in fold(token):
        if ch == "'" or ch == "`":
            out.append("'?")
        elif ch in "-\u2010\u2011_.":
            out.append(r"[-\u2010\u2011_.\s]?")
        elif ch.isspace():
            out.append(r"[\s_.-]+")
        else:
            out.append(re.escape(ch))
    return "".join(out)


_TITLE_PREFIX = r"(?:(?:" + "|".join(re.escape(t) for t in _TITLES) + r")\.?\s+)"
# Honorific + capitalised word: a person even when they are not on the roster.
_TITLED_ANYONE = re.compile(
    r"(?<!\w)(?:Dr|Dra|Mr|Mrs|Ms|Mx|Miss|Prof|Rev|Sr|Sra|Srta)\.?\s+(?=[^\W\d_])(\w[\w'\u2019-]*)"
)


def _split_roster_entry(entry: str) -> tuple[str, list[str]]:
    """Return (full name without titles, name tokens) for a roster entry."""
    entry = unicodedata.normalize("NFC", entry).strip()
    words = entry.split()
    while words and fold(words[0]).rstrip(".") in _TITLES:
        words = words[1:]
    full = " ".join(words)
    tokens: list[str] = []
    for w in words:
        w = w.strip(".,;:()\"")
        if not w:
            continue
        tokens.append(w)
        # handles and compound names: "maria.lopez", "Sarah-Jane", "O'Brien"
        pieces = [p for p in re.split(r"[._\-\u2010\u2011'\u2019]+", w) if p]
        if len(pieces) > 1:
            tokens.extend(pieces)
    return full, tokens


_PIECE = re.compile(r"[^\W_]+")
_TITLE_BEFORE = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t) for t in _TITLES)
                           + r")\.?\s+$")


@functools.lru_cache(maxsize=4096)
def _exact(token: str) -> re.Pattern[str]:
    return re.compile(_token_pattern(token))


class _NameIndex:
    """Name tokens by their letters (what survives folding, apostrophes and
    separators), with how many words the longest spans."""

    def __init__(self, tokens: set[str]) -> None:
        self.by_letters: dict[str, list[str]] = {}
        self.longest = 0
        for tok in tokens:
            pieces = _PIECE.findall(fold(tok))
            self.by_letters.setdefault("".join(pieces), []).append(tok)
            self.longest = max(self.longest, len(pieces))

    def __bool__(self) -> bool:
        return bool(self.by_letters)

    def _candidates(self, key: str) -> list[str]:
        toks = self.by_letters.get(key, [])
        if len(toks) > 1:  # longest pattern first, as the one big regex had it (sorted on use)
            toks.sort(key=lambda t: (-len(_token_pattern(t)), _token_pattern(t)))
        return toks

    def find(self, folded: str, pieces: list[tuple[int, int]]):
        """(start, end, title start or None) of each name, leftmost-longest,
        never overlapping, in `folded` whose word pieces are `pieces`."""
        i = 0
        while i < len(pieces):
            hit = self._at(folded, pieces, i)
            if hit is None:
                i += 1
                continue
            start, end, used = hit
            title = _TITLE_BEFORE.search(folded, 0, start)
            yield start, end, title.start() if title else None
            i += used

    def _at(self, folded: str, pieces: list[tuple[int, int]], i: int):
        start = pieces[i][0]
        if start and (folded[start - 1].isalnum() or folded[start - 1] == "_"):
            return None
        for n in range(min(self.longest, len(pieces) - i), 0, -1):
            end = pieces[i + n - 1][1]
            if end < len(folded) and (folded[end].isalnum() or folded[end] == "_"):
                continue
            key = "".join(folded[a:b] for a, b in pieces[i:i + n])
            for tok in self._candidates(key):
                if _exact(tok).fullmatch(folded, start, end):
                    return start, end, n
        return None


class Scrubber:
    """De-identifier for one workspace roster: build once per roster, call
    :meth:`scrub` per comment.

    Names are looked up, not compiled into one regex: the text's words are
    joined into candidates of up to a name's length and looked up by their
    letters, and only a hit is checked against that name's own pattern. So
    building is a set insert per name and scrubbing doesn't grow with the
    roster (a 20,000-person roster compiled for seconds and scrubbed each
    comment in ~50 ms with one big regex).
    """

    def __init__(self, roster_names: Iterable[str] = ()) -> None:
        always: set[str] = set()
        capital: set[str] = set()
        for entry in roster_names:
            if not isinstance(entry, str) or not entry.strip():
                continue
            full, tokens = _split_roster_entry(entry)
            if len(full.split()) > 1:
                always.add(full)
            for tok in tokens:
                key = fold(tok)
                letters = sum(c.isalpha() for c in key)
                if letters < 3 or key in _FUNCTION:
                    continue
                (capital if key in _AMBIGUOUS else always).add(tok)
        self._names = frozenset(always | capital)
        self._always = _NameIndex(always)
        self._capital = _NameIndex(capital)

    def _name_finder(self, masked: str) -> list[tuple[int, int]]:
        """Roster-name spans in ``masked``, matched on folded text and mapped back."""
        if not self._always and not self._capital:
            return []
        folded, origin = _fold_with_map(masked)
        pieces = [(m.start(), m.end()) for m in _PIECE.finditer(folded)]
        spans: list[tuple[int, int]] = []
        for index, capital_only in ((self._always, False), (self._capital, True)):
            for f_start, f_end, title_at in index.find(folded, pieces):
                titled = title_at is not None
                start = origin[f_start]
                end = origin[f_end - 1] + 1
                while end < len(masked) and not _fold_char(masked[end]):
                    end += 1  # trailing combining marks belong to the name
                if capital_only and not titled and not masked[origin[f_start]].isupper():
                    continue  # "I hope", "it will": everyday words, not names
                if titled:
                    start = origin[title_at]
                spans.append((start, end))
        # The two kinds can overlap ("Grace Okafor" vs "Grace"): merge.
        merged: list[tuple[int, int]] = []
        for start, end in sorted(spans):
            if merged and start < merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged

    def __repr__(self) -> str:
        return f"Scrubber({len(self._names)} name tokens)"

    # -- public -----------------------------------------------------------
    def scrub(self, text: str) -> str:
        """Return ``text`` with identifiers replaced by placeholders (<= 1000 chars)."""
        return self.scrub_counts(text)[0]

    def scrub_counts(self, text: str) -> tuple[str, dict[str, int]]:
        """Like :meth:`scrub`, also returning how many of each identifier kind were replaced.

        Kinds: ``email``, ``phone``, ``link``, ``person``, ``channel``,
        ``mention``, ``name``. Useful for telling a user "we removed 2 names".
        """
        if not isinstance(text, str):
            raise TypeError(f"scrub() expects str, got {type(text).__name__}")
        counts: Counter[str] = Counter()
        if len(text) > _MAX_INPUT:
            cut = text[:_MAX_INPUT]
            space = max(cut.rfind(" "), cut.rfind("\n"))
            text = cut[:space] if space > 0 else cut

        stages = [(_regex_finder(p), ph, kind) for p, ph, kind in _SLACK]
        stages += [
            (_regex_finder(_EMAIL), "[email]", "email"),
            (_regex_finder(_EMAIL_SPELLED), "[email]", "email"),
            (_regex_finder(_URL), "[link]", "link"),
            (_phone_finder, "[phone]", "phone"),
            (_regex_finder(_PHONE_FALLBACK), "[phone]", "phone"),
            (_regex_finder(_HANDLE), "[person]", "person"),
        ]
        stages.append((self._name_finder, "[name]", "name"))
        stages.append((_titled_finder, "[name]", "name"))
        for finder, placeholder, kind in stages:
            text, n = _replace_spans(text, finder, placeholder)
            counts[kind] += n
        return _cap(text), {k: v for k, v in counts.items() if v}


def _cap(text: str) -> str:
    if len(text) <= MAX_CHARS:
        return text
    cut = text[: MAX_CHARS - 1]
    # Do not leave half a placeholder ("[ema") at the end.
    open_at = cut.rfind("[")
    if open_at != -1 and "]" not in cut[open_at:] and _PLACEHOLDER_RE.match(text, open_at):
        cut = cut[:open_at]
    return cut + "\u2026"


_DEFAULT = Scrubber()


def scrub(text: str, roster_names: Iterable[str] = ()) -> str:
    """Convenience wrapper: ``Scrubber(roster_names).scrub(text)``.

    Compiling the roster costs far more than scrubbing one comment; keep a
    :class:`Scrubber` per workspace when scrubbing many comments.
    """
    names = tuple(roster_names)
    scrubber = Scrubber(names) if names else _DEFAULT
    return scrubber.scrub(text)
