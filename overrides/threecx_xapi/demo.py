"""`make demo` / `python -m threecx_xapi.demo`: five everyday XAPI jobs, run against the built-in emulator.

1. create an inbound rule with holiday and out-of-office destinations
2. export the extensions
3. the call log for a period
4. the call distribution of a group
5. the agent login history of a queue

Each prints a short table. Nothing leaves 127.0.0.1: the emulator is started here and stopped at the end.
"""

from __future__ import annotations

import datetime
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from .api.groups import list_group
from .api.inbound_rules import create_inbound_rule
from .api.queues import list_queue
from .api.report_agent_login_history import get_agent_login_history_data
from .api.report_call_distribution import get_call_distribution
from .api.report_call_log_data import get_call_log_data
from .api.users import export_extensions
from .client import XapiClient
from .models.destination import Destination
from .models.destination_type import DestinationType
from .models.inbound_rule import InboundRule
from .paging import iterate
from .registry import xapi_version
from .types import Unset

PERIOD_TO = datetime.datetime(2026, 9, 13, 23, 59, 59, tzinfo=datetime.UTC)
PERIOD_FROM = PERIOD_TO - datetime.timedelta(days=7) + datetime.timedelta(seconds=1)
TIME_ZONE = "Europe/London"


def _text(value: Any) -> str:
    if value is None or isinstance(value, Unset):
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def table(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain-text table with a title, sized to its content."""
    cells = [[_text(value) for value in row] for row in rows]
    widths = [max([len(header), *(len(row[i]) for row in cells)]) for i, header in enumerate(headers)]
    line = "  ".join("-" * width for width in widths)
    body = ["  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)) for row in cells]
    empty = ["(no rows)"] if not cells else []
    return "\n".join(
        [f"\n{title}", "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)), line, *body, *empty]
    )


def create_rule(client: XapiClient) -> str:
    rule = create_inbound_rule.sync(
        client=client,
        body=InboundRule(
            rule_name="Main number",
            data="+442071234567",
            office_hours_destination=Destination(to=DestinationType.QUEUE, number="800"),
            out_of_office_hours_destination=Destination(to=DestinationType.VOICEMAIL, number="100"),
            holidays_destination=Destination(to=DestinationType.EXTERNAL, external="+447700900123"),
            alter_destination_during_out_of_office_hours=True,
            alter_destination_during_holidays=True,
        ),
    )

    def where(destination: Destination | None | Unset) -> str:
        if not isinstance(destination, Destination):
            return ""
        return f"{_text(destination.to)} {_text(destination.number) or _text(destination.external)}".strip()

    return table(
        "1. Inbound rule created",
        ["Id", "Name", "DID", "Office hours", "Out of office", "Holidays"],
        [
            [
                rule.id,
                rule.rule_name,
                rule.data,
                where(rule.office_hours_destination),
                where(rule.out_of_office_hours_destination),
                where(rule.holidays_destination),
            ]
        ],
    )


def extensions(client: XapiClient) -> str:
    page = export_extensions.sync(client=client, top=10, orderby=["Number"])
    users = page.value if not isinstance(page.value, Unset) else []
    return table(
        "2. Extensions export (first 10)",
        ["Number", "First name", "Last name", "Email"],
        [[user.number, user.first_name, user.last_name, user.email_address] for user in users],
    )


def call_log(client: XapiClient) -> str:
    rows = iterate(
        get_call_log_data,
        client=client,
        page_size=50,
        period_from=PERIOD_FROM,
        period_to=PERIOD_TO,
        source_type=0,
        source_filter="",
        destination_type=0,
        destination_filter="",
        calls_type=0,
        call_time_filter_type=0,
        call_time_filter_from="0:00:0",
        call_time_filter_to="0:00:0",
        hide_pcalls=True,
    )
    shown: list[list[Any]] = []
    total = 0
    for row in rows:
        total += 1
        if len(shown) < 8:
            shown.append([row.start_time, row.source_display_name, row.destination_display_name, row.status])
    return table(
        f"3. Call log {PERIOD_FROM:%Y-%m-%d} to {PERIOD_TO:%Y-%m-%d} ({total} calls, first {len(shown)})",
        ["Started", "From", "To", "Status"],
        shown,
    )


def call_distribution(client: XapiClient) -> str:
    groups = list_group.sync(client=client, top=1, orderby=["Name"]).value
    group = groups[0] if not isinstance(groups, Unset) and groups else None
    group_number = "" if group is None or isinstance(group.number, Unset) else group.number
    # A PBX refuses null for a report's string parameters: '' means all.
    page = get_call_distribution.sync(
        client_time_zone=TIME_ZONE,
        period_from=PERIOD_FROM,
        period_to=PERIOD_TO,
        group_number=group_number,
        extension_dns="",
        wait_interval="",
        include_queue_calls=True,
        call_area=0,
        grouping_type=0,
        client=client,
        top=7,
    )
    rows = page.value if not isinstance(page.value, Unset) else []
    return table(
        f"4. Call distribution for group {group_number or '(all)'}",
        ["Interval", "Incoming", "Outgoing"],
        [[row.date_time_interval, row.incoming_count, row.outgoing_count] for row in rows],
    )


def agent_logins(client: XapiClient) -> str:
    queues = list_queue.sync(client=client, top=1, orderby=["Number"]).value
    queue = queues[0] if not isinstance(queues, Unset) and queues else None
    queue_number = "" if queue is None or isinstance(queue.number, Unset) else queue.number
    page = get_agent_login_history_data.sync(
        client_time_zone=TIME_ZONE,
        start_dt=PERIOD_FROM,
        end_dt=PERIOD_TO,
        queue_dn_str=queue_number,
        agent_dn_str="",
        client=client,
        top=8,
    )
    rows = page.value if not isinstance(page.value, Unset) else []
    return table(
        f"5. Agent login history for queue {queue_number or '(all)'}",
        ["Agent", "Queue", "Logged in", "Logged out", "Talking"],
        [[row.agent, row.queue_no, row.logged_in_dt, row.logged_out_dt, row.talking_interval] for row in rows],
    )


SCENARIOS = (create_rule, extensions, call_log, call_distribution, agent_logins)


def run(client: XapiClient) -> list[str]:
    """Every scenario's table, in order."""
    return [scenario(client) for scenario in SCENARIOS]


def main() -> int:
    from .testing import Emulator

    with Emulator() as pbx:
        print(f"3CX XAPI emulator on {pbx.url} (XAPI {xapi_version()})")
        with XapiClient(pbx.url, pbx.client_id, pbx.client_secret) as client:
            for output in run(client):
                print(output)
            version = client.server_version
    print(f"\nPBX version {version}; the emulator is stopped now.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
