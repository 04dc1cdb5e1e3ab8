from __future__ import annotations

from bench.corpus import made_up_word, synthetic_corpus
from retrieval.tokenize import tokenize


def test_the_same_seed_gives_the_same_corpus_and_another_seed_another() -> None:
    first, again, other = synthetic_corpus(200), synthetic_corpus(200), synthetic_corpus(200, 8)
    assert first.passages == again.passages
    assert first.queries == again.queries
    assert first.passages != other.passages


def test_the_vocabulary_grows_with_the_size_as_heaps_law_says() -> None:
    small, large = synthetic_corpus(300), synthetic_corpus(3000)
    assert large.tokens > 9 * small.tokens
    # Ten times the words: about 10**0.55 = 3.5 times the vocabulary, not 1x, not 10x.
    assert 2.5 < large.words / small.words < 5
    stems = [{t for p in corpus.passages for t in tokenize(p.text)} for corpus in (small, large)]
    assert len(stems[1]) > 2.5 * len(stems[0])


def test_passages_are_shaped_like_the_articles() -> None:
    corpus = synthetic_corpus(500)
    for passage in corpus.passages:
        assert passage.title and 1 <= len(passage.section) <= 3
        assert 2 <= len(passage.units) <= 7
        assert 50 <= passage.word_count <= 165
        assert set(passage.headings) <= set(passage.units)
    assert len({p.doc_id for p in corpus.passages}) > 1
    assert len(corpus.queries) == 300
    assert all(len(q.split()) >= 2 for q in corpus.queries)


def test_made_up_words_are_all_different() -> None:
    words = [made_up_word(n) for n in range(50_000)]
    assert len(set(words)) == len(words)
    assert all(word.isalpha() and len(word) >= 4 for word in words)
