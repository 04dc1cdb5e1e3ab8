"""Template a search result into a reply a person calls an answer.

The reply opens with one or two sentences that answer the question, taken verbatim from
the best-matching passage and cited; then a few more points, the user's region first and
the same point from several articles merged under all their citations; then the sources.
When the articles do not cover what was asked, the first line says so plainly.

No language model: every point is a verbatim span of a cited passage.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from bot.core.citation import Citation
from bot.core.coverage import (
    ASKS_DURATION,
    DURATION,
    OTHER_ROLE,
    OTHER_ROLE_OR_FIELD,
    PAY_WORDS,
    Gap,
    duration_subject,
    gap_sentence,
    gives_duration,
    only_an_uncovered_topic,
    states_duration,
)
from bot.core.limits import fits
from bot.core.markup import escape
from bot.core.points import LABEL_PARTS, Point, passage_points
from knowledge.lexicon import Lexicon
from retrieval.asking_words import ASKER_WORDS, PLACE_WORDS, names_a_subject, term_words
from retrieval.query import Query
from retrieval.scope import ACKNOWLEDGMENT, FAREWELL, MessageKind
from retrieval.search import COMMON_WEIGHT, Hit, SearchResult
from retrieval.sentences import message_sentences, split_sentences
from retrieval.structure import strip_list_marker
from retrieval.tokenize import STOP_WORDS, tokenize
from retrieval.translation import mostly_other_script

MAX_SOURCES = 3
RELATIVE_SCORE = 0.35  # a further passage is cited if it scores this share of the best
MAX_POINTS = 3  # after the opening sentences; "More" gives the rest
MAX_POINTS_WHEN_UNCOVERED = 2
MAX_POINT_CHARS = 160  # a longer point is cut to its first sentences
MAX_LEAD_CHARS = 320
BODY_BUDGET = 540  # visible characters of opening and points; "More" gives the rest
EXTRA_POINT_SHARE = 0.5  # a passage's second point must be this relevant, against the best
SAME_POINT_OVERLAP = 0.6  # points sharing this share of their words say the same thing
RANK_DECAY = 0.3  # a lower-ranked passage's sentence needs this much more to lead
HEADING_ORDER_DECAY = 0.15  # of a heading's weight, per item before a list's fourth
# The career ladder's steps: a question by or about one of them ("I'm a senior ML engineer")
# opens with a sentence about another ("Entry-Level Salaries: ...") only if it is this much
# better. (A beginner or an intern is not on it: the entry step is their next one.)
LADDER_LEVELS = ("entry", "mid", "senior")
OTHER_STEP_FACTOR = 0.5
# ... unless it asks about the next step: "what comes after junior ML engineer?"
_ASKS_NEXT_STEP = re.compile(
    r"\b(?:after|next|grow\w*|progress\w*|path|promot\w*|move up|climb|become|reach)\b",
    re.IGNORECASE,
)
# A sentence that leans on the one before it ("This will provide ...") reads badly first.
_LEANS_BACK = re.compile(r"^(?:this|these|that|those|it|they|such|here)\b", re.IGNORECASE)
# ... and one that says "However, it is not always necessary" is about what came before it.
_REFERS_BACK = re.compile(
    r"^(?:(?:however|but|yet|still|though),?\s+)?(?:this|these|that|those|it|they|such)\b",
    re.IGNORECASE,
)
# Words that answer "do I need X?" one way or the other.
_STANCE = re.compile(
    r"\b(?:not (?:always |strictly )?(?:necessary|required|needed|mandatory|essential)|optional|"
    r"necessary|required|essential|crucial|mandatory|must|helpful|can help|beneficial|"
    r"recommended|preferred|not a must)\b",
    re.IGNORECASE,
)
# "Which language should I learn first?" is answered by the sentence that recommends one.
_ASKS_CHOICE = re.compile(
    r"^(?:which|what)\b[^?]*\b(?:should|to|do i|must|best|first|recommend)", re.IGNORECASE
)
_RECOMMENDS = re.compile(
    r"\b(?:preferred|recommended|most popular|essential|the best|highly|start with|first|key)\b",
    re.IGNORECASE,
)
# "ML engineer vs data scientist?" is answered by a sentence that contrasts them.
_ASKS_COMPARISON = re.compile(r"\b(?:vs\.?|versus|differen\w*|compare\w*|better)\b",
                              re.IGNORECASE)
_CONTRASTS = re.compile(  # "X does this, while Y does that": a contrast, not a concession
    r",\s*(?:while|whereas)\b|\b(?:whereas|unlike|in contrast|rather than)\b", re.IGNORECASE
)
# "why so low?", "why is there such a big gap": answered by a sentence that gives reasons.
_ASKS_WHY = re.compile(r"^\W*(?:(?:but|and|so|ok)\W+)?why\b", re.IGNORECASE)
_GIVES_REASONS = re.compile(r"\b(?:factors?|because|due to|influenced by)\b", re.IGNORECASE)
_NOT_ALWAYS = re.compile(
    r"\b(?:not (?:always |strictly )?(?:necessary|required|needed|mandatory)|optional)\b",
    re.IGNORECASE,
)
_YES_NO = re.compile(
    r"^(?:do|does|did|is|are|can|could|should|must|will|would|am|have|has)\b", re.IGNORECASE
)
_WITHOUT = re.compile(r"\bwithout\b", re.IGNORECASE)
_NEED = re.compile(r"\b(?:need|needed|necessary|required|require|must|mandatory|compulsory)\b",
                   re.IGNORECASE)
UNASKED_PAY_FACTOR = 0.3  # a pay figure's share of its score to open a reply not about pay
# Money in a region's currency: a reply about one country shows none of the others'.
CURRENCY_MARKERS: dict[str, re.Pattern[str]] = {
    "pakistan": re.compile(r"\bPKR\b|\bRs\.?\s?\d", re.IGNORECASE),
    "india": re.compile(r"₹|\bINR\b|\blakhs?\b|\bcrores?\b|\bLPA\b", re.IGNORECASE),
    "us": re.compile(r"\$\s?\d|\bUSD\b"),
}

CAPABILITIES = (
    "I answer questions about becoming a machine-learning engineer: the role, skills, "
    "education, certifications, experience, salaries in Pakistan, India and the US, "
    "and roadmaps, always with the sources I used."
)


@dataclass(frozen=True)
class Answer:
    question: str
    in_scope: bool
    intent: str
    html: str
    citations: tuple[Citation, ...]
    coverage: str = "full"  # "full" | "partial" | "none"; declines are "none"


@dataclass(frozen=True)
class AnswerContext:
    """What the dialogue read from the message, for the reply's shape."""

    region: str | None = None  # the one covered region the user asked about
    region_name: str | None = None  # as the articles write it: "Pakistan"
    region_doc_ids: frozenset[str] = frozenset()  # articles written about that region
    gap: Gap | None = None
    suggestions: tuple[str, ...] = field(default=())  # example questions for a decline
    level: str | None = None  # the one career level the user named ("senior")
    # The dialogue's lexicon, which tells which step of the ladder a sentence is about.
    lexicon: Lexicon | None = field(default=None, compare=False, repr=False)
    opening_only: bool = False  # "make it shorter": the opening and its sources alone


