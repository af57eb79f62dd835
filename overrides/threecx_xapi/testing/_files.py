"""File answers: what a PBX sends for `Pbx.IActionResult` functions, and Download* reports as the web UI's CSV."""

from __future__ import annotations

import io
import struct
import wave
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FileAnswer:
    content: bytes
    content_type: str
    file_name: str

    def headers(self) -> dict[str, str]:
        return {
            "Content-Type": self.content_type,
            "Content-Disposition": f'attachment; filename="{self.file_name}"',
        }


def _wav(seconds: float = 0.25, rate: int = 8000) -> bytes:
    """A short silent 8 kHz mono recording, as PBX recordings are (G.711 decoded to 16-bit PCM)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(rate)
        sound.writeframes(struct.pack("<h", 0) * int(seconds * rate))
    return buffer.getvalue()


def _text(lines: Sequence[str]) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def file_answer(operation_id: str, arguments: Mapping[str, Any]) -> FileAnswer:
    """The file a GET `Pbx.IActionResult` function answers, named and typed as the PBX names it."""
    if operation_id == "DownloadRecording":
        return FileAnswer(_wav(), "audio/wav", f"recording-{arguments.get('recId', 0)}.wav")
    if operation_id in ("DownloadGreeting", "DownloadPlaylistFile"):
        return FileAnswer(_wav(), "audio/wav", str(arguments.get("fileName") or "greeting.wav"))
    if operation_id == "ExportTrunk":
        body = '<?xml version="1.0" encoding="utf-8"?>\r\n<TrunkExport><Trunk Number="10000" /></TrunkExport>\r\n'
        return FileAnswer(body.encode(), "application/xml", "trunk.xml")
    if operation_id == "ExportCallCosts":
        return FileAnswer(
            b"\xef\xbb\xbf" + _text(["Prefix,Rate,Description", "44,0.02,UK"]), "text/csv", "callcosts.csv"
        )
    if operation_id == "GenerateIamPolicyFile":
        policy = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:PutObject"]}]}'
        return FileAnswer(policy.encode(), "application/json", "iam-policy.json")
    if operation_id == "GetDialPlanScript":
        script = ["# 3CX dial plan for Microsoft Teams", "New-CsTenantDialPlan -Identity 3CX"]
        return FileAnswer(_text(script), "text/plain; charset=utf-8", "DialPlan.ps1")
    if operation_id == "GetMapUsersScript":
        script = ["# 3CX users mapped to Microsoft Teams", "Set-CsPhoneNumberAssignment -Identity user@example.com"]
        return FileAnswer(_text(script), "text/plain; charset=utf-8", "MapUsers.ps1")
    return FileAnswer(b"", "application/octet-stream", f"{operation_id}.bin")


def report_csv(operation_id: str, rows: Sequence[Mapping[str, Any]]) -> FileAnswer:
    """A Download* report as the web UI exports it: UTF-8 with a BOM, CRLF lines, a final Totals row."""
    columns = [name for name in (rows[0] if rows else {}) if not name.startswith("@")]
    lines = [",".join(_cell(name) for name in columns)]
    lines += [",".join(_cell(row.get(name)) for name in columns) for row in rows]
    totals = ["Totals"] + [_total(rows, name) for name in columns[1:]]
    lines.append(",".join(totals))
    name = operation_id.removeprefix("Download") or operation_id
    return FileAnswer(b"\xef\xbb\xbf" + _text(lines), "text/csv; charset=utf-8", f"{name}.csv")


def _total(rows: Sequence[Mapping[str, Any]], name: str) -> str:
    values = [row.get(name) for row in rows]
    numbers = [value for value in values if isinstance(value, int | float) and not isinstance(value, bool)]
    if numbers and len(numbers) == len([value for value in values if value is not None]):
        total = sum(numbers)
        return str(round(total, 2) if isinstance(total, float) else total)
    return ""


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = str(value)
    if any(character in text for character in ',"\r\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text
