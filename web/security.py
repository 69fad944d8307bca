"""Security headers on every response the app sends: pages, JSON, static files and errors.

:func:`init_app` registers one ``after_request`` hook. Flask runs it for normal responses, for
responses made by error handlers (404, 405, 400 …) and for the 500 response of an unhandled
exception, so no path through the app leaves without the headers. A view that needs a different
value for one of them may set it itself: the hook only fills in what is missing.

The policy: everything (scripts, styles, images, fonts, fetches) comes from this origin, with
``data:`` images allowed for inline SVG icons; no plugins, no ``<base>``, forms post only to this
site, and no other site may frame the pages (clickjacking). The pages use no inline script or
style, so neither ``'unsafe-inline'`` nor a nonce is needed.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def add_headers(response: Response) -> Response:
    """Fill in every header of :data:`HEADERS` the response does not already carry."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    """Register the header hook on ``app`` (once) and switch debug mode off.

    Flask turns debug mode on by itself when ``FLASK_DEBUG`` is set in the environment; in debug
    mode an exception escapes the app's error handlers (``PROPAGATE_EXCEPTIONS``) and the WSGI
    server answers with its own page, without the JSON error shape or these headers. The server
    never wants that, so the app starts with debug off; a developer can still set ``app.debug``
    after :func:`web.create_app`.
    """
    if app.extensions.get("security_headers"):
        return
    app.extensions["security_headers"] = True
    app.debug = False
    app.after_request(add_headers)
