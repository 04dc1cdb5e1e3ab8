"""Settings from the environment: defaults, validation, and messages that never hold the token."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from bot.config import (
    DEFAULT_API_BASE_URL,
    ConfigError,
    Settings,
    load_settings,
)
from tests.support.botapi_standin import DEFAULT_TOKEN

BOTFATHER_SHAPED_TOKEN = "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"  # 35 characters


def test_defaults_without_any_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings({})
    assert settings.token is None
    assert not settings.telegram_enabled
    assert settings.secrets == ()
    assert settings.api_base_url == DEFAULT_API_BASE_URL
    assert settings.data_dir == tmp_path / "data"
    assert settings.data_dir.is_absolute()
    assert settings.log_level == "INFO"
    assert settings.persistence_file == tmp_path / "data" / "state.json"


@pytest.mark.parametrize("token", [DEFAULT_TOKEN, BOTFATHER_SHAPED_TOKEN])
def test_token_is_read_and_kept_secret(token: str) -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": token})
    assert isinstance(settings.token, SecretStr)
    assert settings.token.get_secret_value() == token
    assert settings.telegram_enabled
    assert settings.secrets == (token,)
    assert token not in repr(settings)
    assert token not in str(settings)


def test_token_surrounding_whitespace_is_stripped() -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": f"  {DEFAULT_TOKEN}\n"})
    assert settings.token is not None
    assert settings.token.get_secret_value() == DEFAULT_TOKEN


@pytest.mark.parametrize("blank", ["", "   ", "\n"])
def test_blank_token_means_terminal_mode(blank: str) -> None:
    assert load_settings({"TELEGRAM_BOT_TOKEN": blank}).token is None


@pytest.mark.parametrize(
    "token",
    [
        "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",  # the bot id is missing
        "110201543:short",
        "110201543 AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
        "bot110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
        "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsa!",
        "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PA LDsaw",
    ],
)
def test_malformed_token_is_refused_without_echoing_it(token: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"TELEGRAM_BOT_TOKEN": token})
    message = str(caught.value)
    assert message.startswith("TELEGRAM_BOT_TOKEN is malformed")
    assert "BotFather" in message
    assert "\n" not in message
    assert token not in message
    assert token.split(":")[-1] not in message
    # nothing chained either, so a full traceback cannot show it
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_settings_built_by_hand_do_not_echo_a_malformed_token() -> None:
    token = "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsa!"
    with pytest.raises(ValidationError) as caught:
        Settings(token=token, data_dir=Path("data"))
    assert token not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8081/bot",
        "https://api.telegram.org/bot",
        "https://botapi.example/bot{token}/x",
        "  https://api.telegram.org/bot  ",
    ],
)
def test_api_base_url_accepts_http_and_https(url: str) -> None:
    settings = load_settings({"TELEGRAM_API_BASE_URL": url})
    assert settings.api_base_url == url.strip()


def test_blank_api_base_url_takes_the_default() -> None:
    assert load_settings({"TELEGRAM_API_BASE_URL": " "}).api_base_url == DEFAULT_API_BASE_URL


@pytest.mark.parametrize(
    "url",
    [
        "api.telegram.org/bot",
        "ftp://api.telegram.org/bot",
        "https:///bot",
        "http://",
        "https://[::1/bot",
        "https://api.telegram.org:port/bot",
        f"https://api.telegram.org:x/bot{DEFAULT_TOKEN}",
    ],
)
def test_api_base_url_must_be_http_with_a_host(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"TELEGRAM_API_BASE_URL": url})
    message = str(caught.value)
    assert message.startswith("TELEGRAM_API_BASE_URL is not a usable URL")
    assert "\n" not in message
    assert DEFAULT_TOKEN not in message


def test_data_dir_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    relative = load_settings({"CAREER_ADVISOR_DATA_DIR": "state/here"})
    assert relative.data_dir == tmp_path / "state" / "here"
    absolute = load_settings({"CAREER_ADVISOR_DATA_DIR": str(tmp_path / "elsewhere")})
    assert absolute.data_dir == tmp_path / "elsewhere"
    assert absolute.persistence_file.parent == tmp_path / "elsewhere"
    assert not (tmp_path / "elsewhere").exists()  # created by the persistence, not here


def test_data_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    a_file = tmp_path / "not-a-dir"
    a_file.write_text("x")
    with pytest.raises(ConfigError, match=r"^CAREER_ADVISOR_DATA_DIR points to .* not a directory"):
        load_settings({"CAREER_ADVISOR_DATA_DIR": str(a_file)})


@pytest.mark.parametrize(
    ("given", "expected"),
    [("debug", "DEBUG"), ("Warning", "WARNING"), (" error ", "ERROR"), ("CRITICAL", "CRITICAL")],
)
def test_log_level_is_case_insensitive(given: str, expected: str) -> None:
    assert load_settings({"LOG_LEVEL": given}).log_level == expected


@pytest.mark.parametrize("level", ["verbose", "WARN", "10", "trace"])
def test_unknown_log_level_is_refused(level: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"LOG_LEVEL": level})
    message = str(caught.value)
    assert message.startswith("LOG_LEVEL is ")
    assert "DEBUG, INFO, WARNING, ERROR, CRITICAL" in message


def test_settings_are_frozen(tmp_path: Path) -> None:
    settings = load_settings({"CAREER_ADVISOR_DATA_DIR": str(tmp_path)})
    with pytest.raises(ValidationError):
        settings.log_level = "DEBUG"  # type: ignore[misc]


def test_first_problem_is_reported_for_several_bad_variables() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"TELEGRAM_BOT_TOKEN": "nope", "LOG_LEVEL": "loud"})
    assert str(caught.value).count("\n") == 0
    assert "TELEGRAM_BOT_TOKEN" in str(caught.value)


def test_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", DEFAULT_TOKEN)
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("CAREER_ADVISOR_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TELEGRAM_API_BASE_URL", raising=False)
    settings = load_settings()
    assert settings.secrets == (DEFAULT_TOKEN,)
    assert settings.log_level == "DEBUG"
    assert settings.data_dir == tmp_path
