"""The bot token never reaches a log line, at any level, through any handler."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
import telegram
from telegram.error import BadRequest, NetworkError

from bot.telegram_adapter import log_redaction
from bot.telegram_adapter.log_redaction import (
    REDACTED,
    RedactingFormatter,
    RedactionFilter,
    configure_logging,
    redact,
)
from standin.botapi import DEFAULT_TOKEN, BotApiStandIn

TOKEN_SECRET_PART = DEFAULT_TOKEN.split(":", 1)[1]


def _assert_clean(text: str) -> None:
    assert DEFAULT_TOKEN not in text
    assert TOKEN_SECRET_PART not in text


@pytest.fixture(autouse=True)
def isolated_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Undo configure_logging's global changes after each test."""
    root = logging.getLogger()
    saved_handlers = list(root.handlers)
    saved_level = root.level
    saved_factory = logging.getLogRecordFactory()
    saved_httpx_level = logging.getLogger("httpx").level
    monkeypatch.setattr(log_redaction, "_secrets", ())
    monkeypatch.setattr(log_redaction, "_factory_installed", False)
    yield
    for handler in list(root.handlers):
        if handler not in saved_handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(saved_level)
    logging.setLogRecordFactory(saved_factory)
    logging.getLogger("httpx").setLevel(saved_httpx_level)


