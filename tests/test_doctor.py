"""`threecx-xapi doctor` against the emulator, healthy and misbehaving: each check's verdict and fix, and a run
that sends nothing but the token request and GETs."""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import re
import socket
import ssl
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme
from click.testing import CliRunner
from threecx_xapi import RetryPolicy, XapiClient, registry
from threecx_xapi.cli import cli
from threecx_xapi.doctor import FAIL, PASS, SKIP, WARN, Check, Diagnosis, diagnose, report_text
from threecx_xapi.doctor.report import EMULATOR_ANSWERS
from threecx_xapi.testing import Emulator


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The doctor reads the environment's proxy as the client does; these tests connect directly."""
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


SIGN_IN = ("token", "login")  # the token request, for an API client or a user


def read_only(pbx: Emulator) -> None:
    """The run sent the token request and GETs, nothing else."""
    sent = {(request.method, request.operation_id in SIGN_IN) for request in pbx.requests}
    assert sent <= {("POST", True), ("GET", False)}, sent


def run(pbx: Emulator, *, secret: str | None = None, verify: Any = True, **client_args: Any) -> Diagnosis:
    """The doctor against a serving emulator, checked to have changed nothing."""

    def make_client(extra: dict[str, Any]) -> XapiClient:
        httpx_args = {**extra, "trust_env": False, "verify": verify}
        return XapiClient(pbx.url, pbx.client_id, secret or pbx.client_secret, httpx_args=httpx_args, **client_args)

    diagnosis = diagnose(pbx.url, make_client, verify=verify)
    read_only(pbx)
    return diagnosis


def check(diagnosis: Diagnosis, name: str) -> Check:
    found = diagnosis.check(name)
    assert found is not None, f"no {name!r} check in {[c.name for c in diagnosis.checks]}"
    return found


def test_a_healthy_pbx_passes_every_check_and_exits_0() -> None:
    with Emulator() as pbx:
        diagnosis = run(pbx)
    assert [c.verdict for c in diagnosis.checks if c.verdict != PASS] == []
    assert diagnosis.exit_status == 0
    names = [c.name for c in diagnosis.checks]
    for expected in ("url", "dns", "tcp", "sign-in", "clock", "version", "read Users", "read Groups",
                     "read CallHistoryView", "read ReportCallLogData", "read Recordings", "read SystemStatus",
                     "$top cap", "paging", "error body", "latency", "download"):  # fmt: skip
        assert expected in names
    assert "caps $top at 100" in check(diagnosis, "$top cap").detail
    assert "JWT token, valid 3600 s" in check(diagnosis, "sign-in").detail
    # The report's picture of the emulator is the emulator's: a healthy one differs in nothing.
    assert json.loads(report_text(diagnosis))["differences"] == []
    assert diagnosis.observed["download_content_type"] == EMULATOR_ANSWERS["download_content_type"]
    assert diagnosis.observed["latency_ms"] > 0


def test_call_logs_and_recordings_refused_are_blamed_on_the_role() -> None:
    with Emulator(forbidden=["CallHistoryView", "ReportCallLogData", "Recordings"]) as pbx:
        diagnosis = run(pbx)
    for area in ("CallHistoryView", "ReportCallLogData", "Recordings"):
        refused = check(diagnosis, f"read {area}")
        assert refused.verdict == FAIL and refused.detail.startswith("403")
        assert "System Owner" in refused.fix
    assert check(diagnosis, "read Users").verdict == PASS
    assert check(diagnosis, "download").verdict == SKIP
    assert diagnosis.exit_status == 1
    assert diagnosis.observed["forbidden"] == dict.fromkeys(
        ("CallHistoryView", "ReportCallLogData", "Recordings"), "role"
    )


