"""Validated knowledge read back from the cache: never a way around validation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import BaseModel

from knowledge import KnowledgeBase, KnowledgeError, load_knowledge, loader
from knowledge import validated_cache as cache
from knowledge.career_models import Roadmap
from knowledge.models import StrictModel

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home / "career-advisor"


def counting_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files that are parsed (and so validated) from now on."""
    parsed: list[str] = []
    real = loader.parsed_yaml
    monkeypatch.setattr(
        loader, "parsed_yaml", lambda text, name: parsed.append(name) or real(text, name)
    )
    return parsed


def every_model(knowledge: KnowledgeBase) -> list[BaseModel]:
    assert knowledge.exchange_rates is not None
    return [
        *knowledge.articles, knowledge.vocabulary, knowledge.scope, knowledge.roadmap,
        knowledge.salaries, knowledge.exchange_rates, *knowledge.asked,
    ]


def test_every_knowledge_model_reads_back_as_it_was_validated(knowledge: KnowledgeBase) -> None:
    for model in every_model(knowledge):
        text = cache.plain_json(model)
        again = cache.construct(type(model), json.loads(text))
        assert again == model
        assert cache.plain_json(again) == text  # tuples stay tuples, dates stay dates


def test_an_unchanged_knowledge_base_is_read_back_not_validated_again(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = counting_parses(monkeypatch)
    first = load_knowledge()
    assert "roadmap.yaml" in parsed and len(parsed) > 10
    # One file of validated data for each file validated.
    assert len(list(cache_home.glob("validated-*.json"))) == len(parsed)
    parsed.clear()
    again = load_knowledge()
    assert parsed == []
    assert again == first
    assert again.roadmap.item_ids == first.roadmap.item_ids
    assert again.exchange_rates is not None and first.exchange_rates is not None
    assert again.exchange_rates.as_of == first.exchange_rates.as_of


def test_a_start_that_reads_the_knowledge_back_builds_no_validator(cache_home: Path) -> None:
    # Fresh processes: the models' validators are built once per process, when first needed.
    script = textwrap.dedent(
        """
        from pydantic import BaseModel
        from knowledge import load_knowledge
        from knowledge.models import StrictModel
        from knowledge.questions import load_questions

        load_knowledge()
        load_questions()

        def models(kind):
            for sub in kind.__subclasses__():
                yield sub
                yield from models(sub)

        print(sorted(m.__name__ for m in models(StrictModel) if m.__pydantic_complete__))
        """
    )
    environment = {**os.environ, "XDG_CACHE_HOME": str(cache_home.parent)}
    def start() -> str:
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=environment,
            capture_output=True, text=True, check=True,
        )
        return done.stdout.strip()

    assert "Roadmap" in start()  # validated, and kept
    assert start() == "[]"


def _unknown_quote(root: Path) -> None:
    path = root / "roadmap.yaml"
    text = path.read_text(encoding="utf-8")
    line = next(
        line for line in text.splitlines()
        if "quote:" in line and line.split("quote:")[1].strip()[:1] not in ("", ">", "|")
    )
    path.write_text(text.replace(line, line.split(":")[0] + ': "words no article has"'), "utf-8")


def _article_without_a_quote(root: Path) -> None:
    # roadmap.yaml stays as it was: the quote it cites is gone from the article it names.
    roadmap = load_knowledge(root).roadmap
    source = roadmap.stages[0].items[0].sources[0]
    (entry,) = (a.entry for a in load_knowledge(root).articles if a.entry.id == source.article)
    path = root / "articles" / entry.file
    text = " ".join(path.read_text(encoding="utf-8").split())
    path.write_text(text.replace(" ".join(source.quote.split()), "(removed)"), encoding="utf-8")


@pytest.mark.parametrize("damage", [_unknown_quote, _article_without_a_quote])
def test_a_broken_knowledge_base_still_stops_the_bot_after_a_good_start(
    knowledge_copy: Path, cache_home: Path, damage: Callable[[Path], None]
) -> None:
    load_knowledge(knowledge_copy)
    damage(knowledge_copy)
    with pytest.raises(KnowledgeError, match=r"roadmap\.yaml: .*quote not found in article"):
        load_knowledge(knowledge_copy)


def test_new_model_code_validates_again(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_knowledge()
    monkeypatch.setattr(cache, "_validation_code", lambda: b"another version of the models")
    parsed = counting_parses(monkeypatch)
    load_knowledge()
    assert "roadmap.yaml" in parsed and "salaries.yaml" in parsed


def _field_of_another_type(data: dict) -> None:
    data["stages"][0]["items"][0]["sources"] = "not a list"


def _unknown_field(data: dict) -> None:
    data["stages"][0]["colour"] = "red"


def _missing_field(data: dict) -> None:
    del data["stages"][0]["goal"]


def _not_a_level(data: dict) -> None:
    data["starts"] = {"expert": data["starts"]["beginner"]}


def _missing_model(data: dict) -> None:
    data["stages"][0]["items"][0] = None


@pytest.mark.parametrize(
    "damage",
    [_field_of_another_type, _unknown_field, _missing_field, _not_a_level, _missing_model, None],
)
def test_a_damaged_file_of_validated_data_is_validated_again_not_trusted(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch, damage: Callable[[dict], None] | None
) -> None:
    first = load_knowledge()
    roadmap = cache.plain_json(first.roadmap)
    (path,) = (p for p in cache_home.glob("validated-*.json") if p.read_text("utf-8") == roadmap)
    if damage is None:
        path.write_text(roadmap[:100], encoding="utf-8")  # cut short
    else:
        data = json.loads(roadmap)
        damage(data)
        path.write_text(json.dumps(data), encoding="utf-8")
    parsed = counting_parses(monkeypatch)
    again = load_knowledge()
    assert parsed == ["roadmap.yaml"]
    assert again.roadmap == first.roadmap
    assert path.read_text(encoding="utf-8") == roadmap  # and written afresh


def test_only_the_knowledge_packages_models_are_kept() -> None:
    class Elsewhere(StrictModel):
        name: str

    assert cache.validation_key(Elsewhere, "name: x\n", None) is None
    assert cache.validation_key(Roadmap, "stages: []\n", None) is not None


def test_data_that_does_not_read_back_exactly_is_not_kept(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "construct", lambda model, data: None)
    load_knowledge()
    assert not list(cache_home.glob("validated-*.json"))
