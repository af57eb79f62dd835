"""Every item of a collection operation, page by page, holding one page at a time.

    from threecx_xapi import iterate
    from threecx_xapi.api.users import list_user

    for user in iterate(list_user, client=client, filter_="Enabled eq true", page_size=200):
        ...
    async for user in aiterate(list_user, client=client):
        ...

Pages are requested with `$top`/`$skip`; when a page carries `@odata.nextLink`, the link is followed instead
(on the client's own PBX address). Every `$top`/`$skip` page is asked with the same filters and options; a
next link carries the ones the PBX put in it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from types import ModuleType
from typing import Any

import httpx

from .client import XapiClient
from .types import Unset


def _items(page: Any) -> list[Any]:
    value = getattr(page, "value", None)
    if isinstance(value, Unset) or value is None:
        return []
    if not isinstance(value, list):
        raise TypeError(f"{type(page).__name__} is not a collection (no 'value' list)")
    return value


def _next_link(page: Any, client: XapiClient) -> str | None:
    """The page's `@odata.nextLink`, as a URL on the client's own PBX address.

    Only the link's path and query are kept: the token goes to the PBX the client was made for, never to a
    host, scheme or port a page names (a PBX behind a proxy often names its inner address).
    """
    link = getattr(page, "odata_next_link", None)
    if not isinstance(link, str):
        extra = getattr(page, "additional_properties", {})
        link = extra.get("@odata.nextLink") if isinstance(extra, dict) else None
    if not isinstance(link, str) or not link:
        return None
    resolved = httpx.URL(client.base_url + "/").join(link)
    return str(httpx.URL(client.root_url).copy_with(raw_path=resolved.raw_path))


def _start(page_size: int, params: dict[str, Any]) -> int:
    if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
        raise ValueError(f"page_size must be a positive int, got {page_size!r}")
    for reserved in ("top", "client"):
        if reserved in params:
            raise TypeError(f"iterate() sets {reserved!r} itself; pass page_size instead of top")
    skip = params.pop("skip", 0)
    return 0 if isinstance(skip, Unset) else int(skip)


def _last_page(link: str | None, chunk: int, page_size: int, followed: bool) -> bool:
    """Whether the page just read ends the collection; `chunk`: the items since the last `$top` request.

    A PBX's next links stay within the `$top` asked (ASP.NET Core OData writes the rest of it into the link):
    a full chunk is followed by another request. A chunk past `$top` means the links ran over the whole set.
    """
    return link is None and (chunk < page_size or (followed and chunk > page_size))


def iterate(operation: ModuleType, *, client: XapiClient, page_size: int = 100, **params: Any) -> Iterator[Any]:
    """Yield every item of a collection operation (a generated module such as `list_user`)."""
    skip = _start(page_size, params)
    link: str | None = None
    followed = False  # whether the PBX has paged by next links
    chunk = 0
    while True:
        if link is None:
            page = operation.sync(client=client, top=page_size, skip=skip, **params)
            chunk = 0
        else:
            page = operation._parse_response(client=client, response=client.get_httpx_client().get(link))
        items, link = _items(page), _next_link(page, client)
        del page  # one page in memory: the next is fetched only after this one is yielded and dropped
        count = len(items)
        chunk += count
        yield from items
        del items
        if _last_page(link, chunk, page_size, followed):
            return
        followed = followed or link is not None
        skip += count


async def aiterate(
    operation: ModuleType, *, client: XapiClient, page_size: int = 100, **params: Any
) -> AsyncIterator[Any]:
    """The async twin of `iterate`: `async for item in aiterate(list_user, client=client)`."""
    skip = _start(page_size, params)
    link: str | None = None
    followed = False  # whether the PBX has paged by next links
    chunk = 0
    while True:
        if link is None:
            page = await operation.asyncio(client=client, top=page_size, skip=skip, **params)
            chunk = 0
        else:
            response = await client.get_async_httpx_client().get(link)
            page = operation._parse_response(client=client, response=response)
        items, link = _items(page), _next_link(page, client)
        del page
        count = len(items)
        chunk += count
        for item in items:
            yield item
        del items
        if _last_page(link, chunk, page_size, followed):
            return
        followed = followed or link is not None
        skip += count
