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
``DATABASE_URL``               database_   none: the default SQLite store in the data
                               url         directory; when set, a PostgreSQL URL:
                                           ``postgresql://`` or ``postgres://`` with a host
                                           or a ``host=`` parameter (a socket directory);
                                           its password is redacted like the token
``LOG_LEVEL``                  log_level   ``INFO``; DEBUG, INFO, WARNING, ERROR or CRITICAL,
                                           any case
``CAREER_ADVISOR_WEBHOOK_``    webhook_    none (long polling); when set, webhook mode replaces
``URL``                        url         polling: the public ``https://`` URL Telegram posts
                                           updates to; its path is the path served locally
``CAREER_ADVISOR_WEBHOOK_``    webhook_    none; required with ``..._WEBHOOK_URL``: 16 to 256 of
``SECRET``                     secret      ``A-Z a-z 0-9 _ -``; Telegram sends it in the
                                           ``X-Telegram-Bot-Api-Secret-Token`` header, requests
                                           without it are refused; redacted like the token
``CAREER_ADVISOR_WEBHOOK_``    webhook_    ``127.0.0.1``; the IP address or host name the
``LISTEN``                     listen      webhook server binds to (the reverse proxy's target)
``CAREER_ADVISOR_WEBHOOK_``    webhook_    ``8443``; the local port, 1 to 65535
``PORT``                       port
``CAREER_ADVISOR_SEND_RETRY_`` send_retry_ ``300``; for how many seconds a reply that cannot have
``SECONDS``                    seconds     reached Telegram (no connection, a 5xx) is retried
                                           before it is given up: a number from 1 to 3600
``CAREER_ADVISOR_ADMINS``      admins      none; Telegram user ids (digits) separated by
                                           commas or spaces: who may use /stats
``CAREER_ADVISOR_QUESTION_``   question_   ``90``; days a logged question (and its 👍 / 👎)
``RETENTION_DAYS``             retention_  is kept before it is deleted: a whole number from
                               days        1 to 3650
=============================  ==========  =================================================

For tests and benchmarks only, in :class:`LoadTestSettings` (read by :func:`load_test_settings`,
never part of :class:`Settings`); production leaves them unset:

=============================  ==========  =================================================
Variable                       Setting     Default and rules
=============================  ==========  =================================================
``CAREER_ADVISOR_RATE_LIMIT``  rate_limit  ``telegram``: outgoing calls keep to Telegram's
                                           limits (~30 messages/s, 1/s per chat); ``off``
                                           only for load tests against a stand-in
``CAREER_ADVISOR_SEARCH_IN_``  search_in_  ``off``: answers on the event loop, but messages
``THREAD``                     thread      over 300 characters in a worker thread; ``on``:
                                           every answer in a worker thread (slower; see
                                           bench.load)
=============================  ==========  =================================================

A variable that is unset or blank takes its default. Every problem raises :class:`ConfigError`
with a one-line message that names the variable and never contains the token, the webhook
secret or the database password, so it can be printed or logged as it is.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.core.feedback import DEFAULT_RETENTION_DAYS

__all__ = [
    "DEFAULT_API_BASE_URL",
    "DEFAULT_LOG_LEVEL",
    "DEFAULT_SEND_RETRY_SECONDS",
    "DEFAULT_WEBHOOK_LISTEN",
    "DEFAULT_WEBHOOK_PORT",
    "ENV_ADMINS",
    "ENV_API_BASE_URL",
    "ENV_DATABASE_URL",
    "ENV_DATA_DIR",
    "ENV_LOG_LEVEL",
    "ENV_RATE_LIMIT",
    "ENV_RETENTION_DAYS",
    "ENV_SEARCH_IN_THREAD",
    "ENV_SEND_RETRY_SECONDS",
    "ENV_TOKEN",
    "ENV_WEBHOOK_LISTEN",
    "ENV_WEBHOOK_PORT",
    "ENV_WEBHOOK_SECRET",
    "ENV_WEBHOOK_URL",
    "LOG_LEVELS",
    "MAX_SEND_RETRY_SECONDS",
    "MIN_SEND_RETRY_SECONDS",
    "RATE_LIMITS",
    "ConfigError",
    "LoadTestSettings",
    "Settings",
    "load_settings",
    "load_test_settings",
]

ENV_TOKEN = "TELEGRAM_BOT_TOKEN"
ENV_API_BASE_URL = "TELEGRAM_API_BASE_URL"
ENV_DATA_DIR = "CAREER_ADVISOR_DATA_DIR"
ENV_DATABASE_URL = "DATABASE_URL"
ENV_LOG_LEVEL = "LOG_LEVEL"
ENV_RATE_LIMIT = "CAREER_ADVISOR_RATE_LIMIT"
ENV_SEARCH_IN_THREAD = "CAREER_ADVISOR_SEARCH_IN_THREAD"
ENV_WEBHOOK_URL = "CAREER_ADVISOR_WEBHOOK_URL"
ENV_WEBHOOK_SECRET = "CAREER_ADVISOR_WEBHOOK_SECRET"
ENV_WEBHOOK_LISTEN = "CAREER_ADVISOR_WEBHOOK_LISTEN"
ENV_WEBHOOK_PORT = "CAREER_ADVISOR_WEBHOOK_PORT"
ENV_SEND_RETRY_SECONDS = "CAREER_ADVISOR_SEND_RETRY_SECONDS"
ENV_ADMINS = "CAREER_ADVISOR_ADMINS"
ENV_RETENTION_DAYS = "CAREER_ADVISOR_QUESTION_RETENTION_DAYS"
MAX_RETENTION_DAYS = 3650
_ADMIN_ID = re.compile(r"[0-9]{1,16}")
RATE_LIMITS = ("telegram", "off")
_SWITCHES = {"on": True, "off": False, "1": True, "0": False, "true": True, "false": False}

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_LOG_LEVEL = "INFO"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Only the local side of the reverse proxy by default: the webhook server speaks plain HTTP and
# must not be reachable from outside without the proxy's TLS in front of it.
DEFAULT_WEBHOOK_LISTEN = "127.0.0.1"
DEFAULT_WEBHOOK_PORT = 8443
# Long enough to ride out a restart of Telegram's front end or of the network in between (the
# bot's replies then arrive late rather than never), short enough that a reply is not sent
# when the user has long stopped waiting for it.
DEFAULT_SEND_RETRY_SECONDS = 300.0
MIN_SEND_RETRY_SECONDS = 1.0
MAX_SEND_RETRY_SECONDS = 3600.0
_SECONDS_SHAPE = re.compile(r"[0-9]{1,6}(?:\.[0-9]{1,6})?")
DATABASE_SCHEMES = ("postgresql", "postgres")  # the two libpq accepts

# BotFather gives "<bot id>:<35 characters>"; allow some slack in the secret's length so a
# future format change (or a test token such as the stand-in's) is not rejected.
_TOKEN_SHAPE = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{30,64}")
# Telegram allows 1 to 256 of these characters in a webhook secret_token. The minimum here is
# higher: the secret is all that tells Telegram's requests from anyone else's, so it must be
# hard to guess, and every occurrence of it is redacted from the logs, which would mangle
# ordinary log text if a secret of a few letters were allowed.
_WEBHOOK_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]+")
WEBHOOK_SECRET_MIN_LENGTH = 16
WEBHOOK_SECRET_MAX_LENGTH = 256
_HOST_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_HOST_NAME_SHAPE = re.compile(rf"{_HOST_LABEL}(?:\.{_HOST_LABEL})*")


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line, safe to show (no secret)."""


def _problem(kind: str, message: str) -> PydanticCustomError:
    # A custom error keeps pydantic from prefixing "Value error, " to our message.
    return PydanticCustomError(kind, message)


def _variable(field: FieldInfo) -> str:
    """The environment variable a field is read from: its validation alias."""
    if not isinstance(field.validation_alias, str):
        raise TypeError("every setting names its environment variable in validation_alias")
    return field.validation_alias


class _EnvironSource(PydanticBaseSettingsSource):
    """Each field's variable from ``environ``; a blank value counts as unset (the default).

    pydantic-settings' own environment source reads ``os.environ`` only and keeps a value of
    spaces; this one reads any mapping, so tests can pass theirs.
    """

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self._environ = environ

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        value = self._environ.get(_variable(field))
        return (value if value is not None and value.strip() else None), field_name, False

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field_name, field in self.settings_cls.model_fields.items():
            value, key, _ = self.get_field_value(field, field_name)
            if value is not None:
                values[key] = value
        return values


# What the settings classes read: os.environ unless a loader was given another mapping. The
# constructor calls settings_customise_sources itself, so this is how the mapping reaches it.
_read_from: ContextVar[Mapping[str, str]] = ContextVar("read_from", default=os.environ)


class _EnvironSettings(BaseSettings):
    """Settings read from the environment only: no .env file, no secrets directory."""

    # hide_input_in_errors: a ValidationError must never echo a malformed token or a password.
    # populate_by_name: code and tests may still build settings by field name.
    model_config = SettingsConfigDict(
        frozen=True, extra="forbid", hide_input_in_errors=True, populate_by_name=True
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, _EnvironSource(settings_cls, _read_from.get())


class Settings(_EnvironSettings):
    """The bot's production settings, from the environment.

    Build them with :func:`load_settings`, which reports a problem as a one-line
    :class:`ConfigError`; ``Settings()`` reads ``os.environ`` alike but raises pydantic's
    ValidationError.
    """

    token: SecretStr | None = Field(default=None, validation_alias=ENV_TOKEN)
    api_base_url: str = Field(default=DEFAULT_API_BASE_URL, validation_alias=ENV_API_BASE_URL)
    # A factory: the working directory at load time, not at import.
    data_dir: Path = Field(
        default_factory=lambda: Path.cwd() / "data",
        validation_alias=ENV_DATA_DIR,
        validate_default=True,
    )
    database_url: SecretStr | None = Field(default=None, validation_alias=ENV_DATABASE_URL)
    log_level: str = Field(default=DEFAULT_LOG_LEVEL, validation_alias=ENV_LOG_LEVEL)
    # webhook_url comes before webhook_secret: the secret's check reads the validated URL, and
    # validates its default so a URL without a secret is caught.
    webhook_url: str | None = Field(default=None, validation_alias=ENV_WEBHOOK_URL)
    webhook_secret: SecretStr | None = Field(
        default=None, validation_alias=ENV_WEBHOOK_SECRET, validate_default=True
    )
    webhook_listen: str = Field(default=DEFAULT_WEBHOOK_LISTEN, validation_alias=ENV_WEBHOOK_LISTEN)
    webhook_port: int = Field(default=DEFAULT_WEBHOOK_PORT, validation_alias=ENV_WEBHOOK_PORT)
    send_retry_seconds: float = Field(
        default=DEFAULT_SEND_RETRY_SECONDS, validation_alias=ENV_SEND_RETRY_SECONDS
    )
    admins: frozenset[int] = Field(default=frozenset(), validation_alias=ENV_ADMINS)
    question_retention_days: int = Field(
        default=DEFAULT_RETENTION_DAYS, validation_alias=ENV_RETENTION_DAYS
    )

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

    @field_validator("database_url", mode="before")
    @classmethod
    def _check_database_url(cls, value: Any) -> Any:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value is None:
            return None
        if not isinstance(value, str):
            raise _problem("database_url_type", "must be a string")
        value = value.strip()
        if not value:
            return None  # the default store in the data directory
        # No message quotes the URL, or any part of it: it usually holds a password.
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        except ValueError:  # e.g. an unclosed IPv6 bracket or a port that is not a number
            parts = None
        if parts is not None and parts.scheme.lower() not in DATABASE_SCHEMES:
            raise _problem(
                "database_url_scheme",
                "must be a PostgreSQL URL starting postgresql:// or postgres://",
            )
        # libpq takes the host from the URL's authority or, for a Unix socket directory, from
        # a host= parameter.
        if parts is None or not (parts.hostname or _raw_query_values(parts.query, "host")):
            raise _problem(
                "database_url_invalid",
                "is not a usable PostgreSQL URL: expected postgresql:// or postgres:// with a "
                "host (or a host= parameter), such as "
                "postgresql://advisor:<password>@db.example.com:5432/career_advisor",
            )
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

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _check_webhook_url(cls, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):
            raise _problem("webhook_url_type", "must be a string")
        value = value.strip()
        if not value:
            return None  # no webhook: long polling
        try:
            parts = urlsplit(value)
            usable = parts.scheme.lower() == "https" and bool(parts.hostname)
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        except ValueError:
            usable = False
        # Not quoted back, like the API URL: a URL can carry credentials or a secret path.
        if not usable:
            raise _problem(
                "webhook_url_invalid",
                "is not a usable webhook URL: Telegram needs https:// with a host, "
                "such as https://bot.example.com/telegram",
            )
        if parts.fragment:
            raise _problem(
                "webhook_url_fragment", "must not have a #fragment: it is never sent to a server"
            )
        return value

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _check_webhook_secret(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value is not None and not isinstance(value, str):
            raise _problem("webhook_secret_type", "must be a string")
        value = value.strip() if value is not None else ""
        if not value:
            # Without the secret anyone who finds the webhook URL could post forged updates.
            if info.data.get("webhook_url") is not None:
                raise _problem(
                    "webhook_secret_missing",
                    f"is required when {ENV_WEBHOOK_URL} is set: "
                    f"{WEBHOOK_SECRET_MIN_LENGTH} to {WEBHOOK_SECRET_MAX_LENGTH} random "
                    "characters from A-Z a-z 0-9 _ -",
                )
            return None
        # The messages give the rules, never the value: it is a secret.
        if not _WEBHOOK_SECRET_SHAPE.fullmatch(value):
            raise _problem(
                "webhook_secret_characters",
                "may only contain A-Z a-z 0-9 _ - (Telegram's rule for secret_token)",
            )
        if not WEBHOOK_SECRET_MIN_LENGTH <= len(value) <= WEBHOOK_SECRET_MAX_LENGTH:
            raise _problem(
                "webhook_secret_length",
                f"must have {WEBHOOK_SECRET_MIN_LENGTH} to {WEBHOOK_SECRET_MAX_LENGTH} "
                f"characters, not {len(value)}",
            )
        return value

    @field_validator("webhook_listen", mode="before")
    @classmethod
    def _check_webhook_listen(cls, value: Any) -> Any:
        if not isinstance(value, str):
            raise _problem("webhook_listen_type", "must be a string")
        value = value.strip()
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            pass
        if not _HOST_NAME_SHAPE.fullmatch(value):
            raise _problem(
                "webhook_listen_invalid",
                f"is {value!r}, expected an IP address such as {DEFAULT_WEBHOOK_LISTEN} "
                "or a host name",
            )
        return value

    @field_validator("webhook_port", mode="before")
    @classmethod
    def _check_webhook_port(cls, value: Any) -> Any:
        if isinstance(value, str) and re.fullmatch(r"\s*[0-9]{1,5}\s*", value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
            shown = value.strip() if isinstance(value, str) else value
            raise _problem("webhook_port_invalid", f"is {shown!r}, expected a port from 1 to 65535")
        return value

    @field_validator("send_retry_seconds", mode="before")
    @classmethod
    def _check_send_retry_seconds(cls, value: Any) -> Any:
        shown = value.strip() if isinstance(value, str) else value
        if isinstance(shown, str) and _SECONDS_SHAPE.fullmatch(shown):
            value = float(shown)
        usable = isinstance(value, int | float) and not isinstance(value, bool)
        if not usable or not MIN_SEND_RETRY_SECONDS <= value <= MAX_SEND_RETRY_SECONDS:
            raise _problem(
                "send_retry_seconds_invalid",
                f"is {shown!r}, expected a number of seconds from "
                f"{MIN_SEND_RETRY_SECONDS:.0f} to {MAX_SEND_RETRY_SECONDS:.0f}",
            )
        return float(value)

    @field_validator("admins", mode="before")
    @classmethod
    def _check_admins(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        ids = [part for part in re.split(r"[,\s]+", value.strip()) if part]
        wrong = next((part for part in ids if not _ADMIN_ID.fullmatch(part)), None)
        if wrong is not None:
            raise _problem(
                "admins_invalid",
                f"has {wrong[:40]!r}, expected Telegram user ids (digits) separated by commas",
            )
        return frozenset(int(part) for part in ids)

    @field_validator("question_retention_days", mode="before")
    @classmethod
    def _check_retention_days(cls, value: Any) -> Any:
        shown = value.strip() if isinstance(value, str) else value
        if isinstance(shown, str) and shown.isdigit() and len(shown) <= 6:
            value = int(shown)
        usable = isinstance(value, int) and not isinstance(value, bool)
        if not usable or not 1 <= value <= MAX_RETENTION_DAYS:
            raise _problem(
                "retention_days_invalid",
                f"is {str(shown)[:40]!r}, expected a whole number of days from 1 to "
                f"{MAX_RETENTION_DAYS}",
            )
        return value

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never reach a log line: hand them to ``configure_logging``."""
        found = [
            secret.get_secret_value()
            for secret in (self.token, self.webhook_secret)
            if secret is not None
        ]
        if self.database_url is not None:
            found.extend(_database_passwords(self.database_url.get_secret_value()))
        return tuple(found)

    @property
    def webhook_enabled(self) -> bool:
        """Whether Telegram posts updates to a webhook (set up by ``run_telegram``) or is polled."""
        return self.webhook_url is not None

    @property
    def webhook_path(self) -> str:
        """The path the local webhook server answers on: that of the public URL, ``/`` if none.

        The reverse proxy is expected to forward the request path unchanged.
        """
        if self.webhook_url is None:
            raise ValueError(f"{ENV_WEBHOOK_URL} is not set")
        return urlsplit(self.webhook_url).path or "/"

    @property
    def telegram_enabled(self) -> bool:
        """Whether a token is set; without one the bot runs as a terminal chat."""
        return self.token is not None


