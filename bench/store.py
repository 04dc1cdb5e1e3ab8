"""State store cost by number of users: `python -m bench.store`.

For each backend (SQLite in a temporary directory; PostgreSQL on a throwaway local server that
this script starts, as the tests do) the store is filled through its own API (``put``, in
batches) to 1k, 100k and 1M users, each with a chat, a saved profile and roadmap progress.
At each size it measures one update's store work as the bot does it (``turn``: read the
chat's and the user's rows, then commit the new chat state with the update id) for random
known users, and prints p50/p99, the database's size on disk and this process's RSS.

The claim under test: the cost of an update does not grow with the number of users.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bot.core.conversation import ChatState, Exchange, UserState
from bot.core.profile import Profile
from bot.storage import StateStore, make_store
from bot.storage.sqlite_store import DB_FILE_NAME

SIZES = (1_000, 100_000, 1_000_000)
BATCH = 20_000
SAMPLES = 2_000


def chat_state(user: int) -> ChatState:
    """A chat after a couple of questions: about the size of a real one."""
    history = tuple(
        Exchange(n, f"question {n} of user {user}", "skills", (f"p-{n}", f"p-{n + 1}"),
                 (f"p-{n}",))
        for n in (1, 2, 3)
    )
    return ChatState(history=history, next_id=4)


def user_state(user: int) -> UserState:
    return UserState(
        profile=Profile(region=("pakistan", "india", "us")[user % 3], level="entry"),
        progress=frozenset({f"stage-1-item-{k}" for k in range(user % 5)}),
    )


def rss_mb() -> float:
    """Resident memory of this process now, in MB (after the fill's batches are freed)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # peak, where no /proc


async def fill(store: StateStore, start: int, stop: int) -> None:
    for first in range(start, stop, BATCH):
        ids = range(first, min(stop, first + BATCH))
        await store.put({i: chat_state(i) for i in ids}, {i: user_state(i) for i in ids}, {})


async def measure(
    store: StateStore, known: int, next_update: int, rng: random.Random
) -> list[float]:
    """Seconds of store work for SAMPLES updates of random known users."""
    timings = []
    for n in range(SAMPLES):
        user = rng.randrange(1, known + 1)
        started = time.perf_counter()
        async with store.turn(next_update + n, user, user) as turn:
            turn.keep(ChatState(history=turn.chat.history, next_id=turn.chat.next_id + 1))
        timings.append(time.perf_counter() - started)
    return timings


async def run_backend(
    name: str, store: StateStore, size_of: Callable[[], int], sizes: tuple[int, ...], seed: int
) -> None:
    rng = random.Random(seed)
    await store.open()
    try:
        known = 0
        for size in sizes:
            fill_started = time.perf_counter()
            await fill(store, known + 1, size + 1)
            filled = time.perf_counter() - fill_started
            known = size
            timings = sorted(t * 1000 for t in await measure(store, known, 10**9 + size, rng))
            p50 = statistics.median(timings)
            p99 = timings[int(0.99 * len(timings))]
            print(
                f"{name:<10} {size:>9,} users  update p50 {p50:6.2f} ms  p99 {p99:6.2f} ms"
                f"  size {size_of() / 2**20:8.1f} MB  RSS {rss_mb():6.0f} MB"
                f"  (filled in {filled:5.1f} s)",
                flush=True,
            )
    finally:
        await store.close()


def sqlite_size(directory: Path) -> Callable[[], int]:
    def size() -> int:
        return sum(p.stat().st_size for p in directory.glob(f"{DB_FILE_NAME}*"))

    return size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.store", description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    sizes = tuple(sorted(args.sizes))
    print(f"{SAMPLES} updates of random known users at each size; RSS is this process's after"
          " them.")
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as scratch:
            directory = Path(scratch)
            asyncio.run(run_backend(
                "SQLite", make_store(directory), sqlite_size(directory), sizes, args.seed
            ))
    if args.backend in ("postgres", "both"):
        from standin.postgres_server import PostgresServer  # only when PostgreSQL is measured

        with PostgresServer() as server:
            url = server.create_database("bench_store")

            def size() -> int:
                import psycopg

                with psycopg.connect(url) as connection:
                    row = connection.execute("SELECT pg_database_size(current_database())")
                    return int(row.fetchone()[0])  # type: ignore[index]

            asyncio.run(run_backend(
                "PostgreSQL", make_store(Path(), url), size, sizes, args.seed
            ))
    return 0


if __name__ == "__main__":
    sys.exit(main())
