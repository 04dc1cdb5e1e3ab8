"""knowledge/asked/*.yaml: what people ask that a passage answers, searched beside it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from knowledge import KnowledgeError, load_knowledge
from knowledge.career_models import fold_whitespace
from retrieval.asked import UnplacedQuoteError, asks_by_passage
from retrieval.search import SearchEngine
from retrieval.tokenize import tokenize

DOCUMENTATION = "Document methodologies, processes, and implementation details"


def _only_asked(root: Path, entries: list[dict]) -> None:
    """Replace the asked files of a knowledge copy by one file for india-career-guide
    (by none when there are no entries)."""
    shutil.rmtree(root / "asked", ignore_errors=True)
    if not entries:
        return
    (root / "asked").mkdir()
    body = {"doc": "india-career-guide", "passages": entries}
    (root / "asked" / "test.yaml").write_text(yaml.safe_dump(body), encoding="utf-8")


def test_every_asked_quote_lies_in_exactly_one_passage_of_its_article(knowledge, engine) -> None:
    # asks_by_passage raises otherwise; this also checks the asks land where their quote is.
    placed = asks_by_passage(engine.passages, knowledge.asked)
    for entry_file in knowledge.asked:
        for entry in entry_file.passages:
            owners = [
                passage
                for passage, asks in zip(engine.passages, placed, strict=True)
                if fold_whitespace(entry.quote) in fold_whitespace(passage.text)
            ]
            assert len(owners) == 1, entry.quote
            assert owners[0].doc_id == entry_file.doc
            assert set(entry.asks) <= set(placed[engine.passages.index(owners[0])])


def test_asks_add_no_text_to_any_reply(advisor, knowledge) -> None:
    """Asks are searched, never shown: a reply quotes the articles only."""
    asks = [ask for entry in knowledge.asked for p in entry.passages for ask in p.asks]
    for ask in asks[::7]:
        answer = advisor.answer(ask)
        for citation in answer.citations:
            article = next(a for a in knowledge.articles if a.entry.id == citation.doc_id)
            assert fold_whitespace(citation.text) in fold_whitespace(article.text)


def test_a_question_in_words_only_an_ask_uses_finds_that_passage(knowledge_copy: Path) -> None:
    question = "do mle folks scribble wikis"
    _only_asked(knowledge_copy, [])
    without = SearchEngine(load_knowledge(knowledge_copy)).search(question)
    _only_asked(knowledge_copy, [{"quote": DOCUMENTATION, "asks": ["do MLE folks scribble wikis"]}])
    engine = SearchEngine(load_knowledge(knowledge_copy))
    with_ask = engine.search(question)
    assert with_ask.in_scope
    assert DOCUMENTATION in with_ask.hits[0].passage.text
    assert not without.hits or DOCUMENTATION not in without.hits[0].passage.text
    # The ask's words are known words now: not "corrected" into article words.
    assert "wiki" in tokenize(with_ask.query.text)


def test_a_quote_not_in_the_article_names_file_and_field(knowledge_copy: Path) -> None:
    entry = {"quote": "words that no article contains at all", "asks": ["what is it?"]}
    _only_asked(knowledge_copy, [entry])
    with pytest.raises(KnowledgeError, match=r"test\.yaml: .*passages\[0\]\.quote: quote not"):
        load_knowledge(knowledge_copy)


def test_an_unknown_article_names_file_and_field(knowledge_copy: Path) -> None:
    (knowledge_copy / "asked").mkdir(exist_ok=True)
    body = {"doc": "no-such-article", "passages": [{"quote": DOCUMENTATION, "asks": ["docs?"]}]}
    (knowledge_copy / "asked" / "zz.yaml").write_text(yaml.safe_dump(body), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"zz\.yaml: .*doc: unknown article 'no-such-article'"):
        load_knowledge(knowledge_copy)


def test_an_unknown_field_is_refused(knowledge_copy: Path) -> None:
    _only_asked(knowledge_copy, [{"quote": DOCUMENTATION, "asks": ["docs?"], "answer": "yes"}])
    with pytest.raises(KnowledgeError, match=r"test\.yaml: passages\[0\]\.answer"):
        load_knowledge(knowledge_copy)


def test_a_quote_that_chunking_puts_in_no_single_passage_stops_indexing(
    knowledge_copy: Path,
) -> None:
    # The end of one passage and the start of the next: in the article, in no passage.
    engine = SearchEngine(load_knowledge(knowledge_copy))
    first, second = [p for p in engine.passages if p.doc_id == "india-career-guide"][:2]
    spanning = " ".join([*first.units[-1].split()[-4:], *second.units[0].split()[:4]])
    _only_asked(knowledge_copy, [{"quote": spanning, "asks": ["anything?"]}])
    with pytest.raises(UnplacedQuoteError, match="lies in no passage"):
        SearchEngine(load_knowledge(knowledge_copy))
