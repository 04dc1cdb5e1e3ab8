"""JSON file persistence: round trips, atomic writes, corrupt files, coalescing, a real app."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.telegram_adapter.persistence import DEFAULT_UPDATE_INTERVAL, JsonFilePersistence, save_now
from standin.botapi import DEFAULT_TOKEN, BotApiStandIn

REPO_ROOT = Path(__file__).resolve().parents[1]


class ReplaceCounter:
    """Counts os.replace calls onto one path; can be told to fail."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.count = 0
        self.failures_left = 0
        self._real_replace = os.replace

    def __call__(self, source: Any, destination: Any) -> None:
        if Path(destination) == self.target:
            if self.failures_left:
                self.failures_left -= 1
                raise OSError(28, "No space left on device")
            self.count += 1
        self._real_replace(source, destination)


@pytest.fixture
def state_file(tmp_path: Path) -> Path:
    return tmp_path / "data" / "state.json"


@pytest.fixture
def replaces(state_file: Path, monkeypatch: pytest.MonkeyPatch) -> ReplaceCounter:
    counter = ReplaceCounter(state_file)
    monkeypatch.setattr(os, "replace", counter)
    return counter


async def _fresh_load(path: Path) -> tuple[dict[int, Any], dict[int, Any], dict[str, Any]]:
    persistence = JsonFilePersistence(path)
    return (
        await persistence.get_user_data(),
        await persistence.get_chat_data(),
        await persistence.get_bot_data(),
    )


def _other_files(directory: Path, keep: str = "state.json") -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name != keep)


# ---------------------------------------------------------------------------- round trip


async def test_round_trip_with_int_ids(state_file: Path) -> None:
    persistence = JsonFilePersistence(state_file)
    assert await persistence.get_user_data() == {}
    assert await persistence.get_chat_data() == {}
    assert await persistence.get_bot_data() == {}
    user = {"topic": "salaries", "asked": ["a", "b"], "count": 2, "ratio": 0.5, "ok": True}
    await persistence.update_user_data(1001, user)
    await persistence.update_chat_data(-1001234567890, {"lang": "en", "last": None})
    await persistence.update_chat_data(1001, {"nested": {"deep": [1, {"x": "ü"}]}})
    await persistence.update_bot_data({"started": 3})
    await persistence.flush()

    assert state_file.parent.is_dir()  # created on the first write
    on_disk = json.loads(state_file.read_text("utf-8"))
    assert on_disk["format"] == 1
    assert on_disk["user_data"] == {"1001": user}

    users, chats, bot_data = await _fresh_load(state_file)
    assert users == {1001: user}
    assert chats == {
        -1001234567890: {"lang": "en", "last": None},
        1001: {"nested": {"deep": [1, {"x": "ü"}]}},
    }
    assert all(isinstance(key, int) for key in [*users, *chats])
    assert bot_data == {"started": 3}
    assert _other_files(state_file.parent) == []  # no temp files left behind


async def test_returned_data_are_copies(state_file: Path, replaces: ReplaceCounter) -> None:
    persistence = JsonFilePersistence(state_file)
    await persistence.update_user_data(1, {"n": 1})
    await persistence.write_pending()
    users = await persistence.get_user_data()
    users[1]["n"] = 2  # the Application changes its copy...
    await persistence.update_user_data(1, users[1])  # ...and hands it back: a real change
    await persistence.write_pending()
    assert replaces.count == 2
    assert (await _fresh_load(state_file))[0] == {1: {"n": 2}}


async def test_unchanged_data_cause_no_write(state_file: Path, replaces: ReplaceCounter) -> None:
    persistence = JsonFilePersistence(state_file)
    await persistence.update_user_data(5, {"a": 1})
    await persistence.update_bot_data({})
    await persistence.write_pending()
    assert replaces.count == 1
    for _ in range(3):  # PTB passes bot_data and touched chats on every run
        await persistence.update_user_data(5, {"a": 1})
        await persistence.update_bot_data({})
        await persistence.write_pending()
    assert replaces.count == 1