def test_every_area_refused_points_at_the_console_ip_restriction() -> None:
    with Emulator(forbidden=["*"]) as pbx:
        diagnosis = run(pbx)
    refused = [c for c in diagnosis.checks if c.name.startswith("read ")]
    assert len(refused) == 6 and all(c.verdict == FAIL and "IP restriction" in c.detail for c in refused)
    assert all("allow this machine's address" in c.fix for c in refused)
    assert check(diagnosis, "$top cap").verdict == SKIP  # nothing left to probe


def test_a_refusal_that_names_the_licence_is_blamed_on_the_licence() -> None:
    with Emulator(forbidden={"Recordings": "Your license does not include this feature"}) as pbx:
        diagnosis = run(pbx)
    refused = check(diagnosis, "read Recordings")
    assert refused.verdict == FAIL and "licence" in refused.detail and "licence" in refused.fix
    assert check(diagnosis, "read CallHistoryView").verdict == PASS


@pytest.mark.parametrize(
    ("top_limit", "verdict", "said"),
    [
        (100, PASS, "caps $top at 100"),
        (250, PASS, "caps $top at 250"),
        (50, WARN, "caps $top at 50"),
        (None, PASS, "no cap up to 1001"),
    ],
)
def test_the_top_cap_is_measured(top_limit: int | None, verdict: str, said: str) -> None:
    with Emulator(top_limit=top_limit) as pbx:
        diagnosis = run(pbx)
    found = check(diagnosis, "$top cap")
    assert found.verdict == verdict and said in found.detail
    assert diagnosis.observed["top_limit"] == top_limit
    if verdict == WARN:
        assert "page_size=50" in found.fix


def test_next_link_paging_is_seen_with_its_page_size() -> None:
    with Emulator(max_page_size=10) as pbx:
        diagnosis = run(pbx)
    paging = check(diagnosis, "paging")
    assert paging.verdict == PASS and "next links, 10 rows a page" in paging.detail
    assert diagnosis.observed["max_page_size"] == 10
    with Emulator() as pbx:
        assert "no next link" in check(run(pbx), "paging").detail


@pytest.mark.parametrize(("offset", "said"), [(600, "600 s ahead of"), (-600, "600 s behind")])
def test_a_pbx_clock_ten_minutes_off_is_a_warning_with_the_skew(offset: float, said: str) -> None:
    with Emulator(clock_offset=offset) as pbx:
        diagnosis = run(pbx)
    clock = check(diagnosis, "clock")
    assert clock.verdict == WARN and said in clock.detail and "NTP" in clock.fix
    readings = re.search(r"token iat ([+-]\d+) s, Date header ([+-]\d+) s", clock.detail)
    assert readings is not None, clock.detail
    assert all(abs(float(seen) - offset) <= 1 for seen in readings.groups())  # both count whole seconds
    assert diagnosis.observed["clock_offset"] == offset
    assert diagnosis.exit_status == 0  # tokens still work: the client counts exp - iat


def test_the_clock_skew_is_read_from_the_date_header_when_the_token_has_no_iat() -> None:
    with Emulator(clock_offset=600) as pbx:
        diagnosis = Diagnosis()
        from threecx_xapi.doctor._probe import Probe
        from threecx_xapi.doctor.signin import check_clock

        with Probe(lambda extra: pbx.client(httpx_args=extra)) as probe:
            probe.get("SystemStatus")
            probe.tokens.clear()  # as after a token answer without a JWT
            check_clock(diagnosis, probe)
    reading = re.search(r"ahead of this machine's \(Date header ([+-]\d+) s\)", check(diagnosis, "clock").detail)
    assert reading is not None and abs(float(reading.group(1)) - 600) <= 1  # an HTTP date counts whole seconds


@pytest.mark.parametrize(("version", "said"), [("20.0.8.900", "older than"), ("20.0.12.10", "newer than")])
def test_an_other_release_is_a_warning_that_says_the_operation_set_is_unknown(
    version: str, said: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "threecx_xapi.versions", None)  # a build without the operations table
    with Emulator(server_version=version) as pbx:
        diagnosis = run(pbx)
    found = check(diagnosis, "version")
    assert found.verdict == WARN and said in found.detail and version in found.detail
    assert "is not known to this package" in found.detail and "generator diff" in found.fix
    assert diagnosis.observed["server_version"] == version