def citation_of(hit: Hit, number: int) -> Citation:
    """A passage found as the reply's source ``[number]``."""
    passage = hit.passage
    return Citation(
        n=number,
        passage_id=passage.id,
        doc_id=passage.doc_id,
        title=passage.title,
        section=passage.section_label,
        text=passage.text,
        score=round(hit.score, 3),
    )


def cited_hits(result: SearchResult) -> list[Hit]:
    """The passages a reply cites: the best MAX_SOURCES that score at least RELATIVE_SCORE of
    the best. A question that asks how long something takes cites, in place of the last of
    them, the next best that says how long when none of them does: the reply then gives the
    duration instead of saying the articles lack one ("how long does a master's take" has
    its "(2 years)" in a roadmap passage ranked fourth or fifth, among near ties)."""
    hits = result.hits
    if not hits:
        return []
    floor = hits[0].score * RELATIVE_SCORE
    chosen = [hit for hit in hits[:MAX_SOURCES] if hit.score >= floor]
    if len(chosen) == MAX_SOURCES and ASKS_DURATION.search(result.question) and not (
        states_duration(result.query, [hit.passage.text for hit in chosen])
    ):
        for hit in hits[MAX_SOURCES : 2 * MAX_SOURCES]:
            if hit.score >= floor and states_duration(result.query, [hit.passage.text]):
                chosen[-1] = hit
                break
    return chosen


