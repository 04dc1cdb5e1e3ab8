"""A model of Telegram's HTML parse mode, for tests.

Telegram's Bot API server hands HTML text to TDLib, so this module follows TDLib's behaviour:

* ``parse_telegram_html`` mirrors TDLib's HTML parser: the tags of the Bot API "HTML style"
  section and nothing else, ``&lt; &gt; &amp; &quot;`` plus decimal/hex numeric references
  (the ``;`` is optional, as in TDLib), any other ``&`` kept literally, start-tag names and
  unquoted attribute values case-insensitive, errors worded as TDLib words them
  (``Unsupported start tag "div" at byte offset 0`` and so on; offsets are UTF-8 byte offsets
  into the original text).
* ``normalize_message_text`` mirrors what happens to a message text after parsing: control
  characters become spaces, ``\\r`` is dropped, entities are made consistent (nothing nests in
  ``code``/``pre``, same-type entities merge), whitespace-only entities go, and the text is
  trimmed. Automatic entities (URLs, mentions, hashtags...) are not detected.
* ``prepare_message_text`` chains both, applies sendMessage's empty/length checks (raising
  ``MessageTextError`` with the Bot API's error description) and keeps at most 100 entities.

Offsets and lengths are in UTF-16 code units, as in the Bot API.
"""

from __future__ import annotations

import re
import sys
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, replace

__all__ = [
    "MAX_ENTITY_COUNT",
    "MAX_MESSAGE_LENGTH",
    "SUPPORTED_TAGS",
    "Entity",
    "MessageTextError",
    "ParsedText",
    "TelegramHTMLError",
    "check_link",
    "link_user_id",
    "normalize_message_text",
    "parse_telegram_html",
    "prepare_message_text",
    "sort_entities",
    "telegram_length",
    "utf16_slice",
]

MAX_MESSAGE_LENGTH = 4096
MAX_ENTITY_COUNT = 100  # more are dropped silently, not refused

SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)


class TelegramHTMLError(ValueError):
    """HTML that Telegram refuses; ``description`` is ``"Can't parse entities: <reason>"``."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.description = f"Can't parse entities: {reason}"
        super().__init__(self.description)


class MessageTextError(ValueError):
    """A message text sendMessage refuses; ``description`` is the Bot API's 400 description."""

    def __init__(self, description: str) -> None:
        self.description = description
        super().__init__(description)


@dataclass(frozen=True)
class Entity:
    """One Bot API MessageEntity; only the extra field its type uses is set."""

    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None
    custom_emoji_id: str | None = None
    user_id: int | None = None

    @property
    def end(self) -> int:
        return self.offset + self.length

    def to_dict(self) -> dict[str, object]:
        """The entity as the Bot API sends it in JSON."""
        result: dict[str, object] = {
            "type": self.type,
            "offset": self.offset,
            "length": self.length,
        }
        if self.url is not None:
            result["url"] = self.url
        if self.language:
            result["language"] = self.language
        if self.custom_emoji_id is not None:
            result["custom_emoji_id"] = self.custom_emoji_id
        if self.user_id is not None:
            result["user"] = {"id": self.user_id, "is_bot": False, "first_name": "User"}
        return result


@dataclass(frozen=True)
class ParsedText:
    """Text after entity parsing, with its entities sorted the way Telegram sorts them."""

    plain: str
    entities: tuple[Entity, ...] = ()

    @property
    def length(self) -> int:
        """Length in UTF-16 code units."""
        return telegram_length(self.plain)

    def text_of(self, entity: Entity) -> str:
        """The part of ``plain`` that ``entity`` covers."""
        return utf16_slice(self.plain, entity.offset, entity.length)

    def entities_json(self) -> list[dict[str, object]]:
        return [entity.to_dict() for entity in self.entities]


def telegram_length(plain: str) -> int:
    """Length in UTF-16 code units: what Telegram's 4096-character limit counts."""
    return len(plain.encode("utf-16-le", "surrogatepass")) // 2


