"""Which writing system a message uses: the articles, and the engine's reading of a question,
are English."""

from __future__ import annotations

import unicodedata


def mostly_other_script(text: str) -> bool:
    """Whether most of the message's letters are not Latin ("머신러닝 엔지니어가 되려면?",
    "مشین لرننگ انجینئر کیسے بنیں"): when such a message is declined, it is for its language,
    not its subject. (What its English words match well is still answered: people mix in
    "PhD", "TensorFlow".) Latin-script messages in other languages ("ML engineer kaise
    banein") are not told apart from English."""
    latin = other = 0
    for character in text:
        if character.isalpha():
            if unicodedata.name(character, "").startswith("LATIN "):
                latin += 1
            else:
                other += 1
    return other > latin
