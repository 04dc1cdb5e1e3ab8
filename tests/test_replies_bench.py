"""bench.replies as a test: no defect of any class, and short replies, over every question
set and the development reply probes (the held-out probes are only run by hand)."""

from __future__ import annotations

import statistics

import pytest

from bot.core.dialogue import Dialogue
from evaluation.quality import SETS
from evaluation.replies import DEFECT_KINDS, MAX_MEDIAN_CHARS, Tally, load_probes, run


@pytest.fixture(scope="module")
def tally(advisor) -> Tally:
    return run(Dialogue(advisor), load_probes("dev"), list(SETS))


@pytest.mark.parametrize("kind", DEFECT_KINDS)
def test_no_reply_has_this_defect(tally: Tally, kind: str) -> None:
    assert tally.defects[kind] == 0, f"{kind}: e.g. {tally.examples.get(kind)!r}"


def test_the_median_reply_is_short(tally: Tally) -> None:
    assert tally.replies > 600
    assert statistics.median(tally.lengths) <= MAX_MEDIAN_CHARS


def test_the_bench_sees_defects_where_there_are_some() -> None:
    """The checks are not vacuous: a reply with each defect is counted."""
    from bot.core.conversation import ChatState
    from bot.core.dialogue import Turn
    from bot.core.reply import Reply
    from evaluation.replies import check_reply, region_defect

    bad = (
        "• Role Overview: Explain that engineers build models. [1]\n"
        "• Let's delve into the details of each role: [1]\n"
        "• Projects and Portfolio: [3]\n"
        "• PyTorch [2]\n"
        "• PyTorch [2]\n"
        "- Problem-solving skills and the ability to work in teams. [2]\n"
    )
    tally = Tally()
    text = check_reply(tally, "q", Turn(Reply(bad), ChatState()))
    region_defect(tally, "q", "india", text + " PKR 80,000")
    for kind in DEFECT_KINDS[:7]:
        assert tally.defects[kind] >= 1, kind
