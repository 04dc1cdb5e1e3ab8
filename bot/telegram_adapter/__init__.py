"""The Telegram adapter (python-telegram-bot): wiring, handlers, the HTTP transport, delivery
with retries, the typing indicator, splitting long replies, the flood guard and log
redaction; state is kept by `bot.storage`. Named so, not `telegram`, to stay clear of the
`telegram` package."""