def utf16_slice(plain: str, offset: int, length: int) -> str:
    """``plain[offset:offset + length]`` with offsets in UTF-16 code units."""
    raw = plain.encode("utf-16-le", "surrogatepass")
    return raw[2 * offset : 2 * (offset + length)].decode("utf-16-le", "surrogatepass")


# --------------------------------------------------------------------------- HTML parsing

_SPACES = frozenset(b" \t\r\n\v\f\x00")  # TDLib's is_space() also treats NUL as space
_DIGITS = frozenset(b"0123456789")
_HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")
_ALPHA = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ALNUM = _ALPHA | _DIGITS
_NAMED_ENTITIES = {b"lt": ord("<"), b"gt": ord(">"), b"amp": ord("&"), b"quot": ord('"')}
_ATTRIBUTE_NAME_STOP = frozenset(b"=>/\"'")
_NAME_TOKEN = _ALNUM | frozenset(b".-")
_AMP, _LT, _GT, _SLASH, _EQ = (ord(ch) for ch in "&<>/=")
_QUOTES = frozenset(b"\"'")
_SEMICOLON = ord(";")
_INT64 = re.compile(r"-?[0-9]+")


def _decode_entity(data: bytes, pos: int) -> tuple[int, int]:
    """Decode the character reference at ``data[pos] == '&'``: (code point, end) or (0, pos)."""
    size = len(data)

    def at(i: int) -> int:
        return data[i] if i < size else 0

    end = pos + 1
    code = 0
    if at(pos + 1) == ord("#"):
        end += 1
        if at(pos + 2) == ord("x"):
            end += 1
            while at(end) in _HEX_DIGITS:
                code = code * 16 + int(chr(data[end]), 16)
                end += 1
        else:
            while at(end) in _DIGITS:
                code = code * 10 + data[end] - ord("0")
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while at(end) in _ALPHA:
            end += 1
        code = _NAMED_ENTITIES.get(data[pos + 1 : end], 0)
        if code == 0:
            return 0, pos
    if at(end) == _SEMICOLON:
        end += 1
    return code, end


def _lower(raw: bytes) -> str:
    """ASCII-only lower-casing, like TDLib's to_lower()."""
    return raw.lower().decode("utf-8", "surrogatepass")


@dataclass(frozen=True)
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    output_position: int


def _tag_argument(tag: str, attribute: bytes, value: str, current: str) -> str:
    if tag == "a" and attribute == b"href":
        return value
    if tag == "code" and attribute == b"class" and value.startswith("language-"):
        return value[len("language-") :]
    if tag == "span" and attribute == b"class" and value.startswith("tg-"):
        return value[len("tg-") :]
    if tag == "tg-emoji" and attribute == b"emoji-id":
        return value
    if tag == "blockquote" and attribute == b"expandable":
        return "1"
    return current


def _is_custom_emoji_id(value: str) -> bool:
    # TDLib's to_integer_safe<int64>: the exact decimal spelling of a non-zero int64
    if not _INT64.fullmatch(value):
        return False
    number = int(value)
    return number != 0 and str(number) == value and -(2**63) <= number < 2**63


