"""Many PBXs from one process: one job on every PBX of a fleet, bounded, a result or an error per PBX.

    from threecx_xapi.fleet import Fleet, Pbx
    from threecx_xapi.api.users import list_user

    async def count_users(pbx: Pbx) -> int:
        return sum([1 async for _ in pbx.aiterate(list_user)])

    fleet = Fleet.from_file("fleet.toml")          # or Fleet([PbxConfig(...), ...], concurrency=20)
    for result in fleet.run_sync(count_users):
        print(result.name, result.value if result.ok else result.error_text)

See `config` for the fleet file and `runner` for how a fleet is worked.
"""

from .config import FleetFile, FleetFileError, PbxConfig, read_fleet_file
from .runner import Fleet, FleetInterrupted, FleetResult, Pbx, PbxResult, PbxTimeout

__all__ = [
    "Fleet",
    "FleetFile",
    "FleetFileError",
    "FleetInterrupted",
    "FleetResult",
    "Pbx",
    "PbxConfig",
    "PbxResult",
    "PbxTimeout",
    "read_fleet_file",
]
