"""Inline mode, Telegram-free: "@BotName certifications" typed in any chat offers answers.

Up to three: the answer to the query itself, then answers to suggested questions on the same
subject, each the cited reply a chat would get (its HTML as the message, without buttons: an
inline message has no chat of the bot's for them). An off-topic or empty query offers nothing.
Answers are the same for everyone (no user's profile is read), so Telegram may share its cache
of them between users.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from bot.core.dialogue import Dialogue
from bot.core.limits import (
    INLINE_DESCRIPTION_CHARS,
    INLINE_QUERY_LIMIT,
    INLINE_RESULT_ID_LIMIT,
    INLINE_TITLE_CHARS,
    MESSAGE_LIMIT,
    fits,
)
from bot.core.markup import visible_text
from bot.core.salary_view import ALL_LEVELS_INVITE, LEVEL_INVITE

MAX_INLINE_ANSWERS = 3
SHORTENED_NOTE = "<i>(shortened: ask me in a chat for the rest)</i>"
_TAG = re.compile(r"<(/?)([A-Za-z][\w-]*)[^>]*>")
_CITATION_MARK = re.compile(r"\s*\[\d+\]")
# Lines of a view that point at its buttons, which an inline message does not have.
BUTTON_HINTS = frozenset(f"<i>{hint}</i>" for hint in (ALL_LEVELS_INVITE, LEVEL_INVITE))


@dataclass(frozen=True)
class InlineAnswer:
    """One result of an inline query: what the list shows, and the message it sends."""

    id: str
    title: str
    description: str
    html: str


def inline_answers(dialogue: Dialogue, query: str) -> tuple[InlineAnswer, ...]:
    """Up to three answers to an inline query; none when it is empty or off-topic."""
    question = " ".join(query[:INLINE_QUERY_LIMIT].split())
    if not question:
        return ()
    first = _answered(dialogue, question)
    if first is None:
        return ()
    html, topic = first
    answers = [_result(question, html)]
    questions = dialogue.questions
    suggested_ones = (
        *questions.for_topic(topic, exclude=question),
        *questions.for_topic("general", exclude=question),
    )
    for suggested in dict.fromkeys(suggested_ones):
        if len(answers) == MAX_INLINE_ANSWERS:
            break
        found = _answered(dialogue, suggested.text)
        if found is not None and all(found[0] != a.html for a in answers):
            answers.append(_result(suggested.text, found[0]))
    return tuple(answers)


def _answered(dialogue: Dialogue, question: str) -> tuple[str, str] | None:
    """(the reply's HTML, its topic) for a question the articles answer, with citations."""
    turn = dialogue.search_answer(question)
    answer, reply = turn.answer, turn.reply
    if answer is None or not answer.in_scope or not reply.citations:
        return None
    topic = turn.state.last.topic if turn.state.last is not None else answer.intent
    html = "\n".join(line for line in reply.html.split("\n") if line not in BUTTON_HINTS)
    return fit_message(html), topic


def _result(question: str, html: str) -> InlineAnswer:
    digest = hashlib.sha256(question.lower().encode()).hexdigest()
    result_id = f"a-{digest}"[:INLINE_RESULT_ID_LIMIT]
    title = _shorten(question[:1].upper() + question[1:], INLINE_TITLE_CHARS)
    seen = _CITATION_MARK.sub("", visible_text(html))
    return InlineAnswer(result_id, title, _shorten(seen, INLINE_DESCRIPTION_CHARS), html)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,.;:") + "…"


def fit_message(html: str, limit: int = MESSAGE_LIMIT) -> str:
    """The reply as one message: whole if it fits, else its leading paragraphs and its list
    of sources, cut only where no tag is open, with a note that it was shortened."""
    if fits(html, limit):
        return html
    blocks = _paragraphs(html)
    sources = blocks.pop() if len(blocks) > 1 else ""
    tail = "\n\n".join(part for part in (SHORTENED_NOTE, sources) if part)
    kept: list[str] = []
    for block in blocks:
        if not fits("\n\n".join([*kept, block, tail]), limit):
            break
        kept.append(block)
    if not kept:  # one paragraph too long on its own: its leading lines
        lines = _paragraphs(blocks[0], "\n") if blocks else []
        for line in lines:
            if not fits("\n".join([*kept, line]) + "\n\n" + tail, limit):
                break
            kept.append(line)
        kept = ["\n".join(kept)] if kept else []
    shortened = "\n\n".join([*kept, tail])
    return shortened if fits(shortened, limit) else SHORTENED_NOTE


def _paragraphs(html: str, separator: str = "\n\n") -> list[str]:
    """The HTML cut at `separator` wherever no tag is open, so each piece is well-formed."""
    pieces: list[str] = []
    current: list[str] = []
    depth = 0
    for chunk in html.split(separator):
        current.append(chunk)
        for closing, _name in _TAG.findall(chunk):
            depth += -1 if closing else 1
        if depth <= 0:
            pieces.append(separator.join(current))
            current, depth = [], 0
    if current:
        pieces.append(separator.join(current))
    return [piece for piece in pieces if piece.strip()]
