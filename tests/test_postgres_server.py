"""The throwaway PostgreSQL server the tests and benchmarks stand on: it must be real, isolated
per database, reachable on 127.0.0.1 only, and leave nothing behind."""

from __future__ import annotations

import errno
import os
import shutil
import socket
import tempfile
from pathlib import Path

import psycopg
import pytest

from standin.postgres_server import (
    PostgresServer,
    PostgresStartError,
    PostgresUnavailable,
    find_postgres_bin,
)


def test_the_programs_are_found() -> None:
    bin_dir = find_postgres_bin()
    assert bin_dir is not None, "PostgreSQL is not installed: apt-get install postgresql"
    for name in ("initdb", "pg_ctl", "postgres"):
        assert os.access(bin_dir / name, os.X_OK)


def test_the_url_connects_and_answers(postgres_server: PostgresServer) -> None:
    assert postgres_server.url.startswith(f"postgresql://postgres@127.0.0.1:{postgres_server.port}/")
    with psycopg.connect(postgres_server.url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
        # honest numbers for the benchmarks: durability is as PostgreSQL ships it
        assert conn.execute("SHOW fsync").fetchone() == ("on",)


def test_postgres_url_is_an_empty_database_of_its_own(postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
        assert tables == (0,)
        assert conn.execute("SELECT current_database()").fetchone() != ("postgres",)


def test_two_databases_are_isolated(postgres_server: PostgresServer) -> None:
    first = postgres_server.create_database()
    second = postgres_server.create_database()
    assert first != second
    with psycopg.connect(first) as conn:
        conn.execute("CREATE TABLE only_here (id int)")
        conn.execute("INSERT INTO only_here VALUES (1)")
    with psycopg.connect(second) as conn:
        found = conn.execute("SELECT to_regclass('public.only_here')").fetchone()
        assert found == (None,)
    with psycopg.connect(first) as conn:
        assert conn.execute("SELECT count(*) FROM only_here").fetchone() == (1,)


def test_a_database_name_is_checked(postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database("named_db_1")
    assert url.endswith("/named_db_1")
    for bad in ("Upper", "semi;colon", "postgres", "x" * 64, ""):
        with pytest.raises(ValueError):
            postgres_server.create_database(bad)
    postgres_server.drop_database("named_db_1")
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=5).close()


def test_it_listens_on_127_0_0_1_only(postgres_server: PostgresServer) -> None:
    with psycopg.connect(postgres_server.url) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
    # The whole of 127.0.0.0/8 reaches this machine: a server bound to every address (0.0.0.0)
    # would answer on 127.0.0.2 too; one bound to 127.0.0.1 refuses it.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        assert sock.connect_ex(("127.0.0.2", postgres_server.port)) == errno.ECONNREFUSED
    assert _listening_addresses(postgres_server.port) == {"127.0.0.1"}


def _listening_addresses(port: int) -> set[str]:
    """The local addresses with a TCP socket listening on `port`, read from the kernel."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].split(":")
            if fields[3] != "0A" or int(port_hex, 16) != port:  # 0A: LISTEN
                continue
            if len(address) == 8:  # IPv4, the bytes of the address in host (little-endian) order
                found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
            else:
                found.add(f"ipv6:{address}")
    return found


def test_stop_removes_everything_and_refuses_connections() -> None:
    server = PostgresServer().start()
    url, directory = server.url, server.directory
    assert (directory / "data" / "PG_VERSION").exists()
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    server.stop()
    assert not directory.exists()
    assert not server.running
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=5).close()
    server.stop()  # a second stop is harmless


def test_missing_programs_say_how_to_install(tmp_path: Path) -> None:
    with pytest.raises(PostgresUnavailable, match=r"apt-get install postgresql"):
        PostgresServer(bin_dir=tmp_path).start()


def test_a_server_that_cannot_start_shows_its_log() -> None:
    base = Path(tempfile.mkdtemp(prefix="pg-base-"))
    try:
        base.chmod(0o711)  # the unprivileged user the server runs as under root must get in
        server = PostgresServer(base_dir=base, settings={"shared_buffers": "not-a-size"})
        tail = r"(?s)last lines of the server log.*shared_buffers"
        with pytest.raises(PostgresStartError, match=tail):
            server.start()
        assert not server.running
        assert list(base.iterdir()) == []  # the half-made cluster is gone
    finally:
        shutil.rmtree(base)
