"""The webhook's HTTP server: Telegram's POSTs in, checked, handed to one ``accept`` hook.

A small aiohttp.web server (aiohttp is the bot's HTTP client already) in place of
python-telegram-bot's tornado one, which reads the whole body before it looks at the secret,
accepts ``application/json`` only when spelled exactly so (not ``application/json;
charset=utf-8``), logs every wrong secret it is sent, verbatim, and logs a payload it cannot
read. Here, in order:

1. only the configured path is served (404 elsewhere), and only POST (405);
2. the ``X-Telegram-Bot-Api-Secret-Token`` header is compared with the secret in constant
   time, before a byte of the body is read: missing or wrong, 403;
3. the content type must be ``application/json``, parameters allowed (a charset, if given,
   must be UTF-8, which JSON requires): else 415;
4. a body over :data:`MAX_BODY` is refused with 413, from its Content-Length before reading
   it, or while reading a chunked one;
5. a body that is not JSON, or not an object with an integer ``update_id``, is refused with
   400, logged in a line that never holds the payload;
6. the update goes to ``accept``; 200 once it returns, 500 if it raises (Telegram then sends
   the update again later).

Refusals are logged at WARNING without the value sent (see :func:`fingerprint`), and at most
once a minute for each kind of refusal: the lines between are counted, not written, so a
flood of forged requests cannot flood the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.telegram_adapter.handlers import AdvisorApplication
from bot.telegram_adapter.log_redaction import ERROR_SHOWN, log_unreadable, shown

__all__ = [
    "MAX_BODY",
    "SECRET_HEADER",
    "Accept",
    "WebhookServer",
    "fingerprint",
    "queue_updates",
]

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kilobytes (a message is at most 4096 characters, and even a
# long poll or an album's caption is far from this); anything bigger is not from Telegram.
MAX_BODY = 1024 * 1024
REFUSAL_LOG_INTERVAL = 60.0  # seconds: at most one log line per kind of refusal in this time
# After a refusal aiohttp reads and throws away what the client still sends, for this long,
# so that a client can finish sending and read the answer; then it closes the connection.
LINGERING_TIME = 2.0
SHUTDOWN_TIMEOUT = 10.0  # seconds a stop waits for requests already being handled
HANDLING_WAIT = 50.0  # seconds the 200 waits for its update to be handled, at most

Accept = Callable[[dict[str, Any]], Awaitable[None]]
"""What the server hands each update to, as the JSON object Telegram sent. The server answers
200 only after it returns, so a hook that records the update durably first makes the 200 a
promise; if it raises, the answer is 500 and Telegram sends the update again later."""

# A key of this process's own: see fingerprint()
_FINGERPRINT_KEY = secrets.token_bytes(16)


def fingerprint(value: str) -> str:
    """A short keyed hash of a refused secret, to put in the log instead of the value.

    A wrong secret is often nearly the real one (a typo, one character short, the previous or
    the next secret during a rotation); the log's redaction only catches the exact secret, so
    logging what was sent could give most of it away. The fingerprint still tells apart one
    misconfigured sender repeating itself from many different guesses. It is keyed with a
    random key of this process, so nobody reading the log can test candidate secrets
    against it.
    """
    digest = hmac.new(_FINGERPRINT_KEY, value.encode("utf-8", "surrogateescape"), hashlib.sha256)
    return digest.hexdigest()[:8]


def queue_updates(application: Application) -> Accept:  # type: ignore[type-arg]
    """The default hook: the update goes into the application's update queue, and (for the
    Career Advisor's application) the 200 waits until it is handled, up to HANDLING_WAIT.

    Telegram forgets an update once it has its 200: answered when the update is only queued,
    a crash before it is handled would lose it, as an early getUpdates confirmation does
    with polling. Answered once it is handled, a crash means no 200, and Telegram sends it
    again (applied once: the store keeps the ids of applied updates).

    An update PTB cannot read but that has an id is skipped with one WARNING (its id and the
    error, never the payload) and answered 200, as polling does (see .polling_bot): refused,
    Telegram would send it again and again.
    """

    async def accept(update_json: dict[str, Any]) -> None:
        try:
            update = Update.de_json(update_json, application.bot)
        except Exception as error:
            log_unreadable(logger, update_json.get("update_id"), error)
            return
        handled = (
            application.when_handled(update.update_id)
            if isinstance(application, AdvisorApplication) else None
        )
        await application.update_queue.put(update)
        if handled is not None:
            # Past this, Telegram would give up on the request and send the update again
            # anyway; the 200 then only means it is queued.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(handled), HANDLING_WAIT)

    return accept


class _Throttle:
    """One WARNING per kind of refusal per interval; the ones in between are only counted."""

    def __init__(self, interval: float, clock: Callable[[], float]) -> None:
        self._interval = interval
        self._clock = clock
        self._last: dict[str, float] = {}
        self._unlogged: dict[str, int] = {}

    def warn(self, kind: str, message: str, *args: object) -> None:
        now = self._clock()
        last = self._last.get(kind)
        if last is not None and now - last < self._interval:
            self._unlogged[kind] = self._unlogged.get(kind, 0) + 1
            return
        self._last[kind] = now
        unlogged = self._unlogged.pop(kind, 0)
        if unlogged:
            message += " (and %d more like it, not logged, in the %.0f s before)"
            args = (*args, unlogged, now - last if last is not None else 0.0)
        logger.warning(message, *args)

    def flush(self) -> None:
        """Log the counts not yet logged (at a stop)."""
        for kind, unlogged in sorted(self._unlogged.items()):
            logger.warning("webhook: %d more refused requests (%s) were not logged", unlogged, kind)
        self._unlogged.clear()


class WebhookServer:
    """Serves ``path`` on ``listen``:``port`` and hands each genuine update to ``accept``.

    Call :meth:`start` once the application is ready for updates and :meth:`stop` before
    stopping it: a stop waits for the requests being handled, so an update answered 200 is in
    the hook's hands before the application stops.
    """

    def __init__(
        self,
        *,
        path: str,
        secret: str,
        accept: Accept,
        listen: str,
        port: int,
        max_body: int = MAX_BODY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not secret:
            raise ValueError("the webhook needs a secret")
        # Compared decoded, as aiohttp gives the request's path; a trailing "/" is allowed, as
        # PTB's server allowed it.
        self._path = unquote(path)
        self._paths = {self._path, self._path.rstrip("/") + "/"}
        self._secret = secret.encode("utf-8")
        self._accept = accept
        self._listen = listen
        self._port = port
        self._max_body = max_body
        self._throttle = _Throttle(REFUSAL_LOG_INTERVAL, clock)
        self._runner: web.AppRunner | None = None

    @property
    def port(self) -> int:
        """The port listened on: the one asked for, or the one the system chose for 0."""
        if self._runner is not None:
            for address in self._runner.addresses:
                return int(address[1])
        return self._port

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=self._max_body)
        # One route for every path and method, and the checks in the handler: the path is
        # compared as it is, whatever it holds (aiohttp's router would read "{...}" in it as a
        # variable), and the secret is checked before aiohttp's default answer to "Expect:
        # 100-continue" would invite the body.
        app.router.add_route("*", "/{path:.*}", self._handle, expect_handler=self._on_expect)
        return app

    async def start(self) -> None:
        # No access log: a line per update at INFO is noise; refusals are logged here.
        runner = web.AppRunner(
            self.make_app(),
            access_log=None,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
            lingering_time=LINGERING_TIME,
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, self._listen, self._port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        logger.debug("webhook server listening on %s port %d", self._listen, self.port)

    async def stop(self) -> None:
        """Stop listening, wait for the requests in hand, close the connections."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
            logger.debug("webhook server stopped")
        self._throttle.flush()

    # -------------------------------------------------------------------- requests

    def _refusal(self, request: web.BaseRequest) -> web.StreamResponse | None:
        """The answer to a request its headers alone disqualify; None if they pass."""
        if request.path not in self._paths:
            return _answer(404)
        if request.method != "POST":
            return _answer(405, headers={"Allow": "POST"})
        given = request.headers.get(SECRET_HEADER)
        if given is None or not hmac.compare_digest(
            given.encode("utf-8", "surrogateescape"), self._secret
        ):
            if given is None:
                self._throttle.warn(
                    "secret", "webhook: refused a request from %s without the secret token "
                    "header", request.remote,
                )
            else:
                self._throttle.warn(
                    "secret", "webhook: refused a request from %s with a wrong secret token "
                    "(%d characters, fingerprint %s)", request.remote, len(given),
                    fingerprint(given),
                )
            return _answer(403, close=True)
        charset = (request.charset or "utf-8").lower()
        if request.content_type != "application/json" or charset not in ("utf-8", "utf8"):
            self._throttle.warn(
                "content type", "webhook: refused a request with content type %r",
                request.headers.get("Content-Type", "")[:ERROR_SHOWN],
            )
            return _answer(415, close=True)
        length = request.content_length
        if length is not None and length > self._max_body:
            self._too_large(length)
            return _answer(413, close=True)
        return None

    def _too_large(self, length: int | None) -> None:
        shown = f"{length} bytes" if length is not None else "a chunked body"
        self._throttle.warn(
            "too large", "webhook: refused %s: at most %d bytes are read", shown, self._max_body
        )

    async def _on_expect(self, request: web.Request) -> web.StreamResponse | None:
        """``Expect: 100-continue``: the body is invited only if the headers pass."""
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        if request.headers.get("Expect", "").lower() != "100-continue":
            return _answer(417, close=True)
        if request.version >= (1, 1):
            await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            request.writer.output_size = 0  # the answer proper has not started, as aiohttp does
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        try:
            body = await request.read()  # at most client_max_size bytes, or 413
        except web.HTTPRequestEntityTooLarge:
            self._too_large(request.content_length)
            return _answer(413, close=True)
        update = _update_in(body)
        if isinstance(update, str):
            self._throttle.warn("bad update", "webhook: refused a request: %s", update)
            return _answer(400)
        try:
            await self._accept(update)
        except Exception as error:
            logger.error(
                "webhook: update %s was not accepted, answering 500 (%s: %s)",
                update["update_id"], type(error).__name__,
                shown(str(error)),
            )
            return _answer(500)
        return _answer(200)


def _update_in(body: bytes) -> dict[str, Any] | str:
    """The update a body holds, or why it holds none (without quoting it)."""
    try:
        update = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as error:
        return f"the body is not UTF-8 (at byte {error.start} of {len(body)})"
    except json.JSONDecodeError as error:
        return f"the body is not JSON ({error.msg} at character {error.pos} of {len(body)} bytes)"
    if not isinstance(update, dict):
        return f"the body is JSON but not an object ({type(update).__name__})"
    update_id = update.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        return "the body is not an update: it has no integer update_id"
    return update


def _answer(status: int, *, close: bool = False, headers: dict[str, str] | None = None
            ) -> web.Response:
    """A short plain-text answer. ``close``: the connection is closed after it, so a sender
    refused for its secret or its body gets no second try on it."""
    response = web.Response(status=status, headers=headers)
    response.text = f"{status} {response.reason}"
    if close:
        response.force_close()
    return response
