"""Value types and domains of the typed IR."""

from __future__ import annotations

from enum import Enum


class Type(Enum):
    NUMBER = "number"
    STRING = "string"
    BOOL = "bool"
    DATE = "date"
    TIMESTAMP = "timestamp"
    NULL = "null"  # the type of the `null` literal: fits any other type
    ANY = "any"  # an expression that already failed to check; suppresses follow-up errors

    def __str__(self) -> str:
        return self.value


COLUMN_TYPES = {
    t.value: t for t in (Type.NUMBER, Type.STRING, Type.BOOL, Type.DATE, Type.TIMESTAMP)
}
TEMPORAL = frozenset({Type.DATE, Type.TIMESTAMP})
ORDERED = frozenset({Type.NUMBER, Type.STRING, Type.DATE, Type.TIMESTAMP})


def unify(a: Type, b: Type) -> Type | None:
    """The common type of two values (for ==, case branches, coalesce), or None."""
    if a is b:
        return a
    if a in (Type.NULL, Type.ANY):
        return b
    if b in (Type.NULL, Type.ANY):
        return a
    if {a, b} == {Type.DATE, Type.TIMESTAMP}:
        return Type.TIMESTAMP
    return None


class Domain(Enum):
    """Per-user values (one per user) versus per-event values (one per event row)."""

    USER = "user"
    EVENT = "event"
