"""The spelling index finds what comparing with every word would, in a few lookups."""

from __future__ import annotations

import random

from retrieval.spelling import LONG_WORD, SpellingIndex, deletions, within_edits


def brute_force(words: list[str], token: str) -> str | None:
    """The definition: nearest within one edit (two for long words, of lengths at most one
    apart), same first letter, then the longest, then the first in alphabetical order."""
    if len(token) < 4 or not token.isalpha():
        return None
    pool = [w for w in words if w.isalpha() and len(w) >= 4 and w[0] == token[0]]
    for limit in range(1, (1 if len(token) < LONG_WORD else 2) + 1):
        near = [
            w for w in pool
            if within_edits(token, w, limit) and (limit == 1 or abs(len(w) - len(token)) <= 1)
        ]
        if near:
            return min(near, key=lambda w: (-len(w), w))
    return None


def misspell(word: str, rng: random.Random) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    chars = list(word)
    for _ in range(rng.choice((1, 1, 2))):
        i = rng.randrange(len(chars))
        match rng.randrange(4):
            case 0 if len(chars) > 1:
                del chars[i]
            case 1:
                chars.insert(i, rng.choice(letters))
            case 2:
                chars[i] = rng.choice(letters)
            case _ if i + 1 < len(chars):
                chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


def test_the_index_agrees_with_comparing_every_word() -> None:
    rng = random.Random(5)
    words = sorted({
        "".join(rng.choice("aeioulnrstcdmp") for _ in range(rng.randint(3, 12)))
        for _ in range(3000)
    })
    index = SpellingIndex(words)
    tokens = [misspell(rng.choice(words), rng) for _ in range(600)]
    found = [index.closest(token) for token in tokens]
    assert found == [brute_force(words, token) for token in tokens]
    assert sum(f is not None for f in found) > 400  # most misspellings were found


def test_two_edits_that_change_the_length_by_two_are_another_word() -> None:
    # "comsats" (a university) was read as "costs", two letters deleted
    index = SpellingIndex(["costs", "communication"])
    assert index.closest("comsats") is None
    assert index.closest("comunicasion") == "communication"  # two edits, one letter short


def test_ties_go_to_the_longest_then_the_first_in_alphabetical_order() -> None:
    index = SpellingIndex(["main", "mean", "means", "maine"])
    assert index.closest("meas") == "means"  # "mean" and "means" are one edit away
    assert index.closest("mein") == "main"  # "main" and "mean" are; "maine" is two
    assert index.closest("salray") is None  # nothing near, and no other first letter
    assert index.closest("mai") is None  # too short to correct


def test_deletions_cover_every_choice_of_letters() -> None:
    assert deletions("abc", 1) == {"abc", "bc", "ac", "ab"}
    assert deletions("abc", 2) == {"abc", "bc", "ac", "ab", "a", "b", "c"}
