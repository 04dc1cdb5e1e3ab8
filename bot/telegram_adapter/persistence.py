"""PTB persistence in one JSON file, written atomically.

:class:`JsonFilePersistence` keeps ``user_data``, ``chat_data`` and ``bot_data`` in one file
(``{"format": 1, "user_data": {"<id>": {...}}, "chat_data": {...}, "bot_data": {...}}``; ids
are JSON strings on disk and ints in memory). Callback data and conversation states are not
stored. Wire it in with::

    persistence = JsonFilePersistence(settings.persistence_file)
    app = ApplicationBuilder().token(...).persistence(persistence).build()

When writes happen. PTB's ``Application`` calls ``update_persistence()`` every
``update_interval`` seconds while running, and once more at shutdown; that run calls
``update_bot_data`` and ``update_user_data``/``update_chat_data`` for every user and chat
touched since the previous run, all in one ``asyncio.gather``. Each call only changes the data
held here and marks them unsaved; one writer task, started on the next turn of the event loop
(after the whole batch has landed), serialises everything once and writes the file in a worker
thread so the fsync never blocks the bot. Changes arriving while a write is under way are
written right after it, again as one write. So a cycle costs at most one write, and a cycle
in which nothing changed costs none.

Crash safety and the loss bound. The file is replaced with ``os.replace`` only after the new
content is fully written and fsynced to a temporary file in the same directory (the directory
is fsynced too), so after a ``kill -9`` or power cut the file holds either the previous or the
next complete state, never a mix.

Between those snapshots, :meth:`JsonFilePersistence.record` appends each update's new user and
chat data to a journal (``<name>.journal``, one JSON line per update) before the bot replies.
An append is one ``write`` to the kernel, without fsync: it survives the process being killed
(``kill -9``, an out-of-memory kill, a crash), since the kernel still holds and writes it, but
not a power cut. On start the snapshot is read and the journal replayed over it, ignoring a
last line cut short by a kill. So a ``kill -9`` loses no completed update; a power cut loses
at most the last ``update_interval`` seconds (default 1 s). Each snapshot seals the journal
written so far (``<name>.journal.<n>``) and deletes it once the snapshot is on disk, so the
journal never holds more than a few seconds of updates.

A file that cannot be read or parsed is moved aside as ``<name>.corrupt-<UTC time>``, a
WARNING is logged, and the bot starts with empty data instead of failing. Data must be plain
JSON values (dicts with string keys, lists, str, int, float, bool, None); anything else is
refused by ``update_*`` with a ``TypeError``, which PTB hands to the error handlers.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import glob
import json
import logging
import math
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram.ext import Application, BasePersistence, PersistenceInput

__all__ = [
    "DEFAULT_UPDATE_INTERVAL",
    "FILE_FORMAT",
    "JsonFilePersistence",
    "save_now",
]

_LOGGER = logging.getLogger(__name__)

DEFAULT_UPDATE_INTERVAL = 1.0  # seconds; also the bound on what a kill -9 can lose
FILE_FORMAT = 1
_SECTIONS = ("user_data", "chat_data", "bot_data")
_ID = re.compile(r"-?[0-9]+")

JsonDict = dict[str, Any]
# The shapes PTB uses for the two kinds of data this class does not store.
CallbackCacheData = tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]
ConversationKey = tuple[int | str, ...]


class _BadShape(ValueError):
    """The file is valid JSON but not a state document."""


def _check_json_value(value: Any, where: str) -> None:
    """Raise TypeError unless ``value`` survives a JSON round trip unchanged."""
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TypeError(f"{where} is {value}, which JSON cannot hold")
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check_json_value(item, f"{where}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where} has a key {key!r}: only string keys survive JSON")
            _check_json_value(item, f"{where}[{key!r}]")
        return
    raise TypeError(f"{where} is a {type(value).__name__}: only plain JSON values are stored")


def _parse_id_map(raw: Any, section: str) -> dict[int, JsonDict]:
    if not isinstance(raw, dict):
        raise _BadShape(f"{section} is not an object")
    parsed: dict[int, JsonDict] = {}
    for key, value in raw.items():
        if not _ID.fullmatch(key):
            raise _BadShape(f"{section} has a key that is not an id")
        if not isinstance(value, dict):
            raise _BadShape(f"{section} has an entry that is not an object")
        parsed[int(key)] = value
    return parsed


def _parse_document(document: Any) -> tuple[dict[int, JsonDict], dict[int, JsonDict], JsonDict]:
    if not isinstance(document, dict):
        raise _BadShape("the top level is not an object")
    if document.get("format") != FILE_FORMAT:
        raise _BadShape(f"format is not {FILE_FORMAT}")
    unknown = document.keys() - {"format", *_SECTIONS}
    if unknown:
        raise _BadShape(f"unexpected keys {sorted(unknown)}")
    bot_data = document.get("bot_data", {})
    if not isinstance(bot_data, dict):
        raise _BadShape("bot_data is not an object")
    return (
        _parse_id_map(document.get("user_data", {}), "user_data"),
        _parse_id_map(document.get("chat_data", {}), "chat_data"),
        bot_data,
    )


def _journal_number(path: Path) -> int:
    """The number of a sealed journal ``<name>.journal.<n>``; 0 for anything else."""
    suffix = path.name.rsplit(".", 1)[-1]
    return int(suffix) if suffix.isdecimal() else 0


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable; not every platform can open a directory."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


class JsonFilePersistence(BasePersistence[JsonDict, JsonDict, JsonDict]):
    """User, chat and bot data in one JSON file at ``path``; see the module docstring.

    Args:
        path: the state file; its directory is created on the first write.
        update_interval: seconds between PTB's persistence runs while the application is
            running, which bounds what a ``kill -9`` can lose.
    """

    def __init__(
        self, path: Path | str, update_interval: float = DEFAULT_UPDATE_INTERVAL
    ) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=True, chat_data=True, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self._path = Path(path)
        self._loaded = False
        self._user_data: dict[int, JsonDict] = {}
        self._chat_data: dict[int, JsonDict] = {}
        self._bot_data: JsonDict = {}
        self._unsaved = False
        self._journal: int | None = None  # file descriptor of the open journal
        self._sealed: list[Path] = []  # journals the next snapshot makes redundant
        self._journal_failed = False
        self._writer: asyncio.Task[None] | None = None
        self._last_write_error: Exception | None = None
        self._warned_about_conversations = False

    @property
    def path(self) -> Path:
        return self._path

    # ------------------------------------------------------------------ loading

    def _load_snapshot(self) -> None:
        self._loaded = True
        self._remove_leftover_temp_files()
        try:
            raw = self._path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as error:
            self._set_aside(f"it could not be read ({error.strerror or error})")
            return
        try:
            self._user_data, self._chat_data, self._bot_data = _parse_document(
                json.loads(raw.decode("utf-8"))
            )
        except UnicodeDecodeError:
            self._set_aside("it is not UTF-8 text")
        except _BadShape as error:
            self._set_aside(f"it is not a state file: {error}")
        except ValueError as error:  # json.JSONDecodeError
            self._set_aside(f"it is not valid JSON: {error}")

    def _load_once(self) -> None:
        if self._loaded:
            return
        self._load_snapshot()
        self._replay_journals()

    def _remove_leftover_temp_files(self) -> None:
        """Temporary files of a write that was killed midway; the state file itself is whole."""
        if not self._path.parent.is_dir():
            return
        for leftover in self._path.parent.glob(f".{glob.escape(self._path.name)}.*.tmp"):
            with contextlib.suppress(OSError):
                leftover.unlink()

    def _set_aside(self, reason: str) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = self._path.with_name(f"{self._path.name}.corrupt-{stamp}")
        suffix = 1
        while target.exists():
            target = self._path.with_name(f"{self._path.name}.corrupt-{stamp}-{suffix}")
            suffix += 1
        try:
            os.rename(self._path, target)
        except OSError as error:
            _LOGGER.warning(
                "State file %s is unusable because %s; moving it aside failed (%s), so it will "
                "be overwritten by the next save. Starting with empty data.",
                self._path, reason, error.strerror or error,
            )
            return
        _LOGGER.warning(
            "State file %s is unusable because %s; moved it to %s. Starting with empty data.",
            self._path, reason, target.name,
        )

    # ------------------------------------------------------------------ PTB: reading

    async def get_user_data(self) -> dict[int, JsonDict]:
        self._load_once()
        return copy.deepcopy(self._user_data)

    async def get_chat_data(self) -> dict[int, JsonDict]:
        self._load_once()
        return copy.deepcopy(self._chat_data)

    async def get_bot_data(self) -> JsonDict:
        self._load_once()
        return copy.deepcopy(self._bot_data)

    async def get_callback_data(self) -> CallbackCacheData | None:
        return None  # callback data are not stored

    async def get_conversations(self, name: str) -> dict[ConversationKey, object]:
        # Only called for a ConversationHandler with persistent=True, which this class ignores.
        if not self._warned_about_conversations:
            self._warned_about_conversations = True
            _LOGGER.warning(
                "ConversationHandler %r asks for persistence, but %s does not store "
                "conversation states; they start empty after each restart.",
                name, type(self).__name__,
            )
        return {}

    # ------------------------------------------------------------------ PTB: writing

    async def update_user_data(self, user_id: int, data: JsonDict) -> None:
        if self._store_entry(self._user_data, user_id, data, "user_data"):
            self._mark_unsaved()

    async def update_chat_data(self, chat_id: int, data: JsonDict) -> None:
        if self._store_entry(self._chat_data, chat_id, data, "chat_data"):
            self._mark_unsaved()

    async def update_bot_data(self, data: JsonDict) -> None:
        self._load_once()
        _check_json_value(data, "bot_data")
        if data != self._bot_data:
            self._bot_data = copy.deepcopy(data)
            self._mark_unsaved()
        elif self._unsaved:
            # PTB calls this on every run: a good moment to retry a write that failed.
            self._start_writer()

    async def update_callback_data(self, data: CallbackCacheData) -> None:
        """Callback data are not stored."""

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Conversation states are not stored."""

    async def drop_user_data(self, user_id: int) -> None:
        self._load_once()
        if self._user_data.pop(user_id, None) is not None:
            self._mark_unsaved()

    async def drop_chat_data(self, chat_id: int) -> None:
        self._load_once()
        if self._chat_data.pop(chat_id, None) is not None:
            self._mark_unsaved()

    # The data held in the Application are the newest; nothing else writes the file.
    async def refresh_user_data(self, user_id: int, user_data: JsonDict) -> None:
        """Nothing to refresh from."""

    async def refresh_chat_data(self, chat_id: int, chat_data: JsonDict) -> None:
        """Nothing to refresh from."""

    async def refresh_bot_data(self, bot_data: JsonDict) -> None:
        """Nothing to refresh from."""

    async def flush(self) -> None:
        """Write anything unsaved (PTB calls this at shutdown); a failure is logged."""
        try:
            await self.write_pending()
        except Exception:
            # Already logged with its traceback by the writer; shutdown must go on regardless.
            _LOGGER.error("Could not save the state file %s at shutdown", self._path)

    def _store_entry(
        self, store: dict[int, JsonDict], key: int, data: JsonDict, section: str
    ) -> bool:
        """Hold ``data`` for ``key``; whether that changed anything (then it is unsaved)."""
        self._load_once()
        _check_json_value(data, f"{section}[{key}]")
        if not data:
            # An empty dict is what PTB creates on first access; storing it adds nothing.
            if store.pop(key, None) is None:
                return False
        elif store.get(key) != data:
            store[key] = copy.deepcopy(data)
        else:
            return False
        return True

    # ------------------------------------------------------------------ the journal

    @property
    def journal_path(self) -> Path:
        return self._path.with_name(f"{self._path.name}.journal")

    def record(
        self,
        *,
        chat_id: int | None = None,
        chat_data: JsonDict | None = None,
        user_id: int | None = None,
        user_data: JsonDict | None = None,
    ) -> None:
        """Make one update's new chat and user data survive a kill, before the bot replies.

        Held here at once and appended to the journal; the next persistence run writes them
        into the snapshot. Raises TypeError, like ``update_*``, for data JSON cannot hold.
        """
        entry: JsonDict = {}
        changes = (
            ("chat", self._chat_data, chat_id, chat_data),
            ("user", self._user_data, user_id, user_data),
        )
        for name, store, key, data in changes:
            if key is None or data is None:
                continue
            if self._store_entry(store, key, data, f"{name}_data"):
                entry[name] = [key, data]
        if not entry:
            return
        self._unsaved = True  # the snapshot follows at the next persistence run
        line = json.dumps(entry, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        self._append_to_journal(line.encode("utf-8") + b"\n")

    def _append_to_journal(self, line: bytes) -> None:
        try:
            if self._journal is None:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                self._journal = os.open(
                    self.journal_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600
                )
            written = 0
            while written < len(line):
                written += os.write(self._journal, line[written:])
        except OSError as error:
            # The change is still held and goes into the next snapshot; only the kill-safety
            # between snapshots is lost, so say so once rather than fail the update.
            if not self._journal_failed:
                self._journal_failed = True
                _LOGGER.warning(
                    "Could not append to the journal %s (%s); until it works again, a crash "
                    "loses up to %.0f s of updates", self.journal_path,
                    error.strerror or error, self.update_interval,
                )
            return
        if self._journal_failed:
            self._journal_failed = False
            _LOGGER.warning("Appending to the journal %s works again", self.journal_path)

    def _seal_journal(self) -> None:
        """Close the journal and rename it aside: the snapshot about to be written covers it."""
        if self._journal is None:
            return
        os.close(self._journal)
        self._journal = None
        number = 1 + max((_journal_number(p) for p in self._journal_files()), default=0)
        sealed = self._sealed_path(number)
        try:
            os.rename(self.journal_path, sealed)
        except OSError as error:
            _LOGGER.warning("Could not seal the journal %s: %s", self.journal_path, error)
            return
        self._sealed.append(sealed)

    def _sealed_path(self, number: int) -> Path:
        return self.journal_path.with_name(f"{self.journal_path.name}.{number}")

    def _delete_sealed(self, covered: list[Path]) -> None:
        for sealed in covered:
            with contextlib.suppress(OSError):
                sealed.unlink()
            self._sealed.remove(sealed)

    def _journal_files(self) -> list[Path]:
        """Sealed journals, oldest first."""
        pattern = f"{glob.escape(self.journal_path.name)}.*"
        found = [p for p in self._path.parent.glob(pattern) if _journal_number(p)]
        return sorted(found, key=_journal_number)

    def _replay_journals(self) -> None:
        """Apply the journals left by a run that ended without its last snapshot."""
        if not self._path.parent.is_dir():
            return
        if self.journal_path.exists():  # the last run's open journal: seal it, it is done
            number = 1 + max((_journal_number(p) for p in self._journal_files()), default=0)
            with contextlib.suppress(OSError):
                os.rename(self.journal_path, self._sealed_path(number))
        sealed = self._journal_files()
        replayed = sum(self._replay(journal) for journal in sealed)
        # the next snapshot holds all of it; then these files go
        self._sealed = sealed
        if replayed:
            self._unsaved = True
            _LOGGER.info("Replayed %d updates from the journal over %s", replayed, self._path)

    def _replay(self, journal: Path) -> int:
        try:
            lines = journal.read_bytes().split(b"\n")
        except OSError as error:
            _LOGGER.warning("Could not read the journal %s: %s", journal, error)
            return 0
        replayed = 0
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line.decode("utf-8"))
                for name, store in (("chat", self._chat_data), ("user", self._user_data)):
                    if name in entry:
                        key, data = entry[name]
                        if not isinstance(key, int) or not isinstance(data, dict):
                            raise ValueError(f"{name} is not [id, object]")
                        if data:
                            store[key] = data
                        else:
                            store.pop(key, None)
            except (ValueError, TypeError, KeyError) as error:
                if number < len(lines):  # the last line may be cut short by a kill; others not
                    _LOGGER.warning("Skipped line %d of the journal %s: %s",
                                    number, journal.name, error)
                continue
            replayed += 1
        return replayed

    # ------------------------------------------------------------------ the writer

    async def write_pending(self) -> None:
        """Return once everything changed so far is on disk.

        Raises:
            OSError: the last write failed (it is retried on the next persistence run), or
            whatever else the write raised.
        """
        if self._unsaved:
            self._start_writer()
        while self._writer is not None and not self._writer.done():
            # shield: a caller that is cancelled must not cancel a write half-way
            await asyncio.shield(self._writer)
        if self._unsaved and self._last_write_error is not None:
            raise self._last_write_error

    def _mark_unsaved(self) -> None:
        self._unsaved = True
        self._start_writer()

    def _start_writer(self) -> None:
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(
                self._write_while_unsaved(), name=f"{type(self).__name__}:writer"
            )

    async def _write_while_unsaved(self) -> None:
        # Application.update_persistence() gathers all update_* calls of a run; their tasks were
        # created before this one, so one turn of the loop lets the whole batch land first.
        await asyncio.sleep(0)
        while self._unsaved:
            self._unsaved = False
            # in the loop thread, so the snapshot holds exactly what the sealed journals hold
            self._seal_journal()
            covered = list(self._sealed)
            payload = self._serialise()
            try:
                await asyncio.to_thread(self._write_atomically, payload)
            except Exception as error:  # kept and retried, never lost in an unawaited task
                self._unsaved = True
                if self._last_write_error is None:
                    _LOGGER.exception("Could not save the state file %s", self._path)
                else:
                    _LOGGER.debug("Saving the state file %s failed again: %s", self._path, error)
                self._last_write_error = error
                return
            if self._last_write_error is not None:
                _LOGGER.warning("Saved the state file %s again after a failure", self._path)
                self._last_write_error = None
            self._delete_sealed(covered)

    def _serialise(self) -> bytes:
        document = {
            "format": FILE_FORMAT,
            "user_data": {str(key): value for key, value in self._user_data.items()},
            "chat_data": {str(key): value for key, value in self._chat_data.items()},
            "bot_data": self._bot_data,
        }
        text = json.dumps(
            document, ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":")
        )
        return text.encode("utf-8")

    def _write_atomically(self, payload: bytes) -> None:
        """Write ``payload`` to a temp file, fsync it, and rename it over the state file."""
        directory = self._path.parent
        directory.mkdir(parents=True, exist_ok=True)
        # mkstemp creates the file readable by its owner only: the data are about users.
        descriptor, temp_name = tempfile.mkstemp(
            prefix=f".{self._path.name}.", suffix=".tmp", dir=directory
        )
        try:
            with os.fdopen(descriptor, "wb") as temp_file:
                temp_file.write(payload)
                temp_file.flush()
                os.fsync(temp_file.fileno())
            os.replace(temp_name, self._path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)
            raise
        _fsync_directory(directory)


async def save_now(
    application: Application[Any, Any, Any, Any, Any, Any],
    *,
    chat_id: int | None = None,
    user_id: int | None = None,
) -> None:
    """From a handler: persist now, including this update's user and chat data.

    PTB marks an update's user and chat for saving only after all handlers have run, so they
    are marked here first; then the application's persistence run is started and the write
    awaited. For example: ``await save_now(context.application,
    chat_id=update.effective_chat.id, user_id=update.effective_user.id)``.

    Raises:
        OSError: the write failed.
    """
    application.mark_data_for_update_persistence(chat_ids=chat_id, user_ids=user_id)
    await application.update_persistence()
    persistence = application.persistence
    if isinstance(persistence, JsonFilePersistence):
        await persistence.write_pending()
