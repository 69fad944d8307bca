"""The client of one OpenSearch cluster, and what a failure to reach it becomes.

``POLICY_SEARCH_OPENSEARCH_URL`` takes one URL or several separated by commas (the nodes the
client may talk to; when one dies the others take its requests), each ``http://`` or
``https://``, optionally with ``user:password@`` (HTTP basic authentication; percent-encode
``@ : /`` in them). For TLS the system's CA store verifies the server unless
``Settings.opensearch_ca`` (``POLICY_SEARCH_OPENSEARCH_CA``) names a CA bundle (a PEM file);
there is deliberately no switch to turn verification off.

Timeouts: a connection must be made within :data:`CONNECT_SECONDS`, an answer must come within
``Settings.opensearch_timeout`` (10 s by default). A request that fails to connect is tried once
more on another node. So no call waits longer than about ``2 * CONNECT_SECONDS`` when the cluster
is unreachable, or than the read timeout when it hangs; then the caller gets
:class:`~search.backend.IndexUnavailable` (HTTP 503, a one-line CLI error). Nothing is cached
about a failure: the next request tries again, so service comes back by itself when the cluster
does.
"""

from __future__ import annotations

from contextlib import contextmanager
from urllib.parse import unquote, urlsplit

import orjson
import urllib3
from opensearchpy import JSONSerializer, OpenSearch
from opensearchpy.exceptions import (
    AuthenticationException,
    AuthorizationException,
    ConnectionError,
    NotFoundError,
    TransportError,
)

from search.backend import IndexUnavailable

#: Seconds to establish a TCP (and TLS) connection to a node.
CONNECT_SECONDS = 2.0
#: Connection attempts beyond the first, each on the next node.
RETRIES = 1


class _Serializer(JSONSerializer):
    """opensearch-py's JSON serializer, reading answers with orjson: a page of hits carries each
    post's text, units and offsets, and the standard library's parser took a sizeable part of a
    search's time on it (docs/scale-out.md). Requests are still written by the standard one."""

    def loads(self, s: str):
        try:
            return orjson.loads(s)
        except orjson.JSONDecodeError:
            return super().loads(s)  # what orjson refuses (lone surrogates) json may still read


def hosts_of(url: str) -> tuple[list[dict], tuple[str, str] | None]:
    """The client's host list and basic-auth pair of a (comma-separated) URL setting."""
    hosts, auth = [], None
    for part in (p.strip() for p in url.split(",")):
        if not part:
            continue
        parsed = urlsplit(part if "://" in part else "http://" + part)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(
                f"POLICY_SEARCH_OPENSEARCH_URL: {part!r} is not an http:// or "
                "https:// URL (example: https://user:password@search.example:9200)"
            )
        tls = parsed.scheme == "https"
        hosts.append(
            {
                "host": parsed.hostname,
                "port": parsed.port or 9200,
                "use_ssl": tls,
                "url_prefix": parsed.path.rstrip("/"),
            }
        )
        if parsed.username is not None:
            auth = (unquote(parsed.username), unquote(parsed.password or ""))
    if not hosts:
        raise ValueError(
            "POLICY_SEARCH_OPENSEARCH_URL is empty: give the cluster's address, "
            "e.g. http://127.0.0.1:9200"
        )
    return hosts, auth


def public_url(url: str) -> str:
    """The URL setting without passwords (for messages and stats)."""
    out = []
    for part in (p.strip() for p in url.split(",") if p.strip()):
        parsed = urlsplit(part if "://" in part else "http://" + part)
        netloc = parsed.hostname or ""
        if parsed.port:
            netloc += f":{parsed.port}"
        if parsed.username is not None:
            netloc = f"{parsed.username}:***@{netloc}"
        out.append(parsed._replace(netloc=netloc).geturl())
    return ",".join(out)


def connect(url: str, read_timeout: float, ca_certs: str | None = None) -> OpenSearch:
    """A client for the cluster at ``url`` (thread-safe; one per process)."""
    hosts, auth = hosts_of(url)
    tls = any(h["use_ssl"] for h in hosts)
    options: dict = {}
    if tls:
        options["verify_certs"] = True
        if ca_certs:
            options["ca_certs"] = ca_certs
    return OpenSearch(
        hosts=hosts,
        http_auth=auth,
        timeout=urllib3.Timeout(connect=CONNECT_SECONDS, read=read_timeout),
        max_retries=RETRIES,
        retry_on_timeout=False,
        # 503 from a node that lost its cluster manager: another node may still answer.
        retry_on_status=(502, 503, 504),
        # A dead node is left alone this long before it is tried again.
        dead_timeout=5,
        http_compress=False,
        serializer=_Serializer(),
        **options,
    )


@contextmanager
def reaching(url: str, alias: str):
    """Turns failures to reach the cluster (or a missing index) into
    :class:`~search.backend.IndexUnavailable` with a message that says how to fix it."""
    try:
        yield
    except NotFoundError as exc:
        if _index_missing(exc):
            raise IndexUnavailable(
                f"no OpenSearch index {alias!r} at {public_url(url)} yet: build it with "
                "`POLICY_SEARCH_BACKEND=opensearch policy-search rebuild`"
            ) from exc
        raise
    except ConnectionError as exc:
        raise IndexUnavailable(
            f"the OpenSearch cluster at {public_url(url)} cannot be reached ({_reason(exc)}): "
            "start it (`make opensearch` for the local one) or point "
            "POLICY_SEARCH_OPENSEARCH_URL at it"
        ) from exc
    except (AuthenticationException, AuthorizationException) as exc:
        raise IndexUnavailable(
            f"the OpenSearch cluster at {public_url(url)} refused the credentials "
            f"(HTTP {exc.status_code}): check user:password in POLICY_SEARCH_OPENSEARCH_URL"
        ) from exc
    except TransportError as exc:
        status = exc.status_code if isinstance(exc.status_code, int) else 0
        if status >= 500 or status == 429:
            raise IndexUnavailable(
                f"the OpenSearch cluster at {public_url(url)} cannot answer now (HTTP {status}, "
                f"{exc.error}): check its health (GET /_cluster/health)"
            ) from exc
        raise


def _index_missing(exc: NotFoundError) -> bool:
    return exc.error in ("index_not_found_exception", "alias_missing_exception") or (
        isinstance(exc.info, dict) and "error" not in exc.info
    )


def _reason(exc: ConnectionError) -> str:
    cause = exc.info if isinstance(exc.info, Exception) else exc
    text = str(cause).strip() or type(cause).__name__
    if "timed out" in text.lower() or "timeout" in type(cause).__name__.lower():
        return "timed out"
    if "refused" in text.lower():
        return "connection refused"
    return text.splitlines()[0][:160]
