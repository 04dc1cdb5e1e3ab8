"""/roadmap: overview with progress, stage views with citations, buttons, levels."""

from __future__ import annotations

import re

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.profile import Profile
from bot.core.reply import Reply
from bot.core.roadmap_view import (
    asks_for_the_roadmap,
    next_step,
    roadmap_button,
    roadmap_command,
    roadmap_level_from_text,
)
from knowledge import KNOWLEDGE_DIR, KnowledgeBase, load_knowledge
from knowledge.career_models import Roadmap, fold_whitespace
from standin.telegram_html import prepare_message_text

NOTHING: frozenset[str] = frozenset()
NO_PROFILE = Profile()


def valid(reply: Reply) -> str:
    """The reply's text as Telegram shows it; fails if Telegram would refuse it."""
    parsed = prepare_message_text(reply.html)  # raises on bad HTML or > 4096 characters
    for button in reply.button_list:
        assert button.data.startswith("rm:"), button.data
    return parsed.plain


@pytest.fixture(scope="module")
def roadmap(knowledge: KnowledgeBase) -> Roadmap:
    return knowledge.roadmap


@pytest.fixture(scope="module")
def command(knowledge: KnowledgeBase):
    def command(args: str = "", progress=NOTHING, profile: Profile = NO_PROFILE) -> Reply:
        return roadmap_command(
            knowledge.roadmap, args, progress, profile, titles=knowledge.article_titles
        )

    return command


@pytest.fixture(scope="module")
def press(knowledge: KnowledgeBase):
    def press(payload: str, progress=NOTHING, profile: Profile | None = None):
        return roadmap_button(
            knowledge.roadmap,
            payload,
            progress,
            titles=knowledge.article_titles,
            profile=profile,
        )

    return press


def _stage_items(roadmap: Roadmap, stage_id: str) -> frozenset[str]:
    stage = roadmap.stage(stage_id)
    assert stage is not None
    return frozenset(item.id for item in stage.items)


def test_overview_lists_every_stage_on_one_line(command, roadmap) -> None:
    reply = command()
    text = valid(reply)
    for number, stage in enumerate(roadmap.stages, start=1):
        assert f"{number}. {stage.title} 0/{len(stage.items)}\n" in text
    assert "👉 Your next step: Maths and statistics (Foundations)" in text
    stage_buttons = [b for b in reply.button_list if b.data.startswith("rm:s:")]
    assert [b.data for b in stage_buttons[:7]] == [f"rm:s:{s.id}" for s in roadmap.stages]
    assert stage_buttons[-1].label == "▶ Next step: Maths and statistics"
    assert not reply.edit
    assert all(len(row) <= 2 for row in reply.buttons)


def test_overview_shows_progress_and_the_next_step(command, roadmap) -> None:
    progress = _stage_items(roadmap, "found") | {"algos"}
    text = valid(command("", progress))
    assert "1. Foundations 4/4 ✓" in text
    assert "2. ML fundamentals 1/5\n" in text
    assert "Your next step: A structured ML course (ML fundamentals)" in text
    everything = valid(command("", roadmap.item_ids))
    assert "You've ticked off every step" in everything
    assert all(f"{len(s.items)}/{len(s.items)} ✓" in everything for s in roadmap.stages)


def test_unknown_ids_in_progress_are_ignored(command) -> None:
    assert command("", frozenset({"ghost", "old-item"})).html == command().html


def test_profile_level_moves_the_starting_point(command) -> None:
    text = valid(command("", NOTHING, Profile(level="senior")))
    assert "Your /profile says advanced: start at Specialization and advanced topics" in text
    assert "Your next step: Natural language processing" in text
    entry = valid(command("", NOTHING, Profile("india", "entry")))
    assert "start at Tools and frameworks" in entry


@pytest.mark.parametrize("level", ["beginner", "entry", "mid", "senior"])
def test_a_profile_level_and_the_same_level_typed_start_at_one_stage(command, level: str) -> None:
    """"/roadmap mid" and a profile saying mid point to the same stage: one table."""
    typed = valid(command(level))
    from_profile = valid(command("", NOTHING, Profile(level=level)))
    stage = re.search(r"start at (.+?)[.:\n]", from_profile)
    assert stage is not None, from_profile
    assert stage.group(1) in typed


def test_next_step_wraps_round_to_earlier_stages(roadmap) -> None:
    later = frozenset(
        item.id
        for stage in roadmap.stages[roadmap.stage_index("special") :]
        for item in stage.items
    )
    step = next_step(roadmap, later, "advanced")
    assert step is not None and step[1].id == "math"
    assert next_step(roadmap, roadmap.item_ids, "beginner") is None


