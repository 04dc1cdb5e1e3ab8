"""What the dialogue hands to a front end: HTML text, citations and buttons.

Front ends (Telegram, the terminal chat, `ask`) only render these values.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.citation import Citation
from bot.core.limits import CALLBACK_DATA_LIMIT


@dataclass(frozen=True)
class Button:
    """An inline button; `data` comes back to the dialogue when it is pressed."""

    label: str
    data: str

    def __post_init__(self) -> None:
        if not self.label.strip():
            raise ValueError("a button needs a label")
        size = len(self.data.encode("utf-8"))
        if not 1 <= size <= CALLBACK_DATA_LIMIT:
            raise ValueError(f"callback data must be 1-{CALLBACK_DATA_LIMIT} bytes, got {size}")


ButtonRows = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Reply:
    """One reply. `edit` asks the front end to replace the message whose button was pressed;
    `notice` to acknowledge the press briefly instead of sending a message."""

    html: str
    buttons: ButtonRows = ()
    citations: tuple[Citation, ...] = ()
    edit: bool = False
    # A short acknowledgement of a press, shown where the front end shows those (Telegram: a
    # notice over the chat), not as a message; `buttons` then replace the pressed row.
    notice: bool = False

    @property
    def button_list(self) -> tuple[Button, ...]:
        return tuple(button for row in self.buttons for button in row)
