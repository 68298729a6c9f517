"""Read a stage's environment from ``.chalice/config.json`` (tools and ops commands)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CONFIG = Path(__file__).resolve().parents[2] / ".chalice" / "config.json"


def load_config(path: Path = CONFIG) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def stage_names(path: Path = CONFIG) -> list[str]:
    return sorted(load_config(path)["stages"])


def stage_environment(stage: str, path: Path = CONFIG) -> dict[str, str]:
    config = load_config(path)
    if stage not in config["stages"]:
        raise KeyError(f"no stage {stage!r} in {path}; stages: {', '.join(sorted(config['stages']))}")
    return {
        **config.get("environment_variables", {}),
        **config["stages"][stage].get("environment_variables", {}),
    }
