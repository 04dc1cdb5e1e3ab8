"""/roadmap: the consolidated roadmap, stage by stage, with citations and the user's progress.

Progress is a set of item ids the user marked done; the dialogue stores it (as a sorted list)
and passes it in. Ids that no longer exist in roadmap.yaml are ignored, never an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.core.buttons import Action, button_data, payload_parts
from bot.core.citation import Citation
from bot.core.markup import visible_text
from bot.core.points import clean_unit
from bot.core.profile import Profile, escape, match_word, words
from bot.core.reply import Button, ButtonRows, Reply
from knowledge.career_models import ROADMAP_LEVELS, Roadmap, RoadmapItem, RoadmapStage
from knowledge.lexicon import load_lexicon
from retrieval.asking_words import GENERIC, NOT_SUBJECTS
from retrieval.tokenize import tokenize

MAX_QUOTE_CHARS = 150
STAGE_READABLE_CHARS = 1400  # visible characters of a stage view; "Why?" has every quote
STALE_NOTE = "That button is out of date; here is the current roadmap."
DONE, UNDONE = "1", "0"  # what a tick button sets its item to

# Career levels (the one lexicon's, also the profile's) -> the roadmap stage to start from,
# for "/roadmap mid" and for a profile's level alike; the stage names themselves also work
# ("/roadmap intermediate").
STAGE_FOR_LEVEL: dict[str, str] = {
    "beginner": "beginner",
    "internship": "beginner",
    "entry": "intermediate",
    "mid": "intermediate",
    "senior": "advanced",
}
ROADMAP_LEVEL_WORDS: dict[str, str] = {
    **{word: STAGE_FOR_LEVEL[level] for word, level in load_lexicon().word_table("levels").items()},
    "intermediate": "intermediate",
    "advanced": "advanced",
}
LEVEL_NAMES = {"beginner": "a beginner", "intermediate": "intermediate", "advanced": "advanced"}
# Words that make a free-text message a request for a roadmap or a starting point.
ROADMAP_CUES = frozenset(
    "roadmap roadmaps road path pathway plan steps step guide route journey".split()
)
# "Where do I start?", "what should I learn next?": asking for the way in, not about
# something that merely starts ("which job titles do fresh grads start with").
_ASKS_THE_WAY = re.compile(
    r"\bwhere (?:do|should|can|would) i (?:start|begin)\b|\bwhere to (?:start|begin)\b|"
    r"\bhow (?:do i|to|should i|can i) (?:start|begin|get started)\b|"
    r"\bwhat (?:should|do|must|can) i (?:learn|study|do)(?: next| first)?\b|"
    r"\bwhat (?:to learn|to study|next)\b|\bnext steps?\b|\bfrom (?:scratch|zero)\b",
    re.IGNORECASE,
)
_CAREER_PATH = re.compile(r"\bcareer (?:path|paths|pathway|pathways|progression)\b", re.IGNORECASE)
COMMAND_FILLER = frozenset(
    "a an the for me my i am im show roadmap level stage as to from at of is".split()
)


def _titles(titles: Mapping[str, str] | None) -> Mapping[str, str]:
    return titles or {}


def _article_count(roadmap: Roadmap, titles: Mapping[str, str] | None) -> int:
    """How many articles there are, for "recommended by 4 of 5 sources"."""
    if titles:
        return len(titles)
    return len({a for stage in roadmap.stages for item in stage.items for a in item.article_ids})


def _done(stage: RoadmapStage, progress: frozenset[str]) -> int:
    return sum(item.id in progress for item in stage.items)


def next_step(
    roadmap: Roadmap, progress: frozenset[str], level: str | None = None
) -> tuple[RoadmapStage, RoadmapItem] | None:
    """The first item not done, from the level's starting stage onwards, then earlier ones."""
    start = roadmap.stage_index(roadmap.starts[level]) if level in roadmap.starts else 0
    start = start or 0
    ordered = roadmap.stages[start:] + roadmap.stages[:start]
    for stage in ordered:
        for item in stage.items:
            if item.id not in progress:
                return stage, item
    return None


# "a study plan", "a step by step plan to learn ML", "month by month plan", "what to learn,
# in order": a learning plan, or the order to learn in, is a roadmap by another name.
_LEARNING_PLAN = re.compile(
    r"\b(?:study|learning|learn|week by week|month by month|step by step|step-by-step)\s+plan\b"
    r"|\bplan\s+(?:to|for)\s+(?:learn|learning|becom|get into|getting into|break into)"
    r"|\bin (?:what|which) order\b|\blearning order\b|\border of (?:learning|topics|subjects)\b"
    r"|\bto learn\b.*\bin order\W*$",
    re.IGNORECASE,
)


