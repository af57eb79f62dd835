"""The address checks: the URL's form, DNS, a TCP connection to the port, and the TLS certificate."""

from __future__ import annotations

import os
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any

import httpx

from ..client import environment_proxy, split_base_url
from ._model import FAIL, PASS, SKIP, WARN, Diagnosis

CONNECT_TIMEOUT = 5.0  # seconds for a TCP or TLS handshake: a PBX that answers at all answers in far less
PBX_PORTS = (443, 5001)  # 3CX's HTTPS ports: 443 (hosted, most installs) and 5001 (a self-hosted default)
LOOPBACK = ("127.0.0.1", "::1", "localhost")
EXPIRY_WARNING_DAYS = 14


@dataclass(frozen=True)
class Address:
    root_url: str  # https://pbx.example.com:5001
    scheme: str
    host: str
    port: int
    explicit_port: bool

    def with_port(self, port: int) -> str:
        return f"{self.scheme}://{self.host}:{port}"


def check_url(diagnosis: Diagnosis, url: str) -> Address:
    """The base URL's form; a URL that is not a PBX address is a ValueError (bad input), before any request."""
    root, _ = split_base_url(url)
    parsed = httpx.URL(root)
    default_port = 443 if parsed.scheme == "https" else 80
    address = Address(root, parsed.scheme, parsed.host, parsed.port or default_port, parsed.port is not None)
    tried = f"the base URL {url.strip()}"
    if address.scheme == "http" and address.host not in LOOPBACK:
        diagnosis.add(
            "url",
            tried,
            WARN,
            f"{root} is plain HTTP: the client secret and tokens cross the network unencrypted",
            f"use https://{address.host} (port 443, or 5001 on a self-hosted PBX that kept the default)",
        )
    else:
        diagnosis.add("url", tried, PASS, f"the API is {root}/xapi/v1, tokens from {root}/connect/token")
    return address


def check_route(diagnosis: Diagnosis, address: Address, proxy: str | None) -> bool:
    """True when the client connects to the PBX itself; through a proxy the direct checks are skipped."""
    proxy = proxy or environment_proxy(address.root_url)
    if not proxy:
        return True
    parsed = httpx.URL(proxy)
    shown = f"{parsed.scheme}://{parsed.host}" + (f":{parsed.port}" if parsed.port else "")  # never its password
    for name in ("dns", "tcp", "tls"):
        diagnosis.add(name, f"{name.upper()} to {address.host}", SKIP, f"requests go through the proxy {shown}")
    return False


def check_dns(diagnosis: Diagnosis, address: Address) -> bool:
    tried = f"DNS lookup of {address.host}"
    try:
        found = socket.getaddrinfo(address.host, address.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        diagnosis.add(
            "dns",
            tried,
            FAIL,
            f"the name does not resolve ({exc})",
            "check the spelling: use the PBX's FQDN as the admin console shows it (e.g. name.3cx.eu), "
            "and this machine's DNS",
        )
        return False
    addresses = sorted({str(entry[4][0]) for entry in found})
    diagnosis.add("dns", tried, PASS, ", ".join(addresses[:4]) + (" ..." if len(addresses) > 4 else ""))
    return True


def _connects(host: str, port: int) -> OSError | None:
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT):
            return None
    except OSError as exc:
        return exc


def check_tcp(diagnosis: Diagnosis, address: Address) -> bool:
    tried = f"TCP connection to {address.host}:{address.port}"
    error = _connects(address.host, address.port)
    if error is None:
        diagnosis.add("tcp", tried, PASS, "connected")
        return True
    reason = "refused (nothing listens there)" if isinstance(error, ConnectionRefusedError) else str(error)
    reason = "no answer within 5 s (a firewall drops it?)" if isinstance(error, TimeoutError) else reason
    others = [port for port in PBX_PORTS if port != address.port and address.scheme == "https"]
    answering = [port for port in others if _connects(address.host, port) is None]
    if answering:
        fix = f"the PBX answers on port {answering[0]}: use {address.with_port(answering[0])}"
    else:
        fix = (
            "check the port: a PBX answers HTTPS on 443, or on 5001 when self-hosted with the default; "
            "open it in the firewall between this machine and the PBX"
        )
    diagnosis.add("tcp", tried, FAIL, reason, fix)
    return False


