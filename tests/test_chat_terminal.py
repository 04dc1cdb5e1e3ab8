"""The terminal chat at a real terminal (a pseudo-terminal): line editing and history, a
multi-line paste as one message, and Ctrl-C / Ctrl-D ending it cleanly."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from standin.bot_process import ROOT

PROMPT = "you> "
TIMEOUT = 60.0  # the first screen waits for the knowledge to load; the machine may be busy


class Terminal:
    """`python -m bot chat` on a pseudo-terminal, and everything it has written."""

    def __init__(self, data_dir: Path) -> None:
        self.master, slave = pty.openpty()
        env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
        env.update(CAREER_ADVISOR_DATA_DIR=str(data_dir), TERM="xterm", HOME=str(data_dir))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "chat"], cwd=ROOT, env=env,
            stdin=slave, stdout=slave, stderr=slave, close_fds=True,
            preexec_fn=_own_terminal,
        )
        os.close(slave)
        self.output = ""

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def read_for(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.master], [], [], left)
            if not ready:
                break
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # the chat has ended
                break
            if not chunk:
                break
            self.output += chunk.decode("utf-8", "replace")

    def wait_for_prompts(self, count: int) -> None:
        deadline = time.monotonic() + TIMEOUT
        while self.output.count(PROMPT) < count and time.monotonic() < deadline:
            self.read_for(0.2)
        assert self.output.count(PROMPT) >= count, self.output[-2000:]

    def close(self) -> int:
        if self.process.poll() is None:
            self.process.kill()
        code = self.process.wait(10)
        os.close(self.master)
        return code


def _own_terminal() -> None:
    """In the child: a session of its own whose controlling terminal is the pseudo-terminal,
    so that Ctrl-C there interrupts it as at a real terminal; and Ctrl-C's signal handled as
    a shell leaves it for a command typed at the prompt. A suite started in the background
    (`make test &`) inherits it ignored, and Python then leaves it ignored."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    opened = Terminal(tmp_path)
    try:
        opened.wait_for_prompts(1)
        yield opened
    finally:
        opened.close()


def test_arrow_keys_edit_and_recall_instead_of_printing_escapes(terminal: Terminal) -> None:
    terminal.type("/sorcex")
    # backspace, three times left, "u", Ctrl-E (end of line), "s": "/sources"
    terminal.type("\x7f\x1b[D\x1b[D\x1b[Du\x05s\r")
    terminal.wait_for_prompts(2)
    terminal.type("\x1b[A\r")  # up arrow: the last line again
    terminal.wait_for_prompts(3)
    assert "^[[" not in terminal.output
    assert terminal.output.count("Every answer cites the article") == 2, terminal.output[-2000:]


def test_a_multi_line_paste_is_one_message(terminal: Terminal) -> None:
    terminal.type("I am a web developer with 3 years of experience.\nWhat skills do I need?\n")
    terminal.wait_for_prompts(2)
    terminal.read_for(2.0)  # a second message would bring a third prompt by now
    assert terminal.output.count(PROMPT) == 2, terminal.output[-2000:]


@pytest.mark.parametrize("key", ["\x03", "\x04"], ids=["ctrl-c", "ctrl-d"])
def test_ctrl_c_and_ctrl_d_end_the_chat_cleanly(terminal: Terminal, key: str) -> None:
    terminal.type(key)
    try:
        code = terminal.process.wait(TIMEOUT)
    except subprocess.TimeoutExpired:
        terminal.read_for(0.5)
        pytest.fail(f"the chat still runs after {key!r}; it wrote: {terminal.output[-2000:]!r}")
    assert code == 0
    terminal.read_for(0.5)
    assert "Good luck on your ML journey!" in terminal.output
    assert "Traceback" not in terminal.output
