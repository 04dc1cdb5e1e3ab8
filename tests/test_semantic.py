"""The semantic stage: fusion, the on-disk embedding cache, and its place in search."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from knowledge import load_knowledge
from retrieval.embedding_cache import EmbeddingCache
from retrieval.rerank import fuse, min_max, weight_for
from retrieval.scope import MessageKind
from retrieval.search import SearchEngine, shared_encoder
from retrieval.semantic import SemanticIndex

# Fusion -----------------------------------------------------------------------------------------


def test_fuse_keeps_bm25_order_at_weight_zero_and_follows_meaning_at_one() -> None:
    bm25 = np.array([9.0, 6.0, 3.0])
    cosine = np.array([0.1, 0.2, 0.9])
    assert np.argsort(-fuse(bm25, cosine, 0.0)).tolist() == [0, 1, 2]
    assert np.argsort(-fuse(bm25, cosine, 1.0)).tolist() == [2, 1, 0]
    assert fuse(bm25, cosine, 0.0).max() == pytest.approx(9.0)  # in BM25's units


def test_fuse_compares_candidates_with_each_other_not_scales() -> None:
    # the same ordering whatever the scale of either signal
    bm25, cosine = np.array([2.0, 1.0, 1.5]), np.array([0.30, 0.35, 0.32])
    base = np.argsort(-fuse(bm25, cosine, 0.5)).tolist()
    assert np.argsort(-fuse(bm25 * 40, cosine - 0.2, 0.5)).tolist() == base
    assert min_max(np.array([3.0, 3.0])).tolist() == [1.0, 1.0]  # no preference, no NaN


def test_meaning_counts_less_when_bm25s_best_clearly_leads() -> None:
    assert weight_for(np.array([10.0, 9.0, 1.0]), 0.5) == pytest.approx(0.45)
    assert weight_for(np.array([10.0, 2.0]), 0.5) == pytest.approx(0.1)
    assert weight_for(np.array([4.0]), 0.5) == 0.5


def test_fuse_refuses_what_it_cannot_mean() -> None:
    with pytest.raises(ValueError, match="weight"):
        fuse(np.ones(2), np.ones(2), 1.5)
    with pytest.raises(ValueError, match="similarities"):
        fuse(np.ones(2), np.ones(3), 0.5)


# The cache --------------------------------------------------------------------------------------


class CountingEncoder:
    """A stand-in encoder whose vectors are a text's letter counts, and that counts calls."""

    model_id = "counting-1"
    dimensions = 26

    def __init__(self) -> None:
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += texts
        rows = np.zeros((len(texts), 26), dtype=np.float32)
        for row, text in enumerate(texts):
            for char in text.lower():
                if "a" <= char <= "z":
                    rows[row, ord(char) - 97] += 1
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return rows / np.where(norms == 0, 1, norms)


def test_cache_encodes_only_new_texts_and_survives_a_restart(tmp_path: Path) -> None:
    encoder = CountingEncoder()
    first = EmbeddingCache(tmp_path, encoder.model_id, encoder.dimensions)
    rows = first.embed(["alpha", "beta"], encoder.encode)
    assert encoder.texts == ["alpha", "beta"] and first.encoded == 2
    again = EmbeddingCache(tmp_path, encoder.model_id, encoder.dimensions)
    same = again.embed(["beta", "alpha", "gamma"], encoder.encode)
    assert encoder.texts[2:] == ["gamma"] and again.encoded == 1  # only the new one
    assert np.array_equal(same[0], rows[1]) and np.array_equal(same[1], rows[0])
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".json", ".npy"]  # no pickle
    # The texts in the order the file holds them (an unchanged knowledge base's start).
    in_order = EmbeddingCache(tmp_path, encoder.model_id, encoder.dimensions)
    found = in_order.embed(["alpha", "beta", "gamma"], encoder.encode)
    assert in_order.encoded == 0 and found.shape == (3, encoder.dimensions)
    assert np.array_equal(found[:2], rows) and np.array_equal(found[2], same[2])


