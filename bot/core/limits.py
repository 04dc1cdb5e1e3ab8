"""Telegram's size limits, defined once and measured the way Telegram measures them.

A message's text may be at most 4096 UTF-16 code units after entity parsing: an emoji outside
the Basic Multilingual Plane counts twice. Sizes here are taken on the raw HTML, which is never
shorter than what Telegram counts, so what fits here fits there.
"""

from __future__ import annotations

MESSAGE_LIMIT = 4096  # UTF-16 code units of a message's text
CALLBACK_DATA_LIMIT = 64  # bytes of a button's callback_data


def utf16_size(text: str) -> int:
    """How long Telegram counts a text: UTF-16 code units ("🇵🇰" is 4)."""
    return len(text.encode("utf-16-le")) // 2


def fits(text: str, limit: int = MESSAGE_LIMIT) -> bool:
    return utf16_size(text) <= limit

# Deep links: t.me/<bot>?start=<payload>; the payload is what /start receives.
START_PAYLOAD_LIMIT = 64  # characters, each one of A-Z a-z 0-9 _ -

# Inline mode (answerInlineQuery).
INLINE_QUERY_LIMIT = 256  # characters of the query Telegram sends
INLINE_RESULT_ID_LIMIT = 64  # bytes of a result's id
# Ours, not Telegram's: what a client shows of a result's title and description in the list.
INLINE_TITLE_CHARS = 64
INLINE_DESCRIPTION_CHARS = 120
