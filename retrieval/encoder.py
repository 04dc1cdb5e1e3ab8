"""Sentence embeddings from all-MiniLM-L6-v2, computed with numpy instead of PyTorch.

The forward pass is BERT's, as sentence-transformers runs it for this model: word, position and
token-type embeddings, LayerNorm, six encoder layers (12-head self-attention, then a 1536-wide
feed-forward with erf GELU, each followed by a residual add and LayerNorm), mean pooling over
the real tokens and L2 normalisation. numpy has no erf: _gelu approximates it to within 1.5e-7.
tests/test_encoder.py holds the result to reference vectors from sentence-transformers itself
(scripts/reference_embeddings.py).

Weights are rearranged once (transposed for `x @ W`, Q/K/V fused into one matrix with the
attention scale folded into Q), so encoding does no per-call work on them. The rearranged
matrices (42 MB) are kept in the cache directory under the weights' verified SHA-256 and
memory-mapped from there by the next process, which so loads in milliseconds rather than
copying them again.
Everything stays float32: numpy promotes to float64 as soon as a float64 array or numpy scalar
takes part, which slows every step, so constants are Python floats or float32 arrays.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from knowledge.cache_files import default_cache_dir, replace_atomically
from retrieval.model_files import (
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
PAD_ID = 0
BATCH_SIZE = 32

# Abramowitz & Stegun 7.1.26: erf(z) = 1 - (a1 t + ... + a5 t^5) exp(-z^2), t = 1 / (1 + p z),
# for z >= 0, with |error| <= 1.5e-7. numpy has no erf; GELU's tanh approximation, which BERT
# was not trained with, is off by up to 4.7e-4.
_P = 0.3275911
_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)
_GELU_CHUNK = 1 << 16  # elements: the chunk and three temporaries, 1 MiB, stay in cache


@dataclass(frozen=True, eq=False)
class _Layer:
    """One encoder layer's weights, laid out for `x @ w + b` on rows of tokens."""

    qkv_w: np.ndarray  # (384, 1152): query (pre-scaled), key, value side by side
    qkv_b: np.ndarray
    attn_out_w: np.ndarray  # (384, 384)
    attn_out_b: np.ndarray
    attn_norm_g: np.ndarray
    attn_norm_b: np.ndarray
    ffn_in_w: np.ndarray  # (384, 1536)
    ffn_in_b: np.ndarray
    ffn_out_w: np.ndarray  # (1536, 384)
    ffn_out_b: np.ndarray
    ffn_norm_g: np.ndarray
    ffn_norm_b: np.ndarray


