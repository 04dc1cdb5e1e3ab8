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
