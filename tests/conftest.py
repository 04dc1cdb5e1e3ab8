"""Shared fixtures: the real knowledge base and engine, built once per test session."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.advisor import Advisor
from knowledge import KNOWLEDGE_DIR, KnowledgeBase, load_knowledge
from knowledge.lexicon import Lexicon
from retrieval.search import SearchEngine
from standin.bot_process import BotProcess
from standin.botapi import BotApiStandIn
from standin.postgres_server import PostgresServer, PostgresUnavailable
from tests.support.backends import BACKENDS, Backend

# The semantic stage caches passage embeddings in $XDG_CACHE_HOME: the tests, and the bot
# processes they start (which inherit this environment), share one cache of their own, kept
# between runs like pytest's, instead of the user's.
os.environ["XDG_CACHE_HOME"] = str(Path(__file__).resolve().parents[1] / ".pytest_cache" / "xdg")


@pytest.fixture(scope="session", autouse=True)
def _embeddings_cached(knowledge: KnowledgeBase) -> None:
    """Encode the articles once, before any test starts a bot process that needs them."""
    SearchEngine(knowledge)


@pytest.fixture(autouse=True)
def _data_dir_of_the_test(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the project's own ./data (the terminal chat saves there)."""
    monkeypatch.setenv("CAREER_ADVISOR_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def standin() -> Iterator[BotApiStandIn]:
    """A Bot API stand-in on 127.0.0.1, closed after the test."""
    with BotApiStandIn() as api:
        yield api


@pytest.fixture
def bot(standin: BotApiStandIn, tmp_path: Path) -> Iterator[BotProcess]:
    """The real bot process with default settings, polling the stand-in (files that need
    other settings define their own `bot`)."""
    process = BotProcess(standin, tmp_path / "data", tmp_path / "bot.log")
    process.start().wait_until_polling()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeBase:
    return load_knowledge()


@pytest.fixture(scope="session")
def lexicon(knowledge: KnowledgeBase) -> Lexicon:
    assert knowledge.lexicon is not None
    return knowledge.lexicon


@pytest.fixture(scope="session")
def engine(knowledge: KnowledgeBase) -> SearchEngine:
    return SearchEngine(knowledge)


@pytest.fixture(scope="session")
def advisor(knowledge: KnowledgeBase) -> Advisor:
    return Advisor(knowledge)


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A writable copy of the knowledge files, for tests that break or extend them."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL server on 127.0.0.1 for the whole session, deleted at its end.

    A missing PostgreSQL fails the tests that need it, with how to install it: skipping them
    would let a machine without the server pass while testing nothing.
    """
    server = PostgresServer()
    missing: str | None = None
    try:
        server.start()
    except PostgresUnavailable as exc:
        missing = str(exc)
    if missing is not None:
        pytest.fail(missing, pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of a new empty database of this test's own, dropped after it (disk stays small)."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    url = postgres_server.create_database(name)
    yield url
    postgres_server.drop_database(name)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Backend:
    """Each test that asks for it runs twice: on SQLite, and on a real PostgreSQL server."""
    if request.param == "postgres":
        return Backend("postgres", request.getfixturevalue("postgres_url"))
    return Backend("sqlite")
