"""Start to answer of `career-advisor ask`: `python -m bench.startup`.

Every figure is the median of several fresh processes, measured in the same run as two
baselines: the bare interpreter, and a minimal BM25 command over the same five articles
(`bench/minimal_bm25.py`: rank-bm25 over paragraphs split on blank lines, no cleaning, no
model). The ask process is timed warm (the index and the passage embeddings cached), with
only the index rebuilt (as every start did before the index was cached), and cold (an empty
cache, as on a new machine: the index built, the model's weights hashed and quantized, the
passages' embeddings read from those shipped in knowledge/embeddings). A breakdown of the
warm process by phase comes from timestamps taken inside it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "what certifications should I get"

# Runs in a fresh process: the phases of one `ask`, as `bot.cli.run_ask` goes through them.
_PHASES = """
import io, json, sys, time
marks = [("start", time.perf_counter())]
import bot.cli
from bot.core.dialogue import Dialogue
from bot.terminal.render import html_to_terminal
marks.append(("imports", time.perf_counter()))
dialogue = Dialogue()
marks.append(("knowledge loaded (validated when changed)", time.perf_counter()))
engine = dialogue.advisor.engine
marks.append(("engine (index and embeddings)", time.perf_counter()))
dialogue.reader
marks.append(("message reader", time.perf_counter()))
turn = dialogue.search_answer(sys.argv[1])
html_to_terminal(turn.reply.html, color=False)
marks.append(("answer (encoder load, encode, search, reply)", time.perf_counter()))
print(json.dumps([[name, b - a] for (_, a), (name, b) in zip(marks, marks[1:])]))
"""


def _median_ms(run: Callable[[], float], runs: int) -> float:
    return statistics.median(run() for _ in range(runs)) * 1000


def _timed(command: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def _env(cache_home: Path) -> dict[str, str]:
    return {**os.environ, "XDG_CACHE_HOME": str(cache_home)}


def _ask(cache_home: Path) -> float:
    return _timed([sys.executable, "-m", "bot", "ask", QUESTION], _env(cache_home))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="processes per figure")
    args = parser.parse_args(argv)
    runs = args.runs
    with tempfile.TemporaryDirectory() as scratch:
        warm_home = Path(scratch) / "warm"
        _ask(warm_home)  # fills the cache
        interpreter = _median_ms(lambda: _timed([sys.executable, "-c", "pass"]), runs)
        baseline = _median_ms(
            lambda: _timed([sys.executable, str(ROOT / "bench" / "minimal_bm25.py"), QUESTION]),
            runs,
        )
        warm = _median_ms(lambda: _ask(warm_home), runs)

        def index_rebuilt() -> float:
            for path in (warm_home / "career-advisor").glob("engine-*"):
                path.unlink()
            return _ask(warm_home)

        rebuilt = _median_ms(index_rebuilt, runs)
        _ask(warm_home)  # cached again

        def cold() -> float:
            home = Path(scratch) / "cold"
            shutil.rmtree(home, ignore_errors=True)
            return _ask(home)

        cold_runs = max(3, runs // 2)
        cold_ms = _median_ms(cold, cold_runs)
        phases: dict[str, list[float]] = {}
        for _ in range(runs):
            result = subprocess.run(
                [sys.executable, "-c", _PHASES, QUESTION], cwd=ROOT, check=True,
                capture_output=True, text=True, env=_env(warm_home),
            )
            for name, seconds in json.loads(result.stdout):
                phases.setdefault(name, []).append(seconds * 1000)
    print(f"`career-advisor ask` start to answer (median of {runs} processes, same run):")
    print(f"  python -c pass (the interpreter)       {interpreter:7.0f} ms")
    print(f"  minimal BM25 command (baseline)        {baseline:7.0f} ms")
    print(f"  ask, warm (index and embeddings cached){warm:7.0f} ms  "
          f"{warm / baseline:.2f}x the baseline")
    print(f"  ask, index rebuilt (embeddings cached) {rebuilt:7.0f} ms  "
          f"{rebuilt / baseline:.2f}x")
    print(f"  ask, cold (empty cache)                {cold_ms:7.0f} ms  "
          f"(median of {cold_runs})")
    print("  warm ask by phase (medians, the interpreter's own start not included):")
    for name, values in phases.items():
        print(f"    {name:<46} {statistics.median(values):6.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
