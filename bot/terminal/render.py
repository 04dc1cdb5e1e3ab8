"""Telegram HTML shown in a terminal: tags become plain text or ANSI bold/italic."""

from __future__ import annotations

import html
import re

_TAG = re.compile(
    r"<(/?)(b|strong|i|em|u|ins|s|strike|del|code|pre|a|blockquote|tg-spoiler|span)(?:\s[^>]*)?>"
)
_ANSI = {"b": "1", "strong": "1", "i": "3", "em": "3", "u": "4"}


def html_to_terminal(text: str, color: bool = False) -> str:
    def tag(match: re.Match[str]) -> str:
        closing, name = match.group(1), match.group(2)
        if not color or name not in _ANSI:
            return ""
        return "\033[0m" if closing else f"\033[{_ANSI[name]}m"

    return html.unescape(_TAG.sub(tag, text))
