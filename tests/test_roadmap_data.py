"""roadmap.yaml: ordered stages, cited items, short stable ids, strict loading."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge import KNOWLEDGE_DIR, KnowledgeError, load_knowledge
from knowledge.career_models import Roadmap, fold_whitespace


def test_every_quote_is_in_its_cited_article(knowledge) -> None:
    # Read the YAML directly, so this holds even if the loader's own check were switched off.
    raw = yaml.safe_load((KNOWLEDGE_DIR / "roadmap.yaml").read_text(encoding="utf-8"))
    texts = {article.entry.id: fold_whitespace(article.text) for article in knowledge.articles}
    checked = 0
    for stage in raw["stages"]:
        for item in stage["items"]:
            for source in item["sources"]:
                assert fold_whitespace(source["quote"]) in texts[source["article"]], (
                    f"{item['id']}: {source['quote']!r}"
                )
                checked += 1
    assert checked >= 60


def test_stages_run_from_foundations_to_growth(knowledge) -> None:
    titles = [stage.title for stage in knowledge.roadmap.stages]
    assert titles == [
        "Foundations",
        "ML fundamentals",
        "Tools and frameworks",
        "Projects and portfolio",
        "Experience and first job",
        "Specialization and advanced topics",
        "Growth and continuous learning",
    ]
    for stage in knowledge.roadmap.stages:
        assert stage.goal and len(stage.items) >= 3


def test_ids_are_short_and_unique_across_the_roadmap(knowledge) -> None:
    roadmap = knowledge.roadmap
    stage_ids = [stage.id for stage in roadmap.stages]
    item_ids = [item.id for stage in roadmap.stages for item in stage.items]
    assert len(set(stage_ids)) == len(stage_ids)
    assert len(set(item_ids)) == len(item_ids)
    assert all(len(identifier) <= 12 for identifier in stage_ids + item_ids)
    assert roadmap.item_ids == frozenset(item_ids)


def test_every_article_contributes_and_agreement_is_counted(knowledge) -> None:
    roadmap = knowledge.roadmap
    cited = {a for stage in roadmap.stages for item in stage.items for a in item.article_ids}
    assert cited == {article.entry.id for article in knowledge.articles}
    support = {item.id: len(item.article_ids) for stage in roadmap.stages for item in stage.items}
    assert support["math"] == 5 and support["python"] == 5 and support["dlframes"] == 5
    assert sum(count >= 4 for count in support.values()) >= 8
    # article_ids are distinct even when one article is quoted twice for an item
    degree = next(item for item in roadmap.stages[0].items if item.id == "degree")
    assert len(degree.sources) == 5 and len(degree.article_ids) == 4


def test_named_resources_come_from_the_articles(knowledge) -> None:
    texts = {
        article.entry.id: fold_whitespace(article.text).lower() for article in knowledge.articles
    }
    resources = 0
    for stage in knowledge.roadmap.stages:
        for item in stage.items:
            for resource in item.resources:
                assert any(resource.lower() in texts[a] for a in item.article_ids), resource
                resources += 1
    assert resources >= 30
    certificates = next(s for s in knowledge.roadmap.stages if s.id == "tools").items[-1]
    assert "TensorFlow Developer Certificate" in certificates.resources


def test_levels_start_at_fitting_stages(knowledge) -> None:
    roadmap = knowledge.roadmap
    assert roadmap.starts == {"beginner": "found", "intermediate": "tools", "advanced": "special"}
    order = [roadmap.stage_index(roadmap.starts[level]) for level in roadmap.starts]
    assert order == sorted(order)
    assert roadmap.stage("nope") is None and roadmap.stage_index("nope") is None


def test_models_without_article_context_skip_article_checks() -> None:
    # Unit tests and tools may build the model without the articles; structure still checked.
    data = yaml.safe_load((KNOWLEDGE_DIR / "roadmap.yaml").read_text(encoding="utf-8"))
    data["stages"][0]["items"][0]["sources"][0]["quote"] = "anything at all"
    assert Roadmap.model_validate(data).stages[0].id == "found"


# Broken files ------------------------------------------------------------------------------


def _edit(root: Path, edit: Callable[[Any], None]) -> None:
    path = root / "roadmap.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _set(path: str, value: Any) -> Callable[[Any], None]:
    """An edit that sets data at a path like "stages.1.items.0.title"."""

    def edit(data: Any) -> None:
        *parents, last = path.split(".")
        target = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            _set("stages.1.items.0.sources.0.quote", "Learn quantum knitting"),
            r"roadmap\.yaml: stages\[1\]\.items\[0\]\.sources\[0\]\.quote: .*quote not found "
            r"in article 'pakistan-roadmap'",
        ),
        (
            _set("stages.0.items.2.sources.0.article", "blog-post"),
            r"stages\[0\]\.items\[2\]\.sources\[0\]\.article: .*unknown article 'blog-post'",
        ),
        (
            _set("stages.2.items.0.resources", ["NumPy", "Quantum Studio"]),
            r"stages\[2\]\.items\[0\]\.resources: .*'Quantum Studio' is not named",
        ),
        (
            _set("stages.0.items.0.id", "a-very-long-item-id"),
            r"stages\[0\]\.items\[0\]\.id: String should have at most 12",
        ),
        (_set("stages.0.items.0.id", "Math!"), r"stages\[0\]\.items\[0\]\.id: String should"),
        (_set("stages.3.items.1.id", "math"), r"roadmap\.yaml: stages: .*duplicate item id 'math'"),
        (_set("stages.1.id", "found"), r"roadmap\.yaml: stages: .*duplicate stage id 'found'"),
        (
            _set("stages.0.items.1.sources", []),
            r"stages\[0\]\.items\[1\]\.sources: Tuple should have at least 1",
        ),
        (_set("stages.0.colour", "red"), r"stages\[0\]\.colour: Extra inputs are not permitted"),
        (_set("starts.advanced", "nowhere"), r"roadmap\.yaml: .*starts\.advanced: no stage"),
        (_set("starts.expert", "found"), r"roadmap\.yaml: starts\.expert\.\[key\]: Input should"),
    ],
)
def test_a_broken_roadmap_names_file_and_field(
    knowledge_copy: Path, edit: Callable[[Any], None], message: str
) -> None:
    _edit(knowledge_copy, edit)
    with pytest.raises(KnowledgeError, match=message):
        load_knowledge(knowledge_copy)


def test_a_missing_level_start_is_named(knowledge_copy: Path) -> None:
    _edit(knowledge_copy, lambda data: data["starts"].pop("intermediate"))
    with pytest.raises(KnowledgeError, match=r"roadmap\.yaml: .*no stage for intermediate"):
        load_knowledge(knowledge_copy)


def test_missing_roadmap_file_is_named(knowledge_copy: Path) -> None:
    (knowledge_copy / "roadmap.yaml").unlink()
    with pytest.raises(KnowledgeError, match=r"roadmap\.yaml: file not found"):
        load_knowledge(knowledge_copy)


def test_quotes_match_across_line_breaks(knowledge) -> None:
    # The India guide is hard-wrapped; this quote spans two of its lines.
    article = next(a for a in knowledge.articles if a.entry.id == "india-career-guide")
    quote = "Pursue a bachelor’s degree in computer science, mathematics, statistics, or a related"
    assert quote not in article.text
    assert fold_whitespace(quote) in fold_whitespace(article.text)