class _HTMLParser:
    """One run of the parser over a text; TDLib-compatible byte-level scanning."""

    def __init__(self, text: str) -> None:
        self.data = text.encode("utf-8", "surrogatepass")
        self.output = bytearray()
        self.utf16_offset = 0
        self.open_tags: list[_OpenTag] = []
        self.entities: list[Entity] = []
        self.decoded_surrogate = False

    def at(self, index: int) -> int:
        return self.data[index] if index < len(self.data) else 0

    def run(self) -> ParsedText:
        data = self.data
        i = 0
        while i < len(data):
            byte = data[i]
            if byte == _AMP:
                code, end = _decode_entity(data, i)
                if code:
                    self.utf16_offset += 2 if code > 0xFFFF else 1
                    self.decoded_surrogate |= 0xD800 <= code <= 0xDFFF
                    self.output += chr(code).encode("utf-8", "surrogatepass")
                    i = end
                    continue
            if byte != _LT:
                if byte & 0xC0 != 0x80:  # first byte of a UTF-8 sequence
                    self.utf16_offset += 2 if byte >= 0xF0 else 1
                self.output.append(byte)
                i += 1
                continue
            i = self._end_tag(i) if self.at(i + 1) == _SLASH else self._start_tag(i)

        if self.open_tags:
            name = self.open_tags[-1].name
            raise TelegramHTMLError(f'Can\'t find end tag corresponding to start tag "{name}"')
        if self.decoded_surrogate:
            raise TelegramHTMLError(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        entities = [
            replace(entity, language=None) if entity.type == "code" else entity
            for entity in self.entities
        ]
        plain = self.output.decode("utf-8", "surrogatepass")
        return ParsedText(plain, tuple(sort_entities(entities)))

    def _skip_spaces(self, i: int) -> int:
        while self.at(i) != 0 and self.at(i) in _SPACES:
            i += 1
        return i

    def _start_tag(self, begin: int) -> int:
        at = self.at
        i = begin + 1
        while at(i) not in _SPACES and at(i) != _GT:
            i += 1
        if at(i) == 0:
            raise TelegramHTMLError(f"Unclosed start tag at byte offset {begin}")
        tag = _lower(self.data[begin + 1 : i])
        if tag not in SUPPORTED_TAGS:
            raise TelegramHTMLError(f'Unsupported start tag "{tag}" at byte offset {begin}')

        argument = ""
        while at(i) != _GT:
            i = self._skip_spaces(i)
            if at(i) == _GT:
                break
            name_begin = i
            while at(i) not in _SPACES and at(i) not in _ATTRIBUTE_NAME_STOP:
                i += 1
            attribute = self.data[name_begin:i]
            if not attribute:
                raise TelegramHTMLError(
                    f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
                )
            i = self._skip_spaces(i)
            if at(i) != _EQ:
                if at(i) == 0:
                    raise TelegramHTMLError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                if tag == "blockquote" and attribute == b"expandable":
                    argument = "1"
                continue  # an attribute without a value
            i = self._skip_spaces(i + 1)
            if at(i) == 0:
                raise TelegramHTMLError(f'Unclosed start tag "{tag}" at byte offset {begin}')
            if at(i) in _QUOTES:
                value, i = self._quoted_value(i)
            else:
                token_begin = i
                while at(i) in _NAME_TOKEN:
                    i += 1
                value = _lower(self.data[token_begin:i])
                if at(i) not in _SPACES and at(i) != _GT:
                    raise TelegramHTMLError(
                        f"Unexpected end of name token at byte offset {token_begin}"
                    )
            if at(i) == 0:
                raise TelegramHTMLError(f"Unclosed start tag at byte offset {begin}")
            argument = _tag_argument(tag, attribute, value, argument)

        if tag == "span" and argument != "spoiler":
            raise TelegramHTMLError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {begin}'
            )
        self.open_tags.append(_OpenTag(tag, argument, self.utf16_offset, len(self.output)))
        return i + 1

    def _quoted_value(self, i: int) -> tuple[str, int]:
        quote = self.at(i)
        i += 1
        value = bytearray()
        while self.at(i) != quote and self.at(i) != 0:
            if self.at(i) == _AMP:
                code, end = _decode_entity(self.data, i)
                if code:
                    value += chr(code).encode("utf-8", "surrogatepass")
                    i = end
                    continue
            value.append(self.at(i))
            i += 1
        if self.at(i) == quote:
            i += 1
        return value.decode("utf-8", "replace"), i

    def _end_tag(self, begin: int) -> int:
        at = self.at
        if not self.open_tags:
            raise TelegramHTMLError(f"Unexpected end tag at byte offset {begin}")
        i = begin + 1
        while at(i) not in _SPACES and at(i) != _GT:
            i += 1
        end_name = _lower(self.data[begin + 2 : i])
        while at(i) in _SPACES and at(i) != 0:
            i += 1
        if at(i) != _GT:
            raise TelegramHTMLError(f"Unclosed end tag at byte offset {begin}")
        open_tag = self.open_tags[-1]
        if end_name and end_name != open_tag.name:
            raise TelegramHTMLError(
                f"Unmatched end tag at byte offset {begin}, "
                f'expected "</{open_tag.name}>", found "</{end_name}>"'
            )
        if self.utf16_offset > open_tag.utf16_offset:  # empty entities are dropped
            self._add_entity(open_tag)
        self.open_tags.pop()
        return i + 1

    def _add_entity(self, tag: _OpenTag) -> None:
        offset = tag.utf16_offset
        length = self.utf16_offset - offset
        simple = {
            "b": "bold",
            "strong": "bold",
            "i": "italic",
            "em": "italic",
            "u": "underline",
            "ins": "underline",
            "s": "strikethrough",
            "strike": "strikethrough",
            "del": "strikethrough",
            "tg-spoiler": "spoiler",
            "span": "spoiler",
        }
        entities = self.entities
        last = entities[-1] if entities else None
        same_range = last is not None and last.offset == offset and last.length == length
        if tag.name in simple:
            entities.append(Entity(simple[tag.name], offset, length))
        elif tag.name == "tg-emoji":
            if not _is_custom_emoji_id(tag.argument):
                raise TelegramHTMLError("Invalid custom emoji identifier specified")
            entities.append(Entity("custom_emoji", offset, length, custom_emoji_id=tag.argument))
        elif tag.name == "a":
            url = tag.argument or self.output[tag.output_position :].decode(
                "utf-8", "surrogatepass"
            )
            user_id = link_user_id(url)
            if user_id is not None:
                entities.append(Entity("text_mention", offset, length, user_id=user_id))
            else:
                checked, _reason = check_link(url)
                if checked is not None:  # Telegram silently drops links it can't use
                    entities.append(Entity("text_link", offset, length, url=checked))
        elif tag.name == "pre":
            if same_range and last is not None and last.type == "code" and last.language:
                entities[-1] = replace(last, type="pre")
            else:
                entities.append(Entity("pre", offset, length))
        elif tag.name == "code":
            if same_range and last is not None and last.type == "pre" and tag.argument:
                entities[-1] = replace(last, language=tag.argument)
            else:
                entities.append(Entity("code", offset, length, language=tag.argument or None))
        else:  # blockquote
            kind = "expandable_blockquote" if tag.argument else "blockquote"
            entities.append(Entity(kind, offset, length))


