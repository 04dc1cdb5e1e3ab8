"""The one tokenizer used for both the passage index and the questions."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator

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
# All of them in one expression, each its own group: a match's group says which token it is
# (the patterns match disjoint texts, so the first to match is the one that fits). Every
# match starts with one of the lookahead's characters: a position that does not is passed
# over at once rather than tried against each pattern (six times faster over a line).
_SPECIAL_ANY = re.compile(
    "(?=[CcPpURI₹$])(?:"
    + "|".join(
        f"((?i:{p.pattern}))" if p.flags & re.IGNORECASE else f"({p.pattern})"
        for p, _ in _SPECIAL
    )
    + ")"
)
# Every match of _SPECIAL_ANY holds one of these (Ph.D's in lower case; an R followed by
# no letter): text without any has no special token, and skips that scan (most text).
_SPECIAL_HINTS = ("+", "#", "₹", "$", "U.", "US", "IT")
_PHD_HINTS = ("phd", "ph.d", "ph d", "ph. d")
_R_HINT = re.compile(r"R\b")
# A decimal number is one word: "2.5 years" is not "5+ years", "3.3 lakhs" not "3 lakhs".
_WORD = re.compile(r"\d+(?:\.\d+)+(?!\w|\.\w)|[^\W_]+(?:['’][^\W_]+)*|₹", re.UNICODE)
_ASCII_WORD = re.compile(r"[0-9]+(?:\.[0-9]+)+(?!\w|\.\w)|[a-z0-9]+(?:'[a-z0-9]+)*", re.ASCII)
_NUMBER_GROUPS = re.compile(r"(?<=\d),(?=\d{3}\b)")

# Roman Urdu and Hindi function words, as people in Pakistan and India type them in Latin
# letters ("ML engineer ka kaam kya hota hai?"): never what is asked about, and never a typo
# of an English word ("liye" is not "life"). None is an English word or occurs in the
# knowledge (tests/test_tokenize.py); the words that carry meaning are the vocabulary's
# corrections ("naukri" -> "job").
ROMAN_URDU_STOP_WORDS = frozenset(
    """
    hai hain ho hota hoti hote hoga hogi hona honi tha thi ka ki ke ko se mein kya kia aur
    ya bhi nahi nahin na liye yaar yar bhai kaise kese kaisay kitna kitni kitne kab kahan
    kyun kyu kyon kaun kaunsa kaunsi kaunse konsa konsi konse kon koi kuch agar toh tou jo
    jab abhi mujhe mera meri hum humein hamein aap apna apni apne tum yeh ye woh wo hoon
    hu hun raha rahi rahe ne chahiye chahie chaiye lagta lagti lagte milegi milega milti milta
    sakta sakti sakte wala wali wale karna karne karun karein kar karta karti karte kiya
    kiye kijiye karni bohat bahut zyada ji si sa dono jana jaye jaun padti padta padega parta
    parti parega paregi padegi padte parte baad pehle rahun rehna rahna thora thoda thori
    thodi bas sirf bilkul asal uska uski uske iska iski iske batao bataen bataiye bataye
    taake taki milne milte milenge wahan wahaan waha yahan lun lagenge lagega lagegi
    chal chalega chalegi jayega jayegi jaega jaegi jayenge banau banaun banaon itna itni itne
    acha achha accha bata karke usay usey usko isko sab sabh sabhi lu lena leni lenge
    """.split()
)
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
    basically literally still already yet ever whatever nvm quite rather
    """.split()
) | ROMAN_URDU_STOP_WORDS


def has_roman_urdu_function_words(text: str) -> bool:
    """Whether the text uses any of ROMAN_URDU_STOP_WORDS ("kitne din", "kin companies")."""
    return not ROMAN_URDU_STOP_WORDS.isdisjoint(_WORD.findall(text.lower()))


def without_roman_urdu_function_words(text: str) -> str:
    """The text without ROMAN_URDU_STOP_WORDS, spaces closed up; itself when it has none."""
    kept = _WORD.sub(
        lambda match: "" if match.group(0) in ROMAN_URDU_STOP_WORDS else match.group(0), text
    )
    return text if kept == text else " ".join(kept.split())


# Tokens kept exactly as they are: the stemmer would merge or mangle them.
_UNSTEMMED = frozenset({"c++", "c#", "r", "₹", "usd", "phd", "it-field", "mlops", "pkr", "aws"})

_stemmer = snowballstemmer.stemmer("english")
# Stems already made. Bounded, as questions bring words of their own: when full it is
# emptied (a corpus of 100,000 passages has fewer distinct words than this).
_STEMS: dict[str, str] = {}
STEM_CACHE_SIZE = 1 << 19


