"""Load: `python -m bench.load` runs the real bot process against the Bot API stand-in.

Simulated users in private chats send a mix of questions, follow-ups, commands and button
presses. Every reply the bot should send is computed beforehand with the same dialogue, so
the run counts exactly what was lost, duplicated or different. Two phases:

- throughput: every user sends its next update as soon as the previous one is answered
  (a closed loop, all users at once); prints updates/s handled.
- latency: updates offered at a fixed rate (default 100/s); prints p50/p99 from the update
  being queued at the stand-in to the reply reaching it.

The bot runs with CAREER_ADVISOR_RATE_LIMIT=off: Telegram's own limits (~30 messages/s in
all, 1/s per chat, enforced by AIORateLimiter in production) would otherwise be what is
measured. `--thread both` compares answering on the event loop with `asyncio.to_thread`.
`--phase bursts` measures the other users' latency while users flood the bot.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.store import fill
from bot.core.conversation import ChatState, UserState
from bot.core.dialogue import Dialogue, Incoming, Press, Text, parse_typed
from bot.storage import StateStore, make_store
from standin.bot_process import BotProcess
from standin.botapi import BotApiStandIn
from standin.replies import expected_texts, is_reply, latest_with_button

QUESTIONS = (
    "what skills does an ML engineer need?",
    "which certifications should I get?",
    "do I need a masters degree?",
    "how much do ML engineers earn in India?",
    "ML engineer vs data scientist?",
    "how do I get experience without a job?",
    "what does an ML engineer do all day?",
    "salary in pakistan for a junior",
    "roadmap for a beginner",
    "is python enough?",
    "what is the pizza of the day?",
)
FOLLOW_UPS = ("tell me more", "why?", "and in the US?", "what about senior level?")
COMMANDS = ("/start", "/help", "/salary india", "/roadmap", "/profile", "/sources", "/nonsense")


@dataclass
class Step:
    """One update a user sends and the replies it must get (texts, in order)."""

    event: Incoming
    raw: str  # the text typed, or the callback data
    expected: list[str]
    sent_at: float = 0.0
    done_at: float = 0.0


@dataclass
class User:
    chat_id: int
    steps: list[Step]
    next_step: int = 0
    done_steps: int = 0
    replies_seen: list[tuple[float, str]] = field(default_factory=list)
    expected_before: list[int] = field(default_factory=list)  # replies due once step k is done


def script_user(dialogue: Dialogue, chat_id: int, length: int, rng: random.Random) -> User:
    """A user's updates, with the replies the bot must give, from the same dialogue."""
    state, user_state = ChatState(), UserState()
    steps: list[Step] = []
    buttons: list[str] = []
    for _ in range(length):
        roll = rng.random()
        if roll < 0.2 and buttons:
            raw = rng.choice(buttons)
            event: Incoming = Press(raw)
        elif roll < 0.4 and steps:
            raw = rng.choice(FOLLOW_UPS)
            event = Text(raw)
        elif roll < 0.6:
            raw = rng.choice(COMMANDS)
            event = parse_typed(raw)
        else:
            raw = rng.choice(QUESTIONS)
            event = Text(raw)
        turn = dialogue.respond(state, event, user_state)
        state, user_state = turn.state, turn.user or user_state
        reply = turn.reply
        steps.append(Step(event, raw, expected_texts(event, reply)))
        buttons = [button.data for button in reply.button_list]
    user = User(chat_id, steps)
    total = 0
    for step in steps:
        total += len(step.expected)
        user.expected_before.append(total)
    return user


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class Result:
    label: str
    updates: int
    elapsed: float
    latencies: list[float]
    lost: int
    duplicates: int
    different: int
    errors: int
    bot_cpu: float  # seconds of CPU the bot process used during the run
    standin_cpu: float  # seconds of CPU this process (stand-in and driver) used
    start_to_polling: float = 0.0  # seconds from starting the process to its first poll
    bot_rss_mb: float = 0.0  # the bot process's resident memory at the end of the run

    def line(self) -> str:
        ms = self.latencies_ms()
        return (
            f"{self.label:<34} {self.updates / self.elapsed:8.1f} updates/s"
            f"  p50 {statistics.median(ms):7.1f} ms  p99 {percentile(ms, 0.99):7.1f} ms"
            f"  errors {self.errors}  {self._delivery()}"
        )

    def tail_line(self) -> str:
        """The other users' latency percentiles (bursts phase)."""
        ms = self.latencies_ms()
        return (
            f"{self.label:<34} p50 {statistics.median(ms):7.1f} ms"
            f"  p95 {percentile(ms, 0.95):7.1f} ms  p99 {percentile(ms, 0.99):7.1f} ms"
            f"  {self._delivery()}"
        )

    def _delivery(self) -> str:
        return f"lost {self.lost}  duplicates {self.duplicates}  wrong {self.different}"

    def latencies_ms(self) -> list[float]:
        return sorted(x * 1000 for x in self.latencies) or [float("nan")]

    def cpu_line(self) -> str:
        """CPU per update, and the rate two idle cores could sustain at that cost.

        The bot is one Python process (one core at most); the stand-in and driver share the
        other. On a shared, busy machine the rate measured above is lower than this bound.
        """
        bot_ms = self.bot_cpu * 1000 / self.updates
        standin_ms = self.standin_cpu * 1000 / self.updates
        bound = min(1000 / bot_ms, 2000 / (bot_ms + standin_ms)) if bot_ms else float("nan")
        return (
            f"{'':<34} CPU per update: bot {bot_ms:.2f} ms, stand-in and driver"
            f" {standin_ms:.2f} ms; two idle cores would sustain ~{bound:.0f} updates/s"
        )