class SentenceEncoder:
    """Maps texts to unit-length 384-dimensional vectors; cosine similarity is their dot product."""

    dimensions = HIDDEN

    def __init__(
        self,
        files: ModelFiles | None = None,
        *,
        batch_size: int = BATCH_SIZE,
        cache_dir: Path | None = None,
    ) -> None:
        """Cheap: the files are checked and the weights loaded by :meth:`load`, or by the
        first :meth:`encode`, so a start whose embeddings are all cached need not wait.
        ``cache_dir`` (by default the user's cache directory) keeps the rearranged weights."""
        self._given = files
        self._cache_dir = cache_dir if cache_dir is not None else default_cache_dir()
        # Names the exact weights (those load() accepts), and is safe in a file name (the
        # embedding cache uses it in one).
        sha256 = files.sha256 if files is not None else WEIGHTS_SHA256
        self.model_id = f"all-MiniLM-L6-v2-{sha256[:12]}"
        self._batch_size = batch_size
        self._loaded: ModelFiles | None = None
        self._loading = threading.Lock()

    @property
    def files(self) -> ModelFiles:
        return self.load()

    def load(self) -> ModelFiles:
        """Check the files and load the weights, once; safe to call from any thread."""
        with self._loading:
            if self._loaded is None:
                files = model_files() if self._given is None else self._given
                # Cut at 256 tokens as sentence-transformers does (tokenizer.json says 128);
                # encode() pads each batch itself.
                self._tokenizer = WordPieceTokenizer.from_file(files.vocabulary, MAX_TOKENS)
                weights = load_weights(files.weights)
                try:
                    self._arrange(weights, files.sha256)
                except KeyError as error:
                    raise ModelFilesError(f"{files.weights} lacks the tensor {error}") from None
                self._loaded = files
            return self._loaded

    def _arrange(self, w: dict[str, np.ndarray], sha256: str) -> None:
        # The word embeddings stay a view of the memory-mapped file: only the rows of tokens
        # actually seen are ever read, and processes share the pages. (A reinstall replaces the
        # file rather than rewriting it, so the mapped weights stay the verified ones.)
        self._word = w["embeddings.word_embeddings.weight"]
        # Every text is one segment (token type 0), so its embedding joins the positions'.
        self._position = np.ascontiguousarray(
            w["embeddings.position_embeddings.weight"][:MAX_TOKENS]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        self._embed_norm = (
            np.array(w["embeddings.LayerNorm.weight"]),
            np.array(w["embeddings.LayerNorm.bias"]),
        )
        cached = _arranged_matrices(self._cache_dir, sha256)
        self._layers = tuple(
            _arrange_layer(w, f"encoder.layer.{i}.", None if cached is None else cached[i])
            for i in range(LAYERS)
        )
        if cached is None:
            _keep_arranged(self._cache_dir, sha256, self._layers)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of `texts`, shape (len(texts), 384), float32, rows of unit length.

        Texts are grouped by token count into batches so padding stays small; the rows come back
        in the order of `texts`. Padding never changes a text's vector.
        """
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of texts, not one string")
        self.load()
        out = np.empty((len(texts), HIDDEN), dtype=np.float32)
        if not texts:
            return out
        ids = [self._tokenizer.encode(text) for text in texts]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), self._batch_size):
            chosen = order[start : start + self._batch_size]
            out[chosen] = self._encode_batch([ids[i] for i in chosen])
        return out

    def _encode_batch(self, batch: list[list[int]]) -> np.ndarray:
        width = max(len(ids) for ids in batch)
        tokens = np.full((len(batch), width), PAD_ID, dtype=np.intp)
        mask = np.zeros((len(batch), width), dtype=bool)
        for row, ids in enumerate(batch):
            tokens[row, : len(ids)] = ids
            mask[row, : len(ids)] = True
        if mask.all():  # one text, or texts of one length: nothing to mask
            pooled = self._forward(tokens, None).mean(axis=1)
        else:
            # Mean over each text's own tokens: padded positions weigh nothing.
            weights = mask.astype(np.float32)
            hidden = self._forward(tokens, mask)
            pooled = np.einsum("bnh,bn->bh", hidden, weights) / weights.sum(1, keepdims=True)
        pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled

    def _forward(self, tokens: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
        """Last hidden states, (batch, width, 384), for token ids padded to one width."""
        batch, width = tokens.shape
        rows = batch * width
        x = self._word[tokens]  # a fresh array: the file's view is never written
        x += self._position[:width]
        x = x.reshape(rows, HIDDEN)
        _layer_norm(x, *self._embed_norm)
        # Padded keys get -inf, so softmax gives them exactly zero weight.
        key_bias = None
        if mask is not None:
            key_bias = np.where(mask, np.float32(0), np.float32(-np.inf))[:, None, None, :]
        for layer in self._layers:
            qkv = x @ layer.qkv_w
            qkv += layer.qkv_b
            # (3, batch, heads, width, head_dim) views of the one product: no copies.
            q, k, v = qkv.reshape(batch, width, 3, HEADS, HEAD_DIM).transpose(2, 0, 3, 1, 4)
            scores = q @ k.swapaxes(-1, -2)
            if key_bias is not None:
                scores += key_bias
            _softmax(scores)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(rows, HIDDEN)
            attended = context @ layer.attn_out_w
            attended += layer.attn_out_b
            attended += x
            x = _layer_norm(attended, layer.attn_norm_g, layer.attn_norm_b)
            inner = x @ layer.ffn_in_w
            inner += layer.ffn_in_b
            _gelu(inner)
            out = inner @ layer.ffn_out_w
            out += layer.ffn_out_b
            out += x
            x = _layer_norm(out, layer.ffn_norm_g, layer.ffn_norm_b)
        return x.reshape(batch, width, HIDDEN)


def _arrange_layer(
    w: dict[str, np.ndarray], prefix: str, matrices: dict[str, np.ndarray] | None = None
) -> _Layer:
    """One layer's weights laid out for encoding; ``matrices`` are its four big matrices
    already laid out (read back from the cache of :func:`_arranged_matrices`)."""
    def transposed(name: str) -> np.ndarray:
        if matrices is not None:
            return matrices[name]
        # A contiguous copy: multiplying by a transposed view of the file is 15% slower.
        return np.ascontiguousarray(w[prefix + name].T)

    def vector(name: str) -> np.ndarray:
        return np.array(w[prefix + name])

    # Scaling the query by 1/sqrt(head_dim) here spares scaling every attention score.
    scale = np.float32(1.0 / math.sqrt(HEAD_DIM))
    attn = prefix + "attention.self."
    if matrices is not None:
        qkv_w = matrices["qkv"]
    else:
        qkv_w = np.ascontiguousarray(
            np.concatenate(
                [w[attn + "query.weight"] * scale, w[attn + "key.weight"],
                 w[attn + "value.weight"]]
            ).T
        )
    qkv_b = np.concatenate(
        [w[attn + "query.bias"] * scale, w[attn + "key.bias"], w[attn + "value.bias"]]
    )
    return _Layer(
        qkv_w=qkv_w,
        qkv_b=qkv_b,
        attn_out_w=transposed("attention.output.dense.weight"),
        attn_out_b=vector("attention.output.dense.bias"),
        attn_norm_g=vector("attention.output.LayerNorm.weight"),
        attn_norm_b=vector("attention.output.LayerNorm.bias"),
        ffn_in_w=transposed("intermediate.dense.weight"),
        ffn_in_b=vector("intermediate.dense.bias"),
        ffn_out_w=transposed("output.dense.weight"),
        ffn_out_b=vector("output.dense.bias"),
        ffn_norm_g=vector("output.LayerNorm.weight"),
        ffn_norm_b=vector("output.LayerNorm.bias"),
    )


# The four big matrices of a layer, in the order they lie in the cached file, and their shapes.
_MATRICES = (
    ("qkv", (HIDDEN, 3 * HIDDEN)),
    ("attention.output.dense.weight", (HIDDEN, HIDDEN)),
    ("intermediate.dense.weight", (HIDDEN, 4 * HIDDEN)),
    ("output.dense.weight", (4 * HIDDEN, HIDDEN)),
)
_LAYER_SIZE = sum(rows * columns for _, (rows, columns) in _MATRICES)
_ARRANGED_VERSION = 1  # of the layout; a new one is a new file name


def _arranged_path(cache_dir: Path, sha256: str) -> Path:
    return cache_dir / f"minilm-arranged-v{_ARRANGED_VERSION}-{sha256[:16]}.npy"


def _arranged_matrices(cache_dir: Path, sha256: str) -> list[dict[str, np.ndarray]] | None:
    """Each layer's big matrices as views of the cached file, or None when there is none
    that fits (missing, cut short, another layout): then they are arranged again."""
    try:
        flat = np.load(_arranged_path(cache_dir, sha256), mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError):
        return None
    if flat.dtype != np.float32 or flat.shape != (LAYERS * _LAYER_SIZE,):
        return None
    layers, offset = [], 0
    for _ in range(LAYERS):
        matrices = {}
        for name, (rows, columns) in _MATRICES:
            matrices[name] = flat[offset : offset + rows * columns].reshape(rows, columns)
            offset += rows * columns
        layers.append(matrices)
    return layers


def _keep_arranged(cache_dir: Path, sha256: str, layers: Sequence[_Layer]) -> None:
    flat = np.concatenate(
        [
            matrix.reshape(-1)
            for layer in layers
            for matrix in (layer.qkv_w, layer.attn_out_w, layer.ffn_in_w, layer.ffn_out_w)
        ]
    )
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        replace_atomically(
            _arranged_path(cache_dir, sha256), lambda f: np.save(f, flat, allow_pickle=False)
        )
    except OSError:
        pass  # an unwritable cache costs the next load the rearranging, nothing else


def _layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """LayerNorm over the last axis, in place (x is a fresh intermediate every time)."""
    x -= x.mean(axis=-1, keepdims=True)
    variance = np.einsum("ij,ij->i", x, x)[:, None]
    variance *= 1.0 / HIDDEN
    variance += LAYER_NORM_EPS
    x *= 1.0 / np.sqrt(variance)
    x *= gain
    x += bias
    return x


def _softmax(scores: np.ndarray) -> None:
    """Softmax over the last axis, in place."""
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=-1, keepdims=True)


def _gelu(x: np.ndarray) -> None:
    """GELU, x * Phi(x), in place, with erf from A&S 7.1.26 (see _A).

    With q = erfc(|x| / sqrt(2)) / 2 = (a1 t + ... + a5 t^5) exp(-x^2 / 2) / 2, Phi(x) is 1 - q
    for x >= 0 and q for x < 0, so GELU(x) = max(x, 0) - |x| q. It takes about twenty passes
    over the data, so it goes a cache-sized chunk at a time: over a whole batch's activations
    at once it was a quarter of the encoding time, three times what it is in chunks.
    """
    flat = x.reshape(-1)  # a view: x is a fresh contiguous product
    size = min(flat.size, _GELU_CHUNK)
    magnitude, t, poly = (np.empty(size, dtype=np.float32) for _ in range(3))
    for start in range(0, flat.size, size):
        chunk = flat[start : start + size]
        m, tt, pp = magnitude[: chunk.size], t[: chunk.size], poly[: chunk.size]
        np.abs(chunk, out=m)
        np.multiply(m, _P / math.sqrt(2.0), out=tt)
        tt += 1.0
        np.reciprocal(tt, out=tt)
        np.multiply(tt, 0.5 * _A[4], out=pp)
        for a in (_A[3], _A[2], _A[1], _A[0]):
            pp += 0.5 * a
            pp *= tt
        np.square(chunk, out=tt)  # t is done with: it now holds exp(-x^2 / 2)
        tt *= -0.5
        np.exp(tt, out=tt)
        pp *= tt
        pp *= m
        np.maximum(chunk, 0.0, out=chunk)
        chunk -= pp