async def test_empty_and_dropped_entries_are_removed(state_file: Path) -> None:
    persistence = JsonFilePersistence(state_file)
    await persistence.update_user_data(1, {"a": 1})
    await persistence.update_user_data(2, {"b": 2})
    await persistence.update_user_data(3, {})  # PTB's default for a user never written to
    await persistence.update_chat_data(10, {"c": 3})
    await persistence.update_chat_data(11, {"d": 4})
    await persistence.write_pending()
    await persistence.update_user_data(2, {})
    await persistence.drop_user_data(1)
    await persistence.drop_chat_data(10)
    await persistence.drop_chat_data(999)  # unknown: fine
    await persistence.flush()
    users, chats, _ = await _fresh_load(state_file)
    assert users == {}
    assert chats == {11: {"d": 4}}


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"pair": (1, 2)}, "tuple"),
        ({"seen": {"a"}}, "set"),
        ({"by_id": {7: "x"}}, "string keys"),
        ({"score": float("nan")}, "JSON cannot hold"),
        ({"when": object()}, "object"),
    ],
)
async def test_non_json_values_are_refused(
    state_file: Path, replaces: ReplaceCounter, data: dict[str, Any], problem: str
) -> None:
    persistence = JsonFilePersistence(state_file)
    with pytest.raises(TypeError, match=problem):
        await persistence.update_user_data(1, data)
    with pytest.raises(TypeError, match=problem):
        await persistence.update_bot_data(data)
    await persistence.flush()
    assert replaces.count == 0
    assert await persistence.get_user_data() == {}


