"""Command line: `career-advisor` (Telegram or the terminal chat), `ask`, `chat` and
`report`."""

from __future__ import annotations

import argparse
import gc
import json
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # the dialogue is imported by the commands that need it
    from bot.core.dialogue import Turn


def turn_json(question: str, turn: Turn) -> str:
    answer = turn.answer
    return json.dumps(
        {
            "question": question,
            "in_scope": answer.in_scope if answer else False,
            "intent": answer.intent if answer else "dialogue",
            "coverage": answer.coverage if answer else "full",
            "answer_html": turn.reply.html,
            "citations": [
                {
                    "n": c.n,
                    "doc_id": c.doc_id,
                    "title": c.title,
                    "section": c.section,
                    "text": c.text,
                    "score": c.score,
                }
                for c in turn.citations
            ],
        },
        ensure_ascii=False,
    )


def settle() -> None:
    """The engine is built and lives as long as the process: move every object made so far
    out of the garbage collector's reach, so that no later collection walks them, nor the
    one at exit (at the end of an `ask`, that walk took about 100 ms, longer than the
    answer). The collector runs from here on (`ask` pauses it while starting)."""
    gc.freeze()
    gc.enable()


def run_ask(question: str | None, as_json: bool, stdin: TextIO, stdout: TextIO) -> int:
    from retrieval.engine_state import paused_collection

    # Starting makes a few hundred thousand objects that are never garbage (the dialogue's
    # modules, models, the engine's tables), and the collector walked them again and again:
    # some 8% of an `ask`. It is paused until the first answer (settle()).
    with paused_collection():
        return _ask(question, as_json, stdin, stdout)


def _ask(question: str | None, as_json: bool, stdin: TextIO, stdout: TextIO) -> int:
    from bot.core.conversation import ChatState
    from bot.core.dialogue import Command, Dialogue, parse_typed
    from bot.terminal.render import html_to_terminal

    dialogue = Dialogue()

    def reply_to(text: str) -> Turn:
        event = parse_typed(text)
        if isinstance(event, Command):
            return dialogue.respond(ChatState(), event)
        return dialogue.search_answer(text)

    if question is None:
        if not as_json:
            print("usage: career-advisor ask QUESTION  (or --json with questions on stdin)",
                  file=sys.stderr)
            return 2
        settled = False
        for line in stdin:
            if line.strip():  # each line is a fresh question, as each `ask` is
                turn = reply_to(line.strip())
                if not settled:
                    settle()
                    settled = True
                stdout.write(turn_json(line.strip(), turn) + "\n")
                stdout.flush()
        return 0
    turn = reply_to(question)
    settle()
    if as_json:
        stdout.write(turn_json(question, turn) + "\n")
    else:
        stdout.write(html_to_terminal(turn.reply.html, color=stdout.isatty()) + "\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="career-advisor",
        description=(
            "Career Advisor: cited answers about becoming a machine-learning engineer. "
            "Without a command it runs the Telegram bot when TELEGRAM_BOT_TOKEN is set, "
            "the terminal chat otherwise."
        ),
    )
    commands = parser.add_subparsers(dest="command")
    ask = commands.add_parser("ask", help="answer one question (or, with --json, stdin lines)")
    ask.add_argument("question", nargs="*", help="the question; omit with --json to read stdin")
    ask.add_argument("--json", action="store_true", help="print JSON, one object a line")
    commands.add_parser("chat", help="chat in this terminal, whatever the environment says")
    report = commands.add_parser(
        "report",
        help="for the owner: what was asked and where the answers fell short (no user ids)",
    )
    report.add_argument("--days", type=_days, default=None,
                        help="look back this many days (default 30)")
    report.add_argument("--json", action="store_true", help="print JSON, for scripts")
    return parser


def _days(text: str) -> int:
    from bot.config import MAX_RETENTION_DAYS

    if not text.isdigit() or not 1 <= int(text) <= MAX_RETENTION_DAYS:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of days from 1 to {MAX_RETENTION_DAYS}, got {text!r}"
        )
    return int(text)