def test_with_an_operations_by_version_table_the_version_check_says_what_breaks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ours = [operation.operation_id for operation in registry.operations()]
    table = types.ModuleType("threecx_xapi.versions")
    asked: list[str] = []

    def operations_in(server_version: str) -> frozenset[str]:
        asked.append(server_version)
        return frozenset([*ours[2:], "ListSomethingOld"])

    table.operations_in = operations_in  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "threecx_xapi.versions", table)
    with Emulator(server_version="20.0.8.900") as pbx:
        diagnosis = run(pbx)
    found = check(diagnosis, "version")
    assert asked == ["20.0.8.900"]
    assert f"breaking: 2 operation(s) of this build are not on the PBX ({', '.join(sorted(ours[:2]))})" in found.detail
    assert "not breaking: 1 operation(s) of the PBX are not in this build (ListSomethingOld)" in found.detail
    assert diagnosis.observed["operations_missing"] == 2 and diagnosis.observed["operations_extra"] == 1


def test_pbxs_before_20_0_9_count_expires_in_in_minutes() -> None:
    with Emulator(expires_in_minutes=True, token_lifetime=1800) as pbx:
        diagnosis = run(pbx)
    assert "expires_in 30 (minutes" in check(diagnosis, "sign-in").detail
    assert diagnosis.observed["expires_in_minutes"] is True and diagnosis.observed["token_lifetime"] == 1800


def test_a_wrong_secret_fails_sign_in_with_where_to_get_the_secret() -> None:
    with Emulator() as pbx:
        diagnosis = run(pbx, secret="not-the-secret")
        assert {request.operation_id for request in pbx.requests} == {"token"}
    signin = check(diagnosis, "sign-in")
    assert signin.verdict == FAIL and "invalid_client" in signin.detail
    assert "Integrations > API" in signin.fix and "not-the-secret" not in signin.line()
    assert check(diagnosis, "read Users").verdict == SKIP
    assert diagnosis.exit_status == 1


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return int(listener.getsockname()[1])


def test_a_closed_port_fails_tcp_with_the_ports_a_pbx_uses(closed_port: int) -> None:
    diagnosis = diagnose(f"http://127.0.0.1:{closed_port}", _never_called)
    tcp = check(diagnosis, "tcp")
    assert tcp.verdict == FAIL and "refused" in tcp.detail
    assert "443" in tcp.fix and "5001" in tcp.fix
    assert check(diagnosis, "read Users").verdict == SKIP and diagnosis.exit_status == 1


def _never_called(extra: dict[str, Any]) -> XapiClient:
    raise AssertionError("no client is built when the address fails")


def test_a_name_that_does_not_resolve_fails_dns() -> None:
    diagnosis = diagnose("https://no-such-pbx.invalid", _never_called)
    dns = check(diagnosis, "dns")
    assert dns.verdict == FAIL and "FQDN" in dns.fix
    assert diagnosis.check("tcp") is None


@pytest.mark.parametrize("url", ["pbx.example.com", "https://pbx.example.com/webclient", "ftp://pbx"])
def test_an_address_that_is_not_a_pbx_url_is_bad_input(url: str) -> None:
    with pytest.raises(ValueError, match="base_url"):
        diagnose(url, _never_called)


def test_plain_http_to_another_host_is_a_warning() -> None:
    diagnosis = Diagnosis()
    from threecx_xapi.doctor.address import check_url

    check_url(diagnosis, "http://pbx.example.com:5000/xapi/v1")
    assert check(diagnosis, "url").verdict == WARN and "https://pbx.example.com" in check(diagnosis, "url").fix