def test_cache_of_another_model_or_a_damaged_file_is_not_used(tmp_path: Path) -> None:
    encoder = CountingEncoder()
    EmbeddingCache(tmp_path, "model-a", 26).embed(["alpha"], encoder.encode)
    other = EmbeddingCache(tmp_path, "model-b", 26)
    other.embed(["alpha"], encoder.encode)
    assert other.encoded == 1
    (tmp_path / "embeddings-model-a.npy").write_bytes(b"not numpy")
    damaged = EmbeddingCache(tmp_path, "model-a", 26)
    assert damaged.embed(["alpha"], encoder.encode).shape == (1, 26)
    assert damaged.encoded == 1  # encoded again, and the file rewritten
    assert EmbeddingCache(tmp_path, "model-a", 26).embed(["alpha"], encoder.encode).shape == (
        1, 26)


def test_a_seed_is_read_when_the_cache_has_nothing_and_is_never_written(tmp_path: Path) -> None:
    encoder = CountingEncoder()
    seed, cache = tmp_path / "seed", tmp_path / "cache"
    EmbeddingCache(seed, encoder.model_id, encoder.dimensions).embed(
        ["alpha", "beta"], encoder.encode
    )
    shipped = {path.name: path.read_bytes() for path in seed.iterdir()}
    encoder.texts.clear()
    first = EmbeddingCache(cache, encoder.model_id, encoder.dimensions, seed)
    rows = first.embed(["beta", "alpha"], encoder.encode)
    assert first.encoded == 0 and not encoder.texts and not cache.exists()
    assert np.array_equal(rows, encoder.encode(["beta", "alpha"]))
    encoder.texts.clear()
    grown = EmbeddingCache(cache, encoder.model_id, encoder.dimensions, seed)
    grown.embed(["alpha", "gamma"], encoder.encode)
    assert encoder.texts == ["gamma"]  # only the text the seed lacks
    assert {path.name: path.read_bytes() for path in seed.iterdir()} == shipped
    # The cache now holds the seed's rows and the new one: nothing more is encoded.
    again = EmbeddingCache(cache, encoder.model_id, encoder.dimensions, seed)
    again.embed(["alpha", "beta", "gamma"], encoder.encode)
    assert again.encoded == 0
    # A seed of another model is not read.
    other = EmbeddingCache(tmp_path / "other", "counting-2", encoder.dimensions, seed)
    other.embed(["alpha"], encoder.encode)
    assert other.encoded == 1


def test_semantic_index_takes_a_passages_closest_ask(knowledge, tmp_path: Path) -> None:
    encoder = CountingEncoder()
    engine = SearchEngine(knowledge, semantic=False)
    passages = engine.passages[:3]
    asks = [["zzz"], [], ["qqq", "xyz"]]
    index = SemanticIndex(encoder, passages, asks, tmp_path)
    scores = index.similarities("zzz")
    assert scores[0] == pytest.approx(1.0)  # its ask is the question itself
    assert scores[1] < 0.5


def test_outsider_lead_says_which_side_a_question_is_nearer(tmp_path: Path) -> None:
    encoder = CountingEncoder()
    engine = SearchEngine(load_knowledge(), semantic=False)
    passages = engine.passages[:2]
    index = SemanticIndex(encoder, passages, [["zzz"], []], tmp_path, outsiders=["qqq"])
    assert index.outsider_lead("qqq") == pytest.approx(1.0 - index.similarities("qqq").max())
    assert index.outsider_lead("qqq") > 0  # an off-topic example itself
    assert index.outsider_lead("zzz") < 0  # a passage's own ask
    without = SemanticIndex(encoder, passages, [["zzz"], []], tmp_path / "none")
    assert without.outsider_lead("qqq") == float("-inf")


