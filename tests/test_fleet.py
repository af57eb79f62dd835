"""A fleet of PBXs from one process: bounds, per-PBX results and failures, versions, cancellation."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest
from threecx_xapi import RetryPolicy, versions
from threecx_xapi.api.ai_settings import get_ai_settings
from threecx_xapi.api.event_logs import download_event_logs
from threecx_xapi.api.users import get_user, list_user
from threecx_xapi.errors import AuthenticationError, NotFound, ServerError
from threecx_xapi.fleet import Fleet, FleetFileError, FleetInterrupted, Pbx, PbxConfig, PbxTimeout, read_fleet_file
from threecx_xapi.testing.fleet import EmulatedFleet

THREE_VERSIONS = ("20.0.7.1100", "20.0.9.1300", "20.0.10.1621")
QUICK_RETRIES = RetryPolicy(max_attempts=2, backoff_base=0.0, backoff_cap=0.0)


async def count_users(pbx: Pbx) -> int:
    return len([user async for user in pbx.aiterate(list_user, page_size=10)])


async def test_fifty_pbxs_on_three_versions_run_one_job() -> None:
    pbxs = EmulatedFleet(50, versions=THREE_VERSIONS, collection_size=12)
    result = await pbxs.fleet(concurrency=10).run(count_users)
    assert [item.name for item in result] == [pbx.name for pbx in pbxs]
    assert all(item.ok and item.value == 12 for item in result), [item.error_text for item in result.failed]
    assert [item.version for item in result] == [pbx.version for pbx in pbxs]
    assert {item.version for item in result} == set(THREE_VERSIONS)
    # Each PBX had its own client: one token request at each emulator.
    assert [pbx.emulator.token_requests for pbx in pbxs] == [1] * 50


async def test_a_timeout_a_503_and_a_wrong_secret_fail_their_pbx_alone() -> None:
    pbxs = EmulatedFleet(12, versions=THREE_VERSIONS)
    pbxs["pbx-002"].emulator.fail("ListUser", status=None, delay=60.0, times=None)
    pbxs["pbx-005"].emulator.fail("ListUser", status=503, times=None)
    configs = [pbx.config(client_secret="wrong-secret") if pbx.name == "pbx-009" else pbx.config() for pbx in pbxs]
    result = await Fleet(configs, concurrency=12, timeout=3.0, retry=QUICK_RETRIES).run(count_users)

    assert isinstance(result["pbx-002"].error, PbxTimeout)
    assert "pbx-002" in result["pbx-002"].error_text and "3 s" in result["pbx-002"].error_text
    assert isinstance(result["pbx-005"].error, ServerError) and result["pbx-005"].error.status_code == 503
    assert isinstance(result["pbx-009"].error, AuthenticationError)
    assert "wrong-secret" not in result["pbx-009"].error_text
    assert {item.name for item in result.failed} == {"pbx-002", "pbx-005", "pbx-009"}
    assert len(result.ok) == 9 and all(item.value == 25 for item in result.ok)


async def test_concurrency_never_exceeds_the_bound_over_the_fleet() -> None:
    pbxs = EmulatedFleet(20)
    pbxs.hold(4)  # no request is answered until four are in flight together: the bound is reached, not assumed
    result = await pbxs.fleet(concurrency=4, per_pbx=1).run(count_users)
    assert len(result.ok) == 20
    assert pbxs.peak == 4


async def test_requests_to_one_pbx_never_exceed_its_bound() -> None:
    pbxs = EmulatedFleet(3)

    async def three_at_once(pbx: Pbx) -> int:
        await pbx.call(list_user, top=1)  # the token first, so the three calls below are API requests
        pbxs.hold(2)  # this PBX's calls wait until two are in flight together (one PBX at a time runs)
        pages = await asyncio.gather(*(pbx.call(list_user, top=1, skip=skip) for skip in range(3)))
        return len(pages)

    result = await pbxs.fleet(concurrency=1, per_pbx=2).run(three_at_once)
    assert len(result.ok) == 3
    assert pbxs.peak_per_pbx == {"pbx-001": 2, "pbx-002": 2, "pbx-003": 2}
    assert pbxs.peak == 2


async def test_an_operation_missing_on_one_version_is_refused_for_those_pbxs_alone() -> None:
    assert versions.versions_with("GetAISettings") == ["20.0.9", "20.0.10"]
    pbxs = EmulatedFleet(6, versions=THREE_VERSIONS)

    async def settings(pbx: Pbx) -> object:
        return await pbx.call(get_ai_settings)

    result = await pbxs.fleet().run(settings)
    refused = {item.name for item in result.failed}
    assert refused == {pbx.name for pbx in pbxs if pbx.version.startswith("20.0.7.")}
    for name in refused:
        error = result[name].error
        assert isinstance(error, versions.OperationUnavailable)
        assert "20.0.9, 20.0.10" in str(error) and "20.0.7" in str(error)
        # Refused before sending: the PBX saw its token request and nothing else.
        assert [request.operation_id for request in pbxs[name].emulator.requests] == ["token"]
    assert all(item.ok for item in result if item.name not in refused)


async def test_a_generated_function_called_on_a_pbxs_own_client_is_checked_as_pbx_call_is() -> None:
    pbxs = EmulatedFleet(2, versions=("20.0.7.1100", "20.0.10.1621"))

    async def settings(pbx: Pbx) -> object:
        await list_user.asyncio(client=pbx.client, top=1)  # the PBX's version is known from here on
        return await get_ai_settings.asyncio(client=pbx.client)

    result = await pbxs.fleet().run(settings)

    assert isinstance(result["pbx-001"].error, versions.OperationUnavailable)
    assert [request.operation_id for request in pbxs["pbx-001"].emulator.requests] == ["token", "ListUser"]
    assert result["pbx-002"].ok


async def test_an_emulated_older_pbx_answers_404_to_what_its_version_lacks_and_the_error_says_why() -> None:
    pbxs = EmulatedFleet(1, versions=("20.0.7.1100",))
    client = pbxs["pbx-001"].emulator.client()
    with pytest.raises(NotFound) as raised:
        await get_ai_settings.asyncio(client=client)
    with pytest.raises(NotFound) as no_entity:
        await get_user.asyncio(9999, client=client)  # an operation 20.0.7 has: the entity is what is missing
    await client.aclose()

    assert raised.value.status_code == 404 and raised.value.server_version == "20.0.7.1100"
    assert "GetAISettings is not in XAPI 20.0.7 (the PBX runs 20.0.7.1100); it is in 20.0.9, 20.0.10" in str(
        raised.value
    )
    assert "XAPI" not in str(no_entity.value)


async def test_parameters_a_version_does_not_take_are_refused_before_sending() -> None:
    pbxs = EmulatedFleet(2, versions=("20.0.7.1100", "20.0.10.1621"))

    async def logs(pbx: Pbx) -> object:
        return pbx.problem(download_event_logs, top=5)

    async def logs_sent(pbx: Pbx) -> object:
        return await pbx.call(download_event_logs, top=5)

    checked = await pbxs.fleet().run(logs)  # before any answer the version is unknown: nothing to refuse yet
    assert [item.value for item in checked] == [None, None]
    result = await pbxs.fleet().run(logs_sent)
    error = result["pbx-001"].error
    assert isinstance(error, versions.ParametersDiffer)
    assert "20.0.7 does not take $top" in str(error)
    assert [request.operation_id for request in pbxs["pbx-001"].emulator.requests] == ["token"]
    assert not isinstance(result["pbx-002"].error, versions.VersionError)


async def test_cancelling_a_run_cancels_every_job_and_closes_every_client() -> None:
    pbxs = EmulatedFleet(6)
    finished: list[str] = []
    two_done = asyncio.Event()

    async def job(pbx: Pbx) -> int:
        if pbx.name in ("pbx-001", "pbx-002"):
            return await count_users(pbx)
        await pbx.call(list_user, top=1)
        await asyncio.Event().wait()  # never ends by itself
        return 0

    def seen(result: object) -> None:
        finished.append(getattr(result, "name", ""))
        if len(finished) == 2:
            two_done.set()

    run = asyncio.create_task(pbxs.fleet(concurrency=6).run(job, on_result=seen))
    await asyncio.wait_for(two_done.wait(), 10)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert sorted(finished) == ["pbx-001", "pbx-002"]
    assert pbxs.in_flight == 0
    assert pbxs.clients_closed == 6


def test_ctrl_c_in_a_script_reports_what_finished() -> None:
    pbxs = EmulatedFleet(5)

    async def job(pbx: Pbx) -> int:
        if pbx.name == "pbx-003":
            await pbx.call(list_user, top=1)
            signal.raise_signal(signal.SIGINT)  # as the user pressing Ctrl-C while the fleet runs
            await asyncio.Event().wait()
        return await count_users(pbx)

    with pytest.raises(FleetInterrupted) as interrupted:
        pbxs.fleet(concurrency=1).run_sync(job)
    result = interrupted.value.result
    assert [item.status for item in result] == ["ok", "ok", "cancelled", "cancelled", "cancelled"]
    assert pbxs.clients_closed == 3 and pbxs.in_flight == 0


def test_secrets_never_show_in_reprs_or_errors(tmp_path: Path) -> None:
    config = PbxConfig("acme", "https://acme.example.com", "reports", "s3cr3t-value")
    fleet = Fleet([config])
    assert "s3cr3t-value" not in repr(config) + repr(fleet)
    inline = tmp_path / "inline.toml"
    inline.write_text(
        '[[pbx]]\nname = "acme"\nurl = "https://acme.example.com"\nclient_id = "r"\nclient_secret = "s3cr3t-value"\n'
    )
    with pytest.raises(FleetFileError) as raised:
        read_fleet_file(inline)
    assert "never written in the fleet file" in str(raised.value) and "s3cr3t-value" not in str(raised.value)


def test_a_toml_fleet_file_with_defaults_and_secrets_from_the_environment_and_files(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "globex").write_text("globex-secret\n")
    path = tmp_path / "fleet.toml"
    path.write_text(
        "[fleet]\nconcurrency = 5\ntimeout = 60\n\n"
        '[defaults]\nclient_id = "reports"\nclient_secret_env = "XAPI_SECRET_{NAME}"\n\n'
        '[[pbx]]\nname = "acme-eu"\nurl = "https://acme.example.com"\n\n'
        '[[pbx]]\nname = "globex"\nurl = "https://pbx.globex.example:5001"\nclient_secret_file = "secrets/{name}"\n'
    )
    found = read_fleet_file(path, environ={"XAPI_SECRET_ACME_EU": "acme-secret"})
    assert [(pbx.name, pbx.client_id, pbx.client_secret) for pbx in found.pbxs] == [
        ("acme-eu", "reports", "acme-secret"),
        ("globex", "reports", "globex-secret"),
    ]
    assert found.settings == {"concurrency": 5, "timeout": 60}
    with pytest.raises(FleetFileError, match="XAPI_SECRET_ACME_EU"):
        read_fleet_file(path, environ={})


def test_a_yaml_fleet_file_reads_as_the_toml_one(tmp_path: Path) -> None:
    path = tmp_path / "fleet.yaml"
    path.write_text(
        "fleet: {per_pbx: 3}\n"
        "pbx:\n  - {name: acme, url: 'https://acme.example.com', client_id: r, client_secret_env: ACME}\n"
    )
    found = read_fleet_file(path, environ={"ACME": "x"})
    assert found.pbxs[0].url == "https://acme.example.com" and found.settings == {"per_pbx": 3}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[pbx]]\nname = "a"\nurl = "https://a.example"\nclient_id = "r"\nclient_secret_env = "S"\nport = 1\n',
            "port",
        ),
        ('[[pbx]]\nname = "a"\nurl = "ftp://a.example"\nclient_id = "r"\nclient_secret_env = "S"\n', "http"),
        ("[fleet]\nconcurency = 3\n", "concurency"),
        ("[fleet]\nconcurrency = 3\n", "no PBXs"),
    ],
)
def test_a_bad_fleet_file_names_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "fleet.toml"
    path.write_text(text)
    with pytest.raises(FleetFileError, match=message):
        read_fleet_file(path, environ={"S": "x"})


def test_the_demo_ends_with_a_fleet_run_on_three_versions() -> None:
    from threecx_xapi import demo

    title, _header, _rule, *rows = demo.fleet_run(3).strip().splitlines()
    assert title.startswith("6. A fleet of 3 PBXs")
    assert [row.split()[1] for row in rows] == ["20.0.7.1100", "20.0.9.1300", "20.0.10.1621"]
    assert "refused" in rows[0] and all(" read " in row for row in rows[1:])


async def test_no_secret_or_token_shows_in_the_logs_of_a_run(caplog: pytest.LogCaptureFixture) -> None:
    pbxs = EmulatedFleet(3)
    configs = [pbx.config(client_secret="wrong-" + pbx.emulator.client_secret) for pbx in pbxs][:1]
    configs += [pbx.config() for pbx in list(pbxs)[1:]]
    with caplog.at_level("DEBUG", logger="threecx_xapi"):
        result = await Fleet(configs).run(count_users)
    assert [item.status for item in result] == ["failed", "ok", "ok"]
    shown = caplog.text + "".join(item.error_text + repr(item) for item in result)
    assert all(pbx.emulator.client_secret not in shown for pbx in pbxs)
    assert "Bearer" not in shown
