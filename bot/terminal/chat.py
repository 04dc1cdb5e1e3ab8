"""A chat in the terminal: the same dialogue as Telegram, buttons shown as numbered choices.

As in Telegram, every reply is given the user's state (profile, roadmap progress) and both the
chat's and the user's new state are kept, in a :class:`~bot.terminal.store.TerminalStore`, so
they survive a restart.
"""

from __future__ import annotations

import contextlib
import select
import sys
from typing import TextIO

from bot.core.dialogue import TAP_INVITATION, Command, Dialogue, Incoming, Press, Turn, parse_typed
from bot.core.reply import Reply
from bot.terminal.render import html_to_terminal
from bot.terminal.store import TerminalStore, default_store

QUIT_WORDS = frozenset({"quit", "exit", "/quit", "/exit", "bye", "q", ":q"})


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


def choice_hint(text: str, last: Reply | None) -> str | None:
    """A short hint for a number that picks nothing (rather than a question about "7")."""
    if not text.isdecimal() or len(text) > 3:
        return None  # a year or a salary is a question, not a choice
    count = len(last.button_list) if last is not None else 0
    if 1 <= int(text) <= count:
        return None
    if count == 0:
        return "There are no numbered choices just now: type a question, or /help."
    return f"Type a number from 1 to {count} to choose, or type a question."


def terminal_html(reply: Reply) -> str:
    """The reply's text as the terminal says it: choices are typed, not tapped."""
    return reply.html.replace(TAP_INVITATION, "type the number of one of these to start:")


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
    """Chat until end of input (Ctrl-D), Ctrl-C or a quit word.

    On a terminal, lines are read with line editing and history (arrow keys move and recall,
    instead of printing ``^[[A``), and lines pasted together are one message. From a pipe or
    a file, each line is a message.
    """
    interactive = stdin.isatty() and stdin is sys.stdin
    color = stdout.isatty()
    lines = TerminalLines(stdout) if interactive else None

    def show(reply: Reply) -> None:
        text = html_to_terminal(terminal_html(reply), color=color)
        stdout.write("\n" + text + choices_text(reply) + "\n")
        stdout.flush()

    turn = session.respond(Command("start"))
    show(turn.reply)
    stdout.write("(Type 'quit' or press Ctrl-D to leave; commands such as /salary and /help "
                 "work here too.)\n")
    last: Reply | None = turn.reply
    try:
        while True:
            text = lines.read() if lines is not None else _next_line(stdin)
            if text is None:
                break
            text = text.strip()
            if not text:
                continue
            if text.lower() in QUIT_WORDS:
                break
            hint = choice_hint(text, last)
            if hint is not None:
                stdout.write(hint + "\n")
                continue
            turn = session.respond(read_event(text, last))
            last = turn.reply
            show(turn.reply)
    except KeyboardInterrupt:  # Ctrl-C: leave as politely as with Ctrl-D
        stdout.write("\n")
    stdout.write("Good luck on your ML journey!\n")
    return 0


def _next_line(stdin: TextIO) -> str | None:
    line = stdin.readline()
    return line if line else None


class TerminalLines:
    """Reading a person's messages at a terminal: readline's editing and history, and a
    multi-line paste (lines arriving together) taken as one message."""

    PASTE_GAP = 0.03  # seconds: lines closer together than this were pasted, not typed
    PROMPT = "\nyou> "

    def __init__(self, stdout: TextIO) -> None:
        # readline is imported for its effect on input(); it is not on every platform, and
        # input() then works without editing
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401
        self._stdout = stdout

    def read(self) -> str | None:
        """The next message, or None at end of input (Ctrl-D)."""
        self._stdout.flush()
        try:
            lines = [input(self.PROMPT)]
            while _more_waiting(self.PASTE_GAP):
                lines.append(input())
        except EOFError:
            self._stdout.write("\n")
            return None
        return "\n".join(lines)


def _more_waiting(seconds: float) -> bool:
    """Whether more typed input is already there (the rest of a paste)."""
    try:
        ready, _, _ = select.select([sys.stdin], [], [], seconds)
    except (OSError, ValueError):
        return False
    return bool(ready)