@pytest.mark.parametrize(
    ("args", "stage_title"),
    [
        ("beginner", "Foundations"),
        ("Beginner", "Foundations"),
        ("for a newbie", "Foundations"),
        ("intermediate", "Tools and frameworks"),
        ("mid", "Tools and frameworks"),
        ("advanced", "Specialization and advanced topics"),
        ("senior", "Specialization and advanced topics"),
        ("expert", "Specialization and advanced topics"),
        ("advnced", "Specialization and advanced topics"),
    ],
)
def test_a_level_opens_the_fitting_stage(command, args: str, stage_title: str) -> None:
    reply = command(args)
    text = valid(reply)
    assert f"· {stage_title} (" in text
    assert "Starting point for" in text
    assert not reply.edit  # a new message, not an edit


@pytest.mark.parametrize(
    ("args", "stage_id"),
    [
        ("3", "tools"), ("projects", "projects"), ("growth", "growth"),
        # every stage by its id, though one resembles a level's words ("first job": entry)
        *((stage.id, stage.id) for stage in load_knowledge().roadmap.stages),
    ],
)
def test_a_stage_can_be_opened_by_number_or_name(command, args: str, stage_id: str) -> None:
    reply = command(args)
    valid(reply)
    assert any(b.data.startswith(f"rm:t:{stage_id}:") for b in reply.button_list)


def test_unknown_arguments_explain_the_options(command) -> None:
    reply = command("<script>pro gamer")
    text = valid(reply)
    assert "I didn't understand “<script>pro gamer”" in text
    assert "beginner | intermediate | advanced" in text
    assert "&lt;script&gt;" in reply.html


def test_stage_view_lists_items_with_citations(press, roadmap, knowledge) -> None:
    reply, progress = press("s:found")
    text = valid(reply)
    assert reply.edit and progress == NOTHING
    assert "Stage 1/7 · Foundations (0/4 done)" in text
    assert "Maths and statistics · recommended by 5 of 5 sources [1][2][3][4][5]" in text
    assert "📚 NUST, FAST, LUMS, GIKI, UET" in text
    assert "Sources\n[1] ML Engineer career roadmap (Pakistan)" in text
    articles = {a.entry.id: fold_whitespace(a.text) for a in knowledge.articles}
    for citation in reply.citations:
        assert f"[{citation.n}] {citation.title}" in text
        for quote in citation.text.split("\n"):
            assert fold_whitespace(quote) in articles[citation.doc_id]
    # Shown quotes are verbatim (or a verbatim start cut with "…").
    for line in text.split("\n"):
        if line.startswith("“"):
            quote = line[1 : line.rindex("”")].removesuffix("…")
            assert any(fold_whitespace(quote) in body for body in articles.values()), line


def test_single_source_items_say_so(press) -> None:
    text = valid(press("s:projects")[0])
    assert "Hackathons and open source · from 1 source [" in text


def test_stage_buttons_toggle_items_and_navigate(press, roadmap) -> None:
    first = press("s:found")[0]
    data = [b.data for b in first.button_list]
    assert data[:4] == [
        "rm:t:found:math:1",
        "rm:t:found:python:1",
        "rm:t:found:dsa:1",
        "rm:t:found:degree:1",
    ]
    assert data[4:] == ["rm:o", "rm:s:mlbasics"]  # no Back on the first stage
    middle = [b.data for b in press("s:tools")[0].buttons[-1]]
    assert middle == ["rm:s:mlbasics", "rm:o", "rm:s:projects"]
    last = [b.label for b in press("s:growth")[0].buttons[-1]]
    assert last == ["◀ Back", "☰ All stages"]


def test_marking_an_item_done_and_undone(press) -> None:
    reply, progress = press("t:found:math")
    assert progress == {"math"}
    assert reply.edit
    text = valid(reply)
    assert "(1/4 done)" in text and "✅ Maths and statistics" in text
    assert reply.button_list[0].label == "✅ Maths and statistics"
    reply, progress = press("t:found:math", progress)
    assert progress == NOTHING
    assert "(0/4 done)" in valid(reply)


def test_toggling_keeps_ids_it_does_not_know(press) -> None:
    _, progress = press("t:found:dsa", frozenset({"retired-id"}))
    assert progress == {"retired-id", "dsa"}


@pytest.mark.parametrize(
    "payload", ["", "o:o", "s", "s:nope", "t:nope:math", "x", "s:found:extra", "t:found", "💥:1"]
)
def test_forged_payloads_are_harmless(press, payload: str) -> None:
    reply, progress = press(payload, frozenset({"math"}))
    text = valid(reply)
    assert "That button is out of date" in text
    assert progress == {"math"}
    assert reply.edit


def test_a_stale_item_shows_its_stage_as_it_is_now(press) -> None:
    reply, progress = press("t:found:quantum", frozenset({"math"}))
    text = valid(reply)
    assert "That item is no longer on the roadmap" in text
    assert "Stage 1/7 · Foundations (1/4 done)" in text
    assert progress == {"math"}


def test_overview_button_edits_in_place(press, command) -> None:
    reply, _ = press("o", frozenset({"math"}))
    assert reply.edit
    assert reply.html == command("", frozenset({"math"})).html


