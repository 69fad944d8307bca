"""Polite HTTP for ``policy-search sync``: stdlib ``http.client``, one request at a time.

What every request obeys (:class:`FetchPolicy`): http and https only; at most ``max_redirects``
redirects, each to http or https again; a connect timeout and a deadline for the whole answer;
at most ``max_bytes`` of body, refused from ``Content-Length`` before reading and counted while
streaming (a gzip body is counted after decompression as well); a pause of ``delay`` seconds (or
the host's robots.txt ``Crawl-delay``, whichever is longer) after the previous request to the same
host; the User-Agent ``policy-search/<version> (+<contact>)``; and robots.txt.

robots.txt (RFC 9309), fetched once per host and kept in the sync state for
:data:`ROBOTS_TTL` seconds so that a round with nothing new costs one request: a 2xx answer is
obeyed; a 4xx (404 included) allows everything; a 5xx or an unreachable host disallows
everything for this round (the rules may exist but cannot be read) unless an earlier copy is
cached, and the failure is not cached, so the next round asks again.

``http.client`` rather than ``urllib.request``: urllib follows redirects to ftp:// and reads a body
without a size bound; here redirects, size and deadline are each a few lines in one place.
"""

from __future__ import annotations

import http.client
import ssl
import threading
import time
import zlib
from dataclasses import dataclass
from importlib import metadata
from urllib.parse import quote, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

#: How long a fetched robots.txt is trusted (Google and RFC 9309 suggest up to a day).
ROBOTS_TTL = 24 * 3600.0
DEFAULT_CONTACT = "https://github.com/search?q=policy-search"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
# Characters left as they are when a URL's path and query are percent-encoded for the request line.
_URL_SAFE = "/:@!$&'()*+,;=%?~-._"


def _version() -> str:
    try:
        return metadata.version("policy-search")
    except metadata.PackageNotFoundError:
        return "0"


@dataclass(frozen=True)
class FetchPolicy:
    """How politely and how defensively sync fetches."""

    delay: float = 1.0
    """Seconds between two requests to the same host (robots.txt ``Crawl-delay`` may raise it)."""
    connect_timeout: float = 10.0
    """Seconds to open the connection (TLS handshake included)."""
    timeout: float = 30.0
    """Seconds for the whole answer once connected: headers and body."""
    max_bytes: int = 5 * 2**20
    """Largest body accepted (after decompression); longer answers are refused."""
    max_redirects: int = 5
    contact: str = DEFAULT_CONTACT
    """Where a site's owner can learn about this crawler or reach its operator (URL or e-mail)."""

    @property
    def user_agent(self) -> str:
        return f"policy-search/{_version()} (+{self.contact})"


class FetchError(Exception):
    """A request that gave no usable answer. ``reason`` is short (it is counted in summaries)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class Stopped(Exception):
    """The stop event was set (SIGTERM/SIGINT during ``sync --every``)."""


@dataclass(frozen=True)
class Response:
    url: str
    """The address that answered (after redirects)."""
    status: int
    """200 (any 2xx) or 304."""
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get_content_type()

    @property
    def charset(self) -> str | None:
        return self.headers.get_content_charset()


@dataclass
class RobotsEntry:
    """One host's robots.txt as cached in the sync state."""

    status: int
    body: str
    fetched_at: float

    def parser(self) -> RobotFileParser:
        rp = RobotFileParser()
        if 400 <= self.status < 500:
            rp.allow_all = True  # type: ignore[attr-defined]  # what read() sets for a 4xx
        else:
            rp.parse(self.body.splitlines())
        rp.modified()  # can_fetch() refuses everything until the parser has a read time
        return rp