class FailingEncoder(CountingEncoder):
    """Raises for the text it is told to."""

    def __init__(self, failing: str = "") -> None:
        super().__init__()
        self.failing = failing

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self.failing in texts:
            raise RuntimeError("the model failed")
        return super().encode(texts)


def _index_of(encoder: CountingEncoder, knowledge, tmp_path: Path) -> SemanticIndex:
    passages = SearchEngine(knowledge, semantic=False).passages[:2]
    index = SemanticIndex(encoder, passages, [[], []], tmp_path)
    encoder.texts.clear()
    return index


def test_a_question_vector_is_kept_until_forgotten(knowledge, tmp_path: Path) -> None:
    encoder = FailingEncoder()
    index = _index_of(encoder, knowledge, tmp_path)
    vector = index.question_vector("alpha")
    assert np.array_equal(vector, CountingEncoder().encode(["alpha"])[0])
    assert np.array_equal(index.question_vector("alpha"), vector)
    assert encoder.texts == ["alpha"]  # kept, not encoded twice
    index.forget_questions()  # a benchmark's reset: the next search encodes again
    index.question_vector("alpha")
    assert encoder.texts == ["alpha", "alpha"]


def test_a_failed_encoding_fails_the_question_and_is_not_kept(knowledge, tmp_path: Path) -> None:
    encoder = FailingEncoder(failing="broken")
    index = _index_of(encoder, knowledge, tmp_path)
    for _ in range(2):  # the second time too: no vector was kept
        with pytest.raises(RuntimeError, match="the model failed"):
            index.question_vector("broken")


def test_bm25s_shortlist_made_while_encoding_gives_the_same_answer(engine: SearchEngine) -> None:
    for question in (
        "what certifications should I get",
        "salary in Pakistan for machine learning",
        "I have been a teacher for ten years and I'm thinking about machine learning. "
        "Is it too late for me, and where would I even begin?",
    ):
        understood = engine.understand(question)
        assert understood.shortlist is not None and understood.shortlist.ranked
        with_shortlist = engine.search(question, understood=understood)
        without = engine.search(question, understood=replace(understood, shortlist=None))
        assert [hit.passage.id for hit in with_shortlist.hits] == [
            hit.passage.id for hit in without.hits
        ]
        assert [hit.score for hit in with_shortlist.hits] == [hit.score for hit in without.hits]


class CallCountingEncoder:
    """The real encoder, recording the texts it is asked to encode and the threads it
    encodes them on."""

    def __init__(self, encoder) -> None:
        self.encoder, self.texts = encoder, []
        self.model_id, self.dimensions = encoder.model_id, encoder.dimensions
        self.threads: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += texts
        self.threads += [threading.current_thread().name] * len(texts)
        return self.encoder.encode(texts)


def test_bm25_shortlists_on_its_thread_while_the_caller_encodes(knowledge, monkeypatch) -> None:
    encoder = CallCountingEncoder(shared_encoder())
    engine = SearchEngine(knowledge, encoder=encoder)
    encoder.texts.clear()
    encoder.threads.clear()
    shortlisted_on: list[str] = []
    shortlist = engine._shortlist

    def recording_shortlist(*arguments):
        shortlisted_on.append(threading.current_thread().name)
        return shortlist(*arguments)

    monkeypatch.setattr(engine, "_shortlist", recording_shortlist)
    understood = engine.understand("what certifications should I get")
    assert understood.shortlist is not None and understood.shortlist.ranked
    assert encoder.threads == [threading.current_thread().name]
    assert len(shortlisted_on) == 1 and shortlisted_on[0] != threading.current_thread().name
    engine.search(understood.question, understood=understood)
    assert len(encoder.texts) == 1 and len(shortlisted_on) == 1  # both kept for the search


