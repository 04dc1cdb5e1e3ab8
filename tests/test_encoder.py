"""The sentence encoder (int8 layers in ONNX Runtime) against sentence-transformers, and the
checks on its files."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import retrieval.encoder as encoder_module
import retrieval.model_files as model_files_module
from retrieval.encoder import WEIGHT_LIMIT, SentenceEncoder, quantize_columns
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
    # int8 weights and activations cost a little fidelity, most on the shortest texts (the
    # empty one, 2 tokens: 0.980 measured); a wrong graph or weight gives far less.
    for sentence, cosine in zip(reference["sentences"], cosines, strict=True):
        assert cosine >= 0.975, (sentence[:60], cosine)
    assert np.median(cosines) >= 0.99
    # What ranking uses, the similarities between texts, moves by hundredths (0.031 at most
    # measured, between "hi" and the 256-token text).
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    moved = np.abs(got @ got.T - expected @ expected.T)
    assert moved.max() < 0.04 and moved.mean() < 0.015
    # The reference includes a text past the 256-token limit, so truncation is covered too.
    assert max(reference["tokens"]) == 256


def test_quantized_columns_are_within_half_a_step_and_seven_bits() -> None:
    rng = np.random.default_rng(5)
    matrix = rng.normal(size=(384, 96)).astype(np.float32) * rng.uniform(0.01, 3, size=96)
    matrix[:, 7] = 0.0  # an all-zero column gets zeros, not a division by zero
    values, scale = quantize_columns(matrix.T.copy().T)  # a transposed view, as the encoder has
    assert values.dtype == np.int8 and values.flags.c_contiguous
    assert scale.dtype == np.float32 and scale.shape == (96,)
    assert np.abs(values.astype(int)).max() == WEIGHT_LIMIT == 63
    error = np.abs(values * scale - matrix)
    assert (error <= scale / 2 * 1.0001).all()
    assert not values[:, 7].any()


def test_a_missing_runtime_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import fails, as if not installed
    with pytest.raises(ModelFilesError, match=r"onnxruntime .* not installed.*make clean"):
        SentenceEncoder(cache_dir=tmp_path).encode(["hi"])


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


def test_each_text_gets_its_own_vector_whatever_it_is_encoded_with(
    encoder: SentenceEncoder,
) -> None:
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
    np.testing.assert_array_equal(encoder.encode(texts), one_by_one)
    np.testing.assert_array_equal(encoder.encode(texts[::-1]), one_by_one[::-1])
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


def test_quantized_weights_are_kept_and_read_back_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = ["what certifications should I get", "do i really need a masters"]
    first = SentenceEncoder(cache_dir=tmp_path)
    expected = first.encode(texts)
    kept = sorted(tmp_path.glob("minilm-q*.npy"))
    assert [path.name.rsplit("-", 1)[1] for path in kept] == ["float32.npy", "int8.npy"]
    assert kept[1].stat().st_size > 10_000_000  # the int8 matrices, a quarter of the floats
    with monkeypatch.context() as patched:
        patched.setattr(encoder_module, "graph_initializers", lambda _: pytest.fail("again"))
        again = SentenceEncoder(cache_dir=tmp_path)
        assert np.array_equal(again.encode(texts), expected)
    # A file cut short is quantized again and rewritten, never an error.
    for path in kept:
        size = path.stat().st_size
        path.write_bytes(path.read_bytes()[: size // 2])
        damaged = SentenceEncoder(cache_dir=tmp_path)
        assert np.array_equal(damaged.encode(texts), expected)
        assert path.stat().st_size == size
