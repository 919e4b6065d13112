"""Follow a paged look-up the way a client does: from the first URL, along ``next``.

Any paged answer of the API has the shape ``{"ok": true, "total": N, "next": URL | null,
"results": [...]}``. :func:`follow_next` collects every page and checks what a
client relies on: the pages add up to ``total``, no item comes twice, every
item matches the filter the first URL asked for, and ``total`` does not change
from page to page. It works with Flask's test client and with an
``httpx.Client`` bound to a live server, so every paged look-up (provenance,
entity, speaker, document, contested, search) can reuse it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from typing import Protocol

Item = dict[str, Any]


class _Client(Protocol):
    def get(self, url: str) -> Any: ...


def _json(response: Any) -> tuple[int, Any]:
    """Status and JSON body of a Flask test response or an httpx response."""
    status = int(response.status_code)
    if hasattr(response, "get_json"):  # Flask's test client
        return status, response.get_json()
    return status, response.json()


def _identity(item: Item) -> str:
    return json.dumps(item, sort_keys=True, ensure_ascii=False)


def follow_next(
    client: _Client,
    first_url: str,
    *,
    matches: Callable[[Item], bool] | None = None,
    key: Callable[[Item], Any] = _identity,
    results: str = "results",
    max_pages: int = 10_000,
) -> list[Item]:
    """Collect every item of a paged look-up, following ``next`` until it is absent.

    :param matches: every item must satisfy it (the filter of *first_url*).
    :param key: what makes two items the same one (default: their whole JSON).
    :param results: the name of the list in each page.
    :returns: the items of every page, in order.
    :raises AssertionError: if a page fails, the pages do not add up to ``total``,
        an item comes twice or does not match, or ``next`` never ends.
    """
    items: list[Item] = []
    seen: dict[Any, str] = {}
    url: str | None = first_url
    total: int | None = None
    visited: list[str] = []
    while url is not None:
        assert url not in visited, f"'next' leads back to a page already read: {url}"
        assert len(visited) < max_pages, f"'next' did not end after {max_pages} pages"
        visited.append(url)
        status, body = _json(client.get(url))
        assert status == 200, f"{url} answered {status}: {body}"
        assert body.get("ok") is True, f"{url}: {body}"
        if total is None:
            total = body["total"]
        assert body["total"] == total, f"{url}: total changed from {total} to {body['total']}"
        page = body[results]
        next_url = body.get("next")
        assert page or (next_url is None and len(visited) == 1), (
            f"{url}: an empty page that is not the only one"
        )
        if "per_page" in body:
            assert len(page) <= body["per_page"], f"{url}: more items than per_page"
        for item in page:
            identity = key(item)
            assert identity not in seen, f"{url}: item also on {seen[identity]}: {item}"
            seen[identity] = url
            if matches is not None:
                assert matches(item), f"{url}: item does not match the filter: {item}"
        items += page
        url = next_url
    assert total is not None
    assert len(items) == total, (
        f"pages hold {len(items)} items but total is {total} (pages: {visited})"
    )
    return items
