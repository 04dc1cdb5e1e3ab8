"""What the bot remembers of a chat, as plain values that survive a restart.

The state is stored as a JSON-friendly dict (`bot.storage` keeps it in a database), so it is
rebuilt from whatever a file holds: unknown, missing or malformed fields give an empty state
rather than an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from bot.core.profile import Profile

HISTORY_LIMIT = 20  # answers whose More/Sources buttons still work
VIEWS = frozenset({"answer", "salary", "roadmap"})
STATE_VERSION = 1


@dataclass(frozen=True)
class Exchange:
    """One answered question: what was searched, and which passages were cited so far."""

    id: int
    question: str
    topic: str
    cited: tuple[str, ...]  # every passage id cited for this question, in order
    shown: tuple[str, ...]  # the passages cited in the latest reply ("why?" shows these)
    # Which reply it was: "answer" (searched passages), "salary" or "roadmap" (a view, with
    # the region and level it showed), so a follow-up can re-aim whatever came last.
    view: str = "answer"
    region: str | None = None
    level: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "question": self.question,
            "topic": self.topic,
            "cited": list(self.cited),
            "shown": list(self.shown),
            "view": self.view,
        }
        if self.region is not None:
            data["region"] = self.region
        if self.level is not None:
            data["level"] = self.level
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Exchange | None:
        if not isinstance(data, dict):
            return None
        number, question, topic = data.get("id"), data.get("question"), data.get("topic")
        cited, shown = data.get("cited", []), data.get("shown", [])
        if not (
            isinstance(number, int)
            and isinstance(question, str)
            and isinstance(topic, str)
            and _strings(cited)
            and _strings(shown)
        ):
            return None
        view, region, level = data.get("view", "answer"), data.get("region"), data.get("level")
        if view not in VIEWS:
            view = "answer"
        return cls(
            number, question, topic, tuple(cited), tuple(shown), view,
            region if isinstance(region, str) else None,
            level if isinstance(level, str) else None,
        )


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


@dataclass(frozen=True)
class ChatState:
    """A chat's context: its recent answers, newest last."""

    history: tuple[Exchange, ...] = ()
    next_id: int = 1

    @property
    def last(self) -> Exchange | None:
        return self.history[-1] if self.history else None

    def find(self, exchange_id: int) -> Exchange | None:
        return next((e for e in self.history if e.id == exchange_id), None)

    def remember(
        self,
        question: str,
        topic: str,
        shown: tuple[str, ...],
        view: str = "answer",
        region: str | None = None,
        level: str | None = None,
    ) -> ChatState:
        exchange = Exchange(self.next_id, question, topic, shown, shown, view, region, level)
        history = (*self.history, exchange)[-HISTORY_LIMIT:]
        return ChatState(history, self.next_id + 1)

    def extend(self, exchange_id: int, shown: tuple[str, ...]) -> ChatState:
        """Record that more passages were cited for an earlier question."""
        history = tuple(
            replace(e, cited=e.cited + shown, shown=shown) if e.id == exchange_id else e
            for e in self.history
        )
        return replace(self, history=history)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "next_id": self.next_id,
            "history": [exchange.to_dict() for exchange in self.history],
        }

    @classmethod
    def from_dict(cls, data: Any) -> ChatState:
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            return cls()
        raw_history = data.get("history")
        exchanges = [Exchange.from_dict(item) for item in raw_history or []] if isinstance(
            raw_history, list
        ) else []
        history = tuple(e for e in exchanges if e is not None)[-HISTORY_LIMIT:]
        next_id = data.get("next_id")
        highest = max((e.id for e in history), default=0)
        if not isinstance(next_id, int) or next_id <= highest:
            next_id = highest + 1
        return cls(history, next_id)


@dataclass(frozen=True)
class UserState:
    """What the bot keeps per user, in every chat: their profile and roadmap progress."""

    profile: Profile = field(default_factory=Profile)
    progress: frozenset[str] = frozenset()  # ids of roadmap items marked done

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "profile": self.profile.to_dict(),
            "progress": sorted(self.progress),
        }

    @classmethod
    def from_dict(cls, data: Any) -> UserState:
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            return cls()
        progress = data.get("progress")
        done = frozenset(progress) if _strings(progress) else frozenset()
        return cls(Profile.from_dict(data.get("profile")), done)
