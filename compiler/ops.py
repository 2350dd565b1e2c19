"""The operators of the typed IR, as enums: a node's operator is checked when the node is
built, and every dispatch over operators is a lookup mypy can see (never a bare string).

The values are the operators' spellings in rule files, so `str(op)` prints them back."""

from __future__ import annotations

from enum import StrEnum


class LogicOp(StrEnum):
    AND = "and"
    OR = "or"


class CompareOp(StrEnum):
    EQ = "=="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


class ArithOp(StrEnum):
    ADD = "+"
    SUB = "-"
    MUL = "*"
    DIV = "/"
    MOD = "%"


class StrMatchOp(StrEnum):
    CONTAINS = "contains"
    STARTS_WITH = "starts_with"
    ENDS_WITH = "ends_with"

    @property
    def words(self) -> str:
        """As written in rule files: `starts with`."""
        return self.value.replace("_", " ")


class WindowKind(StrEnum):
    LAST = "last"  # in last N units: [as_of - N units, as_of)
    AGO = "ago"  # between N and M units ago: [as_of - N units, as_of - M units)
    SINCE = "since"  # since a fixed instant: [instant, as_of)
    TODAY = "today"  # since today: [midnight of the as-of's day, as_of)


class TimeUnit(StrEnum):
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
