"""The real bot, started as `python -m bot` against a Bot API stand-in, for end-to-end tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from standin.botapi import BotApiStandIn

ROOT = Path(__file__).resolve().parents[1]


class BotProcess:
    """`python -m bot` with TELEGRAM_API_BASE_URL pointing at `standin`; logs go to a file."""

    def __init__(
        self,
        standin: BotApiStandIn,
        data_dir: Path,
        log_file: Path,
        log_level: str = "DEBUG",
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.standin = standin
        self.log_file = log_file
        self.env = {
            # the bot's own settings come from here only, never from the environment running
            # the tests (a webhook URL there would switch the bot to webhook mode)
            **{
                k: v for k, v in os.environ.items()
                if not k.startswith(("TELEGRAM_", "CAREER_ADVISOR_", "DATABASE_URL"))
            },
            "TELEGRAM_BOT_TOKEN": standin.token,
            "TELEGRAM_API_BASE_URL": standin.base_url,
            "CAREER_ADVISOR_DATA_DIR": str(data_dir),
            "LOG_LEVEL": log_level,
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> BotProcess:
        log = self.log_file.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        return self

    def wait_until_polling(self, timeout: float = 30.0) -> None:
        """Wait for the bot's first long poll, i.e. start-up done."""
        assert self.process is not None
        self.standin.wait_for(
            lambda: self.standin.waiting_polls > 0 or self.process.poll() is not None, timeout
        )
        if self.process.poll() is not None:
            raise RuntimeError(f"the bot exited with {self.process.returncode}:\n{self.log()}")

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 30.0) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def wait_for_exit(self, timeout: float = 30.0) -> int:
        """The exit code of a bot expected to end by itself; if it has not ended within
        `timeout`, it is stopped and TimeoutExpired raised."""
        assert self.process is not None
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise

    def log(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")
