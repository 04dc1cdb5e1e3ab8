"""A real, throwaway PostgreSQL server on 127.0.0.1, for the tests and the benchmarks.

Why a real server and not a mock or a container: only PostgreSQL itself says what SQL does
(locking, types, errors, timing), and the machines that run the tests and benchmarks have Debian's
``postgresql`` package (scripts/ensure-postgresql installs it) but no container runtime.

``PostgresServer`` runs ``initdb`` into a fresh temporary directory, starts the server with
``pg_ctl`` on a free port of 127.0.0.1 (its unix socket in that directory too, so nothing is
written to /var/run or to a system cluster), and on ``stop()`` shuts it down and deletes the
directory. ``create_database()`` gives each test its own empty database for a few milliseconds.

PostgreSQL refuses to run as root, and the tests run as root on CI: then initdb and pg_ctl run
as the ``postgres`` system user (``nobody`` if there is none), dropped to in the child process by
``subprocess``'s own ``user``/``group``/``extra_groups`` arguments, and the directory is given
to that user.

Durability stays as PostgreSQL ships it (fsync on), because the benchmarks time this server;
``fsync=False`` is an explicit opt-in for tests that only want speed.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

__all__ = [
    "INSTALL_HINT",
    "PostgresServer",
    "PostgresStartError",
    "PostgresUnavailable",
    "find_postgres_bin",
]

INSTALL_HINT = (
    "install Debian's PostgreSQL server with `apt-get install postgresql` "
    "(or run scripts/ensure-postgresql, which `make test` runs)"
)

# What the server needs from a bin directory; psql and friends are not used.
_SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres")
_DEBIAN_BIN_GLOB = "/usr/lib/postgresql/*/bin"
# Unquoted identifiers only: names end up in URLs and SQL, and these need no escaping in either.
_DATABASE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_LOG_TAIL_LINES = 30


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server programs (initdb, pg_ctl, postgres) are not on this machine."""


class PostgresStartError(RuntimeError):
    """initdb or the server failed; the message carries the output and the log's tail."""


def _has_server_programs(directory: Path) -> bool:
    return all(os.access(directory / name, os.X_OK) for name in _SERVER_PROGRAMS)


def _version_key(bin_dir: Path) -> tuple[int, ...]:
    """Sort key for /usr/lib/postgresql/<version>/bin, so the newest installed version wins."""
    return tuple(int(part) for part in re.findall(r"\d+", bin_dir.parent.name))


