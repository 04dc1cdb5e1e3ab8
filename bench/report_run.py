"""A scripted run for the owner's report: a few hundred mixed questions from the evaluation
sets (answerable, off-topic, real users' wording, rewordings of one another) asked by a few
dozen users through the bot's dialogue and a real SQLite store, some answers voted on; then
the report, as `career-advisor report` prints it from that database.

    python -m bench.report_run [--questions 300] [--data-dir DIR] [--json]

Also prints the spread of the best cited score, which WEAK_SCORE in bot.report is set from.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
from pathlib import Path

import numpy as np
import yaml

from bot.core.dialogue import Dialogue, Text
from bot.core.feedback import DOWN, UP, Vote
from bot.report import WEAK_SCORE, read_report, report_json, report_text
from bot.storage import make_store

SETS = Path(__file__).resolve().parent.parent / "evaluation" / "sets"
SET_NAMES = ("eval_set", "paraphrase_set", "real_set", "blind_set")
# How people type a question they have seen phrased otherwise.
REWORDINGS = (
    lambda q: q.lower().rstrip("?"),
    lambda q: f"please tell me {q[0].lower()}{q[1:]}",
    lambda q: q.replace("ML", "machine learning").replace("machine learning engineer", "ML "
                                                                                  "engineer"),
    lambda q: f"{q.rstrip('?')} ??",
)


def load_questions() -> list[str]:
    questions: list[str] = []
    for name in SET_NAMES:
        data = yaml.safe_load((SETS / f"{name}.yaml").read_text(encoding="utf-8"))
        for part in ("in_scope", "off_topic"):
            questions += [item["q"] for item in data.get(part) or [] if isinstance(item, dict)]
    return questions


def script(count: int, seed: int) -> list[tuple[int, str]]:
    """(user id, question) pairs: popular questions asked again, some reworded."""
    rng = random.Random(seed)
    pool = load_questions()
    popular = rng.sample(pool, 40)
    asks = []
    for _ in range(count):
        user = rng.randint(1, 45)
        if rng.random() < 0.45:  # a popular question, in its own words or reworded
            question = rng.choice(popular)
            if rng.random() < 0.5:
                question = rng.choice(REWORDINGS)(question)
        else:
            question = rng.choice(pool)
        asks.append((user, question))
    return asks


async def run(count: int, data_dir: Path, seed: int) -> list[float]:
    dialogue = Dialogue(feedback=True)
    rng = random.Random(seed + 1)
    store = make_store(data_dir)
    await store.open()
    scores: list[float] = []
    try:
        for number, (user, question) in enumerate(script(count, seed), start=1):
            async with store.turn(number * 2, user, user) as stored:
                turn = dialogue.respond(stored.chat, Text(question), stored.user)
                stored.keep(turn.state, turn.user, turn.reply, asked=turn.asked)
            asked = turn.asked
            if asked is None:
                continue
            if asked.top_score is not None and not asked.declined:
                scores.append(asked.top_score)
            weak = asked.declined or asked.coverage != "full" or (
                asked.top_score is not None and asked.top_score < WEAK_SCORE
            )
            roll = rng.random()
            value = (DOWN if roll < 0.4 else None) if weak else (
                UP if roll < 0.25 else DOWN if roll < 0.3 else None
            )
            if value is not None:
                async with store.turn(number * 2 + 1, user, user) as stored:
                    stored.keep(stored.chat, stored.user, vote=Vote(asked.key, value))
    finally:
        await store.close()
    return scores


async def show(data_dir: Path, as_json: bool) -> str:
    store = make_store(data_dir)
    await store.open()
    try:
        report = await read_report(store, 30)
    finally:
        await store.close()
    return report_json(report) if as_json else report_text(report)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="report-run-"))
    scores = asyncio.run(run(args.questions, data_dir, args.seed))
    spread = np.percentile(scores, [10, 25, 50, 75]) if scores else []
    print("best cited score of answered questions: "
          + ", ".join(f"p{p} {v:.1f}" for p, v in zip((10, 25, 50, 75), spread, strict=False))
          + f"; {sum(s < WEAK_SCORE for s in scores)} of {len(scores)} below {WEAK_SCORE}")
    print(f"database: {data_dir}\n")
    print(asyncio.run(show(data_dir, args.json)))


if __name__ == "__main__":
    main()
