"""The user's profile (region and career level) and the words people use for them.

/salary and /roadmap use the profile as their defaults. The word lists here are shared by all
three views, so "pk", "sr" or "fresher" mean the same thing everywhere.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.buttons import SEPARATOR, Action, button_data
from bot.core.markup import escape
from bot.core.reply import Button, ButtonRows, Reply
from knowledge.lexicon import load_lexicon

# Regions and levels a profile can hold. Levels describe where the person is in their career;
# each maps to a roadmap level and to the salary levels worth showing them.
PROFILE_REGIONS: tuple[str, ...] = ("pakistan", "india", "us")
PROFILE_LEVELS: tuple[str, ...] = ("beginner", "entry", "mid", "senior")

# Short labels for buttons and the profile ("US"); sentences use the lexicon's "the US".
REGION_NAMES: dict[str, str] = {
    "pakistan": "Pakistan",
    "india": "India",
    "us": "US",
    "global": "Global",
}
_LEXICON = load_lexicon()
REGION_FLAGS: dict[str, str] = {region: _LEXICON.region(region).flag for region in _LEXICON.regions}
PROFILE_LEVEL_NAMES: dict[str, str] = {
    "beginner": "Beginner (learning, no ML job yet)",
    "entry": "Entry level (0-2 years)",
    "mid": "Mid level (2-5 years)",
    "senior": "Senior (5+ years)",
}
PROFILE_LEVEL_SHORT: dict[str, str] = {
    "beginner": "Beginner",
    "entry": "Entry",
    "mid": "Mid",
    "senior": "Senior",
}

# Single words a command may use ("/profile pk sr"); phrases are folded by words() below.
REGION_WORDS: dict[str, str] = {
    **{w: r for w, r in _LEXICON.word_table("regions").items() if " " not in w},
    "in": "india",  # only in commands: in free text "in" is just a preposition
    "ind": "india",
    "us": "us",
    "unitedstates": "us",
}
# A profile's level is where the person is; an intern is still a beginner here.
PROFILE_LEVEL_WORDS: dict[str, str] = {
    **{
        w: ("beginner" if level == "internship" else level)
        for w, level in _LEXICON.word_table("levels").items()
        if " " not in w
    },
    "begin": "beginner",
}
# Spelled-out forms folded to one word before matching.
_PHRASES = (
    (re.compile(r"\bu\.\s?s\.\s?a\b\.?"), " usa "),
    (re.compile(r"\bu\.\s?s\b\.?"), " us "),
    (re.compile(r"\bunited\s+states(?:\s+of\s+america)?\b"), " usa "),
    (re.compile(r"\bnorth\s+america\b"), " usa "),
    (re.compile(r"\bmid[\s-]+level\b"), " mid "),
    (re.compile(r"\bentry[\s-]+level\b"), " entry "),
    (re.compile(r"\bsenior[\s-]+level\b"), " senior "),
)
FUZZY_CUTOFF = 0.8  # "pakistn", "senoir", "internshp" still match; "mind" does not become "mid"


def words(text: str) -> list[str]:
    """Lower-case words of a message, with "U.S.", "United States", "mid-level" folded."""
    lowered = text.lower()
    for pattern, replacement in _PHRASES:
        lowered = pattern.sub(replacement, lowered)
    return re.findall(r"[a-z0-9]+", lowered)


def match_word(word: str, vocabulary: Mapping[str, str], fuzzy: bool = True) -> str | None:
    """The value a word stands for: exact, plural, or (for longer words) a close misspelling."""
    if word in vocabulary:
        return vocabulary[word]
    if len(word) > 3 and word.endswith("s") and word[:-1] in vocabulary:
        return vocabulary[word[:-1]]
    if fuzzy and len(word) >= 5:
        close = difflib.get_close_matches(word, list(vocabulary), n=1, cutoff=FUZZY_CUTOFF)
        if close:
            return vocabulary[close[0]]
    return None


@dataclass(frozen=True)
class Profile:
    """What the user told us about themselves; either part may be unknown."""

    region: str | None = None
    level: str | None = None

    def __post_init__(self) -> None:
        if self.region is not None and self.region not in PROFILE_REGIONS:
            raise ValueError(f"unknown region {self.region!r}")
        if self.level is not None and self.level not in PROFILE_LEVELS:
            raise ValueError(f"unknown level {self.level!r}")

    @property
    def is_empty(self) -> bool:
        return self.region is None and self.level is None

    def to_dict(self) -> dict[str, str]:
        """For storage; keys with no value are left out."""
        data = {"region": self.region, "level": self.level}
        return {key: value for key, value in data.items() if value is not None}

    @classmethod
    def from_dict(cls, data: Any) -> Profile:
        """A stored profile; anything unreadable (old formats, garbage) counts as unknown."""
        if not isinstance(data, Mapping):
            return cls()
        region = data.get("region")
        level = data.get("level")
        return cls(
            region=region if isinstance(region, str) and region in PROFILE_REGIONS else None,
            level=level if isinstance(level, str) and level in PROFILE_LEVELS else None,
        )

    def describe(self) -> str:
        region = REGION_NAMES[self.region] if self.region else "not set"
        level = PROFILE_LEVEL_NAMES[self.level] if self.level else "not set"
        return f"Region: <b>{escape(region)}</b>\nLevel: <b>{escape(level)}</b>"


def _choice_rows(profile: Profile) -> ButtonRows:
    def mark(chosen: bool, label: str) -> str:
        return f"✓ {label}" if chosen else label

    regions = tuple(
        Button(
            mark(profile.region == region, f"{REGION_FLAGS[region]} {REGION_NAMES[region]}"),
            button_data(Action.PROFILE, "r", region),
        )
        for region in PROFILE_REGIONS
    )
    levels = tuple(
        Button(
            mark(profile.level == level, PROFILE_LEVEL_SHORT[level]),
            button_data(Action.PROFILE, "l", level),
        )
        for level in PROFILE_LEVELS
    )
    return (regions, levels)


def _profile_reply(profile: Profile, note: str = "", edit: bool = False) -> Reply:
    lines = ["👤 <b>Your profile</b>"]
    if note:
        lines.append(note)
    lines += ["", profile.describe(), ""]
    if profile.is_empty:
        lines.append("Pick your region and level: /salary and /roadmap will use them.")
    else:
        lines.append("/salary and /roadmap use these as defaults. Change them any time.")
    rows = list(_choice_rows(profile))
    actions: list[Button] = []
    if profile.region or profile.level:
        actions.append(Button("💰 My salaries", button_data(Action.SALARY, "me")))
        actions.append(Button("🗺 My roadmap", button_data(Action.ROADMAP, "o")))
        actions.append(Button("Clear", button_data(Action.PROFILE, "clear")))
    if actions:
        rows.append(tuple(actions))
    return Reply("\n".join(lines), tuple(rows), edit=edit)


def profile_prompt() -> Reply:
    """The invitation after /start: region and level buttons, one tap each."""
    text = (
        "👤 <b>Tell me about you</b> (optional)\n"
        "Where do you want to work, and how far along are you? "
        "I'll use this for /salary and /roadmap. Change it any time with /profile."
    )
    rows = (*_choice_rows(Profile()), (Button("Skip", button_data(Action.PROFILE, "skip")),))
    return Reply(text, rows)


def parse_profile_words(text: str) -> tuple[str | None, str | None, list[str]]:
    """Region, level and the words that were neither (for a helpful error)."""
    region: str | None = None
    level: str | None = None
    unknown: list[str] = []
    said = words(text)
    # "in" names India only when no other region is named: "student in pakistan".
    other_region = any(w != "in" and match_word(w, REGION_WORDS) is not None for w in said)
    for word in said:
        if word in ("my", "region", "level", "set", "i", "am", "im", "a", "an", "to", "is"):
            continue
        if word == "in" and other_region:
            continue
        if (found := match_word(word, REGION_WORDS)) is not None and found in PROFILE_REGIONS:
            region = found
        elif (found := match_word(word, PROFILE_LEVEL_WORDS)) is not None:
            level = found
        else:
            unknown.append(word)
    return region, level, unknown


def profile_command(args: str, profile: Profile) -> tuple[Reply, Profile]:
    """/profile shows and sets the profile: "/profile india senior", "/profile clear"."""
    if not args.strip():
        return _profile_reply(profile), profile
    if words(args) in (["clear"], ["reset"], ["forget"], ["delete"]):
        return _profile_reply(Profile(), "Cleared."), Profile()
    region, level, unknown = parse_profile_words(args)
    if unknown:
        valid = (
            f"Regions: {', '.join(REGION_NAMES[r] for r in PROFILE_REGIONS)}. "
            f"Levels: {', '.join(PROFILE_LEVELS)}. Or /profile clear."
        )
        note = f"I didn't understand {escape(', '.join(repr(w) for w in unknown))}. {valid}"
        return _profile_reply(profile, note), profile
    updated = Profile(region or profile.region, level or profile.level)
    return _profile_reply(updated, "Saved ✓"), updated


def profile_button(payload: str, profile: Profile) -> tuple[Reply, Profile]:
    """A press on a profile button: "r:<region>", "l:<level>", "clear", "skip"."""
    kind, _, value = payload.partition(SEPARATOR)
    if kind == "r" and value in PROFILE_REGIONS:
        updated = Profile(value, profile.level)
    elif kind == "l" and value in PROFILE_LEVELS:
        updated = Profile(profile.region, value)
    elif payload == "clear":
        return _profile_reply(Profile(), "Cleared.", edit=True), Profile()
    elif payload == "skip":
        text = "No problem. Set it later with /profile. Try /roadmap or /salary."
        return Reply(text, edit=True), profile
    else:
        note = "That button is out of date; here is your current profile."
        return _profile_reply(profile, note, edit=True), profile
    return _profile_reply(updated, "Saved ✓", edit=True), updated