def run_report(days: int | None, as_json: bool, stdout: TextIO) -> int:
    """Print the report from the bot's database (SQLite in the data directory, or
    DATABASE_URL): the same settings the bot reads."""
    import asyncio

    from bot.config import ConfigError, load_settings
    from bot.report import DEFAULT_DAYS, read_report, report_json, report_text
    from bot.storage import StoreUnavailable, store_for
    from bot.storage.sqlite_store import DB_FILE_NAME

    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"career-advisor: {error}", file=sys.stderr)
        return 2
    if settings.database_url is None and not (settings.data_dir / DB_FILE_NAME).exists():
        print(f"career-advisor: no bot database in {settings.data_dir} (set "
              "CAREER_ADVISOR_DATA_DIR or DATABASE_URL as for the bot)", file=sys.stderr)
        return 1
    store = store_for(settings)

    async def read() -> str:
        await store.open()
        try:
            report = await read_report(store, days or DEFAULT_DAYS)
        finally:
            await store.close()
        return report_json(report) if as_json else report_text(report)

    try:
        stdout.write(asyncio.run(read()) + "\n")
    except StoreUnavailable as error:
        print(f"career-advisor: {error}", file=sys.stderr)
        return 1
    return 0


NO_TOKEN_NOTE = (
    "No TELEGRAM_BOT_TOKEN is set, so this is the terminal chat. To connect Telegram, create a "
    "bot with @BotFather and run again with TELEGRAM_BOT_TOKEN=<its token>."
)


def run_default() -> int:
    """The Telegram bot when a token is set, the terminal chat otherwise."""
    from bot.config import ConfigError, load_settings

    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"career-advisor: {error}", file=sys.stderr)
        return 2
    if not settings.telegram_enabled:
        print(NO_TOKEN_NOTE, file=sys.stderr)
        from bot.terminal.chat import run_chat

        return run_chat(sys.stdin, sys.stdout)
    from bot.core.dialogue import Dialogue
    from bot.storage import StoreUnavailable
    from bot.telegram_adapter.app import TokenRefused, run_telegram
    from bot.telegram_adapter.log_redaction import configure_logging

    configure_logging(settings.log_level, settings.secrets)
    # votes under answers: the Telegram bot's store keeps the question log they belong to
    dialogue = Dialogue(feedback=True, retention_days=settings.question_retention_days)
    dialogue.warm_up()  # a knowledge problem found while indexing stops the bot before it polls
    settle()
    try:
        run_telegram(settings, dialogue)
    except ConfigError as error:  # a load-test knob, which run_telegram reads itself
        print(f"career-advisor: {error}", file=sys.stderr)
        return 2
    except TokenRefused as error:  # revoked while running: the log has said so already
        print(f"career-advisor: {error}", file=sys.stderr)
        return 1
    except StoreUnavailable as error:  # disk full, read-only data directory, database down
        logging.getLogger("bot").error("%s", error)
        print(f"career-advisor: {error}", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from knowledge import KnowledgeError

    args = build_parser().parse_args(argv)
    try:
        if args.command == "ask":
            question = " ".join(args.question) if args.question else None
            return run_ask(question, args.json, sys.stdin, sys.stdout)
        if args.command == "report":
            return run_report(args.days, args.json, sys.stdout)
        if args.command == "chat":
            from bot.terminal.chat import run_chat

            return run_chat(sys.stdin, sys.stdout)
        return run_default()
    except KnowledgeError as error:  # refuse to answer from half a knowledge base
        print(f"career-advisor: invalid knowledge: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        # The encoder's files or runtime missing or altered: its message says how to reinstall
        # them. (Imported here: the module brings numpy, which `chat` and `report` do not need.)
        from retrieval.model_files import ModelFilesError

        if not isinstance(error, ModelFilesError):
            raise
        print(f"career-advisor: {error}", file=sys.stderr)
        return 2