def _context(verify: Any) -> ssl.SSLContext:
    if isinstance(verify, ssl.SSLContext):
        return verify
    if isinstance(verify, str | os.PathLike):
        return ssl.create_default_context(cafile=os.fspath(verify))
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return httpx.create_ssl_context(verify=True)


_UNTRUSTED = {18, 19, 20, 21}  # self-signed leaf, self-signed in chain, unknown issuer, unverifiable leaf


def check_tls(diagnosis: Diagnosis, address: Address, verify: Any) -> bool:
    """The certificate, checked as the client checks it (`verify`): trusted, for this name, not expired."""
    if address.scheme != "https":
        return True
    tried = f"TLS handshake with {address.host}:{address.port}"
    try:
        with (
            socket.create_connection((address.host, address.port), timeout=CONNECT_TIMEOUT) as raw,
            _context(verify).wrap_socket(raw, server_hostname=address.host) as tls,
        ):
            certificate = tls.getpeercert()
            version = tls.version() or "TLS"
    except ssl.SSLCertVerificationError as exc:
        diagnosis.add("tls", tried, FAIL, f"the certificate is refused: {exc.verify_message}", _tls_fix(exc, address))
        return False
    except (ssl.SSLError, OSError) as exc:
        diagnosis.add(
            "tls",
            tried,
            FAIL,
            f"no TLS handshake ({exc})",
            f"is this port HTTPS? For plain HTTP use http://{address.host}:{address.port}",
        )
        return False
    if verify is False:
        diagnosis.add(
            "tls",
            tried,
            WARN,
            f"{version}, certificate NOT checked (verify=False)",
            "pass the PBX's certificate or its CA instead: XapiClient(..., verify=ssl.create_default_context("
            "cafile='pbx-ca.pem')) or --verify pbx-ca.pem",
        )
        return True
    expires = _expiry(certificate)
    detail = f"{version}, certificate trusted for {address.host}" + (f", valid until {expires}" if expires else "")
    remaining = _days_left(certificate)
    if remaining is not None and remaining < EXPIRY_WARNING_DAYS:
        diagnosis.add("tls", tried, WARN, detail + f" ({remaining:.0f} days left)", "renew the PBX's certificate")
    else:
        diagnosis.add("tls", tried, PASS, detail)
    return True


def _tls_fix(error: ssl.SSLCertVerificationError, address: Address) -> str:
    if error.verify_code in _UNTRUSTED:
        return (
            "the certificate is self-signed or from a CA this machine does not trust: give the client that "
            "certificate (or its CA) in PEM, XapiClient(..., verify=ssl.create_default_context(cafile='pbx-ca.pem')) "
            "or --verify pbx-ca.pem; better, give the PBX a certificate from a public CA"
        )
    if error.verify_code == 10:
        return "the certificate has expired: renew it on the PBX (or check this machine's date)"
    if error.verify_code in (62, 64):  # host name, IP address mismatch
        return f"the certificate does not name {address.host}: use the PBX's FQDN, the name on its certificate"
    return "check the PBX's certificate, or pass verify with the CA that signed it"


def _expiry(certificate: Any) -> str | None:
    value = certificate.get("notAfter") if isinstance(certificate, dict) else None
    return str(value) if value else None


def _days_left(certificate: Any) -> float | None:
    expiry = _expiry(certificate)
    if expiry is None:
        return None
    try:
        return (ssl.cert_time_to_seconds(expiry) - time.time()) / 86400
    except ValueError:
        return None