def process_cpu_seconds(pid: int | None = None) -> float:
    """User plus system CPU time of a process (this one by default); 0 where /proc is absent."""
    if pid is None:
        times = os.times()
        return times.user + times.system
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def drive(
    standin: BotApiStandIn, users: list[User], rate: float | None, timeout: float
) -> tuple[float, list[float]]:
    """Send every user's steps; closed loop when `rate` is None, else open loop at `rate`/s.

    Returns the elapsed time (first update queued to last reply) and each step's latency.
    """
    by_chat = {user.chat_id: user for user in users}
    seen_calls = 0
    start = time.monotonic()
    # the open loop goes round the users, one update each
    order = [user for _ in range(max(len(u.steps) for u in users)) for user in users]
    offered = 0
    last_reply = start
    deadline = start + timeout

    def due(user: User) -> bool:  # the previous step's replies have all arrived
        k = user.next_step
        return k == 0 or len(user.replies_seen) >= user.expected_before[k - 1]

    def send(user: User) -> None:
        step = user.steps[user.next_step]
        step.sent_at = time.monotonic()
        if isinstance(step.event, Press):
            message = latest_with_button(standin, user.chat_id, step.raw)
            standin.push_callback(user.chat_id, message, step.raw)
        else:
            standin.push_message(user.chat_id, step.raw)
        user.next_step += 1

    unfinished = sum(len(u.steps) for u in users)
    while time.monotonic() < deadline and unfinished:
        calls = standin.calls_since(seen_calls)
        for call in calls:
            if is_reply(call) and (user := by_chat.get(int(call.params["chat_id"]))):
                user.replies_seen.append((call.at, str(call.params["text"])))
                last_reply = max(last_reply, call.at)
                unfinished -= mark_done(user)
        seen_calls += len(calls)
        if rate is None:
            for user in users:
                if user.next_step < len(user.steps) and due(user):
                    send(user)
        else:
            target = int((time.monotonic() - start) * rate)
            while offered < min(target, len(order)):
                user = order[offered]
                if user.next_step >= len(user.steps):
                    offered += 1
                    continue
                if isinstance(user.steps[user.next_step].event, Press) and not due(user):
                    break  # the button's message is not there yet; keep the order
                send(user)
                offered += 1
        time.sleep(0.002)  # the stand-in shares this process: leave it the GIL
    time.sleep(0.5)  # let late duplicates arrive
    for call in standin.calls_since(seen_calls):
        if is_reply(call):
            user = by_chat.get(int(call.params["chat_id"]))
            if user is not None:
                user.replies_seen.append((call.at, str(call.params["text"])))
                last_reply = max(last_reply, call.at)
    latencies = [s.done_at - s.sent_at for u in users for s in u.steps if s.done_at]
    return last_reply - start, latencies


def mark_done(user: User) -> int:
    """Stamp the steps whose replies have all arrived; return how many were stamped."""
    stamped = 0
    while user.done_steps < user.next_step:
        k = user.done_steps
        if len(user.replies_seen) < user.expected_before[k]:
            break
        user.steps[k].done_at = user.replies_seen[user.expected_before[k] - 1][0]
        user.done_steps += 1
        stamped += 1
    return stamped