async def test_real_bot_at_debug_never_logs_the_token(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    late_stream = io.StringIO()
    late_handler = logging.StreamHandler(late_stream)  # plain formatter, added afterwards
    with BotApiStandIn() as api:
        configure_logging("DEBUG", [DEFAULT_TOKEN])
        logging.getLogger("telegram").addHandler(late_handler)
        try:
            api.register_chat(42)
            bot = telegram.Bot(token=DEFAULT_TOKEN, base_url=api.base_url)
            await bot.initialize()
            await bot.get_me()
            await bot.send_message(chat_id=42, text="hello")
            api.fail_next("sendMessage", status=400)
            with pytest.raises(BadRequest):
                await bot.send_message(chat_id=42, text="refused")
            api.drop_next("getMe")
            with pytest.raises(NetworkError):
                await bot.get_me()
            await bot.shutdown()
        finally:
            logging.getLogger("telegram").removeHandler(late_handler)

    stderr = capsys.readouterr().err
    # The requests were logged, URL and all, with the token cut out of the URL.
    assert f"/bot{REDACTED}/getMe" in stderr
    assert f"/bot{REDACTED}/sendMessage" in stderr
    assert "Set Bot API URL" in stderr  # PTB's own DEBUG line with the full URL
    assert "HTTP Request: POST" in stderr  # httpx is not quieted at DEBUG
    _assert_clean(stderr)
    # Handlers that never heard of redaction are covered too.
    assert "Set Bot API URL" in late_stream.getvalue()
    _assert_clean(late_stream.getvalue())
    assert "getMe" in caplog.text
    _assert_clean(caplog.text)
    for record in caplog.records:
        _assert_clean(record.getMessage())


def test_exception_text_is_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", [DEFAULT_TOKEN])
    logger = logging.getLogger("career_advisor.test")
    try:
        raise RuntimeError(f"request to https://api.telegram.org/bot{DEFAULT_TOKEN}/getMe failed")
    except RuntimeError:
        logger.exception("could not reach Telegram with %s", DEFAULT_TOKEN)
    stderr = capsys.readouterr().err
    assert f"could not reach Telegram with {REDACTED}" in stderr
    assert "Traceback (most recent call last)" in stderr
    assert f"RuntimeError: request to https://api.telegram.org/bot{REDACTED}/getMe" in stderr
    _assert_clean(stderr)


def test_exception_logged_through_a_plain_late_handler_is_redacted() -> None:
    configure_logging("INFO", [DEFAULT_TOKEN])
    stream = io.StringIO()
    plain = logging.StreamHandler(stream)
    logger = logging.getLogger("career_advisor.late")
    logger.addHandler(plain)
    try:
        try:
            raise ValueError(DEFAULT_TOKEN)
        except ValueError:
            logger.error("failed", exc_info=True)
    finally:
        logger.removeHandler(plain)
    assert f"ValueError: {REDACTED}" in stream.getvalue()
    _assert_clean(stream.getvalue())


def test_percent_args_stack_info_and_encoded_colon_are_redacted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("DEBUG", [DEFAULT_TOKEN])
    logger = logging.getLogger("career_advisor.test")
    encoded = DEFAULT_TOKEN.replace(":", "%3A")
    logger.debug("url %s and %r", f"https://h/bot{DEFAULT_TOKEN}/x", {"t": encoded})
    record = logger.makeRecord(
        logger.name, logging.WARNING, __file__, 1, "with stack", (), None,
        sinfo=f"Stack (most recent call last):\n  File bot{DEFAULT_TOKEN}.py",
    )
    logger.handle(record)
    stderr = capsys.readouterr().err
    assert f"url https://h/bot{REDACTED}/x" in stderr
    assert "with stack" in stderr
    assert f"File bot{REDACTED}.py" in stderr
    _assert_clean(stderr)
    assert encoded not in stderr


def test_records_without_secrets_keep_their_args(caplog: pytest.LogCaptureFixture) -> None:
    configure_logging("INFO", [DEFAULT_TOKEN])
    logging.getLogger("career_advisor.test").info("answered %d questions", 3)
    (record,) = [r for r in caplog.records if r.name == "career_advisor.test"]
    assert record.args == (3,)
    assert record.getMessage() == "answered 3 questions"


def test_extra_fields_are_redacted_by_the_formatter() -> None:
    formatter = RedactingFormatter("%(message)s url=%(url)s")
    log_redaction.add_secrets([DEFAULT_TOKEN])
    record = logging.makeLogRecord({"msg": "calling", "url": f"https://h/bot{DEFAULT_TOKEN}/x"})
    assert formatter.format(record) == f"calling url=https://h/bot{REDACTED}/x"


def test_redaction_filter_cleans_records_for_any_handler() -> None:
    log_redaction.add_secrets([DEFAULT_TOKEN])
    # makeLogRecord bypasses the record factory, as records rebuilt from a socket do
    record = logging.makeLogRecord({"msg": "token %s", "args": (DEFAULT_TOKEN,)})
    assert RedactionFilter().filter(record) is True
    assert record.getMessage() == f"token {REDACTED}"


def test_the_record_factory_survives_a_broken_format_string() -> None:
    configure_logging("INFO", [DEFAULT_TOKEN])
    # The handler reports such an error when formatting; creating the record must not raise.
    make_record = logging.getLogRecordFactory()
    record = make_record("x", logging.INFO, __file__, 1, "%d questions", ("three",), None)
    assert record.args == ("three",)
    with pytest.raises(TypeError):
        record.getMessage()


def test_httpx_is_quiet_below_debug(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("info", [DEFAULT_TOKEN])
    httpx_logger = logging.getLogger("httpx")
    assert httpx_logger.getEffectiveLevel() == logging.WARNING
    httpx_logger.info("HTTP Request: POST https://h/bot%s/getMe", DEFAULT_TOKEN)
    logging.getLogger("telegram.ext").info("Application started")
    stderr = capsys.readouterr().err
    assert "HTTP Request" not in stderr
    assert "INFO     telegram.ext: Application started" in stderr

    configure_logging("DEBUG", [])
    assert httpx_logger.getEffectiveLevel() == logging.DEBUG
    httpx_logger.info("HTTP Request: POST https://h/bot%s/getMe", DEFAULT_TOKEN)
    stderr = capsys.readouterr().err
    assert f"HTTP Request: POST https://h/bot{REDACTED}/getMe" in stderr  # secrets are kept


def test_configuring_again_replaces_the_stderr_handler(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", [DEFAULT_TOKEN])
    configure_logging("WARNING", [DEFAULT_TOKEN])
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_career_advisor_stderr", 0)]
    assert len(ours) == 1
    assert logging.getLogger().level == logging.WARNING
    logging.getLogger("career_advisor.test").warning("once")
    assert capsys.readouterr().err.count("once") == 1


@pytest.mark.parametrize("level", ["LOUD", "", "NOTSET"])
def test_unknown_level_is_refused(level: str) -> None:
    with pytest.raises(ValueError, match="unknown log level"):
        configure_logging(level, [])


def test_a_lone_string_is_not_taken_for_a_list_of_secrets() -> None:
    with pytest.raises(TypeError):
        configure_logging("INFO", DEFAULT_TOKEN)


def test_redact_helper() -> None:
    assert redact(f"x {DEFAULT_TOKEN} y") == f"x {DEFAULT_TOKEN} y"  # nothing registered yet
    log_redaction.add_secrets(["", "  ", DEFAULT_TOKEN, "another-secret-value"])
    assert redact(f"x {DEFAULT_TOKEN} y") == f"x {REDACTED} y"
    assert redact(f"{DEFAULT_TOKEN}{DEFAULT_TOKEN}") == REDACTED * 2
    assert redact(f"secret part {TOKEN_SECRET_PART}") == f"secret part {REDACTED}"
    assert redact("another-secret-value!") == f"{REDACTED}!"
    assert redact("nothing to hide") == "nothing to hide"
