"""Retrieval and scope quality on the evaluation set: `python -m bench.quality`.

Each question is asked as `ask` asks it, in a fresh chat: the reply is the one a user gets,
the pay and roadmap views included, not the search alone. A question is a hit at rank k when
the k-th citation of that reply (what `ask --json` prints) comes from an expected article and
contains the expected snippet; it is declined when the reply has no source to show (off-topic,
or "The articles don't mention X").
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.core.advisor import Advisor
from bot.core.citation import Citation
from bot.core.dialogue import Dialogue

SETS_DIR = Path(__file__).resolve().parent / "sets"
EVAL_SET = SETS_DIR / "eval_set.yaml"
# Question sets by name: the main set, and questions phrased differently from it that
# check whether a ranking change generalizes or only fits the main set.
SETS = {
    "eval": EVAL_SET,
    "paraphrase": SETS_DIR / "paraphrase_set.yaml",
    "fresh": SETS_DIR / "fresh_set.yaml",
    # Written blind before a round of engine changes; only its totals are looked at.
    "holdout": SETS_DIR / "holdout_set.yaml",
    # Written by someone who read only the articles, never the engine or other sets.
    "blind": SETS_DIR / "blind_set.yaml",
    # Questions real people asked in public, close to verbatim, with their sources: a
    # development split, and a held-out split that is not tuned on.
    "real": SETS_DIR / "real_set.yaml",
    "real_holdout": SETS_DIR / "real_holdout_set.yaml",
    # More real questions, found later by a helper blind to the engine: a small English split
    # never tuned on, and questions in Korean, Chinese and Japanese (the translations were
    # extended after its first run).
    "real3": SETS_DIR / "real3_set.yaml",
    "other_script": SETS_DIR / "other_script_set.yaml",
    # 28 more real questions and 10 real off-topic messages, found later by a helper blind to
    # the engine (over half are question headings of one Q&A site): development.
    "real4": SETS_DIR / "real4_set.yaml",
    # Real off-topic messages only, found by a helper blind to the engine: hard ones, that use
    # the field's words (how a method works, errors, other careers, tools). A development
    # split, and a held-out split that is not tuned on.
    "real_off_topic": SETS_DIR / "real_off_topic_set.yaml",
    "real_off_topic_holdout": SETS_DIR / "real_off_topic_holdout_set.yaml",
    # 40 more, found later the same way, for development.
    "real_off_topic_dev2": SETS_DIR / "real_off_topic_dev2_set.yaml",
    # Real messages about other occupations, careers in general and everyday matters, worded
    # like career questions (skills, degree, salary, how to become), found by a helper blind
    # to the engine: a development split and a held-out split.
    "career_lookalike": SETS_DIR / "career_lookalike_set.yaml",
    "career_lookalike_holdout": SETS_DIR / "career_lookalike_holdout_set.yaml",
    # Questions written blind, from the articles only, the way real people post: long stories
    # with the question buried, vague asks, and questions sharing no words with their answer.
    # A development split and a held-out split.
    "realstyle": SETS_DIR / "realstyle_set.yaml",
    "realstyle_holdout": SETS_DIR / "realstyle_holdout_set.yaml",
    # 40 more real questions (25 of them post titles), found later by a helper blind to the
    # engine: a development split (its misses read and tuned on) and a held-out split.
    "real5": SETS_DIR / "real5_set.yaml",
    "real5_holdout": SETS_DIR / "real5_holdout_set.yaml",
    # 40 more real off-topic messages, found by a helper blind to the engine; scored once
    # before any change, then tuned on (its header gives that first figure).
    "real_off_topic_blind": SETS_DIR / "real_off_topic_blind_set.yaml",
    # 40 more, found the same way after the examples that set prompted: never tuned on.
    "real_off_topic_blind2": SETS_DIR / "real_off_topic_blind2_set.yaml",
    # 40 more, found the same way later still, from other sources: scored once before any
    # change (its commit gives that figure), then a development set.
    "real_off_topic_blind3": SETS_DIR / "real_off_topic_blind3_set.yaml",
    # And 40 more, from yet other communities, found after that set was tuned on: held out.
    "real_off_topic_blind4": SETS_DIR / "real_off_topic_blind4_set.yaml",
    # Questions in Roman Urdu and Hinglish, written (not collected) by a helper who read only
    # the articles, after the stop words and corrections for them were in: a development
    # split (its misses prompted "scope" and three stop words) and a held-out split.
    "roman_urdu": SETS_DIR / "roman_urdu_set.yaml",
    "roman_urdu_holdout": SETS_DIR / "roman_urdu_holdout_set.yaml",
    # 50 more real questions and 12 real off-topic messages (Reddit posts kept in public
    # repositories), found by a helper blind to the engine: a development split (scored once
    # before any change, its commit gives that figure) and a held-out split.
    "real6": SETS_DIR / "real6_set.yaml",
    "real6_holdout": SETS_DIR / "real6_holdout_set.yaml",
    # 31 more real questions and 14 real off-topic messages from other places (Ask HN titles,
    # AMA and roadmap issue threads, Reddit, Stack Exchange, Q&A columns), found by a helper
    # blind to the engine: a development split (scored once before any change) and a
    # held-out split.
    "real7": SETS_DIR / "real7_set.yaml",
    "real7_holdout": SETS_DIR / "real7_holdout_set.yaml",
    # 39 more real questions and 14 real off-topic messages, mostly from a data and ML
    # community's public Q&A archive (questions to book authors, podcast audiences), found by
    # a helper blind to the engine: a development split and a held-out split, both scored
    # once before any change (their commit gives those figures).
    "real8": SETS_DIR / "real8_set.yaml",
    "real8_holdout": SETS_DIR / "real8_holdout_set.yaml",
}
# Sets tuned on: the semantic stage's weight and depth, or (for other_script, real6 and real7,
# among others) translations, rules and off-topic examples drawn from their misses. The
# others are only scored.
TUNED_ON = (
    "eval", "paraphrase", "fresh", "real", "other_script", "real_off_topic", "realstyle",
    "real_off_topic_dev2", "career_lookalike", "real4", "real_off_topic_blind", "roman_urdu",
    "real_off_topic_blind3", "real5", "real6", "real7",
)


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


@dataclass
class Report:
    questions: int = 0
    hit_at_1: float = 0.0
    hit_at_3: float = 0.0
    mrr: float = 0.0
    false_declines: float = 0.0
    off_topic: int = 0
    off_topic_declined: float = 0.0
    greetings: int = 0
    greetings_recognised: float = 0.0
    misses: list[str] = field(default_factory=list)
    wrongly_answered: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"in-scope questions      {self.questions}",
            f"hit@1                   {self.hit_at_1:.3f}",
            f"hit@3                   {self.hit_at_3:.3f}",
            f"MRR                     {self.mrr:.3f}",
            f"false declines          {self.false_declines:.3f}",
            f"off-topic questions     {self.off_topic}",
            f"off-topic declined      {self.off_topic_declined:.3f}",
            f"greetings recognised    {self.greetings_recognised:.3f} of {self.greetings}",
        ]


def first_hit_rank(
    citations: tuple[Citation, ...], expected: list[dict[str, str]]
) -> int | None:
    for citation in citations:
        text = fold(citation.text)
        for item in expected:
            if citation.doc_id == item["doc"] and fold(item["contains"]) in text:
                return citation.n
    return None


def evaluate(dialogue: Dialogue, eval_set: dict) -> Report:
    report = Report()
    ranks: list[int | None] = []
    declined = 0
    for item in eval_set["in_scope"]:
        turn = dialogue.search_answer(item["q"])
        if not turn.answered:
            declined += 1
        rank = first_hit_rank(turn.citations, item["answers"])
        ranks.append(rank)
        if rank is None or rank > 1:
            cited = ", ".join(f"{c.doc_id}:{c.section[:40]}" for c in turn.citations)
            report.misses.append(f"[{rank}] {item['q']!r} -> {cited or 'declined'}")
    count = len(ranks)
    report.questions = count
    if count:  # (a set of off-topic messages only has none)
        report.hit_at_1 = sum(1 for r in ranks if r == 1) / count
        report.hit_at_3 = sum(1 for r in ranks if r is not None and r <= 3) / count
        report.mrr = sum(1 / r for r in ranks if r is not None) / count
        report.false_declines = declined / count
    off_topic = eval_set["off_topic"]
    declined_off = 0
    for item in off_topic:
        turn = dialogue.search_answer(item["q"])
        if turn.answered:
            intent = turn.answer.intent if turn.answer is not None else "dialogue"
            report.wrongly_answered.append(f"{item['q']!r} ({intent})")
        else:
            declined_off += 1
    report.off_topic = len(off_topic)
    report.off_topic_declined = declined_off / len(off_topic) if off_topic else 1.0
    greetings = eval_set.get("greetings", [])
    report.greetings = len(greetings)
    recognised = sum(
        1 for item in greetings
        if dialogue.advisor.answer(item["q"]).intent in {"greeting", "thanks"}
    )
    report.greetings_recognised = recognised / len(greetings) if greetings else 1.0
    return report


def load_eval_set(path: Path = EVAL_SET) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--verbose", "-v", action="store_true", help="list misses")
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        choices=[*SETS, "all"],
        help="question set to score (repeatable; default eval)",
    )
    parser.add_argument(
        "--stage",
        choices=("both", "semantic", "bm25"),
        default="both",
        help="both (default): each set with and without the semantic stage, side by side",
    )
    args = parser.parse_args(argv)
    names = args.sets or ["eval"]
    if "all" in names:
        names = list(SETS)
    dialogues = {
        label: Dialogue(Advisor(semantic=semantic))
        for label, semantic in (("BM25 only", False), ("with semantic", True))
        if args.stage == "both" or args.stage == ("semantic" if semantic else "bm25")
    }
    for name in names:
        eval_set = load_eval_set(SETS[name])
        reports = {label: evaluate(dialogue, eval_set) for label, dialogue in dialogues.items()}
        tuned = "tuned on" if name in TUNED_ON else "not tuned on"
        print(f"== {name} ({SETS[name].name}; {tuned})")
        print(side_by_side(reports))
        if args.verbose:
            for label, report in reports.items():
                print(f"\n[{label}] missed at rank 1:", *report.misses, sep="\n  ")
                print(f"\n[{label}] off-topic answered:", *report.wrongly_answered, sep="\n  ")
        print()
    return 0


def side_by_side(reports: dict[str, Report]) -> str:
    """The reports' lines in columns: the measure, then one value per report."""
    columns = [report.lines() for report in reports.values()]
    header = f"{'':<24}" + "".join(f"{label:>16}" for label in reports)
    rows = [header]
    for cells in zip(*columns, strict=True):
        name = cells[0][:24]
        rows.append(f"{name:<24}" + "".join(f"{cell[24:].strip():>16}" for cell in cells))
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