def parse_telegram_html(text: str) -> ParsedText:
    """Parse ``text`` as Telegram's HTML parse mode does; raise ``TelegramHTMLError`` if invalid.

    The result is what the parser itself yields; ``normalize_message_text`` applies the clean-up
    Telegram performs afterwards (trimming, entity fixing).
    """
    return _HTMLParser(text).run()


# --------------------------------------------------------------------------- links

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*)://")
_HOST_PUNCTUATION = frozenset("-._~!$&'()*+,;=%")


@dataclass(frozen=True)
class _HttpUrl:
    scheme: str
    userinfo: str
    host: str
    port: int
    tail: str
    is_ipv6: bool

    def url(self) -> str:
        userinfo = f"{self.userinfo}@" if self.userinfo else ""
        port = f":{self.port}" if self.port else ""
        tail = self.tail if self.tail.startswith("/") else "/" + self.tail
        return f"{self.scheme}://{userinfo}{self.host}{port}{tail}"


def _parse_http_url(link: str) -> tuple[_HttpUrl | None, str]:
    scheme, rest = "http", link
    match = _SCHEME.match(link)
    if match:
        scheme = match.group(1).lower()
        if scheme not in ("http", "https"):
            return None, "Unsupported URL protocol"
        rest = link[match.end() :]
    if any(ch <= " " or ch == "\x7f" for ch in rest):
        return None, "Wrong HTTP URL"
    cut = min((rest.find(ch) for ch in "/?#" if ch in rest), default=len(rest))
    authority, tail = rest[:cut], rest[cut:]
    userinfo, _, host_port = authority.rpartition("@")
    is_ipv6 = host_port.startswith("[")
    port_text: str | None = None
    if is_ipv6:
        close = host_port.find("]")
        if close < 0:
            return None, "Wrong IPv6 address"
        host, after = host_port[: close + 1], host_port[close + 1 :]
        if after:
            if not after.startswith(":"):
                return None, "Wrong HTTP URL"
            port_text = after[1:]
    else:
        host, colon, after = host_port.partition(":")
        if colon:
            port_text = after
        host = host.lower()
        if not host or any(
            not (ch.isascii() and ch.isalnum()) and ch not in _HOST_PUNCTUATION and ord(ch) < 0x80
            for ch in host
        ):
            return None, "Wrong URL host"
    port = 0
    if port_text is not None:
        if not (port_text.isascii() and port_text.isdigit()) or not 1 <= int(port_text) <= 65535:
            return None, "Wrong port number specified in the URL"
        port = int(port_text)
    return _HttpUrl(scheme, userinfo, host, port, tail, is_ipv6), ""


