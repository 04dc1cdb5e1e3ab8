"""Votes, /forget and /stats through the Telegram handlers, offline (a recording request)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application

from bot.config import load_settings
from bot.core.dialogue import Dialogue
from bot.core.feedback import DOWN, UP
from bot.storage.sqlite_store import DB_FILE_NAME, SqliteStore
from bot.telegram_adapter.app import build_application
from standin.botapi import DEFAULT_TOKEN
from tests.support import updates
from tests.support.recording_request import RecordingRequest, buttons_of

ADMIN = 777001


@pytest.fixture
def recorder() -> RecordingRequest:
    return RecordingRequest()


@pytest.fixture
async def app(advisor, tmp_path: Path, recorder: RecordingRequest) -> AsyncIterator[Application]:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
                              "CAREER_ADVISOR_ADMINS": f"{ADMIN}, 5"})
    dialogue = Dialogue(advisor, feedback=True)
    dialogue.warm_up()
    if advisor.engine.semantic is not None:
        advisor.engine.semantic.load_encoder()
    application = build_application(
        settings, dialogue, store=SqliteStore(tmp_path / DB_FILE_NAME), request=recorder
    )
    async with application:
        recorder.clear()
        yield application


async def process(app: Application, payload: dict[str, Any]) -> None:
    await app.process_update(Update.de_json(payload, app.bot))


def press_on(sent_markup: Any, data: str, chat_id: int = updates.USER_ID) -> dict[str, Any]:
    """A press on a button of a message that carries `sent_markup`, as Telegram sends it."""
    payload = updates.callback_update(data, chat_id)
    markup = json.loads(sent_markup) if isinstance(sent_markup, str) else sent_markup
    payload["callback_query"]["message"]["reply_markup"] = markup
    return payload


async def test_a_vote_is_stored_acknowledged_and_marked_and_can_be_changed(
    app, recorder
) -> None:
    await process(app, updates.message_update("what certifications should I get?"))
    [answer] = recorder.sent()
    buttons = buttons_of(answer)
    votes = [(label, data) for label, data in buttons if data.startswith("v:")]
    assert [label for label, _ in votes] == ["👍", "👎"]
    recorder.clear()

    await process(app, press_on(answer.params["reply_markup"], votes[1][1]))
    [ack] = recorder.sent("answerCallbackQuery")
    assert "noted" in str(ack.params["text"])
    assert recorder.sent() == []  # no message: a notice only
    [marked] = recorder.sent("editMessageReplyMarkup")
    marked_buttons = buttons_of(marked)
    assert [label for label, _ in marked_buttons][:2] == ["More ▸", "Why? Show sources"]
    assert ("👎 ✓", votes[1][1]) in marked_buttons and ("👍", votes[0][1]) in marked_buttons
    log = await app.store.question_log(0)
    [logged] = log.questions
    assert logged.question == "what certifications should I get?"
    assert logged.vote == DOWN and logged.coverage == "full" and logged.passages

    recorder.clear()
    await process(app, press_on(marked.params["reply_markup"], votes[0][1]))
    assert "Glad" in str(recorder.sent("answerCallbackQuery")[0].params["text"])
    assert ("👍 ✓", votes[0][1]) in buttons_of(recorder.sent("editMessageReplyMarkup")[0])
    assert [q.vote for q in (await app.store.question_log(0)).questions] == [UP]


async def test_forget_after_confirmation_leaves_the_user_unknown(app, recorder) -> None:
    await process(app, updates.message_update("/profile india mid"))
    await process(app, updates.message_update("do I need a masters degree?"))
    await process(app, updates.message_update("/forget"))
    confirm = recorder.sent()[-1]
    yes = next(data for label, data in buttons_of(confirm) if label.startswith("🗑"))
    assert (await app.store.read(updates.USER_ID, updates.USER_ID)).user.profile.region
    recorder.clear()
    await process(app, updates.callback_update(yes))
    [done] = recorder.sent("editMessageText")
    assert "deleted everything" in str(done.params["text"])
    assert (await app.store.question_log(0)).questions == ()
    assert await app.store.counts() == (0, 0)


async def test_stats_is_for_admins_only(app, recorder) -> None:
    await process(app, updates.message_update("how do I bake bread"))
    await process(app, updates.message_update("what certifications should I get?"))
    recorder.clear()
    await process(app, updates.message_update("/stats"))  # user 4242 is no admin
    [refused] = recorder.texts()
    assert "don't know the command /stats" in refused
    recorder.clear()
    await process(app, updates.message_update("/stats", user_id=ADMIN, chat_id=ADMIN))
    [stats] = recorder.texts()
    assert "Questions: 2" in stats and "Users: 1" in stats and "Answered: 50%" in stats
    assert "bake bread" in stats and "declined 1" in stats
    assert str(updates.USER_ID) not in stats
    recorder.clear()
    await process(app, updates.message_update("/stats", user_id=ADMIN,
                                              chat_id=updates.GROUP_ID))
    assert recorder.texts() == []  # not in a group: the owner's figures are not theirs
