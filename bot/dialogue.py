"""The conversation, as plain functions: (chat state, incoming event) -> (reply, new state).

Telegram, the terminal chat and `ask` all go through `Dialogue.respond`; none of this module
knows about Telegram.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.advisor import Advisor
from bot.answer import CAPABILITIES, Answer, compose, escape
from bot.conversation import ChatState, Exchange, UserState
from bot.follow_up import FollowUp, classify_follow_up, refine
from bot.profile import profile_button, profile_command, profile_prompt
from bot.reply import Button, ButtonRows, Reply
from bot.roadmap_view import roadmap_button, roadmap_command, roadmap_level_from_text
from bot.salary_view import salary_answer, salary_button, salary_command, salary_filters_from_text
from knowledge.questions import SuggestedQuestion, SuggestedQuestions, load_questions
from retrieval.chunking import Passage
from retrieval.search import SearchResult

MAX_INPUT_CHARS = 2000  # longer messages are cut before anything else looks at them
MAX_RELATED = 3
MORE_SEARCH_DEPTH = 12
# "Which cert should a beginner start with?" is about certifications, not the whole roadmap.
ROADMAP_TOPICS = frozenset({"roadmap", "general", "career"})
START_EXAMPLES = ("certs", "masters", "pay-india")

COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Welcome and example questions"),
    ("help", "What I can do and how to ask"),
    ("roadmap", "Steps to become an ML engineer"),
    ("salary", "What ML engineers earn (Pakistan, India, US)"),
    ("profile", "Your region and level, used by /salary and /roadmap"),
    ("sources", "The articles I answer from"),
    ("reset", "Forget this chat's context"),
)


@dataclass(frozen=True)
class Text:
    """A message typed by the user."""

    text: str


@dataclass(frozen=True)
class Command:
    """A /command, without its slash or @BotName, and what followed it."""

    name: str
    args: str = ""


@dataclass(frozen=True)
class Press:
    """A press on one of the bot's buttons."""

    data: str


@dataclass(frozen=True)
class Media:
    """Something that is not text: a sticker, photo, voice message, file..."""

    kind: str


Incoming = Text | Command | Press | Media


def parse_typed(text: str) -> Text | Command:
    """What a typed line is: "/salary@Bot india" is a command, anything else a question."""
    match = _COMMAND.match(text.strip())
    if match is None:
        return Text(text)
    return Command(match.group(1).lower(), (match.group(2) or "").strip())


_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)


@dataclass(frozen=True)
class Turn:
    """The dialogue's answer to one event. `answer` is set when a question was searched."""

    reply: Reply
    state: ChatState
    answer: Answer | None = None
    user: UserState | None = None  # None from the helpers below: the user state is unchanged


