"""The one tokenizer used for both the passage index and the questions."""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache

import snowballstemmer

# Tokens that a plain word tokenizer would break or drop, checked before case-folding.
# Each pattern maps to the token it stands for.
_SPECIAL = (
    (re.compile(r"(?<![\w+#])[Cc]\+\+"), "c++"),
    (re.compile(r"(?<![\w+#])[Cc]#"), "c#"),
    (re.compile(r"\bPh\.? ?D\b\.?|\bphd\b", re.IGNORECASE), "phd"),
    (re.compile(r"\bU\.S\.(?:A\.)?|\bUSA\b|\bUS\b"), "usa"),
    (re.compile(r"\bR\b(?![’'])"), "r"),
    (re.compile(r"₹"), "₹"),
    (re.compile(r"\$"), "usd"),
    (re.compile(r"\bIT\b"), "it-field"),
)
_SPECIAL_ANY = re.compile(
    "|".join(
        f"(?{'i' if p.flags & re.IGNORECASE else ''}:{p.pattern})" if p.flags & re.IGNORECASE
        else f"(?:{p.pattern})"
        for p, _ in _SPECIAL
    )
)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|₹", re.UNICODE)
_NUMBER_GROUPS = re.compile(r"(?<=\d),(?=\d{3}\b)")

STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do
    does doesn't doing don't down during each few for from further had hadn't has hasn't
    have haven't having he he'd he'll he's her here here's hers herself him himself his
    how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more
    most mustn't my myself no nor not of off on once only or other ought our ours
    ourselves out over own same shan't she she'd she'll she's should shouldn't so some
    such than that that's the their theirs them themselves then there there's these they
    they'd they'll they're they've this those through to too under until up very was
    wasn't we we'd we'll we're we've were weren't what what's when when's where where's
    which while who who's whom why why's with won't would wouldn't you you'd you'll
    you're you've your yours yourself yourselves also just really actually please pls
    plz tell know want wanna gonna like get got go going hey hi hello thanks thank ok
    okay yeah yes u ur im dont cant etc e.g i.e one would will may might must shall us r
    bro sir lol nah tbh idk btw even thing things see use bit ago kind sort stuff lot
    lots much many guys someone anyone something anything okay hmm pls thx honestly
    basically literally
    """.split()
)
# Tokens kept exactly as they are: the stemmer would merge or mangle them.
_UNSTEMMED = frozenset({"c++", "c#", "r", "₹", "usd", "phd", "it-field", "mlops", "pkr", "aws"})

_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    if word in _UNSTEMMED or not word.isalpha():
        return word
    return _stemmer.stemWord(word)


def normalize(text: str) -> str:
    """Unicode NFKC with typographic apostrophes made plain."""
    return unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'")


def words(text: str) -> list[tuple[str, bool]]:
    """Case-folded words in order, stop words kept, each flagged True if special."""
    text = _NUMBER_GROUPS.sub("", normalize(text))
    result: list[tuple[str, bool]] = []
    position = 0
    for match in _SPECIAL_ANY.finditer(text):
        result.extend((word, False) for word in _plain_words(text[position : match.start()]))
        token = next(t for p, t in _SPECIAL if p.fullmatch(match.group(0).strip()))
        result.append((token, True))
        position = match.end()
    result.extend((word, False) for word in _plain_words(text[position:]))
    return result


def _plain_words(text: str) -> list[str]:
    tokens = []
    for match in _WORD.finditer(text.casefold()):
        word = match.group(0)
        if word.endswith("'s"):
            word = word[:-2]
        tokens.append(word)
    return tokens


def tokenize(text: str) -> list[str]:
    """Normalized, case-folded, stemmed tokens without stop words.

    Keeps what matters in this domain: "C++", "R", "SQL", "AWS", "Ph.D", "master's",
    "MLOps", "PyTorch", "₹", "PKR".
    """
    return [stem(word) for word, special in words(text) if special or word not in STOP_WORDS]


def with_bigrams(tokens: list[str]) -> list[str]:
    """Tokens plus each adjacent pair joined by "_", so phrases match as phrases."""
    return tokens + [f"{a}_{b}" for a, b in itertools.pairwise(tokens)]
