"""The answer engine's search: from a question to ranked, citable passages."""

from __future__ import annotations

import functools
import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from knowledge import KnowledgeBase
from knowledge.cache_files import default_cache_dir
from knowledge.english_words import EnglishWords
from retrieval.asking_words import NOT_SUBJECTS
from retrieval.chunking import Passage
from retrieval.duplicates import DuplicateFilter
from retrieval.engine_cache import fingerprint, load_state, save_state
from retrieval.engine_state import EngineState, build_state, paused_collection
from retrieval.headings import Headings
from retrieval.index import nonzero_positions, run_positions
from retrieval.query import KnownTokens, Query, QueryAnalyzer
from retrieval.rerank import fuse, weight_for
from retrieval.scope import MessageKind, ScopeClassifier, ScopeDecision, is_long_message
from retrieval.semantic import Encoder, SemanticIndex
from retrieval.translation import Translator

# A question that names neither the ML domain nor a career term is answered only
# when some passage matches it this well; one that does not name the ML domain and
# has words no article uses ("how to learn guitar", "a name for my cat"), only when
# some passage matches it twice as well.
MIN_UNANCHORED_SCORE = 6.0
MIN_SCORE_WITH_UNKNOWN_WORDS = 12.0
UNIT_WEIGHT = 0.5  # how much the best single line adds to a passage's score
HEADING_MATCH_BOOST = 1.0
ASK_WEIGHT = 1.0  # how much the match with a passage's asked questions adds to its score
# At scale, the best line is looked for in this many of the passages that match best
# without it (the articles have fewer passages, so theirs are all searched).
LINE_DEPTH = 200
SAMPLE_STRIDE = 16  # of the scores, the share _best_of samples for a floor under the best
RERANK_DEPTH = 50  # the heading-match bonus is applied to this many best passages
# The semantic stage re-ranks this many of BM25's best passages, mixing in up to this much
# of their similarity in meaning to the question (less when BM25's best clearly leads; tuned
# on the development sets; bench.quality prints every set with and without it). Above 0.6
# the sets tuned on still gained, but openings lost their specifics: "after how many years
# can I move up to mid-level" lost "with 2-4 years of experience" to a passage without one
# (bench.replies' answer-first probes, 0.80 -> 0.70 at 0.85).
# The reason of a decline for meaning ("I work full time 9 to 5" is nearer an off-topic
# example than any passage)
CLOSER_TO_OUTSIDERS = "closer in meaning to what the articles do not answer"
SEMANTIC_DEPTH = 30
SEMANTIC_WEIGHT = 0.6
# A question is declined when it is this much closer in meaning (cosine) to an off-topic
# example than to every passage and ask. A question of fewer search tokens than this that
# names nothing of the domain must be much closer: "how long does it take" is a follow-up to
# be read in context, and near "how long does the H1B lottery take" (0.13 closer) only for
# lack of anything else to compare, while "what does 'tell me about yourself' mean in an
# interview" is 0.47 closer to its example. One that names the domain has that to compare:
# "how do I reverse a string in python" (0.05 closer) asks for coding help, while short
# career questions ("python enough?", "AI scope", "git needed?") stay 0.06 or more nearer
# a passage.
OUTSIDER_MARGIN = 0.0
OUTSIDER_MIN_TOKENS = 4
SHORT_OUTSIDER_MARGIN = 0.25
# A long message (scope.is_long_message) is declined when it is nearly as close to an
# off-topic example: its career-sounding background pulls it towards the passages, and the
# word rules for tasks and hands-on work are left to this check there.
LONG_OUTSIDER_MARGIN = -0.1
# A short message that names the role is about the career and is not compared; a long one
# may name it in passing ("I'm not an ML engineer, but how do I fill an Excel sheet from
# websites?") and is compared, but must be clearly nearer an off-topic example: the career
# posts of the development sets stay 0.03 or more short of one, that post is 0.25 past.
NAMED_ROLE_LONG_MARGIN = 0.1
# The least cosine a long message must reach with some passage or ask: the development sets'
# long career posts all reach 0.44 or more; posts about baking or a loud laptop fan that
# mention an ML engineer reach 0.23-0.32.
LONG_MIN_SIMILARITY = 0.35
COMMON_SHARE = 0.3  # a term in more than this share of passages is a common term
COMMON_WEIGHT = 0.3  # and counts this much
# Names of the bot's own domain say what every question is about, not which passage
# answers it: "AI jobs" asks about ML jobs, not about passages that say "AI" most.
DOMAIN_NAMES = frozenset({"ai", "artifici", "intellig", "artifici_intellig"})
# Definition matches kept: a "what is X" question needs X's twice (is X something the
# articles define at all, and then the ranking).
DEFINITION_MATCHES_KEPT = 16
DIVERSE_TOP = 3
DIVERSE_MIN_SHARE = 0.7  # a second article's passage this close to third place takes it
# A question that names a country prefers the articles written about it.
REGION_BOOST = 0.3
REGION_IN_STORY = 0.7
# A country named only in the story around the question ("my sister lives in Lahore.
# which skills ...") counts less: the boost is scaled by REGION_IN_STORY squared.
REGION_CUES = {  # tokens that name a region: (in the question or its expansions, user's own)
    "pakistan": ({"pakistan"}, {"pkr"}),
    "india": ({"india"}, {"₹", "lakh", "crore"}),
    "us": ({"usa", "unit_state"}, {"usd"}),
}
# "What is X?": a passage that defines X ("X: ...", "X is a ...", "What is X?") is lifted
# by this share of the best score, times how exactly its term matches X.
DEFINITION_BOOST = 2.0
COMPARED_DEFINITION_SHARE = 0.5  # of the boost, for defining one of two things compared
MIN_DEFINITION_MATCH = 0.7
MIN_TERM_WEIGHT = 1.0  # every word of a defined term counts at least this much


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float