# Choosing what to show ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    point: Point
    source: int  # citation number of its passage
    relevance: float
    standing: float = 1.0  # its passage's score against the best cited passage's
    # How well its passage's own heading matches the question: the items of a list headed
    # "Certifications" ("Coursera/Stanford: Machine Learning by Andrew Ng") are
    # certifications, though they never say so. Counted toward the opening only.
    heading: float = 0.0
    # The question's common words that heading names: each item is already about them, so
    # an item that says one again ("Soft Skills: ... analytical skills" under "Skills") is
    # no better an answer to "which skills do I need?" for it.
    heading_words: frozenset[str] = frozenset()


_ASIDE = re.compile(r"\s*\([^)]*\)")  # "(0-2 years)" in a label


@lru_cache(maxsize=8192)  # the texts are the articles' sentences: tokenized once each
def _distinct_tokens(text: str) -> tuple[str, ...]:
    """A text's tokens, each once, in a fixed order: scores summed over them must not
    depend on string hashing, or near ties would go another way in another process."""
    return tuple(sorted(set(tokenize(text))))


def _content_tokens(text: str) -> frozenset[str]:
    return frozenset(t for t in _distinct_tokens(text) if t not in STOP_WORDS)


def _relevance(text: str, terms: dict[str, float]) -> float:
    return sum((terms[token] for token in _distinct_tokens(text) if token in terms), 0.0)


