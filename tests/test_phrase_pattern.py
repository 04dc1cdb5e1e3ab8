"""PhrasePattern finds what the one full alternation of its phrases would find."""

from __future__ import annotations

import random
import re

import pytest

from knowledge import load_knowledge
from knowledge.phrase_pattern import PhrasePattern
from tests.support.questions import every_question

LEXICON_AROUND = (r"(?<![\w.$])", r"(?![\w+$])")
QUERY_AROUND = (r"(?<![\w'])", r"(?![\w'])")


def _full(phrases: list[str], before: str, after: str, flags: int) -> re.Pattern[str]:
    ordered = sorted(set(phrases), key=len, reverse=True)
    return re.compile(f"{before}({'|'.join(map(re.escape, ordered))}){after}", flags)


def _phrase_lists() -> list[tuple[list[str], str, str, int]]:
    knowledge = load_knowledge()
    lexicon = knowledge.lexicon
    assert lexicon is not None
    data = lexicon.data
    lists: list[tuple[list[str], str, str, int]] = [
        (list(knowledge.vocabulary.expansions), *QUERY_AROUND, 0),
        (list(knowledge.vocabulary.corrections), *QUERY_AROUND, 0),
        ([w for e in data.regions.values() for w in (*e.words, *e.cities)], *LEXICON_AROUND,
         re.IGNORECASE),
        ([w for e in data.regions.values() for w in e.upper_case_only], *LEXICON_AROUND, 0),
        ([w for ws in data.units.values() for w in ws], *LEXICON_AROUND, re.IGNORECASE),
        ([w for e in data.levels.values() for w in e.words], *LEXICON_AROUND, re.IGNORECASE),
    ]
    assert all(phrases for phrases, *_ in lists)
    return lists


def _texts(phrases: list[str], rng: random.Random) -> list[str]:
    """Messages made of the phrases themselves, their parts, case changes and the
    characters at the edges of the lookarounds, ASCII and not."""
    glue = [" ", "", "-", "'", ".", "$", "+", "_", ", ", "’", "é", "ſ", "K", "\u0130", "5"]
    texts = []
    for _ in range(1500):
        parts = []
        for _ in range(rng.randint(1, 6)):
            phrase = rng.choice(phrases)
            match rng.randrange(5):
                case 0:
                    phrase = phrase.upper()
                case 1:
                    phrase = phrase[: rng.randint(1, len(phrase))]
                case 2:
                    phrase = phrase.title()
                case 3:  # letters that only Unicode case folding matches: "ſ" is "s"
                    phrase = phrase.replace("s", "ſ").replace("k", "\u212a")
            parts.append(phrase)
            parts.append(rng.choice(glue))
        texts.append("".join(parts))
    return texts


@pytest.mark.parametrize("which", range(6))
def test_matches_and_substitutions_are_the_full_patterns(which: int) -> None:
    phrases, before, after, flags = _phrase_lists()[which]
    full = _full(phrases, before, after, flags)
    lazy = PhrasePattern(phrases, before, after, flags)
    rng = random.Random(which)
    questions = list(every_question())
    for text in _texts(phrases, rng) + questions + [q.lower() for q in questions]:
        found = [(m.start(), m.end(), m.group(0)) for m in lazy.finditer(text)]
        assert found == [(m.start(), m.end(), m.group(0)) for m in full.finditer(text)], text
        assert lazy.sub("#", text) == full.sub("#", text)
        assert lazy.sub(lambda m: m.group(1).upper(), text) == full.sub(
            lambda m: m.group(1).upper(), text
        )


def test_compiles_only_the_phrases_a_text_contains() -> None:
    pattern = PhrasePattern(["machine learning", "ml", "data science"], *QUERY_AROUND)
    assert pattern.pattern_for("what does a chef earn") is None
    compiled = pattern.pattern_for("is ml worth it")
    assert compiled is not None
    assert "ml" in compiled.pattern and "machine" not in compiled.pattern
    # "ml" occurs inside "html", so it is compiled, and the lookarounds still refuse it.
    assert list(pattern.finditer("html jobs")) == []
    assert PhrasePattern([], *QUERY_AROUND).sub("#", "anything") == "anything"
    with pytest.raises(ValueError, match="empty phrase"):
        PhrasePattern(["ml", ""], *QUERY_AROUND)
