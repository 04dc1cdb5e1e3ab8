"""The per-user flood guard, on a fake clock; and wired into the Telegram handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application

from bot.config import load_settings
from bot.core.dialogue import Dialogue
from bot.storage.sqlite_store import DB_FILE_NAME, SqliteStore
from bot.telegram_adapter.app import _in_flood_cooldown, build_application
from bot.telegram_adapter.flood import FLOOD_NOTICE, FloodGuard, Verdict
from standin.botapi import DEFAULT_TOKEN
from tests.support import updates
from tests.support.recording_request import RecordingRequest


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_up_to_the_limit_everything_is_allowed() -> None:
    guard = FloodGuard(limit=3, window=10, cooldown=60, clock=FakeClock())
    assert [guard.check(1) for _ in range(3)] == [Verdict.ALLOW] * 3


def test_the_first_excess_message_gets_one_notice_then_silence() -> None:
    guard = FloodGuard(limit=3, window=10, cooldown=60, clock=FakeClock())
    verdicts = [guard.check(1) for _ in range(10)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.NOTIFY] + [Verdict.IGNORE] * 6
    assert guard.is_quiet(1)


def test_after_the_cooldown_the_user_starts_afresh() -> None:
    clock = FakeClock()
    guard = FloodGuard(limit=2, window=10, cooldown=60, clock=clock)
    for _ in range(3):
        guard.check(1)
    clock.now += 59.9
    assert guard.check(1) is Verdict.IGNORE
    clock.now += 0.1
    assert [guard.check(1) for _ in range(3)] == [Verdict.ALLOW, Verdict.ALLOW, Verdict.NOTIFY]


def test_the_window_slides() -> None:
    clock = FakeClock()
    guard = FloodGuard(limit=3, window=10, cooldown=60, clock=clock)
    for _ in range(30):  # one message every 4 s is never more than 3 in 10 s
        assert guard.check(1) is Verdict.ALLOW
        clock.now += 4
    for _ in range(3):
        guard.check(2)
        clock.now += 3
    assert guard.check(2) is Verdict.NOTIFY  # 4 messages within 9 s


def test_a_flooder_does_not_affect_other_users() -> None:
    guard = FloodGuard(limit=5, window=10, cooldown=60, clock=FakeClock())
    for _ in range(100):
        guard.check(666)
    assert [guard.check(7) for _ in range(5)] == [Verdict.ALLOW] * 5
    assert not guard.is_quiet(7)


def test_idle_users_are_forgotten() -> None:
    clock = FakeClock()
    guard = FloodGuard(limit=5, window=10, cooldown=60, clock=clock)
    for user_id in range(1023):
        guard.check(user_id)
    clock.now += 11
    guard.check(5000)  # the 1024th check sweeps
    assert guard.tracked_users == 1


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        FloodGuard(limit=0)
    with pytest.raises(ValueError):
        FloodGuard(window=0)


# Wired into the handlers -----------------------------------------------------------------------


@pytest.fixture
async def app(
    advisor, tmp_path: Path
) -> AsyncIterator[tuple[Application, RecordingRequest, FakeClock]]:
    recorder = RecordingRequest()
    settings = load_settings({"TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN})
    application = build_application(
        settings, Dialogue(advisor), store=SqliteStore(tmp_path / DB_FILE_NAME), request=recorder,
    )
    clock = FakeClock()
    application.flood_guard = FloodGuard(limit=3, window=10, cooldown=60, clock=clock)
    async with application:
        recorder.clear()
        yield application, recorder, clock


async def process(app: Application, payload: dict[str, Any]) -> None:
    await app.process_update(Update.de_json(payload, app.bot))


def press_by(user_id: int, data: str) -> dict[str, Any]:
    payload = updates.callback_update(data, chat_id=user_id)
    payload["callback_query"]["from"] = updates.user(user_id)
    return payload


async def test_a_flooder_gets_one_notice_and_is_then_ignored(app) -> None:
    application, recorder, clock = app
    for _ in range(3):
        await process(application, updates.message_update("/help", user_id=666, chat_id=666))
    assert len(recorder.sent()) == 3
    recorder.clear()
    for _ in range(5):
        await process(application, updates.message_update("what skills?", user_id=666, chat_id=666))
        await process(application, press_by(666, "ask:certs"))
    assert recorder.texts() == [FLOOD_NOTICE]  # once, and nothing was searched or answered
    assert recorder.sent("sendChatAction") == []

    recorder.clear()  # someone else is unaffected
    await process(application, updates.message_update("/help", user_id=7, chat_id=7))
    assert len(recorder.sent()) == 1 and recorder.texts()[0] != FLOOD_NOTICE

    recorder.clear()  # and the flooder is answered again after the cooldown
    clock.now += 61
    await process(application, updates.message_update("/help", user_id=666, chat_id=666))
    assert len(recorder.sent()) == 1 and recorder.texts()[0] != FLOOD_NOTICE


async def test_anonymous_admins_are_counted_per_group(app) -> None:
    """Every group's anonymous admins come from one GroupAnonymousBot user; the group they
    speak for is the sender, so a flood in one group does not silence another."""
    application, recorder, _ = app
    flooded, other = updates.GROUP_ID, updates.GROUP_ID - 1
    for _ in range(4):
        await process(application, updates.anonymous_admin_update("/help", chat_id=flooded))
    assert recorder.texts()[-1] == FLOOD_NOTICE
    recorder.clear()

    def update_in(chat_id: int) -> Update:
        return Update.de_json(updates.anonymous_admin_update("/help", chat_id=chat_id),
                              application.bot)

    assert _in_flood_cooldown(application, update_in(flooded))  # dropped before a slot
    assert not _in_flood_cooldown(application, update_in(other))
    await application.process_update(update_in(other))
    assert len(recorder.sent()) == 1 and recorder.texts()[0] != FLOOD_NOTICE
