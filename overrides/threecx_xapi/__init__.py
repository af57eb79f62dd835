"""threecx_xapi: a typed client for the 3CX V20 Configuration API (XAPI), generated from 3CX's OpenAPI document.

    from threecx_xapi import XapiClient
    from threecx_xapi.api.users import list_user

    with XapiClient("https://pbx.example.com", client_id, client_secret) as client:
        users = list_user.sync(client=client, filter_="Number eq '100'")

Names resolve on first use (PEP 562), so importing one operation stays cheap.
"""

import importlib
import os
from typing import TYPE_CHECKING, Any

if not os.path.isdir(os.path.join(__path__[0], "api")):
    # A checkout: one package over two source roots, overrides/ (this runtime) and generated_client/ (api, models).
    # An installed wheel has both in this folder and skips it.
    from pkgutil import extend_path

    __path__ = extend_path(__path__, __name__)

from ._pinned import PACKAGE_VERSION as __version__
from ._pinned import XAPI_VERSION as __xapi_version__

if TYPE_CHECKING:
    from ._auth_errors import (
        AccountLocked,
        AuthorizationCodeRejected,
        AuthorizationDenied,
        RefreshTokenRejected,
        SecondFactorRejected,
        SecondFactorRequired,
        SignInRequired,
        StateMismatch,
        WrongCredentials,
    )
    from ._pkce import AuthorizationRequest, LoopbackRedirect
    from ._retries import RetryPolicy
    from ._token_store import FileTokenStore, MemoryTokenStore, SharedTokenStore, StoredTokens, TokenStore
    from .client import XapiClient
    from .errors import (
        AuthenticationError,
        BadRequest,
        Conflict,
        NotFound,
        PermissionDenied,
        RateLimited,
        ServerError,
        TransportError,
        UnexpectedContent,
        XapiError,
    )
    from .odata import F
    from .paging import aiterate, iterate

_MODULE_OF = {
    "XapiClient": ".client",
    "RetryPolicy": "._retries",
    "XapiError": ".errors",
    "AuthenticationError": ".errors",
    "BadRequest": ".errors",
    "Conflict": ".errors",
    "NotFound": ".errors",
    "PermissionDenied": ".errors",
    "RateLimited": ".errors",
    "ServerError": ".errors",
    "TransportError": ".errors",
    "UnexpectedContent": ".errors",
    "F": ".odata",
    "AccountLocked": "._auth_errors",
    "AuthorizationCodeRejected": "._auth_errors",
    "AuthorizationDenied": "._auth_errors",
    "RefreshTokenRejected": "._auth_errors",
    "SecondFactorRejected": "._auth_errors",
    "SecondFactorRequired": "._auth_errors",
    "SignInRequired": "._auth_errors",
    "StateMismatch": "._auth_errors",
    "WrongCredentials": "._auth_errors",
    "FileTokenStore": "._token_store",
    "SharedTokenStore": "._token_store",
    "MemoryTokenStore": "._token_store",
    "StoredTokens": "._token_store",
    "TokenStore": "._token_store",
    "AuthorizationRequest": "._pkce",
    "LoopbackRedirect": "._pkce",
    "iterate": ".paging",
    "aiterate": ".paging",
}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    # The names loaded so far plus those resolved on first use, so completion offers them all.
    return sorted({*globals(), *__all__})


__all__ = (
    "AccountLocked",
    "AuthenticationError",
    "AuthorizationCodeRejected",
    "AuthorizationDenied",
    "AuthorizationRequest",
    "BadRequest",
    "Conflict",
    "F",
    "FileTokenStore",
    "LoopbackRedirect",
    "MemoryTokenStore",
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "RefreshTokenRejected",
    "RetryPolicy",
    "SecondFactorRejected",
    "SecondFactorRequired",
    "ServerError",
    "SharedTokenStore",
    "SignInRequired",
    "StateMismatch",
    "StoredTokens",
    "TokenStore",
    "TransportError",
    "UnexpectedContent",
    "WrongCredentials",
    "XapiClient",
    "XapiError",
    "__version__",
    "__xapi_version__",
    "aiterate",
    "iterate",
)
