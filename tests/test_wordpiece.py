"""The plain-Python WordPiece tokenizer against Hugging Face `tokenizers` (a test dependency),
which reads the model's published tokenizer.json."""

from __future__ import annotations

import hashlib
import json
import random
import unicodedata

import pytest
from tokenizers import Tokenizer

from knowledge import load_knowledge
from retrieval.chunking import build_passages
from retrieval.encoder import MAX_TOKENS
from retrieval.model_files import installed_model_dir
from retrieval.semantic import passage_text
from retrieval.wordpiece import WordPieceTokenizer
from tests.support.questions import every_question

# The Git LFS object id sentence-transformers publishes for all-MiniLM-L6-v2's tokenizer.json.
TOKENIZER_JSON_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"


@pytest.fixture(scope="module")
def reference() -> Tokenizer:
    path = installed_model_dir() / "tokenizer.json"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == TOKENIZER_JSON_SHA256
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    return tokenizer


@pytest.fixture(scope="module")
def ours() -> WordPieceTokenizer:
    return WordPieceTokenizer.from_file(installed_model_dir() / "vocab.txt", MAX_TOKENS)


def test_tokenizer_json_describes_the_steps_implemented_here() -> None:
    spec = json.loads((installed_model_dir() / "tokenizer.json").read_text(encoding="utf-8"))
    assert spec["normalizer"] == {
        "type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
        "strip_accents": None, "lowercase": True,  # None: strip accents as it lowercases
    }
    assert spec["pre_tokenizer"] == {"type": "BertPreTokenizer"}
    model = spec["model"]
    assert (model["type"], model["unk_token"], model["continuing_subword_prefix"]) == (
        "WordPiece", "[UNK]", "##"
    )
    assert model["max_input_chars_per_word"] == 100
    assert [step for step in spec["post_processor"]["single"]] == [
        {"SpecialToken": {"id": "[CLS]", "type_id": 0}},
        {"Sequence": {"id": "A", "type_id": 0}},
        {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
    ]
    assert {token["content"] for token in spec["added_tokens"]} == {
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"
    }
    # vocab.txt, which the bot reads, is that vocabulary, line number = id.
    lines = (installed_model_dir() / "vocab.txt").read_text(encoding="utf-8").splitlines()
    assert lines == sorted(model["vocab"], key=model["vocab"].__getitem__)


def test_same_ids_for_every_question_and_passage(
    reference: Tokenizer, ours: WordPieceTokenizer
) -> None:
    knowledge = load_knowledge()
    passages = build_passages(knowledge.articles)
    texts = list(every_question()) + [passage_text(passage) for passage in passages]
    texts += [ask for entry in knowledge.asked for p in entry.passages for ask in p.asks]
    assert len(texts) > 2000
    for text in texts:
        assert ours.encode(text) == reference.encode(text).ids, text


def test_truncates_like_sentence_transformers(
    reference: Tokenizer, ours: WordPieceTokenizer
) -> None:
    text = "machine learning engineers deploy models " * 100
    ids = ours.encode(text)
    assert len(ids) == MAX_TOKENS
    assert ids == reference.encode(text).ids


# Text mixing what questions hold with what the normalizer must clean: accents, capitals,
# punctuation ASCII and Unicode, CJK, emoji, control and odd whitespace characters, special
# tokens written out, and a word too long for WordPiece.
_ALPHABET = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "
    "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
    "éèêëàâäçñöüßÉÅøæœİıΣσςЖжд中文学习日本語한국어"
    "\t\n\r\x0b\x0c\x00\x1c\x85\xa0\u2003\u3000\u200b\u200d\ufffd\ufeff\u00ad"
    "\u2013\u2014\u201c\u201d\u2019\u2026\u00bf\u00a1\u20ac\u00a3\u00b2\u00bd"
    "\U0001f600\U0001f916\u0301\u0308"
)
_PIECES = ("[SEP]", "[CLS]", "[MASK]", "[UNK]", "[PAD]", "[sep]", "ML", "cafe\u0301", "x" * 120)


def test_same_ids_on_random_text(reference: Tokenizer, ours: WordPieceTokenizer) -> None:
    rng = random.Random(20261201)
    for _ in range(3000):
        parts = [
            rng.choice(_PIECES) if rng.random() < 0.1
            else "".join(rng.choices(_ALPHABET, k=rng.randint(1, 12)))
            for _ in range(rng.randint(1, 8))
        ]
        text = rng.choice(("", " ")).join(parts)
        assert ours.encode(text) == reference.encode(text).ids, repr(text)


def test_same_ids_for_each_character_of_the_scripts_questions_use(
    reference: Tokenizer, ours: WordPieceTokenizer
) -> None:
    # Every character before Arabic, from General Punctuation to the arrows and symbols, the CJK
    # punctuation and ideographs, and the emoji. (Characters that Unicode assigned after the
    # tables tokenizers was built with, in rarer scripts and punctuation, may differ: Python's
    # unicodedata is newer. Some 760 code points do, none of them in these ranges.)
    ranges = [(0, 0x600), (0x2000, 0x2E00), (0x3000, 0x3040), (0x4E00, 0x9FFF), (0x1F300, 0x1FB00)]
    for low, high in ranges:
        for code in range(low, high):
            char = chr(code)
            if unicodedata.category(char) == "Cs":
                continue
            text = f"a{char}b {char}"
            assert ours.encode(text) == reference.encode(text).ids, hex(code)


def test_a_vocabulary_without_the_special_tokens_is_refused() -> None:
    with pytest.raises(ValueError, match=r"lacks \[CLS\]"):
        WordPieceTokenizer(["[PAD]", "[UNK]", "[SEP]", "[MASK]", "a"], MAX_TOKENS)
    with pytest.raises(ValueError, match="repeats"):
        WordPieceTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "a"], MAX_TOKENS)
