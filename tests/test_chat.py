"""The terminal chat keeps the user's state, like Telegram, and remembers it between runs.

Replies are compared with what the dialogue itself gives for the expected state, not with fixed
texts, so wording changes elsewhere do not break these tests.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.conversation import ChatState, UserState
from bot.core.dialogue import Command, Dialogue, Press, Text
from bot.core.profile import Profile
from bot.core.reply import Reply
from bot.terminal.chat import run_chat, terminal_html
from bot.terminal.render import html_to_terminal
from bot.terminal.store import DB_FILE_NAME, SESSION_NAME, TerminalStore

QUESTION = "what certifications should I get"
INDIA_SENIOR = UserState(Profile("india", "senior"))


@pytest.fixture(scope="module")
def dialogue(advisor) -> Dialogue:
    return Dialogue(advisor)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / DB_FILE_NAME


def chat(dialogue: Dialogue, path: Path, *lines: str) -> str:
    """One run of the terminal chat (one "start" of the program) with its own store."""
    stdout = io.StringIO()
    with TerminalStore(path) as store:
        assert (
            run_chat(
                io.StringIO("".join(f"{line}\n" for line in lines)), stdout, dialogue, store=store
            )
            == 0
        )
    return stdout.getvalue()


def shown(reply: Reply) -> str:
    """A reply's text as the terminal chat prints it."""
    return html_to_terminal(terminal_html(reply), color=False)


def salary_view(dialogue: Dialogue, user: UserState) -> str:
    """What /salary shows a user with this state."""
    return shown(dialogue.respond(ChatState(), Command("salary"), user).reply)


def number_of(reply: Reply, data_prefix: str) -> str:
    """What to type in the terminal to press the first button whose data starts so."""
    datas = [button.data for button in reply.button_list]
    return str(next(i for i, data in enumerate(datas, start=1) if data.startswith(data_prefix)))


def saved(path: Path) -> tuple[ChatState, UserState]:
    with TerminalStore(path) as store:
        return store.load()


# The user state is used and kept ---------------------------------------------------------


def test_the_profile_sets_the_salary_defaults(dialogue, db_path) -> None:
    output = chat(dialogue, db_path, "/profile india senior", "/salary", "quit")
    with_profile = salary_view(dialogue, INDIA_SENIOR)
    assert with_profile in output
    assert salary_view(dialogue, UserState()) not in output
    first_line = with_profile.strip().splitlines()[0]
    assert "India" in first_line and "Pakistan" not in first_line and "US" not in first_line
    assert "₹" in with_profile


def test_the_my_salaries_button_uses_the_profile(dialogue, db_path) -> None:
    profile_turn = dialogue.respond(ChatState(), Command("profile", "india senior"))
    assert "💰 My salaries" in [b.label for b in profile_turn.reply.button_list]
    press = number_of(profile_turn.reply, "sal:me")
    output = chat(dialogue, db_path, "/profile india senior", press, "quit")
    expected = dialogue.respond(profile_turn.state, Press("sal:me"), profile_turn.user).reply
    assert shown(expected) in output
    assert "India" in shown(expected) and "₹" in shown(expected)


def test_a_ticked_roadmap_item_is_still_done_after_a_restart(dialogue, db_path) -> None:
    overview = dialogue.respond(ChatState(), Command("roadmap")).reply
    stage = dialogue.respond(ChatState(), Press(overview.button_list[0].data)).reply
    open_stage, tick = number_of(overview, "rm:s:"), number_of(stage, "rm:t:")
    item = stage.button_list[int(tick) - 1].data.split(":")[3]  # rm:t:<stage>:<item>:<state>

    chat(dialogue, db_path, "/roadmap", open_stage, tick, "quit")
    assert saved(db_path)[1].progress == {item}

    output = chat(dialogue, db_path, "/roadmap", "quit")  # a new run: a restart
    ticked = dialogue.respond(ChatState(), Command("roadmap"), UserState(progress={item}))
    assert shown(ticked.reply) in output
    assert shown(overview) not in output


def test_the_chat_history_survives_a_restart(dialogue, db_path) -> None:
    chat(dialogue, db_path, QUESTION, "quit")
    output = chat(dialogue, db_path, "why?", "quit")
    answered = dialogue.respond(ChatState(), Text(QUESTION))
    why = dialogue.respond(answered.state, Text("why?")).reply
    assert shown(why) in output
    assert QUESTION in output  # "why?" names the question asked before the restart