@lru_cache(maxsize=4096)  # the labels are the articles' points
def _label_parts(label: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """Each part of a label that a short item heads ("Bachelor’s Degree (4 years) › Field of
    Study"), with its content words less any aside in brackets ("(4 years)")."""
    return tuple(
        (part, _content_tokens(_ASIDE.sub("", part))) for part in label.split(LABEL_PARTS)
    )


def _label_score(label: str, sentence: str, terms: dict[str, float]) -> float:
    """What a point's label adds to a sentence of it, part by part: half of what the part
    names, or all of it when the question names the whole part (its aside apart) and the
    sentence does not ("Data Structures and Algorithms: Proficiency in algorithms is key ..."
    answers "are data structures and algorithms important?" though its sentence says only
    "algorithms")."""
    total = 0.0
    for part, words in _label_parts(label):
        named_in_full = (
            len(words) >= 2 and words <= terms.keys() and not words <= _content_tokens(sentence)
        )
        total += (1.0 if named_in_full else 0.5) * _relevance(part, terms)
    return total


def _other_region_money(text: str, region: str | None) -> bool:
    if region is None or region not in CURRENCY_MARKERS:
        return False
    return any(
        pattern.search(text) for other, pattern in CURRENCY_MARKERS.items() if other != region
    )


# An amount in a question ("they're offering 90k", "is 8 LPA good"): it asks about pay.
_AMOUNT = re.compile(r"\b\d+(?:\.\d+)?\s?k\b|[$₹]|\b(?:pkr|inr|usd|lpa|lakhs?|crores?)\b", re.I)


def _asks_pay(result: SearchResult) -> bool:
    """Whether a question asks about pay, so that a figure of pay may open its reply: "how
    long does it take to learn ML?" opened with "a few years of experience can earn ...
    ₹900,000" for its "years"."""
    return (
        result.topic == "salary"
        or not PAY_WORDS.isdisjoint(result.query.terms)
        or bool(_AMOUNT.search(result.question))
    )


@lru_cache(maxsize=4096)  # the articles' sentences, asked of every opening
def _names_money(text: str) -> bool:
    """Whether a text gives an amount in one of the articles' currencies."""
    return any(pattern.search(text) for pattern in CURRENCY_MARKERS.values())


def _shorten(text: str, limit: int) -> str:
    """The first sentences of a point that fit the limit (at least one)."""
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in split_sentences(text):
        if kept and len(kept) + 1 + len(sentence) > limit:
            break
        kept = f"{kept} {sentence}".strip()
    if len(kept) > limit and "; " in kept:  # one long list of items: whole items, then "…"
        cut = kept.rfind("; ", 0, limit)
        if cut > limit // 3:
            return kept[:cut] + "; …"
    return kept


def _opening_terms(
    terms: dict[str, float], query: Query
) -> tuple[dict[str, float], dict[str, float]]:
    """The terms the opening sentence should match, and the place terms it may match only
    beside them. "you typically need ..." does not answer "what skills do I need?" for its
    "need" ("do I need X?" has its own stance rule), nor "Top universities in Pakistan" the
    question "is ML in demand in Pakistan?" for naming the country; but of two sentences
    about universities, the one that names Pakistan answers "universities in Pakistan"."""
    asked = {term: weight for term, weight in terms.items() if term not in query.goal}
    if not names_a_subject(query.tokens):
        return asked, {}
    places = {t: w for t, w in asked.items() if PLACE_WORDS.intersection(term_words(t))}
    return {
        term: weight for term, weight in asked.items()
        if term not in places and not ASKER_WORDS.intersection(term_words(term))
    }, places


@lru_cache(maxsize=4096)  # the texts are the articles' points
def _names_another_step(lexicon: Lexicon, label: str, text: str, level: str) -> bool:
    """Whether a point is about a step of the career ladder other than ``level``
    ("Entry-Level Salaries: ..." for a senior engineer). A label that names a step says
    what the point is about: "Mid-Level Positions: ... mentor junior team members" is about
    mid-level roles, not junior ones."""
    named = lexicon.levels_in(label) or lexicon.levels_in(text)
    return level not in named and any(step in LADDER_LEVELS for step in named)


def _lead(
    candidates: list[_Candidate],
    question: str,
    query: Query,
    terms: dict[str, float],
    region_name: str | None = None,
    place_terms: dict[str, float] | None = None,
    level: str | None = None,
    lexicon: Lexicon | None = None,
    asks_pay: bool = True,
) -> tuple[_Candidate, str] | None:
    """The sentence that best answers the question, with its point: a yes/no question about
    needing something prefers a sentence that takes a stance ("not always necessary"); one
    asked about a country, a sentence that names it; one by or about a senior engineer, not a
    sentence about entry-level pay."""
    # (in a post, its asking sentences: "... dropped out of college. Can I get hired
    # without a degree?")
    asks_need = any(
        _YES_NO.match(asked) and _NEED.search(asked)
        for asked in (message_sentences(query.asking) if query.asking else [question.strip()])
    )
    asks_duration = bool(ASKS_DURATION.search(question))
    subject = duration_subject(query) if asks_duration else set()
    asks_choice = bool(_ASKS_CHOICE.search(question.strip()))
    asks_why = bool(_ASKS_WHY.match(question))
    # (as written and as understood: "diffrence between ai engineer and ml engineer")
    written_and_understood = f"{question} {query.text}"
    asks_comparison = bool(_ASKS_COMPARISON.search(written_and_understood))
    roles_asked = _roles(written_and_understood, OTHER_ROLE_OR_FIELD)
    on_a_step = (
        lexicon is not None
        and level in LADDER_LEVELS
        and not _ASKS_NEXT_STEP.search(query.asking or question)
    )
    best: tuple[float, int, _Candidate, str] | None = None
    for order, candidate in enumerate(candidates):
        sentences = split_sentences(candidate.point.text)
        own_terms = terms if not candidate.heading_words else {
            term: weight for term, weight in terms.items() if term not in candidate.heading_words
        }
        for position, sentence in enumerate(sentences):
            stance = asks_need and bool(_STANCE.search(sentence))
            # "Consider a master's or Ph.D. ... However, it's not always necessary": a stance
            # that names what it is about in the sentence before, shown with what leads to it.
            borrows = (
                stance
                and position > 0
                and bool(_REFERS_BACK.match(sentence))
                and _through(candidate.point.text, sentence) <= MAX_LEAD_CHARS
            )
            said = f"{sentences[position - 1]} {sentence}" if borrows else sentence
            score = _relevance(said, own_terms) + _label_score(
                candidate.point.label, said, own_terms
            )
            if score > 0 and place_terms:  # where, only beside what
                score += _relevance(said, place_terms)
                score += 0.5 * _relevance(candidate.point.label, place_terms)
            score += candidate.heading
            # A duration of what was asked about ("Master's Degree (2 years)" for "how long
            # does a master's take") answers it; any other ("within months") only may.
            gives_a_duration = asks_duration and bool(DURATION.search(sentence))
            asked_duration = gives_a_duration and bool(subject) and gives_duration(
                sentence, subject
            )
            # A direct answer (a stance to a yes/no question, the duration asked for) may
            # come from any passage nearly as good as the best; anything else must come
            # from the best, bar a clearly better sentence.
            direct = stance or asked_duration
            score *= candidate.standing if direct else 1.0 - RANK_DECAY * (candidate.source - 1)
            if stance:
                score *= 3.0
            if gives_a_duration:
                score *= 3.0 if asked_duration else 2.0
            if asks_choice and _RECOMMENDS.search(sentence):
                score *= 1.5
            if asks_why and _GIVES_REASONS.search(sentence):
                score *= 2.0
            if asks_comparison:
                roles_named = _roles(sentence, OTHER_ROLE)
                if _CONTRASTS.search(sentence):
                    score *= 2.0 if roles_named <= roles_asked else 0.5
                # the other side of what is compared (unless pay is asked, which the
                # articles give for the ML engineer alone)
                if roles_named & roles_asked and not asks_pay:
                    score *= 1.5
            if not asks_pay and _names_money(sentence):
                score *= UNASKED_PAY_FACTOR
            if region_name and region_name.lower() in candidate.point.plain.lower():
                score *= 1.3
            if on_a_step and _names_another_step(
                lexicon, candidate.point.label, candidate.point.text, level
            ):
                score *= OTHER_STEP_FACTOR
            if (
                _LEANS_BACK.match(sentence)
                and not borrows
                and not candidate.point.text.startswith(sentence)
            ):
                score *= 0.4
            if score > 0 and (best is None or score > best[0]):
                best = (score, order, candidate, sentence)
    if best is None:
        return (candidates[0], _shorten(candidates[0].point.text, MAX_LEAD_CHARS)) if (
            candidates
        ) else None
    _, _, candidate, sentence = best
    text = candidate.point.text
    start = text.index(sentence)
    # A sentence late in its point keeps what leads up to it when that is short: "Python is
    # the preferred language ... R is also useful" answers "Python or R?" better than its
    # last sentence alone.
    if start > 0 and start + len(sentence) <= MAX_LEAD_CHARS:
        return candidate, text[: start + len(sentence)]
    # A short opening sentence takes the next one with it: "X is optional. It helps when ...".
    following = text[start + len(sentence) :].strip()
    if len(sentence) < 90 and following:
        nxt = split_sentences(following)[0]
        if len(sentence) + len(nxt) < MAX_LEAD_CHARS:
            sentence = f"{sentence} {strip_list_marker(nxt)}"
    # An inline bullet ("Skills: - Proficiency in ... - Problem-solving skills ...") opens
    # the reply as a sentence, not as a dash.
    return candidate, strip_list_marker(sentence)


def _roles(text: str, pattern: re.Pattern[str]) -> set[str]:
    """The roles besides the ML engineer a text names, each by its first ten letters ("data
    scientists" and "Data Science" alike: "data scien")."""
    return {re.sub(r"\W+", " ", m.group(0).lower())[:10] for m in pattern.finditer(text)}


def _through(text: str, sentence: str) -> int:
    """How long the text is up to the end of the sentence (its first occurrence)."""
    return text.index(sentence) + len(sentence)


def _same_point(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a and b) and len(a & b) >= SAME_POINT_OVERLAP * min(len(a), len(b))


@dataclass
class _Shown:
    text: str  # plain, unescaped
    label: str
    sources: list[int]
    tokens: frozenset[str]
    region_first: bool
    order: tuple[int, int]


def _choose_points(
    candidates: list[_Candidate],
    lead: _Candidate | None,
    lead_text: str,
    limit: int,
    context: AnswerContext,
    doc_of_source: dict[int, str],
) -> tuple[list[_Shown], list[int]]:
    """The best further points, and every source of the opening: each cited passage gives
    at least its best point; the same point from two articles is shown once under both
    citations, and a point that repeats the opening adds its source to the opening's."""
    lead_tokens = _content_tokens(lead_text)
    lead_sources = [lead.source] if lead is not None else []
    ranked = sorted(
        candidates,
        key=lambda c: (-c.relevance * (1.0 - RANK_DECAY * (c.source - 1)), c.source,
                       c.point.position),
    )
    shown: list[_Shown] = []
    best_of_source: dict[int, _Candidate] = {}
    for candidate in ranked:
        best_of_source.setdefault(candidate.source, candidate)
    # Beyond each passage's best point, only points about as relevant as the best ones.
    top = max((c.relevance for c in candidates), default=0.0)
    extras = [
        c for c in ranked
        if c not in best_of_source.values() and c.relevance >= EXTRA_POINT_SHARE * top
    ]
    ordered = list(best_of_source.values()) + extras
    for candidate in ordered:
        if lead is not None and candidate is lead:
            continue
        text = _shorten(candidate.point.text, MAX_POINT_CHARS)
        tokens = _content_tokens(text)
        if _same_point(tokens, lead_tokens):
            if candidate.source not in lead_sources:
                lead_sources.append(candidate.source)  # another article says the same
            continue
        twin = next((s for s in shown if _same_point(tokens, s.tokens)), None)
        if twin is not None:
            if candidate.source not in twin.sources:
                twin.sources.append(candidate.source)
            continue
        represented = any(candidate.source in s.sources for s in shown)
        if len(shown) >= limit and represented:
            continue  # full; but every cited passage keeps one point
        shown.append(
            _Shown(
                text,
                candidate.point.label,
                [candidate.source],
                tokens,
                doc_of_source[candidate.source] in context.region_doc_ids,
                (candidate.source, candidate.point.position),
            )
        )
    shown.sort(key=lambda s: (not s.region_first, s.order))
    return shown, lead_sources


def _fit_points(points: list[_Shown], lead_sources: list[int], spent: int) -> list[_Shown]:
    """Every cited passage keeps its best point; further points only while the reply is
    short ("More" gives the rest)."""
    kept: list[_Shown] = []
    covered = set(lead_sources)
    for point in points:
        size = len(point.label) + len(point.text) + 8
        if covered.issuperset(point.sources) and kept and spent + size > BODY_BUDGET:
            continue
        kept.append(point)
        covered.update(point.sources)
        spent += size
    return kept


def _lead_html(lead: tuple[_Candidate, str], question: str, sources: list[int]) -> str:
    """The opening: the answering sentence, its label when it starts the point, and a plain
    "Not always." before a sentence that says so to a "do I need" question."""
    candidate, sentence = lead
    opener = escape(sentence)
    if candidate.point.label and candidate.point.text.startswith(sentence):
        opener = f"<b>{escape(candidate.point.label)}</b>: {opener}"
    # ("can I get hired without a degree?" asks the other way round: "not always" would
    # answer no to it, where the sentence itself says what it means)
    if (
        _YES_NO.match(question.strip())
        and not _WITHOUT.search(question)
        and _says_not_always_of(sentence, question)
    ):
        opener = f"<b>Not always.</b> {opener}"
    return f"{opener} {_marks(sources)}"


def _says_not_always_of(sentence: str, question: str) -> bool:
    """Whether a part of the sentence (a list's items are split by ";") that says "optional"
    or "not always necessary" names something the question does: "R (optional, ...); Java,
    C++ (for production)" does not answer "do I need C++?" with "not always"."""
    asked = _content_tokens(question)
    return any(
        _NOT_ALWAYS.search(part) and _content_tokens(part) & asked for part in sentence.split(";")
    )


def _marks(sources: list[int]) -> str:
    return "".join(f"[{n}]" for n in sorted(sources))


def _point_html(shown: _Shown) -> str:
    body = escape(shown.text)
    if shown.label:
        body = f"<b>{escape(shown.label)}</b>: {body}"
    agree = f" <i>({len(shown.sources)} articles)</i>" if len(shown.sources) > 1 else ""
    return f"• {body} {_marks(shown.sources)}{agree}"


COVERED_SUBJECTS = (
    "They cover the ML engineer's role, skills, education, certifications, practical "
    "experience, salaries in Pakistan, India and the US, and roadmaps."
)


def _gap_line(gap: Gap) -> str:
    said = f"<b>{escape(gap_sentence(gap))}</b>"
    if gap.coverage == "none":
        return f"{said}\n{escape(COVERED_SUBJECTS)}"
    return f"{said} What they do say:"


def compose(result: SearchResult, context: AnswerContext | None = None) -> Answer:
    """The reply to a searched question."""
    context = context or AnswerContext()
    if not result.in_scope:
        return Answer(
            result.question, False, result.topic, decline_html(result, context), (), "none"
        )
    gap = context.gap
    if gap is not None and gap.coverage == "none":
        # Nothing cited would answer it: say so, with no quotes dressed up as an answer.
        return Answer(result.question, True, result.topic, _gap_line(gap), (), "none")
    hits = cited_hits(result)
    terms = result.weights or result.query.terms
    lead_terms, place_terms = _opening_terms(terms, result.query)
    # A heading counts for its items by the subject it names: every heading here says
    # "career" or "machine learning".
    heading_terms = {t: w for t, w in lead_terms.items() if names_a_subject(term_words(t))}
    candidates: list[_Candidate] = []
    doc_of_source: dict[int, str] = {}
    for number, hit in enumerate(hits, start=1):
        doc_of_source[number] = hit.passage.doc_id
        standing = hit.score / hits[0].score if hits[0].score > 0 else 1.0
        section = hit.passage.section
        heading = _relevance(section[-1], heading_terms) if section else 0.0
        heading_words = frozenset(
            token for token in _distinct_tokens(section[-1])
            # (a word most passages use: "skills" names the list; "degree" said again in
            # "Bachelor's Degree in CS: ..." is that item's own subject)
            if heading_terms.get(token, 1.0) <= COMMON_WEIGHT
        ) if section else frozenset()
        for index, point in enumerate(passage_points(hit.passage)):
            if _other_region_money(point.plain, context.region):
                continue
            relevance = _relevance(point.text, terms) + 0.5 * _relevance(point.label, terms)
            # A list under the heading asked about opens with its first items ("Linear
            # Algebra" before "Probability" in the roadmap), unless a later one names more.
            in_order = heading * (1.0 - HEADING_ORDER_DECAY * min(index, 3))
            candidates.append(
                _Candidate(point, number, relevance, standing, in_order, heading_words)
            )
    lead = _lead(
        candidates, result.question, result.query, lead_terms, context.region_name, place_terms,
        context.level, context.lexicon, _asks_pay(result),
    )
    limit = MAX_POINTS_WHEN_UNCOVERED if gap is not None else MAX_POINTS
    chosen, lead_sources = _choose_points(
        candidates, lead[0] if lead else None, lead[1] if lead else "", limit, context,
        doc_of_source,
    )
    points = _fit_points(chosen, lead_sources, len(lead[1]) if lead is not None else 0)
    if context.opening_only and lead is not None:
        points = []
    # Sources are numbered in rank order among those the reply actually quotes.
    used = set(lead_sources) | {n for point in points for n in point.sources}
    renumber = {old: new for new, old in enumerate(sorted(used), start=1)}
    lines: list[str] = [_gap_line(gap)] if gap is not None else []
    if lead is not None:
        lines.append(_lead_html(lead, result.question, [renumber[n] for n in lead_sources]))
    if points:
        lines.append("")
        for point in points:
            point.sources = [renumber[n] for n in point.sources]
            lines.append(_point_html(point))
    citations = [
        citation_of(hit, renumber[number])
        for number, hit in enumerate(hits, start=1)
        if number in renumber
    ]
    lines += ["", _sources_line(citations)]
    text = _fit(lines)
    return Answer(
        result.question, True, result.topic, text, tuple(citations),
        gap.coverage if gap is not None else "full",
    )


def _sources_line(citations: list[Citation]) -> str:
    """The articles quoted, each once with all its numbers; "Why?" shows each passage whole,
    with its section."""
    numbers: dict[str, list[int]] = {}
    for citation in citations:
        numbers.setdefault(citation.title, []).append(citation.n)
    parts = [f"{_marks(ns)} {escape(title)}" for title, ns in numbers.items()]
    return "<i>Sources:</i>\n" + "\n".join(parts)


def further_reading(citations: Sequence[Citation]) -> str:
    """Where the articles say more, a source a line: "[1] Title › Section"."""
    numbers: dict[tuple[str, str], list[int]] = {}
    for citation in citations:  # (a long section is several passages: one line for them)
        numbers.setdefault((citation.title, citation.section), []).append(citation.n)
    lines = ["📖 <i>In the articles:</i>"]
    lines += [
        f"{_marks(ns)} {escape(title)} › {escape(section)}"
        for (title, section), ns in numbers.items()
    ]
    return "\n".join(lines)


def _fit(lines: list[str]) -> str:
    """Within Telegram's limit: whole points dropped from the end, the sources kept."""
    head, tail = lines[:-1], lines[-1:]
    while not fits("\n".join(head + tail)) and len(head) > 1:
        head.pop()
    return "\n".join(head + tail)


# Declines -------------------------------------------------------------------------------------


def example_lines(examples: Sequence[str]) -> str:
    """Questions to try, a bullet each, in italics."""
    return "\n".join(f"• <i>{escape(example)}</i>" for example in examples)


def decline_html(result: SearchResult, context: AnswerContext | None = None) -> str:
    context = context or AnswerContext()
    examples = context.suggestions or ("What certifications should I get?",)
    if result.decision.kind == MessageKind.GREETING:
        return (
            "👋 <b>Hi! I'm Career Advisor.</b>\n"
            f"{escape(CAPABILITIES)}\n\nTry: <i>{escape(examples[0])}</i>"
        )
    if result.decision.kind == MessageKind.THANKS:
        if result.decision.reason == ACKNOWLEDGMENT:
            return "👍 Ask me anything else about becoming an ML engineer."
        if result.decision.reason == FAREWELL:
            return "👋 Bye! Come back any time with a question about becoming an ML engineer."
        return "You're welcome! Ask me anything else about becoming an ML engineer. 🙂"
    tries = example_lines(examples[:3])
    if mostly_other_script(result.question):
        # Declined for its language, not its subject: "outside what I can help with" would
        # tell someone asking how to become an ML engineer in Korean that the bot cannot.
        why = (
            "Sorry, I can only read questions in English: the articles I answer from are in "
            "English. Could you ask it in English?"
        )
    elif context.lexicon is not None and (
        topic := only_an_uncovered_topic(result.query, context.lexicon)
    ):
        why = f"<b>The articles don't cover {escape(topic)}.</b>\n{escape(COVERED_SUBJECTS)}"
    else:
        why = (
            "Sorry, that is outside what I can help with: I answer questions about becoming a "
            "machine-learning engineer (role, skills, education, certifications, experience, "
            "salaries in Pakistan, India and the US, roadmaps), from the articles I cite."
        )
    return f"{why}\n\nYou could ask:\n{tries}"
