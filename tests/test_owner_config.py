"""CAREER_ADVISOR_ADMINS and CAREER_ADVISOR_QUESTION_RETENTION_DAYS."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings


def test_admins_default_to_nobody_and_read_ids_separated_by_commas_or_spaces() -> None:
    assert load_settings({}).admins == frozenset()
    assert load_settings({"CAREER_ADVISOR_ADMINS": "  "}).admins == frozenset()
    given = {"CAREER_ADVISOR_ADMINS": "123456789, 42 7"}
    assert load_settings(given).admins == frozenset({123456789, 42, 7})


@pytest.mark.parametrize("given", ["abc", "12,-5", "12;13", "@owner", "1" * 17])
def test_bad_admin_ids_are_refused_in_one_line(given: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({"CAREER_ADVISOR_ADMINS": given})
    message = str(raised.value)
    assert message.startswith("CAREER_ADVISOR_ADMINS has ") and "\n" not in message


def test_retention_defaults_to_90_days_and_is_configurable() -> None:
    assert load_settings({}).question_retention_days == 90
    given = {"CAREER_ADVISOR_QUESTION_RETENTION_DAYS": " 30 "}
    assert load_settings(given).question_retention_days == 30


@pytest.mark.parametrize("given", ["0", "3651", "ten", "1.5", "-3"])
def test_bad_retention_is_refused_in_one_line(given: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({"CAREER_ADVISOR_QUESTION_RETENTION_DAYS": given})
    message = str(raised.value)
    assert message.startswith("CAREER_ADVISOR_QUESTION_RETENTION_DAYS is ")
    assert "\n" not in message and "1 to 3650" in message
