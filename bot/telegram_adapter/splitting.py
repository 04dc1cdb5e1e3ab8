"""Split Telegram HTML that is too long for one message, never breaking a tag.

Cuts fall on paragraph breaks where possible, then line breaks, then spaces. A cut inside open
tags closes them at the end of one part and reopens them at the start of the next, so each part
is well-formed on its own. Sizes are measured on the raw HTML in UTF-16 units, which is never
less than the length Telegram counts after parsing, so a part that fits here fits there.
"""

from __future__ import annotations

import re

from bot.core.limits import MESSAGE_LIMIT, utf16_size

MAX_TEXT_RUN = 500  # long runs without spaces are cut into runs of this size

_TOKEN = re.compile(
    rf"<[^>]*>|&#?\w{{1,10}};|\n{{2,}}|\n|[^\S\n]+|[^<&\s]{{1,{MAX_TEXT_RUN}}}|[<&]"
)
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][\w-]*)")

OpenTags = tuple[tuple[str, str], ...]  # (name, the opening tag as written)


def split_html(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Parts of at most `limit` UTF-16 units, in order; one part when the text fits."""
    text = text.strip()
    if utf16_size(text) <= limit:
        return [text] if text else []
    parts: list[str] = []
    current = ""
    for block in _paragraphs(text):
        pieces = [block] if utf16_size(block) <= limit else _split_block(block, limit)
        for piece in pieces:
            joined = f"{current}\n\n{piece}" if current else piece
            if utf16_size(joined) <= limit:
                current = joined
            else:
                if current:
                    parts.append(current)
                current = piece
    if current:
        parts.append(current)
    return parts


def _apply(stack: OpenTags, token: str) -> OpenTags:
    """The open tags after `token`."""
    if not token.startswith("<") or len(token) < 3:
        return stack
    match = _TAG_NAME.match(token)
    if match is None:
        return stack
    name = match.group(1).lower()
    if token.startswith("</"):
        for position in range(len(stack) - 1, -1, -1):
            if stack[position][0] == name:
                return stack[:position] + stack[position + 1 :]
        return stack
    return (*stack, (name, token))


def _closers(stack: OpenTags) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _paragraphs(text: str) -> list[str]:
    """The text cut at blank lines that fall outside every tag."""
    blocks: list[str] = []
    current: list[str] = []
    stack: OpenTags = ()
    for token in _TOKEN.findall(text):
        if token.startswith("\n\n") and not stack:
            if current:
                blocks.append("".join(current))
            current = []
            continue
        current.append(token)
        stack = _apply(stack, token)
    if current:
        blocks.append("".join(current))
    return blocks


def _split_block(block: str, limit: int) -> list[str]:
    tokens = _TOKEN.findall(block)
    pieces: list[str] = []
    start, stack = 0, ()
    while start < len(tokens):
        reopen = "".join(tag for _, tag in stack)
        out, size, current = [reopen], utf16_size(reopen), stack
        line_cut: tuple[int, int, OpenTags] | None = None  # (token index, len(out), stack)
        space_cut: tuple[int, int, OpenTags] | None = None
        index = start
        while index < len(tokens):
            token = tokens[index]
            after = _apply(current, token)
            token_size = utf16_size(token)
            if index > start and size + token_size + utf16_size(_closers(after)) > limit:
                break
            if token.isspace():
                cut = (index, len(out), current)
                if "\n" in token:
                    line_cut = cut
                else:
                    space_cut = cut
            out.append(token)
            size += token_size
            current = after
            index += 1
        if index == len(tokens):
            pieces.append("".join(out) + _closers(current))
            break
        cut = line_cut or space_cut
        if cut is not None and cut[0] > start:
            cut_index, kept, stack = cut
            pieces.append("".join(out[:kept]).rstrip() + _closers(stack))
            start = cut_index + 1  # the whitespace at the cut is dropped
        else:  # no space to cut at: cut between two tokens
            pieces.append("".join(out) + _closers(current))
            start, stack = index, current
    return [piece for piece in pieces if _visible(piece)]


def _visible(html: str) -> bool:
    """Whether the part has any text besides tags (Telegram refuses an empty message)."""
    return bool(re.sub(r"<[^>]*>", "", html).strip())