# "where do i start", "what should i learn first", "pehle kya seekhun": where a beginner
# starts, which the roadmap's first stage says (a search found "Begin with roles like Junior
# Machine Learning Engineer" for "where should i begin with ML").
_WHERE_TO_START = re.compile(
    r"^\W*(?:(?:so|ok|okay|then|bhai|yaar|bro|pls|please|hi|hey)\W+)*(?:"
    r"(?:what|which) (?:should|do|must|shall|can) i (?:learn|do|study|pick up|start with|"
    r"begin with|focus on) (?:first|at first|first of all)"
    r"|where (?:do|should|can|shall) i (?:even |actually )?(?:start|begin)(?: learning| from)?"
    r"|(?:sab se )?pehle kya (?:karun|karoon|karu|seekhun|seekhu|parhun|padhun)"
    r"|kahan se (?:shuru|start) (?:karun|karoon|karu|karein|kare)"
    r")(?:\s+(?:with |for |in )?(?:ml|machine learning|ml engineering|ai))?\W*$",
    re.IGNORECASE,
)


def asks_where_to_start(text: str) -> bool:
    """Whether a message only asks where a beginner starts."""
    return bool(_WHERE_TO_START.match(text))


# "which one first?" after the roadmap's stages: the one a beginner starts with.
_WHICH_FIRST = re.compile(
    r"^\W*(?:(?:so|ok|okay|and|then)\W+)*(?:which|what) (?:one|stage|step)(?: do i do| should i"
    r" do| to do)? (?:first|to start with|do i start with|should i start with)\W*$",
    re.IGNORECASE,
)


# "ok pytorch seekh liya ab next kya", "i know python and sql, what next?": something learned,
# and what comes after it.
_LEARNED = re.compile(
    r"\b(?:learn(?:ed|t)|know|finished|completed|done with|covered|seekh (?:liya|li|lia|chuka|"
    r"chuki)|aata hai|aati hai)\b",
    re.IGNORECASE,
)
_ASKS_WHAT_NEXT = re.compile(
    r"\b(?:next|what now|now what|then what|ab kya|aage kya)\b", re.IGNORECASE
)


MAX_LEARNED_WORDS = 12  # longer, and a story's "next" and "know" are of other things
_LEVEL_OF_LEARNING = frozenset(tokenize("basic basics fundamental fundamentals advanced"))


def stage_after_learning(roadmap: Roadmap, text: str) -> str | None:
    """The id of the stage after the one that teaches what a message says was learned ("ok
    pytorch seekh liya ab next kya": PyTorch is in the tools stage; the next is projects),
    or None when it names nothing the stages teach, or does not ask what next."""
    if len(text.split()) > MAX_LEARNED_WORDS or not (
        _LEARNED.search(text) and _ASKS_WHAT_NEXT.search(text)
    ):
        return None
    # (something of its own: "once I know the basics, what comes next" names no stage)
    learned = set(tokenize(text)) - GENERIC - NOT_SUBJECTS - _LEVEL_OF_LEARNING
    best, most = None, 0
    for index, stage in enumerate(roadmap.stages[:-1]):
        taught = {
            token
            for item in stage.items
            for token in tokenize(" ".join((item.title, item.detail, *item.resources)))
        }
        shared = len(learned & taught)
        if shared > most:  # (the earlier stage on a tie: where it is first taught)
            best, most = index, shared
    return None if best is None else roadmap.stages[best + 1].id


def asks_which_stage_first(text: str) -> bool:
    """Whether a message, after the roadmap's stages, asks which of them comes first."""
    return bool(_WHICH_FIRST.match(text))


# "a plan for 6 months", "a 3 month plan": a learning plan over a time, whose months are no
# pay ("per month")
_TIMED_PLAN = re.compile(
    r"\bplan\s+for\s+(?:the\s+)?(?:next\s+)?\d+\s+(?:months?|weeks?)\b"
    r"|\b\d+[\s-]+(?:months?|weeks?)\s+plan\b",
    re.IGNORECASE,
)


def asks_for_a_timed_plan(text: str) -> bool:
    """Whether a message asks for a plan over some months or weeks."""
    return bool(_TIMED_PLAN.search(text))


