"""What of a passage can be shown as a point: verbatim spans that read as advice.

Scraped articles carry text that is not advice: an outline's instructions to its writer
("Explain that ...", "Mention popular frameworks ..."), filler that only announces what
comes next ("Let's delve into the details", "Below is a detailed outline"), bare list
labels ("Projects and Portfolio:") and debris ("b."). A point is always a verbatim span of
its passage: an instruction gives up what follows it, or the sentence is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from retrieval.chunking import Passage
from retrieval.sentences import split_sentences
from retrieval.structure import heading_label, split_label, strip_list_marker

# Verbs an outline uses to tell its writer what to write. "Explain that X" gives X.
_INSTRUCTION = re.compile(
    r"^(?:explain|mention|highlight|suggest|preview|summari[sz]e|note|clarify|emphasi[sz]e|"
    r"encourage|recommend|reiterate|describe|discuss|introduce|outline|point out|stress|"
    r"touch on|conclude|end with|talk about|underline|illustrate)\s+",
    re.IGNORECASE,
)
# A sentence leaning on a dropped one ("Imagine a world ... This is the reality today").
_LEANS_BACK = re.compile(r"^(?:this|that|these|those|such|it)\b", re.IGNORECASE)
_SUBJECT_THEN_VERB = re.compile(r"^\w+\s+(?:is|are|was|were|can|will|help|helps|make|makes)\b")
_THAT = re.compile(r"^(?:that|how|why)\s+", re.IGNORECASE)
# An instruction's object that is about the reader or the article, not the subject.
_ABOUT_THE_WRITING = re.compile(
    r"^(?:the\s+)?(?:readers?|them|you|your|the article|this article|the blog|the steps|"
    r"a motivational|the promising|the importance|key takeaways|the main points)\b",
    re.IGNORECASE,
)
# Sentences that announce, frame or sign off rather than inform.
_FILLER = re.compile(
    r"^(?:let'?s|let us|below (?:is|are)|here(?:'s| is| are)|in this (?:article|blog|guide|post|"
    r"section)|this (?:blog|article|guide|post|section) (?:will|is|covers)|imagine\b|"
    r"by following (?:this|these)|in conclusion|to conclude|to sum up|in summary|without "
    r"further ado|read on|keep reading|stay tuned|we will|we'll|you will learn|you'll learn|"
    r"so,? let'?s|now,? let'?s|last,? but not least|first and foremost|ready to|are you)\b",
    re.IGNORECASE,
)
_FILLER_ANYWHERE = re.compile(
    r"\b(?:delve|this blog|this article|this guide|detailed outline|detailed overview|"
    r"detailed list|detailed breakdown|detailed roadmap|step-by-step guide:|let'?s explore)\b",
    re.IGNORECASE,
)
_LETTERS = re.compile(r"[A-Za-z]")
MIN_POINT_LETTERS = 3  # "b." and "2)" are list debris
LABEL_PARTS = " › "  # between a short item heading labelled sentences and their own labels
FRAGMENT_WORDS = 12  # list items that are not sentences ("R (optional, but useful ...)")
MAX_GROUP_LABEL_WORDS = 8


@dataclass(frozen=True)
class Point:
    """A showable span of a passage: an optional label ("Internships") and its text."""

    label: str
    text: str
    position: int  # order within the passage

    @property
    def plain(self) -> str:
        return f"{self.label}: {self.text}" if self.label else self.text


def clean_sentence(sentence: str, first_after_label: bool = False) -> str | None:
    """The part of a sentence worth showing, verbatim, or None.

    "Explain that ML engineers build models." -> "ML engineers build models."; an
    instruction with a plain object keeps it only right after a label ("Online Courses:
    Recommend courses from Coursera" -> "courses from Coursera"), where it reads as the
    label's content.
    """
    text = sentence.strip()
    if not text or _FILLER.match(text) or _FILLER_ANYWHERE.search(text):
        return None
    instruction = _INSTRUCTION.match(text)
    if instruction and not _looks_like_a_subject(text, instruction.end()):
        rest = text[instruction.end() :]
        that = _THAT.match(rest)
        if that and that.group(0).lower().startswith("that"):
            rest = rest[that.end() :]
        elif not first_after_label or _ABOUT_THE_WRITING.match(rest) or that:
            return None
        text = rest
    if text.endswith(":") or text.endswith("?"):
        return None  # an introducer or a rhetorical question: nothing of its own
    if len(_LETTERS.findall(text)) < MIN_POINT_LETTERS:
        return None
    return text


def _looks_like_a_subject(text: str, end: int) -> bool:
    """ "Cover letters are ...", "State machines can ...": the verb's word starts a noun."""
    return bool(_SUBJECT_THEN_VERB.match(text[end:]))


def clean_unit(unit: str) -> tuple[str, str] | None:
    """A unit as (label, text) with instructions and filler removed, or None."""
    body = strip_list_marker(unit)
    label = ""
    parts = split_label(unit)
    if parts:
        label, body = parts
    kept: list[str] = []
    dropped_last = False
    for sentence in split_sentences(body):
        cleaned = clean_sentence(sentence, first_after_label=bool(label) and not kept)
        if cleaned and dropped_last and _LEANS_BACK.match(cleaned):
            cleaned = None
        if cleaned:
            kept.append(cleaned)
        dropped_last = cleaned is None
    if not kept:
        return None
    return label, strip_list_marker(" ".join(kept))  # "Responsibilities: - Collaborating"


def _group_label(unit: str, passage: Passage) -> tuple[str, bool] | None:
    """A label that heads the items after it, and whether it is a bare "Soft Skills:" line
    (which labels every item under it) rather than a heading (which names only runs of
    short items: sentences under a heading read on their own)."""
    if unit in passage.headings:
        return heading_label(unit), False
    bare = strip_list_marker(unit).strip()
    if bare.endswith(":") and len(bare.split()) <= MAX_GROUP_LABEL_WORDS:
        return bare[:-1].strip(), True
    return None


def _is_fragment(label: str, text: str) -> bool:
    """A list item that is not a sentence: shown on one line with its neighbours."""
    return not label and len(text.split()) <= FRAGMENT_WORDS and not text.endswith((".", "!"))


@lru_cache(maxsize=2048)  # passages never change while the bot runs
def passage_points(passage: Passage) -> tuple[Point, ...]:
    """A passage's showable points, in article order.

    Items under a bare label join it ("Internships: Start with internships ..."), runs of
    list items that are not sentences become one point ("Deep Learning: CNNs, RNNs"), and a
    lone such item titles the sentence after it.
    """
    points: list[Point] = []
    group, labels_all = "", False  # the label heading the current items
    run: list[str] = []  # short items waiting to be joined
    # A lone short item heading the labelled sentences after it, up to the next item of
    # another kind: "Bachelor’s Degree (4 years)", then "Field of Study: ..." and
    # "Institutions: ..." about that degree.
    subheading = ""

    def flush() -> None:
        if run:
            joiner = "; " if any("," in item for item in run) else ", "
            points.append(Point(group, joiner.join(run), len(points)))
            run.clear()

    for unit in passage.units:
        found = _group_label(unit, passage)
        if found is not None:
            flush()
            group, labels_all = found
            subheading = ""
            continue
        cleaned = clean_unit(unit)
        if cleaned is None:
            continue
        own_label, text = cleaned
        if _is_fragment(own_label, text):
            run.append(text)
            subheading = ""
            continue
        if len(run) == 1 and not labels_all:
            # A lone short item right before a sentence is the title the scrape flattened
            # into the list: "High School (Secondary Education)", "- Focus on subjects like
            # Mathematics, ..." reads as one point, the title as its label; before labelled
            # sentences, it heads each of them.
            if not own_label:
                points.append(Point(run.pop(), text, len(points)))
                continue
            subheading = run[0]  # and still a point of its own: "(4 years)" answers "how long"
        flush()
        if not own_label or _is_fragment("", text):
            subheading = ""  # so does a short labelled item ("Optional: Master’s Degree")
        if subheading:
            own_label = f"{subheading}{LABEL_PARTS}{own_label}"
        points.append(Point(own_label or (group if labels_all else ""), text, len(points)))
    flush()
    return tuple(points)
