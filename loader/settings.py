"""Every setting of Attest, declared once: name, type, default and help.

A value comes from, in order: a CLI option (``--kebab-case``), an environment
variable (``ATTEST_UPPER_CASE``), the default here. Nothing reads the
environment at import time: :func:`resolve` does, when asked.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from loader.errors import SettingError

PROJECT_DIR = Path(__file__).resolve().parent.parent
STORE_KINDS = ("oxigraph", "memory", "remote")


@dataclasses.dataclass(frozen=True)
class Setting:
    """One setting: its name, how to parse it, its default and its help."""

    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str
    choices: tuple[str, ...] = ()

    @property
    def env(self) -> str:
        return "ATTEST_" + self.name.upper()

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"expected true or false, got {text!r}")


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise ValueError(f"expected a number above 0, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError(f"expected a whole number above 0, got {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(f"expected a whole number of 0 or more, got {text!r}")
    return value


def _url_list(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.replace(",", " ").split() if part.strip())


def _path(text: str) -> Path:
    return Path(text).expanduser()


def _base_iri(text: str) -> str:
    if not (text.startswith("http://") or text.startswith("https://")) or not text.endswith("/"):
        raise ValueError(f"expected an http(s) IRI ending in '/', got {text!r}")
    return text


def _public_url(text: str) -> str:
    return _base_iri(text) if text else ""


SETTINGS: tuple[Setting, ...] = (
    Setting("seeds_dir", PROJECT_DIR / "seeds", "Directory of curated seed files.", _path),
    Setting(
        "data_dir",
        PROJECT_DIR / "data",
        "Directory of the embedded on-disk store (oxigraph store).",
        _path,
    ),
    Setting(
        "ontology_dir", PROJECT_DIR / "ontology", "Directory of the ontology and shapes.", _path
    ),
    Setting(
        "store",
        "oxigraph",
        "Store back end: oxigraph (embedded, on disk), memory (tests), remote (SPARQL 1.1 endpoint).",
        str,
        STORE_KINDS,
    ),
    Setting("store_url", "", "Remote store: SPARQL 1.1 query endpoint URL.", str),
    Setting(
        "update_url",
        "",
        "Remote store: SPARQL 1.1 update endpoint URL (defaults to the query URL).",
        str,
    ),
    Setting(
        "base_iri",
        "https://w3id.org/attest/",
        "Base of minted entity, document and assertion IRIs (ends in '/').",
        _base_iri,
    ),
    Setting("host", "127.0.0.1", "Address the server listens on.", str),
    Setting("port", 5000, "Port the server listens on.", _positive_int),
    Setting("threads", 8, "Request threads of the WSGI server.", _positive_int),
    Setting(
        "query_workers",
        2,
        "Processes that run user SPARQL queries (a timed-out query's process is killed).",
        _positive_int,
    ),
    Setting(
        "query_timeout",
        20.0,
        "Seconds a SPARQL query may run before it is stopped.",
        _positive_float,
    ),
    Setting(
        "result_limit",
        10000,
        "Most rows (SELECT) or triples (CONSTRUCT/DESCRIBE) one SPARQL answer returns.",
        _positive_int,
    ),
    Setting(
        "allow_updates",
        False,
        "Accept SPARQL Update requests on /sparql (needs update_token too).",
        _bool,
    ),
    Setting(
        "update_token",
        "",
        "Bearer token that SPARQL Update requests must present when updates are allowed.",
        str,
    ),
    Setting(
        "service_allowlist",
        ("https://query.wikidata.org/sparql",),
        "Endpoints a query's SERVICE clause may call (space- or comma-separated).",
        _url_list,
    ),
    Setting(
        "wikidata_api",
        "https://www.wikidata.org/w/api.php",
        "Wikidata's action API, used by 'attest wikidata refresh' and 'attest link'.",
        str,
    ),
    Setting(
        "wikidata_timeout",
        30.0,
        "Seconds to wait for Wikidata's API before giving up.",
        _positive_float,
    ),
    Setting(
        "network_isolation",
        True,
        "Run query workers in a network namespace of their own (no route to any host; "
        "federation only through relays to service_allowlist). The server refuses to start "
        "if it cannot; turn off only where the host already denies Attest outbound connections.",
        _bool,
    ),
    Setting(
        "federation_workers",
        1,
        "Processes that run queries with SERVICE calls to service_allowlist endpoints "
        "(none are started when the allow-list is empty).",
        _positive_int,
    ),
    Setting(
        "query_memory_limit",
        1024,
        "Megabytes of memory one SPARQL query may add to its worker process.",
        _positive_int,
    ),
    Setting(
        "max_query_depth",
        64,
        "Deepest nesting of brackets ({ ( [) a SPARQL query or update may have.",
        _positive_int,
    ),
    Setting(
        "max_body_bytes",
        262144,
        "Largest request body accepted, in bytes (larger: 413).",
        _positive_int,
    ),
    Setting(
        "max_url_length",
        16384,
        "Longest request URL accepted, in characters (longer: 414).",
        _positive_int,
    ),
    Setting(
        "max_parameter_length",
        2048,
        "Longest value of a URL parameter or path segment, in characters (SPARQL query and "
        "update text and reconciliation batches: max_body_bytes).",
        _positive_int,
    ),
    Setting(
        "client_queries",
        1,
        "SPARQL queries one client (remote address) may have running at once.",
        _positive_int,
    ),
    Setting(
        "client_queue",
        4,
        "SPARQL queries one client may have waiting for a worker (more: 429).",
        _positive_int,
    ),
    Setting(
        "queue_limit",
        32,
        "SPARQL queries all clients together may have waiting for a worker (more: 503).",
        _positive_int,
    ),
    Setting(
        "connection_limit",
        200,
        "Open connections the WSGI server accepts; past it, new ones wait in the listen backlog.",
        _positive_int,
    ),
    Setting(
        "proxy_hops",
        0,
        "Reverse proxies in front of the server whose X-Forwarded-For names the client "
        "(for per-client limits); 0: the connection's address is the client.",
        _non_negative_int,
    ),
    Setting(
        "public_url",
        "",
        "The server's public base URL (ends in '/'), used for absolute URLs it generates; "
        "empty: http://HOST:PORT/ from the host and port settings. Never the Host header.",
        _public_url,
    ),
)

_BY_NAME = {setting.name: setting for setting in SETTINGS}


@dataclasses.dataclass(frozen=True)
class Settings:
    """Resolved settings; build with :func:`resolve`."""

    seeds_dir: Path
    data_dir: Path
    ontology_dir: Path
    store: str
    store_url: str
    update_url: str
    base_iri: str
    host: str
    port: int
    threads: int
    query_workers: int
    query_timeout: float
    result_limit: int
    allow_updates: bool
    update_token: str
    service_allowlist: tuple[str, ...]
    wikidata_api: str
    wikidata_timeout: float
    network_isolation: bool
    federation_workers: int
    query_memory_limit: int
    max_query_depth: int
    max_body_bytes: int
    max_url_length: int
    max_parameter_length: int
    client_queries: int
    client_queue: int
    queue_limit: int
    connection_limit: int
    proxy_hops: int
    public_url: str

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some settings changed (values already parsed)."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def resolve(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve every setting: override > ``ATTEST_*`` environment > default.

    Overrides may be strings (parsed like the environment) or parsed values;
    ``None`` means "not given".

    :raises SettingError: if a name is unknown or a value does not parse.
    """
    env = os.environ if environ is None else environ
    given = {key: value for key, value in (overrides or {}).items() if value is not None}
    unknown = sorted(set(given) - set(_BY_NAME))
    if unknown:
        raise SettingError(f"unknown setting(s): {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.name in given:
            raw, origin = given[setting.name], setting.option
        elif setting.env in env:
            raw, origin = env[setting.env], setting.env
        else:
            values[setting.name] = setting.default
            continue
        values[setting.name] = _parse(setting, raw, origin)
    settings = Settings(**values)
    if settings.store == "remote" and not settings.store_url:
        raise SettingError(
            "store is 'remote' but store_url is empty; "
            "set --store-url or ATTEST_STORE_URL to a SPARQL query endpoint"
        )
    return settings


def _parse(setting: Setting, raw: Any, origin: str) -> Any:
    if not isinstance(raw, str):
        return raw
    try:
        value = setting.parse(raw)
    except ValueError as exc:
        raise SettingError(f"{origin}: {exc}") from None
    if setting.choices and value not in setting.choices:
        raise SettingError(f"{origin}: expected one of {', '.join(setting.choices)}, got {raw!r}")
    return value
