"""Replies as a person reads them: `python -m bench.replies`.

Runs every question set (eval, paraphrase, fresh, holdout, blind) and the reply probes
(off-topic messages that use ML words, questions the articles don't cover, one-region pay
questions, questions with a known direct answer) through the dialogue, each as the first
message of a fresh chat, exactly as `ask` does, and counts defects per class. The checks
here are written independently of the bot's own rules, so they measure the replies, not
the rules.

`--probes holdout` scores the held-out probe file instead of the development ones.
"""

from __future__ import annotations

import argparse
import html
import re
import statistics
import sys
from collections import Counter
from dataclasses import dataclass, field

import yaml

from bot.core.dialogue import Dialogue, Turn
from evaluation.quality import SETS, SETS_DIR, fold
from knowledge import KNOWLEDGE_DIR
from knowledge.lexicon import Lexicon, LexiconFile

# Probe files by name; each was written blind, from the articles alone. Only the
# development files are tuned on; the held-out one is run by hand for the figures.
PROBES = {
    "dev": tuple(
        SETS_DIR / f"reply_probes{suffix}.yaml" for suffix in ("", "_dev2", "_dev3", "_dev4")
    ),
    "holdout": (SETS_DIR / "reply_probes_holdout.yaml",),
    # A fifth blind development file, kept apart: its defects are not all mended yet, and
    # the development probes above are held at none (tests/test_replies_bench.py).
    "dev5": (SETS_DIR / "reply_probes_dev5.yaml",),
}
MAX_MEDIAN_CHARS = 700

# An outline's instructions to its writer, at the start of a shown line (after a label).
_INSTRUCTION = re.compile(
    r"^(?:explain|mention|highlight|suggest|preview|summari[sz]e|note that|clarify|"
    r"emphasi[sz]e|encourage|recommend|reiterate|end with|discuss|describe|introduce)\b",
    re.IGNORECASE,
)
_FILLER = re.compile(
    r"let'?s delve|delve into|below is a|here'?s a detailed|imagine a world|"
    r"by following this|this blog will|in this article|in this blog|without further ado",
    re.IGNORECASE,
)
_CITES = re.compile(r"(?:\s*\[\d+\])+(?:\s*\(\d+ articles\))?\s*$")
_BULLET = re.compile(r"^\s*[•\-–]\s+")
CURRENCY = {
    "pakistan": re.compile(r"\bPKR\b"),
    "india": re.compile(r"₹|\bINR\b|\blakhs?\b|\bcrores?\b|\bLPA\b", re.IGNORECASE),
    # A dollar amount not labelled as a conversion ("≈ US$3,450" is allowed).
    "us": re.compile(r"(?<!US)\$\s?\d|\bUSD\b"),
}
_SAYS_NOT_COVERED = re.compile(
    r"\b(?:don'?t|do not|doesn'?t|does not|no)\b[^.\n]*\b(?:cover|mention|say|give|figures|"
    r"data|information|salar)",
    re.IGNORECASE,
)


def visible_text(reply_html: str) -> str:
    """What a person sees of an HTML reply (written here, not taken from the bot)."""
    return html.unescape(re.sub(r"<[^>]+>", "", reply_html))


def load_lexicon() -> Lexicon:
    data = yaml.safe_load((KNOWLEDGE_DIR / "lexicon.yaml").read_text(encoding="utf-8"))
    return Lexicon(LexiconFile.model_validate(data))


@dataclass
class Tally:
    replies: int = 0
    lengths: list[int] = field(default_factory=list)
    defects: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    answer_first_hits: int = 0
    answer_first_total: int = 0

    def flag(self, kind: str, question: str) -> None:
        self.defects[kind] += 1
        self.examples.setdefault(kind, question)


_STRAY_MARKER = re.compile(r"[-*▪•]\s")
DEFECT_KINDS = (
    "writing-instruction lines",
    "filler lines",
    "empty-heading bullets",
    "one/two-word bullets",
    "duplicate bullets",
    "stray list markers",
    "another region's currency",
    "off-topic probes answered",
    "not-covered probes answered without saying so",
    "career probes declined",
)


def _line_body(line: str) -> str:
    body = _CITES.sub("", _BULLET.sub("", line)).strip()
    if ": " in body and len(body.split(": ", 1)[0].split()) <= 8:
        body = body.split(": ", 1)[1]  # after a "Label: "
    return body.strip()


