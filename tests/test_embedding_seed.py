"""The embeddings shipped with the knowledge (knowledge/embeddings): up to date, and the
encoder's own. A failure here after editing an article or an asked file means: run
scripts/seed_embeddings.py (a stale seed still works, only a first start encodes more)."""

from __future__ import annotations

import json
import random

import numpy as np

from knowledge import KnowledgeBase
from retrieval.embedding_cache import text_key
from retrieval.engine_state import build_state
from retrieval.search import shared_encoder
from retrieval.semantic import embedded_texts


def _seed(knowledge: KnowledgeBase) -> tuple[list[str], np.ndarray]:
    encoder = shared_encoder()
    stem = knowledge.embeddings_dir / f"embeddings-{encoder.model_id}"
    keys = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
    rows = np.load(stem.with_suffix(".npy"), allow_pickle=False)
    return keys, rows


def _embedded(knowledge: KnowledgeBase) -> list[str]:
    """What the engine embeds for these articles: passages, asks, off-topic examples."""
    state = build_state(knowledge)
    return embedded_texts(state.passages, state.asks, knowledge.scope.off_topic_examples)


def test_the_seed_holds_every_text_the_articles_embed_and_no_other(knowledge) -> None:
    texts = _embedded(knowledge)
    keys, rows = _seed(knowledge)
    assert rows.shape == (len(keys), 384) and rows.dtype == np.float32
    assert set(keys) == {text_key(text) for text in texts}


def test_the_seeds_rows_are_what_the_encoder_makes(knowledge) -> None:
    texts = sorted(set(_embedded(knowledge)))
    sample = random.Random(13).sample(texts, 12)
    keys, rows = _seed(knowledge)
    row_of = {key: row for row, key in enumerate(keys)}
    shipped = rows[[row_of[text_key(text)] for text in sample]]
    # Not bit for bit: another CPU's float kernels may round an activation the other way.
    # A seed from another model or graph is far further off (0.99 from the float32 model's).
    cosines = (shipped * shared_encoder().encode(sample)).sum(axis=1)
    assert cosines.min() > 0.9999, cosines.min()


def test_a_first_start_with_an_empty_cache_encodes_nothing(knowledge, tmp_path) -> None:
    from retrieval.search import SearchEngine

    engine = SearchEngine(knowledge, cache_dir=tmp_path)
    assert engine.semantic is not None and engine.semantic.cache.encoded == 0
