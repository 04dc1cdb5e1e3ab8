"""Settings from the environment: defaults, validation, and messages that never hold the token."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from bot.config import (
    DEFAULT_API_BASE_URL,
    DEFAULT_SEND_RETRY_SECONDS,
    DEFAULT_WEBHOOK_LISTEN,
    DEFAULT_WEBHOOK_PORT,
    ConfigError,
    LoadTestSettings,
    Settings,
    load_settings,
    load_test_settings,
)
from standin.botapi import DEFAULT_TOKEN

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
    assert settings.database_url is None
    assert not settings.webhook_enabled
    assert settings.webhook_url is None
    assert settings.webhook_secret is None
    assert settings.webhook_listen == DEFAULT_WEBHOOK_LISTEN == "127.0.0.1"
    assert settings.webhook_port == DEFAULT_WEBHOOK_PORT == 8443


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
    assert not (tmp_path / "elsewhere").exists()  # created by the store, not here


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


def test_settings_constructed_directly_read_os_environ_alike(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "warning")
    monkeypatch.setenv("CAREER_ADVISOR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "  ")  # blank: the default, as for load_settings
    settings = Settings()
    assert settings.log_level == "WARNING"
    assert settings.data_dir == tmp_path
    assert settings.api_base_url == DEFAULT_API_BASE_URL
    assert Settings(log_level="error").log_level == "ERROR"  # given values come first


def test_a_given_environment_is_all_that_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", DEFAULT_TOKEN)
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.example.com/advisor")
    monkeypatch.setenv("CAREER_ADVISOR_RATE_LIMIT", "off")
    settings = load_settings({})
    assert settings.token is None
    assert settings.log_level == "INFO"
    assert settings.database_url is None
    assert load_test_settings({}).rate_limit == "telegram"


# ---------------------------------------------------------------- webhook mode

WEBHOOK_SECRET = "Webhook_secret-0123456789abcdef"


def webhook_environ(**overrides: str) -> dict[str, str]:
    environ = {
        "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
        "CAREER_ADVISOR_WEBHOOK_URL": "https://bot.example.com/telegram/hook",
        "CAREER_ADVISOR_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    environ.update(overrides)
    return {name: value for name, value in environ.items() if value != "<unset>"}


def test_webhook_settings_are_read_and_the_secret_kept_secret() -> None:
    settings = load_settings(
        webhook_environ(
            CAREER_ADVISOR_WEBHOOK_LISTEN=" 0.0.0.0 ", CAREER_ADVISOR_WEBHOOK_PORT=" 8080 "
        )
    )
    assert settings.webhook_enabled
    assert settings.webhook_url == "https://bot.example.com/telegram/hook"
    assert settings.webhook_path == "/telegram/hook"
    assert isinstance(settings.webhook_secret, SecretStr)
    assert settings.webhook_secret.get_secret_value() == WEBHOOK_SECRET
    assert settings.webhook_listen == "0.0.0.0"
    assert settings.webhook_port == 8080
    # registered for log redaction exactly like the token
    assert settings.secrets == (DEFAULT_TOKEN, WEBHOOK_SECRET)
    assert WEBHOOK_SECRET not in repr(settings)
    assert WEBHOOK_SECRET not in str(settings)


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("https://bot.example.com", "/"),
        ("https://bot.example.com:8443/", "/"),
        ("HTTPS://bot.example.com/a.b/c-d?x=1", "/a.b/c-d"),
        ("  https://[2001:db8::1]:88/hook  ", "/hook"),
    ],
)
def test_webhook_path_is_that_of_the_public_url(url: str, path: str) -> None:
    settings = load_settings(webhook_environ(CAREER_ADVISOR_WEBHOOK_URL=url))
    assert settings.webhook_url == url.strip()
    assert settings.webhook_path == path


@pytest.mark.parametrize("blank", ["", "  "])
def test_blank_webhook_url_means_polling(blank: str) -> None:
    settings = load_settings(webhook_environ(CAREER_ADVISOR_WEBHOOK_URL=blank))
    assert not settings.webhook_enabled
    with pytest.raises(ValueError, match="CAREER_ADVISOR_WEBHOOK_URL is not set"):
        _ = settings.webhook_path


@pytest.mark.parametrize("missing", ["<unset>", "", "   "])
def test_webhook_url_without_a_secret_is_refused(missing: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(webhook_environ(CAREER_ADVISOR_WEBHOOK_SECRET=missing))
    assert str(caught.value) == (
        "CAREER_ADVISOR_WEBHOOK_SECRET is required when CAREER_ADVISOR_WEBHOOK_URL is set: "
        "16 to 256 random characters from A-Z a-z 0-9 _ -"
    )


def test_a_secret_without_a_webhook_url_is_checked_but_polling_stays() -> None:
    settings = load_settings(webhook_environ(CAREER_ADVISOR_WEBHOOK_URL="<unset>"))
    assert not settings.webhook_enabled
    assert settings.secrets == (DEFAULT_TOKEN, WEBHOOK_SECRET)  # redacted all the same
    with pytest.raises(ConfigError, match=r"^CAREER_ADVISOR_WEBHOOK_SECRET may only contain"):
        load_settings(
            webhook_environ(
                CAREER_ADVISOR_WEBHOOK_URL="<unset>", CAREER_ADVISOR_WEBHOOK_SECRET="a b" * 8
            )
        )


@pytest.mark.parametrize(
    "secret",
    [
        "Webhook secret 0123456789abcdef",  # a space inside
        "Webhook_secret:0123456789abcdef",
        "Webhook_secret.0123456789abcdef",
        "Webhook_secret/0123456789abcdef",
        "Webhook_secret+0123456789abcdef",
        "Webhook_secret=0123456789abcdef",
        "Webhook_secret-0123456789abcdé",
    ],
)
def test_webhook_secret_with_other_characters_is_refused_without_echoing_it(
    secret: str,
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(webhook_environ(CAREER_ADVISOR_WEBHOOK_SECRET=secret))
    message = str(caught.value)
    assert message == (
        "CAREER_ADVISOR_WEBHOOK_SECRET may only contain A-Z a-z 0-9 _ - "
        "(Telegram's rule for secret_token)"
    )
    assert caught.value.__cause__ is None


@pytest.mark.parametrize(
    ("length", "accepted"), [(1, False), (15, False), (16, True), (256, True), (257, False)]
)
def test_webhook_secret_length(length: int, accepted: bool) -> None:
    secret = ("Ab3_-" * 60)[:length]
    environ = webhook_environ(CAREER_ADVISOR_WEBHOOK_SECRET=secret)
    if accepted:
        settings = load_settings(environ)
        assert settings.webhook_secret is not None
        assert settings.webhook_secret.get_secret_value() == secret
        return
    with pytest.raises(ConfigError) as caught:
        load_settings(environ)
    # the message gives the length, never the secret
    assert str(caught.value) == (
        f"CAREER_ADVISOR_WEBHOOK_SECRET must have 16 to 256 characters, not {length}"
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://bot.example.com/hook",  # Telegram posts to HTTPS only
        "bot.example.com/hook",
        "https:///hook",
        "https://bot.example.com:port/hook",
        "https://[::1/hook",
        "ftp://bot.example.com/hook",
    ],
)
def test_webhook_url_must_be_https_with_a_host(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(webhook_environ(CAREER_ADVISOR_WEBHOOK_URL=url))
    message = str(caught.value)
    assert message.startswith("CAREER_ADVISOR_WEBHOOK_URL is not a usable webhook URL")
    assert "\n" not in message
    assert url not in message


def test_webhook_url_with_a_fragment_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"^CAREER_ADVISOR_WEBHOOK_URL must not have a #fragment"):
        load_settings(webhook_environ(CAREER_ADVISOR_WEBHOOK_URL="https://bot.example.com/h#x"))


@pytest.mark.parametrize(
    ("listen", "expected"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("::", "::"),
        ("0:0::1", "::1"),
        ("localhost", "localhost"),
        ("proxy-target.internal", "proxy-target.internal"),
    ],
)
def test_webhook_listen_takes_an_address_or_a_host_name(listen: str, expected: str) -> None:
    settings = load_settings(webhook_environ(CAREER_ADVISOR_WEBHOOK_LISTEN=listen))
    assert settings.webhook_listen == expected


@pytest.mark.parametrize("listen", ["127.0.0.1:8443", "http://127.0.0.1", "a host", "-x", "a..b"])
def test_bad_webhook_listen_is_refused(listen: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(webhook_environ(CAREER_ADVISOR_WEBHOOK_LISTEN=listen))
    assert str(caught.value) == (
        f"CAREER_ADVISOR_WEBHOOK_LISTEN is {listen!r}, expected an IP address such as "
        "127.0.0.1 or a host name"
    )


@pytest.mark.parametrize("port", ["0", "65536", "99999", "-1", "84 43", "8443.0", "https", "1e3"])
def test_bad_webhook_port_is_refused(port: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(webhook_environ(CAREER_ADVISOR_WEBHOOK_PORT=port))
    message = str(caught.value)
    assert message.startswith("CAREER_ADVISOR_WEBHOOK_PORT is ")
    assert message.endswith("expected a port from 1 to 65535")


@pytest.mark.parametrize("port", ["1", "80", "8443", "65535"])
def test_webhook_port_range(port: str) -> None:
    assert load_settings(webhook_environ(CAREER_ADVISOR_WEBHOOK_PORT=port)).webhook_port == int(
        port
    )


def test_blank_webhook_listen_and_port_take_their_defaults() -> None:
    settings = load_settings(
        webhook_environ(CAREER_ADVISOR_WEBHOOK_LISTEN=" ", CAREER_ADVISOR_WEBHOOK_PORT="")
    )
    assert settings.webhook_listen == DEFAULT_WEBHOOK_LISTEN
    assert settings.webhook_port == DEFAULT_WEBHOOK_PORT


# ---------------------------------------------------------------- sending


def test_send_retry_seconds_default_and_blank() -> None:
    assert load_settings({}).send_retry_seconds == DEFAULT_SEND_RETRY_SECONDS == 300.0
    blank = {"CAREER_ADVISOR_SEND_RETRY_SECONDS": "  "}
    assert load_settings(blank).send_retry_seconds == DEFAULT_SEND_RETRY_SECONDS


@pytest.mark.parametrize(
    ("given", "expected"), [("1", 1.0), (" 2.5 ", 2.5), ("600", 600.0), ("3600", 3600.0)]
)
def test_send_retry_seconds_range(given: str, expected: float) -> None:
    settings = load_settings({"CAREER_ADVISOR_SEND_RETRY_SECONDS": given})
    assert settings.send_retry_seconds == expected
    assert Settings(send_retry_seconds=expected).send_retry_seconds == expected  # by field name


@pytest.mark.parametrize(
    "given", ["0", "0.5", "3601", "-5", "5 min", "1e3", "nan", "inf", "5,5", "abc"]
)
def test_bad_send_retry_seconds_are_refused_in_one_line(given: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"CAREER_ADVISOR_SEND_RETRY_SECONDS": given})
    assert str(caught.value) == (
        f"CAREER_ADVISOR_SEND_RETRY_SECONDS is {given!r}, "
        "expected a number of seconds from 1 to 3600"
    )


# ---------------------------------------------------------------- database

DATABASE_PASSWORD = "s3cret-Passw0rd"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://advisor:{DATABASE_PASSWORD}@db.example.com:5432/career_advisor",
        "postgres://db.example.com/career_advisor",
        "postgresql://advisor@[2001:db8::5]/career_advisor",
        "postgresql:///career_advisor?host=/var/run/postgresql",
        "postgresql://%2Fvar%2Frun%2Fpostgresql/career_advisor",
        "  POSTGRESQL://db.example.com  ",
    ],
)
def test_database_url_takes_postgresql_with_a_host_or_a_socket(url: str) -> None:
    settings = load_settings({"DATABASE_URL": url})
    assert isinstance(settings.database_url, SecretStr)
    assert settings.database_url.get_secret_value() == url.strip()


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_database_url_means_the_default_store(blank: str) -> None:
    assert load_settings({"DATABASE_URL": blank}).database_url is None


def test_database_password_is_kept_secret_and_redacted() -> None:
    url = f"postgresql://advisor:{DATABASE_PASSWORD}@db.example.com/career_advisor"
    settings = load_settings({"TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN, "DATABASE_URL": url})
    assert settings.secrets == (DEFAULT_TOKEN, DATABASE_PASSWORD)
    assert DATABASE_PASSWORD not in repr(settings)
    assert DATABASE_PASSWORD not in str(settings)


def test_database_password_is_redacted_as_written_and_decoded() -> None:
    # libpq reads the password from the user part or from a password= parameter
    url = "postgresql://advisor:p%40ss%2Bword@db.example.com/x?password=other%20one"
    secrets = load_settings({"DATABASE_URL": url}).secrets
    assert set(secrets) == {"p%40ss%2Bword", "p@ss+word", "other%20one", "other one"}


def test_database_url_without_a_password_adds_no_secret() -> None:
    for url in ("postgresql://advisor@db.example.com/x", "postgresql://advisor:@db.example.com/x"):
        assert load_settings({"DATABASE_URL": url}).secrets == ()


@pytest.mark.parametrize(
    "url",
    [
        f"mysql://advisor:{DATABASE_PASSWORD}@db.example.com/career_advisor",
        f"postgresql+psycopg://advisor:{DATABASE_PASSWORD}@db.example.com/career_advisor",
        f"sqlite:///{DATABASE_PASSWORD}.sqlite3",
        f"advisor:{DATABASE_PASSWORD}@db.example.com/career_advisor",
    ],
)
def test_database_url_must_be_postgresql(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"DATABASE_URL": url})
    message = str(caught.value)
    assert message == "DATABASE_URL must be a PostgreSQL URL starting postgresql:// or postgres://"
    assert caught.value.__cause__ is None


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://",
        f"postgresql://advisor:{DATABASE_PASSWORD}@/career_advisor",  # no host, no host=
        f"postgresql://advisor:{DATABASE_PASSWORD}@db.example.com:port/career_advisor",
        f"postgresql://advisor:{DATABASE_PASSWORD}@[::1/career_advisor",
    ],
)
def test_unusable_database_url_is_refused_without_echoing_the_password(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"DATABASE_URL": url})
    message = str(caught.value)
    assert message.startswith("DATABASE_URL is not a usable PostgreSQL URL")
    assert "\n" not in message
    assert DATABASE_PASSWORD not in message
    assert "career_advisor" not in message.split("such as")[0]  # nothing of the URL given


def test_settings_built_by_hand_do_not_echo_a_database_password() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(database_url=f"mysql://advisor:{DATABASE_PASSWORD}@db", data_dir=Path("data"))
    assert DATABASE_PASSWORD not in str(caught.value)


# ---------------------------------------------------------------- load-test knobs


def test_load_test_knobs_are_not_production_settings() -> None:
    assert {"rate_limit", "search_in_thread"}.isdisjoint(Settings.model_fields)
    settings = load_settings(
        {"CAREER_ADVISOR_RATE_LIMIT": "off", "CAREER_ADVISOR_SEARCH_IN_THREAD": "on"}
    )
    assert not hasattr(settings, "rate_limit")
    assert not hasattr(settings, "search_in_thread")


def test_load_test_knobs_default_to_production_behaviour() -> None:
    knobs = load_test_settings({"CAREER_ADVISOR_RATE_LIMIT": " ", "TELEGRAM_BOT_TOKEN": "x"})
    assert knobs.rate_limit == "telegram"
    assert knobs.search_in_thread is False


@pytest.mark.parametrize(
    ("given", "expected"), [("off", "off"), (" OFF ", "off"), ("Telegram", "telegram")]
)
def test_rate_limit_knob(given: str, expected: str) -> None:
    assert load_test_settings({"CAREER_ADVISOR_RATE_LIMIT": given}).rate_limit == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [("on", True), (" ON ", True), ("1", True), ("true", True), ("off", False), ("0", False)],
)
def test_search_in_thread_knob(given: str, expected: bool) -> None:
    knobs = load_test_settings({"CAREER_ADVISOR_SEARCH_IN_THREAD": given})
    assert knobs.search_in_thread is expected


def test_bad_load_test_knobs_are_refused_in_one_line() -> None:
    with pytest.raises(ConfigError) as caught:
        load_test_settings({"CAREER_ADVISOR_RATE_LIMIT": "none"})
    assert str(caught.value) == "CAREER_ADVISOR_RATE_LIMIT must be one of telegram, off"
    with pytest.raises(ConfigError) as caught:
        load_test_settings({"CAREER_ADVISOR_SEARCH_IN_THREAD": "yes"})
    assert str(caught.value) == "CAREER_ADVISOR_SEARCH_IN_THREAD must be on or off"


def test_load_test_knobs_read_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREER_ADVISOR_RATE_LIMIT", "off")
    monkeypatch.setenv("CAREER_ADVISOR_SEARCH_IN_THREAD", "on")
    assert (
        load_test_settings()
        == LoadTestSettings()
        == LoadTestSettings(rate_limit="off", search_in_thread=True)
    )
    with pytest.raises(ValidationError):
        load_test_settings().rate_limit = "telegram"  # type: ignore[misc]  # frozen
