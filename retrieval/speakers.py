"""The people in a message who think, say or want something: "my dad thinks it's just IT
support", "my girlfriend wants me to do a master's". Such a person is part of the story
around the question, never what it asks about, and no reason to decline it."""

from __future__ import annotations

import re

__all__ = ["speaker_words"]

_SPEAKER = re.compile(
    r"\b(?:my|our|his|her|their)\s+([a-z]+)\s+(?:(?:also|always|still|really)\s+)?"
    r"(?:thinks?|thought|says?|said|tells?|told|wants?|wanted|believes?|believed|insists?|"
    r"insisted|feels?|felt|suggests?|suggested|recommends?|recommended|asks?|asked|"
    r"expects?|expected|argues?|argued|claims?|claimed|warns?|warned|keeps? saying|"
    r"is pushing|pushes|pushed|disagrees?)\b"
)


def speaker_words(text: str) -> frozenset[str]:
    """The lower-cased words naming someone who thinks, says or wants something in the text
    after "my", "our", "his", "her" or "their"."""
    return frozenset(_SPEAKER.findall(text.lower()))