class Dialogue:
    def __init__(
        self, advisor: Advisor | None = None, questions: SuggestedQuestions | None = None
    ) -> None:
        self.advisor = advisor if advisor is not None else Advisor()
        self.questions = questions if questions is not None else load_questions(
            self.advisor.knowledge.root
        )
        self._passages: dict[str, Passage] | None = None

    def warm_up(self) -> None:
        """Build the search index now rather than on the first question."""
        self._passage_by_id()

    def respond(self, state: ChatState, event: Incoming, user: UserState | None = None) -> Turn:
        """The reply to one event, with the chat's and the user's new state."""
        user = user if user is not None else UserState()
        match event:
            case Text(text):
                turn = self._text(state, text, user)
            case Command(name, args):
                turn = self._command(state, name.lower(), args, user)
            case Press(data):
                turn = self._press(state, data, user)
            case Media(kind):
                turn = Turn(Reply(media_note(kind)), state)
            case _:
                raise TypeError(f"not a dialogue event: {event!r}")
        return turn if turn.user is not None else replace(turn, user=user)

    def search_answer(self, question: str) -> Turn:
        """A question answered from the article passages only, in a fresh chat (`ask` uses
        this: its JSON promises the cited passages, which the /salary view does not give)."""
        text = " ".join(question[:MAX_INPUT_CHARS].split())
        return self._ask(ChatState(), self.advisor.engine.search(text))

    # Free text -------------------------------------------------------------------------------

    def _text(self, state: ChatState, raw: str, user: UserState) -> Turn:
        text = " ".join(raw[:MAX_INPUT_CHARS].split())
        if not text:
            return Turn(Reply(EMPTY_NOTE), state)
        last = state.last
        match classify_follow_up(text, last is not None):
            case FollowUp.MORE:
                return self._more(state, last) if last else Turn(Reply(NOTHING_YET_NOTE), state)
            case FollowUp.WHY:
                return self._why(state, last) if last else Turn(Reply(NOTHING_YET_NOTE), state)
            case FollowUp.REFINE if last is not None:
                question = refine(last.question, text)
                return self._question(state, question, user, shown_as=question)
        return self._question(state, text, user)

    def _question(
        self, state: ChatState, question: str, user: UserState, shown_as: str | None = None
    ) -> Turn:
        """Pay and roadmap questions get the structured views; the rest the article search."""
        knowledge = self.advisor.knowledge
        engine = self.advisor.engine
        result = engine.search(question)  # searched once: its query also gives the topic
        topic = engine.scope.topic(result.query)
        filters = salary_filters_from_text(question) if topic == "salary" else None
        if filters is not None:
            reply = salary_answer(
                knowledge.salaries,
                filters,
                user.profile,
                titles=knowledge.article_titles,
                rates=knowledge.exchange_rates,
            )
            return Turn(reply, state.remember(question, "salary", ()))
        level = roadmap_level_from_text(question)
        if level is not None and topic in ROADMAP_TOPICS:
            reply = roadmap_command(
                knowledge.roadmap, level, user.progress, user.profile,
                titles=knowledge.article_titles,
            )
            return Turn(reply, state.remember(question, "roadmap", ()))
        return self._ask(state, result, shown_as)

    def _ask(self, state: ChatState, result: SearchResult, shown_as: str | None = None) -> Turn:
        """Answer a searched question, remembering it for follow-ups and buttons."""
        question = result.question
        answer = compose(result)
        if not answer.in_scope:
            return Turn(Reply(answer.html, buttons=self._example_buttons()), state, answer)
        shown = tuple(c.passage_id for c in answer.citations)
        new_state = state.remember(question, answer.intent, shown)
        exchange = new_state.last
        assert exchange is not None
        html = answer.html
        if shown_as:  # a follow-up: say how it was understood
            html = f"<i>↪ {escape(shown_as)}</i>\n\n{html}"
        reply = Reply(html, self._answer_buttons(exchange), answer.citations)
        return Turn(reply, new_state, answer)

    def _more(self, state: ChatState, exchange: Exchange) -> Turn:
        result = self.advisor.engine.search(exchange.question, limit=MORE_SEARCH_DEPTH)
        unseen = tuple(hit for hit in result.hits if hit.passage.id not in exchange.cited)
        if not result.in_scope or not unseen:
            html = (
                f"That is all the articles say about <i>{escape(exchange.question)}</i>. "
                "Perhaps one of these?"
            )
            return Turn(Reply(html, self._related_rows(exchange)), state)
        answer = compose(replace(result, hits=unseen))
        shown = tuple(c.passage_id for c in answer.citations)
        new_state = state.extend(exchange.id, shown)
        updated = new_state.find(exchange.id)
        assert updated is not None
        html = f"<i>More on: {escape(exchange.question)}</i>\n\n{answer.html}"
        return Turn(Reply(html, self._answer_buttons(updated), answer.citations), new_state, answer)

    def _why(self, state: ChatState, exchange: Exchange) -> Turn:
        passages = self._passage_by_id()
        found = [passages[pid] for pid in exchange.shown if pid in passages]
        if not exchange.shown:  # a /salary or /roadmap view: its figures cite their quotes
            return Turn(Reply(VIEW_SOURCES_NOTE), state)
        if not found:
            return Turn(Reply(STALE_NOTE), state)
        parts = [f"<b>The passages behind my answer to</b> <i>{escape(exchange.question)}</i>"]
        for number, passage in enumerate(found, start=1):
            parts.append(
                f"<b>[{number}] {escape(passage.title)}</b>\n<i>{escape(passage.section_label)}"
                f"</i>\n<blockquote>{escape(passage.text)}</blockquote>"
            )
        buttons = ((Button("More ▸", f"more:{exchange.id}"),),)
        return Turn(Reply("\n\n".join(parts), buttons), state)

    # Commands --------------------------------------------------------------------------------

    def _command(self, state: ChatState, name: str, args: str, user: UserState) -> Turn:
        knowledge = self.advisor.knowledge
        titles = knowledge.article_titles
        match name:
            case "start":
                buttons = (*self._example_buttons(), (Button(PROFILE_LABEL, "start:profile"),))
                return Turn(Reply(welcome_html(), buttons), state)
            case "help":
                return Turn(Reply(help_html(), self._example_buttons()), state)
            case "sources":
                return Turn(Reply(self._sources_html()), state)
            case "reset":
                return Turn(Reply(RESET_NOTE), ChatState())
            case "roadmap":
                reply = roadmap_command(
                    knowledge.roadmap, args, user.progress, user.profile, titles=titles
                )
                return Turn(reply, state)
            case "salary":
                reply = salary_command(
                    knowledge.salaries, args, user.profile, titles=titles,
                    rates=knowledge.exchange_rates,
                )
                return Turn(reply, state)
            case "profile":
                reply, profile = profile_command(args, user.profile)
                return Turn(reply, state, user=replace(user, profile=profile))
        return Turn(Reply(unknown_command_html(name)), state)

    def _sources_html(self) -> str:
        lines = ["<b>📚 The articles I answer from</b>", ""]
        for number, article in enumerate(self.advisor.knowledge.articles, start=1):
            entry = article.entry
            lines.append(f"{number}. <b>{escape(entry.title)}</b>\n{escape(entry.description)}")
        lines.append("\nEvery answer cites the article and section it comes from.")
        return "\n".join(lines)

    # Buttons ---------------------------------------------------------------------------------

    def _press(self, state: ChatState, data: str, user: UserState) -> Turn:
        knowledge = self.advisor.knowledge
        titles = knowledge.article_titles
        prefix, _, payload = data.partition(":")
        match prefix:
            case "sal":
                reply = salary_button(
                    knowledge.salaries, payload, user.profile, titles=titles,
                    rates=knowledge.exchange_rates,
                )
                return Turn(reply, state)
            case "rm":
                reply, progress = roadmap_button(
                    knowledge.roadmap, payload, user.progress, titles=titles, profile=user.profile
                )
                return Turn(reply, state, user=replace(user, progress=progress))
            case "prof":
                reply, profile = profile_button(payload, user.profile)
                return Turn(reply, state, user=replace(user, profile=profile))
            case "start" if payload == "profile":
                return Turn(profile_prompt(), state)
            case "ask":
                question = self.questions.by_id(payload)
                if question is not None:
                    return self._question(state, question.text, user)
            case "more" | "why" if payload.isdecimal():
                exchange = state.find(int(payload))
                if exchange is not None:
                    action = self._more if prefix == "more" else self._why
                    return action(state, exchange)
        return Turn(Reply(STALE_NOTE, self._example_buttons()), state)

    def _answer_buttons(self, exchange: Exchange) -> ButtonRows:
        actions = (
            Button("More ▸", f"more:{exchange.id}"),
            Button("Why? Show sources", f"why:{exchange.id}"),
        )
        return (actions, *self._related_rows(exchange))

    def _related_rows(self, exchange: Exchange) -> ButtonRows:
        related = self.related_questions(exchange.topic, exchange.question)
        return tuple((Button(q.label, f"ask:{q.id}"),) for q in related)

    def related_questions(self, topic: str, asked: str) -> tuple[SuggestedQuestion, ...]:
        """Up to three suggested questions on the topic, then general ones, not the one asked."""
        on_topic = self.questions.for_topic(topic, exclude=asked)
        general = self.questions.for_topic("general", exclude=asked)
        chosen: list[SuggestedQuestion] = []
        for question in (*on_topic, *general):
            if question not in chosen:
                chosen.append(question)
        return tuple(chosen[:MAX_RELATED])

    def _example_buttons(self) -> ButtonRows:
        examples = (self.questions.by_id(qid) for qid in START_EXAMPLES)
        return tuple((Button(q.label, f"ask:{q.id}"),) for q in examples if q is not None)

    def _passage_by_id(self) -> dict[str, Passage]:
        if self._passages is None:
            self._passages = {p.id: p for p in self.advisor.engine.passages}
        return self._passages


