"""Attest's HTTP server (Flask): SPARQL endpoint, provenance API, Linked Data pages.

``create_app(overrides)`` resolves the settings, opens the store read-only and
starts the query workers; nothing happens at import time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask import Response
from flask import current_app
from flask import g
from flask import has_request_context
from flask import request

from loader.errors import StoreError
from loader.iris import Iris
from loader.settings import Settings
from loader.settings import resolve
from loader.store import Store
from loader.store import open_store
from server.lookups.cards import read_model_problem
from server.runners import Runners
from server.runners import make_runner

__all__ = ["create_app", "runtime", "Runtime"]

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Runtime:
    """What the views share: settings, the store, the query runner, the IRI minter."""

    settings: Settings
    store: Store
    runner: Runners
    iris: Iris

    def close(self) -> None:
        self.runner.close()
        self.store.close()


def runtime() -> Runtime:
    """The current app's :class:`Runtime`; in a request, with the store pinned.

    Every query of one request reads one version of the store, even if a load
    switches it in the middle of the request.
    """
    found: Runtime = current_app.extensions["attest"]
    if not has_request_context():
        return found
    pinned: Runtime | None = g.get("attest_runtime")
    if pinned is None:
        pinned = dataclasses.replace(found, store=found.store.pinned())
        g.attest_runtime = pinned
    return pinned


def create_app(
    overrides: Mapping[str, Any] | None = None, *, settings: Settings | None = None
) -> Flask:
    """Build the Flask app over the store the settings name.

    :param overrides: setting values that win over the environment and defaults.
    :param settings: already resolved settings (used instead of *overrides*).
    :raises SettingError: if a setting does not parse.
    :raises StoreError: if the store cannot be opened.
    """
    from server import api
    from server import caching
    from server import errors
    from server import limits
    from server import pages
    from server import reconcile
    from server import sparql

    resolved = settings or resolve(overrides)
    app = Flask(__name__)
    app.config.update(ATTEST=resolved.as_dict(), JSON_SORT_KEYS=False)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    store = open_store(resolved)
    app.extensions["attest"] = Runtime(
        resolved, store, make_runner(resolved, store), Iris(resolved.base_iri)
    )
    app.extensions[api.READ_MODEL_KEY] = read_model_problem(store, Iris(resolved.base_iri))
    with app.app_context(), contextlib.suppress(StoreError):  # no store yet: indexed on first use
        api.text_index().start()  # indexes quotes in the background, ready before most searches
    errors.register(app)
    limits.register(app, resolved)
    caching.register(app)
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(reconcile.blueprint)
    app.register_blueprint(pages.blueprint)

    @app.after_request
    def _cors(response: Response) -> Response:
        if request.path.startswith(("/sparql", "/api/", "/reconcile")):
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Accept, Authorization, Content-Type"
            response.headers["Access-Control-Expose-Headers"] = (
                "Warning, Link, X-Attest-Truncated, X-Attest-Result-Limit"
            )
        return response

    return app
