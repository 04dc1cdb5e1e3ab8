"""BERT's uncased WordPiece tokenizer in plain Python, as all-MiniLM-L6-v2's tokenizer.json says.

The Hugging Face `tokenizers` library (Rust) did this before, but loading its tokenizer.json
took 30 to 50 ms of every `ask` that had to encode a question, more than encoding it. Only the
vocabulary (vocab.txt, 30,522 lines) is read here. tests/test_wordpiece.py checks that
tokenizer.json still describes exactly these steps, that vocab.txt is its vocabulary, and that
the ids equal `tokenizers`' own on every question set and on random text.

The steps, in tokenizer.json's order:
1. Special tokens written in the text ("[SEP]") are matched as they are, before anything else.
2. BertNormalizer: drop NUL, U+FFFD and control characters; every whitespace character becomes a
   space; CJK ideographs get a space on each side; accents are stripped (NFD, then nonspacing
   marks dropped) and the text lowercased.
3. BertPreTokenizer: split on whitespace, and every punctuation character is a word of its own.
4. WordPiece: each word is split greedily into the longest pieces in the vocabulary, later ones
   with the "##" prefix; a word that cannot be split, or is over 100 characters, is [UNK].
5. [CLS] before and [SEP] after, the words cut so that the whole stays within the length limit.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
CONTINUATION = "##"
MAX_WORD_CHARS = 100
CHARACTERS_KEPT = 20_000  # characters whose normalized forms are kept
_SPECIAL = re.compile("(" + "|".join(re.escape(token) for token in SPECIAL_TOKENS) + ")")
# CJK ideograph blocks, as BERT defines them (not Hangul, Hiragana or Katakana).
_CJK = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
        (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))
# Control characters as tokenizers counts them (unassigned code points are not among them).
_CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs"})
_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
# Python's isspace() also counts U+001C..U+001F; Unicode's White_Space (Rust's is_whitespace,
# which tokenizers uses) does not, so they are control characters there, and dropped.
_NOT_WHITESPACE = frozenset("\x1c\x1d\x1e\x1f")


class WordPieceTokenizer:
    """Text to token ids, [CLS] and [SEP] included, for the vocabulary in a vocab.txt."""

    def __init__(self, vocabulary: list[str], max_tokens: int) -> None:
        self._ids = dict(zip(vocabulary, range(len(vocabulary)), strict=True))
        if len(self._ids) != len(vocabulary):
            raise ValueError("the vocabulary repeats a token")
        missing = [token for token in SPECIAL_TOKENS if token not in self._ids]
        if missing:
            raise ValueError(f"the vocabulary lacks {', '.join(missing)}")
        self._unknown = self._ids["[UNK]"]
        self._first, self._last = self._ids["[CLS]"], self._ids["[SEP]"]
        self._max_words = max_tokens - 2  # room for [CLS] and [SEP]
        self._word_cache: dict[str, list[int]] = {}

    @classmethod
    def from_file(cls, path: Path, max_tokens: int) -> WordPieceTokenizer:
        """The tokenizer for a vocab.txt: one token per line, its line number is its id."""
        return cls(path.read_text(encoding="utf-8").splitlines(), max_tokens)

    def encode(self, text: str) -> list[int]:
        ids = [self._first]
        for number, part in enumerate(_SPECIAL.split(text)):
            if number % 2:  # the split's odd parts are the special tokens themselves
                ids.append(self._ids[part])
            else:
                for word in pre_tokenize(normalize(part)):
                    ids += self._word_ids(word)
        del ids[1 + self._max_words :]
        ids.append(self._last)
        return ids

    def _word_ids(self, word: str) -> list[int]:
        cached = self._word_cache.get(word)
        if cached is None:
            cached = self._split(word)
            if len(self._word_cache) >= 50_000:
                self._word_cache.clear()
            self._word_cache[word] = cached
        return cached

    def _split(self, word: str) -> list[int]:
        if len(word) > MAX_WORD_CHARS:
            return [self._unknown]
        ids: list[int] = []
        start = 0
        while start < len(word):
            prefix = CONTINUATION if start else ""
            for end in range(len(word), start, -1):
                number = self._ids.get(prefix + word[start:end])
                if number is not None:
                    ids.append(number)
                    start = end
                    break
            else:  # no piece fits: the whole word is unknown
                return [self._unknown]
        return ids


class _CharTable(dict[int, str]):
    """A str.translate table whose entries are worked out when a character is first seen
    (then looked up in C), and bounded: a text of every code point would fill it."""

    def __missing__(self, code: int) -> str:
        form = self._form(chr(code))
        if len(self) >= CHARACTERS_KEPT:
            self.clear()
        self[code] = form
        return form

    @staticmethod
    def _form(char: str) -> str:
        raise NotImplementedError


class _CleanedChars(_CharTable):
    """BertNormalizer's first pass: control characters dropped, whitespace a space, a CJK
    ideograph spaced apart."""

    @staticmethod
    def _form(char: str) -> str:
        code = ord(char)
        if char in "\t\n\r":
            return " "
        if code == 0 or code == 0xFFFD or unicodedata.category(char) in _CONTROL_CATEGORIES:
            return ""  # "\v", "\f" and U+0085 too: control characters before whitespace
        if char.isspace() and char not in _NOT_WHITESPACE:
            return " "
        if any(low <= code <= high for low, high in _CJK):
            return f" {char} "
        return char


class _LoweredChars(_CharTable):
    """The last pass, per character of the decomposed text: accents (nonspacing marks)
    dropped, the rest lowercased character by character, as tokenizers does (no final-sigma
    rule: "Σ" is "σ")."""

    @staticmethod
    def _form(char: str) -> str:
        return "" if unicodedata.category(char) == "Mn" else char.lower()


_CLEANED = _CleanedChars()
_LOWERED = _LoweredChars()


def normalize(text: str) -> str:
    """BertNormalizer with clean_text, handle_chinese_chars, strip_accents and lowercase."""
    if text.isascii():
        # ASCII has no ideographs or accents, and lowercases alike either way: only the
        # control characters and whitespace are left to clean (about 30 times faster).
        return text.translate(_CLEANED).lower()
    decomposed = unicodedata.normalize("NFD", text.translate(_CLEANED))
    return decomposed.translate(_LOWERED)


def is_punctuation(char: str) -> bool:
    """BERT's punctuation: ASCII's (so "$", "+", "^" too) and Unicode's P* categories."""
    return char in _ASCII_PUNCTUATION or unicodedata.category(char).startswith("P")


def pre_tokenize(text: str) -> list[str]:
    """BertPreTokenizer: words split at whitespace, each punctuation character a word."""
    words: list[str] = []
    for chunk in text.split():
        if chunk.isalnum():
            words.append(chunk)
            continue
        start = 0
        for at, char in enumerate(chunk):
            if is_punctuation(char):
                if at > start:
                    words.append(chunk[start:at])
                words.append(char)
                start = at + 1
        if start < len(chunk):
            words.append(chunk[start:])
    return words
