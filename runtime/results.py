"""The result of evaluating a project for one as-of, whoever computed it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

UserKey = Any
Value = Any


@dataclass
class RunResult:
    as_of: dt.datetime
    users: set[UserKey] = field(default_factory=set)
    tags: dict[str, dict[UserKey, Value]] = field(default_factory=dict)  # tag -> user -> value
    segments: dict[str, set[UserKey]] = field(default_factory=dict)  # segment -> members
    layers: dict[str, dict[UserKey, str]] = field(default_factory=dict)  # layering -> assigned

    def segment_sizes(self) -> dict[str, int]:
        return {name: len(members) for name, members in self.segments.items()}
