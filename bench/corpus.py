"""A synthetic corpus whose vocabulary grows with its size, the way real text's does.

The words come from one stream of tokens made by Simon's process: each token is a new word
with a probability that falls as the stream grows, K·β·t^(β-1) at token t, so after n tokens
about K·n^β words have been seen (Heaps' law); otherwise it repeats the word of a uniformly
chosen earlier token, so words are reused in proportion to how often they were used
(Zipf's law, frequency ∝ 1/rank). The first words to appear (the most frequent) are the
articles' own words, most frequent first; later ones are English words mixed with made-up
but pronounceable ones ("brakelo", "stiomu"), so a bigger corpus has words a smaller one
never saw, as a bigger real corpus would.

The stream is cut into passages shaped like the articles' (`retrieval.chunking.Passage`):
an article title, a section path of one to three headings, two to six units (sentences,
bullets, "Label: text" lines, now and then a heading line) and 50-150 words in all, with
an amount of money or a percentage here and there. Everything follows from the seed.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from knowledge import load_knowledge
from knowledge.english_words import load_english_words
from retrieval.chunking import Passage

HEAPS_K = 20.0
HEAPS_BETA = 0.55
MIN_WORDS, MAX_WORDS = 50, 150
PASSAGES_PER_ARTICLE = 40
PASSAGES_PER_SECTION = 3

_ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z",
           "br", "dr", "gr", "kr", "pl", "st", "tr", "ch", "sh", "th")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "ou")
# Every syllable is consonants then vowels, so a word splits into syllables one way only:
# different numbers give different words.
_SYLLABLES = tuple(onset + vowel for onset in _ONSETS for vowel in _VOWELS)
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def made_up_word(number: int) -> str:
    """The number-th pronounceable made-up word: two syllables or more, all different."""
    base = len(_SYLLABLES)
    number += base  # at least two syllables
    syllables = []
    while number:
        number, digit = divmod(number, base)
        syllables.append(_SYLLABLES[digit])
    return "".join(reversed(syllables))


@dataclass(frozen=True)
class Corpus:
    passages: list[Passage]
    queries: list[str]
    tokens: int  # words in the stream the passages were cut from
    words: int  # distinct words among them


@functools.cache
def _seed_words() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The articles' words, most frequent first, and the other English words, sorted."""
    knowledge = load_knowledge()
    counts = Counter(
        word for article in knowledge.articles for word in _WORD.findall(article.text.lower())
    )
    head = [word for word, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
    seen = set(head)
    return tuple(head), tuple(word for word in sorted(load_english_words()) if word not in seen)


def word_stream(tokens: int, rng: np.random.Generator) -> np.ndarray:
    """Word numbers of a stream of `tokens` tokens (0 = the first word to appear)."""
    position = np.arange(tokens, dtype=np.float64)
    rate = HEAPS_K * HEAPS_BETA * np.maximum(position, 1.0) ** (HEAPS_BETA - 1)
    chance_new = np.minimum(1.0, rate)
    new = rng.random(tokens) < chance_new
    new[0] = True
    # A repeated token copies an earlier token, which may itself be a copy: follow the
    # chains by pointer jumping (each step halves what is left of every chain).
    source = np.where(new, np.arange(tokens), (rng.random(tokens) * position).astype(np.int64))
    while True:
        further = source[source]
        if np.array_equal(further, source):
            break
        source = further
    first_use = np.cumsum(new) - 1
    return first_use[source]


def _names(count: int, rng: np.random.Generator) -> list[str]:
    """Spellings of word numbers 0..count-1: the articles' words, then English and made-up
    words mixed (one in three English while they last)."""
    head, others = _seed_words()
    english = list(others)
    rng.shuffle(english)
    names = list(head[:count])
    made_up = 0
    while len(names) < count:
        if len(names) % 3 == 0 and english:
            names.append(english.pop())
        else:
            names.append(made_up_word(made_up))
            made_up += 1
    return names


def synthetic_corpus(passages: int, seed: int = 7, queries: int = 300) -> Corpus:
    """`passages` synthetic passages and `queries` questions made of their words."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(MIN_WORDS, MAX_WORDS + 1, size=passages)
    total = int(lengths.sum())
    stream = word_stream(total, rng)
    distinct = int(stream.max()) + 1
    names = np.array(_names(distinct, rng), dtype=object)
    spelled = names[stream]
    # Headings and titles are words of the stream too (so, mostly frequent ones).
    heading_words = spelled[rng.integers(0, total, size=passages * 4 + 64)]
    pick = iter(heading_words.tolist())

    def heading(low: int, high: int) -> str:
        return " ".join(next(pick).capitalize() for _ in range(int(rng.integers(low, high + 1))))

    result: list[Passage] = []
    start = 0
    title = section = None
    for number, length in enumerate(lengths.tolist()):
        if number % PASSAGES_PER_ARTICLE == 0:
            title = heading(3, 6)
        if number % PASSAGES_PER_SECTION == 0:
            section = tuple(heading(2, 5) for _ in range(int(rng.integers(1, 4))))
        body = spelled[start : start + length].tolist()
        start += length
        units, headings = _units(body, rng)
        result.append(
            Passage(
                id=f"synthetic#{number}", doc_id=f"synthetic-{number // PASSAGES_PER_ARTICLE}",
                title=title, section=section, units=tuple(units), headings=tuple(headings),
            )
        )
    return Corpus(result, _queries(result, queries, rng), total, distinct)


def _units(body: list[str], rng: np.random.Generator) -> tuple[list[str], list[str]]:
    count = int(rng.integers(2, 7))
    cuts = sorted(rng.choice(np.arange(3, len(body) - 2), size=count - 1, replace=False).tolist())
    units, headings = [], []
    if rng.random() < 0.2:  # a heading line over the rest ("Key Skills:")
        line = " ".join(w.capitalize() for w in body[:2]) + ":"
        units.append(line)
        headings.append(line)
    for low, high in zip([0, *cuts], [*cuts, len(body)], strict=True):
        words = body[low:high]
        if rng.random() < 0.15:  # money or a share, for the tokenizer's special cases
            amount = int(rng.integers(1, 500)) * 1000
            words.insert(int(rng.integers(0, len(words))),
                         rng.choice([f"${amount:,}", f"₹{amount:,}", f"{amount // 1000}%"]))
        shape = rng.random()
        if shape < 0.25:
            units.append("- " + " ".join(words))
        elif shape < 0.4 and len(words) > 4:
            label = " ".join(w.capitalize() for w in words[:2])
            units.append(f"{label}: " + " ".join(words[2:]))
        else:
            units.append(" ".join(words).capitalize() + ".")
    return units, headings


_OPENINGS = ("", "", "how do ML engineers use ", "what is ", "machine learning ",
             "which skills for ", "salary for ")


def _queries(passages: list[Passage], count: int, rng: np.random.Generator) -> list[str]:
    """Questions of two to six words taken from one passage (common and rare alike),
    some with an opening that names the domain."""
    questions = []
    for _ in range(count):
        passage = passages[int(rng.integers(0, len(passages)))]
        words = [w for w in _WORD.findall(passage.text.lower())]
        chosen = rng.choice(len(words), size=min(len(words), int(rng.integers(2, 7))),
                            replace=False)
        opening = _OPENINGS[int(rng.integers(0, len(_OPENINGS)))]
        questions.append(opening + " ".join(words[i] for i in sorted(chosen.tolist())) + "?")
    return questions
