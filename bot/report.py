"""The owner's report: what the bot was asked over the last days and where it fell short.

Reads the question log (:meth:`StateStore.question_log`), never a user id or name: totals,
then the *gaps* — questions declined, not or only partly covered, answered from a weak best
passage, or voted 👎 — grouped so that one question asked in other words counts once, with
how often and an example phrasing. `career-advisor report` prints it, /stats shows its top.

Grouping (see :func:`group_questions`) compares questions by their content words as the
search index reads them (:func:`retrieval.tokenize.tokenize`: case, plurals and endings
folded, stop words dropped), with the words every question here shares ("ML", "engineer")
left out and a few synonyms the articles' readers use for one thing ("salary", "pay",
"earn") merged. Two questions are one when their content words overlap by at least 60%
(Jaccard >= 0.6) with the group's first phrasing. That catches rewordings ("do I need a
master's degree" / "is a masters degree necessary"), is cheap, needs no model and gives the
same groups on every run. It was judged on `python -m bench.report_run` (300 questions from
the evaluation sets, popular ones asked again and reworded) by reading every group of more
than one phrasing: at 0.6, 21 of 22 were one question ("make money" joined an ML pay
question to a YouTuber one); at 0.5 it merged 4 of 27 wrongly ("what is reinforcement
learning" / "what should I study in reinforcement learning"). What it misses are rewordings
that share few words ("how to grow tomatoes on a balcony" / "... on my rooftop"). The
sentence encoder would join those, but also distinct questions on one subject ("salary in
India" / "salary in Pakistan"), and the report would need the model loaded.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.core.feedback import DOWN, UP
from bot.core.markup import escape
from bot.storage.turns import DAY, LoggedQuestion, QuestionLog, StateStore
from retrieval.tokenize import STOP_WORDS, tokenize

__all__ = [
    "DEFAULT_DAYS",
    "REASONS",
    "WEAK_SCORE",
    "Gap",
    "Report",
    "build_report",
    "group_questions",
    "question_words",
    "read_report",
    "report_json",
    "report_text",
    "stats_html",
]

DEFAULT_DAYS = 30
# A best cited passage scoring below this answered from a weak match: the search's own bar for
# a question with words the articles lack (MIN_SCORE_WITH_UNKNOWN_WORDS). In bench.report_run
# the answered questions' best cited scores are 14.8 at the 10th percentile and 26.6 at the
# median; about 3% fall below 12.
WEAK_SCORE = 12.0
MAX_EXAMPLE = 100  # characters of an example shown; a pasted essay is cut
SAME_QUESTION = 0.6  # Jaccard of content words at which two phrasings are one question
TOP_GAPS = 5  # /stats shows this many

REASONS = ("declined", "not covered", "partly covered", "weak match", "voted 👎")

# Words nearly every question here has: they say nothing about which question it is.
_GENERIC = frozenset(tokenize("ML machine learning engineer engineers engineering MLE AI "
                              "artificial intelligence become becoming"))
# Stems the readers use for one thing, mapped to one.
_SYNONYMS = {
    **dict.fromkeys(tokenize("salary salaries pay paid earn earning income wage package ctc "
                             "compensation"), "pay"),
    **dict.fromkeys(tokenize("necessary required require need needed mandatory compulsory "
                             "essential"), "need"),
    **dict.fromkeys(tokenize("masters master's ms msc"), "master"),
    **dict.fromkeys(tokenize("certification certifications certificate certificates cert "
                             "certs"), "certif"),
    **dict.fromkeys(tokenize("pakistan pk pakistani"), "pakistan"),
    **dict.fromkeys(tokenize("india indian"), "india"),
    **dict.fromkeys(tokenize("usa america american us"), "usa"),
    **dict.fromkeys(tokenize("fresher freshers entry junior beginner beginners"), "entry"),
}


def question_words(question: str) -> frozenset[str]:
    """A question's content words, as grouping compares them."""
    words = (_SYNONYMS.get(token, token) for token in tokenize(question))
    return frozenset(w for w in words if w not in STOP_WORDS and w not in _GENERIC)


def _similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 1.0 if a == b else 0.0
    return len(a & b) / len(a | b)


def group_questions(questions: Iterable[str]) -> list[list[str]]:
    """The questions in groups of one question in other words; each group's phrasings most
    asked first, the groups largest first."""
    texts = list(questions)
    return [[texts[i] for i in group] for group in group_indices(texts)]


def group_indices(texts: Sequence[str]) -> list[list[int]]:
    """:func:`group_questions` as positions in `texts`. Greedy: the most asked phrasing (case,
    spacing and end punctuation aside) opens a group, and each further one joins the first
    group whose opening phrasing it matches."""
    by_key: dict[str, list[int]] = {}
    for index, text in enumerate(texts):
        by_key.setdefault(" ".join(text.lower().split()).rstrip(" ?!."), []).append(index)
    groups: list[tuple[frozenset[str], list[str]]] = []
    for key in sorted(by_key, key=lambda k: (-len(by_key[k]), k)):
        words = question_words(key)
        home = next((members for opening, members in groups
                     if _similarity(words, opening) >= SAME_QUESTION), None)
        if home is None:
            groups.append((words, [key]))
        else:
            home.append(key)
    result = [[index for key in members for index in by_key[key]] for _, members in groups]
    return sorted(result, key=lambda group: -len(group))


