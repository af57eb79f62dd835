"""`threecx-xapi doctor`: a short, read-only battery against a real PBX, one verdict and fix per check.

    from threecx_xapi.doctor import diagnose

    diagnosis = diagnose(url, lambda extra: XapiClient(url, client_id, secret, httpx_args=extra))
    for check in diagnosis.checks:
        print(check.line())

It asks for nothing but the token and GETs: the address (DNS, TCP, TLS), the sign-in (token, lifetime, clock
skew), the version, permissions on a few areas, and behaviour (`$top` cap, next links, error bodies, Download*
content type, latency). The client comes from `make_client`, so any sign-in the client supports is checked.
"""

from __future__ import annotations

from typing import Any

from ._model import FAIL, PASS, SKIP, WARN, Check, Diagnosis
from ._probe import ClientFactory, Probe
from .address import check_dns, check_route, check_tcp, check_tls, check_url
from .behaviour import check_behaviour
from .permissions import check_permissions, skip_permissions
from .report import build_report, report_text
from .signin import check_clock, check_signin
from .version import check_version

__all__ = [
    "FAIL",
    "PASS",
    "SKIP",
    "WARN",
    "Check",
    "ClientFactory",
    "Diagnosis",
    "build_report",
    "diagnose",
    "report_text",
]


def diagnose(url: str, make_client: ClientFactory, *, verify: Any = True, proxy: str | None = None) -> Diagnosis:
    """Run the battery against the PBX at `url`; `make_client(httpx_args)` builds the client to sign in with
    (it must pass `httpx_args` on: the doctor's event hooks). `verify` is the client's TLS setting and `proxy`
    its proxy (default: the environment's). A `url` that is no PBX address is a ValueError."""
    diagnosis = Diagnosis()
    address = check_url(diagnosis, url)
    # Through a proxy, this machine's own DNS, TCP and TLS say nothing of the way the client goes.
    direct = check_route(diagnosis, address, proxy)
    if direct and not (
        check_dns(diagnosis, address) and check_tcp(diagnosis, address) and check_tls(diagnosis, address, verify)
    ):
        skip_permissions(diagnosis, "the address does not answer (see above)")
        return diagnosis
    with Probe(make_client) as probe:
        first = check_signin(diagnosis, probe, plain_http=address.scheme == "http")
        if first is None:
            skip_permissions(diagnosis, "sign-in failed (see above)")
            return diagnosis
        check_clock(diagnosis, probe)
        check_version(diagnosis, probe, first)
        check_permissions(diagnosis, probe)
        check_behaviour(diagnosis, probe)
    return diagnosis
