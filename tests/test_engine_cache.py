"""The search engine's built state on disk: a start with unchanged knowledge indexes nothing,
and anything changed, damaged or written by other code is built again."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import retrieval.search as search_module
from knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from retrieval import engine_cache
from retrieval.engine_cache import fingerprint, load_state
from retrieval.search import SearchEngine

QUESTIONS = (
    "what certifications should I get",
    "do i really need a masters",
    "ML eng vs data sci?",
    "what is reinforcement learning",
    "salary of a fresher in Lahore",
)


def ranking(engine: SearchEngine) -> list[tuple[str, list[tuple[str, float]]]]:
    return [
        (result.decision.kind, [(hit.passage.id, hit.score) for hit in result.hits])
        for result in map(engine.search, QUESTIONS)
    ]


def counting_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    builds: list[int] = []
    real = search_module.build_state

    def build_state(*args, **kwargs):
        builds.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(search_module, "build_state", build_state)
    return builds


def test_an_unchanged_knowledge_base_is_read_back_not_built(
    knowledge: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds = counting_builds(monkeypatch)
    built = SearchEngine(knowledge, semantic=False, cache_dir=tmp_path)
    assert len(builds) == 1
    assert sorted(path.suffix for path in tmp_path.glob("engine-*")) == [".json", ".npz"]
    loaded = SearchEngine(knowledge, semantic=False, cache_dir=tmp_path)
    assert len(builds) == 1  # nothing indexed the second time
    assert [p.id for p in loaded.passages] == [p.id for p in built.passages]
    assert loaded.passages == built.passages
    assert ranking(loaded) == ranking(built)  # the same passages, scores to the last bit
    rebuilt = SearchEngine(knowledge, semantic=False, cache_dir=tmp_path, reuse_index=False)
    assert len(builds) == 2 and ranking(rebuilt) == ranking(built)


def test_a_changed_article_is_indexed_again(
    knowledge_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds = counting_builds(monkeypatch)
    before = SearchEngine(load_knowledge(knowledge_copy), semantic=False, cache_dir=tmp_path)
    question = "is quantum annealing hardware important for an ml engineer"
    assert not any("Quantum annealing" in hit.passage.text for hit in before.search(question).hits)
    article = knowledge_copy / "articles" / "roles-and-responsibilities.txt"
    text = article.read_text(encoding="utf-8")
    sentence = "Machine learning is"  # a sentence the article keeps, to add one after
    assert sentence in text
    article.write_text(
        text.replace(sentence, "Quantum annealing hardware rarely matters to ML engineers. "
                     + sentence, 1),
        encoding="utf-8",
    )
    after = SearchEngine(load_knowledge(knowledge_copy), semantic=False, cache_dir=tmp_path)
    assert len(builds) == 2
    assert any("Quantum annealing" in hit.passage.text for hit in after.search(question).hits)


def test_a_change_to_the_code_misses_the_cache(
    knowledge: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds = counting_builds(monkeypatch)
    SearchEngine(knowledge, semantic=False, cache_dir=tmp_path)
    key = fingerprint(knowledge)
    monkeypatch.setattr(engine_cache, "_code_digest", lambda: b"another version of the code")
    assert fingerprint(knowledge) != key
    SearchEngine(knowledge, semantic=False, cache_dir=tmp_path)
    assert len(builds) == 2


def test_a_broken_knowledge_file_still_stops_the_engine_after_a_good_start(
    knowledge_copy: Path, tmp_path: Path
) -> None:
    SearchEngine(load_knowledge(knowledge_copy), semantic=False, cache_dir=tmp_path)
    asked = next((knowledge_copy / "asked").glob("*.yaml"))
    text = asked.read_text(encoding="utf-8")
    quote_line = next(line for line in text.splitlines() if "quote:" in line)
    asked.write_text(
        text.replace(quote_line, quote_line.split(":")[0] + ': "a sentence no article has"'),
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeError, match="quote"):
        SearchEngine(load_knowledge(knowledge_copy), semantic=False, cache_dir=tmp_path)


def _damage_strings(path: Path) -> None:
    path.write_text("{not json", encoding="utf-8")


def _damage_arrays(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:100])


def _other_fingerprint(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace('"fingerprint":"', '"fingerprint":"x'))


def _changed_arrays(path: Path, change) -> None:
    with np.load(path) as archive:
        arrays = {name: archive[name] for name in archive.files}
    change(arrays)
    with path.open("wb") as stream:
        np.savez(stream, **arrays)


def _misfit_arrays(path: Path) -> None:
    _changed_arrays(path, lambda arrays: arrays.update(first_unit=arrays["first_unit"][:-1]))


def _passage_without_lines(path: Path) -> None:
    def give_the_second_none(arrays) -> None:
        arrays["first_unit"][1] = arrays["first_unit"][2]

    _changed_arrays(path, give_the_second_none)


@pytest.mark.parametrize(
    ("suffix", "damage"),
    [
        (".json", _damage_strings),
        (".npz", _damage_arrays),
        (".json", _other_fingerprint),
        (".npz", _misfit_arrays),
        (".npz", _passage_without_lines),
        (".npz", Path.unlink),
    ],
)
def test_a_damaged_cache_is_built_again_not_trusted(
    knowledge: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix, damage
) -> None:
    good = SearchEngine(knowledge, semantic=False, cache_dir=tmp_path)
    (path,) = tmp_path.glob(f"engine-*{suffix}")
    damage(path)
    assert load_state(tmp_path, fingerprint(knowledge)) is None
    builds = counting_builds(monkeypatch)
    again = SearchEngine(knowledge, semantic=False, cache_dir=tmp_path)
    assert len(builds) == 1 and ranking(again) == ranking(good)
    assert load_state(tmp_path, fingerprint(knowledge)) is not None  # and written afresh


def test_an_unwritable_cache_directory_only_costs_a_build(
    knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    engine = SearchEngine(knowledge, semantic=False, cache_dir=blocked / "cache")
    assert engine.search(QUESTIONS[0]).hits


def test_only_a_few_other_states_are_kept(knowledge_copy: Path, tmp_path: Path) -> None:
    article = next((knowledge_copy / "articles").glob("*.txt"))
    original = article.read_text(encoding="utf-8")
    for version in range(engine_cache.KEPT + 3):
        article.write_text(original + f"\n\nVersion {version} of this article.\n", encoding="utf-8")
        SearchEngine(load_knowledge(knowledge_copy), semantic=False, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("engine-*.json"))) == engine_cache.KEPT + 1
    assert len(list(tmp_path.glob("engine-*.npz"))) == engine_cache.KEPT + 1


def test_a_broken_english_word_list_stops_the_engine_after_a_good_start(
    knowledge_copy: Path, tmp_path: Path
) -> None:
    SearchEngine(load_knowledge(knowledge_copy), semantic=False, cache_dir=tmp_path)
    words = knowledge_copy / "english_words.txt"
    words.write_text(words.read_text(encoding="utf-8") + "Not A Word\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"english_words\.txt: line"):
        SearchEngine(load_knowledge(knowledge_copy), semantic=False, cache_dir=tmp_path)


def test_the_english_words_are_read_only_for_a_word_no_article_uses(
    knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    SearchEngine(knowledge, semantic=False, cache_dir=tmp_path)
    engine = SearchEngine(knowledge, semantic=False, cache_dir=tmp_path)  # from the cache
    engine.search("what certifications should I get")
    assert engine.english_words._words is None
    # "umbrella" is in no article: is it a typo? The English words say it is not.
    engine.search("which certifications help with an umbrella")
    assert engine.english_words._words is not None and "umbrella" in engine.english_words