def reasons_of(question: LoggedQuestion) -> list[str]:
    """Why a logged question is a gap; [] when it was answered well."""
    reasons = []
    if question.declined:
        reasons.append("declined")
    elif question.coverage == "none":
        reasons.append("not covered")
    elif question.coverage == "partial":
        reasons.append("partly covered")
    if not question.declined and question.top_score is not None and (
        question.top_score < WEAK_SCORE
    ):
        reasons.append("weak match")
    if question.vote == DOWN:
        reasons.append("voted 👎")
    return reasons


@dataclass(frozen=True)
class Gap:
    """One question (in all its phrasings) that was not answered well."""

    count: int
    example: str
    phrasings: int
    reasons: dict[str, int]

    @property
    def reasons_text(self) -> str:
        """ "declined 4, voted 👎 2" """
        return ", ".join(f"{reason} {n}" for reason, n in self.reasons.items())


@dataclass(frozen=True)
class Report:
    days: int
    since: int
    until: int
    users: int
    questions: int
    answered: int  # in scope, fully or partly covered
    fully: int
    up: int
    down: int
    gaps: tuple[Gap, ...] = field(default=())

    @property
    def answered_share(self) -> float:
        return self.answered / self.questions if self.questions else 0.0


def window(days: int, now: float | None = None) -> tuple[int, int]:
    """(since, until) in Unix seconds: the last `days` days up to now."""
    until = int(now if now is not None else time.time())
    return until - days * DAY, until


async def read_report(store: StateStore, days: int, now: float | None = None) -> Report:
    """The report of the last `days` days from an opened store."""
    since, until = window(days, now)
    return build_report(await store.question_log(since), days, since, until)


def build_report(log: QuestionLog, days: int, since: int, until: int) -> Report:
    """The report of a question log read from `since` (see :func:`read_report`)."""
    rows = list(log.questions)
    answered = [q for q in rows if not q.declined and q.coverage in ("full", "partial")]
    gaps = [(q, reasons_of(q)) for q in rows]
    gaps = [(q, r) for q, r in gaps if r]
    found = []
    for group in group_indices([" ".join(q.question.split()) for q, _ in gaps]):
        tally: Counter[str] = Counter()
        for index in group:
            tally.update(gaps[index][1])
        example = " ".join(gaps[group[0]][0].question.split())
        phrasings = len({gaps[index][0].question.lower() for index in group})
        found.append(Gap(len(group), example, phrasings,
                         {r: tally[r] for r in REASONS if tally[r]}))
    found.sort(key=lambda gap: (-gap.count, gap.example.lower()))
    return Report(
        days, since, until, log.users,
        len(rows), len(answered), sum(1 for q in answered if q.coverage == "full"),
        sum(1 for q in rows if q.vote == UP), sum(1 for q in rows if q.vote == DOWN),
        tuple(found),
    )


def _short(text: str) -> str:
    return text if len(text) <= MAX_EXAMPLE else text[: MAX_EXAMPLE - 1].rstrip() + "…"


def _day(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d")


def report_text(report: Report) -> str:
    lines = [
        f"Career Advisor report: the last {report.days} days "
        f"({_day(report.since)} to {_day(report.until)}, UTC)",
        "",
        "Totals",
        f"  users           {report.users}",
        f"  questions       {report.questions}",
        f"  answered        {report.answered_share:.0%} ({report.answered} of "
        f"{report.questions}; {report.fully} fully covered)",
        f"  votes           👍 {report.up}   👎 {report.down}",
        "",
    ]
    asked = sum(gap.count for gap in report.gaps)
    lines.append(
        f"Gaps: {asked} question(s) declined, not or partly covered, answered from a weak "
        f"match or voted 👎, in {len(report.gaps)} group(s) of the same question in other words"
    )
    if not report.gaps:
        lines.append("  none")
    for number, gap in enumerate(report.gaps, start=1):
        lines.append(f"{number:4}. {gap.count:4} x  \"{_short(gap.example)}\"")
        more = f"; {gap.phrasings} phrasings" if gap.phrasings > 1 else ""
        lines.append(f"              {gap.reasons_text}{more}")
    return "\n".join(lines)


def report_json(report: Report) -> str:
    data: dict[str, Any] = {
        "days": report.days,
        "since": _day(report.since),
        "until": _day(report.until),
        "totals": {
            "users": report.users,
            "questions": report.questions,
            "answered": report.answered,
            "answered_share": round(report.answered_share, 4),
            "fully_covered": report.fully,
            "votes_up": report.up,
            "votes_down": report.down,
        },
        "gaps": [
            {"count": gap.count, "example": gap.example, "phrasings": gap.phrasings,
             "reasons": gap.reasons}
            for gap in report.gaps
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


def stats_html(report: Report, top: int = TOP_GAPS) -> str:
    """/stats: the totals and the top gaps, as Telegram HTML."""
    lines = [
        f"<b>Last {report.days} days</b>",
        f"Users: {report.users}",
        f"Questions: {report.questions}",
        f"Answered: {report.answered_share:.0%} ({report.fully} fully covered)",
        f"Votes: 👍 {report.up} · 👎 {report.down}",
        "",
        f"<b>Top {min(top, len(report.gaps))} gaps</b>" if report.gaps else "<b>No gaps</b>",
    ]
    for number, gap in enumerate(report.gaps[:top], start=1):
        reasons = gap.reasons_text
        lines.append(
            f"{number}. {gap.count}× <i>{escape(_short(gap.example))}</i> ({escape(reasons)})"
        )
    return "\n".join(lines)