def find_postgres_bin() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres, or None if no such directory exists.

    Looked for, in order: next to a ``pg_ctl`` on PATH (symlinks followed, so that PATH can
    choose a version), in Debian's ``/usr/lib/postgresql/<version>/bin`` (newest first: Debian
    does not put these programs on PATH), then where ``pg_config --bindir`` says. All three
    programs must be in the same directory, since pg_ctl starts the postgres beside it.
    """
    candidates: list[Path] = []
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    candidates.extend(
        sorted((Path(p) for p in glob.glob(_DEBIAN_BIN_GLOB)), key=_version_key, reverse=True)
    )
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            if out:
                candidates.append(Path(out))
    for directory in candidates:
        if _has_server_programs(directory):
            return directory
    return None


def _free_port() -> int:
    """A port of 127.0.0.1 that was free a moment ago (the kernel picks it for port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class _RunAs:
    """The account initdb and pg_ctl run as: None fields mean "this process's own"."""

    name: str | None = None
    uid: int | None = None
    gid: int | None = None

    @classmethod
    def for_this_process(cls) -> _RunAs:
        """Ourselves, unless we are root, which PostgreSQL refuses: then an unprivileged user."""
        if os.geteuid() != 0:
            return cls()
        for name in ("postgres", "nobody"):
            try:
                entry = pwd.getpwnam(name)
            except KeyError:
                continue
            return cls(name=name, uid=entry.pw_uid, gid=entry.pw_gid)
        raise PostgresUnavailable(
            "running as root, and PostgreSQL refuses to run as root, but there is neither a "
            "`postgres` nor a `nobody` user to run it as; " + INSTALL_HINT
        )

    def give(self, path: Path) -> None:
        """Make `path` this user's (a no-op when that is ourselves), so initdb can write there."""
        if self.uid is not None and self.gid is not None:
            os.chown(path, self.uid, self.gid)

    def popen_kwargs(self) -> dict[str, object]:
        """Arguments for subprocess that switch the child to this user before exec.

        subprocess does setgroups/setgid/setuid itself in the forked child (no Python
        preexec_fn, which is unsafe once threads exist), so no runuser or sudo is needed.
        """
        if self.uid is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


class PostgresServer:
    """One throwaway PostgreSQL cluster: ``start()`` it, use ``url``, ``stop()`` it.

    Also a context manager (``with PostgresServer() as pg: ...``). The superuser is
    ``postgres`` whatever account the server runs as, with trust authentication: the server
    listens on 127.0.0.1 only and lives as long as one test session or benchmark.
    """

    def __init__(
        self,
        *,
        bin_dir: Path | None = None,
        base_dir: Path | None = None,
        fsync: bool = True,
        settings: Mapping[str, str] | None = None,
        start_timeout: float = 60.0,
    ) -> None:
        """Prepare, don't start.

        bin_dir: where initdb/pg_ctl/postgres are (default: ``find_postgres_bin()``).
        base_dir: the parent of the temporary directory (default: the system's temp dir). When
            running as root it must be traversable by the unprivileged user.
        fsync: False turns fsync off (like ``postgres -F``): faster, but the numbers are not
            those of a real server, so only tests that measure nothing should ask for it.
        settings: extra server settings (``-c name=value``), e.g. ``{"max_connections": "200"}``.
        start_timeout: seconds ``pg_ctl -w`` waits for the server to accept connections.
        """
        self._bin_dir_arg = bin_dir
        self._base_dir = base_dir
        self.fsync = fsync
        self.settings: dict[str, str] = dict(settings or {})
        self.start_timeout = start_timeout
        self.user = "postgres"
        self.host = "127.0.0.1"
        self._bin_dir: Path | None = None
        self._root: Path | None = None
        self._port: int | None = None
        self._run_as = _RunAs()
        self.start_seconds: float | None = None

    # -- paths and addresses -------------------------------------------------------------------

    @property
    def directory(self) -> Path:
        """The temporary directory holding the data directory, the socket and the log."""
        if self._root is None:
            raise RuntimeError("the PostgreSQL server is not started")
        return self._root

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    @property
    def log_file(self) -> Path:
        return self.directory / "server.log"

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the PostgreSQL server is not started")
        return self._port

    @property
    def running(self) -> bool:
        return self._port is not None

    @property
    def url(self) -> str:
        """The URL of the ``postgres`` maintenance database; prefer ``create_database()``."""
        return self.url_for("postgres")

    def url_for(self, database: str) -> str:
        """The URL of a database on this server (it need not exist yet)."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    # -- life cycle -----------------------------------------------------------------------------

    def start(self) -> PostgresServer:
        """initdb a fresh cluster in a new temporary directory and start it; wait until ready.

        Raises PostgresUnavailable when the programs are missing, PostgresStartError (with the
        output and the server log's tail) when initdb or the server fails.
        """
        if self.running:
            raise RuntimeError("the PostgreSQL server is already started")
        bin_dir = self._bin_dir_arg or find_postgres_bin()
        if bin_dir is None or not _has_server_programs(bin_dir):
            where = f" in {bin_dir}" if bin_dir is not None else ""
            raise PostgresUnavailable(
                f"PostgreSQL server programs (initdb, pg_ctl, postgres) not found{where}: "
                + INSTALL_HINT
            )
        self._bin_dir = bin_dir
        self._run_as = _RunAs.for_this_process()
        began = time.perf_counter()
        self._root = Path(tempfile.mkdtemp(prefix="pg-", dir=self._base_dir))
        atexit.register(self.stop)
        try:
            self._run_as.give(self._root)
            self._initdb()
            self._start_server()
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.perf_counter() - began
        return self

    def stop(self) -> None:
        """Shut the server down (``pg_ctl stop -m fast``) and delete its directory.

        Safe to call twice, and on a server whose start failed half-way.
        """
        atexit.unregister(self.stop)
        root = self._root
        if root is None:
            return
        try:
            # postmaster.pid, not self._port: a start that timed out may have left it running
            if (root / "data" / "postmaster.pid").exists():
                self._run(
                    [self._program("pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "fast",
                     "-w", "-t", "30"],
                    cwd=root,
                    check=False,
                )
        finally:
            self._root = None
            self._port = None
            shutil.rmtree(root, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- databases ------------------------------------------------------------------------------

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database and return its URL; a unique name is made up if none given.

        Cheap enough for one per test (a copy of template1), and isolated from every other
        database on the server. ``name`` must be a lower-case unquoted SQL identifier.
        """
        if name is None:
            name = f"db_{uuid.uuid4().hex[:16]}"
        self._check_name(name)
        self._maintenance(f"CREATE DATABASE {name}")
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, closing any connection still open to it (so a test can't block it)."""
        self._check_name(name)
        self._maintenance(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    @staticmethod
    def _check_name(name: str) -> None:
        if not _DATABASE_NAME.fullmatch(name) or name in {"postgres", "template0", "template1"}:
            raise ValueError(
                f"database name {name!r}: use lower-case letters, digits and _ (at most 63), "
                "not a system database"
            )

    def _maintenance(self, statement: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE need that)."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(statement.encode())

    # -- internals ------------------------------------------------------------------------------

    def _program(self, name: str) -> str:
        assert self._bin_dir is not None
        return str(self._bin_dir / name)

    def _env(self) -> dict[str, str]:
        """The environment without PG* variables (PGDATA, PGPORT... would redirect pg_ctl),
        with a locale that always exists, and HOME in our directory (the user's may be closed)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update({"LC_ALL": "C", "LANG": "C", "HOME": str(self.directory)})
        env.pop("LANGUAGE", None)
        return env

    def _run(self, argv: list[str], *, cwd: Path, check: bool = True) -> str:
        """Run a PostgreSQL program as the server's user; raise PostgresStartError on failure.

        cwd is our directory because initdb and pg_ctl look up the current directory and fail
        when it is one the dropped-to user cannot enter (e.g. /root).
        """
        result = subprocess.run(
            argv,
            cwd=cwd,
            env=self._env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=self.start_timeout + 30,
            check=False,
            **self._run_as.popen_kwargs(),  # type: ignore[arg-type]
        )
        output = (result.stdout + result.stderr).strip()
        if check and result.returncode != 0:
            who = f" as user {self._run_as.name}" if self._run_as.name else ""
            raise PostgresStartError(
                f"{Path(argv[0]).name}{who} failed with exit code {result.returncode}:\n"
                f"{output}{self._log_tail()}"
            )
        return output

    def _initdb(self) -> None:
        # --no-sync only skips flushing initdb's own files: it changes nothing about how the
        # server then runs, and a throwaway cluster need not survive a power cut.
        self._run(
            [
                self._program("initdb"),
                "-D", str(self.data_dir),
                "--username", self.user,
                "--auth-local", "trust",
                "--auth-host", "trust",
                "--encoding", "UTF8",
                "--locale", "C",
                "--no-sync",
            ],
            cwd=self.directory,
        )

    def _server_options(self, port: int) -> str:
        settings = {
            "listen_addresses": self.host,
            "port": str(port),
            "unix_socket_directories": str(self.directory),
            # the server's output goes to pg_ctl's log file, not to a log directory of its own
            "logging_collector": "off",
            **({} if self.fsync else {"fsync": "off"}),
            **self.settings,
        }
        for name, value in settings.items():
            if "'" in value or "\\" in value:
                raise ValueError(f"setting {name}: quotes and backslashes are not supported")
        return " ".join(f"-c {name}='{value}'" for name, value in settings.items())

    def _start_server(self) -> None:
        """pg_ctl start -w on a free port; another free port if someone took it meanwhile."""
        for attempt in range(3):
            port = _free_port()
            try:
                self._run(
                    [
                        self._program("pg_ctl"), "start",
                        "-D", str(self.data_dir),
                        "-l", str(self.log_file),
                        "-w", "-t", str(int(self.start_timeout)),
                        "-o", self._server_options(port),
                    ],
                    cwd=self.directory,
                )
            except PostgresStartError:
                if attempt < 2 and "could not bind" in self._read_log():
                    self.log_file.unlink(missing_ok=True)
                    continue
                raise
            self._port = port
            return

    def _read_log(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")
        except OSError:
            return ""

    def _log_tail(self) -> str:
        lines = self._read_log().splitlines()[-_LOG_TAIL_LINES:]
        if not lines:
            return ""
        return "\n--- last lines of the server log ---\n" + "\n".join(lines)
