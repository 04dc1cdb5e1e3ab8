"""Write knowledge/embeddings: the embeddings of the articles' passages and asks (and of the
scope's off-topic examples), shipped so
that a first start on a new machine (an empty cache) encodes nothing.

Run it after changing an article or an asked file (`.venv/bin/python scripts/seed_embeddings.py`):
it encodes every text the semantic stage embeds with the bot's own encoder and replaces the
files, keeping only today's texts. A start with a stale seed still answers: the texts it lacks
are encoded then and kept in the user's cache. tests/test_embedding_seed.py checks that the seed
covers every text and matches the encoder.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge import load_knowledge  # noqa: E402
from retrieval.embedding_cache import EmbeddingCache  # noqa: E402
from retrieval.engine_state import build_state  # noqa: E402
from retrieval.search import shared_encoder  # noqa: E402
from retrieval.semantic import embedded_texts  # noqa: E402


def main() -> int:
    knowledge = load_knowledge()
    state = build_state(knowledge)
    texts = embedded_texts(state.passages, state.asks, knowledge.scope.off_topic_examples)
    encoder = shared_encoder()
    seed = knowledge.embeddings_dir
    # Only today's texts, for today's model: every earlier file goes.
    for stale in seed.glob("embeddings-*"):
        stale.unlink()
    EmbeddingCache(seed, encoder.model_id, encoder.dimensions).embed(texts, encoder.encode)
    print(f"{seed.relative_to(ROOT)}: {len(set(texts))} texts, model {encoder.model_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
