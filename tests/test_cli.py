"""The command line (mostly `ask`), run as a user would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from standin.botapi import DEFAULT_TOKEN

ROOT = Path(__file__).resolve().parents[1]
KEYS = {"question", "in_scope", "intent", "coverage", "answer_html", "citations"}
CITATION_KEYS = {"n", "doc_id", "title", "section", "text", "score"}


def run(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m bot <args>`; with no `env`, this environment without a token."""
    if env is None:
        env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )


def run_code(
    code: str, env: dict[str, str], check: bool = True
) -> subprocess.CompletedProcess[str]:
    """`python -c <code>` in the repository, as a probe of what a process does."""
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env,
        timeout=60, check=check,
    )


def test_ask_prints_a_readable_answer() -> None:
    result = run("ask", "what certifications should I get?")
    assert result.returncode == 0, result.stderr
    assert "Certifications" in result.stdout
    assert "Sources" in result.stdout
    assert "<b>" not in result.stdout and "&amp;" not in result.stdout


def test_ask_json_prints_one_object_with_the_documented_fields() -> None:
    result = run("ask", "--json", "do i really need a masters")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    answer = json.loads(lines[0])
    assert set(answer) == KEYS
    assert answer["question"] == "do i really need a masters"
    assert answer["in_scope"] is True
    assert answer["citations"]
    for citation in answer["citations"]:
        assert set(citation) == CITATION_KEYS
        assert citation["text"] in answer["answer_html"] or len(citation["text"]) > 20


def test_ask_json_reads_stdin_one_answer_a_line_in_order() -> None:
    questions = ["hi", "what certs?", "tell me a joke", "", "ML salary in India"]
    result = run("ask", "--json", stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["question"] for a in answers] == ["hi", "what certs?", "tell me a joke",
                                                 "ML salary in India"]
    assert [a["in_scope"] for a in answers] == [False, True, False, True]
    assert answers[0]["intent"] == "greeting"
    assert answers[2]["citations"] == []


def test_ask_json_answers_each_line_before_the_next_arrives() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "ask", "--json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stdin and process.stdout
        process.stdin.write("what certs?\n")
        process.stdin.flush()
        first = json.loads(process.stdout.readline())  # would hang without a flush
        assert first["question"] == "what certs?"
    finally:
        process.kill()
        process.wait()


def test_ask_without_a_question_explains_usage() -> None:
    result = run("ask")
    assert result.returncode == 2
    assert "usage" in result.stderr


def test_a_bad_load_test_knob_stops_the_bot_with_one_line(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
        # nowhere: nothing may reach Telegram if the knob were not checked
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",
        "CAREER_ADVISOR_DATA_DIR": str(tmp_path / "data"),
        "CAREER_ADVISOR_WEBHOOK_URL": "",
        "DATABASE_URL": "",
        "CAREER_ADVISOR_RATE_LIMIT": "sometimes",
    }
    result = run(env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "career-advisor: CAREER_ADVISOR_RATE_LIMIT must be one of telegram, off"
    )


def test_ask_without_the_encoders_runtime_says_how_to_reinstall_it() -> None:
    # As after a broken install: onnxruntime cannot be imported. One line, no traceback.
    probe = (
        "import sys; sys.modules['onnxruntime'] = None; from bot.cli import main; "
        "sys.exit(main(['ask', 'what certifications should I get']))"
    )
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    result = run_code(probe, env, check=False)
    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("career-advisor: onnxruntime (the sentence encoder's runtime) is not")
    assert "make clean && make run" in line


def test_ask_imports_nothing_it_does_not_use() -> None:
    # What a one-off answer never needs: Telegram and its HTTP stack, the databases, and with
    # the caches filled, the YAML parser, rank-bm25 (the index is read back, not built) and
    # the tokenizers library (the question is tokenized in plain Python). Each would cost
    # every `ask` from a script start-up time.
    unused = ("telegram", "aiohttp", "httpx", "psycopg", "psycopg_pool", "sqlite3", "yaml",
              "tokenizers", "rank_bm25")
    probe = (
        "import sys; from bot.cli import main; main(['ask', 'what certifications should I get']);"
        f"print(sorted(m for m in sys.modules if m in {unused!r} or m.split('.')[0] in {unused!r}))"
    )
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    for _ in range(2):  # the first may fill the caches
        result = run_code(probe, env)
    *answer, imported = result.stdout.strip().splitlines()
    assert answer  # it did answer
    assert json.loads(imported.replace("'", '"')) == []


def test_ask_does_not_read_every_packages_entry_points() -> None:
    # pydantic looks for plugins in every installed package's entry points at its first model
    # class unless told not to; the bot has none, and the search cost each start ~30 ms.
    probe = (
        "import sys\n"
        "opened = []\n"
        "sys.addaudithook(lambda event, args: event == 'open' and isinstance(args[0], str)"
        " and args[0].endswith('entry_points.txt') and opened.append(args[0]))\n"
        "from bot.cli import main\n"
        "main(['ask', 'what certifications should I get'])\n"
        "print(len(opened))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    result = run_code(probe, env)
    assert result.stdout.strip().splitlines()[-1] == "0"


def test_ask_moves_the_engine_out_of_the_collectors_reach() -> None:
    # What makes the end of an `ask` quick: the collector at exit does not walk the engine.
    import gc
    import io

    from bot.cli import run_ask

    assert gc.get_freeze_count() == 0
    try:
        out = io.StringIO()
        assert run_ask("what certifications should I get", False, io.StringIO(), out) == 0
        assert out.getvalue().strip()
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()


def test_ask_pauses_the_collector_while_starting_and_runs_it_afterwards(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Starting makes hundreds of thousands of objects that are never garbage: the collector
    # walking them again and again was some 8% of an `ask`.
    import gc
    import io

    from bot.cli import run_ask
    from bot.core.dialogue import Dialogue, Turn

    collecting_while_starting: list[bool] = []
    real_init = Dialogue.__init__

    def init(self: Dialogue, *args: object, **kwargs: object) -> None:
        real_init(self, *args, **kwargs)
        self.advisor.engine  # noqa: B018 - built here, as the first answer would
        collecting_while_starting.append(gc.isenabled())

    monkeypatch.setattr(Dialogue, "__init__", init)
    try:
        out = io.StringIO()
        assert run_ask("what certifications should I get", False, io.StringIO(), out) == 0
        assert collecting_while_starting == [False]
        assert gc.isenabled()
        # Questions from stdin after the first are answered with the collector running.
        collecting_after_first: list[bool] = []
        real_search = Dialogue.search_answer

        def search(self: Dialogue, text: str) -> Turn:
            collecting_after_first.append(gc.isenabled())
            return real_search(self, text)

        monkeypatch.setattr(Dialogue, "search_answer", search)
        lines = io.StringIO("what certifications should I get\ndo i really need a masters\n")
        assert run_ask(None, True, lines, io.StringIO()) == 0
        assert collecting_after_first == [False, True]
    finally:
        gc.enable()
        gc.unfreeze()
