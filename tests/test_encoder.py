"""The numpy sentence encoder against sentence-transformers, and the checks on its files."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

import retrieval.model_files as model_files_module
from retrieval.encoder import SentenceEncoder
from retrieval.model_files import (
    WEIGHTS_SHA256,
    ModelFilesError,
    installed_model_dir,
    model_files,
)

REFERENCE = Path(__file__).parent / "reference" / "minilm_reference.json"


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder()


def test_matches_sentence_transformers(encoder: SentenceEncoder) -> None:
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    assert reference["model_sha256"] == WEIGHTS_SHA256 == encoder.files.sha256
    expected = np.array(reference["embeddings"], dtype=np.float64)
    got = encoder.encode(reference["sentences"]).astype(np.float64)
    assert got.shape == expected.shape == (len(reference["sentences"]), encoder.dimensions)
    cosines = (got * expected).sum(axis=1) / np.linalg.norm(expected, axis=1)
    for sentence, cosine, diff in zip(
        reference["sentences"], cosines, np.abs(got - expected).max(axis=1), strict=True
    ):
        assert cosine >= 0.9999, (sentence[:60], cosine)
        assert diff <= 1e-4, (sentence[:60], diff)
    # The reference includes a text past the 256-token limit, so truncation is covered too.
    assert max(reference["tokens"]) == 256


def test_altered_weights_are_refused(tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(installed_model_dir(), copy)
    assert model_files(copy).sha256 == WEIGHTS_SHA256  # the copy itself is fine
    weights = copy / "model.safetensors"
    with weights.open("r+b") as stream:
        stream.seek(weights.stat().st_size // 2)
        byte = stream.read(1)
        stream.seek(-1, 1)
        stream.write(bytes([byte[0] ^ 0x01]))
    with pytest.raises(ModelFilesError) as refused:
        model_files(copy)
    message = str(refused.value)
    assert str(weights) in message
    assert WEIGHTS_SHA256 in message
    assert "make clean" in message
    with pytest.raises(ModelFilesError):
        SentenceEncoder(model_files(copy))


def test_the_next_process_trusts_a_verified_file_until_it_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    copy = tmp_path / "model"
    shutil.copytree(installed_model_dir(), copy)
    hashed: list[Path] = []
    real_sha256_of = model_files_module.sha256_of
    monkeypatch.setattr(
        model_files_module, "sha256_of", lambda path: hashed.append(path) or real_sha256_of(path)
    )
    model_files(copy)
    assert len(hashed) == 2  # the weights and the vocabulary
    monkeypatch.setattr(model_files_module, "_verified", set())  # as in a new process
    model_files(copy)
    assert len(hashed) == 2  # remembered on disk: not hashed again
    # Altered in place, its size and modification time put back: still hashed, and refused.
    time.sleep(0.05)  # file times tick coarsely; an edit lands on a later tick
    weights = copy / "model.safetensors"
    before = weights.stat()
    with weights.open("r+b") as stream:
        stream.seek(before.st_size // 2)
        byte = stream.read(1)
        stream.seek(-1, 1)
        stream.write(bytes([byte[0] ^ 0x01]))
    os.utime(weights, ns=(before.st_atime_ns, before.st_mtime_ns))
    monkeypatch.setattr(model_files_module, "_verified", set())
    with pytest.raises(ModelFilesError, match="not the published file"):
        model_files(copy)


def test_missing_weights_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelFilesError, match=r"model\.safetensors is missing"):
        model_files(tmp_path)


def test_batches_give_each_text_its_own_vector(encoder: SentenceEncoder) -> None:
    texts = [
        "How long does it take to learn machine learning from scratch?",
        "hi",
        "What does an ML engineer do all day, and how is it different from a data scientist?",
        "",
        "hi",
        "Is Kaggle worth it?",
        "Which cloud certificate should I take first: AWS, GCP or Azure?",
    ]
    one_by_one = np.stack([encoder.encode([text])[0] for text in texts])
    # Batches of three: lengths differ within each, so most rows are padded.
    small_batches = SentenceEncoder(encoder.files, batch_size=3)
    for batched in (encoder.encode(texts), small_batches.encode(texts)):
        np.testing.assert_allclose(batched, one_by_one, atol=1e-5)
    np.testing.assert_array_equal(one_by_one[1], one_by_one[4])
    assert encoder.encode([]).shape == (0, encoder.dimensions)


def test_vectors_have_unit_length(encoder: SentenceEncoder) -> None:
    vectors = encoder.encode(["", "a", "Data engineering or ML engineering?", "x " * 400])
    assert vectors.dtype == np.float32
    assert vectors.shape == (4, 384) == (4, encoder.dimensions)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.model_id.endswith(WEIGHTS_SHA256[:12])


def test_related_questions_are_closer(encoder: SentenceEncoder) -> None:
    certifications, credentials, biryani = encoder.encode(
        [
            "What certifications should I get to become an ML engineer?",
            "Which credentials help me get hired for machine learning jobs?",
            "How do I cook chicken biryani?",
        ]
    )
    related = float(certifications @ credentials)
    assert related > float(certifications @ biryani) + 0.2
    assert related > float(credentials @ biryani) + 0.2


def test_rearranged_weights_are_kept_and_read_back_the_same(tmp_path: Path) -> None:
    texts = ["what certifications should I get", "do i really need a masters"]
    first = SentenceEncoder(cache_dir=tmp_path)
    expected = first.encode(texts)
    (kept,) = tmp_path.glob("minilm-arranged-*.npy")
    again = SentenceEncoder(cache_dir=tmp_path)
    again.load()
    assert isinstance(again._layers[0].ffn_in_w.base, np.memmap)  # mapped, not copied
    assert np.array_equal(again.encode(texts), expected)
    # A file cut short is arranged again and rewritten, never an error.
    kept.write_bytes(kept.read_bytes()[: kept.stat().st_size // 2])
    damaged = SentenceEncoder(cache_dir=tmp_path)
    assert np.array_equal(damaged.encode(texts), expected)
    assert kept.stat().st_size > 40_000_000
