"""Sentence embeddings from all-MiniLM-L6-v2: its six encoder layers run by ONNX Runtime on
weights quantized to 8-bit integers, never by PyTorch.

The forward pass is BERT's, as sentence-transformers runs it for this model: word and position
embeddings (every text is one segment, token type 0), LayerNorm, six encoder layers (12-head
self-attention, then a 1536-wide feed-forward with erf GELU, each followed by a residual add and
LayerNorm), mean pooling over the tokens and L2 normalisation. The embedding rows are gathered
here with numpy; the rest is the graph in minilm_layers.onnx, which holds the structure only
(scripts/build_encoder_graph.py writes it). Every weight is computed at load from the verified
model.safetensors (retrieval/model_files.py) and handed to the session by name.

Why integers: in float32 a question read all 42 MB of the layers' matrices, 6-9 ms for a typical
question with numpy. Here each matrix is int8, quantized per output column, and ONNX Runtime's
DynamicQuantizeMatMul quantizes each activation matrix to uint8 and multiplies with integer
kernels: about 1 ms (`python -m bench.latency`). Vectors stay within a cosine of 0.975 of
sentence-transformers' own (tests/test_encoder.py; 0.980 at worst measured, 0.99 in the median).

Why 7-bit weights (|w| <= 63): on x86 CPUs without VNNI, the uint8 x int8 kernel adds pairs of
products in 16 bits, which full 8-bit weights can overflow (255 * 127 * 2 > 32767). Within 63
they cannot, so every CPU computes the same vectors; measured, it costs no fidelity, which is
lost to the activations' rounding.

Why one text at a time: the activations' scale is one per matrix, so texts run as one batch
would change each other's vectors. Alone, a text's vector depends on nothing else.
"""

from __future__ import annotations

import functools
import hashlib
import math
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.cache_files import default_cache_dir, replace_atomically
from retrieval.model_files import (
    REINSTALL,
    WEIGHTS_SHA256,
    ModelFiles,
    ModelFilesError,
    load_weights,
    model_files,
)
from retrieval.wordpiece import WordPieceTokenizer

HIDDEN = 384
HEADS = 12
HEAD_DIM = HIDDEN // HEADS
LAYERS = 6
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
LAYER_NORM_EPS = 1e-12
WEIGHT_LIMIT = 63  # the largest quantized weight: see the module's docstring

GRAPH = Path(__file__).with_name("minilm_layers.onnx")
# The graph's input (the summed word and position embeddings of one text, (1, tokens, 384))
# and output (its mean-pooled last hidden state, (1, 384)).
GRAPH_INPUT = "embedded"
GRAPH_OUTPUT = "pooled"

# A layer's four matrices, as the graph multiplies them: (inputs, outputs).
MATRICES = {
    "qkv": (HIDDEN, 3 * HIDDEN),  # query (pre-scaled), key and value side by side
    "attention_out": (HIDDEN, HIDDEN),
    "ffn_in": (HIDDEN, 4 * HIDDEN),
    "ffn_out": (4 * HIDDEN, HIDDEN),
}
NORMS = ("attention_norm", "ffn_norm")
_SOURCE = {  # the safetensors tensors behind each matrix and LayerNorm, under a layer's prefix
    "attention_out": "attention.output.dense",
    "ffn_in": "intermediate.dense",
    "ffn_out": "output.dense",
    "attention_norm": "attention.output.LayerNorm",
    "ffn_norm": "output.LayerNorm",
}
_QUANTIZED_VERSION = 1  # of quantize_columns and graph_initializers: a new one is a new model_id


def initializer_specs() -> dict[str, tuple[np.dtype, tuple[int, ...]]]:
    """Every weight the graph takes, by name, with its dtype and shape: the names the graph
    (scripts/build_encoder_graph.py) declares and :func:`graph_initializers` supplies."""
    f32, i8 = np.dtype(np.float32), np.dtype(np.int8)
    specs: dict[str, tuple[np.dtype, tuple[int, ...]]] = {
        "embeddings.norm.gain": (f32, (HIDDEN,)),
        "embeddings.norm.bias": (f32, (HIDDEN,)),
    }
    for layer in range(LAYERS):
        for name, (rows, columns) in MATRICES.items():
            specs[f"layer{layer}.{name}.weight"] = (i8, (rows, columns))
            specs[f"layer{layer}.{name}.scale"] = (f32, (columns,))
            specs[f"layer{layer}.{name}.bias"] = (f32, (columns,))
        for name in NORMS:
            specs[f"layer{layer}.{name}.gain"] = (f32, (HIDDEN,))
            specs[f"layer{layer}.{name}.bias"] = (f32, (HIDDEN,))
    return specs