class _PlainTokens(dict[str, str]):
    """A plain word's token: its stem, or "" for a stop word, made when first asked for (a
    dict lookup per word, in C, for the words already seen; bounded like the stems)."""

    def __missing__(self, word: str) -> str:
        token = "" if word in STOP_WORDS else stem(word)
        if len(self) >= STEM_CACHE_SIZE:
            self.clear()
        self[word] = token
        return token


_PLAIN_TOKENS = _PlainTokens()


# Words the stemmer would merge with others of another meaning, and the token each stands
# for: "experiments" are not "experience", "attention mechanisms" not a "mechanical"
# engineer, "prospective" job seekers not job "prospects", "accountability" no accountant.
_STEM_OVERRIDES = {
    **dict.fromkeys(
        ("experiment", "experiments", "experimenting", "experimentation", "experimental"),
        "experiment",
    ),
    **dict.fromkeys(("mechanism", "mechanisms"), "mechanism"),
    "prospective": "prospective",
    "accountability": "accountability",
}


def stem(word: str) -> str:
    found = _STEMS.get(word)
    if found is None:
        found = _STEM_OVERRIDES.get(word)
        if found is None:
            found = word if word in _UNSTEMMED or not word.isalpha() else _stemmer.stemWord(word)
        if len(_STEMS) >= STEM_CACHE_SIZE:
            _STEMS.clear()
        _STEMS[word] = found
    return found


def normalize(text: str) -> str:
    """Unicode NFKC with typographic apostrophes made plain."""
    if text.isascii():  # NFKC leaves ASCII as it is, and it has no typographic apostrophe
        return text
    return unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'")


def _prepared(text: str) -> str:
    text = normalize(text)
    return _NUMBER_GROUPS.sub("", text) if "," in text else text


def _may_be_special(text: str) -> bool:
    for hint in _SPECIAL_HINTS:  # a loop, not any() over a generator: a third faster
        if hint in text:
            return True
    if "R" in text and _R_HINT.search(text):
        return True
    lowered = text.lower()
    return "ph" in lowered and any(hint in lowered for hint in _PHD_HINTS)


def words(text: str) -> list[tuple[str, bool]]:
    """Case-folded words in order, stop words kept, each flagged True if special."""
    text = _prepared(text)
    if not _may_be_special(text):
        return [(word, False) for word in _plain_words(text)]
    return _words_with_specials(text)


def _words_with_specials(text: str) -> list[tuple[str, bool]]:
    result: list[tuple[str, bool]] = []
    for plain, special in _runs_and_specials(text):
        result.extend((word, False) for word in plain)
        if special:
            result.append((special, True))
    return result


def _runs_and_specials(text: str) -> Iterator[tuple[list[str], str]]:
    """The plain words before each special token, and the token ("" after the last)."""
    position = 0
    for match in _SPECIAL_ANY.finditer(text):
        yield _plain_words(text[position : match.start()]), _SPECIAL[match.lastindex - 1][1]
        position = match.end()
    yield _plain_words(text[position:]), ""


def _plain_words(text: str) -> list[str]:
    # In ASCII text _WORD's matches are _ASCII_WORD's, found faster.
    ascii_text = text.isascii()
    found = (_ASCII_WORD if ascii_text else _WORD).findall(
        text.lower() if ascii_text else text.casefold()
    )
    if "'" not in text and "’" not in text:  # no "'s" to drop
        return found
    return [word[:-2] if word.endswith("'s") else word for word in found]


def tokenize(text: str) -> list[str]:
    """Normalized, case-folded, stemmed tokens without stop words.

    Keeps what matters in this domain: "C++", "R", "SQL", "AWS", "Ph.D", "master's",
    "MLOps", "PyTorch", "₹", "PKR".
    """
    return tokenize_words(text)[0]


def tokenize_words(text: str) -> tuple[list[str], list[str]]:
    """``tokenize(text)`` and the text's words as ``words`` gives them (stop words kept),
    from one reading of the text: the index's build needs both of every line. In ASCII
    text without special tokens, the common case, the words cost nothing extra."""
    text = _prepared(text)
    if _may_be_special(text):
        tokens: list[str] = []
        words: list[str] = []
        for plain, special in _runs_and_specials(text):
            tokens += filter(None, map(_PLAIN_TOKENS.__getitem__, plain))
            words += plain
            if special:
                tokens.append(stem(special))
                words.append(special)
        return tokens, words
    plain = _plain_words(text)
    return list(filter(None, map(_PLAIN_TOKENS.__getitem__, plain))), plain


def with_bigrams(tokens: list[str]) -> list[str]:
    """Tokens plus each adjacent pair joined by "_", so phrases match as phrases. (The
    index's build passes the pairs as word numbers instead: ``retrieval.index.Documents``.)"""
    return tokens + [f"{a}_{b}" for a, b in itertools.pairwise(tokens)]
