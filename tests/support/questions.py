"""Every question of the evaluation sets (evaluation/sets/*.yaml), as people typed them."""

from __future__ import annotations

import functools

from evaluation.quality import SETS_DIR, load_eval_set


@functools.cache
def every_question() -> tuple[str, ...]:
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("question", "q", "text") and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted(SETS_DIR.glob("*.yaml")):
        walk(load_eval_set(path))
    return tuple(found)
