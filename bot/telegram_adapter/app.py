"""The Telegram bot, wired in one place: which handler gets which update, and with what."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.config import LoadTestSettings, Settings, load_test_settings
from bot.core.dialogue import COMMANDS, Dialogue
from bot.storage import StateStore, store_for
from bot.telegram_adapter.delivery import PerChatUpdateProcessor, RetryingLimiter
from bot.telegram_adapter.handlers import (
    AdvisorApplication,
    on_button,
    on_command,
    on_error,
    on_inline_query,
    on_media,
    on_text,
    sender_key,
)
from bot.telegram_adapter.polling_bot import PollingBot
from bot.telegram_adapter.startup import until_answered
from bot.telegram_adapter.transport import AiohttpRequest
from bot.telegram_adapter.webhook_server import WebhookServer, queue_updates

logger = logging.getLogger(__name__)

# Updates of different chats are handled side by side (a slow send for one chat does not hold
# up the others); those of one chat stay in order (see bot.telegram_adapter.delivery).
CONCURRENT_UPDATES = 64
CONNECTION_POOL_SIZE = 2 * CONCURRENT_UPDATES  # a reply and a typing indicator per update
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGABRT)  # those PTB's run_* stop on

# Messages that are not text or commands, answered with a note that the bot reads text.
MEDIA = (
    filters.Sticker.ALL
    | filters.PHOTO
    | filters.VOICE
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.AUDIO
    | filters.Document.ALL
    | filters.ANIMATION
    | filters.LOCATION
    | filters.CONTACT
    | filters.POLL
)


def build_application(
    settings: Settings,
    dialogue: Dialogue,
    store: StateStore | None = None,
    request: BaseRequest | None = None,
    *,
    load_test: LoadTestSettings | None = None,
) -> AdvisorApplication:
    """The Application with all handlers; the store opens with it (``initialize``).

    ``store`` defaults to the one the settings name; ``request`` replaces HTTP, for offline
    tests. ``load_test`` holds the load-test knobs; None is production: Telegram's rate limits
    on, answers in a worker thread only for long messages.
    """
    if settings.token is None:
        raise ValueError("a Telegram bot needs TELEGRAM_BOT_TOKEN")
    telegram_limits = (
        None
        if load_test is not None and load_test.rate_limit == "off"
        # 429s never reach it: RetryingLimiter waits them out per call (see .delivery)
        else AIORateLimiter(max_retries=0)
    )
    if request is None:  # aiohttp, not PTB's httpx: a third of the CPU per update
        requests: tuple[BaseRequest, BaseRequest] = (
            AiohttpRequest(CONNECTION_POOL_SIZE), AiohttpRequest(1)
        )
    else:
        requests = (request, request)
    processor = PerChatUpdateProcessor(CONCURRENT_UPDATES)
    bot = PollingBot(
        settings.token.get_secret_value(),
        base_url=settings.api_base_url,
        request=requests[0],
        get_updates_request=requests[1],
        defaults=Defaults(
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ),
        rate_limiter=RetryingLimiter(telegram_limits, retry_for=settings.send_retry_seconds),
    )
    application = (
        Application.builder()
        .application_class(
            AdvisorApplication,
            kwargs={
                "dialogue": dialogue,
                "store": store if store is not None else store_for(settings),
                "data_dir": settings.data_dir,
                "admins": settings.admins,
            },
        )
        .bot(bot)
        .concurrent_updates(processor)
        .post_init(_on_startup)
        .build()
    )
    assert isinstance(application, AdvisorApplication)  # application_class above
    bot.on_invalid_token(lambda error: _stop_for_invalid_token(application, error))
    processor.drop_when(
        lambda update: _in_flood_cooldown(application, update), then=application.done_with
    )
    bot.on_fetched(application.record_fetched)
    if load_test is not None:
        application.search_in_thread = load_test.search_in_thread
    add_handlers(application)
    return application


def _stop_if_failed(application: Application, loading: asyncio.Future[None]) -> None:
    """A model that does not load (files changed or missing) stops the bot, saying why."""
    error = None if loading.cancelled() else loading.exception()
    if error is not None:
        logger.critical("The search model could not be loaded: %s", error)
        application.stop_running()


def _in_flood_cooldown(application: AdvisorApplication, update: object) -> bool:
    """A flooder already told to wait: their updates are dropped before taking a slot."""
    sender = sender_key(update) if isinstance(update, Update) else None  # as the handlers count
    return sender is not None and application.flood_guard.is_quiet(sender)


class TokenRefused(Exception):
    """Telegram answered 401, at start or to getUpdates: the token was revoked or is wrong."""


def _stop_for_invalid_token(application: Application, error: Exception) -> None:
    """Stop the bot and the process: without a valid token there is nothing left to do."""
    logger.critical(
        "Telegram refused the bot token (%s): it was revoked or is wrong. Stopping; set a "
        "valid TELEGRAM_BOT_TOKEN and start again.", error,
    )
    if isinstance(application, AdvisorApplication):
        application.token_refused = True
    application.stop_running()


def add_handlers(application: Application) -> None:
    messages = filters.UpdateType.MESSAGE | filters.UpdateType.EDITED_MESSAGE
    application.add_handler(MessageHandler(messages & filters.COMMAND, on_command))
    application.add_handler(MessageHandler(messages & filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(MessageHandler(messages & MEDIA, on_media))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(InlineQueryHandler(on_inline_query))
    application.add_error_handler(on_error)


async def _on_startup(application: Application) -> None:
    """Show the command menu and build the search index before the first question."""
    commands = [BotCommand(name, text) for name, text in COMMANDS]
    await until_answered(lambda: application.bot.set_my_commands(commands), "setMyCommands")
    if isinstance(application, AdvisorApplication):
        await application.resume_unfinished()  # before the first poll: they come first
        application.dialogue.warm_up()
        semantic = application.dialogue.advisor.engine.semantic
        loop = asyncio.get_running_loop()
        # the spelling index is filed beside the first polls too (a typo first waits for it)
        loop.run_in_executor(None, application.dialogue.advisor.engine.analyzer.prepare_spelling)
        if semantic is not None:
            # The passage embeddings came from the cache; the model itself loads beside the
            # first polls (a question arriving first waits for it), not before them.
            loading = loop.run_in_executor(None, semantic.load_encoder)
            loading.add_done_callback(lambda done: _stop_if_failed(application, done))
    limits = "Telegram's" if isinstance(application.bot.rate_limiter, RetryingLimiter) and (
        application.bot.rate_limiter.inner is not None
    ) else "none (load testing only)"
    logger.info("Career Advisor is up as @%s; rate limits: %s", application.bot.username, limits)


def run_telegram(settings: Settings, dialogue: Dialogue) -> None:
    """Webhook or long polling until SIGINT/SIGTERM; then a clean stop that saves the state.

    The start's Bot API calls are retried until Telegram answers (.startup); a refused token
    raises TokenRefused, at start or later. In webhook mode the bot serves plain HTTP on the
    listen address and port (.webhook_server), for a reverse proxy that terminates TLS, and
    registers ``settings.webhook_url`` with Telegram (setWebhook, with the secret). The
    webhook stays registered after a stop, so Telegram keeps the updates until the bot is back.
    """
    application = build_application(settings, dialogue, load_test=load_test_settings())
    server = None
    if settings.webhook_enabled:
        assert settings.webhook_url is not None and settings.webhook_secret is not None
        logger.info(
            "Webhook mode: serving %s on %s port %d for %s",
            settings.webhook_path,
            settings.webhook_listen,
            settings.webhook_port,
            settings.webhook_url,
        )
        server = WebhookServer(
            path=settings.webhook_path,
            secret=settings.webhook_secret.get_secret_value(),
            accept=queue_updates(application),
            listen=settings.webhook_listen,
            port=settings.webhook_port,
        )
    # A loop of our own, run as PTB's run_polling runs it: until the loop is stopped, which
    # is what a stop signal and application.stop_running() (a refused token, a model that
    # fails to load) both do.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        _run_until_stopped(loop, application, server, settings)
    finally:
        try:
            _cancel_remaining_tasks(loop)
        finally:
            loop.close()
            asyncio.set_event_loop(None)
    if application.token_refused:
        raise TokenRefused("Telegram refused TELEGRAM_BOT_TOKEN (401 Unauthorized)")


def _run_until_stopped(
    loop: asyncio.AbstractEventLoop,
    application: Application,
    server: WebhookServer | None,
    settings: Settings,
) -> None:
    """Start, serve until stopped, stop; a start that failed is raised after the stop."""
    starting = loop.create_task(_start(application, server, settings))

    def started(task: asyncio.Task[bool]) -> None:
        if task.cancelled() or task.exception() is not None or not task.result():
            loop.stop()

    starting.add_done_callback(started)
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, loop.stop)
    try:
        loop.run_forever()
    finally:
        # A second signal during the stop gets its default action: a way out of a stuck stop.
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)
        starting.cancel()  # if stopped while starting, e.g. while waiting for Telegram
        _run_to_end(loop, starting)
        stopping = loop.create_task(_stop(application, server))
        _run_to_end(loop, stopping)
        stopping.result()  # raises what went wrong in the stop
    error = None if starting.cancelled() else starting.exception()
    if error is not None:
        raise error


def _run_to_end(loop: asyncio.AbstractEventLoop, task: asyncio.Future[Any]) -> None:
    """Run the loop until ``task`` is done (without raising its error).

    Not run_until_complete: stop_running() may still stop the loop meanwhile (a token refused
    or a model failing to load during the stop), which would make it raise; here the loop
    just goes round again.
    """
    task.add_done_callback(lambda _: loop.stop())
    while not task.done():
        loop.run_forever()


async def _start(
    application: Application, server: WebhookServer | None, settings: Settings
) -> bool:
    """Up to taking updates; False if the token was refused on the way."""
    try:
        # getMe alone first: application.initialize() would also open the store again on
        # every attempt. Once it has succeeded, initialize() does not call it again.
        await until_answered(application.bot.initialize, "getMe (checking the token)")
        await application.initialize()
        # Started before post_init, unlike PTB's order: stop_running() (a model that fails to
        # load, see _on_startup) stops a running application only.
        await application.start()
        if application.post_init is not None:
            await application.post_init(application)
        if server is None:
            updater = application.updater
            assert updater is not None  # the builder makes one

            def on_polling_error(error: TelegramError) -> None:  # as PTB's run_polling does
                application.create_task(application.process_error(error=error, update=None))

            await until_answered(
                lambda: updater.start_polling(
                    allowed_updates=Update.ALL_TYPES, error_callback=on_polling_error
                ),
                "deleteWebhook (starting to poll)",
            )
        else:
            await server.start()
            assert settings.webhook_url is not None and settings.webhook_secret is not None
            url, secret = settings.webhook_url, settings.webhook_secret.get_secret_value()
            await until_answered(
                lambda: application.bot.set_webhook(
                    url, secret_token=secret, allowed_updates=Update.ALL_TYPES
                ),
                "setWebhook",
            )
    except InvalidToken as error:
        _stop_for_invalid_token(application, error)
        return False
    return True


async def _stop(application: Application, server: WebhookServer | None) -> None:
    """Undo whatever part of _start was done: no more updates in, those in hand handled."""
    if server is not None:
        await server.stop()
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()  # handles the updates already queued first
    await application.shutdown()  # closes the store
    await application.bot.shutdown()  # when getMe never succeeded, shutdown() skipped it


def _cancel_remaining_tasks(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what is still pending after the stop, as asyncio.run does before closing its loop.

    E.g. aiohttp's wait for the rest of a refused request's body, whose client has gone: the
    server no longer tracks it, and a loop closed under it logs "Task was destroyed".
    """
    tasks = asyncio.all_tasks(loop)
    for task in tasks:
        task.cancel()
    _run_to_end(loop, asyncio.gather(*tasks, return_exceptions=True))
