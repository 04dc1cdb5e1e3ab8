"""Fusing BM25 with semantic similarity: small pure functions over the shortlist's scores."""

from __future__ import annotations

import numpy as np

__all__ = ["fuse", "min_max", "weight_for"]


def min_max(values: np.ndarray) -> np.ndarray:
    """Scaled to [0, 1] over the shortlist; all equal gives all ones (no preference)."""
    low, high = float(values.min()), float(values.max())
    if high - low <= 1e-12:
        return np.ones_like(values, dtype=np.float64)
    return (values - low) / (high - low)


def fuse(bm25: np.ndarray, cosine: np.ndarray, weight: float) -> np.ndarray:
    """``(1 - weight) * bm25 + weight * cosine``, both min-max scaled over the shortlist.

    Scaled, because the two live on unrelated scales (BM25 grows with the query's length,
    cosine does not); over the shortlist only, because what matters is how the candidates
    compare with each other. Returned in BM25's units (times the best BM25 score), so
    thresholds relative to the best hit keep their meaning.
    """
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"weight must be within [0, 1], not {weight}")
    if bm25.shape != cosine.shape:
        raise ValueError(f"{bm25.shape} BM25 scores but {cosine.shape} similarities")
    if bm25.size == 0:
        return bm25.astype(np.float64)
    mixed = (1.0 - weight) * min_max(bm25) + weight * min_max(cosine)
    return mixed * float(bm25.max())


def weight_for(bm25: np.ndarray, weight: float) -> float:
    """How much meaning counts for this shortlist: ``weight`` times runner-up / best.

    When BM25's best passage clearly leads, its words matched something the others lack
    (a duration, a figure, a named term), and meaning, which blurs such specifics, should
    count for less; between near ties it counts in full.
    """
    if bm25.size < 2:
        return weight
    best, runner_up = np.sort(bm25)[::-1][:2]
    return weight if best <= 0 else weight * float(runner_up / best)