def tally(users: list[User]) -> tuple[int, int, int]:
    lost = duplicates = different = 0
    for user in users:
        expected = Counter(text for step in user.steps for text in step.expected)
        actual = Counter(text for _, text in user.replies_seen)
        missing, extra = expected - actual, actual - expected
        # an extra that is a copy of an expected reply is a duplicate; other extras replaced
        # a missing one (a wrong reply)
        copies = sum(n for text, n in extra.items() if text in expected)
        wrong = sum(extra.values()) - copies
        duplicates += copies
        different += wrong
        lost += max(0, sum(missing.values()) - wrong)
    return lost, duplicates, different


FLOODER_CHATS = 900_000  # chat ids of the users who flood (bursts phase)
BURST = 200  # messages each flooder sends at once


def flood(standin: BotApiStandIn, flooders: int, burst: int, after: float) -> threading.Thread:
    """`flooders` users each send `burst` messages at once, `after` seconds from now."""

    def run() -> None:
        time.sleep(after)
        for number in range(burst):
            for flooder in range(flooders):
                standin.push_message(FLOODER_CHATS + flooder, f"spam {number}: salary?")

    thread = threading.Thread(target=run, name="flooders", daemon=True)
    thread.start()
    return thread


def run_phase(
    label: str, dialogue: Dialogue, users: int, messages: int, rate: float | None,
    in_thread: bool, seed: int, first_chat: int, known_users: int = 0,
    database_url: str | None = None, flooders: int = 0, burst: int = 0,
) -> Result:
    """One run of the real bot; ``known_users`` are put in its store before it starts;
    ``flooders`` users send ``burst`` messages each at once, a second into the run (their
    replies are not counted: the latencies are the other users')."""
    rng = random.Random(seed)
    scripted = [script_user(dialogue, first_chat + i, messages, rng) for i in range(users)]
    with tempfile.TemporaryDirectory() as scratch, BotApiStandIn() as standin:
        data_dir = Path(scratch) / "data"
        if known_users:
            asyncio.run(seed_store(make_store(data_dir, database_url), known_users))
        env = {
            "CAREER_ADVISOR_RATE_LIMIT": "off",
            "CAREER_ADVISOR_SEARCH_IN_THREAD": "on" if in_thread else "off",
            **({"DATABASE_URL": database_url} if database_url else {}),
        }
        started = time.monotonic()
        bot = BotProcess(standin, data_dir, Path(scratch) / "bot.log",
                         log_level="WARNING", extra_env=env).start()
        try:
            bot.wait_until_polling(60)
            start_to_polling = time.monotonic() - started
            timeout = 120.0 if rate is None else users * messages / rate + 60
            assert bot.process is not None
            bot_before, own_before = process_cpu_seconds(bot.process.pid), process_cpu_seconds()
            if flooders:
                flood(standin, flooders, burst, after=1.0)
            elapsed, latencies = drive(standin, scripted, rate, timeout)
            bot_cpu = process_cpu_seconds(bot.process.pid) - bot_before
            standin_cpu = process_cpu_seconds() - own_before
            bot_rss = process_rss_mb(bot.process.pid)
            log_errors = [line for line in bot.log().splitlines() if " ERROR " in line]
            errors = sum(not is_reply(e) for e in standin.errors) + len(log_errors)
            for line in log_errors[:3]:
                print(f"  bot log: {line[:300]}", file=sys.stderr)
        finally:
            bot.stop()
    lost, duplicates, different = tally(scripted)
    total = sum(len(u.steps) for u in scripted)
    return Result(
        label, total, elapsed, latencies, lost, duplicates, different, errors, bot_cpu,
        standin_cpu, start_to_polling, bot_rss,
    )


def process_rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (VmRSS); 0 where /proc is absent."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def seed_store(store: StateStore, users: int) -> None:
    """Users the bot already knows (chat ids 1..users), through the store's own API."""
    await store.open()
    try:
        await fill(store, 1, users + 1)
    finally:
        await store.close()


