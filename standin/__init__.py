"""A stand-in for Telegram's Bot API on 127.0.0.1, and what runs the real bot beside it.

Shared by the tests and the benchmarks (bench.load): neither imports the other.
"""
