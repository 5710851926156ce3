from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.text import Scrubber, scrub
from analytics.text.quality import scrub_quality
from analytics.text.scrub import MAX_CHARS, PLACEHOLDERS

from ._data import scrub_fixtures

ROSTER = ["Maria Lopez", "jsmith", "Dr. Kim", "José Ramírez", "Will Turner", "Grace", "Hope Daniels",
          "Tom O'Brien", "Sarah-Jane Miller", "Li Wei", "maria.lopez"]


@pytest.fixture(scope="module")
def scrubber() -> Scrubber:
    return Scrubber(ROSTER)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("mail j.smith@agency.org now", "mail [email] now"),
        ("Write to DLopez+candor@Gmail.com.", "Write to [email]."),
        ("maria at agency dot org", "[email]"),
        ("grace dot okafor at gmail dot com", "[email]"),
        ("aisha (at) agency (dot) org", "[email]"),
        ("call (503) 555-0142 ok", "call [phone] ok"),
        ("call 555-1234", "call [phone]"),
        ("call (555) 123 4567", "call [phone]"),
        ("call +1 555 123 4567", "call [phone]"),
        ("call 503.555.0199 x12", "call [phone]"),
        ("call 1-800-555-0110 ext. 204", "call [phone]"),
        ("front desk ext. 4412", "front desk [phone]"),
        ("see https://x.org/a?b=1.", "see [link]."),
        ("see www.glassdoor.com, then", "see [link], then"),
        ("sign change.org/p/pay-us-fairly!", "sign [link]!"),
        ("link bit.ly/3abc is broken", "link [link] is broken"),
        ("<@U04ABCD12> said", "[person] said"),
        ("ask <@U0123|maria.lopez>", "ask [person]"),
        ("in <#C0456|leads> today", "in [channel] today"),
        ("<!here> read this", "[mention] read this"),
        ("<!subteam^S123|@clinicians> read this", "[mention] read this"),
        ("to <mailto:hr@a.org|hr@a.org>", "to [email]"),
        ("at <https://intranet.a.org/x|this page>", "at [link]"),
        ("call <tel:5035550142|503-555-0142>", "call [phone]"),
        ("ping @jsmith2 please", "ping [person] please"),
    ],
)
def test_identifier_kinds(text: str, expected: str) -> None:
    assert scrub(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Maria Lopez said no", "[name] said no"),
        ("maria lopez said no", "[name] said no"),
        ("Maria's caseload", "[name]'s caseload"),
        ("Maria’s caseload", "[name]’s caseload"),
        ("Ask Lopez", "Ask [name]"),
        ("Jose Ramirez and JOSÉ and josé", "[name] and [name] and [name]"),
        ("Jose\u0301 came", "[name] came"),  # decomposed accent
        ("Dr. Kim and dr kim and Kim", "[name] and [name] and [name]"),
        ("tom o'brien, Tom OBrien, O’Brien", "[name], [name], [name]"),
        ("Sarah-Jane, sarah jane, Miller's", "[name], [name], [name]'s"),
        ("Li Wei and Wei", "[name] and [name]"),
        ("jsmith never replies", "[name] never replies"),
        ("Dr. Whoever is new", "[name] is new"),  # title + capitalised word, not on roster
        ("Sra. Gutiérrez dijo", "[name] dijo"),
    ],
)
def test_roster_names(scrubber: Scrubber, text: str, expected: str) -> None:
    assert scrubber.scrub(text) == expected


def test_ambiguous_names_scrubbed_only_when_capitalised(scrubber: Scrubber) -> None:
    # Documented rule: everyday-word names are scrubbed when capitalised ...
    assert scrubber.scrub("Will said Grace knows") == "[name] said [name] knows"
    assert scrubber.scrub("Ask Hope.") == "Ask [name]."
    # ... including at the start of a sentence (we prefer over-scrubbing) ...
    assert scrubber.scrub("Will we ever get raises?") == "[name] we ever get raises?"
    # ... but never as ordinary lower-case words,
    clean = "I hope it will get better after the grace period."
    assert scrubber.scrub(clean) == clean
    # while full names and title + name are scrubbed in any case.
    assert scrubber.scrub("will turner and hope daniels") == "[name] and [name]"
    assert scrubber.scrub("ask dr. hope") == "ask [name]"


