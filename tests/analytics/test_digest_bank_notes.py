"""eNPS in the digest (% 9–10 minus % 0–6, never % 7–10, same privacy rules)
and published reference points, against hand-computed figures."""

from __future__ import annotations

from dataclasses import replace

from analytics.digest import QuestionInfo, build_digest
from analytics.digest.bank_notes import reference_notes
from analytics.instruments import Reference, load_bank
from bot.blocks.digest import digest_blocks
from tests.builders import make_round

ENPS = QuestionInfo("enps", "Would recommend as a workplace", "enps11", "culture")
BURNOUT = QuestionInfo("burnout", "Burnout", "burnout5", "wellbeing")


def _digest(answers: list[int], burnout: list[int] | None = None):
    """One round, one team of len(answers) people."""
    qs = {"enps": answers, "burnout": burnout or [1, 2, 3, 4, 5] * (len(answers) // 5)}
    info, rows = make_round(1, {"Clinic": qs}, invited={"Clinic": len(answers)})
    return build_digest(info, [], rows, {}, [BURNOUT, ENPS])


def test_enps_is_promoters_minus_detractors_not_seven_to_ten():
    # 20 answers: 8 promoters (9–10), 6 passives (7–8), 6 detractors (0–6).
    # eNPS = 40% − 30% = +10; "% 7–10" would have said 70%.
    answers = [10] * 5 + [9] * 3 + [8] * 4 + [7] * 2 + [6] * 3 + [0] * 3
    d = _digest(answers)
    (net,) = d.net_scores
    assert (net.value, net.promoters, net.detractors, net.n) == (10, 40, 30, 20)
    text = d.plain_text()
    assert ("eNPS (Would recommend as a workplace): +10 (40% answered 9–10 minus 30% "
            "answered 0–6, of 20 answers)") in text
    assert "70%" not in text
    # The measure's own rate is the promoter share, labelled as such.
    assert "Would recommend as a workplace (promoters (9–10)): 40%" in text
    blocks, _ = digest_blocks(d)
    assert "+10 (40% answered 9–10" in str(blocks)


def test_negative_enps_rounds_half_up_from_the_counts():
    # 15 answers: 3 promoters, 2 passives, 10 detractors: (3 − 10) / 15 = −46.67 → −47.
    d = _digest([9, 10, 9, 7, 8] + [5] * 10)
    (net,) = d.net_scores
    assert (net.value, net.promoters, net.detractors) == (-47, 20, 67)
    assert "eNPS (Would recommend as a workplace): −47" in d.plain_text()


def test_enps_withheld_when_it_would_tell_one_persons_answer():
    # Promoters 4 of 10 pass the rule, but one lone detractor would be told.
    d = _digest([10] * 4 + [8] * 5 + [2])
    (net,) = d.net_scores
    assert net.value is None and "withheld" in net.reason
    assert "eNPS (Would recommend as a workplace): withheld" in d.plain_text()
    # One lone passive likewise.
    (net,) = _digest([10] * 4 + [8] + [2] * 5).net_scores
    assert net.value is None
    # Everyone a promoter: the promoter share itself is banded; no eNPS.
    (net,) = _digest([10] * 10).net_scores
    assert net.value is None and net.promoters is None


def test_no_enps_when_too_few_answered():
    d = _digest([10, 10, 0, 0], burnout=[1, 2, 3, 4])  # 4 < 5
    assert d.net_scores == ()
    assert "eNPS" not in d.plain_text()


def test_no_enps_for_other_zero_to_ten_items():
    q = QuestionInfo("custom_2", "Recommend team", "likelihood11", "culture")
    info, rows = make_round(1, {"Clinic": {"custom_2": [10] * 4 + [8] * 4 + [0] * 4}})
    assert build_digest(info, [], rows, {}, [q]).net_scores == ()


def test_references_are_shown_only_for_the_items_own_instrument():
    bank = load_bank()
    d = _digest([10] * 8 + [8] * 6 + [3] * 6, burnout=[1, 3] * 10)
    # The shipped bank ties no figure to an item: O'Connor 2018 measured the
    # MBI, not the Dolan item, so it stays in the docs.
    assert d.references == ()
    assert "O'Connor" not in d.plain_text()
    # A figure for the Dolan item's own instrument would be shown, sourced.
    ref = Reference(instrument=bank.item("burnout").instrument, figure="about 30%",
                    population="a comparable population", citation="Example 2020",
                    caveat="Different settings differ.", key="burnout")
    (note,) = reference_notes(d.metrics, replace(bank, references=(ref,)))
    assert note.text() == ("Published reference for Burnout: about 30% among a comparable "
                           "population (Example 2020). Different settings differ.")
    # A hidden measure gets none.
    hidden = _digest([10, 10, 0, 0], burnout=[1, 2, 3, 4])
    assert reference_notes(hidden.metrics, replace(bank, references=(ref,))) == ()
    # And the rendering carries it when present.
    shown = replace(d, references=(note,))
    assert "Published reference for Burnout: about 30%" in shown.plain_text()
    assert "Example 2020" in str(digest_blocks(shown)[0])
