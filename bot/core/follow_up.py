"""Reading a message in the light of the last reply: "elaborate", "where did you get this",
"ok and for pakistan?", "what about senior level?"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from knowledge.lexicon import Lexicon
from retrieval.sentences import message_sentences
from retrieval.tokenize import ROMAN_URDU_STOP_WORDS


class FollowUp(StrEnum):
    MORE = "more"  # the next passages on the same question
    WHY = "why"  # the sources behind the last reply
    SHORTER = "shorter"  # the last answer's opening alone
    REFINE = "refine"  # the last question with a new region, level or detail
    NONE = "none"  # a question of its own


_MORE = re.compile(
    r"^(?:(?:ok(?:ay)?|and|so|pls|please|hmm+)[\s,]+)*(?:"
    r"(?:please\s+)?tell me more(?: about (?:it|that|this|them))?|more(?: please| info(?:rmation)?"
    r"| details?| on (?:that|this|it))?|go on|continue|keep going|anything else|what else|"
    r"say more|elaborate(?: (?:on )?(?:it|that|this|more|please))?|(?:can you |could you |pls |"
    r"please )?(?:explain|expand)(?: (?:on )?(?:it|that|this))? (?:more|further|in detail)|"
    r"(?:give me |i want |need )?more details?(?: please)?|details please|go deeper|"
    r"(?:can you |could you )?expand(?: on (?:it|that|this))?|and\?|then\?|next)\W*$",
    re.IGNORECASE,
)
_WHY = re.compile(
    r"^(?:(?:ok(?:ay)?|and|but|so|hmm+)[\s,]+)*(?:why|how so|why is that|sources?(?: please)?|"
    r"citations?|references?|says who|proof|how do you know(?: (?:this|that))?|"
    r"where(?: did)? you get (?:this|that|it|these|those)(?: from)?|"
    r"where(?: is| does| do| are)? (?:that|this|it|these|those|the figures|the numbers) "
    r"(?:come )?from|what(?:'s| is| are) (?:the|your) sources?|which articles?|"
    r"show (?:me )?(?:the |your )?sources?|(?:can you )?cite (?:it|that|them|your sources?)|"
    r"is (?:this|that) (?:true|correct|right|accurate)|"
    # doubt: "really?", "are you sure?" ask what the answer rests on
    r"really|seriously|for real|(?:are|r) (?:you|u) sure|(?:you|u) sure|is that so|"
    # "give me an example", "example de do": the passages, whose lists and cases say more
    r"(?:(?:can you |pls |please )?(?:give|show|tell) me )?(?:an |some |any |1 |2 |3 )?"
    r"examples?(?: please| pls| de do| do| dedo| batao| of (?:it|that|this))?"
    r"(?: \d+(?: ?- ?\d+)?)?|"
    # "explain the second point", "more on point 3": the passages behind the answer, in full
    r"(?:can you |could you |pls |please )?(?:explain|elaborate on|expand on|more on|"
    r"tell me more about|what does|what do you mean by) (?:the |your )?(?:\w+ )?"
    r"(?:point|points|bullet|bullets|line)(?: \w+)?(?: mean)?)\W*$",
    re.IGNORECASE,
)
# After a roadmap stage: "what comes after this stage?", "next step", "what's the next step
# after that", "iske baad kya karun"
# (and "next", "go on", which _MORE reads): the stage that follows.
_NEXT_STAGE = re.compile(
    r"^(?:(?:ok(?:ay)?|and|so|then|acha|achha|theek hai|done|hmm+)[\s,]+)*(?:"
    r"(?:what(?:'s|s| is| comes| do i do| should i (?:do|learn))? )?(?:(?:the|my) )?"
    r"(?:next|after (?:this|that|it))(?: stage| step)?(?: after (?:this|that|it))?"
    r"|next (?:stage|step)|what now|then what|"
    r"(?:iske|uske|is ke|us ke) baad(?: kya)?(?: (?:karun|karoon|karu|seekhun|hai))?)\W*$",
    re.IGNORECASE,
)


def asks_next_stage(text: str, *, whole: bool = False) -> bool:
    """Whether a message asks for the step after the one just shown: its refining part
    (after short reactions), or with ``whole`` the message as a whole."""
    return bool(_NEXT_STAGE.match(text.strip() if whole else refining_part(text)))


# "can you make that shorter", "tl;dr", "in short?": the last answer's opening alone.
_SHORTER = re.compile(
    r"^(?:(?:ok(?:ay)?|and|but|so|pls|please|hmm+)[\s,]+)*(?:(?:can|could) (?:you|u) )?"
    r"(?:(?:make|keep) (?:it|that|this|the answer) (?:shorter|short|brief)|"
    r"shorter(?: version| please| answer| one)?|(?:a |the )?short(?:er)? version|"
    r"(?:in )?short(?: please)?|tl;?dr|too long|eli5|(?:a )?short answer"
    r"|summari[sz]e (?:it|that|this)|(?:give me )?the gist|briefly|in brief"
    # "answer in one line pls", "explain that simpler": no rewording, but the opening alone
    r"|(?:(?:answer|explain|say|tell me|put|reply)(?: (?:it|that|this))? )?"
    r"(?:in (?:one|1|a single) (?:line|sentence)|(?:more )?simpl(?:er|y)"
    r"|in simpler? (?:words|terms|english)|in short|briefly))(?: please| pls| plz)?\W*$",
    re.IGNORECASE,
)
# Openers that make a short message lean on the previous one, a correction among them ("no
# i meant pakistan", "sorry, india", "mera matlab india").
_OPENER = (
    r"(?:ok(?:ay)?|and|but|also|so|then|acha|achha|accha|aur|hmm+|same|now|no|nope|sorry|"
    r"i mean|i meant|meant|mera matlab|matlab|nahi|nahin|back to)[\s,]+"
)
# What a correction takes back: "sorry i meant india, not US", "for a fresher, not in general".
_TAKEN_BACK = re.compile(r"[\s,;]+(?:and\s+)?not\s+[^,;]*$", re.IGNORECASE)
_CONNECTIVE = re.compile(
    rf"^(?:{_OPENER})*"
    r"(?:(?:what|how) about|and for|and in|same for|same in|also for|for|in|at|"
    r"how does (?:that|it|this) compare (?:to|with)|compared? (?:to|with)|vs\.?|versus)\s+(?=\S)",
    re.IGNORECASE,
)
_LEADING_FILLER = re.compile(rf"^(?:{_OPENER})+", re.IGNORECASE)
FILLER_WORDS = frozenset(
    "and ok okay but also so then same now what how about for in at the a an level levels "
    "role roles please pls what's ones one guys people engineers engineer is are of after "
    "specifically exactly only just there here city wise side that this it or those these "
    "them given figures numbers mein me ka ki ke bhi lvl "
    # the asker's own level or place, given after a view: "i'm at intermediate level",
    # "im a fresher", "i am in pakistan", "and if i move to us?"
    "i im i'm am already currently if".split()
)
# ... and Roman Urdu's function words ("aur pakistan mein kitna hai?")
_REFINING_FILLER = FILLER_WORDS | ROMAN_URDU_STOP_WORDS
MAX_REFINEMENT_WORDS = 7
MAX_REACTION_WORDS = 4  # "bhai itna kam?", "wow that's low." before a follow-up


@dataclass(frozen=True)
class Refinement:
    """What a follow-up changes: a region, a level, and any other words it adds."""

    regions: tuple[str, ...]
    levels: tuple[str, ...]
    detail: str  # the follow-up without its opener and its region and level words
    units: frozenset[str] = frozenset()  # "per month?", "in LPA?"
    new_subject: bool = False  # "what about X?" asks about X; "and for X?" narrows the last
    preposition: str = "for"  # how "and in X?" / "and for X?" attaches X
    # Places the articles give nothing for ("and canada?"): asked about, and said missing.
    uncovered: tuple[str, ...] = ()


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9+'-]+", text.casefold())


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " + text[end:]
    return " ".join(text.split())


# A short message that points back ("how long does it take?", "which one first?", "can i do
# both?", "what if i have a bba?", Roman Urdu's "iske liye", "wahan", "sab mein": in all that).
_POINTS_BACK = re.compile(
    r"\b(?:it|that|this|those|these|them|one|ones|both|either)\b|^\W*what if\b"
    r"|\b(?:yeh|woh|iske|uske|iska|uska|iski|uski|isme|usme|wahan|wahaan|yahan|sab|sabh|dono)\b"
    # "why so less?", "why is there such a big gap" after the figures: the reasons for
    # what was just shown
    r"|^\W*why (?:so|is it so|are they so|is that so|this) \w+\W*$"
    r"|^\W*why (?:is there|is it|are they|is that) (?:such|so)\b"
    # "by how much?", "how long?", "how many?": the question alone, of the last subject
    r"|^\W*(?:(?:and|but|so|ok)\W+)?(?:by\s+)?how\s+(?:much|many|long)\W*$"
    # "how hard is the exam?" after a certificate: "the" names what was just discussed
    r"|\bthe (?:exam|exams|test|course|courses|cert|certs|certificate|certification|degree|"
    r"program|programme|bootcamp)\b",
    re.IGNORECASE,
)
MAX_POINTING_WORDS = 7


def points_back(text: str) -> bool:
    """Whether a short message leans on the last one through a pronoun."""
    return len(_words(text)) <= MAX_POINTING_WORDS and bool(_POINTS_BACK.search(text))


_NEW_SUBJECT = re.compile(r"\b(?:what|how) about\b", re.IGNORECASE)
_ATTACHES = re.compile(r"\b(in|for|at)\s+\S+\W*$", re.IGNORECASE)


def read_refinement(text: str, lexicon: Lexicon) -> Refinement:
    opener = _CONNECTIVE.match(text.strip())
    new_subject = bool(opener and _NEW_SUBJECT.search(opener.group(0)))
    attaches = _ATTACHES.search(opener.group(0)) if opener else None
    preposition = attaches.group(1).lower() if attaches else "for"
    body = _TAKEN_BACK.sub("", _CONNECTIVE.sub("", text.strip()))
    body = lexicon.lone_us_spelled_out(_LEADING_FILLER.sub("", body).strip(" ?!."))
    spans = [(m.start, m.start + len(m.phrase)) for m in lexicon.region_mentions(body)]
    spans += lexicon.level_spans(body) + lexicon.unit_spans(body) + lexicon.uncovered_spans(body)
    detail = _without(body, spans)
    detail = " ".join(
        word for word in detail.split()
        if word.lower().strip("?!.,") not in _REFINING_FILLER | {""}  # (a lone comma neither)
    )
    return Refinement(
        lexicon.regions_in(body), lexicon.levels_in(body), detail, lexicon.units_in(body),
        new_subject, preposition, lexicon.uncovered_in(body),
    )


def refining_part(text: str) -> str:
    """The part of a message that re-aims the last one: its last sentence, after short
    reactions ("bhai itna kam? aur india mein?", "wow, that's low. what about india?")."""
    sentences = message_sentences(text.strip())
    if len(sentences) > 1 and all(len(_words(s)) <= MAX_REACTION_WORDS for s in sentences[:-1]):
        return sentences[-1]
    return text.strip()


def classify_follow_up(text: str, has_previous: bool, lexicon: Lexicon) -> FollowUp:
    stripped = refining_part(text)
    if _MORE.match(stripped):
        return FollowUp.MORE
    if _WHY.match(stripped):
        return FollowUp.WHY
    if _SHORTER.match(stripped):
        return FollowUp.SHORTER
    if not has_previous:
        return FollowUp.NONE
    # (counted without its openers and what it takes back: "ok back to pakistan, what about
    # mid level", "sorry i meant india not US")
    words = _words(_TAKEN_BACK.sub("", _LEADING_FILLER.sub("", stripped)))
    if not words or len(words) > MAX_REFINEMENT_WORDS:
        return FollowUp.NONE
    refinement = read_refinement(stripped, lexicon)
    names_something = bool(
        refinement.regions or refinement.levels or refinement.units or refinement.uncovered
    )
    if names_something and not refinement.detail:
        return FollowUp.REFINE  # "India?", "senior level?", "ok and for pakistan?"
    if _CONNECTIVE.match(stripped) and len(refinement.detail.split()) <= 3:
        return FollowUp.REFINE  # "what about certifications?"
    return FollowUp.NONE


def refine(previous: str, follow_up: str, lexicon: Lexicon) -> str:
    """The previous question, re-aimed: its region and level replaced by the follow-up's;
    "what about X?" asks about X in the same place, "and for X?" asks the same for X."""
    refinement = read_refinement(refining_part(follow_up), lexicon)
    base = previous.strip().rstrip(" ?!.")
    regions = refinement.regions
    if refinement.detail and refinement.new_subject:
        regions = regions or lexicon.regions_in(previous)
        base = refinement.detail
    if refinement.regions:
        base = drop_regions(base, lexicon)
    if refinement.levels:
        base = _without(base, lexicon.level_spans(base))
    base = re.sub(r"\s+(?:in|for|at|of)(?:\s+the)?\s*$", "", base)
    # ("is that before tax (ml salary in india)" without its region: no space before ")")
    base = re.sub(r"\s+\)", ")", base)
    parts = [base]
    if refinement.detail and not refinement.new_subject:
        parts.append(f"{refinement.preposition} {refinement.detail}")
    if refinement.levels:
        parts.append(lexicon.level_phrase(refinement.levels[0]))
    if regions and (refinement.regions or refinement.new_subject):
        parts.append(f"in {lexicon.region(regions[0]).name}")
    elif refinement.uncovered:  # asked again of that place, which the reply says it lacks
        parts[0] = without_places(drop_regions(parts[0], lexicon), lexicon)
        parts.append(f"in {refinement.uncovered[0]}")
    return " ".join(parts).strip() + "?"


def without_places(text: str, lexicon: Lexicon) -> str:
    """ "salary in germany" without the places the articles lack, and their "in"."""
    return _without(text, _with_preposition(text, lexicon.uncovered_spans(text)))


def drop_regions(text: str, lexicon: Lexicon) -> str:
    """ "... in the US" loses "US" and its dangling "in the" too."""
    mentions = [(m.start, m.start + len(m.phrase)) for m in lexicon.region_mentions(text)]
    return _DANGLING.sub("", _without(text, _with_preposition(text, mentions))).strip()


_PLACE_PREPOSITION = re.compile(r"(?:\b(?:in|for|at)\s+(?:the\s+)?)$", re.IGNORECASE)


def _with_preposition(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Each place's span, widened to the "in", "for" or "at" (and "the") before it."""
    widened = []
    for start, end in spans:
        before = _PLACE_PREPOSITION.search(text[:start])
        widened.append((before.start() if before else start, end))
    return widened


# What joined the regions dropped from a comparison ("compare between India and the US"):
# a "between", "and", "or" or "vs" with nothing left to join.
_DANGLING = re.compile(
    r"\s*\b(?:between|and|or|vs\.?|versus)\b(?=(?:\s+(?:and|or|vs\.?|versus)\b)|\s*[?!.]*$)",
    re.IGNORECASE,
)