def test_a_failure_on_the_shortlist_thread_fails_the_question(knowledge, monkeypatch) -> None:
    engine = SearchEngine(knowledge, encoder=shared_encoder())

    def failing_shortlist(*arguments):
        raise RuntimeError("the index failed")

    monkeypatch.setattr(engine, "_shortlist", failing_shortlist)
    with pytest.raises(RuntimeError, match="the index failed"):
        engine.understand("what certifications should I get")


def test_a_question_naming_the_role_is_encoded_only_when_it_is_searched(knowledge) -> None:
    # Its scope needs no meaning, and a pay question gets the pay table without a search:
    # encoding it while it is read would be work for nothing.
    encoder = CallCountingEncoder(shared_encoder())
    engine = SearchEngine(knowledge, encoder=encoder)
    encoder.texts.clear()
    question = "how much do ML engineers earn in India?"
    understood = engine.understand(question)
    assert understood.decision.kind == MessageKind.QUESTION and understood.shortlist is None
    assert encoder.texts == []
    result = engine.search(question, understood=understood)
    assert result.in_scope and len(encoder.texts) == 1
    assert [h.passage.id for h in result.hits] == [
        h.passage.id for h in engine.search(question).hits
    ]


def test_no_shortlist_is_made_for_what_is_not_answered(engine: SearchEngine) -> None:
    assert engine.understand("hello there").shortlist is None  # a greeting
    declined = engine.understand("how do I fix CUDA out of memory in pytorch")
    assert declined.decision.kind != MessageKind.QUESTION and declined.shortlist is None


# In search --------------------------------------------------------------------------------------


def test_a_changed_article_re_encodes_only_its_passages(
    knowledge_copy: Path, tmp_path: Path
) -> None:
    cache, encoder = tmp_path / "cache", CountingEncoder()

    def build() -> SearchEngine:
        return SearchEngine(load_knowledge(knowledge_copy), cache_dir=cache, encoder=encoder)

    first = build()
    assert first.semantic is not None and first.semantic.cache.encoded > 0
    unchanged = build()
    assert unchanged.semantic is not None and unchanged.semantic.cache.encoded == 0
    # a new article (every existing line is quoted by the roadmap or salary data)
    (knowledge_copy / "articles" / "mlops-guide.txt").write_text(
        "MLOps engineer guide\n\nFeature stores\n\nA feature store keeps curated model "
        "features in one place so that training and serving read the same values.\n",
        encoding="utf-8",
    )
    catalogue = knowledge_copy / "catalogue.yaml"
    catalogue.write_text(
        catalogue.read_text(encoding="utf-8")
        + "  - id: mlops-guide\n    file: mlops-guide.txt\n    title: MLOps engineer guide\n"
        "    regions: [global]\n    description: A short guide to MLOps tooling.\n",
        encoding="utf-8",
    )
    changed = build()
    assert changed.semantic is not None
    assert 0 < changed.semantic.cache.encoded < first.semantic.cache.encoded


def test_meaning_lifts_the_passage_that_answers_a_question_without_its_words(
    engine: SearchEngine,
) -> None:
    """No word of this question names degrees; its meaning is about them."""
    question = "is grad school worth it before applying to ML roles?"
    plain = SearchEngine(engine.knowledge, semantic=False).search(question)
    fused = engine.search(question)
    assert fused.in_scope and plain.in_scope

    def rank(result: object) -> int:
        hits = result.hits  # type: ignore[attr-defined]
        for position, hit in enumerate(hits, start=1):
            if "master" in hit.passage.text.lower() and "degree" in hit.passage.text.lower():
                return position
        return 99

    assert rank(fused) <= rank(plain)
    assert rank(fused) <= 3


