"""Fixtures of the hardening tests: a real ``policy-search serve`` over the fixture index."""

from __future__ import annotations

import pytest

from .server import serve


@pytest.fixture(scope="session")
def live_server(index_root):
    """``(host, port)`` of a ``policy-search serve`` process over the session's fixture index."""
    with serve(index_root) as server:
        yield server.host, server.port