class Fetcher:
    """Fetches under a :class:`FetchPolicy`; ``robots`` is the sync state's cache (updated in
    place)."""

    def __init__(
        self,
        policy: FetchPolicy,
        robots: dict[str, RobotsEntry] | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.policy = policy
        self.robots = robots if robots is not None else {}
        self.stop = stop or threading.Event()
        self.requests = 0
        """HTTP requests made (robots.txt ones included)."""
        self._last: dict[str, float] = {}
        self._parsers: dict[str, RobotFileParser | None] = {}
        self._robots_failures: dict[str, str] = {}

    def get(self, url: str, headers: dict[str, str] | None = None) -> Response:
        """GET ``url`` if robots.txt allows it, following redirects (each checked the same way).
        Raises :class:`FetchError` for any failure and for HTTP errors."""
        for _ in range(self.policy.max_redirects + 1):
            _check_scheme(url)
            origin = _origin(url)
            if not self._allowed(origin, url):
                if origin in self._robots_failures:
                    raise FetchError(
                        url,
                        f"robots.txt could not be read "
                        f"({self._robots_failures[origin]}), so nothing is fetched "
                        "from this host this round",
                    )
                raise FetchError(url, "disallowed by robots.txt")
            response, location = self._request(url, headers or {})
            if response is not None:
                return response
            assert location is not None
            url = location
        raise FetchError(url, f"more than {self.policy.max_redirects} redirects")

    # --- robots.txt -------------------------------------------------------------------------

    def _allowed(self, origin: str, url: str) -> bool:
        if origin not in self._parsers:
            self._parsers[origin] = self._robots(origin)
        parser = self._parsers[origin]
        return parser is not None and parser.can_fetch(self.policy.user_agent, url)

    def _robots(self, origin: str) -> RobotFileParser | None:
        cached = self.robots.get(origin)
        if cached is not None and time.time() - cached.fetched_at < ROBOTS_TTL:
            return cached.parser()
        try:
            response = self._fetch_robots(origin + "/robots.txt")
        except FetchError as exc:
            if exc.reason.startswith("HTTP 4"):
                entry = RobotsEntry(404, "", time.time())
            else:  # 5xx, unreachable, refused: the rules may exist; assume the worst this round
                if cached is not None:
                    return cached.parser()
                self._robots_failures[origin] = exc.reason
                return None
        else:
            entry = RobotsEntry(200, response.body.decode("utf-8", "replace"), time.time())
        self.robots[origin] = entry
        return entry.parser()

    def _fetch_robots(self, url: str) -> Response:
        for _ in range(self.policy.max_redirects + 1):
            response, location = self._request(url, {})
            if response is not None:
                return response
            assert location is not None
            url = location
        raise FetchError(url, f"more than {self.policy.max_redirects} redirects")

    def crawl_delay(self, origin: str) -> float:
        parser = self._parsers.get(origin)
        delay = parser.crawl_delay(self.policy.user_agent) if parser is not None else None
        return max(self.policy.delay, float(delay or 0))

    # --- one request --------------------------------------------------------------------------

    def _wait_turn(self, origin: str) -> None:
        last = self._last.get(origin)
        if last is not None:
            pause = last + self.crawl_delay(origin) - time.monotonic()
            if pause > 0 and self.stop.wait(pause):
                raise Stopped()
        if self.stop.is_set():
            raise Stopped()

    def _request(self, url: str, headers: dict[str, str]) -> tuple[Response | None, str | None]:
        """``(response, None)``, or ``(None, next url)`` for a redirect."""
        parts = _check_scheme(url)
        try:
            host, port = parts.hostname, parts.port
        except ValueError:
            raise FetchError(url, "the address has an invalid port") from None
        if not host:
            raise FetchError(url, "the address names no host")
        origin = _origin(url)
        self._wait_turn(origin)
        target = quote(parts.path or "/", safe=_URL_SAFE) + (
            "?" + quote(parts.query, safe=_URL_SAFE) if parts.query else ""
        )
        policy = self.policy
        conn: http.client.HTTPConnection
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(
                host, port, timeout=policy.connect_timeout, context=ssl.create_default_context()
            )
        else:
            conn = http.client.HTTPConnection(host, port, timeout=policy.connect_timeout)
        resp = None
        try:
            try:
                conn.connect()
                deadline = time.monotonic() + policy.timeout
                conn.sock.settimeout(policy.timeout)
                conn.request(
                    "GET",
                    target,
                    headers={
                        "User-Agent": policy.user_agent,
                        "Accept-Encoding": "gzip",
                        "Connection": "close",
                        **headers,
                    },
                )
                self.requests += 1
                resp = conn.getresponse()
                if resp.status in _REDIRECTS:
                    location = resp.getheader("Location")
                    if not location:
                        raise FetchError(url, f"HTTP {resp.status} without a Location")
                    nxt = urljoin(url, location.strip())
                    if urlsplit(nxt).scheme not in ("http", "https"):
                        raise FetchError(url, f"redirected to a non-http address {nxt[:80]}")
                    return None, nxt
                if resp.status == 304:
                    return Response(url, 304, resp.headers, b""), None
                if not 200 <= resp.status < 300:
                    raise FetchError(url, f"HTTP {resp.status}")
                body = self._read(url, resp, deadline)
                return Response(url, resp.status, resp.headers, body), None
            except TimeoutError:
                raise FetchError(url, "timed out") from None
            except ssl.SSLError as exc:
                raise FetchError(url, f"TLS error: {exc.reason or exc}") from None
            except (OSError, http.client.HTTPException) as exc:
                raise FetchError(url, f"connection failed: {_os_reason(exc)}") from None
        finally:
            if resp is not None:
                resp.close()  # with Connection: close the response, not conn, owns the socket
            conn.close()
            self._last[origin] = time.monotonic()

    def _read(self, url: str, resp: http.client.HTTPResponse, deadline: float) -> bytes:
        limit = self.policy.max_bytes
        too_large = FetchError(url, f"the answer is larger than {limit:,} bytes")
        length = resp.getheader("Content-Length")
        if length and length.strip().isdigit() and int(length) > limit:
            raise too_large
        encoding = (resp.getheader("Content-Encoding") or "identity").strip().lower()
        if encoding not in ("identity", "gzip", "x-gzip"):
            raise FetchError(url, f"unsupported Content-Encoding {encoding}")
        inflate = zlib.decompressobj(wbits=31) if encoding != "identity" else None
        raw = 0
        out = bytearray()
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FetchError(url, "timed out")
            # read1: one recv at most, so a server that trickles bytes meets the deadline (each
            # recv has the socket's timeout; getresponse() may already have closed our handle
            # on the socket, so the timeout cannot be shortened here).
            chunk = resp.read1(_CHUNK)
            if not chunk:
                break
            raw += len(chunk)
            if raw > limit:
                raise too_large
            if inflate is None:
                out += chunk
            else:
                try:
                    out += inflate.decompress(chunk, limit + 1 - len(out))
                except zlib.error:
                    raise FetchError(url, "the gzip body is corrupt") from None
                if inflate.unconsumed_tail:
                    raise too_large
            if len(out) > limit:
                raise too_large
        return bytes(out)


def _check_scheme(url: str):
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(
            url, f"only http and https addresses are fetched, not {parts.scheme or 'this'}:"
        )
    return parts


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _os_reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
