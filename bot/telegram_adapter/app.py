"""The Telegram bot, wired in one place: which handler gets which update, and with what."""

from __future__ import annotations

import asyncio
import logging
import re

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    Defaults,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.config import LoadTestSettings, Settings, load_test_settings
from bot.core.dialogue import COMMANDS, Dialogue
from bot.storage import StateStore, make_store
from bot.telegram_adapter.delivery import PerChatUpdateProcessor, RetryingLimiter
from bot.telegram_adapter.handlers import (
    AdvisorApplication,
    on_button,
    on_command,
    on_error,
    on_media,
    on_text,
)
from bot.telegram_adapter.polling_bot import PollingBot
from bot.telegram_adapter.transport import AiohttpRequest

logger = logging.getLogger(__name__)

# Updates of different chats are handled side by side (a slow send for one chat does not hold
# up the others); those of one chat stay in order (see bot.telegram_adapter.delivery).
CONCURRENT_UPDATES = 64
CONNECTION_POOL_SIZE = 2 * CONCURRENT_UPDATES  # a reply and a typing indicator per update

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
) -> Application:
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
                "store": store if store is not None else default_store(settings),
                "data_dir": settings.data_dir,
            },
        )
        .bot(bot)
        .concurrent_updates(processor)
        .post_init(_on_startup)
        .build()
    )
    bot.on_invalid_token(lambda error: _stop_for_invalid_token(application, error))
    if isinstance(application, AdvisorApplication):
        processor.drop_when(lambda update: _in_flood_cooldown(application, update))
    if isinstance(application, AdvisorApplication) and load_test is not None:
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
    user = update.effective_user if isinstance(update, Update) else None
    return user is not None and application.flood_guard.is_quiet(user.id)


class TokenRefused(Exception):
    """Telegram answered 401 to getUpdates: the token was revoked or is wrong."""


def _stop_for_invalid_token(application: Application, error: Exception) -> None:
    """Stop polling and the process: without a valid token there is nothing left to do."""
    logger.critical(
        "Telegram refused the bot token (%s): it was revoked or is wrong. Stopping; set a "
        "valid TELEGRAM_BOT_TOKEN and start again.", error,
    )
    if isinstance(application, AdvisorApplication):
        application.token_refused = True
    application.stop_running()


def default_store(settings: Settings) -> StateStore:
    """SQLite in the data directory, or PostgreSQL when DATABASE_URL is set."""
    url = settings.database_url.get_secret_value() if settings.database_url else None
    return make_store(settings.data_dir, url)


def add_handlers(application: Application) -> None:
    messages = filters.UpdateType.MESSAGE | filters.UpdateType.EDITED_MESSAGE
    application.add_handler(MessageHandler(messages & filters.COMMAND, on_command))
    application.add_handler(MessageHandler(messages & filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(MessageHandler(messages & MEDIA, on_media))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_error_handler(on_error)


async def _on_startup(application: Application) -> None:
    """Show the command menu and build the search index before the first question."""
    await application.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])
    if isinstance(application, AdvisorApplication):
        application.dialogue.warm_up()
        semantic = application.dialogue.advisor.engine.semantic
        if semantic is not None:
            # The passage embeddings came from the cache; the model itself loads beside the
            # first polls (a question arriving first waits for it), not before them.
            loading = asyncio.get_running_loop().run_in_executor(None, semantic.load_encoder)
            loading.add_done_callback(lambda done: _stop_if_failed(application, done))
    limits = "Telegram's" if isinstance(application.bot.rate_limiter, RetryingLimiter) and (
        application.bot.rate_limiter.inner is not None
    ) else "none (load testing only)"
    logger.info("Career Advisor is up as @%s; rate limits: %s", application.bot.username, limits)


def run_telegram(settings: Settings, dialogue: Dialogue) -> None:
    """Webhook or long polling until SIGINT/SIGTERM; PTB then stops cleanly and saves the state.

    In webhook mode PTB registers ``settings.webhook_url`` with Telegram (setWebhook, with the
    secret) and serves plain HTTP on the listen address and port, for a reverse proxy that
    terminates TLS. Its server answers 403 to a request whose X-Telegram-Bot-Api-Secret-Token
    header is missing or wrong (tests/test_webhook.py checks this). The webhook stays
    registered after a stop, so Telegram keeps the updates until the bot is back.
    """
    application = build_application(settings, dialogue, load_test=load_test_settings())
    if not settings.webhook_enabled:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
        if getattr(application, "token_refused", False):
            raise TokenRefused("Telegram refused TELEGRAM_BOT_TOKEN (401 Unauthorized)")
        return
    assert settings.webhook_url is not None and settings.webhook_secret is not None  # validated
    logger.info(
        "Webhook mode: serving %s on %s port %d for %s",
        settings.webhook_path,
        settings.webhook_listen,
        settings.webhook_port,
        settings.webhook_url,
    )
    application.run_webhook(
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        # PTB's server routes on this path as a regular expression: escape it so a "." or "+"
        # in the public URL's path matches only itself.
        url_path=re.escape(settings.webhook_path),
        webhook_url=settings.webhook_url,
        secret_token=settings.webhook_secret.get_secret_value(),
        allowed_updates=Update.ALL_TYPES,
    )
