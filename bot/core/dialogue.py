"""The conversation, as plain functions: (chat state, incoming event) -> (reply, new state).

Telegram, the terminal chat and `ask` all go through `Dialogue.respond`; none of this module
knows about Telegram.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass, replace

from bot.core.advisor import Advisor
from bot.core.answer import (
    CAPABILITIES,
    Answer,
    AnswerContext,
    citation_of,
    cited_hits,
    compose,
    example_lines,
    further_reading,
)
from bot.core.buttons import Action, button_data, read_button_data
from bot.core.citation import Citation
from bot.core.conversation import ChatState, Exchange, UserState
from bot.core.coverage import Gap, absent_gap, find_gap, gap_sentence, other_role_pay
from bot.core.deep_link import DeepLink, read_payload
from bot.core.feedback import (
    DEFAULT_RETENTION_DAYS,
    Asked,
    Vote,
    new_question_key,
    read_vote,
    vote_row,
)
from bot.core.follow_up import asks_next_stage, points_back, read_refinement, refine
from bot.core.limits import fits
from bot.core.markup import escape
from bot.core.profile import (
    PROFILE_REGIONS,
    profile_button,
    profile_command,
    profile_prompt,
)
from bot.core.reading import Kind, MessageReader, Reading, place_of
from bot.core.reply import Button, ButtonRows, Reply
from bot.core.roadmap_view import (
    asks_which_stage_first,
    opened_stage,
    roadmap_button,
    roadmap_command,
    roadmap_sources,
    roadmap_understands,
    shown_stage,
    stage_after,
)
from bot.core.salary_view import (
    LEXICON_LEVELS,
    SalaryFilters,
    parse_salary_filters,
    salary_answer,
    salary_button,
    salary_command,
)
from knowledge.english_words import EnglishWords
from knowledge.lexicon import load_lexicon
from knowledge.questions import SuggestedQuestion, SuggestedQuestions, load_questions
from retrieval.chunking import Passage
from retrieval.search import SearchResult

MAX_INPUT_CHARS = 2000  # longer messages are cut before anything else looks at them
MAX_RELATED = 3
MORE_SEARCH_DEPTH = 12
# Questions a declined message is offered instead, fitting the user's region.
DECLINE_SUGGESTIONS: dict[str, tuple[str, ...]] = {
    "": (
        "What certifications should I get?",
        "Do I need a master's degree?",
        "What skills does an ML engineer need?",
    ),
    "pakistan": (
        "How much do ML engineers earn in Pakistan?",
        "Which universities in Pakistan are good for ML?",
        "What certifications should I get?",
    ),
    "india": (
        "What is the salary of a fresher ML engineer in India?",
        "How do I become an ML engineer in India?",
        "What certifications should I get?",
    ),
    "us": (
        "How much do ML engineers earn in the US?",
        "Do I need a master's degree?",
        "What skills does an ML engineer need?",
    ),
}


def suggestions_for(region: str | None) -> tuple[str, ...]:
    """Questions to offer someone of this region (any region's, for none)."""
    return DECLINE_SUGGESTIONS.get(region or "", DECLINE_SUGGESTIONS[""])


START_EXAMPLES = ("certs", "masters", "pay-india")
# "that's not helpful": what the bot can and cannot do, and how to get a better answer.
COMPLAINT_NOTE = (
    "Sorry that didn't help. I answer only with what five articles on the ML-engineer career "
    "say, so a question they don't cover gets a general answer or none. Asking about one "
    "thing at a time helps, and “Why?” under an answer shows its passages in full. For "
    "example:"
)

COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Welcome and example questions"),
    ("help", "What I can do and how to ask"),
    ("roadmap", "Steps to become an ML engineer"),
    ("salary", "What ML engineers earn (Pakistan, India, US)"),
    ("profile", "Your region and level, used by /salary and /roadmap"),
    ("sources", "The articles I answer from"),
    ("reset", "Forget this chat's context"),
    ("privacy", "What I store about you, and for how long"),
    ("forget", "Delete everything I store about you"),
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
    asked: Asked | None = None  # a free-text message answered: for the question log
    vote: Vote | None = None  # a 👍 / 👎 press
    forget: bool = False  # the user confirmed /forget: delete everything stored about them

    @property
    def citations(self) -> tuple[Citation, ...]:
        """The sources the reply shows: the searched answer's, or a view's."""
        return self.answer.citations if self.answer is not None else self.reply.citations

    @property
    def answered(self) -> bool:
        """Whether the reply answers from the articles: in scope, with a source to show
        ("The articles don't mention X" is in scope, but answers nothing)."""
        return self.answer is not None and self.answer.in_scope and bool(self.citations)


class Dialogue:
    def __init__(
        self,
        advisor: Advisor | None = None,
        questions: SuggestedQuestions | None = None,
        feedback: bool = False,
        retention_days: int = DEFAULT_RETENTION_DAYS,
    ) -> None:
        """``feedback``: put 👍 / 👎 under free-text answers and hand out what the question
        log keeps (`Turn.asked`); for a front end whose store keeps it (the Telegram bot).
        ``retention_days``: how long logged questions are kept, as /privacy says."""
        self.feedback = feedback
        self.retention_days = retention_days
        self.new_key = new_question_key
        self.advisor = advisor if advisor is not None else Advisor()
        self.questions = questions if questions is not None else load_questions(
            self.advisor.knowledge.root
        )
        self._passages: dict[str, Passage] | None = None
        lexicon = self.advisor.knowledge.lexicon
        self.lexicon = lexicon if lexicon is not None else load_lexicon()
        self._reader: MessageReader | None = None

    @property
    def reader(self) -> MessageReader:
        if self._reader is None:  # built on first use: the index is built with it
            self._reader = MessageReader(self.advisor.engine, self.lexicon)
        return self._reader

    def warm_up(self) -> None:
        """Build the search index now rather than on the first question."""
        self._passage_by_id()

    def respond(self, state: ChatState, event: Incoming, user: UserState | None = None) -> Turn:
        """The reply to one event, with the chat's and the user's new state."""
        user = user if user is not None else UserState()
        match event:
            case Text(text):
                turn = self._text(state, text, user)
                if self.feedback and turn.answer is not None:
                    turn = self._with_votes(turn)
            case Command(name, args):
                turn = self._command(state, name.lower(), args, user)
            case Press(data):
                turn = self._press(state, data, user)
            case Media(kind):
                turn = Turn(Reply(media_note(kind)), state)
            case _:
                raise TypeError(f"not a dialogue event: {event!r}")
        return turn if turn.user is not None else replace(turn, user=user)

    def _with_votes(self, turn: Turn) -> Turn:
        """A free-text answer with 👍 / 👎 under it, and the question as the log keeps it."""
        answer = turn.answer
        assert answer is not None
        key = self.new_key()
        citations = answer.citations
        searched = answer.intent not in ("salary", "roadmap")
        asked = Asked(
            key,
            answer.question,
            answer.coverage,
            tuple(c.passage_id for c in citations),
            max((c.score for c in citations), default=0.0) if searched else None,
            not answer.in_scope,
        )
        reply = replace(turn.reply, buttons=(*turn.reply.buttons, vote_row(key)))
        return replace(turn, reply=reply, asked=asked)

    def search_answer(self, question: str, user: UserState | None = None) -> Turn:
        """A question answered in a fresh chat, as the first message of a conversation
        (`ask` uses this): the same reading, views and replies as Telegram."""
        return self.respond(ChatState(), Text(question), user)

    # Free text -------------------------------------------------------------------------------

    def _text(self, state: ChatState, raw: str, user: UserState) -> Turn:
        raw = raw[:MAX_INPUT_CHARS]
        english = self.advisor.engine.translator.english_reading(raw)
        if english is not None:
            # Mostly in another script: asked as the English terms it uses, and shown so.
            # Declined, it is declined for its language (below), not for those terms.
            shown = f"{english.text} (read in English)"
            turn = self._answer(state, self._read_as_question(english.text), user, shown)
            if turn.answer is None or turn.answer.in_scope:
                return turn
        followed = _roadmap_followed(state, raw)
        if followed is not None:
            return self._more(state, followed, user)  # (more of a roadmap: its next stage)
        reading = self.reader.read(raw, state.last)
        last = state.last
        match reading.kind:
            case Kind.EMPTY:
                return Turn(Reply(EMPTY_NOTE), state)
            case Kind.MORE:
                if last is None:
                    return Turn(Reply(NOTHING_YET_NOTE), state)
                return self._more(state, last, user)
            case Kind.WHY:
                return self._why(state, last) if last else Turn(Reply(NOTHING_YET_NOTE), state)
            case Kind.SHORTER:
                if last is None:
                    return Turn(Reply(NOTHING_YET_NOTE), state)
                return self._shorter(state, last, user)
            case Kind.REFINE if last is not None:
                return self._refine(state, last, reading, user)
            case Kind.CONTEXT if last is not None:
                if last.view == "roadmap" and asks_which_stage_first(reading.text):
                    return self._roadmap(state, reading.text, "beginner", user)
                # "how long does it take?" after a question on master's degrees: asked about
                # the same subject, and shown so.
                question = f"{reading.text.rstrip(' ?')} ({self._subject_of(last)})?"
                turn = self._answer(state, self._read_as_question(question), user, question)
                if turn.answer is not None and not turn.answer.in_scope:
                    # the last question was itself no career question ("skip to the end"):
                    # "how long will all this take" is asked on its own
                    alone = self._answer(state, self._read_as_question(reading.text), user)
                    if alone.answer is not None and alone.answer.in_scope:
                        return alone
                return turn
            case Kind.PROFILE:
                reply, profile = profile_command("", user.profile)
                return Turn(reply, state, user=replace(user, profile=profile))
            case Kind.HELP:
                return self._command(state, "help", "", user)
            case Kind.INTRODUCTION:
                return self._introduction(state, reading, user)
            case Kind.COMPLAINT:
                tries = example_lines(suggestions_for(user.profile.region))
                return Turn(Reply(f"{COMPLAINT_NOTE}\n{tries}", self._example_buttons()), state)
        return self._answer(state, reading, user)

    def _subject_of(self, exchange: Exchange) -> str:
        """What a message pointing back at ``exchange`` is about: its question (a command's
        in words), or for a roadmap view the stage it showed ("how long will that take?"
        after stage 1 asks about Foundations, not about "tell me more about the first
        stage")."""
        if exchange.view == "roadmap":
            stage = shown_stage(self.advisor.knowledge.roadmap, exchange.level or "")
            # (its goal, not its title: "the Foundations stage of the roadmap" would ask for
            # the roadmap again)
            if stage is None:
                return "becoming an ML engineer"
            return stage.goal[:1].lower() + stage.goal[1:].rstrip(" .")
        # ("/salary in India at senior level" asked again is a command: said in words; a
        # follow-up's own subject, in brackets, is the subject again, not nested in a new one)
        question = re.sub(r"^/salary\b", "ML engineer salary", exchange.question)
        inner = _FOLLOWED_SUBJECT.search(question)
        if inner is not None and points_back(question[: inner.start()]):
            question = inner.group(1)
        return question.rstrip(" ?")

    def _introduction(self, state: ChatState, reading: Reading, user: UserState) -> Turn:
        """ "im in 1st yr electrical engineering, india": thanks, and what to ask next; a
        country named becomes the profile's (said so, with how to change it)."""
        region = reading.region
        profile = user.profile
        noted = ""
        if region in PROFILE_REGIONS and region != profile.region:
            profile = replace(profile, region=region)
            flagged = escape(self.lexicon.flagged_name(region))
            noted = f" I'll put {flagged} first (/profile changes it)."
        tries = example_lines(suggestions_for(profile.region))
        html = f"Thanks, that helps.{noted} What would you like to know? For example:\n{tries}"
        reply = Reply(html, self._example_buttons())
        return Turn(reply, state, user=replace(user, profile=profile))

    def _answer(
        self, state: ChatState, reading: Reading, user: UserState, shown_as: str | None = None
    ) -> Turn:
        """Pay and roadmap requests get their views; every other message the articles."""
        if reading.kind == Kind.SALARY:
            filters = reading.salary_filters or SalaryFilters()
            gap = None
            topic = self.lexicon.uncovered_topic_in(reading.text)
            if topic is not None:  # "what does Systems Ltd pay": say what isn't covered first
                gap = Gap(topic, "partial")
            elif (role_gap := other_role_pay(reading.text)) is not None:
                gap = role_gap  # "data scientist salary in india"
            # ("ML engineer salary in Dubai / UAE?": the view itself says the place is missing)
            elif reading.understood is not None and not filters.uncovered:
                # "income tax on ML salaries"
                gap = absent_gap(
                    reading.text, reading.understood.query, self._article_vocabulary(), [],
                    self._english_words(), about_pay=True,
                )
            return self._salary(state, reading.text, filters, user, gap)
        if reading.kind == Kind.ROADMAP:
            level = reading.roadmap_level or ""
            if level.isdecimal() and int(level) > len(self.advisor.knowledge.roadmap.stages):
                level = ""  # "done with stage 7, next": past the last stage, all of them
            return self._roadmap(state, reading.text, level, user, reading)
        result = self.advisor.engine.search(reading.text, understood=reading.understood)
        return self._ask(state, result, reading, user, shown_as)

    def _refine(
        self, state: ChatState, last: Exchange, reading: Reading, user: UserState
    ) -> Turn:
        """A follow-up re-aims whatever came last: a view keeps its other filter, a question
        is asked again with the new region, level or subject."""
        lexicon = self.lexicon
        refinement = read_refinement(reading.text, lexicon)
        region = refinement.regions[0] if refinement.regions else None
        level = refinement.levels[0] if refinement.levels else None
        question = refine(last.question, reading.text, lexicon)
        if last.view == "salary" and not refinement.detail:
            said = parse_salary_filters(reading.text, free_text=True, lexicon=lexicon).filters
            filters = SalaryFilters(
                # ("and canada?": no region the articles cover, and that said first)
                None if refinement.uncovered and not region else region or last.region,
                LEXICON_LEVELS[level] if level else last.level,
                units=refinement.units,
                uncovered=refinement.uncovered,
                city=said.city,
            )
            return self._salary(state, question, filters, user)
        if last.view == "roadmap" and level and not refinement.detail:
            return self._roadmap(state, question, level, user)
        return self._answer(state, self._read_as_question(question), user, question)

    def _read_as_question(self, question: str) -> Reading:
        """A question the dialogue rewrote, read afresh: it is asked, never taken as a
        follow-up of its own ("... (what skills do I need)?" is no "why?")."""
        reading = self.reader.read(question, None)
        if reading.kind in (
            Kind.MORE, Kind.WHY, Kind.SHORTER, Kind.REFINE, Kind.EMPTY, Kind.PROFILE
        ):
            reading = replace(reading, kind=Kind.QUESTION, understood=None)
        return reading

    def _salary(
        self,
        state: ChatState,
        question: str,
        filters: SalaryFilters,
        user: UserState,
        gap: Gap | None = None,
    ) -> Turn:
        knowledge = self.advisor.knowledge
        reply = salary_answer(
            knowledge.salaries, filters, user.profile,
            titles=knowledge.article_titles, rates=knowledge.exchange_rates,
        )
        coverage = "full"
        if filters.uncovered and filters.region is None:
            coverage = "partial" if reply.citations else "none"
        if gap is not None:  # what the figures don't answer, said before them
            coverage = "partial"
            said = f"<b>{escape(gap_sentence(gap))}</b>"
            reply = replace(reply, html=f"{said} What they give on pay:\n\n{reply.html}")
        answer = Answer(question, True, "salary", reply.html, reply.citations, coverage)
        new_state = state.remember(
            question, "salary", (), view="salary", region=filters.region, level=filters.level
        )
        return Turn(reply, new_state, answer)

    def _roadmap(
        self,
        state: ChatState,
        question: str,
        level: str,
        user: UserState,
        reading: Reading | None = None,
    ) -> Turn:
        """The roadmap view; asked for in words (``reading``), the overview also names the
        passages where the articles set out their own roadmaps, best for the question first
        (a stage's view cites its own)."""
        knowledge = self.advisor.knowledge
        reply = roadmap_command(
            knowledge.roadmap, level, user.progress, user.profile,
            titles=knowledge.article_titles,
        )
        if reading is not None and not level:
            result = self.advisor.engine.search(question, understood=reading.understood)
            if result.in_scope:
                cited = tuple(
                    citation_of(hit, number)
                    for number, hit in enumerate(cited_hits(result), start=1)
                )
                html = f"{reply.html}\n\n{further_reading(cited)}"
                if fits(html):
                    reply = replace(reply, html=html, citations=cited)
        answer = Answer(question, True, "roadmap", reply.html, reply.citations, "full")
        new_state = state.remember(question, "roadmap", (), view="roadmap", level=level or None)
        return Turn(reply, new_state, answer)

    def _ask(
        self,
        state: ChatState,
        result: SearchResult,
        reading: Reading | None = None,
        user: UserState | None = None,
        shown_as: str | None = None,
        opening_only: bool = False,
    ) -> Turn:
        """Answer a searched question, remembering it for follow-ups and buttons (with its
        opening alone, if ``opening_only``)."""
        context = self._context(result, reading, user or UserState(), state.last)
        context = replace(context, opening_only=opening_only)
        answer = compose(result, context)
        if not answer.in_scope:
            return Turn(Reply(answer.html, buttons=self._example_buttons()), state, answer)
        shown = tuple(c.passage_id for c in answer.citations)
        new_state = state.remember(result.question, answer.intent, shown)
        exchange = new_state.last
        assert exchange is not None
        html = answer.html
        if shown_as:  # a follow-up: say how it was understood
            html = f"<i>↪ {escape(shown_as)}</i>\n{html}"
        # Nothing quoted ("The articles don't cover working hours"): no More or Why, but
        # questions they do answer.
        buttons = self._answer_buttons(exchange) if answer.citations else self._related_rows(
            exchange
        )
        reply = Reply(html, buttons, answer.citations)
        return Turn(reply, new_state, replace(answer, html=html))

    def _context(
        self,
        result: SearchResult,
        reading: Reading | None,
        user: UserState,
        last: Exchange | None = None,
    ) -> AnswerContext:
        """The reply's shape from the reading: the user's region (the one named, else the
        one the chat's last question was about, else the profile's), and what isn't covered."""
        lexicon = self.lexicon
        named = reading.region if reading is not None else None
        if named is None and reading is None:
            countries = lexicon.countries_in(result.question)
            named = countries[0] if len(countries) == 1 else None
        home = named or (place_of(last, lexicon) if last is not None else None)
        home = home or user.profile.region
        region_docs = frozenset(
            article.entry.id
            for article in self.advisor.knowledge.articles
            if home is not None and home in article.entry.regions
        )
        suggestions = suggestions_for(home)
        name = lexicon.region(named).name.removeprefix("the ") if named else None
        levels = reading.levels if reading is not None else lexicon.levels_in(result.question)
        level = levels[0] if len(levels) == 1 else None
        if not result.in_scope:
            return AnswerContext(named, name, region_docs, None, suggestions, level, lexicon)
        cited = [hit.passage.text for hit in cited_hits(result)]
        gap = find_gap(
            result.question, result.query, lexicon, self._article_vocabulary(), cited,
            self._english_words(),
            background=self.advisor.engine.scope.other_field_tokens(result.query.tokens),
        )
        return AnswerContext(named, name, region_docs, gap, suggestions, level, lexicon)

    def _english_words(self) -> EnglishWords:
        return self.advisor.engine.english_words

    def _article_vocabulary(self) -> Container[str]:
        """The tokens some passage has: the index answers, without a copy of its terms."""
        return self.advisor.engine.index

    def _more(self, state: ChatState, exchange: Exchange, user: UserState | None = None) -> Turn:
        user = user or UserState()
        if exchange.view == "salary":  # more of a pay view: every level of that region
            filters = SalaryFilters(exchange.region or "all", "all")
            return self._salary(state, exchange.question, filters, user)
        if exchange.view == "roadmap":  # the next stage ("next", "what comes after this?")
            following = stage_after(self.advisor.knowledge.roadmap, exchange.level or "")
            return self._roadmap(state, exchange.question, following or "", user)
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

    def _shorter(self, state: ChatState, exchange: Exchange, user: UserState) -> Turn:
        """The last answer's opening alone, with its sources. A pay table or a roadmap is
        already a summary: it is narrowed by a region, a level or a stage instead."""
        if exchange.view in ("salary", "roadmap"):
            return Turn(Reply(SHORT_VIEW_NOTE), state)
        reading = self._read_as_question(exchange.question)
        result = self.advisor.engine.search(reading.text, understood=reading.understood)
        shown_as = f"in short: {exchange.question}"
        return self._ask(state, result, reading, user, shown_as, opening_only=True)

    def _why(self, state: ChatState, exchange: Exchange) -> Turn:
        passages = self._passage_by_id()
        found = [passages[pid] for pid in exchange.shown if pid in passages]
        if exchange.view in ("salary", "roadmap"):
            return self._view_sources(state, exchange)
        if not exchange.shown:
            return Turn(Reply(VIEW_SOURCES_NOTE), state)
        if not found:
            return Turn(Reply(STALE_NOTE), state)
        parts = [f"<b>The passages behind my answer to</b> <i>{escape(exchange.question)}</i>"]
        for number, passage in enumerate(found, start=1):
            parts.append(
                f"<b>[{number}] {escape(passage.title)}</b>\n<i>{escape(passage.section_label)}"
                f"</i>\n<blockquote>{escape(passage.text)}</blockquote>"
            )
        buttons = ((Button("More ▸", button_data(Action.MORE, exchange.id)),),)
        return Turn(Reply("\n\n".join(parts), buttons), state)

    def _view_sources(self, state: ChatState, exchange: Exchange) -> Turn:
        """ "Why?" after a /salary or /roadmap view: the article sentences behind it."""
        if exchange.view == "salary":
            filters = SalaryFilters(exchange.region, exchange.level)
            view = self._salary(ChatState(), exchange.question, filters, UserState()).reply
            what = "those salary figures"
        else:
            view = self._roadmap(ChatState(), exchange.question, exchange.level or "", UserState())
            view = view.reply
            what = "that roadmap's steps"
        citations = view.citations or roadmap_sources(
            self.advisor.knowledge.roadmap, self.advisor.knowledge.article_titles
        )
        if not citations:
            return Turn(Reply(VIEW_SOURCES_NOTE), state)
        parts = [f"<b>Where {what} come from</b>, quoted from the articles:"]
        for citation in citations:
            parts.append(
                f"<b>[{citation.n}] {escape(citation.title)}</b>\n"
                f"<blockquote>{escape(citation.text)}</blockquote>"
            )
        return Turn(Reply("\n\n".join(parts)), state)

    # Commands --------------------------------------------------------------------------------

    def _command(self, state: ChatState, name: str, args: str, user: UserState) -> Turn:
        knowledge = self.advisor.knowledge
        titles = knowledge.article_titles
        match name:
            case "start":
                link = read_payload(args) if args else None
                opened = self._deep_link(state, link, user) if link is not None else None
                if opened is not None:
                    return opened
                profile = Button(PROFILE_LABEL, button_data(Action.START, "profile"))
                buttons = (*self._example_buttons(), (profile,))
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
                remembered = state.remember(f"/roadmap {args}".strip(), "roadmap", (),
                                            view="roadmap", level=args.strip() or None)
                return Turn(reply, remembered)
            case "salary":
                reply = salary_command(
                    knowledge.salaries, args, user.profile, titles=titles,
                    rates=knowledge.exchange_rates,
                )
                filters = parse_salary_filters(args).filters
                remembered = state.remember(f"/salary {args}".strip(), "salary", (),
                                            view="salary", region=filters.region,
                                            level=filters.level)
                return Turn(reply, remembered)
            case "profile":
                reply, profile = profile_command(args, user.profile)
                return Turn(reply, state, user=replace(user, profile=profile))
            case "privacy":
                return Turn(Reply(privacy_html(self.retention_days)), state)
            case "forget":
                return Turn(Reply(FORGET_QUESTION, FORGET_BUTTONS), state)
        return Turn(Reply(unknown_command_html(name)), state)

    def _deep_link(self, state: ChatState, link: DeepLink, user: UserState) -> Turn | None:
        """What a /start payload opens (see bot.core.deep_link), as if asked for in the chat;
        None for words its view does not take, or a question the articles don't answer."""
        match link.kind:
            case "salary":
                parsed = parse_salary_filters(link.words)
                if parsed.unknown or parsed.clashes:
                    return None
                return self._command(state, "salary", link.words, user)
            case "roadmap":
                if not roadmap_understands(self.advisor.knowledge.roadmap, link.words):
                    return None
                return self._command(state, "roadmap", link.words, user)
            case "ask":
                turn = self._answer(state, self._read_as_question(link.words), user)
                return turn if turn.answer is not None and turn.answer.in_scope else None
        return None

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
        prefix, payload = read_button_data(data)
        match prefix:
            case Action.SALARY:
                reply = salary_button(
                    knowledge.salaries, payload, user.profile, titles=titles,
                    rates=knowledge.exchange_rates,
                )
                return Turn(reply, state)
            case Action.ROADMAP:
                reply, progress = roadmap_button(
                    knowledge.roadmap, payload, user.progress, titles=titles, profile=user.profile
                )
                opened = opened_stage(knowledge.roadmap, payload)
                if opened is not None:  # what "next" or "why?" then follows
                    state = state.remember(
                        f"/roadmap {opened}", "roadmap", (), view="roadmap", level=opened
                    )
                return Turn(reply, state, user=replace(user, progress=progress))
            case Action.PROFILE:
                reply, profile = profile_button(payload, user.profile)
                return Turn(reply, state, user=replace(user, profile=profile))
            case Action.START if payload == "profile":
                return Turn(profile_prompt(), state)
            case Action.VOTE:
                vote = read_vote(payload)
                if vote is not None:
                    return Turn(Reply(VOTE_THANKS[vote.value], (vote_row(vote.key, vote.value),),
                                      notice=True), state, vote=vote)
            case Action.FORGET if payload == "yes":
                return Turn(Reply(FORGOTTEN_NOTE, edit=True), ChatState(), user=UserState(),
                            forget=True)
            case Action.FORGET if payload == "no":
                return Turn(Reply(NOT_FORGOTTEN_NOTE, edit=True), state)
            case Action.ASK:
                question = self.questions.by_id(payload)
                if question is not None:
                    return self._text(state, question.text, user)
            case Action.MORE | Action.WHY if payload.isdecimal():
                exchange = state.find(int(payload))
                if exchange is not None:
                    if prefix == Action.MORE:
                        return self._more(state, exchange, user)
                    return self._why(state, exchange)
        return Turn(Reply(STALE_NOTE, self._example_buttons()), state)

    def _answer_buttons(self, exchange: Exchange) -> ButtonRows:
        actions = (
            Button("More ▸", button_data(Action.MORE, exchange.id)),
            Button("Why? Show sources", button_data(Action.WHY, exchange.id)),
        )
        return (actions, *self._related_rows(exchange))

    def _related_rows(self, exchange: Exchange) -> ButtonRows:
        related = self.related_questions(exchange.topic, exchange.question)
        return tuple((Button(q.label, button_data(Action.ASK, q.id)),) for q in related)

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
        return tuple(
            (Button(q.label, button_data(Action.ASK, q.id)),) for q in examples if q is not None
        )

    def _passage_by_id(self) -> dict[str, Passage]:
        if self._passages is None:
            self._passages = {p.id: p for p in self.advisor.engine.passages}
        return self._passages


# Fixed texts ---------------------------------------------------------------------------------

EMPTY_NOTE = "Send me a question about becoming an ML engineer, for example about skills or pay."
SHORT_VIEW_NOTE = (
    "That is already the short form. Name a region, a level or a stage for less: "
    "<i>senior level in India?</i>"
)
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
VOTE_THANKS = {1: "Thanks! Glad it helped. 👍", -1: "Thanks, noted: I'll learn from it. 👎"}
FORGET_QUESTION = (
    "Delete everything I store about you: your profile, roadmap progress, this chat's "
    "context, your 👍 / 👎 votes and the questions you asked? This cannot be undone."
)
FORGET_BUTTONS = (
    (Button("🗑 Yes, delete everything", button_data(Action.FORGET, "yes")),
     Button("No, keep it", button_data(Action.FORGET, "no"))),
)
FORGOTTEN_NOTE = (
    "Done: I have deleted everything I stored about you. To me you are a new user now."
)
NOT_FORGOTTEN_NOTE = "Nothing was deleted."


# "how long does it take (do i need a masters)?": the subject a follow-up was asked of.
_FOLLOWED_SUBJECT = re.compile(r"\(([^()]+)\)+\W*$")


def _roadmap_followed(state: ChatState, text: str) -> Exchange | None:
    """The roadmap reply that "what comes after this?" or "next step" follows: the last
    reply, or the one before it ("how long does that take?" came between), or, for one
    that names the stage ("what comes after this stage?"), the latest roadmap shown, though
    questions came between."""
    if not asks_next_stage(text):
        return None
    names_the_stage = re.search(r"\bstage\b", text, re.IGNORECASE) is not None
    recent = state.history if names_the_stage else state.history[-2:]
    return next((e for e in reversed(recent) if e.view == "roadmap"), None)


def privacy_html(retention_days: int) -> str:
    return (
        "<b>What I store, and for how long</b>\n\n"
        "• <b>Your profile and roadmap progress</b> (region, level, ticked steps): until you "
        "change them or send /forget.\n"
        "• <b>This chat's context</b> (your last 20 questions, so <i>more</i> and "
        "<i>why?</i> work): until /reset or /forget.\n"
        f"• <b>The questions you type</b>, with how well the articles covered them, the "
        f"passages cited and your 👍 / 👎 vote: {retention_days} days, then they are deleted "
        "automatically. The owner sees them only as anonymous counts and examples, never "
        "with your name or id.\n\n"
        "I store your Telegram user id to find your data, and nothing else about you: not your "
        "name, username or phone number. /forget deletes all of it at once."
    )


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


# How the welcome invites a press; front ends without taps (the terminal) say it their way.
TAP_INVITATION = "tap one of these to start:"


def welcome_html() -> str:
    return (
        "👋 <b>Welcome to Career Advisor!</b>\n\n"
        f"{escape(CAPABILITIES)}\n\n"
        f"Ask in your own words, or {TAP_INVITATION}"
    )


# Each command with the arguments it takes, for /help.
COMMAND_USAGE: tuple[tuple[str, str], ...] = (
    ("/start", "welcome and example questions"),
    ("/help", "this message"),
    ("/salary", "pay in Pakistan, India and the US"),
    ("/salary pk senior", "one region and level (pk, india, us; intern, entry, mid, senior)"),
    ("/roadmap", "the steps, with your progress"),
    ("/roadmap beginner", "start at your stage (beginner, intermediate, advanced)"),
    ("/profile india mid", "save your region and level for /salary and /roadmap"),
    ("/sources", "the articles I answer from"),
    ("/reset", "forget this chat's context"),
    ("/privacy", "what I store about you, and for how long"),
    ("/forget", "delete everything I store about you"),
)


def help_html() -> str:
    usage = "\n".join(f"<code>{escape(c)}</code> — {escape(text)}" for c, text in COMMAND_USAGE)
    return (
        "<b>How to use Career Advisor</b>\n\n"
        "I'm a bot of an open-source project. I answer from five articles about the "
        "ML-engineer career, with their own sentences: no chatbot writes my answers.\n\n"
        "Ask any question about becoming an ML engineer, in your own words. Every answer "
        "cites the articles it comes from, and says so when they don't cover something.\n\n"
        "After an answer you can say <i>elaborate</i>, ask <i>where did you get this?</i>, "
        "or follow up with <i>and for Pakistan?</i> or <i>what about senior level?</i>\n\n"
        "To share an answer in another chat, type my @name there and a question, then pick "
        "an answer from the list.\n\n"
        f"<b>Commands</b>\n{usage}"
    )


def unknown_command_html(name: str) -> str:
    return (
        f"I don't know the command /{escape(name[:40])}. "
        "Send /help to see what I can do, or just ask a question."
    )