def quantize_columns(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``matrix`` (inputs, outputs) as int8 values within WEIGHT_LIMIT and one float32 scale per
    output column: ``values * scale`` approximates it, to half a scale step."""
    scale = np.abs(matrix).max(axis=0).astype(np.float32) / np.float32(WEIGHT_LIMIT)
    scale[scale == 0] = 1.0  # an all-zero column: any scale gives zeros
    values = np.rint(matrix / scale)
    np.clip(values, -WEIGHT_LIMIT, WEIGHT_LIMIT, out=values)
    # C order whatever the input's: the session reads the array in place only if it is.
    return values.astype(np.int8, order="C"), scale


def graph_initializers(weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The graph's weights (:func:`initializer_specs`) from the model's float32 tensors."""
    out = {
        "embeddings.norm.gain": np.array(weights["embeddings.LayerNorm.weight"]),
        "embeddings.norm.bias": np.array(weights["embeddings.LayerNorm.bias"]),
    }
    # Scaling the query by 1/sqrt(head_dim) here spares scaling every attention score.
    scale = 1.0 / math.sqrt(HEAD_DIM)
    for layer in range(LAYERS):
        prefix = f"encoder.layer.{layer}."
        attention = prefix + "attention.self."
        floats = {
            "qkv": (
                np.concatenate(
                    [weights[attention + "query.weight"] * np.float32(scale),
                     weights[attention + "key.weight"], weights[attention + "value.weight"]]
                ).T,
                np.concatenate(
                    [weights[attention + "query.bias"] * np.float32(scale),
                     weights[attention + "key.bias"], weights[attention + "value.bias"]]
                ),
            ),
            **{
                name: (weights[f"{prefix}{_SOURCE[name]}.weight"].T,
                       np.array(weights[f"{prefix}{_SOURCE[name]}.bias"]))
                for name in MATRICES
                if name != "qkv"
            },
        }
        for name, (matrix, bias) in floats.items():
            values, column_scale = quantize_columns(matrix)
            out[f"layer{layer}.{name}.weight"] = values
            out[f"layer{layer}.{name}.scale"] = column_scale
            out[f"layer{layer}.{name}.bias"] = bias.astype(np.float32)
        for name in NORMS:
            out[f"layer{layer}.{name}.gain"] = np.array(weights[f"{prefix}{_SOURCE[name]}.weight"])
            out[f"layer{layer}.{name}.bias"] = np.array(weights[f"{prefix}{_SOURCE[name]}.bias"])
    return out


class SentenceEncoder:
    """Maps texts to unit-length 384-dimensional vectors; cosine similarity is their dot product."""

    dimensions = HIDDEN

    def __init__(self, files: ModelFiles | None = None, *, cache_dir: Path | None = None) -> None:
        """Cheap: the files are checked and the session made by :meth:`load`, or by the first
        :meth:`encode`, so a start whose embeddings are all cached need not wait.
        ``cache_dir`` (by default the user's cache directory) keeps the quantized weights."""
        self._given = files
        self._cache_dir = cache_dir if cache_dir is not None else default_cache_dir()
        # Names the exact weights (those load() accepts) and how they are run, so no cache holds
        # another graph's or quantization's vectors; safe in a file name (the embedding cache
        # uses it in one).
        sha256 = files.sha256 if files is not None else WEIGHTS_SHA256
        graph = hashlib.sha256(_graph()).hexdigest()
        self.model_id = f"all-MiniLM-L6-v2-q{_QUANTIZED_VERSION}-{graph[:8]}-{sha256[:12]}"
        self._loaded: ModelFiles | None = None
        self._loading = threading.Lock()

    @property
    def files(self) -> ModelFiles:
        return self.load()

    def load(self) -> ModelFiles:
        """Check the files and make the session, once; safe to call from any thread."""
        with self._loading:
            if self._loaded is None:
                files = model_files() if self._given is None else self._given
                # Cut at 256 tokens as sentence-transformers does (tokenizer.json says 128).
                self._tokenizer = WordPieceTokenizer.from_file(files.vocabulary, MAX_TOKENS)
                weights = load_weights(files.weights)
                try:
                    # The word embeddings stay a view of the memory-mapped file: only the rows of
                    # tokens actually seen are ever read, and processes share the pages.
                    self._word = weights["embeddings.word_embeddings.weight"]
                    self._position = np.ascontiguousarray(
                        weights["embeddings.position_embeddings.weight"][:MAX_TOKENS]
                        + weights["embeddings.token_type_embeddings.weight"][0]
                    )
                    initializers = _quantized(self._cache_dir, files.sha256, weights)
                except KeyError as error:
                    raise ModelFilesError(f"{files.weights} lacks the tensor {error}") from None
                self._session = _Session(initializers)
                self._loaded = files
            return self._loaded

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of `texts`, shape (len(texts), 384), float32, rows of unit length."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of texts, not one string")
        self.load()
        out = np.empty((len(texts), HIDDEN), dtype=np.float32)
        for row, text in enumerate(texts):
            ids = self._tokenizer.encode(text)
            embedded = self._word[ids]  # a fresh array: the file's view is never written
            embedded += self._position[: len(ids)]
            pooled = self._session.run(embedded[None])[0]
            out[row] = pooled / np.linalg.norm(pooled)
        return out


