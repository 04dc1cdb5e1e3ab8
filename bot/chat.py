"""A chat in the terminal: the same dialogue as Telegram, buttons shown as numbered choices."""

from __future__ import annotations

from typing import TextIO

from bot.conversation import ChatState
from bot.dialogue import Command, Dialogue, Incoming, Press, parse_typed
from bot.reply import Reply
from bot.terminal import html_to_terminal

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


def run_chat(stdin: TextIO, stdout: TextIO, dialogue: Dialogue | None = None) -> int:
    interactive = stdin.isatty()
    color = stdout.isatty()
    dialogue = dialogue if dialogue is not None else Dialogue()
    state = ChatState()

    def show(reply: Reply) -> None:
        stdout.write("\n" + html_to_terminal(reply.html, color=color) + choices_text(reply) + "\n")
        stdout.flush()

    turn = dialogue.respond(state, Command("start"))
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
        turn = dialogue.respond(state, read_event(text, last))
        state, last = turn.state, turn.reply
        show(turn.reply)
    stdout.write("Good luck on your ML journey!\n")
    return 0
