"""Reading a message in the light of the last answer: "tell me more", "why?", "and in India?"."""

from __future__ import annotations

import re
from enum import StrEnum


class FollowUp(StrEnum):
    MORE = "more"  # the next passages on the same question
    WHY = "why"  # the cited passages in full
    REFINE = "refine"  # the same question with a new region, level or detail
    NONE = "none"  # a question of its own


_MORE = re.compile(
    r"^(?:(?:please\s+)?tell me more|more(?: please| info(?:rmation)?| details)?|go on|continue|"
    r"keep going|anything else|what else|say more|elaborate|more on that)\W*$",
    re.IGNORECASE,
)
_WHY = re.compile(
    r"^(?:why|how so|sources?|citations?|says who|proof|where(?: is| does)? (?:that|this) "
    r"(?:come )?from|what(?:'s| is) (?:the|your) sources?|show (?:me )?(?:the )?sources?|"
    r"(?:can you )?cite (?:it|that|them|your sources?))\W*$",
    re.IGNORECASE,
)
# Openers that make a short message lean on the previous question.
_CONNECTIVE = re.compile(
    r"^(?:and|but|also|ok(?:ay)?|so)?\s*(?:what|how) about\s+|^(?:and|also|same)\s+(?:for\s+)?|"
    r"^(?:and\s+)?(?:in|for)\s+(?=\S)",
    re.IGNORECASE,
)
REGION_WORDS = frozenset(
    {"pakistan", "pk", "india", "indian", "us", "usa", "america", "american", "states", "uk"}
)
LEVEL_WORDS = frozenset(
    {
        "senior", "sr", "junior", "jr", "entry", "fresher", "freshers", "mid", "intern",
        "internship", "interns", "lead", "principal", "beginner", "experienced", "level",
    }
)
MAX_REFINEMENT_WORDS = 6


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.casefold())


def classify_follow_up(text: str, has_previous: bool) -> FollowUp:
    stripped = text.strip()
    if _MORE.match(stripped):
        return FollowUp.MORE
    if _WHY.match(stripped):
        return FollowUp.WHY
    if not has_previous:
        return FollowUp.NONE
    tokens = _words(stripped)
    if not tokens or len(tokens) > MAX_REFINEMENT_WORDS:
        return FollowUp.NONE
    if _CONNECTIVE.match(stripped):
        return FollowUp.REFINE
    if all(token in REGION_WORDS | LEVEL_WORDS for token in tokens):
        return FollowUp.REFINE  # "India?", "senior level?"
    return FollowUp.NONE


def refine(previous: str, follow_up: str) -> str:
    """The previous question, re-aimed by a follow-up: its region or level words replaced."""
    detail = _CONNECTIVE.sub("", follow_up.strip()).strip(" ?!.")
    detail_words = set(_words(detail))
    kept = previous.rstrip(" ?!.")
    for vocabulary in (REGION_WORDS, LEVEL_WORDS):
        if detail_words & vocabulary:
            kept = _drop_words(kept, vocabulary)
    if _words(detail)[:1] and _words(detail)[0] in REGION_WORDS:
        detail = f"in {detail}"  # "India?" reads as "... in India?"
    return f"{kept} {detail}?".strip()


def _drop_words(text: str, vocabulary: frozenset[str]) -> str:
    kept = [
        token
        for token in text.split()
        if re.sub(r"\W", "", token).lower() not in vocabulary
    ]
    # "in the US" loses "US" and should lose its dangling "in the" too.
    return re.sub(r"\s+(?:in|for|at)(?:\s+the)?\s*$", "", " ".join(kept))