def check_link(url: str) -> tuple[str | None, str]:
    """Validate a link as Telegram does for text links and URL buttons.

    Returns ``(normalised_url, "")`` or ``(None, reason)``. Only http, https, tg and ton links are
    accepted; a link without a scheme gets ``http://``; an HTTP host needs a dot (no
    ``localhost``); tg/ton links take no port, user info or dotted tg host.
    """
    kind = ""
    link = url
    for prefix in ("tg:", "ton:"):
        if url.lower().startswith(prefix):
            kind, link = prefix[:-1], url[len(prefix) :]
            if link.startswith("//"):
                link = link[2:]
            break
    parsed, reason = _parse_http_url(link)
    if parsed is None:
        return None, reason
    if kind:
        if (
            link.lower().startswith("http://")
            or parsed.scheme == "https"
            or parsed.userinfo
            or parsed.port
            or parsed.is_ipv6
        ):
            return None, f"Wrong {kind} URL"
        extra = "-_." if kind == "ton" else "-_"
        if not parsed.host or any(
            not (ch.isascii() and ch.isalnum()) and ch not in extra for ch in parsed.host
        ):
            return None, "Unallowed characters in URL host"
        query = parsed.tail if parsed.tail.startswith("/") else "/" + parsed.tail
        if query.startswith("/?"):
            query = query[1:]
        return f"{kind}://{parsed.host}{query}", ""
    if not parsed.is_ipv6 and "." not in parsed.host[:-1]:
        return None, "Wrong HTTP URL"
    return parsed.url(), ""


def link_user_id(url: str) -> int | None:
    """The user id of a ``tg://user?id=<id>`` link (which becomes a text_mention), else None."""
    rest = url.lower()
    if not rest.startswith("tg:"):
        return None
    rest = rest[3:]
    if rest.startswith("//"):
        rest = rest[2:]
    if not rest.startswith("user") or (len(rest) > 4 and rest[4] not in "/?#"):
        return None
    query_start = rest.find("?")
    if query_start < 0:
        return None
    query = rest[query_start + 1 :].split("#", 1)[0]
    for part in query.split("&"):
        key, _, value = part.partition("=")
        if key == "id":
            if value.isascii() and value.isdigit() and 0 < int(value) < 2**40:
                return int(value)
            return None
    return None


# --------------------------------------------------------------------------- normalisation

_SPLITTABLE = ("bold", "italic", "underline", "strikethrough", "spoiler")
_BLOCKQUOTES = frozenset({"blockquote", "expandable_blockquote"})
_PRE_TYPES = frozenset({"code", "pre"})
_HIDDEN_DATA = frozenset({"text_link", "text_mention", "custom_emoji"})
_PRIORITY = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}
_WHITESPACE_UNITS = frozenset({0x20, 0x0A})
# U+2028..U+202E (separators, bidi overrides) and three combining marks Telegram strips
_REMOVED_UNITS = frozenset({*range(0x2028, 0x202F), 0x0333, 0x033F, 0x030A})