def test_the_profile_survives_a_restart(dialogue, db_path) -> None:
    chat(dialogue, db_path, "/profile us entry", "quit")
    output = chat(dialogue, db_path, "/salary", "quit")
    assert salary_view(dialogue, UserState(Profile("us", "entry"))) in output


def test_numbered_choices_quit_words_and_welcome_are_unchanged(dialogue, db_path) -> None:
    output = chat(dialogue, db_path, QUESTION, "2", "bye", "/help")
    welcome = dialogue.respond(ChatState(), Command("start")).reply
    assert output.startswith("\n" + shown(welcome))
    assert "[1] More ▸" in output and "[2] Why? Show sources" in output
    assert QUESTION in output.split("[2] Why? Show sources", 1)[1]  # "2" pressed Why
    help_text = dialogue.respond(ChatState(), Command("help")).reply
    assert shown(help_text) not in output  # "bye" ended the chat
    assert output.endswith("Good luck on your ML journey!\n")


def test_q_leaves_the_terminal_chat_as_in_other_terminal_programs(dialogue, db_path) -> None:
    output = chat(dialogue, db_path, "q", "/help")
    help_text = dialogue.respond(ChatState(), Command("help")).reply
    assert shown(help_text) not in output
    assert output.endswith("Good luck on your ML journey!\n")


def test_the_first_screen_speaks_of_typing_and_numbers_not_taps(dialogue, db_path) -> None:
    output = chat(dialogue, db_path, "quit")
    first_screen = output.split("Good luck", 1)[0]
    assert "tap" not in first_screen.lower()
    assert "type the number of one of these" in first_screen
    assert "Type a number to choose:" in first_screen


def test_a_number_that_picks_nothing_gets_a_hint_not_an_answer(dialogue, db_path) -> None:
    welcome = dialogue.respond(ChatState(), Command("start")).reply
    count = len(welcome.button_list)
    output = chat(dialogue, db_path, str(count + 1), "0", "/sources", "3", "quit")
    hint = f"Type a number from 1 to {count} to choose, or type a question."
    assert output.count(hint) == 2  # after the welcome's choices: too big, and zero
    assert "There are no numbered choices just now" in output  # /sources has no buttons
    assert "I don't" not in output and "not covered" not in output.lower()


def test_a_long_number_is_still_a_question(dialogue, db_path) -> None:
    output = chat(dialogue, db_path, "2024", "quit")
    assert "Type a number from" not in output and "no numbered choices" not in output


# Problems on disk: a warning, never a traceback -----------------------------------------


