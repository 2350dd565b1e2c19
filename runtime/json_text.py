"""JSON as segl prints it for other tools: standard JSON, which has no infinities or NaN.
±infinity (an ordinary number in segl, SPEC §3) is written as the string "Infinity" or
"-Infinity", as `segl export` writes it; a NaN, which segl reads as null, as null."""

from __future__ import annotations

import json
import math
from typing import Any


def strict(value: Any) -> Any:
    """`value` with every float infinity a string and every NaN None, at any depth."""
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, dict):
        return {key: strict(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [strict(item) for item in value]
    return value


def dumps(value: Any, indent: int | None = None, default: Any = None) -> str:
    """Standard JSON text of `value` (UTF-8 text kept as it is)."""
    return json.dumps(
        strict(value), ensure_ascii=False, allow_nan=False, indent=indent, default=default
    )
