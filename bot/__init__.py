"""Career Advisor: the dialogue, its views, and the adapters that carry it (Telegram, terminal)."""

import os

# One BLAS thread: the engine's matrices are small (30 candidates, 384 dimensions), and on a
# busy two-core host a second thread turned the float32 encoder's p99 from ~24 ms into
# hundreds. (The encoder, now in ONNX Runtime, is given one thread too: retrieval/encoder.py.)
# Set before numpy is imported; the environment may still choose otherwise.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# No pydantic plugins: the bot has none, and looking for them reads the entry points of every
# installed package at the first model class, some 30 ms of each `career-advisor ask`. Set
# PYDANTIC_DISABLE_PLUGINS to "" in the environment to let pydantic look again.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
# python-telegram-bot's durations as timedelta, as its next major version will have them: the
# old int form warns of its deprecation on every 429 (the bot reads the timedelta already).
os.environ.setdefault("PTB_TIMEDELTA", "1")
