"""Configuration from the environment.

=============================  ==========  =================================================
Variable                       Setting     Default and rules
=============================  ==========  =================================================
``TELEGRAM_BOT_TOKEN``         token       none (empty or blank: terminal chat mode); must look
                                           like BotFather's ``<digits>:<secret>``
``TELEGRAM_API_BASE_URL``      api_base_   ``https://api.telegram.org/bot``; http(s) with a
                               url         host; PTB appends the token (or fills ``{token}``)
``CAREER_ADVISOR_DATA_DIR``    data_dir    ``data`` under the working directory at load time;
                                           relative paths are made absolute then
``LOG_LEVEL``                  log_level   ``INFO``; DEBUG, INFO, WARNING, ERROR or CRITICAL,
                                           any case
``CAREER_ADVISOR_RATE_LIMIT``  rate_limit  ``telegram``: outgoing calls keep to Telegram's limits
                                           (~30 messages/s, 1/s per chat); ``off`` only for
                                           load tests against a stand-in
``CAREER_ADVISOR_SEARCH_IN_``  search_in_  ``off``; ``on`` runs each answer in a worker thread
``THREAD``                     thread      (see ``bench.load`` for why it is off)
=============================  ==========  =================================================

Every problem raises :class:`ConfigError` with a one-line message that names the variable and
never contains the token, so it can be printed or logged as it is.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError, field_validator
from pydantic_core import PydanticCustomError

__all__ = [
    "DEFAULT_API_BASE_URL",
    "DEFAULT_LOG_LEVEL",
    "ENV_API_BASE_URL",
    "ENV_DATA_DIR",
    "ENV_LOG_LEVEL",
    "ENV_RATE_LIMIT",
    "ENV_SEARCH_IN_THREAD",
    "ENV_TOKEN",
    "LOG_LEVELS",
    "RATE_LIMITS",
    "ConfigError",
    "Settings",
    "load_settings",
]

ENV_TOKEN = "TELEGRAM_BOT_TOKEN"
ENV_API_BASE_URL = "TELEGRAM_API_BASE_URL"
ENV_DATA_DIR = "CAREER_ADVISOR_DATA_DIR"
ENV_LOG_LEVEL = "LOG_LEVEL"
ENV_RATE_LIMIT = "CAREER_ADVISOR_RATE_LIMIT"
ENV_SEARCH_IN_THREAD = "CAREER_ADVISOR_SEARCH_IN_THREAD"
RATE_LIMITS = ("telegram", "off")
_SWITCHES = {"on": True, "off": False, "1": True, "0": False, "true": True, "false": False}

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_LOG_LEVEL = "INFO"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
PERSISTENCE_FILE_NAME = "state.json"

# BotFather gives "<bot id>:<35 characters>"; allow some slack in the secret's length so a
# future format change (or a test token such as the stand-in's) is not rejected.
_TOKEN_SHAPE = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{30,64}")

_FIELD_TO_ENV = {
    "token": ENV_TOKEN,
    "api_base_url": ENV_API_BASE_URL,
    "data_dir": ENV_DATA_DIR,
    "log_level": ENV_LOG_LEVEL,
    "rate_limit": ENV_RATE_LIMIT,
    "search_in_thread": ENV_SEARCH_IN_THREAD,
}


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line, safe to show (no token)."""


def _problem(kind: str, message: str) -> PydanticCustomError:
    # A custom error keeps pydantic from prefixing "Value error, " to our message.
    return PydanticCustomError(kind, message)