def asks_for_the_roadmap(text: str) -> bool:
    """Whether a message names the roadmap itself ("roadmap for ML engineer", "is there a road
    map", "a study plan"): with no level named, the overview answers it. A "path" or "steps"
    may be of anything, so only these words count."""
    return (
        "road map" in text.lower()
        or asks_for_a_timed_plan(text)
        or bool(_LEARNING_PLAN.search(text))
        or any(word in ("roadmap", "roadmaps") for word in words(text))
    )


# "what's stage 7", "show me stage 3", "the 2nd stage", "the first step of the roadmap": a
# roadmap stage by its number (a "step" only of the roadmap: "the first step to get a job"
# is no stage).
_ORDINALS = {
    "first": "1", "second": "2", "third": "3", "fourth": "4", "fifth": "5", "sixth": "6",
    "seventh": "7", "last": "7",
}
_STAGE_NUMBER = re.compile(
    r"\bstage\s*(?:no\.?\s*|number\s*|#\s*)?(\d{1,2})\b|\b(\d{1,2})(?:st|nd|rd|th)\s+stage\b"
    rf"|\b({'|'.join(_ORDINALS)})\s+(?:stage\b|step\s+(?:of|in)\s+(?:the\s+|your\s+)?"
    r"road\s?map\b)",
    re.IGNORECASE,
)
MAX_STAGE_REQUEST_WORDS = 8  # longer, and "stage 2" is a detail of something else asked


# "ok done with stage 1, next", "finished stage 2. what now?": the stage after it.
_DONE_WITH = re.compile(
    r"\b(?:done|finished|completed|through)\s+(?:with\s+)?(?:the\s+)?(?:stage|step)\s*(\d{1,2})\b"
    r"[^?]*\b(?:next|now|then|after)\b",
    re.IGNORECASE,
)


# "skip to the end", "take me to the last stage": the roadmap's last stage.
_TO_THE_END = re.compile(
    r"^\W*(?:(?:ok|okay|just|pls|please)\W+)*(?:skip|jump|go|take me|fast forward)\s+to\s+the\s+"
    r"(?:end|last(?: stage| step| one)?)\W*$",
    re.IGNORECASE,
)


def stage_number_in(text: str) -> str | None:
    """The number of the roadmap stage a short message asks for ("7" for "stage 7", "the
    7th stage" or "the seventh stage"; "2" for "done with stage 1, next")."""
    if _TO_THE_END.match(text):
        return _ORDINALS["last"]
    found = _STAGE_NUMBER.search(text)
    if found is None:
        return None
    done = _DONE_WITH.search(text)
    if done is not None and len(text.split()) <= MAX_STAGE_REQUEST_WORDS:
        return str(int(done.group(1)) + 1)
    # (counted in its own sentence: "ok whatever. whats the first stage in the roadmap")
    sentence_start = max(text.rfind(mark, 0, found.start()) for mark in ".!?") + 1
    ends = [at for mark in ".!?" if (at := text.find(mark, found.end())) != -1]
    if len(text[sentence_start : min(ends, default=len(text))].split()) > MAX_STAGE_REQUEST_WORDS:
        return None
    if found.group(3):
        return _ORDINALS[found.group(3).lower()]
    return found.group(1) or found.group(2)


def roadmap_level_from_text(text: str) -> str | None:
    """ "roadmap for a beginner", "I'm advanced, what next?" -> the level; else None."""
    # "the career path after junior ML engineer" is the way up a career, not a learning plan
    text = _CAREER_PATH.sub("career", text)
    vocabulary = words(text)
    cued = any(word in ROADMAP_CUES for word in vocabulary) or "road map" in text.lower()
    if not cued and not _ASKS_THE_WAY.search(text):
        return None
    levels = {
        level
        for word in vocabulary
        if word not in ROADMAP_CUES
        and (level := match_word(word, ROADMAP_LEVEL_WORDS, len(word) >= 6)) is not None
    }
    return levels.pop() if len(levels) == 1 else None


def roadmap_sources(
    roadmap: Roadmap, titles: Mapping[str, str] | None = None, per_article: int = 3
) -> tuple[Citation, ...]:
    """The article sentences behind the whole roadmap, a few per article (for "where did
    you get this?" after the overview)."""
    quotes: dict[str, list[str]] = {}
    for stage in roadmap.stages:
        for item in stage.items:
            for source in item.sources:
                shown = _shown_quote(source.quote)
                found = quotes.setdefault(source.article, [])
                if shown is not None and shown not in found and len(found) < per_article:
                    found.append(shown)
    return tuple(
        Citation(
            n=number,
            passage_id=f"roadmap:all:{article}",
            doc_id=article,
            title=_titles(titles).get(article, article),
            section="Roadmap",
            text="\n".join(found),
            score=1.0,
        )
        for number, (article, found) in enumerate(quotes.items(), start=1)
    )