def test_every_button_path_is_valid(press, command, roadmap) -> None:
    progress: frozenset[str] = NOTHING
    seen: set[str] = set()
    queue = [button.data for button in command().button_list]
    while queue:
        data = queue.pop()
        if data in seen or data.endswith(":0"):  # unticking is tested on its own
            continue
        seen.add(data)
        reply, progress = press(data.removeprefix("rm:"), progress)
        valid(reply)
        queue.extend(button.data for button in reply.button_list)
    toggles = {data for data in seen if data.startswith("rm:t:")}
    assert len(toggles) == len(roadmap.item_ids)
    assert progress == roadmap.item_ids  # every item was ticked once on the way


def test_a_tick_sets_what_its_label_offered_even_from_an_older_view(press) -> None:
    """Two copies of a stage (an older message, someone else's view in a group): pressing
    ⬜ on both leaves the item done, where a toggle would have undone it again."""
    older = press("s:found")[0]
    tick = next(b for b in older.button_list if b.label.startswith("⬜"))
    _, progress = press(tick.data.removeprefix("rm:"), NOTHING)
    again, progress = press(tick.data.removeprefix("rm:"), progress)
    assert progress == {"math"}
    untick = next(b for b in again.button_list if b.label.startswith("✅"))
    assert untick.data == "rm:t:found:math:0"
    _, progress = press(untick.data.removeprefix("rm:"), progress)
    _, progress = press(untick.data.removeprefix("rm:"), progress)
    assert progress == NOTHING
    # a button made before this change still ticks and unticks
    assert press("t:found:math", NOTHING)[1] == {"math"}
    assert press("t:found:math", frozenset({"math"}))[1] == NOTHING
    assert press("t:found:math:2", NOTHING)[1] == NOTHING  # not a state: stale


def test_every_stage_fits_whatever_the_progress(press, roadmap) -> None:
    for stage in roadmap.stages:
        for progress in (NOTHING, roadmap.item_ids):
            reply, _ = press(f"s:{stage.id}", progress)
            valid(reply)
            assert len(reply.html) <= 4096


def test_a_huge_stage_drops_quotes_to_fit() -> None:
    data = yaml.safe_load((KNOWLEDGE_DIR / "roadmap.yaml").read_text(encoding="utf-8"))
    long_quote = "word " * 60
    data["stages"][0]["items"] = [
        {
            "id": f"item{n}",
            "title": f"Item {n}",
            "detail": "Something to learn. " * 5,
            "sources": [{"article": "pakistan-roadmap", "quote": long_quote}] * 2,
        }
        for n in range(14)
    ]
    roadmap = Roadmap.model_validate(data)  # no article context: quotes unchecked here
    reply, _ = roadmap_button(roadmap, "s:found", NOTHING)
    text = valid(reply)
    assert "Item 13" in text and "“word" not in text


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("roadmap for a beginner", "beginner"),
        ("I'm a beginner, where do I start?", "beginner"),
        ("Roadmap for someone intermediate", "intermediate"),
        ("advanced ML engineer roadmap", "advanced"),
        ("I am a senior engineer, what should I learn next?", "advanced"),
        ("show me the roadmap", None),
        ("how much does a senior earn", None),
        ("roadmap for a beginner or an expert", None),
        ("", None),
    ],
)
def test_roadmap_level_from_text(text: str, level: str | None) -> None:
    assert roadmap_level_from_text(text) == level


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("is there a road map for ML", True),
        ("give me a step by step plan to learn ML", True),
        ("month by month plan to become an ML engineer", True),
        ("I need a study plan", True),
        ("what is the career path after junior", False),
        ("do you have a plan for the salary negotiation", False),
        # the order to learn in
        ("what are the step by step things to learn to be an ML engineer, in order", True),
        ("in what order should I study the topics?", True),
        ("I want to learn ML in order to get a better job", False),  # a purpose, no order
    ],
)
def test_a_learning_plan_asks_for_the_roadmap(text: str, asks: bool) -> None:
    assert asks_for_the_roadmap(text) == asks


_IDS = st.sampled_from(["found", "tools", "math", "ghost", "", "o", "s", "t", "💥"])
_PAYLOADS = st.one_of(st.text(max_size=40), st.lists(_IDS, max_size=4).map(":".join))


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=_PAYLOADS, progress=st.frozensets(_IDS, max_size=4))
def test_any_payload_and_progress_give_a_valid_reply(roadmap, payload: str, progress) -> None:
    reply, updated = roadmap_button(roadmap, payload, progress)
    valid(reply)
    assert reply.edit
    assert len(updated ^ progress) <= 1  # at most the one toggled item changed


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(args=st.text(max_size=80))
def test_any_arguments_or_text_give_a_valid_reply(roadmap, args: str) -> None:
    valid(roadmap_command(roadmap, args, NOTHING, Profile(level="senior")))
    assert roadmap_level_from_text(args) in (None, "beginner", "intermediate", "advanced")
