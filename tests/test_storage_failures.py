"""Storage failures named by kind and counted: real SQLite and PostgreSQL errors, classified;
the tally that logs the first of each kind and then counts quietly; and the bot process itself
refusing to start on a full or read-only disk with one clear line and a non-zero exit."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bot.storage.failures import FailureKind, FailureTally, classify
from bot.storage.turns import StateNotSaved
from standin.bot_process import ROOT
from standin.botapi import BotApiStandIn


def sqlite_error(tmp_path: Path, break_it: str) -> sqlite3.Error:
    path = tmp_path / "state.sqlite3"
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("CREATE TABLE t (x TEXT)")
    if break_it == "not a database":
        path.write_bytes(b"this is not a database file at all, just text" * 100)
    uri = f"file:{path}?mode=ro" if break_it == "read-only" else str(path)
    blocker = sqlite3.connect(path, isolation_level=None)
    db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=0.05)
    try:
        if break_it == "busy":
            blocker.execute("BEGIN IMMEDIATE")
        if break_it == "full":
            pages = db.execute("PRAGMA page_count").fetchone()[0]
            db.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(sqlite3.Error) as raised:
            db.execute("INSERT INTO t VALUES (?)", ("x" * 100_000,))
        return raised.value
    finally:
        db.close()
        blocker.close()


@pytest.mark.parametrize(
    ("break_it", "kind"),
    [
        ("full", FailureKind.DISK_FULL),
        ("read-only", FailureKind.READ_ONLY),
        ("busy", FailureKind.BUSY),
        ("not a database", FailureKind.DAMAGED),
    ],
)
def test_sqlite_errors_are_named_by_kind(tmp_path: Path, break_it: str, kind: str) -> None:
    assert classify(sqlite_error(tmp_path, break_it)) is kind


def test_postgresql_errors_are_named_by_kind(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute("CREATE TABLE t (x TEXT)")
        with db.transaction():
            db.execute("SET TRANSACTION READ ONLY")
            with pytest.raises(psycopg.Error) as read_only:
                db.execute("INSERT INTO t VALUES ('x')")
    assert classify(read_only.value) is FailureKind.READ_ONLY
    unused_port = _free_port()
    with pytest.raises(psycopg.Error) as refused:
        psycopg.connect(f"postgresql://nobody@127.0.0.1:{unused_port}/none", connect_timeout=2)
    assert classify(refused.value) is FailureKind.UNREACHABLE


def test_os_errors_and_others_are_named_by_kind() -> None:
    assert classify(OSError(errno.ENOSPC, "No space left on device")) is FailureKind.DISK_FULL
    assert classify(OSError(errno.EROFS, "Read-only file system")) is FailureKind.READ_ONLY
    assert classify(OSError(errno.EIO, "Input/output error")) is FailureKind.DISK_ERROR
    assert classify(ValueError("?")) is FailureKind.OTHER


def test_state_not_saved_carries_the_kind_and_one_line(tmp_path: Path) -> None:
    error = StateNotSaved.because("could not save update 5", sqlite_error(tmp_path, "full"))
    assert error.kind is FailureKind.DISK_FULL
    assert str(error) == "could not save update 5: database or disk is full"


def test_the_tally_logs_the_first_of_each_kind_then_counts_quietly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    tally = FailureTally(logging.getLogger("test.tally"), quiet=60.0, clock=lambda: now[0])
    with caplog.at_level(logging.ERROR, logger="test.tally"):
        for second in range(0, 100, 10):  # a full disk every 10 s for 100 s
            now[0] = float(second)
            tally.record(FailureKind.DISK_FULL, f"update {second}: disk full")
        tally.record(FailureKind.UNREACHABLE, "update 200: server gone")
        tally.log_totals()
    assert [r.getMessage() for r in caplog.records] == [
        "update 0: disk full [disk full: 1 since start]",
        "update 60: disk full [disk full: 7 since start; 5 more not logged since the last "
        "such line]",
        "update 200: server gone [database unreachable: 1 since start]",
        "storage failures since start: disk full: 10, database unreachable: 1",
    ]
    assert all(r.levelname == "ERROR" for r in caplog.records)


# The bot process on a disk that is full or read-only at start ----------------------------------


@contextlib.contextmanager
def small_filesystem(path: Path) -> Iterator[bool]:
    """A 512 KiB tmpfs at `path` when this machine lets us mount one (root with the
    capability); else `path` is a plain directory and the caller limits file sizes instead."""
    path.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(path)],
        capture_output=True, check=False,
    ).returncode == 0 if os.geteuid() == 0 else False
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(path)], check=False)


def fill(directory: Path) -> None:
    with open(directory / "filler", "wb", buffering=0) as filler, contextlib.suppress(OSError):
        while True:
            filler.write(b"\0" * 4096)


def run_bot(
    standin: BotApiStandIn, data_dir: Path, limit_file_size: bool
) -> subprocess.CompletedProcess[str]:
    def no_file_growth() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # every write past 0 bytes fails

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE"))},
        "TELEGRAM_BOT_TOKEN": standin.token,
        "TELEGRAM_API_BASE_URL": standin.base_url,
        "CAREER_ADVISOR_DATA_DIR": str(data_dir),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=120, check=False,
        preexec_fn=no_file_growth if limit_file_size else None,
    )


def assert_refused_clearly(result: subprocess.CompletedProcess[str], standin: BotApiStandIn,
                           *fragments: str) -> None:
    assert result.returncode == 1, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("career-advisor: cannot "), result.stderr
    assert "state database" in last
    for fragment in fragments:
        assert fragment in last, last
    assert "Traceback" not in result.stderr
    assert standin.token not in result.stderr + result.stdout
    assert standin.calls_to("getUpdates") == []  # it never polled


@pytest.mark.parametrize("existing_database", [False, True])
def test_a_full_disk_at_start_stops_the_bot_with_one_clear_line(
    tmp_path: Path, existing_database: bool
) -> None:
    with BotApiStandIn() as standin, small_filesystem(tmp_path / "disk") as mounted:
        data_dir = tmp_path / "disk" / "data"
        data_dir.mkdir()
        if existing_database:  # the disk filled up while the bot was down
            with contextlib.closing(sqlite3.connect(data_dir / "state.sqlite3")) as db:
                db.execute("CREATE TABLE earlier (x)")
        if mounted:
            fill(tmp_path / "disk")
        result = run_bot(standin, data_dir, limit_file_size=not mounted)
        assert_refused_clearly(result, standin, *(["the disk is full"] if mounted else []))


def test_a_read_only_data_directory_at_start_stops_the_bot_with_one_clear_line(
    tmp_path: Path,
) -> None:
    with BotApiStandIn() as standin, small_filesystem(tmp_path / "disk") as mounted:
        data_dir = tmp_path / "disk" / "data"
        data_dir.mkdir()
        if mounted:
            subprocess.run(["mount", "-o", "remount,ro", str(tmp_path / "disk")], check=True)
        else:
            data_dir.chmod(0o555)
        try:
            result = run_bot(standin, data_dir, limit_file_size=False)
        finally:
            if not mounted:
                data_dir.chmod(0o755)
        assert_refused_clearly(result, standin)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
