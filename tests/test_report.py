"""The owner's report: grouping, totals, gaps, and `career-advisor report` on a real database."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bot.core.feedback import DOWN, UP, Asked, Vote
from bot.report import build_report, group_questions, report_text, stats_html, window
from bot.storage import make_store
from bot.storage.turns import LoggedQuestion, QuestionLog

ROOT = Path(__file__).resolve().parent.parent


def test_rewordings_of_one_question_are_grouped_and_distinct_questions_are_not() -> None:
    groups = group_questions([
        "Do I need a masters degree?", "do i need a masters degree", "Do I need a masters degree",
        "is a master's degree necessary", "is a masters degree required?",
        "How much do ML engineers earn in Pakistan?",
        "What is the salary of machine learning engineers in Pakistan",
        "salary in India",  # another country: another question
        "what is reinforcement learning", "what should I study in reinforcement learning?",
        "how to bake bread",
    ])
    as_sets = [sorted(set(g)) for g in groups]
    assert groups[0][0] == "Do I need a masters degree?" and len(groups[0]) == 5
    assert sorted(["How much do ML engineers earn in Pakistan?",
                   "What is the salary of machine learning engineers in Pakistan"]) in as_sets
    assert ["salary in India"] in as_sets and ["how to bake bread"] in as_sets
    assert ["what is reinforcement learning"] in as_sets
    assert len(groups) == 6


def logged(question: str, coverage: str = "full", score: float | None = 25.0,
           declined: bool = False, vote: int | None = None) -> LoggedQuestion:
    return LoggedQuestion(int(time.time()), question, coverage, ("p-1",), score, declined, vote)


def test_the_report_counts_totals_and_gaps_with_their_reasons() -> None:
    log = QuestionLog((
        logged("what skills do I need?", vote=UP),
        logged("what skills do i need", vote=DOWN),
        logged("how to bake bread", "none", None, True),
        logged("how to bake bread?", "none", None, True, DOWN),
        logged("is kaggle worth it", "partial", 20.0),
        logged("ML in one sentence?", score=8.5),
        logged("income tax on ML salaries", "none", 16.0),
    ), users=3)
    since, until = window(30)
    report = build_report(log, 30, since, until)
    assert (report.users, report.questions, report.answered, report.fully) == (3, 7, 4, 3)
    assert (report.up, report.down) == (1, 2)
    gaps = {gap.example: (gap.count, gap.reasons) for gap in report.gaps}
    assert gaps == {
        "how to bake bread": (2, {"declined": 2, "voted 👎": 1}),
        "what skills do i need": (1, {"voted 👎": 1}),  # only the phrasing voted down
        "is kaggle worth it": (1, {"partly covered": 1}),
        "ML in one sentence?": (1, {"weak match": 1}),
        "income tax on ML salaries": (1, {"not covered": 1}),
    }
    assert report.gaps[0].example == "how to bake bread"
    text = report_text(report)
    assert "questions       7" in text and "answered        57%" in text and "👎 2" in text
    html = stats_html(report)
    assert html.count("×") == 5 and "<i>how to bake bread</i>" in html


def test_stats_shows_five_gaps_and_cuts_long_examples() -> None:
    log = QuestionLog(tuple(logged(f"question number {n} about {w}", "none", None, True)
                            for n, w in enumerate(["cats", "dogs", "tax", "visa", "gold",
                                                   "cars", "x" * 300]))
                      + (logged("y" * 300, "none", None, True),) * 2, users=1)
    report = build_report(log, 30, *window(30))
    html = stats_html(report)
    assert html.count("×") == 5 and "Top 5 gaps" in html and "y" * 100 not in html
    assert "…" in html


def seed_database(data_dir: Path, user_ids: list[int]) -> None:
    async def seed() -> None:
        store = make_store(data_dir)
        await store.open()
        try:
            questions = [("k1", "do I need a masters degree?", "full", 30.0, False),
                         ("k2", "is a master's degree necessary", "partial", 22.0, False),
                         ("k3", "how to bake bread", "none", None, True)]
            for number, (key, question, coverage, score, declined) in enumerate(questions):
                user = user_ids[number % len(user_ids)]
                async with store.turn(number + 1, user, user) as turn:
                    turn.keep(turn.chat, turn.user, asked=Asked(
                        key, question, coverage, ("p-1",) if score else (), score, declined))
            async with store.turn(10, user_ids[0], user_ids[0]) as turn:
                turn.keep(turn.chat, turn.user, vote=Vote("k1", DOWN))
        finally:
            await store.close()

    asyncio.run(seed())


def run_report(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL")}
    env["CAREER_ADVISOR_DATA_DIR"] = str(data_dir)
    return subprocess.run([sys.executable, "-m", "bot", "report", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_career_advisor_report_reads_the_bots_database_and_names_nobody(tmp_path) -> None:
    data_dir = tmp_path / "data"
    users = [987654321, 123456789]
    seed_database(data_dir, users)
    printed = run_report(data_dir)
    assert printed.returncode == 0, printed.stderr
    text = printed.stdout
    assert "last 30 days" in text and "users           2" in text and "questions       3" in text
    assert '2 x  "do I need a masters degree?"' in text
    assert "partly covered 1, voted 👎 1; 2 phrasings" in text
    assert all(str(user) not in text for user in users)
    as_json = run_report(data_dir, "--json", "--days", "7")
    data = json.loads(as_json.stdout)
    assert data["days"] == 7 and data["totals"]["questions"] == 3
    assert data["totals"]["votes_down"] == 1 and data["totals"]["answered"] == 2
    assert data["gaps"][0] == {"count": 2, "example": "do I need a masters degree?",
                               "phrasings": 2, "reasons": {"partly covered": 1, "voted 👎": 1}}
    assert all(str(user) not in as_json.stdout for user in users)


def test_report_without_a_database_says_so(tmp_path) -> None:
    printed = run_report(tmp_path / "nothing-here")
    assert printed.returncode == 1 and "no bot database" in printed.stderr
    assert not (tmp_path / "nothing-here").exists()
    bad = run_report(tmp_path, "--days", "0")
    assert bad.returncode == 2 and "--days" in bad.stderr
