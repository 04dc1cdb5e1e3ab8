"""Template a search result into a reply: a lead line, cited points, and sources.

No language model: every point is a verbatim excerpt of a cited passage.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from retrieval.chunking import Passage
from retrieval.scope import MessageKind
from retrieval.search import Hit, SearchResult
from retrieval.sentences import split_sentences
from retrieval.structure import split_label, strip_list_marker
from retrieval.tokenize import tokenize

TELEGRAM_LIMIT = 4096
MAX_SOURCES = 3
RELATIVE_SCORE = 0.35  # a further passage is cited if it scores this share of the best
MAX_POINTS_PER_SOURCE = 4
MAX_POINT_CHARS = 700
MAX_LIST_POINTS = 6  # a short section whose heading matches the question is shown whole

TOPIC_LEADS = {
    "salary": "💰 What ML engineers earn, according to the articles",
    "certifications": "🎓 Certifications the articles recommend",
    "education": "🎓 What the articles say about education and degrees",
    "experience": "🛠 How to get practical experience",
    "roadmap": "🗺 Steps on the road to becoming an ML engineer",
    "skills": "🧰 Skills an ML engineer needs",
    "role": "👩‍💻 What an ML engineer does",
    "career": "📈 Career paths and growth for ML engineers",
    "comparison": "⚖️ How the roles compare",
    "general": "📚 Here is what the articles say",
}
REGION_NAMES = {"pakistan": "Pakistan", "india": "India", "usa": "the US"}

EXAMPLES = (
    "What certifications should I get?",
    "Do I need a master's degree?",
    "How much do ML engineers earn in India?",
)
CAPABILITIES = (
    "I answer questions about becoming a machine-learning engineer: the role, skills, "
    "education, certifications, experience, salaries in Pakistan, India and the US, "
    "and roadmaps, always with the sources I used."
)


@dataclass(frozen=True)
class Citation:
    n: int
    passage_id: str
    doc_id: str
    title: str
    section: str
    text: str
    score: float


@dataclass(frozen=True)
class Answer:
    question: str
    in_scope: bool
    intent: str
    html: str
    citations: tuple[Citation, ...]


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def _display(unit: str) -> str:
    """A unit as a point: list markers off, a leading "Label:" in bold."""
    label = split_label(unit)
    if label:
        return f"<b>{escape(label[0])}</b>: {escape(label[1])}"
    return escape(strip_list_marker(unit))


def _relevance(text: str, terms: dict[str, float]) -> float:
    return sum(terms.get(token, 0.0) for token in set(tokenize(text)))


def select_points(passage: Passage, terms: dict[str, float]) -> list[str]:
    """The units of a passage that answer the question, in article order."""
    units: list[str] = []
    for unit in passage.units:
        if unit in passage.headings:
            continue
        units.extend(split_sentences(unit) if len(unit) > MAX_POINT_CHARS else [unit])
    if not units:
        return []
    heading = " ".join(passage.section[-1:] + passage.headings)
    if _relevance(heading, terms) >= 1.0 and len(units) <= MAX_LIST_POINTS:
        return units  # the passage is about what was asked: all of it answers
    scored = [(_relevance(unit, terms), position) for position, unit in enumerate(units)]
    best = max(score for score, _ in scored)
    if best <= 0:
        chosen = [0, 1][: len(units)]
    else:
        ranked = sorted(scored, key=lambda item: (-item[0], item[1]))
        chosen = [
            position for score, position in ranked[:MAX_POINTS_PER_SOURCE] if score >= best * 0.5
        ]
    return [units[position] for position in sorted(chosen)]


def _lead(result: SearchResult) -> str:
    lead = TOPIC_LEADS.get(result.topic, TOPIC_LEADS["general"])
    regions = [name for token, name in REGION_NAMES.items() if token in result.query.tokens]
    if result.topic == "salary" and len(regions) == 1:
        lead = f"💰 What ML engineers earn in {regions[0]}, according to the articles"
    return f"<b>{escape(lead)}:</b>"


def cited_hits(hits: tuple[Hit, ...]) -> list[Hit]:
    if not hits:
        return []
    best = hits[0].score
    return [hit for hit in hits[:MAX_SOURCES] if hit.score >= best * RELATIVE_SCORE]


def decline_html(result: SearchResult) -> str:
    if result.decision.kind == MessageKind.GREETING:
        return (
            "👋 <b>Hi! I'm Career Advisor.</b>\n"
            f"{escape(CAPABILITIES)}\n\nTry: <i>{escape(EXAMPLES[0])}</i>"
        )
    if result.decision.kind == MessageKind.THANKS:
        return "You're welcome! Ask me anything else about becoming an ML engineer. 🙂"
    return (
        "Sorry, that is outside what I know. "
        f"{escape(CAPABILITIES)}\n\nYou could ask, for example: <i>{escape(EXAMPLES[0])}</i>"
    )


def compose(result: SearchResult) -> Answer:
    if not result.in_scope:
        return Answer(result.question, False, result.topic, decline_html(result), ())
    lines = [_lead(result), ""]
    citations: list[Citation] = []
    for number, hit in enumerate(cited_hits(result.hits), start=1):
        passage = hit.passage
        for point in select_points(passage, result.query.terms):
            lines.append(f"• {_display(point)} [{number}]")
        citations.append(
            Citation(
                n=number,
                passage_id=passage.id,
                doc_id=passage.doc_id,
                title=passage.title,
                section=passage.section_label,
                text=passage.text,
                score=round(hit.score, 3),
            )
        )
    lines += ["", "<b>Sources</b>"]
    lines += [f"[{c.n}] {escape(c.title)}, {escape(c.section)}" for c in citations]
    text = "\n".join(lines)
    if len(text) > TELEGRAM_LIMIT:  # keep whole points; drop the last ones
        text = _fit(lines)
    return Answer(result.question, True, result.topic, text, tuple(citations))


def _fit(lines: list[str]) -> str:
    sources_at = lines.index("<b>Sources</b>")
    head, tail = lines[: sources_at - 1], lines[sources_at - 1 :]
    while len("\n".join(head + tail)) > TELEGRAM_LIMIT and len(head) > 3:
        head.pop()
    return "\n".join(head + tail)