def one_warning(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    return err


def test_a_corrupt_database_is_moved_aside_with_a_warning(dialogue, db_path, capsys) -> None:
    db_path.parent.mkdir()
    db_path.write_bytes(b"this is not a database\n" * 200)
    output = chat(dialogue, db_path, "/profile india senior", "/salary", "quit")
    err = one_warning(capsys)
    assert str(db_path) in err
    assert salary_view(dialogue, INDIA_SENIOR) in output
    assert len(list(db_path.parent.glob(f"{DB_FILE_NAME}.corrupt-*"))) == 1
    assert saved(db_path)[1].profile == Profile("india", "senior")  # saving works again


def test_a_damaged_saved_chat_is_a_fresh_start_with_a_warning(dialogue, db_path, capsys) -> None:
    chat(dialogue, db_path, "/profile india", "quit")
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE sessions SET user_state = '{not json'")
    connection.close()
    output = chat(dialogue, db_path, "/salary", "/profile pakistan", "quit")
    one_warning(capsys)
    assert salary_view(dialogue, UserState()) in output
    assert saved(db_path)[1].profile == Profile("pakistan")


def test_an_unwritable_data_directory_still_chats(dialogue, tmp_path, capsys) -> None:
    # As root no directory is read-only, so the data directory sits under a regular file.
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    path = blocker / "data" / DB_FILE_NAME
    output = chat(dialogue, path, "/profile india senior", "/salary", "quit")
    assert "won't be saved" in one_warning(capsys)
    assert salary_view(dialogue, INDIA_SENIOR) in output


@contextlib.contextmanager
def read_only(*paths: Path) -> Iterator[None]:
    """Paths nobody may write to, root included: root ignores permission bits, so as root
    they are also made immutable (chattr +i, which root cannot write past either)."""
    for path in paths:
        path.chmod(0o555 if path.is_dir() else 0o444)
    immutable = os.geteuid() == 0
    if immutable:
        subprocess.run(["chattr", "+i", *map(str, paths)], check=True)
    try:
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", *map(str, paths)], check=True)
        for path in paths:
            path.chmod(0o755 if path.is_dir() else 0o644)


def test_a_read_only_data_directory_keeps_what_was_saved(dialogue, db_path, capsys) -> None:
    chat(dialogue, db_path, "/profile india senior", "quit")
    capsys.readouterr()
    with read_only(db_path, db_path.parent):
        output = chat(dialogue, db_path, "/salary", "/profile us", "quit")
    assert "won't be saved" in one_warning(capsys)
    assert salary_view(dialogue, INDIA_SENIOR) in output
    assert saved(db_path)[1].profile == Profile("india", "senior")


# Where the default store lives ----------------------------------------------------------


def test_without_a_store_the_chat_saves_in_the_data_directory(
    dialogue, tmp_path, monkeypatch, capsys
) -> None:
    data_dir = tmp_path / "somewhere" / "data"
    monkeypatch.chdir(tmp_path)  # whatever happens, ./data of the project is not touched
    monkeypatch.setenv("CAREER_ADVISOR_DATA_DIR", str(data_dir))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "malformed")  # the terminal chat does not care
    stdin = io.StringIO("/profile india\nquit\n")
    assert run_chat(stdin, io.StringIO(), dialogue) == 0
    assert capsys.readouterr().err == ""
    assert saved(data_dir / DB_FILE_NAME)[1].profile == Profile("india")
    assert not (tmp_path / "data").exists()


def test_the_default_data_directory_is_data_under_the_working_directory(
    dialogue, tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CAREER_ADVISOR_DATA_DIR", raising=False)
    assert run_chat(io.StringIO("/profile us\nquit\n"), io.StringIO(), dialogue) == 0
    assert saved(tmp_path / "data" / DB_FILE_NAME)[1].profile == Profile("us")


def test_a_data_directory_that_is_a_file_still_chats(
    dialogue, tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("CAREER_ADVISOR_DATA_DIR", str(tmp_path / "file"))
    stdout = io.StringIO()
    assert run_chat(io.StringIO("/profile india senior\n/salary\nquit\n"), stdout, dialogue) == 0
    assert "CAREER_ADVISOR_DATA_DIR" in one_warning(capsys)
    assert salary_view(dialogue, INDIA_SENIOR) in stdout.getvalue()


# The store itself ------------------------------------------------------------------------


def test_the_store_keeps_one_json_row_in_a_wal_database(db_path) -> None:
    chat_state = ChatState().remember("odd input \udcff", "general", ("p1",))
    user = UserState(Profile("pakistan", "mid"), frozenset({"item-a"}))
    with TerminalStore(db_path) as store:
        assert store.load() == (ChatState(), UserState())
        store.save(chat_state, user)
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        rows = connection.execute("SELECT name, chat_state, user_state FROM sessions").fetchall()
    connection.close()
    assert [(name, json.loads(c), json.loads(u)) for name, c, u in rows] == [
        (SESSION_NAME, chat_state.to_dict(), user.to_dict())
    ]
    assert saved(db_path) == (chat_state, user)


def test_a_failing_save_warns_once_and_stops_saving(db_path) -> None:
    warnings: list[str] = []
    with TerminalStore(db_path, warn=warnings.append) as store:
        store.load()
        with sqlite3.connect(db_path) as other:
            other.execute("DROP TABLE sessions")
        other.close()
        store.save(ChatState(), UserState())
        store.save(ChatState(), UserState())
        assert not store.saving
    assert len(warnings) == 1 and "won't be saved" in warnings[0]


def test_a_store_without_a_path_keeps_nothing() -> None:
    with TerminalStore(None, warn=pytest.fail) as store:
        assert store.load() == (ChatState(), UserState())
        store.save(ChatState(), UserState(Profile("us")))
        assert store.load() == (ChatState(), UserState())