def check_reply(tally: Tally, question: str, turn: Turn) -> str:
    """Count one reply's defects of form; returns its visible text."""
    text = visible_text(turn.reply.html)
    tally.replies += 1
    tally.lengths.append(len(text))
    seen: set[str] = set()
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        body = _line_body(line)
        if _INSTRUCTION.match(body) or _INSTRUCTION.match(_CITES.sub("", line)):
            tally.flag("writing-instruction lines", question)
        if _FILLER.search(line):
            tally.flag("filler lines", question)
        # an inline item shown with its "- " (the replies' own bullets are "• ")
        if _STRAY_MARKER.match(re.sub(r"^[^:]{1,60}: ", "", line.removeprefix("• "))):
            tally.flag("stray list markers", question)
        if not _BULLET.match(raw):
            continue
        bare = _CITES.sub("", _BULLET.sub("", line)).strip()
        if bare.endswith(":") or (line != bare and not body):
            tally.flag("empty-heading bullets", question)
        elif 0 < len(bare.split()) <= 2 and _CITES.search(line):
            tally.flag("one/two-word bullets", question)
        key = fold(bare)
        if key in seen:
            tally.flag("duplicate bullets", question)
        seen.add(key)
    return text


def region_defect(tally: Tally, question: str, region: str, text: str) -> None:
    if any(pattern.search(text) for other, pattern in CURRENCY.items() if other != region):
        tally.flag("another region's currency", question)


def run(dialogue: Dialogue, probes: dict, sets: list[str]) -> Tally:
    tally = Tally()
    lexicon = load_lexicon()
    for name in sets:
        data = yaml.safe_load(SETS[name].read_text(encoding="utf-8"))
        for item in data.get("in_scope", []):
            question = item["q"]
            text = check_reply(tally, question, dialogue.search_answer(question))
            regions = [r for r in lexicon.regions_in(question) if r != "global"]
            if len(regions) == 1 and not lexicon.uncovered_in(question):
                region_defect(tally, question, regions[0], text)
    for item in probes.get("off_topic_ml", []):
        turn = dialogue.search_answer(item["text"])
        check_reply(tally, item["text"], turn)
        if turn.answer is not None and turn.answer.in_scope:
            tally.flag("off-topic probes answered", item["text"])
    for item in probes.get("not_covered", []):
        turn = dialogue.search_answer(item["text"])
        text = check_reply(tally, item["text"], turn)
        declined = turn.answer is not None and not turn.answer.in_scope
        first = text.strip().split("\n", 1)[0]
        if not declined and not _SAYS_NOT_COVERED.search(first):
            tally.flag("not-covered probes answered without saying so", item["text"])
    for item in probes.get("should_answer", []):
        turn = dialogue.search_answer(item["text"])
        check_reply(tally, item["text"], turn)
        if turn.answer is not None and not turn.answer.in_scope:
            tally.flag("career probes declined", item["text"])
    for item in probes.get("one_region_pay", []):
        text = check_reply(tally, item["text"], dialogue.search_answer(item["text"]))
        region_defect(tally, item["text"], item["region"], text)
    for item in probes.get("answer_first", []):
        text = check_reply(tally, item["text"], dialogue.search_answer(item["text"]))
        opening = fold(text[:400])
        tally.answer_first_total += 1
        if any(fold(phrase) in opening for phrase in item["expect"]):
            tally.answer_first_hits += 1
    return tally


def load_probes(name: str) -> dict[str, list]:
    """The probe files of a name, their classes concatenated."""
    merged: dict[str, list] = {}
    for path in PROBES[name]:
        for kind, items in yaml.safe_load(path.read_text(encoding="utf-8")).items():
            merged.setdefault(kind, []).extend(items)
    return merged


def report(tally: Tally, verbose: bool = False) -> list[str]:
    lengths = sorted(tally.lengths)
    p90 = lengths[int(0.9 * (len(lengths) - 1))] if lengths else 0
    lines = [f"replies                                       {tally.replies}"]
    for kind in DEFECT_KINDS:
        example = f"   e.g. {tally.examples[kind]!r}" if verbose and kind in tally.examples else ""
        lines.append(f"{kind:<46}{tally.defects[kind]}{example}")
    lines.append(f"{'median visible length':<46}{statistics.median(lengths) if lengths else 0:.0f}")
    lines.append(f"{'90th-percentile visible length':<46}{p90}")
    lines.append(f"{'longest reply':<46}{lengths[-1] if lengths else 0}")
    if tally.answer_first_total:
        share = tally.answer_first_hits / tally.answer_first_total
        lines.append(
            f"{'answer in the opening (answer_first probes)':<46}{share:.2f} "
            f"({tally.answer_first_hits}/{tally.answer_first_total})"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--probes", choices=list(PROBES), default="dev")
    parser.add_argument("--set", dest="sets", action="append", choices=[*SETS, "none"])
    parser.add_argument("--verbose", "-v", action="store_true", help="an example per defect")
    args = parser.parse_args(argv)
    sets = [s for s in (args.sets or list(SETS)) if s != "none"]
    tally = run(Dialogue(), load_probes(args.probes), sets)
    print(f"== question sets {', '.join(sets) or '-'}; {args.probes} probes")
    print("\n".join(report(tally, args.verbose)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
