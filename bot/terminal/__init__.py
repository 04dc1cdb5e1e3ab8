"""The terminal adapter: the chat in a terminal, its saved state, and HTML shown as text."""
