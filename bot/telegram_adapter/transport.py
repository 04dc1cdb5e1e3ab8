"""The Bot API over aiohttp, through python-telegram-bot's `BaseRequest` seam.

PTB's default transport is httpx. Under load (bench.load, 200 users at once) httpx and its
connection pool took about 70% of the bot's CPU, some 2 ms per request; the same traffic over
aiohttp, whose HTTP parser is compiled, costs a third of that per update, which is what lets
one process handle the 300 updates/s the bot is meant to survive. PTB still builds every
request and reads every answer (errors, 429s, JSON); this class only moves the bytes.

Failures are raised as PTB's errors, chained to aiohttp's, so that `.delivery` can tell a
request that never reached Telegram from one whose answer was merely lost.
"""

from __future__ import annotations

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# PTB's own defaults for its httpx transport, in seconds
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 5.0
DEFAULT_POOL_TIMEOUT = 1.0


class AiohttpRequest(BaseRequest):
    """Bot API requests over one `aiohttp.ClientSession` with up to `connection_pool_size`
    keep-alive connections. Create one for getUpdates (pool of 1) and one for the rest."""

    def __init__(
        self,
        connection_pool_size: int = 256,
        *,
        connect_timeout: float | None = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float | None = DEFAULT_READ_TIMEOUT,
        pool_timeout: float | None = DEFAULT_POOL_TIMEOUT,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """PTB adds the long-polling time of getUpdates to this."""
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One request; the answer's status and body, or TimedOut / NetworkError.

        aiohttp has no write timeout (Bot API requests here are small); its `connect` timeout
        covers waiting for a pooled connection and opening one, so it gets both budgets.
        """
        if self._session is None or self._session.closed:
            raise RuntimeError("this AiohttpRequest is not initialized")
        read = _given(read_timeout, self._read_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout
            ) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as error:
            raise TimedOut("Timed out before the request was sent") from error
        except TimeoutError as error:  # aiohttp.SocketTimeoutError: sent, but no answer in time
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """Parameters as a urlencoded form, or multipart when there are files to upload."""
    if request_data is None:
        return None
    parameters = request_data.json_parameters
    files = request_data.multipart_data
    if not files:
        return parameters
    form = aiohttp.FormData()
    for name, value in parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in files.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form
