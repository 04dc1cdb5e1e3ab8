"""The profile: storage round trip, /profile, its buttons, and its use as a default."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.profile import (
    PROFILE_LEVELS,
    PROFILE_REGIONS,
    Profile,
    profile_button,
    profile_command,
    profile_prompt,
)
from bot.core.reply import Reply
from bot.core.roadmap_view import roadmap_button, roadmap_command
from bot.core.salary_view import salary_button, salary_command
from standin.telegram_html import prepare_message_text


def valid(reply: Reply) -> str:
    parsed = prepare_message_text(reply.html)  # raises on bad HTML or > 4096 characters
    for button in reply.button_list:
        assert button.data.startswith(("prof:", "sal:", "rm:")), button.data
    return parsed.plain


@pytest.mark.parametrize(
    "profile",
    [Profile(), Profile("india"), Profile(level="senior"), Profile("pakistan", "beginner")],
)
def test_round_trip_through_storage(profile: Profile) -> None:
    assert Profile.from_dict(profile.to_dict()) == profile


def test_to_dict_leaves_out_unknown_parts() -> None:
    assert Profile().to_dict() == {}
    assert Profile("us", "mid").to_dict() == {"region": "us", "level": "mid"}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (None, Profile()),
        ([], Profile()),
        ("india", Profile()),
        (42, Profile()),
        ({"country": "pk"}, Profile()),  # an old or foreign format
        ({"region": 5, "level": ["senior"]}, Profile()),
        ({"region": "mars", "level": "senior"}, Profile(level="senior")),
        ({"region": "india", "level": "ceo", "extra": 1}, Profile("india")),
    ],
)
def test_garbage_becomes_an_empty_profile_never_an_error(data: Any, expected: Profile) -> None:
    assert Profile.from_dict(data) == expected


def test_a_profile_cannot_hold_unknown_values() -> None:
    with pytest.raises(ValueError):
        Profile("mars")
    with pytest.raises(ValueError):
        Profile(level="ceo")


def test_prompt_after_start_offers_one_tap_choices() -> None:
    reply = profile_prompt()
    valid(reply)
    data = [button.data for button in reply.button_list]
    assert data == [
        *(f"prof:r:{region}" for region in PROFILE_REGIONS),
        *(f"prof:l:{level}" for level in PROFILE_LEVELS),
        "prof:skip",
    ]


def test_profile_command_shows_the_profile() -> None:
    reply, profile = profile_command("", Profile("india", "mid"))
    text = valid(reply)
    assert profile == Profile("india", "mid")
    assert "Region: India" in text and "Level: Mid level (2-5 years)" in text
    assert "✓ 🇮🇳 India" in [b.label for b in reply.button_list]
    assert {"sal:me", "rm:o", "prof:clear"} <= {b.data for b in reply.button_list}
    empty = valid(profile_command("", Profile())[0])
    assert "Region: not set" in empty


@pytest.mark.parametrize(
    ("args", "before", "after"),
    [
        ("india senior", Profile(), Profile("india", "senior")),
        ("Senior India", Profile(), Profile("india", "senior")),
        ("PK", Profile("us", "mid"), Profile("pakistan", "mid")),
        ("usa junior", Profile(), Profile("us", "entry")),
        ("I am a student in pakistan", Profile(), Profile("pakistan", "beginner")),
        ("pakistan, senior in", Profile(), Profile("pakistan", "senior")),
        ("in", Profile(), Profile("india")),
        ("set my level to sr", Profile("india"), Profile("india", "senior")),
        ("U.S.", Profile(level="entry"), Profile("us", "entry")),
        ("clear", Profile("india", "senior"), Profile()),
    ],
)
def test_profile_command_sets_what_was_said(args: str, before: Profile, after: Profile) -> None:
    reply, profile = profile_command(args, before)
    valid(reply)
    assert profile == after


def test_profile_command_explains_unknown_words() -> None:
    reply, profile = profile_command("mars <ceo>", Profile("india"))
    text = valid(reply)
    assert profile == Profile("india")
    assert "I didn't understand 'mars', 'ceo'" in text
    assert "Regions: Pakistan, India, US" in text and "beginner, entry, mid, senior" in text


def test_buttons_set_region_and_level_one_at_a_time() -> None:
    reply, profile = profile_button("r:india", Profile())
    assert profile == Profile("india") and reply.edit
    reply, profile = profile_button("l:beginner", profile)
    assert profile == Profile("india", "beginner")
    text = valid(reply)
    assert "Saved ✓" in text and "Beginner (learning, no ML job yet)" in text
    reply, profile = profile_button("clear", profile)
    assert profile == Profile() and "Cleared" in valid(reply)


def test_skip_keeps_the_profile() -> None:
    reply, profile = profile_button("skip", Profile("us"))
    assert profile == Profile("us")
    assert "/profile" in valid(reply) and reply.edit


@pytest.mark.parametrize("payload", ["", "r:mars", "l:", "l:ceo", "r", "zzz", "r:india:x", "💥"])
def test_forged_profile_buttons_change_nothing(payload: str) -> None:
    reply, profile = profile_button(payload, Profile("pakistan", "mid"))
    assert profile == Profile("pakistan", "mid")
    assert "out of date" in valid(reply)


def test_the_profile_is_the_default_for_salary_and_roadmap(knowledge) -> None:
    profile = Profile("pakistan", "senior")
    reply, _ = profile_button("l:senior", Profile("pakistan"))
    by_data = {button.data: button for button in reply.button_list}
    assert "sal:me" in by_data and "rm:o" in by_data
    salary = salary_button(knowledge.salaries, "me", profile, titles=knowledge.article_titles)
    salary_text = valid(salary)
    assert "PKR 300,000 – 600,000+ per month" in salary_text and "India" not in salary_text
    assert (
        salary.html
        == salary_command(knowledge.salaries, "", profile, titles=knowledge.article_titles).html
    )
    roadmap, _ = roadmap_button(knowledge.roadmap, "o", frozenset(), profile=profile)
    assert "start at Specialization and advanced topics" in valid(roadmap)
    typed = roadmap_command(knowledge.roadmap, "", frozenset(), profile)
    assert "start at Specialization and advanced topics" in valid(typed)


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(max_size=60),
    data=st.one_of(
        st.none(),
        st.text(),
        st.dictionaries(
            st.sampled_from(["region", "level", "x"]),
            st.one_of(st.text(max_size=10), st.integers()),
        ),
    ),
)
def test_anything_typed_pressed_or_stored_is_harmless(text: str, data: Any) -> None:
    profile = Profile.from_dict(data)
    reply, updated = profile_command(text, profile)
    valid(reply)
    reply, updated = profile_button(text, updated)
    valid(reply)
    assert Profile.from_dict(updated.to_dict()) == updated
