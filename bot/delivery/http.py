"""kabot's HTTP client for the Bot API: python-telegram-bot's request interface on aiohttp.

PTB talks HTTP through httpx by default. Measured on this project's machine against the local
Bot API, one request cost 1.4 ms of CPU through httpx and 0.27 ms through aiohttp's client,
server included (``bench/bench_delivery.py`` shows what it does to a whole update). aiohttp
is a dependency already (the local Bot API server); its client is the same well-kept
library, with its HTTP parser in C.

Timeouts follow PTB's meaning: ``connect`` covers waiting for a free connection of the pool
and making it (pool + connect), ``read`` each wait for the answer; aiohttp has no write
timeout of its own, so the whole request is bounded by the sum of the four (an upload's
write timeout is PTB's longer media one).

The proxy the environment names (HTTPS_PROXY / HTTP_PROXY / NO_PROXY) is looked up once per
server, not by aiohttp's ``trust_env`` on every request: that reads ``~/.netrc`` and the
environment in two hops to a worker thread a request, a third of a whole update's CPU.
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
import urllib.request
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# PTB's defaults (HTTPXRequest), so nothing changes but the library underneath.
TIMEOUT = 5.0
POOL_TIMEOUT = 1.0
MEDIA_WRITE_TIMEOUT = 20.0


class AiohttpRequest(BaseRequest):
    """One connection pool of ``connections`` for the requests of one bot (or its
    getUpdates, which PTB gives a request object of its own)."""

    def __init__(self, connections: int = 256) -> None:
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None
        # (scheme, host, port) → its proxy, if any.
        self._proxies: dict[tuple[str, str | None, int | None], str | None] = {}

    @property
    def read_timeout(self) -> float:
        return TIMEOUT

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

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
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data else None
        read = _given(read_timeout, TIMEOUT)
        write = _given(write_timeout, MEDIA_WRITE_TIMEOUT if files else TIMEOUT)
        connect = _given(connect_timeout, TIMEOUT)
        pool = _given(pool_timeout, POOL_TIMEOUT)
        parts = (read, write, connect, pool)
        timeout = aiohttp.ClientTimeout(
            total=None if None in parts else sum(p for p in parts if p is not None),
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )
        proxy = await self._proxy(urllib.parse.urlsplit(url))
        body, headers = _body(request_data)
        try:
            async with session.request(
                method, url, data=body, headers=headers, timeout=timeout, proxy=proxy
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc

    async def _proxy(self, url: urllib.parse.SplitResult) -> str | None:
        """HTTPS_PROXY / HTTP_PROXY / NO_PROXY are honoured, as httpx did: an office that
        reaches Telegram through a proxy keeps doing so. Read on the first request to each
        server (off the loop: the lookup may read the system's configuration)."""
        origin = (url.scheme, url.hostname, url.port)
        if origin not in self._proxies:
            self._proxies[origin] = await asyncio.to_thread(_env_proxy, url)
        return self._proxies[origin]


def _env_proxy(url: urllib.parse.SplitResult) -> str | None:
    """The proxy the environment names for ``url`` (credentials, user:password@, in its
    address), or None when there is none or NO_PROXY exempts the host."""
    if url.hostname is None or urllib.request.proxy_bypass(url.hostname):
        return None
    return urllib.request.getproxies().get(url.scheme) or None


def _given(value: ODVInput[float], default: float) -> float | None:
    return default if isinstance(value, DefaultValue) else value


_JSON = {"Content-Type": "application/json"}


def _body(request_data: RequestData | None) -> tuple[aiohttp.FormData | bytes | None, Any]:
    """The parameters as one JSON object, which the Bot API takes as it takes a form and
    which costs a fraction of encoding one; multipart with the files when there are any
    (each value JSON, as PTB sends them). With the headers the body needs."""
    if request_data is None:
        return None, None
    files = request_data.multipart_data
    if not files:
        parameters = request_data.parameters
        if not parameters:
            return None, None
        return json.dumps(parameters, ensure_ascii=False).encode(), _JSON
    # Names as typed (UTF-8), as httpx and Telegram's own clients send them, not %-quoted.
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form, None
