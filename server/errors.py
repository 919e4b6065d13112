"""One error shape for the whole server, and the handlers that produce it.

Every error a client sees is ``{"ok": false, "error", "errors", "status"}``
(JSON), or the ``error.html`` page when a browser asked for HTML. A user's
mistake is a 4xx with a message saying what to change; an unexpected failure is
logged with its traceback and answered with a plain 500 that shows none.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from flask import Response
from flask import current_app
from flask import jsonify
from flask import render_template
from flask import request
from werkzeug.exceptions import HTTPException

from loader.errors import QueryError
from loader.errors import StoreError

log = logging.getLogger(__name__)

RETRY_AFTER = 5  # seconds a client is asked to wait when the server is busy


class ApiError(Exception):
    """An error to show the client: HTTP status, message, optional details."""

    def __init__(
        self,
        status: int,
        message: str,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or []
        self.headers = headers or {}


def wants_html() -> bool:
    """Tell whether the client prefers an HTML page (a browser) to JSON."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "text/html"
        and request.accept_mimetypes["text/html"] > request.accept_mimetypes["application/json"]
    )


def error_response(error: ApiError) -> Response:
    """Render *error* as JSON, or as the error page for a browser."""
    if wants_html() and not request.path.startswith("/api/"):
        body = render_template("error.html", error=error)
        response = Response(body, status=error.status, mimetype="text/html")
    else:
        response = jsonify(
            {"ok": False, "error": error.message, "errors": error.errors, "status": error.status}
        )
        response.status_code = error.status
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


def register(app: Flask) -> None:
    """Install the handlers on *app*."""

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error)

    @app.errorhandler(QueryError)
    def _query_error(error: QueryError) -> Response:
        headers = {"Retry-After": str(RETRY_AFTER)} if error.status in (429, 503) else {}
        return error_response(ApiError(error.status, str(error), headers=headers))

    @app.errorhandler(StoreError)
    def _store_error(error: StoreError) -> Response:
        log.error("store error: %s", error)
        return error_response(ApiError(503, f"the store is not available: {error}"))

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        message = {
            404: f"nothing at {request.path}; see / for what this server offers",
            405: f"{request.method} is not allowed on {request.path}",
            413: f"the request body is larger than {current_app.config.get('MAX_CONTENT_LENGTH')} "
            "bytes (setting max_body_bytes)",
        }.get(status, error.description or error.name)
        headers = {}
        if status == 405 and error.get_response().headers.get("Allow"):
            headers["Allow"] = error.get_response().headers["Allow"]
        return error_response(ApiError(status, message, headers=headers))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(
            ApiError(500, "internal server error; the server log has the details")
        )
