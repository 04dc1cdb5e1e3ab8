"""Tests of the Telegram HTML parse-mode model in standin/telegram_html.py."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from standin.telegram_html import (
    MAX_MESSAGE_LENGTH,
    Entity,
    MessageTextError,
    TelegramHTMLError,
    check_link,
    link_user_id,
    normalize_message_text,
    parse_telegram_html,
    prepare_message_text,
    telegram_length,
    utf16_slice,
)


def kinds(text: str) -> list[tuple[str, int, int]]:
    return [(e.type, e.offset, e.length) for e in parse_telegram_html(text).entities]


# --------------------------------------------------------------------------- valid markup


@pytest.mark.parametrize(
    ("markup", "entity_type"),
    [
        ("<b>x</b>", "bold"),
        ("<strong>x</strong>", "bold"),
        ("<i>x</i>", "italic"),
        ("<em>x</em>", "italic"),
        ("<u>x</u>", "underline"),
        ("<ins>x</ins>", "underline"),
        ("<s>x</s>", "strikethrough"),
        ("<strike>x</strike>", "strikethrough"),
        ("<del>x</del>", "strikethrough"),
        ("<tg-spoiler>x</tg-spoiler>", "spoiler"),
        ('<span class="tg-spoiler">x</span>', "spoiler"),
        ("<code>x</code>", "code"),
        ("<pre>x</pre>", "pre"),
        ("<blockquote>x</blockquote>", "blockquote"),
        ("<blockquote expandable>x</blockquote>", "expandable_blockquote"),
    ],
)
def test_each_supported_tag_makes_its_entity(markup: str, entity_type: str) -> None:
    parsed = parse_telegram_html(markup)
    assert parsed.plain == "x"
    assert parsed.entities == (Entity(entity_type, 0, 1),)


def test_nested_tags_give_nested_entities_in_telegram_order() -> None:
    parsed = parse_telegram_html("<b>bold <i>both</i></b> plain <u>under</u>")
    assert parsed.plain == "bold both plain under"
    assert kinds("<b>bold <i>both</i></b> plain <u>under</u>") == [
        ("bold", 0, 9),
        ("italic", 5, 4),
        ("underline", 16, 5),
    ]


def test_links_are_normalised_and_quotes_may_be_single_or_double() -> None:
    parsed = parse_telegram_html(
        "<a href=\"https://Example.org\">one</a> <a href='https://example.org/a?b=1&amp;c=2'>two</a>"
    )
    assert parsed.plain == "one two"
    assert [e.url for e in parsed.entities] == [
        "https://example.org/",
        "https://example.org/a?b=1&c=2",
    ]
    assert {e.type for e in parsed.entities} == {"text_link"}


def test_unusable_links_are_dropped_silently_and_user_links_become_mentions() -> None:
    assert parse_telegram_html('<a href="javascript:alert(1)">x</a>').entities == ()
    assert parse_telegram_html('<a href="http://localhost:8080/">x</a>').entities == ()
    mention = parse_telegram_html('<a href="tg://user?id=777">Ann</a>').entities
    assert mention == (Entity("text_mention", 0, 3, user_id=777),)
    assert mention[0].to_dict()["user"] == {"id": 777, "is_bot": False, "first_name": "User"}


def test_pre_with_language_code_block() -> None:
    parsed = parse_telegram_html('<pre><code class="language-python">print(1)</code></pre>')
    assert parsed.entities == (Entity("pre", 0, 8, language="python"),)
    assert parsed.entities[0].to_dict() == {
        "type": "pre",
        "offset": 0,
        "length": 8,
        "language": "python",
    }
    # a language on a lone <code> is ignored
    assert parse_telegram_html('<code class="language-go">x</code>').entities == (
        Entity("code", 0, 1),
    )


def test_custom_emoji() -> None:
    parsed = parse_telegram_html('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>')
    assert parsed.entities == (Entity("custom_emoji", 0, 2, custom_emoji_id="5368324170671202286"),)


def test_tag_names_are_case_insensitive_and_empty_end_tag_closes() -> None:
    assert kinds("<B>x</B>") == [("bold", 0, 1)]
    assert kinds("<i>x</>") == [("italic", 0, 1)]
    assert kinds("<b class>x</b>") == [("bold", 0, 1)]  # attributes without value are ignored


@pytest.mark.parametrize(
    ("markup", "plain"),
    [
        ("&lt;b&gt; is not a tag", "<b> is not a tag"),
        ("&quot;quoted&quot; &amp; more", '"quoted" & more'),
        ("&#65;&#x42;&#x1F600;", "AB😀"),
        ("AT&T &nbsp; &copy; & &;", "AT&T &nbsp; &copy; & &;"),  # unknown: kept literally
        ("&lt &amp", "< &"),  # Telegram does not require the semicolon
        ("&#0; &#X41;", "&#0; &#X41;"),  # not valid references: kept
        ("a > b", "a > b"),  # a bare '>' is fine
    ],
)
def test_character_references(markup: str, plain: str) -> None:
    parsed = parse_telegram_html(markup)
    assert parsed.plain == plain
    assert parsed.entities == ()


@given(st.text())
def test_escaped_text_round_trips(text: str) -> None:
    for escaped in (html.escape(text, quote=False), html.escape(text)):
        parsed = parse_telegram_html(escaped)
        assert parsed.plain == text
        assert parsed.entities == ()


def test_offsets_count_utf16_code_units() -> None:
    parsed = parse_telegram_html("😀 é <b>x</b> 👨‍👩‍👧 <i>y</i>")
    bold, italic = parsed.entities
    assert (bold.offset, bold.length) == (5, 1)
    assert italic.offset == 5 + 1 + 1 + 8 + 1
    assert parsed.text_of(bold) == "x"
    assert parsed.text_of(italic) == "y"


# --------------------------------------------------------------------------- invalid markup


@pytest.mark.parametrize(
    ("markup", "reason"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("line<br>break", 'Unsupported start tag "br" at byte offset 4'),
        ("<br/>", 'Unsupported start tag "br/" at byte offset 0'),
        ("<p>x</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("x < y", 'Unsupported start tag "" at byte offset 2'),
        ("é<h1>", 'Unsupported start tag "h1" at byte offset 2'),  # offsets are UTF-8 bytes
        ("1<2", "Unclosed start tag at byte offset 1"),
        ("<a href", 'Unclosed start tag "a" at byte offset 0'),
        ('<a href="https://x.org>x</a>', "Unclosed start tag at byte offset 0"),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</i>", 'Can\'t find end tag corresponding to start tag "b"'),
        (
            "<b><i>x</b></i>",
            'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"',
        ),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ('<span class="bold">x</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a href=https://x.org>x</a>", "Unexpected end of name token at byte offset 8"),
        ("<b =1>x</b>", 'Empty attribute name in the tag "b" at byte offset 0'),
        ('<tg-emoji emoji-id="abc">x</tg-emoji>', "Invalid custom emoji identifier specified"),
        (
            "&#xD83D;",
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units",
        ),
    ],
)
def test_invalid_markup_is_rejected_with_telegrams_reason(markup: str, reason: str) -> None:
    with pytest.raises(TelegramHTMLError) as caught:
        parse_telegram_html(markup)
    assert caught.value.reason == reason
    assert caught.value.description == f"Can't parse entities: {reason}"


@pytest.mark.parametrize("markup", ["<b>x</i>", "<i><b>x</i></b>", "<code><pre>x</code></pre>"])
def test_crossing_tags_are_rejected(markup: str) -> None:
    with pytest.raises(TelegramHTMLError, match="Unmatched end tag"):
        parse_telegram_html(markup)


# --------------------------------------------------------------------------- links


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Example.COM", "https://example.com/"),
        ("example.org/path?q=1", "http://example.org/path?q=1"),
        ("http://example.org:8443", "http://example.org:8443/"),
        ("tg://resolve?domain=careers", "tg://resolve?domain=careers"),
        ("ftp://example.org", None),
        ("javascript:alert(1)", None),
        ("http://localhost", None),
        ("https://example.org:0/", None),
        ("https://exa mple.org/", None),
        ("tg:example.org", None),
    ],
)
def test_check_link(url: str, expected: str | None) -> None:
    assert check_link(url)[0] == expected


def test_check_link_reasons() -> None:
    assert check_link("ftp://example.org") == (None, "Unsupported URL protocol")
    assert check_link("http://localhost") == (None, "Wrong HTTP URL")


def test_link_user_id() -> None:
    assert link_user_id("tg://user?id=42") == 42
    assert link_user_id("TG:user?id=42#x") == 42
    assert link_user_id("tg://user?id=abc") is None
    assert link_user_id("https://t.me/user?id=42") is None


# --------------------------------------------------------------------------- normalisation


def normalized(markup: str) -> tuple[str, list[tuple[str, int, int]]]:
    result = normalize_message_text(parse_telegram_html(markup))
    return result.plain, [(e.type, e.offset, e.length) for e in result.entities]


def test_text_is_trimmed_and_entities_follow() -> None:
    # leading whitespace leaves an entity, trailing whitespace stays in it (as in Telegram)
    assert normalized("\n  <b> hi </b> there \n\n") == ("hi  there", [("bold", 0, 3)])
    assert normalized("<i>x \n</i>\n") == ("x", [("italic", 0, 1)])


def test_whitespace_only_entities_are_dropped() -> None:
    assert normalized("<b> </b>x") == ("x", [])


def test_nothing_is_formatted_inside_code() -> None:
    assert normalized("<code><b>x</b></code>") == ("x", [("code", 0, 1)])
    assert normalized("<pre><code>x</code></pre>") == ("x", [("pre", 0, 1)])


def test_adjacent_entities_of_one_type_merge() -> None:
    assert normalized("<b>a</b><strong>b</strong>") == ("ab", [("bold", 0, 2)])


def test_control_characters() -> None:
    assert normalized("a\r\nb") == ("a\nb", [])
    assert normalized("a\tb") == ("a\tb", [])
    assert normalized("<b>a\tb</b>") == ("a b", [("bold", 0, 3)])
    assert normalized("a\x00b") == ("a b", [])


# --------------------------------------------------------------------------- length


def test_telegram_length_counts_utf16_units() -> None:
    assert telegram_length("") == 0
    assert telegram_length("abc") == 3
    assert telegram_length("é") == 1
    assert telegram_length("😀") == 2
    assert telegram_length("👨‍👩‍👧") == 8
    assert utf16_slice("a😀b", 1, 2) == "😀"


def test_message_length_limit_counts_text_after_parsing() -> None:
    assert prepare_message_text("a" * MAX_MESSAGE_LENGTH).length == 4096
    assert prepare_message_text("<b>" + "a" * 4096 + "</b>").length == 4096
    assert prepare_message_text("&lt;" * 4096).plain == "<" * 4096
    assert prepare_message_text("😀" * 2048).length == 4096
    assert prepare_message_text("a" * 4096 + "   \n").length == 4096  # trimmed first
    for too_long in ("a" * 4097, "😀" * 2049, "<i>" + "&amp;" * 4097 + "</i>"):
        with pytest.raises(MessageTextError) as caught:
            prepare_message_text(too_long)
        assert caught.value.description == "Bad Request: message is too long"


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("", "Bad Request: message text is empty"),
        ("  \n ", "Bad Request: message must be non-empty"),
        ("<b></b>", "Bad Request: message must be non-empty"),
        (
            "<b>x",
            "Bad Request: can't parse entities: Can't find end tag corresponding to "
            'start tag "b"',
        ),
    ],
)
def test_prepare_message_text_errors(text: str, description: str) -> None:
    with pytest.raises(MessageTextError) as caught:
        prepare_message_text(text)
    assert caught.value.description == description


def test_at_most_100_entities_are_kept_formatting_last() -> None:
    markup = '<a href="https://a.io">link</a> ' + "<b>w</b> " * 150
    entities = prepare_message_text(markup).entities
    assert len(entities) == 100
    assert entities[0].type == "text_link"
    assert len(parse_telegram_html(markup).entities) == 151


def test_parse_modes() -> None:
    assert prepare_message_text("<b>x</b>", None).plain == "<b>x</b>"
    assert prepare_message_text("*x*", "MarkdownV2").plain == "*x*"
    assert prepare_message_text("<b>x</b>", "html").entities == (Entity("bold", 0, 1),)
    with pytest.raises(MessageTextError, match="unsupported parse_mode"):
        prepare_message_text("x", "BBCode")