def test_through_a_proxy_the_direct_address_checks_are_skipped_and_its_password_is_not_shown() -> None:
    with Emulator() as pbx:
        diagnosis = diagnose(
            pbx.url, lambda extra: pbx.client(httpx_args=extra), proxy="http://me:Proxy-Pass-99@proxy.example:3128"
        )
    for name in ("dns", "tcp", "tls"):
        assert check(diagnosis, name).verdict == SKIP and "http://proxy.example:3128" in check(diagnosis, name).detail
    assert "Proxy-Pass-99" not in json.dumps(diagnosis.to_dict())
    assert check(diagnosis, "sign-in").verdict == PASS


# -- TLS ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


def _tls_files(tmp_path: Path, authority: trustme.CA, name: str) -> tuple[Path, Path]:
    server = authority.issue_cert(name)
    chain, key = tmp_path / "chain.pem", tmp_path / "key.pem"
    server.cert_chain_pems[0].write_to_path(str(chain))
    for blob in server.cert_chain_pems[1:]:
        blob.write_to_path(str(chain), append=True)
    server.private_key_pem.write_to_path(str(key))
    return chain, key


def _trusting(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    authority.configure_trust(context)
    return context


def test_a_certificate_this_machine_does_not_trust_fails_tls_and_says_how_to_pass_verify(
    tmp_path: Path, authority: trustme.CA
) -> None:
    with Emulator(tls=_tls_files(tmp_path, authority, "127.0.0.1")) as pbx:
        assert pbx.url.startswith("https://")
        diagnosis = run(pbx)
        assert pbx.requests == []  # nothing is sent over a connection the client would refuse
    tls = check(diagnosis, "tls")
    assert tls.verdict == FAIL and "self-signed or from a CA this machine does not trust" in tls.fix
    assert "verify=ssl.create_default_context(cafile=" in tls.fix and "--verify" in tls.fix
    assert diagnosis.exit_status == 1


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by its own key, as a PBX's default certificate is."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pbx")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    chain, private = tmp_path / "self-signed.pem", tmp_path / "self-signed-key.pem"
    chain.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return chain, private


def test_a_self_signed_certificate_fails_tls_and_passing_it_as_verify_works(tmp_path: Path) -> None:
    chain, key = _self_signed(tmp_path)
    with Emulator(tls=(chain, key)) as pbx:
        refused = run(pbx)
        trusted = run(pbx, verify=ssl.create_default_context(cafile=str(chain)))
    tls = check(refused, "tls")
    assert tls.verdict == FAIL and "self-signed certificate" in tls.detail and "--verify" in tls.fix
    assert check(trusted, "tls").verdict == PASS and trusted.exit_status == 0


def test_with_the_pbx_ca_passed_as_verify_tls_and_everything_after_it_pass(
    tmp_path: Path, authority: trustme.CA
) -> None:
    with Emulator(tls=_tls_files(tmp_path, authority, "127.0.0.1")) as pbx:
        diagnosis = run(pbx, verify=_trusting(authority))
    tls = check(diagnosis, "tls")
    assert tls.verdict == PASS and "certificate trusted for 127.0.0.1" in tls.detail
    assert diagnosis.exit_status == 0


def test_a_certificate_for_another_name_says_to_use_the_name_on_it(tmp_path: Path, authority: trustme.CA) -> None:
    with Emulator(tls=_tls_files(tmp_path, authority, "pbx.example.com")) as pbx:
        diagnosis = run(pbx, verify=_trusting(authority))
    tls = check(diagnosis, "tls")
    assert tls.verdict == FAIL and "FQDN" in tls.fix


def test_verify_false_is_a_warning(tmp_path: Path, authority: trustme.CA) -> None:
    with Emulator(tls=_tls_files(tmp_path, authority, "127.0.0.1")) as pbx:
        diagnosis = run(pbx, verify=False)
    assert check(diagnosis, "tls").verdict == WARN and diagnosis.exit_status == 0


def test_plain_http_to_a_tls_port_says_so(tmp_path: Path, authority: trustme.CA) -> None:
    with Emulator(tls=_tls_files(tmp_path, authority, "127.0.0.1")) as pbx:
        plain = pbx.url.replace("https://", "http://")

        def make_client(extra: dict[str, Any]) -> XapiClient:
            retry = RetryPolicy(max_attempts=1)
            return XapiClient(plain, pbx.client_id, pbx.client_secret, httpx_args=extra, retry=retry)

        diagnosis = diagnose(plain, make_client)
    signin = check(diagnosis, "sign-in")
    assert signin.verdict == FAIL and "try the address with https://" in signin.fix


# -- the report and Emulator.from_report --------------------------------------------------------------------

MISBEHAVING: dict[str, Any] = {
    "forbidden": {"CallHistoryView": "", "Recordings": "licence expired"},
    "top_limit": 50,
    "max_page_size": 10,
    "clock_offset": 600,
    "server_version": "20.0.8.900",
    "expires_in_minutes": True,
    "token_lifetime": 1800,
}


def _texts(value: Any) -> Iterator[str]:
    """Every string in a JSON value, keys aside."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, str):
        yield value


def test_the_report_holds_no_secret_token_address_or_row_value(tmp_path: Path) -> None:
    tokens: list[str] = []
    seen: set[str] = set()  # every text of every answer the doctor read: rows, objects, messages

    def keep(response: httpx.Response) -> None:
        response.read()
        if response.request.method == "POST":
            tokens.append(response.json()["access_token"])
        elif response.headers.get("content-type", "").startswith("application/json"):
            seen.update(text for text in _texts(response.json()) if len(text) >= 6)

    with Emulator(**MISBEHAVING) as pbx:

        def make_client(extra: dict[str, Any]) -> XapiClient:
            extra["event_hooks"]["response"].append(keep)
            return pbx.client(httpx_args=extra)

        text = report_text(diagnose(pbx.url, make_client))
        read_only(pbx)
        secrets = {pbx.client_secret, pbx.client_id, *tokens, pbx.url, f"127.0.0.1:{pbx.port}"}
    rows = seen - {MISBEHAVING["server_version"]}  # the release is reported, as the PBX's header says it
    assert tokens and rows
    for secret in secrets:
        assert secret not in text
    for token in tokens:
        for part in token.split("."):
            assert part not in text
    # A value on its own, not inside a longer name: a call log's "System" is no leak in "read SystemStatus".
    leaked = [value for value in rows if re.search(rf"(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9])", text)]
    assert leaked == []
    assert "licence expired" not in text  # the PBX's messages are not kept, only the cause in a word
    report = json.loads(text)
    assert report["emulator"]["forbidden"] == {"CallHistoryView": "role", "Recordings": "licence"}
    assert "top_limit: the PBX 50, the emulator 100" in report["differences"]


def _behaviour(diagnosis: Diagnosis) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    report = json.loads(report_text(diagnosis))
    return report["emulator"], [(c.name, c.verdict) for c in diagnosis.checks]


def test_emulator_from_report_behaves_as_the_pbx_the_report_describes(tmp_path: Path) -> None:
    with Emulator(**MISBEHAVING) as pbx:
        original = run(pbx)
    path = tmp_path / "report.json"
    path.write_text(report_text(original), encoding="utf-8")
    with Emulator.from_report(path) as replayed:
        again = run(replayed)
    (settings, verdicts), (first, first_verdicts) = _behaviour(again), _behaviour(original)
    # A clock is read in whole seconds over a request that takes time: a busy machine reads 600 as 601.
    skews = [settings.pop("clock_offset"), first.pop("clock_offset")]
    assert all(abs(skew - 600) <= 1 for skew in skews)
    assert (settings, verdicts) == (first, first_verdicts)
    assert settings["top_limit"] == 50 and settings["max_page_size"] == 10
    assert ("read Recordings", FAIL) in verdicts and ("version", WARN) in verdicts
    # The report as parsed JSON works too, and keyword arguments override it.
    with Emulator.from_report(json.loads(path.read_text()), top_limit=None) as relaxed:
        assert run(relaxed).observed["top_limit"] is None


@pytest.mark.parametrize("report", [{"emulator": 3}, {}, "no-such-report.json"])
def test_emulator_from_report_refuses_what_is_not_a_report(report: Any, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="report"):
        Emulator.from_report(str(tmp_path / report) if isinstance(report, str) else report)


# -- the command ---------------------------------------------------------------------------------------------


def _env(pbx: Emulator, **changes: str) -> dict[str, str]:
    env = {
        "THREECX_XAPI_URL": pbx.url,
        "THREECX_XAPI_CLIENT_ID": pbx.client_id,
        "THREECX_XAPI_CLIENT_SECRET": pbx.client_secret,
    }
    return {**env, **changes}


Invoke = Callable[..., Any]


@pytest.fixture
def invoke() -> Iterator[Invoke]:
    def call(*args: str, env: dict[str, str]) -> Any:
        return CliRunner().invoke(cli, ["doctor", *args], env=env)

    yield call


def test_the_command_prints_one_line_per_check_and_exits_0(invoke: Invoke) -> None:
    with Emulator() as pbx:
        result = invoke(env=_env(pbx))
        read_only(pbx)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("OK   url") and any(line.startswith("OK   $top cap") for line in lines)
    assert "17 ok, 0 warn, 0 fail, 0 skip" in result.stderr


def test_the_command_json_and_report_for_a_misbehaving_pbx_exit_1(invoke: Invoke, tmp_path: Path) -> None:
    report = tmp_path / "pbx-report.json"
    with Emulator(**MISBEHAVING) as pbx:
        result = invoke("--json", "--report", str(report), env=_env(pbx))
        secret = pbx.client_secret
    assert result.exit_code == 1, result.output
    answer = json.loads(result.stdout)
    assert answer["exit_status"] == 1
    assert {c["check"]: c["verdict"] for c in answer["checks"]}["read CallHistoryView"] == FAIL
    assert secret not in result.output and secret not in report.read_text()
    assert json.loads(report.read_text())["emulator"]["clock_offset"] == 600


def test_the_command_with_a_wrong_secret_exits_1_with_the_fix(invoke: Invoke) -> None:
    with Emulator() as pbx:
        result = invoke(env=_env(pbx, THREECX_XAPI_CLIENT_SECRET="wrong-secret-123"))
    assert result.exit_code == 1
    assert "FAIL sign-in" in result.stdout and "Integrations > API" in result.stdout
    assert "wrong-secret-123" not in result.output


@pytest.mark.parametrize(
    ("args", "env", "said"),
    [
        ((), {"THREECX_XAPI_CLIENT_ID": "x", "THREECX_XAPI_CLIENT_SECRET": "y"}, "missing --url"),
        ((), {"THREECX_XAPI_URL": "pbx.example.com", "THREECX_XAPI_CLIENT_ID": "x", "THREECX_XAPI_CLIENT_SECRET": "y"},
         "needs http:// or https://"),
        (("--verify", "/no/such/ca.pem"), {"THREECX_XAPI_URL": "https://pbx.example.com",
         "THREECX_XAPI_CLIENT_ID": "x", "THREECX_XAPI_CLIENT_SECRET": "y"}, "--verify"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_before_anything_is_sent(
    invoke: Invoke, args: tuple[str, ...], env: dict[str, str], said: str
) -> None:
    result = invoke(*args, env=env)
    assert result.exit_code == 2 and said in result.stderr


def test_the_command_trusts_a_ca_file_given_with_verify(invoke: Invoke, tmp_path: Path, authority: trustme.CA) -> None:
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    with Emulator(tls=_tls_files(tmp_path, authority, "127.0.0.1")) as pbx:
        refused = invoke(env=_env(pbx))
        trusted = invoke("--verify", str(ca_file), env=_env(pbx))
    assert refused.exit_code == 1 and "FAIL tls" in refused.stdout
    assert trusted.exit_code == 0, trusted.output
    assert "OK   tls" in trusted.stdout


def test_the_command_with_debug_shows_each_request_but_no_secret(invoke: Invoke) -> None:
    with Emulator() as pbx:
        result = invoke("--debug", env=_env(pbx))
        secret = pbx.client_secret
    assert result.exit_code == 0, result.output
    assert "debug: > POST" in result.stderr and "debug: > GET" in result.stderr
    assert secret not in result.output and "eyJ" not in result.output  # no JWT either


def test_a_user_login_answer_with_the_token_one_level_down_is_read_too() -> None:
    """The doctor watches the client's own sign-in, whatever its kind: a web client login nests the token."""
    from threecx_xapi.doctor._probe import Probe

    issued = 1_900_000_000

    def pbx(request: httpx.Request) -> httpx.Response:
        claims = base64.urlsafe_b64encode(json.dumps({"iat": issued, "exp": issued + 900}).encode()).decode()
        token = f"eyJhbGciOiJIUzI1NiJ9.{claims.rstrip('=')}.c2ln"
        return httpx.Response(200, json={"Status": "AuthSuccess", "Token": {"access_token": token, "expires_in": 900}})

    def make(extra: dict[str, Any]) -> XapiClient:
        transport = httpx.MockTransport(pbx)
        return XapiClient("https://pbx.example.com", "user", "pw", httpx_args={**extra, "transport": transport})

    with Probe(make) as probe:
        probe.client.get_httpx_client().post("/webclient/api/Login/GetAccessToken", auth=httpx.Auth())
    [token] = probe.tokens
    assert (token.kind, token.issued_at, token.expires_at, token.expires_in) == ("JWT", issued, issued + 900, 900)


def test_a_report_path_that_cannot_be_written_is_bad_input_before_anything_is_sent(
    invoke: Invoke, tmp_path: Path
) -> None:
    with Emulator() as pbx:
        result = invoke("--report", str(tmp_path / "no-such-folder" / "report.json"), env=_env(pbx))
        assert pbx.requests == []
    assert result.exit_code == 2 and "cannot write" in result.stderr


def test_a_user_sign_in_is_checked_the_same_way(invoke: Invoke) -> None:
    """Any sign-in the client supports: here a user's name and password, through the command's environment."""
    with Emulator() as pbx:
        env = {
            "THREECX_XAPI_URL": pbx.url,
            "THREECX_XAPI_USERNAME": pbx.accounts.username,
            "THREECX_XAPI_PASSWORD": pbx.accounts.password,
        }
        result = invoke("--json", env=env)
        read_only(pbx)
        assert [request.operation_id for request in pbx.requests][:1] == ["login"]
        password = pbx.accounts.password
    assert result.exit_code == 0, result.output
    checks = {c["check"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["sign-in"]["verdict"] == PASS and "JWT token, valid" in checks["sign-in"]["detail"]
    assert checks["clock"]["verdict"] == PASS
    assert password not in result.output


def test_a_wrong_user_password_fails_sign_in_with_the_user_fix() -> None:
    with Emulator() as pbx:

        def make_client(extra: dict[str, Any]) -> XapiClient:
            httpx_args = {**extra, "trust_env": False}
            return XapiClient(pbx.url, username=pbx.accounts.username, password="Wrong-Pass-55", httpx_args=httpx_args)

        diagnosis = diagnose(pbx.url, make_client)
        read_only(pbx)
    signin = check(diagnosis, "sign-in")
    assert signin.verdict == FAIL and "extension number" in signin.fix and "Wrong-Pass-55" not in signin.line()
