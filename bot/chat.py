"""A chat in the terminal, with the same answers as Telegram."""

from __future__ import annotations

from typing import TextIO

from bot.advisor import Advisor
from bot.answer import CAPABILITIES, EXAMPLES
from bot.terminal import html_to_terminal

QUIT_WORDS = frozenset({"quit", "exit", "/quit", "/exit", "bye"})


def run_chat(stdin: TextIO, stdout: TextIO) -> int:
    interactive = stdin.isatty()
    advisor = Advisor()
    stdout.write(f"Career Advisor — {CAPABILITIES}\n")
    stdout.write("Examples: " + " | ".join(EXAMPLES) + "\nType 'quit' to leave.\n")
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
        reply = advisor.answer(text)
        stdout.write("\n" + html_to_terminal(reply.html, color=stdout.isatty()) + "\n")
        stdout.flush()
    stdout.write("Good luck on your ML journey!\n")
    return 0
