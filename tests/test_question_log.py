"""The owner's question log in both stores: questions, votes, /forget and retention."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from bot.core.conversation import ChatState, Exchange, UserState
from bot.core.feedback import DOWN, UP, Asked, Vote
from bot.core.profile import Profile
from bot.storage.sqlite_store import DB_FILE_NAME
from bot.storage.turns import StateStore
from tests.support.backends import Backend

ANSWERED = ChatState(
    history=(Exchange(1, "what skills?", "skills", ("skills-1",), ("skills-1",)),), next_id=2
)
PROFILED = UserState(profile=Profile(region="india", level="senior"))
ALICE, BOB, GROUP = 101, 202, -1001234567890


def asked(key: str, question: str = "what skills do I need?", **changes) -> Asked:
    values = dict(coverage="full", passages=("skills-1", "skills-2"), top_score=21.5,
                  declined=False)
    values.update(changes)
    return Asked(key, question, **values)


@pytest.fixture
async def store(backend: Backend, tmp_path: Path):
    opened = backend.store(tmp_path / "data")
    await opened.open()
    yield opened
    await opened.close()


async def turn(store: StateStore, update_id: int, chat_id: int, user_id: int, **kept) -> None:
    async with store.turn(update_id, chat_id, user_id) as handle:
        handle.keep(kept.pop("chat", handle.chat), kept.pop("user", handle.user), **kept)


async def test_a_question_is_logged_with_its_answer_and_the_askers_vote(
    store: StateStore,
) -> None:
    await turn(store, 1, ALICE, ALICE, chat=ANSWERED, asked=asked("k1"))
    await turn(store, 2, ALICE, ALICE, asked=asked("k2", "bake bread?", coverage="none",
                                                   passages=(), top_score=0.0, declined=True))
    await turn(store, 3, ALICE, ALICE, vote=Vote("k1", DOWN))
    log = await store.question_log(0)
    assert log.users == 1
    second, first = sorted(log.questions, key=lambda q: q.question)
    assert (first.question, first.coverage, first.passages, first.top_score, first.declined,
            first.vote) == ("what skills do I need?", "full", ("skills-1", "skills-2"), 21.5,
                            False, DOWN)
    assert abs(first.asked_at - time.time()) < 60
    assert (second.declined, second.coverage, second.vote) == (True, "none", None)
    await turn(store, 4, ALICE, ALICE, vote=Vote("k1", UP))  # changed
    votes = {q.question: q.vote for q in (await store.question_log(0)).questions}
    assert votes == {"what skills do I need?": UP, "bake bread?": None}


async def test_only_the_asker_votes_on_an_answer(store: StateStore) -> None:
    """In a group anyone can press the buttons; the answer's vote is its asker's."""
    await turn(store, 1, GROUP, ALICE, asked=asked("k1"))
    await turn(store, 2, GROUP, BOB, vote=Vote("k1", DOWN))
    await turn(store, 3, GROUP, BOB, vote=Vote("no-such-key", DOWN))  # expired or forgotten
    assert [q.vote for q in (await store.question_log(0)).questions] == [None]


async def test_forget_deletes_everything_about_the_user_and_nothing_else(
    store: StateStore,
) -> None:
    await turn(store, 1, ALICE, ALICE, chat=ANSWERED, user=PROFILED, asked=asked("a1"))
    await turn(store, 2, GROUP, ALICE, chat=ANSWERED, asked=asked("a2"))
    await turn(store, 3, BOB, BOB, chat=ANSWERED, user=PROFILED, asked=asked("b1"))
    await turn(store, 4, ALICE, ALICE, vote=Vote("a1", UP))
    await turn(store, 5, ALICE, ALICE, chat=ChatState(), user=UserState(), forget=True)
    alice = await store.read(ALICE, ALICE)
    assert (alice.chat, alice.user) == (ChatState(), UserState())
    log = await store.question_log(0)
    assert [q.question for q in log.questions] == ["what skills do I need?"]  # Bob's
    assert log.users == 1
    bob = await store.read(BOB, BOB)
    assert (bob.chat, bob.user) == (ANSWERED, PROFILED)
    assert (await store.read(GROUP, None)).chat == ANSWERED  # the group's context stays
    assert await store.counts() == (2, 1)  # no empty rows written back for Alice


async def test_forget_in_a_group_clears_that_chats_context_too(store: StateStore) -> None:
    await turn(store, 1, GROUP, ALICE, chat=ANSWERED, user=PROFILED, asked=asked("a1"))
    await turn(store, 2, GROUP, ALICE, chat=ChatState(), user=UserState(), forget=True)
    stored = await store.read(GROUP, ALICE)
    assert (stored.chat, stored.user) == (ChatState(), UserState())
    assert (await store.question_log(0)).questions == ()


def age_questions(backend: Backend, data_dir: Path, seconds: int) -> None:
    """Make every logged question `seconds` older, as time passing would."""
    statement = f"UPDATE questions SET asked_at = asked_at - {int(seconds)}"
    if backend.database_url:
        import psycopg

        with psycopg.connect(backend.database_url, autocommit=True) as db:
            db.execute(statement)  # type: ignore[arg-type]
    else:
        with sqlite3.connect(data_dir / DB_FILE_NAME) as db:
            db.execute(statement)


async def test_questions_past_retention_are_deleted_at_start(
    backend: Backend, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    store = backend.store(data_dir)
    await store.open()
    await turn(store, 1, ALICE, ALICE, asked=asked("old"))
    await store.close()
    age_questions(backend, data_dir, 91 * 24 * 3600)
    store = backend.store(data_dir)
    await store.open()
    try:
        await turn(store, 2, ALICE, ALICE, asked=asked("new", "do I need a degree?"))
        assert [q.question for q in (await store.question_log(0)).questions] == [
            "do I need a degree?"
        ]
    finally:
        await store.close()


async def test_retention_is_configurable_and_old_questions_can_be_deleted_now(
    backend: Backend, tmp_path: Path
) -> None:
    from bot.storage import make_store

    data_dir = tmp_path / "data"
    store = make_store(data_dir, backend.database_url, retention_days=10)
    await store.open()
    await turn(store, 1, ALICE, ALICE, asked=asked("a"))
    await turn(store, 2, ALICE, ALICE, asked=asked("b"))
    await store.close()
    age_questions(backend, data_dir, 11 * 24 * 3600)  # past 10 days, well inside 90
    store = make_store(data_dir, backend.database_url, retention_days=10)
    await store.open()
    try:
        assert (await store.question_log(0)).questions == ()
        await turn(store, 3, ALICE, ALICE, asked=asked("c"))
        assert await store.delete_questions_before(int(time.time()) + 1) == 1
        assert (await store.question_log(0)).questions == ()
    finally:
        await store.close()


async def test_a_running_bot_deletes_expired_questions_within_the_hour(
    backend: Backend, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    store = backend.store(data_dir)
    await store.open()
    try:
        await turn(store, 1, ALICE, ALICE, asked=asked("old"))
        age_questions(backend, data_dir, 91 * 24 * 3600)
        await turn(store, 2, ALICE, ALICE, asked=asked("new", "do I need a degree?"))
        assert len((await store.question_log(0)).questions) == 2  # not at every commit
        store._next_prune = 0  # type: ignore[attr-defined]  # an hour on
        await turn(store, 3, ALICE, ALICE, asked=asked("newer", "is kaggle worth it?"))
        assert sorted(q.question for q in (await store.question_log(0)).questions) == [
            "do I need a degree?", "is kaggle worth it?"
        ]
    finally:
        await store.close()
