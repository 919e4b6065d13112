"""Bound every request before any work, and send the headers that keep pages safe.

One ``before_request`` hook covers every area (/sparql, /api, /reconcile, the
pages): a body past ``max_body_bytes`` is 413, a URL past ``max_url_length`` is
414, a URL parameter or path segment past ``max_parameter_length`` is 400.
SPARQL text travels in the body (POST) or in the URL, so the URL limit bounds
``query``/``update`` given as URL parameters.

Absolute URLs the server generates come from ``public_url`` (or the host and
port settings), never from the Host header: :class:`PublicUrl` rewrites the
WSGI environment before Flask sees it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask import Response
from flask import request

from loader.settings import Settings
from server.errors import ApiError

# Characters RFC 3987 never allows in an IRI: a path holding one names nothing here.
NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|\\^`\x7f-\x9f]')

# SPARQL text may be longer than any other parameter: the URL and body limits bound it.
LONG_PARAMETERS = frozenset({"query", "update"})

# Reconciliation clients (OpenRefine) show previews in a frame of their own origin.
EMBEDDABLE = frozenset({"/reconcile/preview"})

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors "
)


def public_base(settings: Settings) -> str:
    """The server's public base URL, ending in '/'."""
    host = settings.host if ":" not in settings.host else f"[{settings.host}]"
    return settings.public_url or f"http://{host}:{settings.port}/"


class PublicUrl:
    """WSGI middleware: take scheme, host and path prefix from configuration, not the request."""

    def __init__(self, app: Any, base: str) -> None:
        self.app = app
        parts = urlsplit(base)
        self.scheme = parts.scheme
        self.host = parts.netloc
        self.prefix = parts.path.rstrip("/")

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.url_scheme"] = self.scheme
        environ["HTTP_HOST"] = self.host
        environ.pop("HTTP_X_FORWARDED_HOST", None)
        if self.prefix:
            environ["SCRIPT_NAME"] = self.prefix
        result: Iterable[bytes] = self.app(environ, start_response)
        return result


def register(app: Flask, settings: Settings) -> None:
    """Install the request bounds, the security headers and the public URL on *app*."""
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.wsgi_app = PublicUrl(app.wsgi_app, public_base(settings))  # type: ignore[method-assign]

    @app.before_request
    def _bounded() -> None:
        check_request(settings)

    app.jinja_env.tests["http_url"] = is_http_url

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if request.path in EMBEDDABLE:
            response.headers.setdefault("Content-Security-Policy", CSP + "*")
        else:
            response.headers.setdefault("Content-Security-Policy", CSP + "'none'")
            response.headers.setdefault("X-Frame-Options", "DENY")
        return response


def is_http_url(value: object) -> bool:
    """Tell whether *value* is an http(s) URL: the only kind of link rendered from data."""
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


def check_request(settings: Settings) -> None:
    """Refuse a request whose body, URL, parameters or path segments are too long.

    :raises ApiError: 413, 414 or 400, naming the setting to change; 404 for a path
        that holds a character no IRI can contain.
    """
    length = request.content_length
    if length is not None and length > settings.max_body_bytes:
        raise ApiError(
            413,
            f"the request body has {length} bytes, more than {settings.max_body_bytes} "
            "(setting max_body_bytes)",
        )
    environ = request.environ
    url_length = len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", ""))
    if url_length > settings.max_url_length:
        raise ApiError(
            414,
            f"the URL has {url_length} characters, more than {settings.max_url_length} "
            "(setting max_url_length); send long SPARQL with POST",
        )
    if NOT_IN_IRI.search(request.path):
        # No resource can live at such a path: the same answer as any other unknown path.
        raise ApiError(
            404,
            "nothing here: the path holds a character no IRI can contain "
            '(a space, a control character or one of <>"{}|\\^`)',
        )
    limit = settings.max_parameter_length
    for segment in request.path.split("/"):
        if len(segment) > limit:
            raise ApiError(
                400,
                f"a path segment has {len(segment)} characters, more than {limit} "
                "(setting max_parameter_length)",
            )
    for name, value in request.args.items(multi=True):
        if len(name) > limit or (len(value) > limit and name not in LONG_PARAMETERS):
            shown = name if len(name) <= 40 else name[:40] + "…"
            raise ApiError(
                400,
                f"parameter '{shown}' is longer than {limit} characters "
                "(setting max_parameter_length)",
            )
