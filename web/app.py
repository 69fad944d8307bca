"""The Flask application factory.

``create_app(settings)`` wires one :class:`search.SearchService` (opened lazily, so an app over a
missing index starts and answers 503 until an index is published) to the JSON API and the HTML
pages. Extensions: ``app.extensions["search_service"]`` and ``app.extensions["search_settings"]``.
"""

from __future__ import annotations

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from search import SearchService, Settings

from . import admin, api, feeds, pages, security
from .errors import register_error_handlers


class JSONProvider(DefaultJSONProvider):
    """JSON answers keep Japanese as it is (no ``\\u`` escapes) and keys in the order the
    service builds them."""

    ensure_ascii = False
    sort_keys = False


def create_app(config: Settings | None = None) -> Flask:
    """An app over ``config`` (default: :meth:`Settings.from_env`)."""
    settings = config if config is not None else Settings.from_env()
    app = Flask(__name__, static_folder=None)
    app.json = JSONProvider(app)
    app.extensions["search_settings"] = settings
    app.extensions["search_service"] = SearchService(settings)
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(feeds.bp)
    register_error_handlers(app)
    admin.init_app(app)
    security.init_app(app)
    return app
