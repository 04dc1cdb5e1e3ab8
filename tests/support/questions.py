"""Every question of the evaluation sets (evaluation/sets/*.yaml), as people typed them."""

from __future__ import annotations

import functools

import yaml

from evaluation.quality import SETS_DIR


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
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return tuple(found)