@pytest.mark.parametrize("name", ["real", "paraphrase"])
def test_the_stage_ranks_development_sets_no_worse_than_bm25_alone(
    knowledge, name: str
) -> None:
    """The stage was tuned on these sets: it must not lose what BM25 alone gets right."""
    from bot.core.advisor import Advisor
    from bot.core.dialogue import Dialogue
    from evaluation.quality import SETS, evaluate, load_eval_set

    eval_set = load_eval_set(SETS[name])
    plain = evaluate(Dialogue(Advisor(knowledge, semantic=False)), eval_set)
    fused = evaluate(Dialogue(Advisor(knowledge, semantic=True)), eval_set)
    assert fused.hit_at_3 >= plain.hit_at_3, (plain.lines(), fused.lines())
    assert fused.mrr > plain.mrr, (plain.lines(), fused.lines())
    assert fused.false_declines <= plain.false_declines


@pytest.mark.parametrize(
    "message",
    [
        "Which embedding model should I use for semantic search over my PDFs?",
        "How do I apply for a PhD scholarship in Germany for computer science?",
        # A concept, a tool for a data task, AI in class, AI history: not the career.
        "how is a GRU different from an LSTM? explain simply",
        "what's the best python package to read tables from a PDF?",
        "Is it okay for university students to let AI write their essays?",
        "what does LLM stand for and who made the first one?",
        # Programming help
        "how do you sort a list in python?",
        "how do I remove duplicates from a list in python?",
        # A SQL exercise about an employee table's salaries
        "how do I find the nth highest salary in SQL",
    ],
)
def test_a_message_nearer_in_meaning_to_an_off_topic_example_is_declined(
    engine: SearchEngine, message: str
) -> None:
    """Neither is among the examples; word rules alone answer both."""
    assert message not in engine.knowledge.scope.off_topic_examples
    assert SearchEngine(engine.knowledge, semantic=False).search(message).in_scope
    result = engine.search(message)
    assert not result.in_scope
    assert result.decision.reason.startswith("closer in meaning") and result.decision.firm


def test_a_short_message_is_declined_only_when_far_nearer_an_off_topic_example(
    engine: SearchEngine,
) -> None:
    """A message of few words is compared with little: "how long does it take", a follow-up,
    is nearer "how long does the H1B lottery take" than any passage, but not by much. Far
    nearer, it is about what the example is about."""
    interview = 'What do employers want when they say "tell me about yourself" in an interview?'
    assert len(engine.understand(interview).query.tokens) < 4
    assert engine.search(interview).decision.reason.startswith("closer in meaning")
    for follow_up in ("how long does it take", "is it worth it", "which one is better"):
        assert not engine.understand(follow_up).decision.reason.startswith("closer in meaning")


def test_a_long_message_naming_the_role_in_passing_is_still_compared(
    engine: SearchEngine,
) -> None:
    """A short message naming the role is about the career; a long one may only mention it
    ("I'm not an ML engineer, ...") and ask for something else, which its meaning shows.
    Career stories that name the role, even near an example (moving abroad), stay answered."""
    from retrieval.scope import is_long_message

    chore = (
        "I'm not an ML engineer, just a shop owner. Every morning I copy prices from three "
        "supplier websites into a Google Sheet by hand and it takes an hour. How can I make "
        "this automatic? I don't know any code, is there a simple tool for it?"
    )
    assert chore not in engine.knowledge.scope.off_topic_examples
    assert is_long_message(chore) and engine.scope.names_role(chore)
    result = engine.search(chore)
    assert not result.in_scope
    assert result.decision.reason.startswith("closer in meaning") and result.decision.firm
    for story in (
        "I'm a senior ML engineer at a startup in Dubai with 6 years of experience. I got an "
        "offer from a company in the US with a much higher salary but I would have to move my "
        "family. Is moving to the US worth it for an ML engineer, or should I stay?",
        "I'm a data analyst in Karachi and I want to become an ML engineer within two years. "
        "I know SQL and Excel well and some Python from YouTube. My office timings are long so "
        "I can only study at night. Which skills should I learn first, and do I need a "
        "master's degree?",
    ):
        assert is_long_message(story) and engine.scope.names_role(story)
        assert engine.search(story).in_scope, story