class _Session:
    """The ONNX Runtime session over minilm_layers.onnx, with the weights it is given."""

    def __init__(self, initializers: dict[str, np.ndarray]) -> None:
        try:
            # Imported here: processes that never encode (every embedding cached, BM25 only)
            # are spared its import.
            import onnxruntime
        except ImportError:
            raise ModelFilesError("onnxruntime (the sentence encoder's runtime) is not "
                                  "installed: " + REINSTALL) from None
        options = onnxruntime.SessionOptions()
        # One thread, as for BLAS (bot/__init__.py): a question's matrices are too small to
        # share, and on a busy two-core host a second thread only adds waiting.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        names = list(initializers)
        # The session reads these arrays in place, so they are kept as long as it is.
        self._values = [onnxruntime.OrtValue.ortvalue_from_numpy(initializers[n]) for n in names]
        options.add_external_initializers(names, self._values)
        self._session = onnxruntime.InferenceSession(
            _graph(), options, providers=["CPUExecutionProvider"]
        )

    def run(self, embedded: np.ndarray) -> Any:
        return self._session.run([GRAPH_OUTPUT], {GRAPH_INPUT: embedded})[0]


@functools.cache
def _graph() -> bytes:
    """The graph file, read once: the model id names its hash, and the session is made of it."""
    return GRAPH.read_bytes()


def _quantized_paths(cache_dir: Path, sha256: str) -> dict[np.dtype, Path]:
    """The cache's two files: every int8 weight end to end in one, every float32 one in the
    other, in :func:`initializer_specs`' order."""
    stem = f"minilm-q{_QUANTIZED_VERSION}-{sha256[:16]}"
    return {
        np.dtype(np.int8): cache_dir / f"{stem}-int8.npy",
        np.dtype(np.float32): cache_dir / f"{stem}-float32.npy",
    }


def _quantized(
    cache_dir: Path, sha256: str, weights: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """The graph's weights: views of the cache's memory-mapped files when they hold them whole
    (so a start reads nothing it does not use, 2 ms rather than 18 for reading an archive),
    else quantized from ``weights`` (reading all 90 MB of them) and kept for the next process."""
    specs = initializer_specs()
    paths = _quantized_paths(cache_dir, sha256)
    sizes = {dtype: 0 for dtype in paths}
    for dtype, shape in specs.values():
        sizes[dtype] += math.prod(shape)
    try:
        flat = {dtype: np.load(path, mmap_mode="r", allow_pickle=False)
                for dtype, path in paths.items()}
        if all(flat[d].dtype == d and flat[d].shape == (sizes[d],) for d in paths):
            return _cut(flat, specs)
    except (OSError, ValueError):
        pass  # none yet, cut short or of another layout: quantized again
    initializers = graph_initializers(weights)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for dtype, path in paths.items():
            joined = np.concatenate(
                [initializers[name].reshape(-1) for name, (d, _) in specs.items() if d == dtype]
            )
            replace_atomically(path, lambda f, a=joined: np.save(f, a, allow_pickle=False))
    except OSError:
        pass  # an unwritable cache costs the next load the quantizing, nothing else
    return initializers


def _cut(
    flat: dict[np.dtype, np.ndarray], specs: dict[str, tuple[np.dtype, tuple[int, ...]]]
) -> dict[str, np.ndarray]:
    """Each weight as a view of its dtype's flat array."""
    offsets = dict.fromkeys(flat, 0)
    out = {}
    for name, (dtype, shape) in specs.items():
        size = math.prod(shape)
        out[name] = flat[dtype][offsets[dtype] : offsets[dtype] + size].reshape(shape)
        offsets[dtype] += size
    return out
