"""The Telegram-free core: reading a message, the dialogue, the views and the reply values.

Nothing here imports Telegram or the terminal; the adapters beside it only render what it
returns."""
