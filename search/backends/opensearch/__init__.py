"""The OpenSearch backend (``POLICY_SEARCH_BACKEND=opensearch``): the only package besides the
Whoosh one that imports a search library (``opensearchpy``). See :mod:`.backend`."""

from __future__ import annotations

from .backend import OpenSearchBackend


def create(settings) -> OpenSearchBackend:
    """The backend over the cluster and alias ``settings`` name (nothing is contacted yet)."""
    return OpenSearchBackend(settings)


__all__ = ["OpenSearchBackend", "create"]
