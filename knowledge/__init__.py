"""The knowledge base: articles, their catalogue, query vocabulary, scope lists and the
structured career data (roadmap, salaries, exchange rates)."""

from knowledge.career_models import (
    ExchangeRates,
    Roadmap,
    RoadmapItem,
    RoadmapStage,
    Salaries,
    SalaryFigure,
    annual_amount,
)
from knowledge.loader import KNOWLEDGE_DIR, KnowledgeBase, KnowledgeError, load_knowledge
from knowledge.models import Article, ArticleEntry

__all__ = [
    "KNOWLEDGE_DIR",
    "Article",
    "ArticleEntry",
    "ExchangeRates",
    "KnowledgeBase",
    "KnowledgeError",
    "Roadmap",
    "RoadmapItem",
    "RoadmapStage",
    "Salaries",
    "SalaryFigure",
    "annual_amount",
    "load_knowledge",
]