# Overview -------------------------------------------------------------------------------------


def _overview(
    roadmap: Roadmap,
    progress: frozenset[str],
    profile: Profile | None,
    *,
    titles: Mapping[str, str] | None,
    note: str = "",
    edit: bool = False,
) -> Reply:
    level = STAGE_FOR_LEVEL.get(profile.level) if profile and profile.level else None
    step = next_step(roadmap, progress, level)
    lines = ["🗺 <b>Roadmap to becoming an ML engineer</b>"]
    if note:
        lines.append(f"<i>{escape(note)}</i>")
    lines.append(
        f"{len(roadmap.stages)} stages pieced together from {_article_count(roadmap, titles)} "
        "articles. Open a stage for what to learn, with sources, and tick off what you've done."
    )
    lines.append("")
    for number, stage in enumerate(roadmap.stages, start=1):
        done, total = _done(stage, progress), len(stage.items)
        tick = " ✓" if done == total else ""
        title = escape(stage.title)
        if step is not None and step[0].id == stage.id:
            title = f"<b>{title}</b>"
        lines.append(f"{number}. {title} {done}/{total}{tick}")
    lines.append("")
    if level is not None:
        start = roadmap.stage(roadmap.starts[level])
        if start is not None:
            lines.append(
                f"<i>Your /profile says {escape(LEVEL_NAMES[level])}: start at "
                f"{escape(start.title)}.</i>"
            )
    if step is None:
        lines.append("🎉 <b>You've ticked off every step.</b> Keep learning!")
    else:
        lines.append(f"👉 <b>Your next step:</b> {escape(step[1].title)} ({escape(step[0].title)})")
    return Reply("\n".join(lines), _overview_buttons(roadmap, progress, step), edit=edit)


def _overview_buttons(
    roadmap: Roadmap,
    progress: frozenset[str],
    step: tuple[RoadmapStage, RoadmapItem] | None,
) -> ButtonRows:
    buttons = []
    for number, stage in enumerate(roadmap.stages, start=1):
        tick = " ✓" if _done(stage, progress) == len(stage.items) else ""
        data = button_data(Action.ROADMAP, "s", stage.id)
        buttons.append(Button(f"{number}. {stage.title}{tick}", data))
    rows = [tuple(buttons[index : index + 2]) for index in range(0, len(buttons), 2)]
    if step is not None:
        data = button_data(Action.ROADMAP, "s", step[0].id)
        rows.append((Button(f"▶ Next step: {step[1].title}", data),))
    return tuple(rows)


# Stage view -----------------------------------------------------------------------------------


def _shown_quote(quote: str) -> str | None:
    """A quote as shown: without an outline's "Explain that" (a verbatim sub-span), or
    None when it is only an instruction to the article's writer."""
    cleaned = clean_unit(" ".join(quote.split()))
    if cleaned is None:
        return None
    label, text = cleaned
    return f"{label}: {text}" if label else text


def _shorten(quote: str) -> str:
    quote = " ".join(quote.split())
    if len(quote) <= MAX_QUOTE_CHARS:
        return quote
    cut = quote[:MAX_QUOTE_CHARS].rsplit(" ", 1)[0].rstrip(",;:")
    return f"{cut}…"


def _stage_view(
    roadmap: Roadmap,
    stage: RoadmapStage,
    progress: frozenset[str],
    *,
    titles: Mapping[str, str] | None,
    note: str = "",
    edit: bool = True,
) -> Reply:
    # Quotes make a stage long; show fewer per item until it reads at a glance ("Why?"
    # shows every quote behind the stage).
    for quotes_per_item in (1, 0):
        text, citations = _stage_text(roadmap, stage, progress, titles, note, quotes_per_item)
        if len(visible_text(text)) <= STAGE_READABLE_CHARS:
            break
    return Reply(text, _stage_buttons(roadmap, stage, progress), citations, edit=edit)


