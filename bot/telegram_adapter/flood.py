"""A per-user flood guard: a sliding window of recent messages, then a quiet period.

Pure and synchronous, with an injectable clock, so it is tested without sleeping. The
Telegram handlers ask it about every incoming message and button press before doing any work.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

DEFAULT_LIMIT = 20  # messages...
DEFAULT_WINDOW = 10.0  # ...within this many seconds are fine; one more is a flood
DEFAULT_COOLDOWN = 60.0  # seconds a flooder is ignored after the notice
FLOOD_NOTICE = (
    "You are sending messages faster than I can answer them, so I will pause for a minute. "
    "Please send one question at a time."
)


class Verdict(Enum):
    ALLOW = "allow"  # handle the message
    NOTIFY = "notify"  # the first message over the limit: send the notice, nothing else
    IGNORE = "ignore"  # in the quiet period: drop silently


@dataclass
class _Sender:
    recent: deque[float] = field(default_factory=deque)
    quiet_until: float = 0.0


class FloodGuard:
    """At most `limit` messages per user in any `window` seconds.

    The first message over the limit gets `Verdict.NOTIFY` (one notice), every message in
    the following `cooldown` seconds `Verdict.IGNORE`; then the user starts afresh. Each user
    is counted on their own, so a flooder never slows anyone else down.
    """

    def __init__(
        self,
        limit: int = DEFAULT_LIMIT,
        window: float = DEFAULT_WINDOW,
        cooldown: float = DEFAULT_COOLDOWN,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or window <= 0 or cooldown < 0:
            raise ValueError("a flood guard needs limit >= 1, window > 0 and cooldown >= 0")
        self.limit = limit
        self.window = window
        self.cooldown = cooldown
        self._clock = clock
        self._senders: dict[int, _Sender] = {}
        self._checks = 0

    def check(self, user_id: int) -> Verdict:
        now = self._clock()
        self._checks += 1
        if self._checks % 1024 == 0:  # bound memory: forget users who have gone quiet
            self._forget_idle(now)
        sender = self._senders.setdefault(user_id, _Sender())
        if now < sender.quiet_until:
            return Verdict.IGNORE
        recent = sender.recent
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        if len(recent) >= self.limit:
            recent.clear()
            sender.quiet_until = now + self.cooldown
            return Verdict.NOTIFY
        recent.append(now)
        return Verdict.ALLOW

    def is_quiet(self, user_id: int) -> bool:
        sender = self._senders.get(user_id)
        return sender is not None and self._clock() < sender.quiet_until

    @property
    def tracked_users(self) -> int:
        return len(self._senders)

    def _forget_idle(self, now: float) -> None:
        idle = [
            user_id
            for user_id, sender in self._senders.items()
            if now >= sender.quiet_until
            and (not sender.recent or sender.recent[-1] <= now - self.window)
        ]
        for user_id in idle:
            del self._senders[user_id]
