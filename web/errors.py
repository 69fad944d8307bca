"""Error answers: JSON ``{"error": {"code", "message", "param"}}`` under ``/api/``, the reader's
HTML error page everywhere else. Never a traceback, never Flask's debugger."""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError

from search import IndexUnavailable, QueryError
from search.contract import Error

#: ``code`` of the JSON error for each HTTP status the service answers with.
STATUS_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    500: "internal_error",
    503: "index_unavailable",
}


def api_error(
    status: int, code: str, message: str, param: str | None = None, headers: dict | None = None
) -> Response:
    """The canonical JSON error response."""
    body: Error = {"error": {"code": code, "message": message, "param": param}}
    response = jsonify(body)
    response.status_code = status
    if headers:
        response.headers.update(headers)
    return response


def _is_api() -> bool:
    # Feeds are read by programs, not people: their errors are JSON too.
    return (
        request.path == "/api" or request.path.startswith("/api/") or request.path.endswith(".atom")
    )


def _html(status: int, lines: list[str] | None = None) -> Response:
    from .pages import error_page

    return error_page(status, lines)


def _http_error(e: HTTPException) -> Response:
    status = e.code or 500
    if not _is_api():
        return _html(status)
    headers = {}
    valid_methods = getattr(e, "valid_methods", None)  # set on MethodNotAllowed
    if status == 405 and valid_methods:
        headers["Allow"] = ", ".join(sorted(valid_methods))
        message = f"{request.method} is not allowed here; use {headers['Allow']}"
    elif status == 404:
        message = f"no API endpoint at {request.path}"
    else:
        message = e.description or e.name
    code = STATUS_CODES.get(status, "bad_request" if status < 500 else "internal_error")
    return api_error(status, code, message, None, headers)


def _query_error(e: QueryError) -> Response:
    # Only the API lets a QueryError through: the pages blueprint answers its own with the
    # reader's 400 page (web.pages), which links the same search without the bad parameter.
    return api_error(400, e.code, e.message, e.param)


def _unavailable(e: IndexUnavailable) -> Response:
    # Said to the public: no cluster addresses; the log has the backend's own message.
    message = (
        "the search index is not available: it has not been built yet (`policy-search "
        "rebuild`) or its search backend cannot be reached; try again shortly"
    )
    current_app.logger.info("index unavailable: %s", e)
    if not _is_api():
        return _html(
            503,
            ["検索インデックスがまだ用意されていません。しばらくしてからもう一度お試しください。"],
        )
    return api_error(503, "index_unavailable", message, None, {"Retry-After": "5"})


def _unexpected(e: Exception) -> Response:
    if isinstance(e, HTTPException):
        return _http_error(e)
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    if not _is_api():
        return _html(500)
    return api_error(500, "internal_error", InternalServerError.description, None)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(QueryError, _query_error)
    app.register_error_handler(IndexUnavailable, _unavailable)
    app.register_error_handler(Exception, _unexpected)
