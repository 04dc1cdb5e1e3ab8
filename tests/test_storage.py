"""The state stores, SQLite and PostgreSQL, held to one contract by the same tests."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from pathlib import Path

import pytest

from bot.core.conversation import ChatState, Exchange, UserState
from bot.core.profile import Profile
from bot.core.reply import Button, Reply
from bot.storage import StateNotSaved, StoreUnavailable, open_store
from bot.storage.json_import import LEGACY_FILE_NAME
from bot.storage.keyed_lock import KeyedLocks
from bot.storage.schema import SCHEMA_VERSION, migrations
from bot.storage.sqlite_store import DB_FILE_NAME, SqliteStore
from bot.storage.turns import StateStore, StoredChat
from tests.support.backends import Backend

ANSWERED = ChatState(
    history=(Exchange(1, "what skills?", "skills", ("skills-1",), ("skills-1",)),), next_id=2
)
PROFILED = UserState(profile=Profile(region="india", level="senior"), progress=frozenset({"rm-1"}))


@pytest.fixture
async def store(backend: Backend, tmp_path: Path):
    opened = backend.store(tmp_path / "data")
    await opened.open()
    yield opened
    await opened.close()


async def apply(
    store: StateStore, update_id: int, chat_id: int, user_id: int | None,
    chat: ChatState, user: UserState | None = None,
) -> bool:
    """One update that sets these states; whether it was applied (False: seen before)."""
    async with store.turn(update_id, chat_id, user_id) as turn:
        if turn.applied_before:
            return False
        turn.keep(chat, user)
    return True


async def test_a_new_chat_and_user_start_empty(store: StateStore) -> None:
    async with store.turn(1, 42, 42) as turn:
        assert not turn.applied_before
        assert (turn.chat, turn.user) == (ChatState(), UserState())
    assert await store.counts() == (0, 0)  # nothing changed, nothing written


async def test_kept_state_is_read_back_by_the_next_update(store: StateStore) -> None:
    assert await apply(store, 1, 42, 42, ANSWERED, PROFILED)
    async with store.turn(2, 42, 42) as turn:
        assert (turn.chat, turn.user) == (ANSWERED, PROFILED)
    assert await store.counts() == (1, 1)


async def test_an_update_is_applied_once(store: StateStore) -> None:
    assert await apply(store, 7, 42, 42, ANSWERED)
    assert not await apply(store, 7, 42, 42, ChatState())  # redelivered: skipped
    assert (await store.read(42, 42)).chat == ANSWERED


async def test_a_kept_reply_is_handed_out_again_until_the_update_is_finished(
    store: StateStore,
) -> None:
    """A crash between the commit and the send: the redelivered update gets its reply back
    (once finished, nothing), and is still not applied twice."""
    reply = Reply("<b>Roadmap</b> &amp; more", ((Button("✅ Step 1", "rm:t:1"),),), edit=True)
    async with store.turn(5, 42, 42) as turn:
        turn.keep(ANSWERED, PROFILED, reply)
    async with store.turn(5, 42, 42) as turn:
        assert turn.applied_before
        assert turn.unsent_reply == reply
        turn.keep(ChatState())  # ignored: applied before
    assert (await store.read(42, 42)).chat == ANSWERED
    await store.finish(5)
    async with store.turn(5, 42, 42) as turn:
        assert turn.applied_before and turn.unsent_reply is None


async def test_fetched_updates_wait_in_the_store_until_finished(store: StateStore) -> None:
    await store.receive([(11, '{"update_id":11}'), (10, '{"update_id":10,"x":"é"}')])
    await store.receive([(10, '{"update_id":10}')])  # fetched again after a restart: kept once
    assert await store.unfinished() == ['{"update_id":10,"x":"é"}', '{"update_id":11}']
    await store.finish(10)
    assert await store.unfinished() == ['{"update_id":11}']
    await store.finish(11)
    await store.finish(12)  # never received (a webhook update, say): nothing to do
    assert await store.unfinished() == []


async def test_many_updates_finished_at_once_are_all_finished(store: StateStore) -> None:
    """Finishes that arrive together may share a transaction; each still waits for its own."""
    await store.receive([(n, f'{{"update_id":{n}}}') for n in range(1, 51)])
    await asyncio.gather(*(store.finish(n) for n in range(1, 41)))
    assert await store.unfinished() == [f'{{"update_id":{n}}}' for n in range(41, 51)]


async def test_a_version_1_database_is_upgraded_keeping_its_state(
    backend: Backend, tmp_path: Path
) -> None:
    id_type = "BIGINT" if backend.database_url else "INTEGER"
    statements = [
        *migrations(id_type)[1],
        "CREATE TABLE schema_version (version INTEGER NOT NULL)",
        "INSERT INTO schema_version VALUES (1)",
        "INSERT INTO chats VALUES (42, '{\"context\": null}', 1)",
        "INSERT INTO handled_updates VALUES (7, 42, 1)",
    ]
    if backend.database_url:
        import psycopg

        with psycopg.connect(backend.database_url, autocommit=True) as db:
            for statement in statements:
                db.execute(statement)  # type: ignore[arg-type]
    else:
        (tmp_path / "data").mkdir()
        with sqlite3.connect(tmp_path / "data" / DB_FILE_NAME) as db:
            for statement in statements:
                db.execute(statement)
    store = backend.store(tmp_path / "data")
    await store.open()
    try:
        async with store.turn(7, 42, 42) as turn:
            assert turn.applied_before and turn.unsent_reply is None
        assert await store.counts() == (1, 0)
        await store.receive([(8, "{}")])
        assert await store.unfinished() == ["{}"]
    finally:
        await store.close()


async def test_an_error_in_the_update_writes_nothing(store: StateStore) -> None:
    with pytest.raises(RuntimeError):
        async with store.turn(3, 42, 42) as turn:
            turn.keep(ANSWERED, PROFILED)
            raise RuntimeError("the dialogue failed")
    assert await store.read(42, 42) == await store.read(0, None)  # both empty
    assert await apply(store, 3, 42, 42, ANSWERED)  # not marked applied: a retry may apply it


async def test_group_and_private_chats_share_the_user_not_the_chat(store: StateStore) -> None:
    group, user = -1001234567890123, 42
    await apply(store, 1, group, user, ANSWERED, PROFILED)
    async with store.turn(2, user, user) as turn:
        assert turn.chat == ChatState()
        assert turn.user == PROFILED
    assert (await store.read(group, None)).chat == ANSWERED  # a 64-bit supergroup id


async def test_a_lone_surrogate_is_saved_without_failing(store: StateStore) -> None:
    odd = ChatState(history=(Exchange(1, "why \ud800?", "t", (), ()),), next_id=2)
    await apply(store, 1, 5, 5, odd)
    assert (await store.read(5, 5)).chat == odd


async def test_concurrent_updates_of_one_user_lose_no_change(store: StateStore) -> None:
    """Ticks from many chats of one user at once: each update reads what the last one kept."""

    async def tick(update_id: int, chat_id: int) -> None:
        async with store.turn(update_id, chat_id, 42) as turn:
            await asyncio.sleep(0)  # let the others run in between, as real handlers do
            progress = turn.user.progress | {f"item-{update_id}"}
            turn.keep(turn.chat, UserState(profile=turn.user.profile, progress=progress))

    await asyncio.gather(*(tick(n, chat) for n in range(30) for chat in (-n - 1,)))
    assert (await store.read(0, 42)).user.progress == {f"item-{n}" for n in range(30)}


async def test_put_writes_many_at_once(store: StateStore) -> None:
    chats = {n: ANSWERED for n in range(1, 501)}
    users = {n: PROFILED for n in range(1, 301)}
    await store.put(chats, users, {900: 1})
    assert await store.counts() == (500, 300)
    assert not await apply(store, 900, 1, 1, ChatState())  # its update id counts as applied


async def test_the_schema_is_created_once_and_reopened(backend: Backend, tmp_path: Path) -> None:
    first = backend.store(tmp_path / "data")
    await first.open()
    await apply(first, 1, 42, 42, ANSWERED, PROFILED)
    await first.close()
    again = backend.store(tmp_path / "data")
    await again.open()  # the tables exist: no error, nothing lost
    try:
        assert (await again.read(42, 42)).user == PROFILED
    finally:
        await again.close()


async def test_old_state_json_and_journal_are_imported_then_moved_aside(
    backend: Backend, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    snapshot = {
        "format": 1,
        "chat_data": {"42": {"conversation": ANSWERED.to_dict(), "handled": [10, 11]}},
        "user_data": {"42": {"user": UserState(profile=Profile(region="pakistan")).to_dict()}},
        "bot_data": {},
    }
    (data_dir / LEGACY_FILE_NAME).write_text(json.dumps(snapshot), encoding="utf-8")
    # the journal was written after the snapshot: its user state wins; a cut-off line is skipped
    journal = json.dumps({"user": [42, {"user": PROFILED.to_dict()}], "chat": [7, {}]})
    (data_dir / f"{LEGACY_FILE_NAME}.journal").write_text(journal + "\n{\"cha", encoding="utf-8")

    store = await open_store(data_dir, backend.database_url)
    try:
        assert await store.read(42, 42) == StoredChat(ANSWERED, PROFILED)
        assert not await apply(store, 11, 42, 42, ChatState())  # handled ids came along
    finally:
        await store.close()
    left = sorted(path.name for path in data_dir.iterdir() if "state.json" in path.name)
    assert len(left) == 2 and all(".imported-" in name for name in left)
    again = await open_store(data_dir, backend.database_url)  # nothing to import twice
    await again.close()


# SQLite only: its file and its failures -------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_sqlite_is_one_file_in_wal_mode(store: StateStore, tmp_path: Path) -> None:
    await apply(store, 1, 42, 42, ANSWERED)
    path = tmp_path / "data" / DB_FILE_NAME
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
        assert db.execute("SELECT count(*) FROM handled_updates").fetchone()[0] == 1


async def test_sqlite_in_a_read_only_directory_is_refused_at_start(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    os.chmod(data_dir, 0o555)
    if os.geteuid() == 0:  # root ignores modes: make the directory immutable instead
        _immutable(data_dir, True)
    try:
        store = SqliteStore(data_dir / DB_FILE_NAME)
        with pytest.raises(StoreUnavailable, match=r"cannot (open|use) the state database"):
            await store.open()
    finally:
        if os.geteuid() == 0:
            _immutable(data_dir, False)
        os.chmod(data_dir, 0o755)


async def test_a_failing_commit_raises_state_not_saved_and_keeps_the_old_state(
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / DB_FILE_NAME)
    await store.open()
    try:
        await apply(store, 1, 42, 42, ANSWERED)
        # another connection holds the write lock past the busy timeout, as a full or stuck
        # disk would hold up the commit
        blocker = sqlite3.connect(tmp_path / DB_FILE_NAME, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            store_module_timeout = store._db().execute("PRAGMA busy_timeout").fetchone()
            store._db().execute("PRAGMA busy_timeout = 50")
            with pytest.raises(StateNotSaved, match="could not save update 2"):
                await apply(store, 2, 42, 42, ChatState())
            store._db().execute(f"PRAGMA busy_timeout = {store_module_timeout[0]}")
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert (await store.read(42, 42)).chat == ANSWERED  # nothing half-written
        assert await apply(store, 2, 42, 42, ChatState())  # and the update can be applied later
    finally:
        await store.close()


def _immutable(path: Path, on: bool) -> None:
    import subprocess

    subprocess.run(["chattr", "+i" if on else "-i", str(path)], check=True)


# The lock helper ------------------------------------------------------------------------------


async def test_keyed_locks_serialise_one_key_and_forget_idle_keys() -> None:
    locks = KeyedLocks()
    order: list[str] = []

    async def hold(name: str, keys: list[int]) -> None:
        async with locks.hold(keys):
            order.append(f"{name}+")
            await asyncio.sleep(0.01)
            order.append(f"{name}-")

    await asyncio.gather(hold("a", [1, 2]), hold("b", [2, 1]), hold("c", [3]))
    assert order.index("a-") < order.index("b+") or order.index("b-") < order.index("a+")
    assert len(locks) == 0


async def test_a_cancelled_wait_does_not_release_someone_elses_lock() -> None:
    locks = KeyedLocks()
    entered = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with locks.hold([1]):
            entered.set()
            await release.wait()

    first = asyncio.create_task(holder())
    await entered.wait()
    waiter = asyncio.create_task(_enter(locks))
    await asyncio.sleep(0.01)
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)
    third = asyncio.create_task(_enter(locks))
    await asyncio.sleep(0.01)
    assert not third.done()  # the first holder still has the lock
    release.set()
    await asyncio.wait_for(third, 1)
    await first
    assert len(locks) == 0


async def _enter(locks: KeyedLocks) -> None:
    async with locks.hold([1]):
        pass


async def test_a_database_from_a_newer_release_is_refused(backend: Backend, tmp_path: Path) -> None:
    first = backend.store(tmp_path / "data")
    await first.open()
    await first.close()
    _set_schema_version(backend, tmp_path / "data", 99)
    newer = backend.store(tmp_path / "data")
    newer_than = f"schema version 99, newer than this bot's {SCHEMA_VERSION}"
    with pytest.raises(StoreUnavailable, match=newer_than):
        await newer.open()


def _set_schema_version(backend: Backend, data_dir: Path, version: int) -> None:
    if backend.database_url:
        import psycopg

        with psycopg.connect(backend.database_url, autocommit=True) as db:
            db.execute("UPDATE schema_version SET version = %s", (version,))
    else:
        with sqlite3.connect(data_dir / DB_FILE_NAME) as db:
            db.execute("UPDATE schema_version SET version = ?", (version,))
