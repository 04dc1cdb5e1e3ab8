"""The one vocabulary of places, levels and pay units: validated strictly, read the same way
everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge import KnowledgeError, load_knowledge
from knowledge.lexicon import Lexicon


def _edit(root: Path, change) -> None:
    path = root / "lexicon.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_a_word_under_two_regions_is_rejected_with_both_named(knowledge_copy: Path) -> None:
    _edit(knowledge_copy, lambda data: data["regions"]["india"]["cities"].append("lahore"))
    named = r"lexicon\.yaml.*'lahore'.*(pakistan.*india|india.*pakistan)"
    with pytest.raises(KnowledgeError, match=named):
        load_knowledge(knowledge_copy)


def test_an_unknown_field_or_level_is_rejected(knowledge_copy: Path) -> None:
    _edit(knowledge_copy, lambda data: data["levels"]["senior"].update(colour="red"))
    with pytest.raises(KnowledgeError, match=r"lexicon\.yaml: levels\.senior\.colour"):
        load_knowledge(knowledge_copy)


def test_a_missing_level_is_named(knowledge_copy: Path) -> None:
    _edit(knowledge_copy, lambda data: data["levels"].pop("mid"))
    with pytest.raises(KnowledgeError, match=r"lexicon\.yaml.*missing mid"):
        load_knowledge(knowledge_copy)


@pytest.mark.parametrize(
    ("text", "regions"),
    [
        ("ML salary in Lahore", ("pakistan",)),
        ("fresher in Bengaluru or Hyderabad", ("india",)),
        ("jobs in the Bay Area", ("us",)),
        ("pay in the US", ("us",)),
        ("how much do they pay us", ()),  # the pronoun, not the country
        ("mle salary in us for freshers", ("us",)),  # after "in", the country
        ("salary in U.S.", ("us",)),
        ("pay in US$ for India", ("india",)),  # "US$" names a currency, not a country
        ("Karachi vs Delhi", ("pakistan", "india")),
    ],
)
def test_regions_and_their_cities(lexicon: Lexicon, text: str, regions: tuple[str, ...]) -> None:
    assert lexicon.regions_in(text) == regions


def test_levels_units_and_uncovered_places(lexicon: Lexicon) -> None:
    assert lexicon.levels_in("fresh grad or entry-level?") == ("entry",)
    assert lexicon.levels_in("mid-level and senior-level") == ("mid", "senior")
    # years written short, as in chats
    assert lexicon.levels_in("3 yrs exp") == ("mid",)
    assert lexicon.levels_in("5+ yrs in the field") == ("senior",)
    assert lexicon.units_in("package in LPA, or per month?") == {"lakh", "month"}
    assert lexicon.uncovered_in("pay in Dubai or Toronto") == ("the UAE", "Canada")
    assert lexicon.uncovered_topic_in("is a work-from-home ML job possible") == "remote work"
    assert lexicon.asks_overall("average ML salary")


@pytest.mark.parametrize(
    "text",
    [
        "is remote sensing a good field for ML engineers",
        "what is the most cost-effective way to learn ML",
        "which topic has the best cost/benefit for a junior",
    ],
)
def test_a_subjects_word_in_an_idiom_is_not_the_subject(lexicon: Lexicon, text: str) -> None:
    assert lexicon.uncovered_topic_in(text) is None
    # the word alone still is
    assert lexicon.uncovered_topic_in(text + ", and can I work remote or what does it cost")


def test_one_meaning_of_fresher_everywhere(lexicon: Lexicon) -> None:
    from bot.core.profile import PROFILE_LEVEL_WORDS
    from bot.core.roadmap_view import ROADMAP_LEVEL_WORDS, STAGE_FOR_LEVEL
    from bot.core.salary_view import parse_salary_filters

    assert lexicon.levels_in("fresher") == ("entry",)
    assert PROFILE_LEVEL_WORDS["fresher"] == "entry"
    assert parse_salary_filters("fresher").filters.level == "entry"
    assert ROADMAP_LEVEL_WORDS["fresher"] == STAGE_FOR_LEVEL["entry"]


def test_leftover_words_are_what_no_phrase_covers(lexicon: Lexicon) -> None:
    assert lexicon.leftover_words("pk senior-level per month please") == ["please"]


def test_the_knowledge_base_carries_the_lexicon() -> None:
    assert load_knowledge().lexicon is not None


@pytest.mark.parametrize("text", ["ſalary in pakiſtan", "PAKİSTAN pay", "\u212aarachi rates"])
def test_letters_only_unicode_case_folding_matches_still_name_their_region(
    lexicon: Lexicon, text: str
) -> None:
    # IGNORECASE matches "ſ" as "s", "İ" as "i" and the Kelvin sign as "k"; looking the
    # match up by lower() alone found no entry and raised KeyError.
    assert lexicon.regions_in(text) == ("pakistan",)
    assert all(m.value == "pakistan" for m in lexicon.region_mentions(text))