# Fixed texts ---------------------------------------------------------------------------------

EMPTY_NOTE = "Send me a question about becoming an ML engineer, for example about skills or pay."
NOTHING_YET_NOTE = (
    "Ask me a question first, then I can tell you more or show my sources. "
    "Try <i>What skills does an ML engineer need?</i>"
)
STALE_NOTE = (
    "That button belongs to an older conversation that I no longer remember. "
    "Ask me again, or pick a question below."
)
VIEW_SOURCES_NOTE = (
    "Every figure and step in that view names its article in the Sources list under it, "
    "with a verbatim quote; /sources lists all the articles I use."
)
PROFILE_LABEL = "👤 Set my region and level"
RESET_NOTE = "Done: I have forgotten this chat's context. What would you like to know?"
MEDIA_NAMES = {
    "sticker": "Nice sticker!",
    "photo": "Thanks for the picture!",
    "voice": "I can't listen to voice messages.",
    "video": "I can't watch videos.",
    "document": "I can't open files.",
    "audio": "I can't listen to audio.",
}


def media_note(kind: str) -> str:
    opener = MEDIA_NAMES.get(kind, "I can only read text.")
    return (
        f"{escape(opener)} I read text messages only: ask me about becoming an ML engineer, "
        "for example <i>What certifications should I get?</i>"
    )


def welcome_html() -> str:
    return (
        "👋 <b>Welcome to Career Advisor!</b>\n\n"
        f"{escape(CAPABILITIES)}\n\n"
        "Ask in your own words, or tap one of these to start:"
    )


def help_html() -> str:
    commands = "\n".join(f"/{name} — {escape(text)}" for name, text in COMMANDS)
    return (
        "<b>How to use Career Advisor</b>\n\n"
        "Ask any question about becoming an ML engineer, in your own words. Every answer "
        "cites the articles it comes from.\n\n"
        "After an answer you can say <i>tell me more</i>, ask <i>why?</i> to see the sources "
        "in full, or follow up with <i>and in India?</i> or <i>what about senior level?</i>\n\n"
        f"<b>Commands</b>\n{commands}"
    )


def unknown_command_html(name: str) -> str:
    return (
        f"I don't know the command /{escape(name[:40])}. "
        "Send /help to see what I can do, or just ask a question."
    )
