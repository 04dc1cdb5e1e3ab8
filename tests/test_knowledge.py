from __future__ import annotations

import datetime
import hashlib
from pathlib import Path

import pytest
import yaml

from knowledge import KnowledgeError, load_knowledge
from retrieval.search import SearchEngine


def _edit_catalogue(root: Path, edit) -> None:
    path = root / "catalogue.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_catalogue_lists_the_five_articles_with_titles(knowledge) -> None:
    ids = [article.entry.id for article in knowledge.articles]
    assert len(ids) == 5
    assert len(set(ids)) == 5
    for article in knowledge.articles:
        assert article.entry.title and article.entry.description and article.entry.regions
        assert len(article.text) > 1000


# SHA-256 of the scraped files in the shared corpus, by the id each has here.
CORPUS_SHA256 = {
    "pakistan-roadmap": "0aa7c1338d7e0cdd780d3ea7b2d9ebd81f25fdb534dd51d4cdb1ebd7d77d10fa",
    "step-by-step-guide": "582a0cb990bf42cd5916209c110647a01c6e45479e4ba9a0c9ce82c5bd4ff5a7",
    "india-career-guide": "b32a404a848bc4a8ae5e0c3fb4b5a1ad8ad08232ca6e97f8d324db19bed9c990",
    "roles-and-responsibilities": (
        "a69583e8107885e4371b24f715386eecbc11332021f956ab2bec002c5b0959e4"
    ),
    "high-earning-pathway": "47672ffd868601c84ab4af90b0f0f7e7eaf169a9ec2d710e38c60ec5251a620c",
}


def test_articles_are_verbatim_copies_of_the_scraped_corpus(knowledge) -> None:
    digests = {
        article.entry.id: hashlib.sha256(article.text.encode("utf-8")).hexdigest()
        for article in knowledge.articles
    }
    assert digests == CORPUS_SHA256


def test_missing_field_names_file_and_field(knowledge_copy: Path) -> None:
    _edit_catalogue(knowledge_copy, lambda data: data["articles"][2].pop("title"))
    with pytest.raises(
        KnowledgeError, match=r"catalogue\.yaml: articles\[2\]\.title: Field required"
    ):
        load_knowledge(knowledge_copy)


def test_unknown_field_is_rejected(knowledge_copy: Path) -> None:
    _edit_catalogue(knowledge_copy, lambda data: data["articles"][0].update(url="x"))
    with pytest.raises(KnowledgeError, match=r"articles\[0\]\.url: Extra inputs"):
        load_knowledge(knowledge_copy)


def test_duplicate_article_id_is_rejected(knowledge_copy: Path) -> None:
    def duplicate(data):
        data["articles"][1]["id"] = data["articles"][0]["id"]

    _edit_catalogue(knowledge_copy, duplicate)
    with pytest.raises(KnowledgeError, match="duplicate article id"):
        load_knowledge(knowledge_copy)


def test_missing_article_file_is_named(knowledge_copy: Path) -> None:
    (knowledge_copy / "articles" / "pakistan-roadmap.txt").unlink()
    with pytest.raises(KnowledgeError, match=r"articles\[0\]\.file: no such article file"):
        load_knowledge(knowledge_copy)


def test_broken_yaml_is_named(knowledge_copy: Path) -> None:
    (knowledge_copy / "vocabulary.yaml").write_text("expansions: [unclosed\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"vocabulary\.yaml: not valid YAML"):
        load_knowledge(knowledge_copy)


def test_wrong_type_in_scope_is_named(knowledge_copy: Path) -> None:
    path = knowledge_copy / "scope.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["greetings"] = "hi"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"scope\.yaml: greetings"):
        load_knowledge(knowledge_copy)


def test_a_shared_domain_term_must_be_a_domain_term(knowledge_copy: Path) -> None:
    path = knowledge_copy / "scope.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["shared_domain_terms"].append("knitting")
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"scope\.yaml.*knitting"):
        load_knowledge(knowledge_copy)


def test_a_sixth_article_becomes_searchable(knowledge_copy: Path) -> None:
    text = (
        "MLOps Engineer Career Guide\n"
        "What is a feature store?\n"
        "A feature store keeps curated model features so that training and serving "
        "pipelines read the same values. Teams in Karachi and Lahore adopt feature "
        "stores when several models share inputs.\n"
    )
    (knowledge_copy / "articles" / "mlops-guide.txt").write_text(text, encoding="utf-8")

    def add(data):
        data["articles"].append(
            {
                "id": "mlops-guide",
                "file": "mlops-guide.txt",
                "title": "MLOps engineer guide",
                "regions": ["global"],
                "description": "A short guide to MLOps tooling such as feature stores.",
            }
        )

    _edit_catalogue(knowledge_copy, add)
    engine = SearchEngine(load_knowledge(knowledge_copy))
    result = engine.search("what is a feature store in machine learning?")
    assert result.in_scope
    assert result.hits[0].passage.doc_id == "mlops-guide"
    assert "feature store keeps curated model features" in result.hits[0].passage.text


def test_parsed_yaml_is_read_back_from_the_cache_and_still_validated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from knowledge import loader

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = load_knowledge()
    assert list((tmp_path / "cache" / "career-advisor").glob("parsed-yaml-*.json"))
    # Without the validated data kept beside it, so that every file is validated again.
    for validated in (tmp_path / "cache" / "career-advisor").glob("validated-*.json"):
        validated.unlink()

    parsed: list[str] = []
    real_load = yaml.load
    monkeypatch.setattr(
        yaml, "load", lambda text, Loader: parsed.append(text) or real_load(text, Loader)
    )
    again = load_knowledge()
    assert again == first
    # Nothing was parsed again, not even the exchange rates, whose `as_of` is a date.
    assert parsed == []
    assert again.exchange_rates is not None
    assert again.exchange_rates.as_of == first.exchange_rates.as_of
    assert isinstance(again.exchange_rates.as_of, datetime.date)
    with pytest.raises(KnowledgeError, match=r"broken\.yaml: not valid YAML"):
        loader.parsed_yaml("key: [unclosed\n", "broken.yaml")


def test_parsed_yaml_cache_gives_back_dates_and_what_looks_like_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from knowledge import loader

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    texts = {
        "day: 2025-06-01\n": {"day": datetime.date(2025, 6, 1)},
        # A mapping that looks like the cache's own date: parsed each time, never misread.
        "day: {$date: '2025-06-01'}\n": {"day": {"$date": "2025-06-01"}},
        "1: one\n": {1: "one"},  # a key JSON would turn into a string
    }
    for text, data in texts.items():
        assert loader.parsed_yaml(text, "v.yaml") == data  # parsed
        assert loader.parsed_yaml(text, "v.yaml") == data  # read back, or parsed again
    cached = list((tmp_path / "career-advisor").glob("parsed-yaml-*.json"))
    assert len(cached) == 1  # only the real date could be kept


def test_only_the_newest_parsed_files_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from knowledge import loader

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(loader, "_PARSED_KEPT", 2)
    for version in range(6):
        assert loader.parsed_yaml(f"version: {version}\n", "v.yaml") == {"version": version}
    kept = list((tmp_path / "career-advisor").glob("parsed-yaml-*.json"))
    assert len(kept) == 3  # the one just written and the two newest others
    assert loader.parsed_yaml("version: 5\n", "v.yaml") == {"version": 5}
