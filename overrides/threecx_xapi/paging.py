"""Every item of a collection operation, page by page, holding one page at a time.

    from threecx_xapi import iterate
    from threecx_xapi.api.users import list_user

    for user in iterate(list_user, client=client, filter_="Enabled eq true", page_size=200):
        ...
    async for user in aiterate(list_user, client=client):
        ...

Pages are requested with `$top`/`$skip`; when a page carries `@odata.nextLink`, the link is followed instead
(on the client's own PBX address). Every `$top`/`$skip` page is asked with the same filters and options; a
next link carries the ones the PBX put in it. The default page size is 100, the `$top` cap of real PBXs; a PBX
that refuses a larger page ("The limit of '100' for Top query has been exceeded") is asked again, once, at the
limit it names.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from types import ModuleType
from typing import Any

import httpx

from .client import XapiClient
from .endpoint import Endpoint
from .errors import BadRequest
from .types import Unset

DEFAULT_PAGE_SIZE = 100  # real PBXs refuse a larger $top on entity sets
_TOP_LIMIT = re.compile(r"limit of '(\d+)' for Top query")


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


def _endpoint(operation: ModuleType) -> Endpoint[Any]:
    """The operation's description; TypeError unless it is a collection operation (one that takes top and skip)."""
    endpoint = getattr(operation, "ENDPOINT", None)
    if not isinstance(endpoint, Endpoint):
        raise TypeError(f"iterate() needs a generated operation module such as list_user, got {operation!r}")
    if not endpoint.is_collection:
        raise TypeError(
            f"iterate() needs a collection operation (one that takes top and skip, such as list_user); "
            f"{endpoint.operation_id} returns a single result: call its sync() directly"
        )
    return endpoint


def _capped_page_size(error: BadRequest, page_size: int, capped: bool) -> int:
    """The `$top` cap a 400 names, to ask the page again at once; otherwise the error is raised again."""
    match = None if capped else _TOP_LIMIT.search(str(error))
    limit = int(match.group(1)) if match else 0
    if not 0 < limit < page_size:
        raise error
    return limit


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


def iterate(
    operation: ModuleType, *, client: XapiClient, page_size: int = DEFAULT_PAGE_SIZE, **params: Any
) -> Iterator[Any]:
    """Yield every item of a collection operation (a generated module such as `list_user`)."""
    endpoint = _endpoint(operation)
    skip = _start(page_size, params)
    link: str | None = None
    followed = False  # whether the PBX has paged by next links
    capped = False
    chunk = 0
    while True:
        if link is None:
            try:
                page = operation.sync(client=client, top=page_size, skip=skip, **params)
            except BadRequest as error:
                page_size, capped = _capped_page_size(error, page_size, capped), True
                continue
            chunk = 0
        else:
            page = endpoint.read(endpoint.send_url(client, link))
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
    operation: ModuleType, *, client: XapiClient, page_size: int = DEFAULT_PAGE_SIZE, **params: Any
) -> AsyncIterator[Any]:
    """The async twin of `iterate`: `async for item in aiterate(list_user, client=client)`."""
    endpoint = _endpoint(operation)
    skip = _start(page_size, params)
    link: str | None = None
    followed = False  # whether the PBX has paged by next links
    capped = False
    chunk = 0
    while True:
        if link is None:
            try:
                page = await operation.asyncio(client=client, top=page_size, skip=skip, **params)
            except BadRequest as error:
                page_size, capped = _capped_page_size(error, page_size, capped), True
                continue
            chunk = 0
        else:
            page = endpoint.read(await endpoint.asend_url(client, link))
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
