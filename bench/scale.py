"""The index at scale, side by side with bm25s: `python -m bench.scale [--sizes ...]`.

For each size of the synthetic corpus (bench.corpus: its vocabulary grows with its size)
and each system, a fresh process generates the corpus, builds the index and times queries,
so every process's memory is its own. Systems:

- engine: `SearchEngine(knowledge, passages, semantic=False)`, what the bot runs, asked with
  `engine.search(question)`. It does more per question than a BM25 top-k: it corrects and
  expands the question, decides its scope, scores word pairs as well as words over three
  indexes (passages, their lines, their asked questions), takes the best line of the 200
  passages that match best without it, weighs regions and definitions, lifts passages whose
  heading names the subject, drops near-duplicates and mixes articles. Its indexes hold
  word pairs as two word numbers, not strings, and each keeps its most common terms' scores
  between questions (up to 32 MiB an index; the passage index's are made when the engine
  starts, so they are in "index RSS", the others' by the questions, in "peak");
- core: the project's BM25Index alone: `tokenize` each passage's text, build, and per
  question `tokenize` plus `BM25Index.top(..., 10)`;
- bm25s: `bm25s.tokenize(texts, stopwords="en", stemmer=Stemmer("english"))`,
  `BM25().index(...)`, and per question the same tokenize plus `retrieve(..., k=10)`.

Build time includes tokenizing. "index RSS" is the resident memory after the build (after
a garbage collection) less that before it, with the corpus already in memory; "peak" is
the process's maximum resident set (ru_maxrss), corpus generation included. Query times
are p50 and p99 over the questions (after a few unmeasured ones). With `--rounds N` every
system runs N times, round after round, and the table gives each measure's median and the
median (and range) of each round's ratio to bm25s: on a shared machine one run of each,
minutes apart, can differ by a third. bm25s is a benchmark-only dependency:
`pip install -e '.[bench]'`.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SYSTEMS = ("engine", "core", "bm25s")
SIZES = (1_000, 10_000, 100_000)
WARMUP = 10
_PAGE = os.sysconf("SC_PAGE_SIZE")
_MEASURES = ("build_s", "index_rss", "peak_rss", "p50_ms", "p99_ms", "answered")


def current_rss() -> int:
    """Resident bytes now, after a garbage collection."""
    gc.collect()
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE


def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _engine(passages):
    from knowledge import load_knowledge
    from retrieval.search import SearchEngine

    # The asked files quote the real passages, not these: each synthetic passage gets an
    # empty ask list, which the search still scores.
    knowledge = dataclasses.replace(load_knowledge(), asked=())
    start = time.perf_counter()
    engine = SearchEngine(knowledge, passages=passages, semantic=False)
    build = time.perf_counter() - start

    def ask(question: str) -> int:
        return len(engine.search(question).hits)

    return engine, build, ask


def _core(passages):
    from retrieval.index import BM25Index
    from retrieval.tokenize import tokenize

    start = time.perf_counter()
    index = BM25Index([tokenize(p.text) or ["\0"] for p in passages])
    build = time.perf_counter() - start

    def ask(question: str) -> int:
        return len(index.top(dict.fromkeys(tokenize(question), 1.0), 10))

    return index, build, ask


def _bm25s(passages):
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    start = time.perf_counter()
    tokens = bm25s.tokenize(
        [p.text for p in passages], stopwords="en", stemmer=stemmer, show_progress=False
    )
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    build = time.perf_counter() - start
    del tokens

    def ask(question: str) -> int:
        query = bm25s.tokenize(
            [question], stopwords="en", stemmer=stemmer, return_ids=False, show_progress=False
        )
        try:
            documents, _ = retriever.retrieve(query, k=10, show_progress=False)
        except ValueError:  # no word of the question is in the index
            return 0
        return documents.shape[1]

    return retriever, build, ask


_BUILDERS = {"engine": _engine, "core": _core, "bm25s": _bm25s}


def worker(system: str, size: int, seed: int) -> dict:
    """Measure one system on one corpus size, in this process."""
    from bench.corpus import synthetic_corpus

    start = time.perf_counter()
    corpus = synthetic_corpus(size, seed)
    generated = time.perf_counter() - start
    passages, questions = corpus.passages, corpus.queries
    before = current_rss()
    index, build, ask = _BUILDERS[system](passages)
    after = current_rss()
    for question in questions[:WARMUP]:
        ask(question)
    timings, answered = [], 0
    for question in questions:
        start = time.perf_counter()
        answered += ask(question) > 0
        timings.append(time.perf_counter() - start)
    del index
    return {
        "system": system, "size": size, "tokens": corpus.tokens, "words": corpus.words,
        "generate_s": generated, "build_s": build, "index_rss": after - before,
        "peak_rss": peak_rss(), "p50_ms": percentile(timings, 0.5) * 1000,
        "p99_ms": percentile(timings, 0.99) * 1000, "answered": answered / len(questions),
    }


def run(system: str, size: int, seed: int) -> dict:
    """One measurement in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.scale", "--worker", system, "--sizes", str(size),
         "--seed", str(seed)],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _mib(value: float) -> str:
    return f"{value / 2**20:8.1f} MiB"


