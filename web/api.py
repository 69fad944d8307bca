"""The JSON API: ``GET /api/search``, ``GET /api/suggest``, ``GET /api/posts/<id>`` (and
``/related``), ``GET /api/openapi.json``.

Views only translate HTTP to :class:`search.SearchService` calls; errors are raised and answered
by :mod:`web.errors` in the shape ``{"error": {"code", "message", "param"}}``. Unknown query
parameters are ignored.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from flask import Blueprint, Response, current_app, jsonify, request

from search import SearchRequest
from search.related import limit_param
from search.suggest import SuggestRequest

from .errors import api_error

bp = Blueprint("api", __name__, url_prefix="/api")


@cache
def openapi_document(admin: bool = False) -> dict:
    """The OpenAPI 3.1 description of this API (``web/openapi.json``). The update webhook's paths
    (marked ``x-admin-only``) are left out unless ``admin``: a server without an admin token
    answers 404 there."""
    text = resources.files("web").joinpath("openapi.json").read_text("utf-8")
    doc = json.loads(text)
    if not admin:
        doc["paths"] = {
            path: item for path, item in doc["paths"].items() if not item.get("x-admin-only")
        }
    return doc


@bp.get("/search")
def search() -> Response:
    settings = current_app.extensions["search_settings"]
    req = SearchRequest.from_params(request.args, settings)
    return jsonify(current_app.extensions["search_service"].search(req))


@bp.get("/suggest")
def suggest() -> Response:
    req = SuggestRequest.from_params(request.args, current_app.extensions["search_settings"])
    found = current_app.extensions["search_service"].suggest(req.q, req.limit)
    return jsonify({"query": req.q, "suggestions": [s.to_dict() for s in found]})


@bp.get("/posts/<post_id>")
def post(post_id: str) -> Response:
    found = current_app.extensions["search_service"].post(post_id)
    if found is None:
        return api_error(404, "not_found", f"no post with id {post_id!r}", "id")
    return jsonify(found)


@bp.get("/posts/<post_id>/related")
def related(post_id: str) -> Response:
    limit = limit_param(request.args)
    found = current_app.extensions["search_service"].related(post_id, limit)
    if found is None:
        return api_error(404, "not_found", f"no post with id {post_id!r}", "id")
    return jsonify({"id": post_id, "related": found})


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(
        openapi_document(admin=bool(current_app.extensions["search_settings"].admin_token))
    )