def _priority(entity: Entity) -> int:
    if entity.type == "pre":
        return 10 if entity.language else 11
    return _PRIORITY.get(entity.type, 50)


def sort_entities(entities: Iterable[Entity]) -> list[Entity]:
    """Telegram's order: by offset, longer first, then by type priority."""
    return sorted(entities, key=lambda e: (e.offset, -e.length, _priority(e)))


def _units(text: str) -> array[int]:
    units = array("H")
    units.frombytes(text.encode("utf-16-le", "surrogatepass"))
    if sys.byteorder == "big":
        units.byteswap()
    return units


def _text(units: array[int]) -> str:
    copy = array("H", units)
    if sys.byteorder == "big":
        copy.byteswap()
    return copy.tobytes().decode("utf-16-le", "surrogatepass")


def _remove_intersecting(entities: list[Entity]) -> list[Entity]:
    kept: list[Entity] = []
    last_end = 0
    for entity in sort_entities(entities):
        if entity.offset >= last_end:
            kept.append(entity)
            last_end = entity.end
    return kept


def _crosses(entity: Entity, quote: Entity) -> bool:
    overlaps = entity.offset < quote.end and quote.offset < entity.end
    inside = quote.offset <= entity.offset and entity.end <= quote.end
    return overlaps and not inside


def _split_entities(splittable: list[Entity], others: list[Entity]) -> list[Entity]:
    """Merge same-type splittable entities, cut them at other entities' edges, drop in code."""
    if not splittable:
        return []
    size = max(entity.end for entity in splittable)
    boundaries = {edge for entity in others for edge in (entity.offset, entity.end)}
    in_code = bytearray(size)
    for entity in others:
        if entity.type in _PRE_TYPES:
            in_code[entity.offset : entity.end] = b"\x01" * len(in_code[entity.offset : entity.end])
    result: list[Entity] = []
    for kind in _SPLITTABLE:
        covered = bytearray(size)
        for entity in splittable:
            if entity.type == kind:
                covered[entity.offset : entity.end] = b"\x01" * entity.length
        pos = 0
        while pos < size:
            if not covered[pos] or in_code[pos]:
                pos += 1
                continue
            start = pos
            pos += 1
            while pos < size and covered[pos] and not in_code[pos] and pos not in boundaries:
                pos += 1
            result.append(Entity(kind, start, pos - start))
    return result


def _fix_entities(entities: Iterable[Entity]) -> list[Entity]:
    entities = sort_entities(entity for entity in entities if entity.length > 0)
    splittable = [entity for entity in entities if entity.type in _SPLITTABLE]
    quotes = [entity for entity in entities if entity.type in _BLOCKQUOTES]
    continuous = [
        entity
        for entity in entities
        if entity.type not in _SPLITTABLE and entity.type not in _BLOCKQUOTES
    ]
    # continuous entities (code, pre, links...) can't overlap or nest; blockquotes neither
    continuous = _remove_intersecting(continuous)
    if quotes:
        quotes = _remove_intersecting(quotes)
        continuous = [e for e in continuous if not any(_crosses(e, q) for q in quotes)]
    others = continuous + quotes
    return sort_entities(others + _split_entities(splittable, others))


def _clean_characters(
    units: array[int], entities: list[Entity], had_entities: bool
) -> tuple[array[int], list[Entity]]:
    cleaned = array("H")
    position_map = [0] * (len(units) + 1)
    for index, unit in enumerate(units):
        position_map[index] = len(cleaned)
        if unit == 0x0D or unit in _REMOVED_UNITS:
            continue
        # Telegram keeps tabs only in texts without entities (its two code paths differ)
        if unit < 0x20 and unit != 0x0A and (had_entities or unit != 0x09):
            cleaned.append(0x20)
        else:
            cleaned.append(unit)
    position_map[len(units)] = len(cleaned)
    moved = []
    for entity in entities:
        start, end = position_map[entity.offset], position_map[entity.end]
        if end > start:
            moved.append(replace(entity, offset=start, length=end - start))
    return cleaned, moved


