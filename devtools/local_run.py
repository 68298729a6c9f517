"""Where the running ``make run`` is: its ports, for the commands that read from it.

``make run`` records ``{pid, port, aws_port}`` in ``.run/local.json`` (ignored by git;
``$LOCAL_RUN_RECORD`` names another file, as the e2e tier's services do) and removes it
when it stops. ``make mail`` (and any other local reader) then finds the moto
server without being given ``AWS_PORT`` again: an ``AWS_PORT`` in the environment wins,
then the ports of a ``make run`` whose process is still alive, then 5000.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

DEFAULT_RECORD = Path(__file__).resolve().parent.parent / ".run" / "local.json"
DEFAULT_AWS_PORT = 5000


def record_path() -> Path:
    return Path(os.environ.get("LOCAL_RUN_RECORD") or DEFAULT_RECORD)


def record(port: int, aws_port: int) -> None:
    path = record_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": os.getpid(), "port": port, "aws_port": aws_port}), "utf-8")


def forget() -> None:
    """Remove the record if it is this process's (another ``make run`` may have replaced it)."""
    found = _read()
    if found is not None and found.get("pid") == os.getpid():
        record_path().unlink(missing_ok=True)


def aws_port() -> int:
    """The moto server to read: ``$AWS_PORT``, else the running ``make run``'s, else 5000."""
    if os.environ.get("AWS_PORT"):
        return int(os.environ["AWS_PORT"])
    found = _read()
    if found is not None and _alive(int(found.get("pid", 0))):
        return int(found["aws_port"])
    return DEFAULT_AWS_PORT


def _read() -> dict[str, int] | None:
    try:
        data = json.loads(record_path().read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
