"""Bring the state of the bot's earlier releases into the database, once.

Earlier releases kept every chat and user in ``state.json`` (PTB persistence:
``{"format": 1, "user_data": {"<id>": {"user": …}}, "chat_data": {"<id>": {"conversation": …,
"handled": [update ids]}}, "bot_data": {}}``) plus journals of the updates since that snapshot
(``state.json.journal`` and sealed ``state.json.journal.<n>``; one JSON line per update,
``{"chat": [id, chat_data], "user": [id, user_data]}``). At start, if the file or a journal
is there, the snapshot is read, the journals replayed over it in order, everything written to
the store in one transaction, and then the files are renamed ``….imported-<UTC time>``: kept
for a look, never read again. A file that cannot be parsed is left where it is, with a
WARNING, and nothing is imported from it.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.core.conversation import ChatState, UserState
from bot.storage.turns import StateStore, StoreUnavailable, one_line

__all__ = ["LEGACY_FILE_NAME", "LegacyState", "import_legacy_state", "read_legacy_state"]

logger = logging.getLogger(__name__)

LEGACY_FILE_NAME = "state.json"
_CHAT_KEY, _USER_KEY, _HANDLED_KEY = "conversation", "user", "handled"


class LegacyFileError(ValueError):
    """The file is there but is not a state document of an earlier release."""


@dataclass
class LegacyState:
    """What the old files hold, in the shapes the store takes."""

    chats: dict[int, ChatState] = field(default_factory=dict)
    users: dict[int, UserState] = field(default_factory=dict)
    handled: dict[int, int] = field(default_factory=dict)  # update id -> chat id
    files: list[Path] = field(default_factory=list)  # read, to be moved aside after import

    def apply_chat(self, chat_id: int, data: Any) -> None:
        if not isinstance(data, dict):
            return
        state = ChatState.from_dict(data.get(_CHAT_KEY))
        if state != ChatState():
            self.chats[chat_id] = state
        else:
            self.chats.pop(chat_id, None)
        for update_id in data.get(_HANDLED_KEY) or []:
            if isinstance(update_id, int):
                self.handled[update_id] = chat_id

    def apply_user(self, user_id: int, data: Any) -> None:
        if not isinstance(data, dict):
            return
        state = UserState.from_dict(data.get(_USER_KEY))
        if state != UserState():
            self.users[user_id] = state
        else:
            self.users.pop(user_id, None)


def _journals(snapshot: Path) -> list[Path]:
    """Sealed journals oldest first, then the open one (it was written last)."""
    sealed = [
        path for path in snapshot.parent.glob(f"{snapshot.name}.journal.*")
        if path.name.rsplit(".", 1)[-1].isdecimal()
    ]
    sealed.sort(key=lambda path: int(path.name.rsplit(".", 1)[-1]))
    current = snapshot.with_name(f"{snapshot.name}.journal")
    return [*sealed, current] if current.exists() else sealed


def _ids(section: Any, name: str) -> dict[int, Any]:
    if not isinstance(section, dict):
        raise LegacyFileError(f"{name} is not an object")
    try:
        return {int(key): value for key, value in section.items()}
    except ValueError:
        raise LegacyFileError(f"{name} has a key that is not an id") from None


def read_legacy_state(snapshot: Path) -> LegacyState | None:
    """The old files' state, or None when there are none. Raises :class:`LegacyFileError`."""
    journals = _journals(snapshot) if snapshot.parent.is_dir() else []
    if not snapshot.exists() and not journals:
        return None
    state = LegacyState()
    if snapshot.exists():
        try:
            document = json.loads(snapshot.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise LegacyFileError(f"cannot read it: {error}") from None
        if not isinstance(document, dict) or document.get("format") != 1:
            raise LegacyFileError("it is not a format 1 state document")
        for chat_id, data in _ids(document.get("chat_data", {}), "chat_data").items():
            state.apply_chat(chat_id, data)
        for user_id, data in _ids(document.get("user_data", {}), "user_data").items():
            state.apply_user(user_id, data)
        state.files.append(snapshot)
    for journal in journals:
        _replay(journal, state)
        state.files.append(journal)
    return state


def _replay(journal: Path, state: LegacyState) -> None:
    try:
        lines = journal.read_bytes().splitlines()
    except OSError as error:
        logger.warning("Could not read the old journal %s: %s", journal.name, error)
        return
    for line in lines:
        try:
            entry = json.loads(line)
            chat, user = entry.get("chat"), entry.get("user")
        except (ValueError, AttributeError):
            continue  # the last line of a killed run may be cut short
        if isinstance(chat, list) and len(chat) == 2 and isinstance(chat[0], int):
            state.apply_chat(chat[0], chat[1])
        if isinstance(user, list) and len(user) == 2 and isinstance(user[0], int):
            state.apply_user(user[0], user[1])


async def import_legacy_state(store: StateStore, data_dir: Path) -> int:
    """Import ``state.json`` and its journals from ``data_dir`` if there; chats+users imported."""
    snapshot = data_dir / LEGACY_FILE_NAME
    try:
        legacy = read_legacy_state(snapshot)
    except LegacyFileError as error:
        logger.warning(
            "Found %s from an earlier release but could not import it (%s); it is left as it "
            "is and the bot starts with the state in the database", snapshot, error,
        )
        return 0
    if legacy is None:
        return 0
    await store.put(legacy.chats, legacy.users, legacy.handled)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    try:
        for path in legacy.files:
            os.replace(path, path.with_name(f"{path.name}.imported-{stamp}"))
    except OSError as error:
        # Left in place, the old files would be imported again at the next start, over what
        # users save from now on: so the bot does not start.
        raise StoreUnavailable(
            f"imported {snapshot} but could not rename it aside: {one_line(error)}"
        ) from None
    logger.info(
        "Imported %d chats and %d users from %s (and %d journals); the old files are kept "
        "as *.imported-%s", len(legacy.chats), len(legacy.users), snapshot.name,
        len(legacy.files) - (1 if snapshot in legacy.files else 0), stamp,
    )
    return len(legacy.chats) + len(legacy.users)
