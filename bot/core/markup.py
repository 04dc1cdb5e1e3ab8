"""The bottom of every reply's HTML: one escaping rule, and what a person sees of it."""

from __future__ import annotations

import html
import re

__all__ = ["escape", "visible_text"]


def escape(text: str) -> str:
    """Article or user text made safe for Telegram's HTML parse mode (quotes need no escape)."""
    return html.escape(text, quote=False)


def visible_text(reply_html: str) -> str:
    """What a person sees of an HTML reply: tags off, entities read."""
    return html.unescape(re.sub(r"<[^>]+>", "", reply_html))