async def test_callback_data_and_conversations_are_not_stored(
    state_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    persistence = JsonFilePersistence(state_file)
    assert persistence.store_data.callback_data is False
    assert persistence.store_data.user_data and persistence.store_data.chat_data
    assert persistence.update_interval == DEFAULT_UPDATE_INTERVAL
    assert await persistence.get_callback_data() is None
    await persistence.update_callback_data(([("id", 1.0, {"k": "v"})], {"a": "b"}))
    await persistence.update_conversation("talk", (1, 2), 3)
    with caplog.at_level(logging.WARNING, logger="bot.telegram_adapter.persistence"):
        assert await persistence.get_conversations("talk") == {}
        assert await persistence.get_conversations("talk") == {}
    assert sum("does not store conversation states" in r.getMessage() for r in caplog.records) == 1
    await persistence.flush()
    assert not state_file.exists()


# ---------------------------------------------------------------------------- atomicity


async def test_failed_replace_leaves_old_file_intact(
    state_file: Path, replaces: ReplaceCounter, caplog: pytest.LogCaptureFixture
) -> None:
    persistence = JsonFilePersistence(state_file)
    await persistence.update_user_data(1, {"version": "old"})
    await persistence.write_pending()
    old_bytes = state_file.read_bytes()

    replaces.failures_left = 1
    await persistence.update_user_data(1, {"version": "new"})
    with (
        caplog.at_level(logging.ERROR, logger="bot.telegram_adapter.persistence"),
        pytest.raises(OSError, match="No space left"),
    ):
        await persistence.write_pending()
    assert any(r.levelno == logging.ERROR for r in caplog.records)
    assert state_file.read_bytes() == old_bytes
    assert (await _fresh_load(state_file))[0] == {1: {"version": "old"}}
    assert _other_files(state_file.parent) == []  # the temp file was removed

    # PTB's next run (it always passes bot_data) retries the write.
    await persistence.update_bot_data({})
    await persistence.write_pending()
    assert (await _fresh_load(state_file))[0] == {1: {"version": "new"}}


async def test_flush_at_shutdown_logs_a_failed_write_instead_of_raising(
    state_file: Path, replaces: ReplaceCounter, caplog: pytest.LogCaptureFixture
) -> None:
    persistence = JsonFilePersistence(state_file)
    replaces.failures_left = 2  # the writer's attempt and flush's retry
    await persistence.update_user_data(1, {"v": 1})
    with caplog.at_level(logging.ERROR, logger="bot.telegram_adapter.persistence"):
        await persistence.flush()
    assert "Could not save the state file" in caplog.text
    assert not state_file.exists()


async def test_failure_while_writing_the_temp_file_leaves_old_file_intact(
    state_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    persistence = JsonFilePersistence(state_file)
    await persistence.update_chat_data(9, {"v": 1})
    await persistence.write_pending()
    old_text = state_file.read_text("utf-8")

    def failing_fsync(descriptor: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    await persistence.update_chat_data(9, {"v": 2, "pad": "x" * 100_000})
    with pytest.raises(OSError, match="Input/output"):
        await persistence.write_pending()
    monkeypatch.undo()
    assert state_file.read_text("utf-8") == old_text
    assert _other_files(state_file.parent) == []
    await persistence.flush()  # retried and succeeds
    assert (await _fresh_load(state_file))[1][9]["v"] == 2


_WRITER_CHILD = """
import asyncio, os, sys, time
from pathlib import Path
from bot.telegram_adapter.persistence import JsonFilePersistence

def replace_then_hang(source, destination):
    print("renaming", flush=True)
    time.sleep(60)  # killed here: the new state is complete in the temp file, not yet renamed

async def main() -> None:
    persistence = JsonFilePersistence(Path(sys.argv[1]))
    counter = (await persistence.get_bot_data()).get("counter", 0)
    blob = "x" * 300_000
    print("ready", flush=True)
    while True:
        counter += 1
        await persistence.update_bot_data({"counter": counter, "blob": blob})
        await persistence.write_pending()
        if sys.argv[2] == "hang-before-rename":
            os.replace = replace_then_hang

asyncio.run(main())
"""


def _run_writer_and_kill(state_file: Path, mode: str, delay: float, wait_for: str) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _WRITER_CHILD, str(state_file), mode],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    # If the child never says what we wait for, the watchdog kills it and readline() sees EOF.
    watchdog = threading.Timer(30, child.kill)
    watchdog.start()
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        if wait_for:
            assert child.stdout.readline().strip() == wait_for
        time.sleep(delay)
    finally:
        watchdog.cancel()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        if child.stdout is not None:
            child.stdout.close()


async def test_kill_9_at_random_moments_never_leaves_a_broken_file(
    state_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    last_counter = 0
    for delay in (0.03, 0.07, 0.13, 0.19, 0.23, 0.29, 0.37, 0.43):
        _run_writer_and_kill(state_file, "loop", delay, wait_for="")
        with caplog.at_level(logging.WARNING, logger="bot.telegram_adapter.persistence"):
            _, _, bot_data = await _fresh_load(state_file)
        assert not caplog.records, "the file was found corrupt after kill -9"
        assert len(bot_data["blob"]) == 300_000
        assert bot_data["counter"] > last_counter  # progress, carried across kills
        last_counter = bot_data["counter"]
        # a temp file a kill left behind is cleaned up when the state is loaded
        assert _other_files(state_file.parent) == []


async def test_kill_9_just_before_the_rename_keeps_the_previous_state(
    state_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _run_writer_and_kill(state_file, "hang-before-rename", 0.0, wait_for="renaming")
    (leftover,) = _other_files(state_file.parent)
    assert leftover.startswith(".state.json.") and leftover.endswith(".tmp")
    assert json.loads((state_file.parent / leftover).read_text())["bot_data"]["counter"] == 2
    with caplog.at_level(logging.WARNING, logger="bot.telegram_adapter.persistence"):
        _, _, bot_data = await _fresh_load(state_file)
    assert not caplog.records
    assert bot_data["counter"] == 1  # the last complete write
    assert _other_files(state_file.parent) == []


# ---------------------------------------------------------------------------- corrupt files


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"format": 1, "user_data": {"1": {"a": 1}', "not valid JSON"),
        (b"", "not valid JSON"),
        (b"\xff\xfe garbage", "not UTF-8"),
        (b"[1, 2, 3]", "top level is not an object"),
        (b'{"format": 2, "user_data": {}}', "format is not 1"),
        (b'{"user_data": {}}', "format is not 1"),
        (b'{"format": 1, "user_data": {"alice": {}}}', "user_data has a key that is not an id"),
        (b'{"format": 1, "chat_data": {"5": [1]}}', "chat_data has an entry that is not"),
        (b'{"format": 1, "bot_data": []}', "bot_data is not an object"),
        (b'{"format": 1, "pickles": {}}', "unexpected keys"),
    ],
)
async def test_corrupt_file_is_moved_aside(
    state_file: Path, caplog: pytest.LogCaptureFixture, content: bytes, reason: str
) -> None:
    state_file.parent.mkdir(parents=True)
    state_file.write_bytes(content)
    persistence = JsonFilePersistence(state_file)
    with caplog.at_level(logging.WARNING, logger="bot.telegram_adapter.persistence"):
        assert await persistence.get_user_data() == {}
        assert await persistence.get_chat_data() == {}
        assert await persistence.get_bot_data() == {}
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert reason in warning.getMessage()
    assert "Starting with empty data" in warning.getMessage()
    (aside,) = _other_files(state_file.parent)
    assert aside.startswith("state.json.corrupt-")
    assert aside in warning.getMessage()
    assert (state_file.parent / aside).read_bytes() == content  # kept for a human to inspect
    assert not state_file.exists()

    await persistence.update_user_data(1, {"fresh": True})
    await persistence.flush()
    assert (await _fresh_load(state_file))[0] == {1: {"fresh": True}}


async def test_unreadable_state_path_is_moved_aside(
    state_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    state_file.mkdir(parents=True)  # a directory where the file should be: reading fails
    with caplog.at_level(logging.WARNING, logger="bot.telegram_adapter.persistence"):
        users, _, _ = await _fresh_load(state_file)
    assert users == {}
    assert "could not be read" in caplog.text
    assert [p.name.startswith("state.json.corrupt-") for p in state_file.parent.iterdir()] == [
        True
    ]


async def test_two_corrupt_files_in_one_second_both_survive(state_file: Path) -> None:
    state_file.parent.mkdir(parents=True)
    for content in (b"{one", b"{two"):
        state_file.write_bytes(content)
        await _fresh_load(state_file)
    kept = {p.read_bytes() for p in state_file.parent.iterdir()}
    assert kept == {b"{one", b"{two"}


# ---------------------------------------------------------------------------- coalescing


async def test_many_updates_in_one_cycle_write_once(
    state_file: Path, replaces: ReplaceCounter
) -> None:
    persistence = JsonFilePersistence(state_file)
    await persistence.get_user_data()
    # the same shape as Application.update_persistence(): one gather of all the updates
    await asyncio.gather(
        persistence.update_bot_data({"answers": 50}),
        *(persistence.update_chat_data(chat_id, {"n": chat_id}) for chat_id in range(1, 51)),
        *(persistence.update_user_data(user_id, {"n": user_id}) for user_id in range(1, 51)),
    )
    await persistence.write_pending()
    assert replaces.count == 1
    users, chats, bot_data = await _fresh_load(state_file)
    assert len(users) == len(chats) == 50
    assert bot_data == {"answers": 50}


async def test_changes_during_a_write_are_written_right_after(
    state_file: Path, replaces: ReplaceCounter, monkeypatch: pytest.MonkeyPatch
) -> None:
    persistence = JsonFilePersistence(state_file)
    first_write_started = threading.Event()
    release_first_write = threading.Event()
    real_write: Callable[[bytes], None] = persistence._write_atomically

    def slow_write(payload: bytes) -> None:
        if not first_write_started.is_set():
            first_write_started.set()
            release_first_write.wait(5)
        real_write(payload)

    monkeypatch.setattr(persistence, "_write_atomically", slow_write)
    await persistence.update_user_data(1, {"v": 1})
    await asyncio.to_thread(first_write_started.wait, 5)
    for value in range(2, 6):  # four changes while the first write is in progress
        await persistence.update_user_data(1, {"v": value})
    release_first_write.set()
    await persistence.write_pending()
    assert replaces.count == 2  # the first write, then one for all four changes
    assert (await _fresh_load(state_file))[0] == {1: {"v": 5}}


# ---------------------------------------------------------------------------- with PTB


def _build_app(api: BotApiStandIn, persistence: JsonFilePersistence) -> Application:  # type: ignore[type-arg]
    app = (
        ApplicationBuilder()
        .token(DEFAULT_TOKEN)
        .base_url(api.base_url)
        .persistence(persistence)
        .build()
    )

    async def remember(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        assert context.user_data is not None and context.chat_data is not None
        context.user_data["questions"] = context.user_data.get("questions", 0) + 1
        context.user_data["last_question"] = update.message.text
        context.chat_data.setdefault("history", []).append(update.message.text)
        context.bot_data["total"] = context.bot_data.get("total", 0) + 1
        if update.message.text == "save now" and update.effective_user is not None:
            await save_now(
                context.application,
                chat_id=update.message.chat_id,
                user_id=update.effective_user.id,
            )
        await update.message.reply_text(f"noted {context.user_data['questions']}")

    app.add_handler(MessageHandler(filters.TEXT, remember))
    return app


async def test_application_restores_data_after_restart(state_file: Path) -> None:
    with BotApiStandIn() as api:
        app = _build_app(api, JsonFilePersistence(state_file))
        async with app:
            for text in ("what is an ML engineer?", "salaries in Pakistan"):
                raw = api.push_message(1001, text, user_id=1001)
                await app.process_update(Update.de_json(raw, app.bot))
            raw = api.push_message(-100555, "roadmap", user_id=1001, chat_type="supergroup")
            await app.process_update(Update.de_json(raw, app.bot))
        assert [m["text"] for m in api.sent_messages(1001)] == ["noted 1", "noted 2"]

        restarted = _build_app(api, JsonFilePersistence(state_file))
        async with restarted:
            assert restarted.user_data[1001] == {"questions": 3, "last_question": "roadmap"}
            assert restarted.chat_data[1001] == {
                "history": ["what is an ML engineer?", "salaries in Pakistan"]
            }
            assert restarted.chat_data[-100555] == {"history": ["roadmap"]}
            assert restarted.bot_data == {"total": 3}
            raw = api.push_message(1001, "certifications?", user_id=1001)
            await restarted.process_update(Update.de_json(raw, restarted.bot))
        assert api.sent_messages(1001)[-1]["text"] == "noted 4"
    assert (await _fresh_load(state_file))[0][1001]["questions"] == 4


async def test_application_run_writes_one_file_per_cycle(
    state_file: Path, replaces: ReplaceCounter
) -> None:
    with BotApiStandIn() as api:
        app = _build_app(api, JsonFilePersistence(state_file))
        async with app:
            for chat_id in range(2001, 2021):
                raw = api.push_message(chat_id, "hello", user_id=chat_id)
                await app.process_update(Update.de_json(raw, app.bot))
            await app.update_persistence()
            assert isinstance(app.persistence, JsonFilePersistence)
            await app.persistence.write_pending()
            assert replaces.count == 1
        assert replaces.count == 1  # shutdown found nothing new to write
    users, chats, _ = await _fresh_load(state_file)
    assert set(users) == set(chats) == set(range(2001, 2021))


async def test_running_application_saves_within_the_update_interval(state_file: Path) -> None:
    """The kill -9 loss bound: state reaches disk while the bot keeps running."""
    with BotApiStandIn() as api:
        app = _build_app(api, JsonFilePersistence(state_file, update_interval=0.1))
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0.0, timeout=1)
            try:
                api.push_message(1001, "is a masters needed?", user_id=1001)
                await asyncio.to_thread(api.wait_for_messages, 1001, 1)
                deadline = time.monotonic() + 3
                users: dict[int, Any] = {}
                while time.monotonic() < deadline and 1001 not in users:
                    await asyncio.sleep(0.05)
                    if state_file.exists():
                        users = (await _fresh_load(state_file))[0]
                assert users.get(1001, {}).get("last_question") == "is a masters needed?"
            finally:
                await app.updater.stop()
                await app.stop()


async def test_save_now_from_a_handler_writes_before_the_handler_returns(
    state_file: Path,
) -> None:
    with BotApiStandIn() as api:
        app = _build_app(api, JsonFilePersistence(state_file, update_interval=3600))
        async with app:
            raw = api.push_message(1001, "save now", user_id=1001)
            await app.process_update(Update.de_json(raw, app.bot))
            # no persistence run has happened yet: the handler's save_now wrote this
            users, chats, bot_data = await _fresh_load(state_file)
            assert users[1001]["last_question"] == "save now"
            assert chats[1001] == {"history": ["save now"]}
            assert bot_data == {"total": 1}


# ---------------------------------------------------------------------------- the journal


async def test_recorded_updates_survive_a_kill_before_any_snapshot(state_file: Path) -> None:
    persistence = JsonFilePersistence(state_file)
    await persistence.get_chat_data()
    persistence.record(chat_id=5, chat_data={"turn": 1}, user_id=7, user_data={"p": "a"})
    persistence.record(chat_id=5, chat_data={"turn": 2})
    persistence.record(chat_id=6, chat_data={"turn": 1})
    persistence.record(chat_id=6, chat_data={})  # /reset: dropped again
    assert not state_file.exists()  # no snapshot yet; the process "dies" here
    users, chats, _ = await _fresh_load(state_file)
    assert chats == {5: {"turn": 2}} and users == {7: {"p": "a"}}


async def test_unchanged_data_are_not_journaled(state_file: Path) -> None:
    persistence = JsonFilePersistence(state_file)
    persistence.record(chat_id=5, chat_data={"turn": 1})
    size = persistence.journal_path.stat().st_size
    persistence.record(chat_id=5, chat_data={"turn": 1})
    assert persistence.journal_path.stat().st_size == size


async def test_a_snapshot_replaces_the_journal(state_file: Path) -> None:
    persistence = JsonFilePersistence(state_file)
    persistence.record(chat_id=5, chat_data={"turn": 1})
    await persistence.write_pending()
    assert _other_files(state_file.parent) == []  # sealed into the snapshot, then deleted
    persistence.record(chat_id=5, chat_data={"turn": 2})  # a new journal after the snapshot
    assert _other_files(state_file.parent) == ["state.json.journal"]
    await persistence.write_pending()
    assert _other_files(state_file.parent) == []
    assert json.loads(state_file.read_text("utf-8"))["chat_data"] == {"5": {"turn": 2}}


async def test_a_line_cut_short_by_a_kill_is_ignored(
    state_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    persistence = JsonFilePersistence(state_file)
    persistence.record(chat_id=5, chat_data={"turn": 1})
    persistence.record(chat_id=5, chat_data={"turn": 2})
    with persistence.journal_path.open("ab") as journal:
        journal.write(b'{"chat":[5,{"turn":3')  # the kill came mid-write
    with caplog.at_level(logging.WARNING, logger="bot.telegram_adapter.persistence"):
        assert (await _fresh_load(state_file))[1] == {5: {"turn": 2}}
    assert not caplog.records  # a torn last line is expected, not a warning


async def test_a_damaged_line_inside_the_journal_is_skipped_with_a_warning(
    state_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    persistence = JsonFilePersistence(state_file)
    persistence.record(chat_id=5, chat_data={"turn": 1})
    with persistence.journal_path.open("ab") as journal:
        journal.write(b'{"chat":["five",{}]}\nnot json\n')
    persistence.record(chat_id=6, chat_data={"turn": 1})
    with caplog.at_level(logging.WARNING, logger="bot.telegram_adapter.persistence"):
        chats = (await _fresh_load(state_file))[1]
    assert chats == {5: {"turn": 1}, 6: {"turn": 1}}
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "Skipped line 2 of the journal state.json.journal.1",  # sealed when loaded
        "Skipped line 3 of the journal state.json.journal.1",
    ]


async def test_a_failed_snapshot_keeps_the_sealed_journal_until_one_succeeds(
    state_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    persistence = JsonFilePersistence(state_file)
    persistence.record(chat_id=5, chat_data={"turn": 1})

    def failing_fsync(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space"):
        await persistence.write_pending()
    monkeypatch.undo()
    assert _other_files(state_file.parent) == ["state.json.journal.1"]
    persistence.record(chat_id=5, chat_data={"turn": 2})  # goes to a new journal
    assert _other_files(state_file.parent) == ["state.json.journal", "state.json.journal.1"]
    await persistence.flush()
    assert _other_files(state_file.parent) == []
    assert (await _fresh_load(state_file))[1] == {5: {"turn": 2}}


async def test_journals_of_a_killed_run_replay_in_order(state_file: Path) -> None:
    killed = JsonFilePersistence(state_file)
    killed.record(chat_id=5, chat_data={"turn": 1})
    killed._seal_journal()  # as a snapshot that never finished would have left it
    killed.record(chat_id=5, chat_data={"turn": 2})
    assert _other_files(state_file.parent) == ["state.json.journal", "state.json.journal.1"]
    assert (await _fresh_load(state_file))[1] == {5: {"turn": 2}}


async def test_replayed_updates_are_written_into_the_next_snapshot(state_file: Path) -> None:
    JsonFilePersistence(state_file).record(user_id=7, user_data={"p": "a"})
    restarted = JsonFilePersistence(state_file)
    assert await restarted.get_user_data() == {7: {"p": "a"}}
    await restarted.update_bot_data({})  # PTB's persistence run
    await restarted.write_pending()
    assert _other_files(state_file.parent) == []
    assert json.loads(state_file.read_text("utf-8"))["user_data"] == {"7": {"p": "a"}}


async def test_a_journal_that_cannot_be_written_is_reported_once(
    state_file: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    persistence = JsonFilePersistence(state_file)

    def failing_write(descriptor: int, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", failing_write)
    with caplog.at_level(logging.WARNING, logger="bot.telegram_adapter.persistence"):
        persistence.record(chat_id=5, chat_data={"turn": 1})
        persistence.record(chat_id=5, chat_data={"turn": 2})
    monkeypatch.undo()
    assert len(caplog.records) == 1 and "a crash loses up to 1 s" in caplog.text
    await persistence.flush()  # the change still reaches the snapshot
    assert (await _fresh_load(state_file))[1] == {5: {"turn": 2}}
