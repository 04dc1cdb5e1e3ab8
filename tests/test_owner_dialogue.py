"""Votes, /privacy and /forget in the dialogue: every path, as plain functions."""

from __future__ import annotations

import pytest

from bot.core.conversation import ChatState, UserState
from bot.core.dialogue import COMMANDS, Command, Dialogue, Press, Text, help_html
from bot.core.feedback import DOWN, UP, Vote
from bot.core.profile import Profile
from bot.core.reply import Reply
from standin.telegram_html import parse_telegram_html


@pytest.fixture(scope="module")
def dialogue(advisor) -> Dialogue:
    built = Dialogue(advisor, feedback=True, retention_days=45)
    keys = iter(f"key{n}" for n in range(1000))
    built.new_key = lambda: next(keys)
    return built


def vote_buttons(reply: Reply) -> list[str]:
    return [b.label for b in reply.button_list if b.data.startswith("v:")]


def plain(reply: Reply) -> str:
    for button in reply.button_list:
        assert 1 <= len(button.data.encode()) <= 64 - 18  # room for a group's owner stamp
    return parse_telegram_html(reply.html).plain


def test_a_free_text_answer_has_votes_and_is_logged_with_its_citations(dialogue) -> None:
    turn = dialogue.respond(ChatState(), Text("what certifications should I get"))
    assert vote_buttons(turn.reply) == ["👍", "👎"]
    assert [b.label for b in turn.reply.button_list][:2] == ["More ▸", "Why? Show sources"]
    asked = turn.asked
    assert asked is not None
    assert asked.question == "what certifications should I get"
    assert asked.coverage == "full" and not asked.declined
    assert asked.passages == tuple(c.passage_id for c in turn.reply.citations)
    assert asked.top_score == max(c.score for c in turn.reply.citations) > 0
    assert all(asked.key in b.data for b in turn.reply.button_list if b.data.startswith("v:"))


def test_a_declined_question_is_logged_as_declined_and_can_be_voted_on(dialogue) -> None:
    turn = dialogue.respond(ChatState(), Text("how do I bake sourdough bread"))
    assert turn.answer is not None and not turn.answer.in_scope
    assert turn.asked is not None and turn.asked.declined and turn.asked.coverage == "none"
    assert turn.asked.passages == ()
    assert vote_buttons(turn.reply) == ["👍", "👎"]


def test_a_view_asked_in_words_is_logged_without_a_score(dialogue) -> None:
    turn = dialogue.respond(ChatState(), Text("how much do ML engineers earn in India?"))
    assert turn.asked is not None and turn.asked.top_score is None
    assert vote_buttons(turn.reply) == ["👍", "👎"]


def test_commands_buttons_and_small_talk_have_no_votes(dialogue) -> None:
    first = dialogue.respond(ChatState(), Text("do I need a master's degree?"))
    for event in (Command("salary", "india"), Command("start"), Command("help"),
                  Press(first.reply.button_list[0].data), Text("")):
        turn = dialogue.respond(first.state, event)
        assert turn.asked is None and vote_buttons(turn.reply) == [], event


def test_a_vote_is_acknowledged_at_once_and_can_be_changed(dialogue) -> None:
    turn = dialogue.respond(ChatState(), Text("what skills does an ML engineer need?"))
    down = next(b for b in turn.reply.button_list if b.label == "👎")
    voted = dialogue.respond(turn.state, Press(down.data))
    assert voted.vote == Vote(turn.asked.key, DOWN)
    assert voted.reply.notice and "noted" in voted.reply.html
    assert voted.state == turn.state  # the chat's context is untouched
    assert [b.label for b in voted.reply.button_list] == ["👍", "👎 ✓"]
    up = next(b for b in voted.reply.button_list if b.label == "👍")
    changed = dialogue.respond(voted.state, Press(up.data))
    assert changed.vote == Vote(turn.asked.key, UP)
    assert [b.label for b in changed.reply.button_list] == ["👍 ✓", "👎"]


def test_a_damaged_vote_button_is_answered_as_a_stale_one(dialogue) -> None:
    for data in ("v:x:key1", "v:u:", "v:u:a:b"):
        turn = dialogue.respond(ChatState(), Press(data))
        assert turn.vote is None and "older conversation" in plain(turn.reply)


def test_votes_are_off_unless_asked_for(advisor) -> None:
    turn = Dialogue(advisor).respond(ChatState(), Text("what certifications should I get"))
    assert turn.asked is None and vote_buttons(turn.reply) == []


def test_privacy_says_what_is_stored_and_for_how_long(dialogue) -> None:
    text = plain(dialogue.respond(ChatState(), Command("privacy")).reply)
    for said in ("profile", "roadmap progress", "context", "questions", "45 days", "/forget",
                 "user id", "not your name"):
        assert said in text, said


def test_forget_asks_first_and_no_keeps_everything(dialogue) -> None:
    user = UserState(profile=Profile(region="india", level="mid"))
    asked = dialogue.respond(ChatState(), Text("do I need a master's degree?"), user)
    turn = dialogue.respond(asked.state, Command("forget"), user)
    assert not turn.forget and turn.user == user and turn.state == asked.state
    assert "cannot be undone" in plain(turn.reply)
    labels = [b.label for b in turn.reply.button_list]
    assert labels == ["🗑 Yes, delete everything", "No, keep it"]
    kept = dialogue.respond(turn.state, Press(turn.reply.button_list[1].data), user)
    assert not kept.forget and kept.user == user and kept.state == asked.state
    assert kept.reply.edit and "Nothing was deleted" in plain(kept.reply)


def test_forget_confirmed_clears_the_user_and_the_chat(dialogue) -> None:
    user = UserState(profile=Profile(region="india", level="mid"), progress=frozenset({"x"}))
    asked = dialogue.respond(ChatState(), Text("do I need a master's degree?"), user)
    confirm = dialogue.respond(asked.state, Command("forget"), user)
    done = dialogue.respond(asked.state, Press(confirm.reply.button_list[0].data), user)
    assert done.forget and done.user == UserState() and done.state == ChatState()
    assert done.reply.edit and "deleted everything" in plain(done.reply)


def test_privacy_and_forget_are_in_the_menu_and_help(dialogue) -> None:
    names = [name for name, _ in COMMANDS]
    assert "privacy" in names and "forget" in names and "stats" not in names
    assert "/privacy" in help_html() and "/forget" in help_html()
    assert "don't know the command /stats" in plain(
        dialogue.respond(ChatState(), Command("stats")).reply
    )