def test_short_and_common_tokens_not_scrubbed_alone() -> None:
    s = Scrubber(["Li Wei", "the_boss", "Team Admin"])
    assert s.scrub("Li said the team is fine") == "Li said the team is fine"
    assert s.scrub("ask the_boss or Li Wei") == "ask [name] or [name]"


def test_whole_words_only(scrubber: Scrubber) -> None:
    text = "Kimchi at the Maria­nne? No: Willow, Gracefully, Lopezville."
    assert scrubber.scrub("Kimchi, Willow, Gracefully, Lopezville") == "Kimchi, Willow, Gracefully, Lopezville"
    assert "[name]" not in scrubber.scrub(text.replace("Maria\u00adnne", "Marianne"))


def test_numbers_that_are_not_phones_are_kept() -> None:
    text = "Caseload 45 in 2023-2024, 3/14/2024, 9-5, 10:30, $52,000, 60+ clients, 1 in 3, e.g. etc."
    assert scrub(text) == text


def test_placeholders_are_never_rescrubbed() -> None:
    s = Scrubber(["Link Name", "Email", "Phone Person"])
    text = "[link] [email] [phone] [person] [channel] [mention] [name]"
    assert s.scrub(text) == text


def test_length_cap() -> None:
    out = scrub("word " * 1000)
    assert len(out) <= MAX_CHARS
    out = scrub("a" * 995 + " j.smith@agency.org and more text after it")
    assert len(out) <= MAX_CHARS and "smith" not in out
    # never cut a placeholder in half
    out = scrub("x" * 994 + " a@b.org")
    assert not out.rstrip("\u2026").endswith(("[", "[e", "[em", "[ema", "[emai"))


def test_huge_input_never_backtracks_catastrophically() -> None:
    """A guard against regex blow-ups (minutes), not a speed target: the
    scrub's figures are in benchmarks/scrub.py."""
    start = time.perf_counter()
    scrub("a dot " * 20000 + "555-" * 10000 + "@" * 10000)
    assert time.perf_counter() - start < 15


def test_scrub_counts(scrubber: Scrubber) -> None:
    text, counts = scrubber.scrub_counts("Maria emailed a@b.org and called 555-1234")
    assert text == "[name] emailed [email] and called [phone]"
    assert counts == {"name": 1, "email": 1, "phone": 1}


def test_rejects_non_str() -> None:
    with pytest.raises(TypeError):
        scrub(None)  # type: ignore[arg-type]


def test_fixture_recall_and_precision() -> None:
    roster, cases, clean = scrub_fixtures()
    assert len(cases) >= 60 and len(clean) >= 20
    q = scrub_quality(Scrubber(roster), cases, clean)
    assert q.recall >= 0.95, q.missed
    assert q.precision == 1.0, q.altered  # no clean comment may be altered


def test_fixtures_are_idempotent() -> None:
    roster, cases, clean = scrub_fixtures()
    s = Scrubber(roster)
    for text in [c.text for c in cases] + list(clean):
        once = s.scrub(text)
        assert s.scrub(once) == once


_FIX_ROSTER = scrub_fixtures()[0]
_HYP_SCRUBBER = Scrubber(_FIX_ROSTER)
_pieces = st.sampled_from(
    list(PLACEHOLDERS) + list(_FIX_ROSTER) + [
        " ", "@", ".", "-", "(", ")", "<", ">", "|", "'", "555", "1234", "503", "+1", "com", "org",
        "www", "http://", " at ", " dot ", "Dr. ", "ext. ", "\u0301", "[", "]", "é", "\n", "…",
    ]
)
_texts = st.one_of(st.text(), st.lists(st.one_of(_pieces, st.text(max_size=5)), max_size=30).map("".join))


@settings(max_examples=300, deadline=None)
@given(_texts)
def test_scrub_never_raises_and_never_grows_scrubbed_text(text: str) -> None:
    once = _HYP_SCRUBBER.scrub(text)
    assert isinstance(once, str) and len(once) <= MAX_CHARS
    twice = _HYP_SCRUBBER.scrub(once)
    assert len(twice) <= len(once)
    assert twice == once  # stronger: scrubbing is idempotent