@dataclass(frozen=True)
class Shortlist:
    """BM25's best passages for a query, before the semantic stage re-ranks them."""

    ranked: tuple[tuple[int, float], ...]  # (passage number, score), best first
    best: float  # the best BM25 score: whether any passage matches the words well enough
    # Each passage's factor for the regions the query names; None when it names none.
    region_factor: np.ndarray | None
    terms: dict[str, float]  # the query's weighted terms it was made for


@dataclass(frozen=True)
class Understanding:
    """A message as search reads it: the analysed query, the scope decision, the topic."""

    question: str
    query: Query
    decision: ScopeDecision
    topic: str
    # BM25's shortlist, when it was made while the question was being encoded for the scope
    # check.
    shortlist: Shortlist | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class SearchResult:
    question: str
    query: Query
    decision: ScopeDecision
    topic: str
    hits: tuple[Hit, ...]
    # How much each query term tells passages apart (its weight times its IDF): what a
    # reply uses to pick the sentence that answers, so "kaggle" outweighs "learning".
    weights: dict[str, float] = field(default_factory=dict)

    @property
    def in_scope(self) -> bool:
        return self.decision.kind == MessageKind.QUESTION and bool(self.hits)


def _diversify(hits: list[Hit]) -> list[Hit]:
    """Let the top three come from at least two articles when the runner-up is close.

    Articles repeat each other's points; a second article's view is worth more to a
    reader than the third passage of the same article.
    """
    top = hits[:DIVERSE_TOP]
    if len(top) < DIVERSE_TOP or len({hit.passage.doc_id for hit in top}) > 1:
        return hits
    for position in range(DIVERSE_TOP, len(hits)):
        other = hits[position]
        if other.passage.doc_id != top[0].passage.doc_id:
            if other.score >= DIVERSE_MIN_SHARE * top[-1].score:
                rest = hits[DIVERSE_TOP:position] + hits[position + 1 :]
                return [*top[:-1], other, top[-1], *rest]
            break
    return hits


def _definitions(state: EngineState) -> list[tuple[frozenset[str], np.ndarray, np.ndarray]]:
    """Each defined term (a token set), the passages that define it and how plainly."""
    owners: dict[frozenset[str], tuple[list[int], list[float]]] = {}
    terms = state.definitions.words()
    bounds = itertools.pairwise(state.definitions.offsets.tolist())
    owner_of = state.definition_owner.tolist()
    strengths = state.definition_strength.tolist()
    for owner, strength, (start, end) in zip(owner_of, strengths, bounds, strict=True):
        ids, found = owners.setdefault(frozenset(terms[start:end]), ([], []))
        ids.append(owner)
        found.append(strength)
    return [(term, np.asarray(ids), np.asarray(found)) for term, (ids, found) in owners.items()]