@pytest.mark.parametrize(
    "post",
    [
        "My brother is an ML engineer and he told me to ask here. I want to bake sourdough bread "
        "at home but my starter never rises, it just smells sour and stays flat after five "
        "days. I feed it flour and water every day. What am I doing wrong?",
        "I work as a machine learning engineer but this is a home question: my laptop fan is "
        "loud all the time even when nothing is running, and the battery drains in two hours. "
        "I already reinstalled Windows. Should I replace the fan or the battery first?",
    ],
)
def test_a_long_post_far_in_meaning_from_every_passage_is_declined(
    engine: SearchEngine, post: str
) -> None:
    """It borrows the career's words (so the word rules answer it), but no passage or ask
    comes near its meaning, and no off-topic example is about it either."""
    from retrieval.scope import is_long_message

    assert is_long_message(post)
    assert SearchEngine(engine.knowledge, semantic=False).search(post).in_scope
    result = engine.search(post)
    assert not result.in_scope
    assert result.decision.reason == "far in meaning from every passage"
    assert result.decision.firm


def test_a_short_message_naming_the_domain_needs_no_wider_margin(engine: SearchEngine) -> None:
    """Coding help in a few words names the domain ("python", "pandas"), which gives its
    meaning something to be compared with: nearer an example at all, it is declined. Short
    career questions naming the same things are nearer a passage."""
    for coding in ("how do I reverse a string in python", "how to use groupby in pandas"):
        assert len(engine.understand(coding).query.tokens) < 4
        assert engine.search(coding).decision.reason.startswith("closer in meaning"), coding
    for career in ("python enough?", "pandas numpy", "git needed?", "AI scope"):
        assert engine.search(career).in_scope, career


@pytest.mark.parametrize(
    "question",
    [
        "Do I need to know how backpropagation works to get an ML engineer job?",
        "Is a master's abroad worth it to become an ML engineer?",
        "Is LangChain worth learning for an AI engineer career?",
        "how do i move from web development into machine learning?",
        "should I learn LSTM or GRU to become an ML engineer?",
        "is it ethical to use AI tools while learning machine learning?",
        "how good should my pandas skills be for an ML job?",
        "do ML engineers need to know C++?",
        "which ML role has the second highest salary?",
        "is docker needed for ML engineers?",
    ],
)
def test_career_questions_near_the_off_topic_examples_are_still_answered(
    engine: SearchEngine, question: str
) -> None:
    assert engine.search(question).in_scope


def test_the_stage_declines_more_real_off_topic_messages_and_no_career_question(
    knowledge,
) -> None:
    """On the development sets: more of the real off-topic messages declined, no question of
    the sets with in-scope questions declined that BM25 alone answers."""
    from bot.core.advisor import Advisor
    from bot.core.dialogue import Dialogue
    from evaluation.quality import SETS, evaluate, load_eval_set

    plain = Dialogue(Advisor(knowledge, semantic=False))
    fused = Dialogue(Advisor(knowledge, semantic=True))
    off_topic = load_eval_set(SETS["real_off_topic"])
    declined = evaluate(fused, off_topic).off_topic_declined
    assert declined > evaluate(plain, off_topic).off_topic_declined
    for name in ("eval", "real"):
        eval_set = load_eval_set(SETS[name])
        assert evaluate(fused, eval_set).false_declines <= evaluate(plain, eval_set).false_declines


def test_no_off_topic_example_is_close_to_what_the_articles_answer(engine: SearchEngine) -> None:
    """An example near a passage or asked question would decline the questions that passage
    answers ("start a career in cybersecurity, which certifications?" sat 0.01 from "what
    skills and certifications does this career need?"): each stays below 0.6 of them all."""
    assert engine.semantic is not None
    examples = engine.knowledge.scope.off_topic_examples
    closeness = {text: float(engine.semantic.similarities(text).max()) for text in examples}
    too_close = {text: round(value, 3) for text, value in closeness.items() if value >= 0.6}
    assert not too_close
