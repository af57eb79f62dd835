# Copied from overrides/paging.py by the generator: edit it there.
"""Every item of a collection operation, page by page, holding one page at a time.

    from threecx_xapi import iterate
    from threecx_xapi.api.users import list_user

    for user in iterate(list_user, client=client, filter_="Enabled eq true", page_size=200):
        ...
    async for user in aiterate(list_user, client=client):
        ...

Pages are requested with `$top`/`$skip`; when a page carries `@odata.nextLink`, the link is followed instead.
Every page is asked with the same filters and options.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from types import ModuleType
from typing import Any

import httpx

from .client import XapiClient
from .errors import XapiError
from .types import Unset


def _items(page: Any) -> list[Any]:
    value = getattr(page, "value", None)
    if isinstance(value, Unset) or value is None:
        return []
    if not isinstance(value, list):
        raise TypeError(f"{type(page).__name__} is not a collection (no 'value' list)")
    return value


def _next_link(page: Any, client: XapiClient) -> str | None:
    link = getattr(page, "odata_next_link", None)
    if not isinstance(link, str):
        extra = getattr(page, "additional_properties", {})
        link = extra.get("@odata.nextLink") if isinstance(extra, dict) else None
    if not isinstance(link, str) or not link:
        return None
    # The token goes to the PBX only: a link to another host is refused, not followed.
    if httpx.URL(link).is_absolute_url and httpx.URL(link).host != httpx.URL(client.base_url).host:
        raise XapiError(f"refusing @odata.nextLink to another host: {httpx.URL(link).host}")
    return link


def _start(page_size: int, params: dict[str, Any]) -> int:
    if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
        raise ValueError(f"page_size must be a positive int, got {page_size!r}")
    for reserved in ("top", "client"):
        if reserved in params:
            raise TypeError(f"iterate() sets {reserved!r} itself; pass page_size instead of top")
    skip = params.pop("skip", 0)
    return 0 if isinstance(skip, Unset) else int(skip)


def iterate(operation: ModuleType, *, client: XapiClient, page_size: int = 100, **params: Any) -> Iterator[Any]:
    """Yield every item of a collection operation (a generated module such as `list_user`)."""
    skip = _start(page_size, params)
    page = operation.sync(client=client, top=page_size, skip=skip, **params)
    while True:
        items = _items(page)
        link = _next_link(page, client)
        del page  # one page in memory: the next is fetched only after this one is yielded
        yield from items
        if link is not None:
            response = client.get_httpx_client().get(link)
            page = operation._parse_response(client=client, response=response)
            continue
        if len(items) < page_size:
            return
        skip += len(items)
        del items
        page = operation.sync(client=client, top=page_size, skip=skip, **params)


async def aiterate(
    operation: ModuleType, *, client: XapiClient, page_size: int = 100, **params: Any
) -> AsyncIterator[Any]:
    """The async twin of `iterate`: `async for item in aiterate(list_user, client=client)`."""
    skip = _start(page_size, params)
    page = await operation.asyncio(client=client, top=page_size, skip=skip, **params)
    while True:
        items = _items(page)
        link = _next_link(page, client)
        del page
        for item in items:
            yield item
        if link is not None:
            response = await client.get_async_httpx_client().get(link)
            page = operation._parse_response(client=client, response=response)
            continue
        if len(items) < page_size:
            return
        skip += len(items)
        del items
        page = await operation.asyncio(client=client, top=page_size, skip=skip, **params)