@functools.cache
def _shortlist_thread() -> ThreadPoolExecutor:
    """The thread BM25 makes its shortlists on while the caller's encodes the question: one
    for every engine, since more would only contend for Python's lock."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="shortlist")


@functools.cache
def shared_encoder() -> Encoder:
    """One encoder per process: its weights are 90 MB, and every engine can share them."""
    from retrieval.encoder import SentenceEncoder  # the model loads only when it is used

    return SentenceEncoder()


class SearchEngine:
    # The engine's tables are as many small objects as its state: see paused_collection.
    @paused_collection()
    def __init__(
        self,
        knowledge: KnowledgeBase,
        passages: list[Passage] | None = None,
        semantic: bool = True,
        cache_dir: Path | None = None,
        encoder: Encoder | None = None,
        reuse_index: bool = True,
    ) -> None:
        """Index the knowledge base's articles (or, for benchmarks, given passages).

        ``semantic`` adds the re-ranking stage: ``encoder`` (by default the process's
        MiniLM) embeds passages and questions. The articles' index and the passage
        embeddings are cached in ``cache_dir`` (by default the user's cache directory), so a
        start with unchanged knowledge builds nothing; ``reuse_index`` False builds the index
        anyway (benchmarks time the build). Given passages are never cached.
        """
        self.knowledge = knowledge
        cache_dir = cache_dir if cache_dir is not None else default_cache_dir()
        state = None
        key = fingerprint(knowledge) if passages is None else ""
        if key and reuse_index:
            state = load_state(cache_dir, key)
        if state is None:
            state = build_state(knowledge, passages)
            if key:
                save_state(cache_dir, key, state)
        self.passages = list(state.passages)
        self.index = state.index
        # Its most common terms' scores are kept between questions: made now, not by the
        # first questions after a start. (Lines are scored for a few passages at a time.)
        self.index.keep_common_scores()
        self.unit_index = state.unit_index
        self.ask_index = state.ask_index
        # Where each passage's lines begin in the line index, and where the last one's end.
        self._first_line = np.append(state.first_unit, self.unit_index.size)
        self.duplicates = DuplicateFilter(state.passage_term_offsets, state.passage_term_ids)
        self.headings = Headings(state, self.index.idf)
        # Defined term (as a token set) -> the passages that define it, and how plainly.
        self._definitions = _definitions(state)
        # Each token -> the defined terms that contain it: a question is checked only against
        # the terms that share a token with its subject.
        self._definitions_with: dict[str, list[int]] = {}
        for number, (term, _, _) in enumerate(self._definitions):
            for token in term:
                self._definitions_with.setdefault(token, []).append(number)
        # The same as arrays, made as questions need them (tens of thousands at scale).
        self._definition_runs: dict[str, np.ndarray] = {}
        self._definition_weights: dict[int, float] = {}  # filled as _definition_match needs
        self._definition_match = functools.lru_cache(maxsize=DEFINITION_MATCHES_KEPT)(
            self._match_definitions
        )
        self.semantic: SemanticIndex | None = None
        if semantic:
            self.semantic = SemanticIndex(
                encoder if encoder is not None else shared_encoder(),
                self.passages,
                state.asks,
                cache_dir,
                # The articles' own embeddings, shipped with them (not for given passages).
                knowledge.embeddings_dir if passages is None else None,
                knowledge.scope.off_topic_examples,
            )
        regions = {article.entry.id: article.entry.regions for article in knowledge.articles}
        article_regions = [set(regions.get(p.doc_id, ())) for p in self.passages]
        # How many countries a passage's article covers: after the semantic stage, the region
        # counts in full only for an article about that one country.
        self._region_count = np.array(
            [max(1, len(found - {"global"})) for found in article_regions], dtype=np.float64
        )
        self._in_region = {
            region: np.array([region in found for found in article_regions])
            for region in REGION_CUES
        }
        self.english_words = EnglishWords(knowledge.root)
        self.analyzer = QueryAnalyzer(
            knowledge.vocabulary,
            # The ask index's filler for a passage without asks is never a question's token.
            KnownTokens((self.index, self.ask_index)),
            frozenset(state.article_words),
            self.english_words,
        )
        scope = knowledge.scope
        self.scope = ScopeClassifier(scope)
        anchors = {*scope.domain_terms, *scope.career_anchors, *scope.role_names}
        # An abbreviation the vocabulary spells out as an anchor ("ds": data scientist) names
        # the field too, written in Latin letters inside a message in another script.
        anchors |= {
            short for short, spelled in knowledge.vocabulary.expansions.items()
            if spelled in anchors
        }
        self.translator = Translator(knowledge.vocabulary.translations, anchors)

    def understand(self, question: str) -> Understanding:
        """What a message asks: its query, scope and topic (and, when the question is being
        encoded for the scope check, BM25's shortlist, made in the meantime)."""
        query = self.analyzer.analyze(question)
        decision = self.scope.classify(question, query)
        shortlist = None
        long_message = is_long_message(question)
        if self._asks_undefined_outsider(decision, query):
            decision = ScopeDecision(MessageKind.OFF_TOPIC, "asks what an outside thing is")
        elif self._checks_meaning(question, decision, long_message):
            shortlist = self._shortlist_while_encoding(query, self._weighted_terms(query))
            if self._closer_to_outsiders(question, decision, query, long_message):
                decision = ScopeDecision(
                    MessageKind.OFF_TOPIC,
                    CLOSER_TO_OUTSIDERS, firm=True,
                )
                shortlist = None
            elif long_message and self._far_from_every_passage(query):
                decision = ScopeDecision(
                    MessageKind.OFF_TOPIC, "far in meaning from every passage", firm=True
                )
                shortlist = None
        topic = self.scope.topic(query) if decision.kind == MessageKind.QUESTION else decision.kind
        return Understanding(question, query, decision, str(topic), shortlist)

    def search(
        self, question: str, limit: int = 10, understood: Understanding | None = None
    ) -> SearchResult:
        """Rank passages for a question (already understood, or understood here)."""
        if understood is None or understood.question != question:
            understood = self.understand(question)
        query, decision, topic = understood.query, understood.decision, understood.topic
        shortlist = understood.shortlist
        terms = shortlist.terms if shortlist is not None else self._weighted_terms(query)
        hits: tuple[Hit, ...] = ()
        if decision.kind == MessageKind.QUESTION:
            if self.semantic is not None and shortlist is None:
                # (not encoded for the scope check: encoded now; a pay question that the
                # dialogue answers with its table never gets here)
                shortlist = self._shortlist_while_encoding(query, terms)
            hits, best = self._rank(query, terms, limit, shortlist)
            # BM25's best score, not the fused one: whether any passage matches the words
            # well enough is a question for word matching
            if not hits or best < self._min_score(decision, query):
                decision = ScopeDecision(MessageKind.OFF_TOPIC, "no passage matches well")
                topic, hits = MessageKind.OFF_TOPIC, ()
        weights = {
            term: weight * max(self.index.idf(term), MIN_TERM_WEIGHT)
            for term, weight in terms.items()
        }
        return SearchResult(question, query, decision, str(topic), hits, weights)

    def _shortlist_while_encoding(self, query: Query, terms: dict[str, float]) -> Shortlist:
        """BM25's shortlist, made on the shortlist thread while this one encodes the question
        (kept for the scope check and the re-ranking). ONNX Runtime lets go of Python's lock
        while it runs, so the two overlap; the encoding is the longer, and runs here so that
        waiting for a thread to wake up delays only the shorter."""
        assert self.semantic is not None
        shortlisting = _shortlist_thread().submit(self._shortlist, query, terms)
        self.semantic.question_vector(query.encoded_text)
        return shortlisting.result()

    def _asks_undefined_outsider(self, decision: ScopeDecision, query: Query) -> bool:
        """ "What is X?" where X names neither the domain nor the career and no article
        defines X ("what is the meaning of life", "what is love"): passages that merely
        use X's words would not answer it."""
        if decision.kind != MessageKind.QUESTION or decision.anchored or not query.asks_definition:
            return False
        return self._definition_match(frozenset(query.subject)).max() < MIN_DEFINITION_MATCH

    def _checks_meaning(
        self, question: str, decision: ScopeDecision, long_message: bool
    ) -> bool:
        """Whether the scope check compares the question's meaning with the off-topic
        examples: a short question that names the role itself is about the career, whatever
        it asks, and is not compared (a long one is: NAMED_ROLE_LONG_MARGIN)."""
        return (
            self.semantic is not None
            and decision.kind == MessageKind.QUESTION
            and (long_message or not self.scope.names_role(question))
        )

    def _closer_to_outsiders(
        self, question: str, decision: ScopeDecision, query: Query, long_message: bool
    ) -> bool:
        """ "What's the difference between gradient descent and SGD?", "CUDA out of memory",
        "should a JavaScript developer learn data structures?": a question that uses the
        field's words but is nearer in meaning to an off-topic example than to any passage
        or ask (one the scope check compares: :meth:`_checks_meaning`). (Firm: what it asks
        does not change after an answer.)"""
        assert self.semantic is not None
        if len(query.tokens) < OUTSIDER_MIN_TOKENS and not decision.names_domain:
            margin = SHORT_OUTSIDER_MARGIN
        elif long_message:
            margin = (NAMED_ROLE_LONG_MARGIN if self.scope.names_role(question)
                      else LONG_OUTSIDER_MARGIN)
        else:
            margin = OUTSIDER_MARGIN
        return self.semantic.outsider_lead(query.encoded_text) > margin

    def _far_from_every_passage(self, query: Query) -> bool:
        """Whether no passage or ask comes near a long message in meaning
        (LONG_MIN_SIMILARITY): its whole story is about something else, whatever career words
        it borrows ("my brother is an ML engineer and told me to ask here: why won't my
        sourdough rise?")."""
        assert self.semantic is not None
        return float(self.semantic.similarities(query.encoded_text).max()) < LONG_MIN_SIMILARITY

    @staticmethod
    def _min_score(decision: ScopeDecision, query: Query) -> float:
        """How well the best passage must match for the question to be answered."""
        if decision.names_domain:
            return 0.0
        # (a word that only says how it is asked, "tho", "kinda", raises no bar)
        if any(token not in NOT_SUBJECTS for token in query.unknown):
            return MIN_SCORE_WITH_UNKNOWN_WORDS
        return 0.0 if decision.anchored else MIN_UNANCHORED_SCORE

    def _heading_bonuses(self, passages: np.ndarray, query: Query) -> np.ndarray:
        """Each passage's factor for its heading: one whose heading names the whole subject
        asked about ("what is reinforcement learning" -> "Reinforcement Learning:") gains in
        proportion to how much of the question that heading covers."""
        query_tokens = frozenset(query.tokens)
        total_idf = sum(self.index.idf(t) for t in sorted(query_tokens))
        if total_idf <= 0:
            return np.ones(len(passages))
        covered = self.headings.best_named(passages, query_tokens) / total_idf
        return 1.0 + HEADING_MATCH_BOOST * covered

    def _weighted_terms(self, query: Query) -> dict[str, float]:
        """Words in most passages ("machine", "learning") say little about which one fits."""
        common = COMMON_SHARE * self.index.size
        return {
            term: weight
            * (
                COMMON_WEIGHT
                if term in DOMAIN_NAMES or self.index.document_frequency(term) > common
                else 1.0
            )
            for term, weight in query.terms.items()
        }

    def _regions(self, query: Query) -> dict[str, float]:
        """The regions a question names, each with how plainly: 1 in what it asks,
        less when only the story around the question names it."""
        found = {}
        for region, (names, own_words) in REGION_CUES.items():
            cues = (names & query.terms.keys()) | (own_words & set(query.tokens))
            if cues:
                found[region] = REGION_IN_STORY if cues <= query.story else 1.0
        # A city names its country ("salary in Lahore"), from the one lexicon.
        if self.knowledge.lexicon is not None:
            for region in self.knowledge.lexicon.regions_in(query.text):
                if region in REGION_CUES:
                    found.setdefault(region, 1.0)
        return found

    def _term_weight(self, token: str) -> float:
        return max(self.index.idf(token), MIN_TERM_WEIGHT)

    def _match_definitions(self, subject: frozenset[str]) -> np.ndarray:
        """How exactly each passage defines the subject: 1 for the very term, 0 for none
        (read-only: see _definition_match, which keeps the last few).

        The IDF-weighted share of the subject the term covers, times the share of the
        term the subject covers ("Types of Machine Learning" only half defines
        "machine learning").
        """
        match = np.zeros(self.index.size)
        tokens = [token for token in sorted(subject) if token in self._definitions_with]
        if not tokens:
            match.flags.writeable = False
            return match
        token_weights = {token: self._term_weight(token) for token in sorted(subject)}
        subject_weight = sum(token_weights.values())
        # Each term that shares a token with the subject, and the weight of what it shares:
        # summed token by token in sorted order, as the sum over the shared set would be.
        runs = [self._definitions_of(token) for token in tokens]
        numbers, where = np.unique(np.concatenate(runs), return_inverse=True)
        shared_weights = np.zeros(len(numbers))
        weights = [token_weights[token] for token in tokens]
        np.add.at(shared_weights, where, np.repeat(weights, [len(run) for run in runs]))
        # Both shares are at most 1, so a term matches only if it covers enough of the subject:
        # at scale thousands of terms share a common word with it, and few pass.
        subject_share = shared_weights / subject_weight
        for at in np.flatnonzero(subject_share >= MIN_DEFINITION_MATCH).tolist():
            number = int(numbers[at])
            term, owners, strengths = self._definitions[number]
            term_weight = self._definition_weights.get(number)
            if term_weight is None:
                term_weight = sum(self._term_weight(t) for t in sorted(term))
                self._definition_weights[number] = term_weight
            shared_weight = float(shared_weights[at])
            exactness = float(subject_share[at]) * (shared_weight / term_weight)
            if exactness >= MIN_DEFINITION_MATCH:
                match[owners] = np.maximum(match[owners], exactness * strengths)
        match.flags.writeable = False
        return match

    def _definitions_of(self, token: str) -> np.ndarray:
        """The numbers of the defined terms that contain the token, ascending."""
        found = self._definition_runs.get(token)
        if found is None:
            found = np.array(self._definitions_with[token], dtype=np.int64)
            self._definition_runs[token] = found
        return found

    # Sums over sets of terms go in sorted order: a float sum's last bit depends on its
    # order, and set order on string hashing, which differs from process to process; near
    # ties between passages would then rank one way in the bot and another in a test.
    def _scores(
        self, query: Query, terms: dict[str, float], shortlist: Shortlist | None = None
    ) -> tuple[list[tuple[int, float]], float]:
        """(passage number, score) of the best RERANK_DEPTH passages, best first, and the
        best BM25 score among them (before the semantic stage). ``terms``: the query's
        weighted terms (:meth:`_weighted_terms`); ``shortlist``: BM25's for them, if made."""
        if shortlist is None:
            shortlist = self._shortlist(query, terms)
        ranked = list(shortlist.ranked)
        if self.semantic is not None and ranked:
            ranked = self._rerank(query, ranked, shortlist.region_factor)
        return ranked, shortlist.best

    def _shortlist(self, query: Query, terms: dict[str, float]) -> Shortlist:
        """BM25's best RERANK_DEPTH passages for the query's weighted terms."""
        total = self.index.dense_scores(terms)
        # The asks' scores are added where they are not 0: at scale most passages have none,
        # and adding 0 changes no sum.
        asked, ask_scores = self.ask_index.scores(terms)
        region_factor = None  # where no region is named, 1 everywhere: nothing to multiply
        if regions := self._regions(query):
            region_factor = np.ones_like(total)
            for region, strength in regions.items():
                region_factor[self._in_region[region]] *= 1.0 + REGION_BOOST * strength**2
        # Lines are looked for in the passages that score best without them. A line only adds,
        # so the others, which keep these scores, can reach the shortlist only by definition.
        without_lines = total
        if len(asked) or region_factor is not None:
            without_lines = total.copy()
            without_lines[asked] += ASK_WEIGHT * ask_scores
            if region_factor is not None:
                without_lines *= region_factor
        candidates = self._best_of(without_lines, LINE_DEPTH)
        self._add_best_lines(total, terms, candidates)
        total[asked] += ASK_WEIGHT * ask_scores
        if region_factor is not None:
            total *= region_factor
        if query.subject:
            match = self._definition_match(frozenset(query.subject))
            for part in query.compared:
                # Half as strong: a passage that compares the two, where there is one
                # ("Key Differences"), is the better answer.
                match = np.maximum(match, COMPARED_DEFINITION_SHARE * self._definition_match(
                    frozenset(part)
                ))
            total += DEFINITION_BOOST * match * total.max()
            # (a mask, not np.union1d, which imports numpy.ma: some 15 ms of an `ask`)
            chosen = match != 0
            chosen[candidates] = True
            candidates = np.flatnonzero(chosen)
            candidates = candidates[total[candidates] != 0]
        if not len(candidates):
            return Shortlist((), 0.0, region_factor, terms)
        depth = min(RERANK_DEPTH, len(candidates))
        best_passages = candidates[np.argpartition(-total[candidates], depth - 1)[:depth]]
        scores = total[best_passages] * self._heading_bonuses(best_passages, query)
        ranked = sorted(zip(best_passages.tolist(), scores.tolist(), strict=True),
                        key=lambda item: (-item[1], item[0]))
        return Shortlist(tuple(ranked), ranked[0][1], region_factor, terms)

    @staticmethod
    def _best_of(scores: np.ndarray, count: int) -> np.ndarray:
        """The positions, ascending, of the ``count`` highest scores above 0 (all of them,
        when fewer), and of any score equal to the lowest of those: cutting at a value
        takes half the time of choosing exactly ``count`` positions."""
        found = SearchEngine._above_sampled_floor(scores, count)
        if found is None:
            found = nonzero_positions(scores)
        if len(found) > count:
            values = scores[found]
            cut = np.partition(values, len(values) - count)[len(values) - count]
            found = found[values >= cut]
        return found

    @staticmethod
    def _above_sampled_floor(scores: np.ndarray, count: int) -> np.ndarray | None:
        """The positions of the scores at or above a floor that at least ``count`` of them
        reach, above 0; None when there is no such floor to be had cheaply. Finding every
        score above 0 costs a branch per passage: instead the best of every SAMPLE_STRIDE-th
        score give a floor that some 2 * count scores reach, and only those are looked at."""
        if len(scores) < 2 * SAMPLE_STRIDE * count:
            return None
        sample = scores[::SAMPLE_STRIDE]
        rank = len(sample) - max(1, 2 * count // SAMPLE_STRIDE)
        floor = np.partition(sample, rank)[rank]
        if floor <= 0:
            return None
        found = np.flatnonzero(scores >= floor)
        return found if len(found) >= count else None

    def _add_best_lines(
        self, total: np.ndarray, terms: dict[str, float], candidates: np.ndarray
    ) -> None:
        """Add the score of each candidate's best line (times UNIT_WEIGHT). Only candidates':
        scoring every line a term occurs in was over half of a question's time at 100,000
        passages."""
        if not len(candidates):
            return
        # The candidates' lines, passage after passage (a passage's lines are consecutive).
        starts = self._first_line[candidates]
        lines, firsts = run_positions(starts, self._first_line[candidates + 1] - starts)
        line_scores = self.unit_index.scores_of(terms, lines)
        total[candidates] += UNIT_WEIGHT * np.maximum.reduceat(line_scores, firsts)

    def _rerank(
        self, query: Query, ranked: list[tuple[int, float]], region_factor: np.ndarray | None
    ) -> list[tuple[int, float]]:
        """BM25's best SEMANTIC_DEPTH passages in the order of the fused score.

        The region the user asked about counts again after the fusion (in full for an
        article about that country alone): similarity in meaning knows nothing of regions,
        and an answer must keep to the user's.
        """
        assert self.semantic is not None
        head, tail = ranked[:SEMANTIC_DEPTH], ranked[SEMANTIC_DEPTH:]
        numbers = np.array([number for number, _ in head], dtype=np.intp)
        similarity = self.semantic.similarities(query.encoded_text)[numbers]
        bm25 = np.array([score for _, score in head])
        fused = fuse(bm25, similarity, weight_for(bm25, SEMANTIC_WEIGHT))
        if region_factor is not None:
            fused *= region_factor[numbers] ** (1.0 / self._region_count[numbers])
        head = sorted(zip(numbers.tolist(), fused.tolist(), strict=True),
                      key=lambda item: (-item[1], item[0]))
        return head + tail

    def _rank(
        self, query: Query, terms: dict[str, float], limit: int, shortlist: Shortlist | None
    ) -> tuple[tuple[Hit, ...], float]:
        ranked, best = self._scores(query, terms, shortlist)
        scores = dict(ranked[: limit * 2])
        kept = self.duplicates.distinct(list(scores), limit)
        hits = [Hit(self.passages[number], scores[number]) for number in kept]
        return tuple(_diversify(hits)), best