class Settings(BaseModel):
    """The bot's settings; build it with :func:`load_settings` rather than by hand."""

    # hide_input_in_errors: a ValidationError must never echo a malformed token.
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    token: SecretStr | None = None
    api_base_url: str = DEFAULT_API_BASE_URL
    data_dir: Path
    log_level: str = DEFAULT_LOG_LEVEL
    rate_limit: str = "telegram"
    search_in_thread: bool = False

    @field_validator("token", mode="before")
    @classmethod
    def _check_token(cls, value: Any) -> Any:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value is None:
            return None
        if not isinstance(value, str):
            raise _problem("token_type", "must be a string")
        value = value.strip()
        if not value:
            return None  # no token: the bot runs as a terminal chat
        if not _TOKEN_SHAPE.fullmatch(value):
            raise _problem(
                "token_malformed",
                "is malformed: expected <digits>:<35 characters>, as BotFather gives it",
            )
        return value

    @field_validator("api_base_url", mode="before")
    @classmethod
    def _check_api_base_url(cls, value: Any) -> Any:
        if not isinstance(value, str):
            raise _problem("url_type", "must be a string")
        value = value.strip()
        try:
            parts = urlsplit(value)
            usable = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        except ValueError:  # e.g. an unclosed IPv6 bracket or a port that is not a number
            usable = False
        # The value itself is not quoted back: someone may have pasted a URL with the token in it.
        if not usable:
            raise _problem(
                "url_invalid",
                "is not a usable URL: expected http:// or https:// with a host, "
                f"such as {DEFAULT_API_BASE_URL}",
            )
        return value

    @field_validator("data_dir", mode="after")
    @classmethod
    def _check_data_dir(cls, value: Path) -> Path:
        value = value.expanduser().absolute()
        if value.exists() and not value.is_dir():
            raise _problem("data_dir_not_dir", f"points to {value}, which is not a directory")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _check_log_level(cls, value: Any) -> Any:
        if not isinstance(value, str):
            raise _problem("log_level_type", "must be a string")
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise _problem(
                "log_level_unknown",
                f"is {value.strip()!r}, expected one of {', '.join(LOG_LEVELS)}",
            )
        return level

    @field_validator("rate_limit", mode="before")
    @classmethod
    def _check_rate_limit(cls, value: Any) -> Any:
        choice = value.strip().lower() if isinstance(value, str) else value
        if choice not in RATE_LIMITS:
            raise _problem("rate_limit_unknown", f"must be one of {', '.join(RATE_LIMITS)}")
        return choice

    @field_validator("search_in_thread", mode="before")
    @classmethod
    def _check_search_in_thread(cls, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        choice = value.strip().lower() if isinstance(value, str) else None
        if choice not in _SWITCHES:
            raise _problem("switch_unknown", "must be on or off")
        return _SWITCHES[choice]

    @property
    def persistence_file(self) -> Path:
        """The JSON file that holds user, chat and bot data between runs."""
        return self.data_dir / PERSISTENCE_FILE_NAME

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never reach a log line: hand them to ``configure_logging``."""
        return (self.token.get_secret_value(),) if self.token is not None else ()

    @property
    def telegram_enabled(self) -> bool:
        """Whether a token is set; without one the bot runs as a terminal chat."""
        return self.token is not None


def load_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    """Read :class:`Settings` from ``environ``; raise :class:`ConfigError` on any problem.

    A variable that is unset or blank takes its default.
    """

    def given(name: str) -> str | None:
        value = environ.get(name)
        return value if value is not None and value.strip() else None

    fields: dict[str, Any] = {
        "token": environ.get(ENV_TOKEN),
        "data_dir": Path(given(ENV_DATA_DIR) or Path.cwd() / "data"),
    }
    if (base_url := given(ENV_API_BASE_URL)) is not None:
        fields["api_base_url"] = base_url
    if (log_level := given(ENV_LOG_LEVEL)) is not None:
        fields["log_level"] = log_level
    if (rate_limit := given(ENV_RATE_LIMIT)) is not None:
        fields["rate_limit"] = rate_limit
    if (in_thread := given(ENV_SEARCH_IN_THREAD)) is not None:
        fields["search_in_thread"] = in_thread
    try:
        return Settings(**fields)
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        variable = _FIELD_TO_ENV.get(field, field or "configuration")
        message = " ".join(str(first["msg"]).split())  # one line, whatever pydantic says
        # "from None": the chained ValidationError is not needed and keeps tracebacks short.
        raise ConfigError(f"{variable} {message}") from None
