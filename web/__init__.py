"""policy-search's web layer: the Flask app (JSON API and HTML pages) and the command line."""

from .app import create_app

__all__ = ["create_app"]