class LoadTestSettings(_EnvironSettings):
    """Knobs for load tests and benchmarks (bench.load); build them with :func:`load_test_settings`.

    They are kept out of :class:`Settings`, which holds what production needs; their defaults
    are production's behaviour.
    """

    rate_limit: str = Field(default="telegram", validation_alias=ENV_RATE_LIMIT)
    search_in_thread: bool = Field(default=False, validation_alias=ENV_SEARCH_IN_THREAD)

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


def _raw_query_values(query: str, key: str) -> list[str]:
    """The non-empty values of ``key`` in a URL query, as written (still percent-encoded).

    Not urllib's parse_qs: it turns "+" into a space, which libpq does not.
    """
    found = []
    for pair in query.split("&"):
        name, _, value = pair.partition("=")
        if unquote(name) == key and value:
            found.append(value)
    return found


def _database_passwords(url: str) -> list[str]:
    """The passwords in a database URL, as written and decoded: a log line may hold either."""
    parts = urlsplit(url)
    # libpq also takes the password as a parameter, so that is redacted too.
    written = [parts.password] if parts.password else []
    written += _raw_query_values(parts.query, "password")
    found: list[str] = []
    for password in written:
        for form in (password, unquote(password)):
            if form not in found:
                found.append(form)
    return found


_Loaded = TypeVar("_Loaded", bound=_EnvironSettings)


def _load(settings_cls: type[_Loaded], environ: Mapping[str, str]) -> _Loaded:
    reading = _read_from.set(environ)
    try:
        return settings_cls()
    except ValidationError as error:
        first = error.errors()[0]
        where = str(first["loc"][0]) if first["loc"] else "configuration"
        # Located by field name: the message names the field's variable instead.
        field = settings_cls.model_fields.get(where)
        variable = _variable(field) if field is not None else where
        message = " ".join(str(first["msg"]).split())  # one line, whatever pydantic says
        # "from None": the chained ValidationError is not needed and keeps tracebacks short.
        raise ConfigError(f"{variable} {message}") from None
    finally:
        _read_from.reset(reading)


def load_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    """Read :class:`Settings` from ``environ``; raise :class:`ConfigError` on any problem.

    A variable that is unset or blank takes its default.
    """
    return _load(Settings, environ)


def load_test_settings(environ: Mapping[str, str] = os.environ) -> LoadTestSettings:
    """Read the load-test knobs, :class:`LoadTestSettings`, from ``environ``.

    Raise :class:`ConfigError` on any problem; unset or blank variables keep production's
    behaviour.
    """
    return _load(LoadTestSettings, environ)
