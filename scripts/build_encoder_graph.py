"""Write retrieval/minilm_layers.onnx: the structure of all-MiniLM-L6-v2's encoder as an ONNX graph.

retrieval/encoder.py runs it with ONNX Runtime. The file holds no weight: every weight is declared
as an external initializer by the names of retrieval.encoder.initializer_specs(), and the encoder
supplies them at load, quantized from the verified model.safetensors. So the file need only change
when the computation does (then bump encoder._QUANTIZED_VERSION, which renames the embedding
caches). tests/test_encoder.py holds what the bot loads to sentence-transformers' vectors.

A maintainer's script: it needs the `onnx` package, which neither the bot nor its tests install.

    python3 -m venv /tmp/onnxvenv
    /tmp/onnxvenv/bin/pip install onnx numpy pydantic pyyaml
    /tmp/onnxvenv/bin/python scripts/build_encoder_graph.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.encoder import (  # noqa: E402  (after the path is set)
    GRAPH,
    GRAPH_INPUT,
    GRAPH_OUTPUT,
    HEAD_DIM,
    HEADS,
    HIDDEN,
    LAYER_NORM_EPS,
    LAYERS,
    initializer_specs,
)

OPSET = 17  # LayerNormalization is standard from 17
MICROSOFT = "com.microsoft"  # ONNX Runtime's own operators: DynamicQuantizeMatMul, Gelu


def external(name: str, dtype: np.dtype, shape: tuple[int, ...]) -> TensorProto:
    """A declared weight with no data: the session is given it (add_external_initializers)."""
    tensor = TensorProto(name=name, dims=shape)
    tensor.data_type = helper.np_dtype_to_tensor_dtype(dtype)
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", "supplied-at-load"), ("offset", "0"), ("length", "0")):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    return tensor


def build() -> onnx.ModelProto:
    nodes: list[onnx.NodeProto] = []
    constants = [
        numpy_helper.from_array(np.array([0, 0, 3, HEADS, HEAD_DIM], np.int64), "qkv_shape"),
        numpy_helper.from_array(np.array([0, 0, HIDDEN], np.int64), "hidden_shape"),
        numpy_helper.from_array(np.array([1, 1, 1], np.int64), "thirds"),
        numpy_helper.from_array(np.array([0], np.int64), "first_axis"),
    ]

    def node(op: str, inputs: list[str], output: str, **attributes: object) -> str:
        domain = MICROSOFT if op in ("DynamicQuantizeMatMul", "Gelu") else ""
        nodes.append(helper.make_node(op, inputs, [output], domain=domain, **attributes))
        return output

    def dense(x: str, layer: int, name: str) -> str:
        # uint8 activations (quantized per call) times the int8 weights, plus the bias; "" is
        # the zero point the weights do not need (they are symmetric).
        weights = f"layer{layer}.{name}"
        return node(
            "DynamicQuantizeMatMul",
            [x, f"{weights}.weight", f"{weights}.scale", "", f"{weights}.bias"],
            f"l{layer}.{name}",
        )

    def norm(x: str, prefix: str, output: str) -> str:
        return node("LayerNormalization", [x, f"{prefix}.gain", f"{prefix}.bias"], output,
                    axis=-1, epsilon=LAYER_NORM_EPS)

    x = norm(GRAPH_INPUT, "embeddings.norm", "x0")
    for layer in range(LAYERS):
        n = f"l{layer}."
        qkv = node("Reshape", [dense(x, layer, "qkv"), "qkv_shape"], n + "qkv_heads")
        # (3, batch, heads, tokens, head_dim), split into query, key and value.
        qkv = node("Transpose", [qkv], n + "qkv_split", perm=[2, 0, 3, 1, 4])
        nodes.append(helper.make_node("Split", [qkv, "thirds"], [n + "q3", n + "k3", n + "v3"],
                                      axis=0))
        q, k, v = (node("Squeeze", [n + part + "3", "first_axis"], n + part) for part in "qkv")
        keys = node("Transpose", [k], n + "k_t", perm=[0, 1, 3, 2])
        scores = node("Softmax", [node("MatMul", [q, keys], n + "scores")], n + "weights",
                      axis=-1)
        context = node("Transpose", [node("MatMul", [scores, v], n + "context_heads")],
                       n + "context_tokens", perm=[0, 2, 1, 3])
        context = node("Reshape", [context, "hidden_shape"], n + "context")
        attended = node("Add", [dense(context, layer, "attention_out"), x], n + "attended")
        x = norm(attended, f"layer{layer}.attention_norm", n + "x1")
        inner = node("Gelu", [dense(x, layer, "ffn_in")], n + "gelu")
        out = node("Add", [dense(inner, layer, "ffn_out"), x], n + "ffn")
        x = norm(out, f"layer{layer}.ffn_norm", n + "x2")
    node("ReduceMean", [x], GRAPH_OUTPUT, axes=[1], keepdims=0)

    weights = [external(name, dtype, shape) for name, (dtype, shape) in
               initializer_specs().items()]
    graph = helper.make_graph(
        nodes,
        "all-MiniLM-L6-v2 encoder, int8 weights supplied at load",
        [helper.make_tensor_value_info(GRAPH_INPUT, TensorProto.FLOAT, [1, "tokens", HIDDEN])],
        [helper.make_tensor_value_info(GRAPH_OUTPUT, TensorProto.FLOAT, [1, HIDDEN])],
        constants + weights,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid(MICROSOFT, 1)],
        producer_name="scripts/build_encoder_graph.py",
    )
    model.ir_version = 8  # read by every ONNX Runtime since 1.10
    return model


def main() -> int:
    GRAPH.write_bytes(build().SerializeToString())
    print(f"{GRAPH.relative_to(ROOT)}: {GRAPH.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