def _stage_text(
    roadmap: Roadmap,
    stage: RoadmapStage,
    progress: frozenset[str],
    titles: Mapping[str, str] | None,
    note: str,
    quotes_per_item: int,
) -> tuple[str, tuple[Citation, ...]]:
    index = roadmap.stage_index(stage.id) or 0
    total_articles = _article_count(roadmap, titles)
    numbers: dict[str, int] = {}
    quotes: dict[str, list[str]] = {}
    lines = []
    if note:
        lines += [f"<i>{escape(note)}</i>", ""]
    lines += [
        f"🗺 <b>Stage {index + 1}/{len(roadmap.stages)} · {escape(stage.title)}</b> "
        f"({_done(stage, progress)}/{len(stage.items)} done)",
        f"<i>{escape(stage.goal)}</i>",
    ]
    for item in stage.items:
        for source in item.sources:
            numbers.setdefault(source.article, len(numbers) + 1)
            quotes.setdefault(source.article, [])
            if source.quote not in quotes[source.article]:
                quotes[source.article].append(source.quote)
        agree = len(item.article_ids)
        support = (
            f"recommended by {agree} of {total_articles} sources" if agree > 1 else "from 1 source"
        )
        cited = "".join(f"[{n}]" for n in sorted(numbers[a] for a in item.article_ids))
        mark = "✅" if item.id in progress else "⬜"
        lines += ["", f"{mark} <b>{escape(item.title)}</b> · {support} {cited}"]
        lines.append(escape(item.detail))
        if item.resources:
            lines.append(f"📚 {escape(', '.join(item.resources))}")
        shown = [
            (article, quote)
            for article, raw in dict.fromkeys((s.article, s.quote) for s in item.sources)
            if (quote := _shown_quote(raw)) is not None
        ]
        for article, quote in shown[:quotes_per_item]:
            lines.append(f"<i>“{escape(_shorten(quote))}”</i> [{numbers[article]}]")
    lines += ["", "<b>Sources</b>"]
    citations = []
    for article, number in numbers.items():
        title = _titles(titles).get(article, article)
        lines.append(f"[{number}] {escape(title)}")
        citations.append(
            Citation(
                n=number,
                passage_id=f"roadmap:{stage.id}:{article}",  # the stage's quotes, not a passage
                doc_id=article,
                title=title,
                section=f"Roadmap: {stage.title}",
                text="\n".join(quotes[article]),
                score=1.0,  # a direct citation, not a search hit
            )
        )
    return "\n".join(lines), tuple(citations)


def _stage_buttons(roadmap: Roadmap, stage: RoadmapStage, progress: frozenset[str]) -> ButtonRows:
    rows: list[tuple[Button, ...]] = [
        (
            Button(
                f"{'✅' if item.id in progress else '⬜'} {item.title}",
                # the state the label offers, not a toggle: a press on an older copy of the
                # view (or someone else's, in a group) does what its label said
                button_data(Action.ROADMAP, "t", stage.id, item.id, UNDONE if item.id in
                            progress else DONE),
            ),
        )
        for item in stage.items
    ]
    index = roadmap.stage_index(stage.id) or 0
    back = roadmap.stages[index - 1] if index > 0 else None
    forward = roadmap.stages[index + 1] if index + 1 < len(roadmap.stages) else None
    navigation = [Button("☰ All stages", button_data(Action.ROADMAP, "o"))]
    if back is not None:
        navigation.insert(0, Button("◀ Back", button_data(Action.ROADMAP, "s", back.id)))
    if forward is not None:
        navigation.append(Button("Next ▶", button_data(Action.ROADMAP, "s", forward.id)))
    rows.append(tuple(navigation))
    return tuple(rows)


# Entry points -----------------------------------------------------------------------------------


def _stage_named(roadmap: Roadmap, vocabulary: list[str]) -> RoadmapStage | None:
    """A stage named in a command: by id, number or a word of its title ("/roadmap tools")."""
    for word in vocabulary:
        if word.isdecimal() and 1 <= int(word) <= len(roadmap.stages):
            return roadmap.stages[int(word) - 1]
        for stage in roadmap.stages:
            title_words = [w for w in words(stage.title) if len(w) > 3]
            if word == stage.id or match_word(word, dict.fromkeys(title_words, stage.id)):
                return stage
    return None


def _target(roadmap: Roadmap, args: str) -> tuple[str | None, RoadmapStage | None] | None:
    """What /roadmap's words ask for: (None, None) the overview, (level, its starting stage),
    (None, a stage named or numbered); None when they are not understood."""
    vocabulary = [word for word in words(args) if word not in COMMAND_FILLER]
    if not vocabulary:
        return None, None
    named = roadmap.stage(vocabulary[0]) if len(vocabulary) == 1 else None
    if named is not None:  # a stage's id ("/roadmap firstjob"), before any level it resembles
        return None, named
    levels = {match_word(word, ROADMAP_LEVEL_WORDS) for word in vocabulary} - {None}
    if len(levels) == 1:
        level = str(levels.pop())
        stage = roadmap.stage(roadmap.starts[level])
        if stage is not None:
            return level, stage
    stage = _stage_named(roadmap, vocabulary)
    if stage is not None and not levels:
        return None, stage
    return None


