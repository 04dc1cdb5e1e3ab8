"""Long replies are split for Telegram: each part valid HTML, within the limit, nothing lost."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.limits import utf16_size
from bot.telegram_adapter.splitting import split_html
from standin.telegram_html import parse_telegram_html, prepare_message_text


def plain_text(html: str) -> str:
    return parse_telegram_html(html).plain


def words_of(text: str) -> list[str]:
    return text.split()


def test_a_short_reply_is_one_part_unchanged() -> None:
    assert split_html("<b>Hi</b> there") == ["<b>Hi</b> there"]


def test_an_empty_reply_has_no_parts() -> None:
    assert split_html("  \n ") == []


def test_paragraphs_are_kept_whole_and_packed_in_order() -> None:
    paragraphs = [f"<b>Point {n}</b>: " + "word " * 150 for n in range(12)]
    html = "\n\n".join(p.strip() for p in paragraphs)
    parts = split_html(html, limit=2000)
    assert len(parts) > 1
    for part in parts:
        assert utf16_size(part) <= 2000
        assert part.startswith("<b>Point ")  # every part starts at a paragraph
        prepare_message_text(part)
    assert "\n\n".join(parts) == html


def test_a_cut_inside_a_tag_closes_and_reopens_it() -> None:
    html = "<blockquote>" + "\n".join(f"line {n} " + "x" * 60 for n in range(200)) + "</blockquote>"
    parts = split_html(html, limit=4096)
    assert len(parts) > 1
    for part in parts:
        assert part.startswith("<blockquote>") and part.endswith("</blockquote>")
        assert prepare_message_text(part).length <= 4096
    assert words_of(" ".join(plain_text(p) for p in parts)) == words_of(plain_text(html))


def test_nested_tags_and_links_survive_a_cut() -> None:
    inner = " ".join(f"w{n}" for n in range(3000))
    html = f'<b>Title</b>\n<i>intro <a href="https://example.org/x">{inner}</a> end</i>'
    parts = split_html(html, limit=1000)
    for part in parts:
        prepare_message_text(part)
        assert utf16_size(part) <= 1000
    assert words_of(" ".join(plain_text(p) for p in parts)) == words_of(plain_text(html))
    assert all('<a href="https://example.org/x">' in p for p in parts[1:])


def test_a_word_longer_than_a_message_is_cut_without_splitting_an_entity() -> None:
    html = "<code>" + "&amp;" * 3000 + "</code>"
    parts = split_html(html)
    assert len(parts) >= 4
    for part in parts:
        prepare_message_text(part)
    assert "".join(plain_text(p) for p in parts) == "&" * 3000


def test_emoji_count_two_units_as_in_telegram() -> None:
    html = "😀 " * 3000
    for part in split_html(html):
        assert prepare_message_text(part).length <= 4096


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["", "b", "i", "code", "blockquote", "u"]),
            st.text(
                alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="<>&"),
                min_size=1,
                max_size=400,
            ),
        ),
        min_size=1,
        max_size=40,
    ),
    st.integers(min_value=200, max_value=4096),
)
def test_any_well_formed_reply_splits_into_valid_parts(
    pieces: list[tuple[str, str]], limit: int
) -> None:
    html = "\n\n".join(f"<{tag}>{text}</{tag}>" if tag else text for tag, text in pieces)
    try:
        prepare_message_text(html)
    except ValueError:
        return  # only replies Telegram would accept are meant to be split
    expected = re.sub(r"\s+", "", plain_text(html))
    parts = split_html(html, limit=limit)
    for part in parts:
        assert utf16_size(part) <= limit
        prepare_message_text(part)
    assert re.sub(r"\s+", "", "".join(plain_text(p) for p in parts)) == expected


@pytest.mark.parametrize("limit", [300, 1000, 4096])
def test_real_long_answers_split_cleanly(advisor, limit: int) -> None:
    answer = advisor.answer("what skills and certifications and degrees and salary do I need")
    for part in split_html(answer.html, limit=limit):
        assert utf16_size(part) <= limit
        prepare_message_text(part)


def test_emoji_count_twice_against_the_limit() -> None:
    from bot.core.limits import MESSAGE_LIMIT, fits

    flags = "🇵🇰" * (MESSAGE_LIMIT // 4)  # each flag is two code points, four UTF-16 units
    assert len(flags) == MESSAGE_LIMIT // 2 and fits(flags)
    assert not fits(flags + "x")
    assert all(utf16_size(part) <= MESSAGE_LIMIT for part in split_html(flags + " x" * 10))
