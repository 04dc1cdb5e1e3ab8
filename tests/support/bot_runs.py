"""The real bot process against the stand-in, as the end-to-end fault tests start it."""

from __future__ import annotations

from pathlib import Path

from standin.bot_process import BotProcess
from standin.botapi import BotApiStandIn

ENV_SEND_RETRY_SECONDS = "CAREER_ADVISOR_SEND_RETRY_SECONDS"


def started_bot(standin: BotApiStandIn, tmp_path: Path, **env: str) -> BotProcess:
    """`python -m bot` with production settings (Telegram's rate limits on), logging at
    DEBUG, and `env` on top; returned once it polls. Stop it with `.stop()`."""
    process = BotProcess(
        standin,
        tmp_path / "data",
        tmp_path / "bot.log",
        log_level="DEBUG",
        extra_env={"CAREER_ADVISOR_RATE_LIMIT": "telegram", **env},
    )
    process.start().wait_until_polling(timeout=60.0)
    return process
