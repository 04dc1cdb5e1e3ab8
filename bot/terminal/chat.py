"""A chat in the terminal: the same dialogue as Telegram, buttons shown as numbered choices.

As in Telegram, every reply is given the user's state (profile, roadmap progress) and both the
chat's and the user's new state are kept, in a :class:`~bot.terminal.store.TerminalStore`, so
they survive a restart.
"""

from __future__ import annotations

from typing import TextIO

from bot.core.dialogue import Command, Dialogue, Incoming, Press, Turn, parse_typed
from bot.core.reply import Reply
from bot.terminal.render import html_to_terminal
from bot.terminal.store import TerminalStore, default_store

QUIT_WORDS = frozenset({"quit", "exit", "/quit", "/exit", "bye"})


def choices_text(reply: Reply) -> str:
    buttons = reply.button_list
    if not buttons:
        return ""
    lines = [f"  [{number}] {button.label}" for number, button in enumerate(buttons, start=1)]
    return "\nType a number to choose:\n" + "\n".join(lines)


def read_event(text: str, last: Reply | None) -> Incoming:
    """A typed number picks a button of the last reply; anything else is a message."""
    if last is not None and text.isdecimal() and 1 <= int(text) <= len(last.button_list):
        return Press(last.button_list[int(text) - 1].data)
    return parse_typed(text)


class TerminalSession:
    """The one chat and one user of the terminal, saved after every update that changes them."""

    def __init__(self, dialogue: Dialogue, store: TerminalStore) -> None:
        self.dialogue = dialogue
        self.store = store
        self.chat, self.user = store.load()

    def respond(self, event: Incoming) -> Turn:
        turn = self.dialogue.respond(self.chat, event, self.user)
        user = turn.user if turn.user is not None else self.user
        if turn.state != self.chat or user != self.user:
            self.chat, self.user = turn.state, user
            self.store.save(self.chat, self.user)
        return turn


def run_chat(
    stdin: TextIO,
    stdout: TextIO,
    dialogue: Dialogue | None = None,
    store: TerminalStore | None = None,
) -> int:
    """Chat until end of input or a quit word. Without `store`, the state is kept in the data
    directory (CAREER_ADVISOR_DATA_DIR, ./data by default), and that store is closed at the end;
    a store passed in stays open, for its owner to close."""
    own_store = store is None
    store = store if store is not None else default_store()
    try:
        session = TerminalSession(dialogue if dialogue is not None else Dialogue(), store)
        return converse(session, stdin, stdout)
    finally:
        if own_store:
            store.close()


def converse(session: TerminalSession, stdin: TextIO, stdout: TextIO) -> int:
    interactive = stdin.isatty()
    color = stdout.isatty()

    def show(reply: Reply) -> None:
        stdout.write("\n" + html_to_terminal(reply.html, color=color) + choices_text(reply) + "\n")
        stdout.flush()

    turn = session.respond(Command("start"))
    show(turn.reply)
    stdout.write("(Type 'quit' to leave; commands such as /salary and /help work here too.)\n")
    last: Reply | None = turn.reply
    while True:
        if interactive:
            stdout.write("\nyou> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        text = line.strip()
        if not text:
            continue
        if text.lower() in QUIT_WORDS:
            break
        turn = session.respond(read_event(text, last))
        last = turn.reply
        show(turn.reply)
    stdout.write("Good luck on your ML journey!\n")
    return 0