def known_users_phase(
    dialogue: Dialogue, known: int, rate: float, updates: int, messages: int, seed: int,
    new_database: Callable[[], str | None], name: str,
) -> list[Result]:
    """The same offered load on an empty store and on one that knows `known` users.

    The scripted users are new ones (their expected replies start from empty state); the
    known users' rows are what the store must not be slowed down by.
    """
    users = max(1, updates // messages)
    results = []
    for count in (0, known):
        results.append(run_phase(
            f"{name}, {count:,} known users, {rate:.0f}/s", dialogue, users, messages, rate,
            False, seed, 10_000_000, known_users=count, database_url=new_database(),
        ))
        print(results[-1].line())
        print(f"{'':<34} start to polling {results[-1].start_to_polling:.2f} s,"
              f" bot RSS at the end {results[-1].bot_rss_mb:.0f} MB", flush=True)
    empty, full = (statistics.median(r.latencies) for r in results)
    print(f"{'':<34} p50 with {known:,} known users / empty store: {full / empty:.2f}x")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--messages", type=int, default=20, help="per user (flood limit: 20)")
    parser.add_argument("--rate", type=float, default=100.0, help="offered updates/s, phase 2")
    parser.add_argument("--latency-updates", type=int, default=2000)
    parser.add_argument("--thread", choices=("off", "on", "both"), default="both")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--phase", choices=("all", "throughput", "known-users", "bursts"), default="all",
        help="known-users: latency at --known-rate with an empty store and with --known "
        "users already in it (SQLite, then PostgreSQL); bursts: other users' latency at "
        "--known-rate while 1, then 10 users send 200 messages at once",
    )
    parser.add_argument("--known", type=int, default=100_000)
    parser.add_argument("--known-rate", type=float, default=30.0)
    parser.add_argument("--known-updates", type=int, default=600)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args(argv)

    dialogue = Dialogue()
    dialogue.warm_up()
    results: list[Result] = []
    if args.phase in ("all", "known-users"):
        results += known_users_phases(dialogue, args)
        if args.phase == "known-users":
            return 1 if any(r.lost or r.duplicates or r.different for r in results) else 0
    if args.phase in ("all", "bursts"):
        results += bursts_phases(dialogue, args)
        if args.phase == "bursts":
            return 1 if any(r.lost or r.duplicates or r.different for r in results) else 0
    print("Telegram rate limits OFF in the bot under test (CAREER_ADVISOR_RATE_LIMIT=off);")
    print(f"{args.users} users x {args.messages} updates, mixed text, commands and buttons.")
    modes = {"off": [False], "on": [True], "both": [False, True]}[args.thread]
    for in_thread in modes:
        where = "worker thread" if in_thread else "event loop"
        results.append(run_phase(
            f"throughput, answers on {where}", dialogue, args.users, args.messages, None,
            in_thread, args.seed, 10_000,
        ))
        print(results[-1].line())
        print(results[-1].cpu_line(), flush=True)
        latency_users = max(1, args.latency_updates // args.messages)
        results.append(run_phase(
            f"{args.rate:.0f}/s offered, answers on {where}", dialogue, latency_users,
            args.messages, args.rate, in_thread, args.seed + 1, 500_000,
        ))
        print(results[-1].line(), flush=True)
    failed = any(r.lost or r.duplicates or r.different for r in results)
    return 1 if failed else 0


def known_users_phases(dialogue: Dialogue, args: argparse.Namespace) -> list[Result]:
    results: list[Result] = []
    common = (args.known, args.known_rate, args.known_updates, args.messages, args.seed)
    if args.backend in ("sqlite", "both"):
        # SQLite: each run has a new temporary data directory, so no URL
        results += known_users_phase(dialogue, *common, lambda: None, "SQLite")
    if args.backend in ("postgres", "both"):
        from standin.postgres_server import PostgresServer

        with PostgresServer() as server:
            # a new database per run, so the empty run is really empty
            results += known_users_phase(dialogue, *common, server.create_database, "PostgreSQL")
    return results





def bursts_phases(dialogue: Dialogue, args: argparse.Namespace) -> list[Result]:
    """Other users' latency while one user, then ten, send BURST messages at once (the flood
    guard answers each flooder once and drops the rest before they take a slot)."""
    print(f"Bursts: {args.known_updates} updates of other users at {args.known_rate:.0f}/s; "
          f"flooders send {BURST} messages each at once, 1 s in (production flood guard).")
    users = max(1, args.known_updates // args.messages)
    results = []
    for flooders in (0, 1, 10):
        label = f"{flooders} flooder(s) x {BURST}" if flooders else "no burst"
        results.append(run_phase(
            label, dialogue, users, args.messages, args.known_rate, False, args.seed + 3,
            700_000, flooders=flooders, burst=BURST if flooders else 0,
        ))
        print(results[-1].tail_line(), flush=True)
    return results


if __name__ == "__main__":
    sys.exit(main())
