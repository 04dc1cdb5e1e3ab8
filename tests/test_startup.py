"""The start's retries (bot.telegram_adapter.startup), offline: which errors are retried, and
how long each wait is. tests/test_startup_end_to_end.py runs them in the real bot."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import pytest
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.telegram_adapter.startup import until_answered


def failing(errors: list[Exception], result: str = "ok") -> Callable[[], Awaitable[str]]:
    """A call that raises each of `errors` in turn, then returns `result`."""
    remaining = list(errors)

    async def call() -> str:
        if remaining:
            raise remaining.pop(0)
        return result

    return call


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


async def test_network_errors_are_retried_with_growing_waits_up_to_the_cap(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sleeps = Sleeps()
    errors: list[Exception] = [NetworkError("Bad Gateway")] * 6 + [TimedOut()] * 2
    with caplog.at_level(logging.WARNING, logger="bot.telegram_adapter.startup"):
        result = await until_answered(failing(errors), "getMe", sleep=sleeps)
    assert result == "ok"
    assert sleeps.waits == [1, 2, 4, 8, 16, 30, 30, 30]
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 8  # one a failed attempt
    assert lines[0] == "getMe failed, attempt 1 (NetworkError: Bad Gateway); trying again in 1 s"
    assert lines[-1].startswith("getMe failed, attempt 8 (TimedOut: ")


# RetryAfter's constructor warns about its own retry_after attribute, whatever it is given
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_a_429_waits_at_least_as_long_as_telegram_asks() -> None:
    sleeps = Sleeps()
    errors: list[Exception] = [RetryAfter(7), NetworkError("Bad Gateway"), RetryAfter(1)]
    assert await until_answered(failing(errors), "setWebhook", sleep=sleeps) == "ok"
    assert sleeps.waits == [7, 2, 4]  # the backoff goes on growing under the 429s


@pytest.mark.parametrize(
    "error",
    [InvalidToken("Unauthorized"), BadRequest("Bad webhook"), Forbidden("no"), ValueError("bug")],
)
async def test_definite_refusals_and_bugs_are_not_retried(error: Exception) -> None:
    sleeps = Sleeps()
    with pytest.raises(type(error)):
        await until_answered(failing([error]), "getMe", sleep=sleeps)
    assert sleeps.waits == []
