"""The knowledge base: articles, their catalogue, query vocabulary and scope lists."""

from knowledge.loader import KNOWLEDGE_DIR, KnowledgeBase, KnowledgeError, load_knowledge
from knowledge.models import Article, ArticleEntry

__all__ = [
    "KNOWLEDGE_DIR",
    "Article",
    "ArticleEntry",
    "KnowledgeBase",
    "KnowledgeError",
    "load_knowledge",
]
