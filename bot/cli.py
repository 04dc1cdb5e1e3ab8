"""Command line: `career-advisor ask`, `career-advisor chat`, and the default run."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from typing import TextIO

from bot.answer import Answer


def answer_json(answer: Answer) -> str:
    return json.dumps(
        {
            "question": answer.question,
            "in_scope": answer.in_scope,
            "intent": answer.intent,
            "answer_html": answer.html,
            "citations": [asdict(citation) for citation in answer.citations],
        },
        ensure_ascii=False,
    )


def run_ask(question: str | None, as_json: bool, stdin: TextIO, stdout: TextIO) -> int:
    from bot.advisor import Advisor
    from bot.terminal import html_to_terminal

    advisor = Advisor()
    if question is None:
        if not as_json:
            print("usage: career-advisor ask QUESTION  (or --json with questions on stdin)",
                  file=sys.stderr)
            return 2
        for line in stdin:
            if line.strip():
                stdout.write(answer_json(advisor.answer(line.strip())) + "\n")
                stdout.flush()
        return 0
    answer = advisor.answer(question)
    if as_json:
        stdout.write(answer_json(answer) + "\n")
    else:
        stdout.write(html_to_terminal(answer.html, color=stdout.isatty()) + "\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="career-advisor",
        description="Career Advisor: cited answers about becoming a machine-learning engineer.",
    )
    commands = parser.add_subparsers(dest="command")
    ask = commands.add_parser("ask", help="answer one question (or, with --json, stdin lines)")
    ask.add_argument("question", nargs="*", help="the question; omit with --json to read stdin")
    ask.add_argument("--json", action="store_true", help="print JSON, one object a line")
    commands.add_parser("chat", help="chat in this terminal")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "ask":
        question = " ".join(args.question) if args.question else None
        return run_ask(question, args.json, sys.stdin, sys.stdout)
    from bot.chat import run_chat

    return run_chat(sys.stdin, sys.stdout)
