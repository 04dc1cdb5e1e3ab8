"""Logging set-up that keeps the bot token (and any other secret) out of every log line.

The token is part of every Bot API URL (``.../bot<TOKEN>/sendMessage``), and httpx (INFO),
PTB's ``Bot`` (DEBUG, "Set Bot API URL") and exception messages can all print such URLs.
:func:`configure_logging` installs two layers of redaction:

1. A log-record factory (``logging.setLogRecordFactory``, chained to the previous one) that
   cleans every record the moment any logger creates it: the formatted message (``%``-args
   folded in), the exception text and the stack info. Because it acts on the record itself,
   it protects every handler, including handlers added later by anyone (a file handler,
   pytest's ``caplog``), as long as they format exceptions through ``record.exc_text`` as
   ``logging.Formatter`` does.
2. A :class:`RedactingFormatter` on the stderr handler installed here, which cleans the final
   text once more, so attributes the factory cannot see (``extra=`` fields in a custom
   format) are covered too. If you add your own handler and want that second layer, give it a
   ``RedactingFormatter`` or a :class:`RedactionFilter`.

Call :func:`configure_logging` before building the ``Bot``/``Application``: PTB logs the API
URL, token included, when the bot object is created. Secrets are only ever added, never
removed, for the life of the process. Use :func:`redact` on any text that may leave the
process another way (an error reply to a user, an exit message).
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

__all__ = [
    "ERROR_SHOWN",
    "LOG_FORMAT",
    "REDACTED",
    "RedactingFormatter",
    "RedactionFilter",
    "add_secrets",
    "configure_logging",
    "log_unreadable",
    "redact",
    "redact_record",
    "shown",
]

REDACTED = "[REDACTED]"
LOG_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"

# Loggers that write a line per HTTP request at INFO; quiet below DEBUG.
_CHATTY_LOGGERS = ("httpx",)
# The part of a "<bot id>:<secret>" token after the colon is redacted on its own too, so a
# URL-encoded colon ("%3A") or a log of the secret part alone cannot slip through.
_MIN_SECRET_PART = 16

_secrets: tuple[str, ...] = ()  # longest first, so a secret inside another is not half-replaced
_secrets_lock = threading.Lock()
_factory_installed = False
_exception_formatter = logging.Formatter()


def add_secrets(secrets: Iterable[str]) -> None:
    """Redact these values from now on (blank values are ignored)."""
    global _secrets
    if isinstance(secrets, str):  # iterating it would register every character
        raise TypeError("secrets must be an iterable of strings, not a string")
    new: set[str] = set()
    for secret in secrets:
        secret = secret.strip()
        if not secret:
            continue
        new.add(secret)
        _, colon, secret_part = secret.partition(":")
        if colon and len(secret_part) >= _MIN_SECRET_PART:
            new.add(secret_part)
    with _secrets_lock:
        _secrets = tuple(sorted(new.union(_secrets), key=len, reverse=True))


ERROR_SHOWN = 200  # characters of an error message kept in a log line


def shown(text: str) -> str:
    """`text` on one line, cut to ERROR_SHOWN characters: what a log line quotes of an
    error or a value someone sent."""
    return " ".join(text.split())[:ERROR_SHOWN]


def log_unreadable(logger: logging.Logger, update_id: object, error: Exception) -> None:
    """One WARNING for an update PTB cannot read: its id and the error, never the payload."""
    logger.warning(
        "skipped update %s: it could not be read (%s: %s)",
        update_id, type(error).__name__, shown(str(error)),
    )


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``[REDACTED]``."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def redact_record(record: logging.LogRecord) -> None:
    """Clean a record in place: message and args, exception text, stack info.

    A part is rewritten only when it holds a secret, so other records keep their ``args``.
    """
    if not _secrets:
        return
    try:
        message = record.getMessage()
    except Exception:
        pass  # a broken format string; the handler reports it, and its formatter still redacts
    else:
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    elif record.exc_info and record.exc_info[0] is not None:
        # logging.Formatter uses exc_text when set instead of formatting exc_info again.
        text = _exception_formatter.formatException(record.exc_info)
        cleaned = redact(text)
        if cleaned != text:
            record.exc_text = cleaned
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


class RedactionFilter(logging.Filter):
    """A handler filter that redacts each record it sees and lets it through."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


class RedactingFormatter(logging.Formatter):
    """A formatter whose output (message, exception, stack, extra fields) is redacted."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def _install_record_factory() -> None:
    global _factory_installed
    if _factory_installed:
        return
    previous: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

    def redacting_record_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        redact_record(record)
        return record

    logging.setLogRecordFactory(redacting_record_factory)
    _factory_installed = True


def configure_logging(level: str, secrets: Iterable[str]) -> None:
    """Log to stderr at ``level`` (a name such as ``"INFO"``, any case), secrets redacted.

    Safe to call again: the stderr handler installed by an earlier call is replaced, other
    handlers on the root logger are left alone. httpx is held at WARNING unless ``level`` is
    DEBUG, since it logs every request at INFO.

    Raises:
        ValueError: ``level`` is not a logging level name.
    """
    level_name = level.strip().upper()
    numeric_level = logging.getLevelNamesMapping().get(level_name)
    if numeric_level is None or level_name == "NOTSET":
        raise ValueError(f"unknown log level {level!r}")

    add_secrets(secrets)
    _install_record_factory()

    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_career_advisor_stderr", False):
            root.removeHandler(handler)
            handler.close()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(LOG_FORMAT))
    handler._career_advisor_stderr = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(numeric_level)

    chatty_level = logging.NOTSET if numeric_level <= logging.DEBUG else logging.WARNING
    for name in _CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(chatty_level)