def _drop_whitespace_entities(units: array[int], entities: list[Entity]) -> list[Entity]:
    """Trim leading whitespace off entities and drop whitespace-only ones, as Telegram does."""
    ordered = sort_entities(entities)
    result: list[Entity] = []
    for index, entity in enumerate(ordered):
        if entity.type in _HIDDEN_DATA:
            result.append(entity)
            continue
        start, end = entity.offset, entity.end

        def hidden_starts_at(pos: int, index: int = index, end: int = end) -> bool:
            return any(
                other.type in _HIDDEN_DATA and other.offset == pos and other.end <= end
                for other in ordered[index + 1 :]
            )

        while start < end and units[start] in _WHITESPACE_UNITS and not hidden_starts_at(start):
            start += 1
        if any(units[pos] not in _WHITESPACE_UNITS for pos in range(start, end)):
            result.append(replace(entity, offset=start, length=end - start))
    return result


def normalize_message_text(parsed: ParsedText) -> ParsedText:
    """Apply Telegram's post-parsing clean-up; an all-whitespace text comes back empty."""
    units = _units(parsed.plain)
    entities = _fix_entities(parsed.entities)
    units, entities = _clean_characters(units, entities, bool(parsed.entities))
    entities = _drop_whitespace_entities(units, entities)
    last = max(
        (index for index, unit in enumerate(units) if unit not in _WHITESPACE_UNITS), default=-1
    )
    if last < 0:
        return ParsedText("", ())
    entities = _fix_entities(entities)

    end = last + 1
    clipped = []
    for entity in entities:
        if entity.offset < end:
            clipped.append(replace(entity, length=min(entity.end, end) - entity.offset))
    units = units[:end]

    first_entity = min((entity.offset for entity in clipped), default=len(units))
    start = 0
    while start < first_entity and units[start] in _WHITESPACE_UNITS:
        start += 1
    shifted = [replace(entity, offset=entity.offset - start) for entity in clipped]
    return ParsedText(_text(units[start:]), tuple(sort_entities(shifted)))


def _limit_entities(entities: Iterable[Entity], limit: int = MAX_ENTITY_COUNT) -> list[Entity]:
    """Telegram keeps at most ``limit`` entities (custom emoji aside), formatting ones last."""
    ordered = sort_entities(entities)
    kept: list[Entity] = []
    count = 0
    for entity in [e for e in ordered if e.type not in _SPLITTABLE] + [
        e for e in ordered if e.type in _SPLITTABLE
    ]:
        if entity.type == "custom_emoji":
            kept.append(entity)
        elif count < limit:
            kept.append(entity)
            count += 1
    return sort_entities(kept)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def prepare_message_text(
    text: str, parse_mode: str | None = "HTML", entities: Iterable[Entity] | None = None
) -> ParsedText:
    """What sendMessage/editMessageText make of ``text``; raise ``MessageTextError`` if refused.

    ``parse_mode`` "HTML" is modelled exactly; "MarkdownV2"/"Markdown" are accepted unparsed
    (the text is kept as is, without entities); ``None`` or "" means plain text, with the
    explicit ``entities`` if given.
    """
    if not text:
        raise MessageTextError("Bad Request: message text is empty")
    mode = (parse_mode or "").lower()
    if mode == "html":
        try:
            parsed = parse_telegram_html(text)
        except TelegramHTMLError as error:
            raise MessageTextError(f"Bad Request: {_lower_first(error.description)}") from error
    elif mode == "":
        parsed = ParsedText(text, tuple(sort_entities(entities or ())))
    elif mode in ("markdownv2", "markdown"):
        parsed = ParsedText(text)
    else:
        raise MessageTextError("Bad Request: unsupported parse_mode")
    normalized = normalize_message_text(parsed)
    if not normalized.plain.strip():
        raise MessageTextError("Bad Request: message must be non-empty")
    if normalized.length > MAX_MESSAGE_LENGTH:
        raise MessageTextError("Bad Request: message is too long")
    return replace(normalized, entities=tuple(_limit_entities(normalized.entities)))