def _ratio(pairs: list[tuple[dict, dict]], key: str) -> str:
    """The median of each round's ratio of a measure to bm25s's (``pairs``: a system's result
    and bm25s's, round by round), with the range when there were several rounds."""
    values = [result[key] / max(base[key], 1e-9) for result, base in pairs]
    text = f"{statistics.median(values):5.1f}x"
    if len(values) > 1:
        text += f" ({min(values):.1f}-{max(values):.1f})"
    return text


def table(results: list[dict]) -> str:
    """Each system's medians over the rounds, and the median of each round's ratio to bm25s
    (a round runs every system once, one after another: the machine's load drifts less
    within a round than across the whole run)."""
    lines = [
        f"{'size':>7} {'system':<7} {'build':>8} {'index RSS':>12} {'peak RSS':>12} "
        f"{'p50':>9} {'p99':>9}  answered",
    ]
    by_key: dict[tuple[int, str], list[dict]] = {}
    for r in results:
        by_key.setdefault((r["size"], r["system"]), []).append(r)
    for size in sorted({r["size"] for r in results}):
        first = next(r for r in results if r["size"] == size)
        rounds = max(len(runs) for (s, _), runs in by_key.items() if s == size)
        lines.append(f"-- {size:,} passages, {first['tokens']:,} words, "
                     f"{first['words']:,} distinct (generated in {first['generate_s']:.1f} s)"
                     + (f"; medians of {rounds} rounds" if rounds > 1 else ""))
        for system in SYSTEMS:
            runs = by_key.get((size, system))
            if not runs:
                continue
            m = {key: statistics.median([r[key] for r in runs]) for key in _MEASURES}
            lines.append(
                f"{size:>7} {system:<7} {m['build_s']:7.2f}s {_mib(m['index_rss'])} "
                f"{_mib(m['peak_rss'])} {m['p50_ms']:7.2f}ms {m['p99_ms']:7.2f}ms  "
                f"{m['answered']:.0%}"
            )
        bases = by_key.get((size, "bm25s"))
        for system in ("engine", "core"):
            runs = by_key.get((size, system))
            if not runs or not bases:
                continue
            pairs = list(zip(runs, bases, strict=False))
            lines.append(
                f"{size:>7} {system + '/bm25s':<13} build {_ratio(pairs, 'build_s')}"
                f"  index RSS {_ratio(pairs, 'index_rss')}  peak RSS {_ratio(pairs, 'peak_rss')}"
                f"  p50 {_ratio(pairs, 'p50_ms')}  p99 {_ratio(pairs, 'p99_ms')}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--systems", nargs="+", choices=SYSTEMS, default=list(SYSTEMS))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--rounds", type=int, default=1,
        help="run every system this many times, round after round; the table gives medians",
    )
    parser.add_argument("--worker", choices=SYSTEMS, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print each result as JSON too")
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.sizes[0], args.seed)))
        return 0
    results = []
    for size in args.sizes:
        for _ in range(args.rounds):
            for system in reversed(args.systems):  # bm25s first: the reference
                result = run(system, size, args.seed)
                if args.json:
                    print(json.dumps(result), flush=True)
                results.append(result)
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