def stage_after(roadmap: Roadmap, args: str) -> str | None:
    """The id of the stage after the one /roadmap's words open ("beginner", "tools", "3"):
    the first after the overview, None after the last or for words not understood."""
    target = _target(roadmap, args)
    if target is None:
        return None
    stage = target[1]
    index = -1 if stage is None else roadmap.stage_index(stage.id)
    if index is None or index + 1 >= len(roadmap.stages):
        return None
    return roadmap.stages[index + 1].id


def shown_stage(roadmap: Roadmap, args: str) -> RoadmapStage | None:
    """The stage /roadmap's words open ("beginner", "tools", "3"); None for the overview or
    words not understood."""
    target = _target(roadmap, args)
    return None if target is None else target[1]


def roadmap_understands(roadmap: Roadmap, args: str) -> bool:
    """Whether /roadmap with these words opens what they ask for, not a "didn't understand"."""
    return _target(roadmap, args) is not None


def roadmap_command(
    roadmap: Roadmap,
    args: str,
    progress: frozenset[str],
    profile: Profile,
    *,
    titles: Mapping[str, str] | None = None,
) -> Reply:
    """/roadmap: the overview; "/roadmap beginner|intermediate|advanced" opens the fitting stage;
    "/roadmap tools" or "/roadmap 3" opens a stage by name or number."""
    target = _target(roadmap, args)
    if target is not None:
        level, stage = target
        if stage is None:
            return _overview(roadmap, progress, profile, titles=titles)
        note = f"Starting point for {LEVEL_NAMES[level]}: {stage.title}." if level else ""
        return _stage_view(roadmap, stage, progress, titles=titles, note=note, edit=False)
    stage_names = ", ".join(stage.id for stage in roadmap.stages)
    note = (
        f"I didn't understand “{args.strip()[:60]}”. Try /roadmap "
        f"{' | '.join(ROADMAP_LEVELS)}, a stage number 1-{len(roadmap.stages)} or a stage "
        f"({stage_names})."
    )
    return _overview(roadmap, progress, profile, titles=titles, note=note)


def opened_stage(roadmap: Roadmap, payload: str) -> str | None:
    """The id of the stage a press opens ("s:<stage>"), None for any other press."""
    parts = payload_parts(payload)
    if len(parts) == 2 and parts[0] == "s" and roadmap.stage(parts[1]) is not None:
        return parts[1]
    return None


def roadmap_button(
    roadmap: Roadmap,
    payload: str,
    progress: frozenset[str],
    *,
    titles: Mapping[str, str] | None = None,
    profile: Profile | None = None,
) -> tuple[Reply, frozenset[str]]:
    """A press: "o" (overview), "s:<stage>" (open), "t:<stage>:<item>:<1|0>" (mark the item
    done or not done; "t:<stage>:<item>", from buttons made before, ticks or unticks).

    Returns the reply (always editing the pressed message) and the new progress.
    """
    parts = payload_parts(payload)
    if parts == ["o"]:
        return _overview(roadmap, progress, profile, titles=titles, edit=True), progress
    opened = opened_stage(roadmap, payload)
    if opened is not None:
        return _stage_view(roadmap, roadmap.stage(opened), progress, titles=titles), progress
    stage = roadmap.stage(parts[1]) if len(parts) in (3, 4) else None
    ticks = parts[0] == "t" and (len(parts) == 3 or parts[3:] in ([DONE], [UNDONE]))
    if stage is not None and ticks:
        if any(item.id == parts[2] for item in stage.items):
            item = frozenset({parts[2]})
            if len(parts) == 3:
                updated = progress ^ item
            else:
                updated = progress | item if parts[3] == DONE else progress - item
            return _stage_view(roadmap, stage, updated, titles=titles), updated
        note = "That item is no longer on the roadmap; here is the stage as it is now."
        return _stage_view(roadmap, stage, progress, titles=titles, note=note), progress
    reply = _overview(roadmap, progress, profile, titles=titles, note=STALE_NOTE, edit=True)
    return reply, progress
