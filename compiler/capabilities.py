"""What a SQL target may lack. Functions and aggregates of the registry name the
capabilities they need; each target says which it lacks (an error at `segl check
--dialect`) or has only through segl's own engine (a warning: a script run by another
client needs an extension)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Capability(Enum):
    MD5 = "md5"  # md5() of UTF-8 text, as hex digits (bucket)
    FLOAT_MODULO = "float modulo"  # the remainder of doubles (%)


@dataclass(frozen=True)
class Limit:
    """A target's limit for one capability. `engine_provides`: segl's engine for this
    target supplies it (so `segl run` works) but a compiled script needs it elsewhere."""

    reason: str
    engine_provides: bool = False
