"""Names and types: syntax trees of all files of a project to one typed IR project.

Every problem is collected; a failed expression becomes `ir.Invalid` (type ANY)
so that checking goes on and one run reports everything.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from segl.compiler import ir, registry
from segl.compiler.alerts.check import AlertChecker
from segl.compiler.alerts.model import Alerts
from segl.compiler.journeys.check import JourneyChecker
from segl.compiler.journeys.model import Journeys
from segl.compiler.ops import ArithOp, CompareOp, LogicOp, StrMatchOp, TimeUnit, WindowKind
from segl.compiler.registry import NUMBER_ONLY, STRING_ONLY
from segl.compiler.reports.check import ReportChecker
from segl.compiler.reports.model import Reports
from segl.compiler.salts import shared_salts
from segl.compiler.types import COLUMN_TYPES, TEMPORAL, Type, unify
from segl.dsl import ast
from segl.dsl.diagnostics import Diagnostic, Severity, Span, closest, did_you_mean, name_hint
from segl.dsl.formatter import format_expr
from segl.dsl.parser import (
    AGGREGATES,
    CONDITION_KEYWORDS,
    EXPRESSION_KEYWORDS,
    LOWER_CASE_KEYWORDS,
)
from segl.dsl.perf import collector_paused

RESERVED_NAMES = frozenset({"user_id", "as_of"})  # the key columns of a tags table
# what each kind of named definition is called in messages
_KINDS: dict[type, str] = {
    ast.SourceDef: "source",
    ast.IdentityDef: "identity",
    ast.TagDef: "tag",
    ast.SegmentDef: "segment",
    ast.LayeringDef: "layering",
    ast.JourneyDef: "journey",
    ast.HoldoutDef: "holdout",
}
KNOWN_ANNOTATIONS = ("description", "category", "owner", "kind")
TAG_KINDS = ("static", "semi-dynamic", "dynamic", "derived")
LOGIC_OPS = frozenset(op.value for op in LogicOp)
ARITH_OPS = frozenset(op.value for op in ArithOp)
# a literal with more digits than this is beyond every double (about 1.8e308)
MAX_LITERAL_DIGITS = 400


def _wanted_hint(allowed: frozenset[Type]) -> str:
    """A hint for a value of the wrong type where `allowed` types are wanted."""
    if allowed == frozenset({Type.BOOL}):
        return 'a condition compares or tests: e.g. visits_30d >= 3, city == "Beijing"'
    if Type.NUMBER in allowed:
        return "a number comes from a count, a sum, a number column or arithmetic"
    return "the types of values are described in docs/language.md"


@dataclass(frozen=True)
class ProjectConfig:
    name: str = "project"
    timezone: str = "UTC"
    universe: str | None = None
    channels: tuple[str, ...] = ()  # journey channels beyond SPEC's ten (segl.toml)
    universe_span: Span | None = None  # where segl.toml names the universe


def _hint_for_aggregating(source: str, column: str, column_type: Type) -> str:
    if column_type is Type.NUMBER:
        return f"aggregate it: sum({source}.{column}), max({source}.{column}), ..."
    return f"aggregate it: last({source}.{column}), most_frequent({source}.{column}), ..."


def _closest(name: str, candidates: tuple[str, ...]) -> list[str]:
    import difflib

    return difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)


def _literal_number(text: str) -> int | float | None:
    """The value of a number literal, or None when no double can hold it (SPEC §3: literals
    must be finite). Long digit strings are refused before int() sees them."""
    digits = text.split("e")[0].split("E")[0]
    if len(digits.lstrip("0").split(".")[0]) > MAX_LITERAL_DIGITS:
        return None
    value: int | float = int(text) if text.isdigit() else float(text)
    try:
        as_double = float(value)
    except OverflowError:
        return None
    return value if math.isfinite(as_double) else None


class _Checker:
    def __init__(self, programs: Sequence[ast.Program], config: ProjectConfig) -> None:
        self.programs = programs
        self.config = config
        self.diagnostics: list[Diagnostic] = []
        self.sources: dict[str, ir.Source] = {}
        self.source_defs: dict[str, ast.SourceDef] = {}
        self.defs: dict[str, ast.TagDef | ast.SegmentDef | ast.LayeringDef] = {}
        self.first_seen: dict[str, tuple[Span, str]] = {}  # lowered name -> where, what
        self.resolved: dict[str, ir.Definition] = {}
        self.failed: set[str] = set()
        self.identity_defs: list[ast.IdentityDef] = []
        self.journey_defs: list[ast.JourneyDef] = []
        self.holdout_defs: list[ast.HoldoutDef] = []
        self.policy_defs: list[ast.PolicyDef] = []
        self.report_defs: list[ast.ReportStatement] = []
        self.alert_defs: list[ast.AlertDef] = []

    # ------------------------------------------------------------ reporting
    def error(self, code: str, message: str, span: Span | None, *hints: str) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, tuple(h for h in hints if h)))

    def warn(self, code: str, message: str, span: Span | None, *hints: str) -> None:
        self.diagnostics.append(
            Diagnostic(code, message, span, tuple(h for h in hints if h), Severity.WARNING)
        )

    # ------------------------------------------------------------ collecting
    def collect(self) -> None:
        for program in self.programs:
            for stmt in program.statements:
                self._register(stmt)

    def _register(self, stmt: ast.Statement) -> None:
        if isinstance(stmt, ast.PolicyDef):
            self.policy_defs.append(stmt)
            return
        if isinstance(stmt, ast.FunnelDef | ast.RetentionDef | ast.ReportDef | ast.ExperimentDef):
            # a namespace of their own: `report coupons over coupons` (SPEC §2.7)
            self.report_defs.append(stmt)
            return
        if isinstance(stmt, ast.AlertDef):  # a namespace of their own, never referred to
            self.alert_defs.append(stmt)
            self._check_annotations(stmt.annotations)
            return
        lowered = stmt.name.lower()
        kind = _KINDS.get(type(stmt), "definition")
        if lowered in self.first_seen:
            first, first_kind = self.first_seen[lowered]
            shared = "sources, tags, segments, layerings, journeys and holdouts share their names"
            self.error(
                "E0306",
                f"'{stmt.name}' is defined more than once (names ignore case)",
                stmt.span,
                f"first defined at {first.file}:{first.line}"
                + (f" (a {first_kind}; this is a {kind})" if kind != first_kind else ""),
                shared if kind != first_kind else "",
            )
            # a tag, segment or layering named like a journey or holdout is still known to the
            # rules that read it: one error, not one more per use of the name
            if not isinstance(stmt, ast.TagDef | ast.SegmentDef | ast.LayeringDef):
                return
            if first_kind not in ("journey", "holdout"):
                return
        else:
            self.first_seen[lowered] = (stmt.span, kind)
        if isinstance(stmt, ast.SourceDef):
            self.source_defs[stmt.name] = stmt
            self.sources[stmt.name] = self._source(stmt)
            return
        if isinstance(stmt, ast.IdentityDef):
            self.identity_defs.append(stmt)
            return
        if isinstance(stmt, ast.JourneyDef):
            self.journey_defs.append(stmt)
            return
        if isinstance(stmt, ast.HoldoutDef):
            self.holdout_defs.append(stmt)
            return
        if stmt.name in EXPRESSION_KEYWORDS:
            self.error(
                "E0308",
                f"'{stmt.name}' is a keyword in expressions, so this could never be used",
                stmt.span,
                "choose another name",
            )
        if isinstance(stmt, ast.TagDef) and lowered in RESERVED_NAMES:
            self.error(
                "E0308",
                f"'{stmt.name}' is reserved for the results table",
                stmt.span,
                "choose another tag name",
            )
        self.defs[stmt.name] = stmt
        self._check_annotations(stmt.annotations)

    def _check_annotations(self, annotations: tuple[ast.Annotation, ...]) -> None:
        seen: set[str] = set()
        for note in annotations:
            if note.key in seen and note.key in KNOWN_ANNOTATIONS:
                # the catalog keeps one value: the earlier one would vanish unnoticed
                self.warn(
                    "W0001",
                    f"annotation '@{note.key}' given twice: the last one is kept",
                    note.span,
                    "keep one (several owners or categories go in one string)",
                )
            seen.add(note.key)
            if note.key not in KNOWN_ANNOTATIONS:
                self.warn(
                    "W0001",
                    f"unknown annotation '@{note.key}'",
                    note.span,
                    *(f"did you mean '@{k}'?" for k in _closest(note.key, KNOWN_ANNOTATIONS)),
                    "known: " + ", ".join("@" + k for k in KNOWN_ANNOTATIONS),
                )
            elif note.key == "kind" and note.value not in TAG_KINDS:
                self.warn(
                    "W0001",
                    f"unknown tag kind '{note.value}'",
                    note.span,
                    *(f"did you mean '{k}'?" for k in _closest(note.value, TAG_KINDS)),
                    "kinds: " + ", ".join(TAG_KINDS),
                )

    def _source(self, stmt: ast.SourceDef) -> ir.Source:
        if not stmt.table.strip():
            self.error(
                "E0204",
                f"source '{stmt.name}' names an empty table",
                stmt.span,
                'name the warehouse table (or view) it reads, e.g. from table "orders"',
            )
        elif problem := _table_name_problem(stmt.table):
            self.error(
                "E0204",
                f"source '{stmt.name}': table \"{stmt.table}\" {problem}",
                stmt.span,
                'a table is "table", "schema.table" or "catalog.schema.table", each part '
                "named (a dot always separates parts)",
            )
        columns: dict[str, Type] = {}
        for col in stmt.columns:
            if col.name in columns:
                self.error(
                    "E0310",
                    f"column '{col.name}' is declared twice",
                    col.span,
                    "declare each column once: remove one of them",
                )
            columns[col.name] = COLUMN_TYPES.get(col.type_name, Type.ANY)
        user_column = stmt.key if stmt.kind == "profile" else stmt.user
        assert user_column is not None
        if stmt.kind == "event":
            assert stmt.time is not None
            self._special_column(stmt, columns, stmt.time, "time", TEMPORAL)
        for role, name in (
            ("created", stmt.created),
            ("valid from", stmt.valid_from),
            ("valid to", stmt.valid_to),
        ):
            if name is not None:
                self._special_column(stmt, columns, name, role, TEMPORAL)
        if stmt.zone is not None:
            self._special_column(stmt, columns, stmt.zone, "zone", STRING_ONLY)
        source = ir.Source(
            stmt.name,
            stmt.table,
            stmt.kind,
            user_column,
            stmt.time,
            tuple(columns.items()),
            stmt.span,
            stmt.id_kind,
            stmt.created,
            stmt.zone,
            stmt.valid_from,
            stmt.valid_to,
        )
        if stmt.id_kind is None:  # an ID column (`as KIND`) is checked with the identity
            role = "key column" if stmt.kind == "profile" else "user column"
            span = next((c.span for c in stmt.columns if c.name == user_column), stmt.span)
            self._id_column_type(
                source, user_column, span, role, "a user key is a string or a number"
            )
        return source

    def _special_column(
        self,
        stmt: ast.SourceDef,
        columns: dict[str, Type],
        name: str,
        role: str,
        allowed: frozenset[Type],
    ) -> None:
        """A column the source names for a role (event time, created, valid from/to,
        zone): declared with a fitting type, or taken as the first of `allowed`."""
        default = Type.TIMESTAMP if Type.TIMESTAMP in allowed else Type.STRING
        declared = columns.setdefault(name, default)
        if declared not in allowed | {Type.ANY}:
            wanted = "a date or timestamp" if allowed == TEMPORAL else "a string"
            span = next((c.span for c in stmt.columns if c.name == name), stmt.span)
            self.error(
                "E0401",
                f"{role} column '{name}' must be {wanted}, not {declared}",
                span,
                f"declare it as {'timestamp' if allowed == TEMPORAL else 'string'}",
            )

    # ------------------------------------------------------------ identity
    @staticmethod
    def _kind_span(stmt: ast.IdentityDef, index: int) -> Span:
        """Where `kinds` names its `index`-th kind (the identity's header for a tree built
        without the places)."""
        return stmt.kind_spans[index] if index < len(stmt.kind_spans) else stmt.span

    def identity(self) -> ir.Identity | None:
        """The project's identity (at most one), its links and every source's ID kind."""
        if len(self.identity_defs) > 1:
            extra = self.identity_defs[1]
            self.error(
                "E0313",
                "a project has one identity; this is a second one",
                extra.span,
                "list every kind and link in one identity",
            )
        stmt = self.identity_defs[0] if self.identity_defs else None
        kinds = self._identity_kinds(stmt) if stmt is not None else ()
        self._source_kinds(kinds, stmt)
        if stmt is None:
            return None
        checked = [self._link(link, kinds) for link in stmt.links]
        links = tuple(link for link in checked if link is not None)
        if not stmt.links:  # (links with errors have their own diagnostics)
            self.error(
                "E0314",
                f"identity '{stmt.name}' has no links, so every ID would be a person of its own",
                stmt.span,
                "link two IDs: link bindings: member_no as member, openid as openid",
            )
        if stmt.shared_above is not None and stmt.shared_above < 1:
            self.error(
                "E0314",
                "'shared above 0' would leave every linked ID out",
                stmt.shared_span,
                "e.g. shared above 50: an ID linked to more than 50 others is left out",
            )
        if stmt.largest is not None and stmt.largest < 2:
            self.error(
                "E0314",
                f"'at most {stmt.largest} ids per person' leaves no room for a link",
                stmt.largest_span,
                "e.g. at most 1000 ids per person: a larger person fails the run",
            )
        used = {s.id_kind for s in self.sources.values()}
        used |= {k for link in links for k in (link.left_kind, link.right_kind)}
        for kind in kinds:
            if kind not in used:
                self.warn(
                    "W0006",
                    f"no source or link holds IDs of kind '{kind}'",
                    self._kind_span(stmt, stmt.kinds.index(kind)),
                    "remove the kind, or say `as " + kind + "` on the source that holds them",
                )
        largest = stmt.largest if stmt.largest is not None else ir.DEFAULT_LARGEST_PERSON
        return ir.Identity(stmt.name, kinds, links, stmt.shared_above, largest, stmt.span)

    def _identity_kinds(self, stmt: ast.IdentityDef) -> tuple[str, ...]:
        if not stmt.kinds:
            self.error(
                "E0314",
                f"identity '{stmt.name}' lists no ID kinds",
                stmt.span,
                "list them, the most preferred for the person key first: kinds member, "
                "openid, device",
            )
        seen: list[str] = []
        for index, kind in enumerate(stmt.kinds):
            if kind in seen:
                span = self._kind_span(stmt, index)
                self.error(
                    "E0310", f"ID kind '{kind}' is listed twice", span, "list each kind once"
                )
            else:
                seen.append(kind)
        return tuple(seen)

    def _likely_kind(self, column: str, kinds: tuple[str, ...], stmt: ast.IdentityDef) -> str:
        """The kind a column most likely holds, for a hint: a kind a column of that name is
        said to hold elsewhere (a source, a link), else the longest kind its name contains
        (`device_id`: device), else the most preferred."""
        said = [s.id_kind for s in self.sources.values() if s.user_column == column]
        for link in stmt.links:
            said += [link.left_kind] if link.left == column else []
            said += [link.right_kind] if link.right == column else []
        known = [kind for kind in said if kind in kinds]
        if known:
            return known[0]
        letters = "".join(c for c in column.lower() if c.isalnum())  # open_id: openid
        contained = [kind for kind in kinds if kind.lower() in letters]
        if contained:
            return max(contained, key=len)
        return kinds[0] if kinds else "member"

    def _source_kinds(self, kinds: tuple[str, ...], stmt: ast.IdentityDef | None) -> None:
        """With an identity every source says which kind of ID its user column holds (and
        the kind is one of the identity's); without one, no source names a kind."""
        for source in self.sources.values():
            span = self.source_defs[source.name].span
            if source.id_kind is None and stmt is not None:
                keyword = "key" if source.kind == "profile" else "user"
                self.error(
                    "E0311",
                    f"source '{source.name}' does not say which kind of ID "
                    f"'{source.user_column}' holds",
                    span,
                    f"e.g. {keyword} {source.user_column} as "
                    f"{self._likely_kind(source.user_column, kinds, stmt)}",
                )
            elif source.id_kind is not None and stmt is None:
                self.error(
                    "E0312",
                    f"ID kind '{source.id_kind}' of source '{source.name}' is declared by no "
                    "identity",
                    span,
                    "declare the kinds: identity person { kinds member, openid ... }",
                )
            elif source.id_kind is not None and not self._id_column_type(
                source, source.user_column, self._column_span(source.name, source.user_column)
            ):
                continue
            elif source.id_kind is not None and kinds and source.id_kind not in kinds:
                # (no kinds at all is E0314 on the identity: one error, not one per source)
                self.error(
                    "E0312",
                    f"unknown ID kind '{source.id_kind}'",
                    span,
                    *did_you_mean(source.id_kind, kinds),
                    "the identity's kinds: " + ", ".join(kinds),
                )

    def _column_span(self, source: str, column: str) -> Span:
        """Where a source declares a column (the source's header when it does not)."""
        definition = self.source_defs[source]
        found = next((c.span for c in definition.columns if c.name == column), None)
        return found if found is not None and found.line else definition.span

    def _id_column_type(
        self,
        source: ir.Source,
        column: str,
        span: Span,
        role: str = "ID column",
        rule: str = "IDs are strings or numbers",
    ) -> bool:
        """IDs (and user keys, which results are keyed by) are compared as text: a string
        or a whole number, never a date or a flag whose text differs between engines."""
        declared = source.column_type(column)
        if declared in (None, Type.STRING, Type.NUMBER, Type.ANY):
            return True
        self.error(
            "E0401",
            f"{role} '{source.name}.{column}' is {declared}; {rule}",
            span,
            "declare it as string (or number), or read it through a view",
        )
        return False

    def _link(self, link: ast.LinkDef, kinds: tuple[str, ...]) -> ir.IdentityLink | None:
        source = self.sources.get(link.source)
        if source is None:
            self.error(
                "E0302",
                f"unknown source '{link.source}'",
                link.part_span(0),
                *did_you_mean(link.source, self.sources),
            )
            return None
        ok = True
        sides = ((link.left, link.left_kind, 1), (link.right, link.right_kind, 3))
        for column, kind, place in sides:
            if column != source.user_column and source.column_type(column) is None:
                self.error(
                    "E0303",
                    f"source '{source.name}' has no column '{column}'",
                    link.part_span(place),
                    *_column_hints(source, column),
                )
                ok = False
            if kinds and kind not in kinds:  # no kinds at all: E0314 on the identity
                self.error(
                    "E0312",
                    f"unknown ID kind '{kind}'",
                    link.part_span(place + 1),
                    *did_you_mean(kind, kinds),
                    "the identity's kinds: " + ", ".join(kinds),
                )
                ok = False
        for column, _, place in sides:
            ok = self._id_column_type(source, column, link.part_span(place)) and ok
        if (link.left, link.left_kind) == (link.right, link.right_kind):
            self.error("E0314", "a link ties an ID to itself", link.span, "name two columns")
            ok = False
        if not ok:
            return None
        return ir.IdentityLink(
            source.name, link.left, link.left_kind, link.right, link.right_kind, link.span
        )

    def universe(self) -> str:
        profiles = [s.name for s in self.sources.values() if s.kind == "profile"]
        wanted = self.config.universe
        if wanted is not None:
            if wanted not in profiles:
                self.error(
                    "E0309",
                    f"universe '{wanted}' (segl.toml) is not a profile source",
                    self.config.universe_span,
                    *did_you_mean(wanted, profiles),
                    "a profile source is declared with `key`: source users from table ... key id",
                )
            return wanted
        if len(profiles) == 1:
            return profiles[0]
        if not profiles:
            self.error(
                "E0309",
                "the project has no profile source, so it has no users",
                None,
                'declare one with a key: source users from table "users" key user_id { ... }',
            )
        else:
            self.error(
                "E0309",
                "several profile sources; which one lists the users? " + ", ".join(profiles),
                self.source_defs[profiles[1]].span,  # where the second one makes it ambiguous
                f'set universe = "{profiles[0]}" under [project] in segl.toml',
            )
        return profiles[0] if profiles else ""

    # ------------------------------------------------------------ ordering
    def dependencies(self, stmt: ast.TagDef | ast.SegmentDef | ast.LayeringDef) -> list[str]:
        exprs: list[ast.Expr]
        if isinstance(stmt, ast.LayeringDef):
            exprs = [layer.condition for layer in stmt.layers if layer.condition is not None]
        else:
            exprs = [stmt.expr]
        found: list[str] = []
        # (node, the event source whose columns its names may be, inside an aggregate)
        stack: list[tuple[ast.Expr, ir.Source | None]] = [(e, None) for e in exprs]
        while stack:
            node, scope = stack.pop()
            if isinstance(node, ast.Name) and node.name in self.defs and node.name not in found:
                is_column = scope is not None and scope.column_type(node.name) is not None
                if not is_column:
                    found.append(node.name)
            if isinstance(node, ast.Call) and node.name in AGGREGATES:
                scope = self._quiet_source(node)
            stack.extend((child, scope) for child in ast.children(node))
        return found

    def _quiet_source(self, node: ast.Call) -> ir.Source | None:
        """The event source an aggregate is over, as `aggregate_source` finds it, without
        reporting anything (for ordering definitions; the check reports problems)."""
        if not node.args:
            return None
        first = node.args[0]
        if isinstance(first, ast.Name) and first.name in self.sources:
            return self.sources[first.name]
        named: list[ast.Expr] = [first, *([node.where] if node.where is not None else [])]
        while named:
            item = named.pop()
            if isinstance(item, ast.ColumnRef):
                source = self.sources.get(item.source)
                if source is not None and source.kind == "event":
                    return source
            named.extend(ast.children(item))
        return None

    def order(self) -> list[str]:
        """Definitions in dependency order; cycles are reported and left out."""
        graph = {name: self.dependencies(stmt) for name, stmt in self.defs.items()}
        state: dict[str, int] = {}  # 1: on the current path, 2: done
        ordered: list[str] = []
        for root in self.defs:
            if root in state:
                continue
            path: list[str] = []
            stack: list[tuple[str, int]] = [(root, 0)]
            while stack:
                name, index = stack.pop()
                if index == 0:
                    state[name] = 1
                    path.append(name)
                deps = graph[name]
                if index < len(deps):
                    stack.append((name, index + 1))
                    dep = deps[index]
                    if state.get(dep) == 1:
                        self._report_cycle([*path[path.index(dep) :], dep])
                    elif dep not in state:
                        stack.append((dep, 0))
                    continue
                state[name] = 2
                path.pop()
                if name not in self.failed:
                    ordered.append(name)
        return ordered

    def _report_cycle(self, cycle: list[str]) -> None:
        self.failed.update(cycle)
        start = self.defs[cycle[0]]
        self.error(
            "E0307",
            "definitions depend on each other in a cycle: " + " -> ".join(cycle),
            start.span,
            "break the cycle: one of them must not use the others",
        )

    def is_definition(self, name: str) -> bool:
        return name in self.defs

    @property
    def definition_names(self) -> list[str]:
        return list(self.defs)

    def zones_off_the_universe(self, universe: str) -> None:
        """`zone Z` is read on the universe only (the users' zones): on another source it
        would be ignored without a word (W0703)."""
        if not universe:
            return  # no universe: its own error
        for source in self.sources.values():
            if source.zone is not None and source.name != universe:
                self.warn(
                    "W0703",
                    f"source '{source.name}' names a zone column, but only the universe's "
                    f"('{universe}') is read: its zone '{source.zone}' is ignored",
                    self.source_defs[source.name].span,
                    f"give the universe the users' zones (source {universe} ... zone COLUMN), "
                    "or remove this `zone`",
                )

    def journeys(self, universe: str) -> Journeys | None:
        """Journeys, holdouts and the policy, once every definition is checked."""
        checker = JourneyChecker(self, self.sources.get(universe), self.config.channels)
        return checker.check(self.journey_defs, self.holdout_defs, self.policy_defs)

    def reports(self, universe: str) -> Reports | None:
        """Funnels, retention, reports and experiments, once every definition is checked."""
        return ReportChecker(self, universe).check(self.report_defs)

    def alerts(self) -> Alerts | None:
        """Alerts, once the definitions, funnels and retentions they read are known."""
        return AlertChecker(self).check(self.alert_defs)

    # ------------------------------------------------------------ definitions
    def check_definition(self, name: str) -> None:
        stmt = self.defs[name]
        meta = tuple((a.key, a.value) for a in stmt.annotations)
        definition: ir.Definition
        if isinstance(stmt, ast.TagDef):
            expr = self.expr(stmt.expr, None)
            if expr.type is Type.NULL:
                self.error(
                    "E0401",
                    f"tag '{name}' is always null",
                    stmt.expr.span,
                    "a tag computes a value from columns or other tags: e.g. tag n = count(orders)",
                )
            definition = ir.Tag(name, stmt.title, expr, meta, stmt.span)
        elif isinstance(stmt, ast.SegmentDef):
            expr = self.condition(stmt.expr, None, f"segment '{name}'")
            definition = ir.Segment(name, stmt.title, expr, meta, stmt.span)
        else:
            definition = self.layering(stmt, meta)
        self.resolved[name] = definition

    def layering(self, stmt: ast.LayeringDef, meta: tuple[tuple[str, str], ...]) -> ir.Layering:
        layers: list[ir.Layer] = []
        seen: set[str] = set()
        otherwise_at: Span | None = None
        for layer in stmt.layers:
            if layer.name in seen:
                self.error(
                    "E0310",
                    f"layer '{layer.name}' appears twice",
                    layer.span,
                    "a user is in the first layer whose condition holds: name each layer once",
                )
            seen.add(layer.name)
            if otherwise_at is not None:
                self.warn(
                    "W0002",
                    f"layer '{layer.name}' can never match: 'otherwise' comes before it",
                    layer.span,
                    "the first matching layer wins: put 'otherwise' last",
                )
            condition = None
            if layer.condition is None:
                otherwise_at = layer.span
            else:
                condition = self.condition(layer.condition, None, f"layer '{layer.name}'")
            layers.append(ir.Layer(layer.name, layer.title, condition, layer.span))
        return ir.Layering(stmt.name, stmt.title, tuple(layers), meta, stmt.span)

    def condition(self, node: ast.Expr, scope: ir.Source | None, what: str) -> ir.Expr:
        expr = self.expr(node, scope)
        if expr.type not in (Type.BOOL, Type.NULL, Type.ANY):
            self.error(
                "E0404",
                f"{what} must be true or false, but this is a {expr.type}",
                node.span,
                'compare it, e.g. `... >= 1` or `... == "value"`',
            )
            return ir.Invalid(span=node.span)
        return expr

    # ------------------------------------------------------------ expressions
    def expr(self, node: ast.Expr, scope: ir.Source | None) -> ir.Expr:
        """Resolve and type one expression. scope: the event source inside an
        aggregate (per-event context), None for per-user context."""
        match node:
            case ast.NumberLit(text=text):
                number = _literal_number(text)
                if number is None:
                    self.error(
                        "E0410",
                        "this number is too large: segl computes with doubles (at most "
                        "about 1.8e308), and literals must be finite",
                        node.span,
                        "use a smaller number",
                    )
                    return ir.Invalid(span=node.span)
                return ir.Literal(number, Type.NUMBER, node.span)
            case ast.StringLit(value=value):
                return ir.Literal(value, Type.STRING, node.span)
            case ast.BoolLit(value=value):
                return ir.Literal(value, Type.BOOL, node.span)
            case ast.NullLit():
                return ir.Literal(None, Type.NULL, node.span)
            case ast.DateLit(value=value):
                return ir.Literal(dt.date.fromisoformat(value), Type.DATE, node.span)
            case ast.TimestampLit(value=value):
                stamp = dt.datetime.fromisoformat(value.replace(" ", "T"))
                return ir.Literal(stamp, Type.TIMESTAMP, node.span)
            case ast.Now():
                return ir.AsOf(span=node.span)
            case ast.Today():
                return ir.AsOfDate(span=node.span)
            case ast.Name():
                return self.name(node, scope)
            case ast.ColumnRef():
                return self.column(node, scope)
            case ast.Unary():
                return self.unary(node, scope)
            case ast.Binary():
                return self.binary(node, scope)
            case ast.InList():
                return self.in_list(node, scope)
            case ast.Between():
                return self.between(node, scope)
            case ast.IsNull(operand=operand, negated=negated):
                return ir.IsNull(self.expr(operand, scope), negated, span=node.span)
            case ast.StringMatch(op=op, left=left, right=right):
                match_op = StrMatchOp(op)
                lhs = self.typed(left, scope, STRING_ONLY, f"'{match_op.words}'")
                rhs = self.typed(right, scope, STRING_ONLY, f"'{match_op.words}'")
                return ir.StrMatch(match_op, lhs, rhs, span=node.span)
            case ast.Call():
                return self.call(node, scope)
            case ast.Case():
                return self.case(node, scope)
        raise AssertionError(f"unhandled syntax node {node!r}")

    def typed(
        self, node: ast.Expr, scope: ir.Source | None, allowed: frozenset[Type], what: str
    ) -> ir.Expr:
        expr = self.expr(node, scope)
        if expr.type in allowed or expr.type in (Type.NULL, Type.ANY):
            return expr
        wanted = " or ".join(sorted(t.value for t in allowed))
        self.error(
            "E0401",
            f"{what} needs a {wanted}, but this is a {expr.type}",
            node.span,
            _wanted_hint(allowed),
        )
        return ir.Invalid(span=node.span)

    def name(self, node: ast.Name, scope: ir.Source | None) -> ir.Expr:
        name = node.name
        if scope is not None and scope.column_type(name) is not None:
            return ir.EventColumn(scope.name, name, scope.column_type(name) or Type.ANY, node.span)
        if name in self.defs:
            # inside an aggregate too: the user's value as of the run (SPEC §3.6)
            return self.reference(node)
        if name in self.sources:
            source = self.sources[name]
            hint = (
                f"aggregate it: count({name}), exists({name} where ...)"
                if source.kind == "event"
                else f"use one of its columns: {name}.<column>"
            )
            self.error("E0403", f"source '{name}' is not a value", node.span, hint)
            return ir.Invalid(span=node.span)
        return self.unknown_name(node, scope)

    def unknown_name(self, node: ast.Name, scope: ir.Source | None) -> ir.Expr:
        candidates = list(self.defs)
        if scope is not None:
            candidates += [c for c, _ in scope.columns]
        # a source's column of exactly this name is the likelier intent than a name that
        # is merely close (`tag city_tag = city` suggested the tag itself)
        owners = [s.name for s in self.sources.values() if s.column_type(node.name) is not None]
        if owners:
            hints = [f"did you mean '{owners[0]}.{node.name}'?"]
        elif node.name.lower() in LOWER_CASE_KEYWORDS and node.name != node.name.lower():
            hints = [f"keywords are lower case: write '{node.name.lower()}'"]
        else:
            hints = list(did_you_mean(node.name, candidates)) or self._close_column(node.name)
        if not hints and node.name.lower() in CONDITION_KEYWORDS:
            # `a >= 3 and and`: the second `and` is read as a name, where an operand goes
            hints.append(
                f"'{node.name}' is a keyword, read here where an operand goes: one is missing"
            )
        elif not hints:  # `users.city == 北京`: a value written without its quotes
            hints.append(f"if '{node.name}' is a text value, write it in quotes: \"{node.name}\"")
        if scope is not None:
            hints += _undeclared_key_hint(scope, node.name)
            message = f"unknown name '{node.name}' (not a column of '{scope.name}')"
        else:
            message = f"unknown tag, segment or layering '{node.name}'"
        self.error("E0301", message, node.span, *hints)
        return ir.Invalid(span=node.span)

    def _close_column(self, name: str) -> list[str]:
        """`scroe` where no tag is close but a profile has `score`: 'users.score'."""
        owners: dict[str, str] = {}
        for source in self.sources.values():
            if source.kind == "profile":
                for column, _ in source.columns:
                    owners.setdefault(column, source.name)
        near = closest(name, owners)
        return [] if near is None else [f"did you mean '{owners[near]}.{near}'?"]

    def reference(self, node: ast.Name) -> ir.Expr:
        name = node.name
        stmt = self.defs[name]
        if name in self.failed or name not in self.resolved:
            return ir.Invalid(span=node.span)
        definition = self.resolved[name]
        if isinstance(stmt, ast.TagDef):
            assert isinstance(definition, ir.Tag)
            return ir.TagRef(name, definition.type, node.span)
        if isinstance(stmt, ast.SegmentDef):
            return ir.SegmentRef(name, span=node.span)
        return ir.LayeringRef(name, span=node.span)

    def column(self, node: ast.ColumnRef, scope: ir.Source | None) -> ir.Expr:
        source = self.sources.get(node.source)
        if source is None:
            self.error(
                "E0302",
                f"unknown source '{node.source}'",
                node.span,
                *did_you_mean(node.source, self.sources),
            )
            return ir.Invalid(span=node.span)
        column_type = source.column_type(node.column)
        if column_type is None:
            hints = _column_hints(source, node.column)
            self.error(
                "E0303",
                f"source '{source.name}' has no column '{node.column}'",
                node.span,
                *hints,
            )
            return ir.Invalid(span=node.span)
        if source.kind == "profile":
            # inside an aggregate too: the user's value as of the run (a per-user value)
            return ir.ProfileColumn(source.name, node.column, column_type, node.span)
        if scope is None:
            self.error(
                "E0403",
                f"{node.source}.{node.column} is a per-event value, but a per-user value "
                "is needed here",
                node.span,
                _hint_for_aggregating(node.source, node.column, column_type),
            )
            return ir.Invalid(span=node.span)
        if scope.name != source.name:
            self.error(
                "E0405",
                f"an aggregate over '{scope.name}' cannot use columns of '{source.name}'",
                node.span,
                "aggregate each source separately and combine the results",
            )
            return ir.Invalid(span=node.span)
        return ir.EventColumn(source.name, node.column, column_type, node.span)

    # ------------------------------------------------------------ operators
    def unary(self, node: ast.Unary, scope: ir.Source | None) -> ir.Expr:
        if node.op == "not":
            return ir.Not(self.condition(node.operand, scope, "'not'"), span=node.span)
        operand = self.typed(node.operand, scope, NUMBER_ONLY, "'-'")
        return ir.Neg(operand, span=node.span)

    def binary(self, node: ast.Binary, scope: ir.Source | None) -> ir.Expr:
        if node.op in LOGIC_OPS:
            left = self.condition(node.left, scope, f"'{node.op}'")
            right = self.condition(node.right, scope, f"'{node.op}'")
            return ir.Logic(LogicOp(node.op), left, right, span=node.span)
        if node.op in ARITH_OPS:
            left = self.typed(node.left, scope, NUMBER_ONLY, f"'{node.op}'")
            right = self.typed(node.right, scope, NUMBER_ONLY, f"'{node.op}'")
            return ir.Arith(ArithOp(node.op), left, right, span=node.span)
        return self.compare(node, scope)

    def compare(self, node: ast.Binary, scope: ir.Source | None) -> ir.Expr:
        left = self.expr(node.left, scope)
        right = self.expr(node.right, scope)
        common = unify(left.type, right.type)
        if common is None:
            self.error(
                "E0401",
                f"cannot compare a {left.type} with a {right.type}",
                node.span,
                *self._compare_hints(left, right),
            )
            return ir.Invalid(span=node.span)
        if node.op not in ("==", "!=") and common is Type.BOOL:
            self.error(
                "E0401",
                f"'{node.op}' does not order true and false",
                node.span,
                "compare booleans with == or !=, or test them directly: x and not y",
            )
            return ir.Invalid(span=node.span)
        if Type.NULL in (left.type, right.type):
            self.warn(
                "W0003",
                f"'{node.op} null' is never true",
                node.span,
                "use 'is null' or 'is not null'",
            )
        self._check_layer_names(left, (right,))
        self._check_layer_names(right, (left,))
        return ir.Compare(CompareOp(node.op), left, right, span=node.span)

    def _compare_hints(self, left: ir.Expr, right: ir.Expr) -> tuple[str, ...]:
        types = {left.type, right.type}
        if Type.NUMBER in types and types & TEMPORAL:
            return ("use days_since(...), hours_since(...) or days_between(a, b) for durations",)
        if Type.STRING in types and types & TEMPORAL:
            return ('write dates as date "2026-11-01"',)
        if types == {Type.STRING, Type.NUMBER}:
            return ('compare like with like: a string with a string ("3"), a number with a number',)
        if Type.BOOL in types:
            return ("a condition is true or false: use it alone, or `not ...`",)
        return ()

    def _layering_behind(self, node: ir.Expr) -> ir.Expr:
        """`node`, or the layering a tag that only renames one stands for (`tag lc =
        lifecycle`, through any number of such tags)."""
        seen: set[str] = set()
        while isinstance(node, ir.TagRef) and node.name not in seen:
            seen.add(node.name)
            tag = self.resolved.get(node.name)
            if not isinstance(tag, ir.Tag):
                break
            node = tag.expr
        return node

    def _check_layer_names(self, maybe_layering: ir.Expr, values: tuple[ir.Expr, ...]) -> None:
        maybe_layering = self._layering_behind(maybe_layering)
        if not isinstance(maybe_layering, ir.LayeringRef):
            return
        layering = self.resolved.get(maybe_layering.name)
        if not isinstance(layering, ir.Layering):
            return
        names = [layer.name for layer in layering.layers]
        for value in values:
            if (
                isinstance(value, ir.Literal)
                and isinstance(value.value, str)
                and value.value not in names
            ):
                self.error(
                    "E0305",
                    f"'{value.value}' is not a layer of '{layering.name}'",
                    value.span,
                    *did_you_mean(value.value, names),
                    "its layers: " + ", ".join(names),
                )

    def in_list(self, node: ast.InList, scope: ir.Source | None) -> ir.Expr:
        operand = self.expr(node.operand, scope)
        items: list[ir.Expr] = []
        for item_node in node.items:
            item = self.expr(item_node, scope)
            if unify(operand.type, item.type) is None:
                self.error(
                    "E0401",
                    f"list item is a {item.type}, but the value is a {operand.type}",
                    item_node.span,
                    f"every item of the list is a {operand.type}, as the value is",
                )
                item = ir.Invalid(span=item_node.span)
            items.append(item)
        if not items:
            self.error("E0401", "the list is empty", node.span, "list at least one value")
        self._check_layer_names(operand, tuple(items))
        return ir.InList(operand, tuple(items), node.negated, span=node.span)

    def between(self, node: ast.Between, scope: ir.Source | None) -> ir.Expr:
        """`x between a and b` means `x >= a and x <= b` (three-valued, like SQL)."""
        low = ast.Binary(">=", node.operand, node.low, node.span)
        high = ast.Binary("<=", node.operand, node.high, node.span)
        both = ir.Logic(
            LogicOp.AND, self.compare(low, scope), self.compare(high, scope), span=node.span
        )
        return ir.Not(both, span=node.span) if node.negated else both

    def case(self, node: ast.Case, scope: ir.Source | None) -> ir.Expr:
        whens: list[tuple[ir.Expr, ir.Expr]] = []
        result = Type.NULL
        branches = [w.value for w in node.whens]
        if node.otherwise is not None:
            branches.append(node.otherwise)
        values = [self.expr(v, scope) for v in branches]
        for value_node, value in zip(branches, values, strict=True):
            common = unify(result, value.type)
            if common is None:
                self.error(
                    "E0401",
                    f"case branches disagree: {result} and {value.type}",
                    value_node.span,
                    "every 'then' and the 'else' must give the same type",
                )
            else:
                result = common
        for when, value in zip(node.whens, values, strict=False):
            whens.append((self.condition(when.condition, scope, "'when'"), value))
        otherwise = values[-1] if node.otherwise is not None else None
        return ir.Case(tuple(whens), otherwise, result, span=node.span)

    # ------------------------------------------------------------ calls
    def call(self, node: ast.Call, scope: ir.Source | None) -> ir.Expr:
        if node.name in AGGREGATES:
            return self.aggregate(node, scope)
        entry = registry.FUNCTIONS.get(node.name)
        if entry is None and node.name in registry.REPORT_AGGREGATES:
            self.error(
                "E0304",
                f"{node.name}() aggregates the rows of a report; tags cannot use it",
                node.span,
                "use it in a report: report r over users { m = " + node.name + "(...) }",
            )
            return ir.Invalid(span=node.span)
        if entry is None:
            hints: tuple[str, ...]
            if node.name == "not":  # `a == not (b)`: `not` binds looser than comparisons
                hints = ("'not' negates a whole condition: put it in parentheses, a == (not b)",)
            else:  # a few dozen: named all when none is close
                names = sorted(registry.ALL_CALLABLE)
                hints = name_hint(node.name, names, "the functions", shown=len(names))
            self.error("E0304", f"unknown function '{node.name}'", node.span, *hints)
            return ir.Invalid(span=node.span)
        if not entry.accepts_count(len(node.args)):
            self.error(
                "E0402",
                f"{node.name}() takes {entry.arity_text()} argument(s), not {len(node.args)}",
                node.span,
                f"{node.name}(): {entry.summary}",
            )
            return ir.Invalid(span=node.span)
        args = tuple(
            self.typed(arg, scope, entry.param(i), f"{node.name}()")
            for i, arg in enumerate(node.args)
        )
        result = entry.result
        if result is None:
            result = self.common_type(node, args)
            if result is None:
                return ir.Invalid(span=node.span)
        if entry.validate is not None:
            constants = [
                a.value if isinstance(a, ir.Literal) else registry.NOT_CONSTANT for a in args
            ]
            problem = entry.validate([a.type for a in args], constants)
            if problem is not None:
                index, message = problem
                hint = f"{node.name}() is described in docs/language.md"
                self.error("E0401", message, node.args[index].span, hint)
                return ir.Invalid(span=node.span)
        if node.name == "hour" and args[0].type is Type.DATE:
            self.warn(
                "W0004",
                "hour() of a date is always 0",
                node.span,
                "hour() of a timestamp column gives its hour",
            )
        return ir.Func(node.name, args, result, node.span)

    def common_type(self, node: ast.Call, args: tuple[ir.Expr, ...]) -> Type | None:
        """The one type all arguments share (coalesce, greatest, least), or an error."""
        result = Type.NULL
        for arg_node, arg in zip(node.args, args, strict=True):
            common = unify(result, arg.type)
            if common is None:
                self.error(
                    "E0401",
                    f"{node.name}() arguments disagree: {result} and {arg.type}",
                    arg_node.span,
                    f"give {node.name}() values of one type (a date counts as its midnight)",
                )
                return None
            result = common
        return result

    # ------------------------------------------------------------ aggregates
    def aggregate(self, node: ast.Call, scope: ir.Source | None) -> ir.Expr:
        if scope is not None:
            self.error(
                "E0408",
                f"{node.name}() cannot be used on one row of '{scope.name}' (inside another "
                "aggregate, or a `where` over its rows)",
                node.span,
                f"compute it as its own tag (tag n = {node.name}(...)) and use the tag here",
            )
            return ir.Invalid(span=node.span)
        if len(node.args) != 1:
            self.error(
                "E0402",
                f"{node.name}() takes one value, not {len(node.args)}",
                node.span,
                f"e.g. {node.name}(orders.amount where ... in last 30 days)",
            )
            return ir.Invalid(span=node.span)
        source = self.aggregate_source(node)
        if source is None:
            return ir.Invalid(span=node.span)
        arg = node.args[0]
        value: ir.Expr | None = None
        if not (isinstance(arg, ast.Name) and arg.name == source.name):
            value = self.expr(arg, source)
        elif not registry.AGGREGATES[node.name].counts_rows:
            self.error(
                "E0405",
                f"{node.name}() needs a value, not the rows of '{source.name}'",
                arg.span,
                f"e.g. {node.name}({source.name}.<column>)",
            )
            return ir.Invalid(span=node.span)
        if node.name in ("count", "exists") and value is not None and value.type is Type.BOOL:
            self._count_of_a_condition(node, source)
        flt = None
        if node.where is not None:
            flt = self.condition(node.where, source, "'where'")
        window = self.window(node.window)
        result = self.aggregate_type(node, value)
        return ir.Aggregate(node.name, source.name, value, flt, window, result, node.span)

    def _count_of_a_condition(self, node: ast.Call, source: ir.Source) -> None:
        """`count(orders.brand == "x")` counts the rows where the comparison is not null,
        true or false alike (as SQL's COUNT), and `exists(...)` of one is true where such a
        row exists: almost always meant as a filter (W0007)."""
        arg, name = node.args[0], node.name
        holds = (
            "count the rows where it holds" if name == "count" else "ask for a row where it holds"
        )
        self.warn(
            "W0007",
            f"{name}() of a condition {'counts' if name == 'count' else 'looks for'} the rows "
            "where it is true or false (not null), not the rows where it holds",
            node.span,
            f"{holds}: {name}({source.name} where {format_expr(arg)})",
        )

    def aggregate_source(self, node: ast.Call) -> ir.Source | None:
        arg = node.args[0]
        if isinstance(arg, ast.Name) and arg.name in self.sources:
            return self._event_source(self.sources[arg.name], arg.span)
        if isinstance(arg, ast.Name):
            events = [s.name for s in self.sources.values() if s.kind == "event"]
            known = self.is_definition(arg.name)  # a tag: `count(visits)` is no aggregate
            self.error(
                "E0302",
                f"'{arg.name}' is not an event source" if known else f"unknown source '{arg.name}'",
                arg.span,
                *did_you_mean(arg.name, events),
                f"{node.name}() aggregates an event source: {node.name}(orders where ...)",
            )
            return None
        named: list[str] = []
        stack: list[ast.Expr] = [node.args[0]]
        if node.where is not None:
            stack.append(node.where)
        while stack:
            item = stack.pop()
            if isinstance(item, ast.ColumnRef) and item.source not in named:
                named.append(item.source)
            stack.extend(ast.children(item))
        events = [n for n in named if n in self.sources and self.sources[n].kind == "event"]
        if len(events) == 1:
            return self.sources[events[0]]
        if len(events) > 1:
            self.error(
                "E0405",
                f"{node.name}() mixes event sources: " + ", ".join(events),
                node.span,
                "aggregate each source separately and combine the results",
            )
            return None
        if named and named[0] in self.sources:
            return self._event_source(self.sources[named[0]], node.span)
        if named:
            self.error(
                "E0302",
                f"unknown source '{named[0]}'",
                node.span,
                *did_you_mean(named[0], self.sources),
            )
            return None
        example = next((s for s in self.sources.values() if s.kind == "event"), None)
        name = example.name if example else "orders"
        self.error(
            "E0405",
            f"{node.name}() does not say which event source it aggregates",
            node.span,
            f"name the source: {node.name}({name} where ...) or {node.name}({name}.<column>)",
        )
        return None

    def _event_source(self, source: ir.Source, span: Span) -> ir.Source | None:
        if source.kind == "event":
            return source
        self.error(
            "E0405",
            f"'{source.name}' is a profile source (one row per user); only event sources "
            "are aggregated",
            span,
            f"use its columns directly: {source.name}.<column>",
        )
        return None

    def aggregate_type(self, node: ast.Call, value: ir.Expr | None) -> Type:
        entry = registry.AGGREGATES[node.name]
        value_type = value.type if value is not None else Type.ANY
        if entry.result in (Type.NUMBER, Type.BOOL) and entry.value_types == registry.ANY_VALUE:
            return entry.result  # count, exists, count_distinct: any value
        if value_type is Type.NULL:
            self.error(
                "E0401",
                f"{node.name}() of null is always null",
                node.span,
                f"give {node.name}() a column or an expression: e.g. {node.name}(orders.amount)",
            )
            return Type.ANY
        if value_type not in entry.value_types | {Type.ANY}:
            message = f"{node.name}() cannot order a {value_type}"
            if entry.value_types == NUMBER_ONLY:
                message = f"{node.name}() needs a number, but this is a {value_type}"
            wanted = " or ".join(sorted(t.value for t in entry.value_types))
            self.error("E0401", message, node.span, f"{node.name}() takes a {wanted}")
            return Type.ANY
        return entry.result or value_type

    def window(self, node: ast.Window | None) -> ir.Window | None:
        match node:
            case None:
                return None
            case ast.LastWindow(count=count, unit=unit):
                if count <= 0:
                    self.error(
                        "E0406",
                        "a window must be at least 1 unit long",
                        node.span,
                        "e.g. in last 7 days",
                    )
                return ir.Window(WindowKind.LAST, TimeUnit(unit), count, 0)
            case ast.AgoWindow(start=start, end=end, unit=unit):
                if start == end:
                    self.error(
                        "E0406",
                        "the window is empty: both ends are equal",
                        node.span,
                        "e.g. between 30 and 7 days ago",
                    )
                return ir.Window(WindowKind.AGO, TimeUnit(unit), start, end)
            case ast.SinceWindow(start=ast.Today()):
                return ir.Window(WindowKind.TODAY, TimeUnit.DAY)
            case ast.SinceWindow(start=start):
                moment = self.since_moment(start)
                return ir.Window(WindowKind.SINCE, TimeUnit.DAY, 0, 0, moment)
        raise AssertionError(node)

    def since_moment(self, node: ast.Expr) -> dt.datetime | None:
        if isinstance(node, ast.DateLit):
            day = dt.date.fromisoformat(node.value)
            return dt.datetime(day.year, day.month, day.day)
        if isinstance(node, ast.TimestampLit):
            return dt.datetime.fromisoformat(node.value.replace(" ", "T"))
        self.error(
            "E0406",
            "'since' needs a fixed date or timestamp, or today",
            node.span,
            'e.g. since date "2026-01-01", or since today (from midnight); for a moving start '
            'use "in last N days"',
            "for a start of each user's own, compare the event's time in the filter: "
            "count(orders where paid_at >= users.registered_at)",
        )
        return None


def check_programs(
    programs: Sequence[ast.Program], config: ProjectConfig | None = None
) -> tuple[ir.Project | None, list[Diagnostic]]:
    """Check all files of a project together. Returns the project (None when
    there are errors) and every diagnostic, warnings included."""
    with collector_paused():
        return _check(programs, config)


def _check(
    programs: Sequence[ast.Program], config: ProjectConfig | None
) -> tuple[ir.Project | None, list[Diagnostic]]:
    checker = _Checker(programs, config or ProjectConfig())
    checker.collect()
    identity = checker.identity()
    universe = checker.universe()
    checker.zones_off_the_universe(universe)
    order = checker.order()
    for name in order:
        checker.check_definition(name)
    journeys = checker.journeys(universe)
    reports = checker.reports(universe)
    checker.diagnostics.extend(shared_salts(journeys, reports))
    alerts = checker.alerts()
    if any(d.is_error for d in checker.diagnostics):
        return None, checker.diagnostics
    definitions = tuple(checker.resolved[name] for name in order)
    project = ir.Project(
        checker.config.name,
        tuple(checker.sources.values()),
        universe,
        definitions,
        checker.config.timezone,
        identity,
        journeys,
        reports,
        alerts,
    )
    return project, checker.diagnostics


def _table_name_problem(table: str) -> str | None:
    """What is wrong with a dotted table name: an empty part (`crm..users` compiled to
    `"crm".""."users"`) or more parts than catalog, schema and table."""
    parts = table.split(".")
    if any(not part.strip() for part in parts):
        return "has an empty part"
    if len(parts) > 3:
        return f"has {len(parts)} parts: at most 3 (catalog.schema.table)"
    return None


def _undeclared_key_hint(source: ir.Source, column: str) -> list[str]:
    """A source's key or user column is read by segl but is a value only when declared
    among its columns (of the type the table holds: segl cannot tell numbers from text
    before it sees the database)."""
    if column != source.user_column:
        return []
    return [
        f"'{column}' is the {'user' if source.kind == 'event' else 'key'} column of "
        f"'{source.name}': declare it among its columns to read it: {column}: string (or "
        "number, as the table holds it)"
    ]


def _column_hints(source: ir.Source, column: str) -> tuple[str, ...]:
    """E0303's hints: the closest declared column of the source and, for its undeclared
    key or user column, how to declare it; else its declared columns."""
    names = [c for c, _ in source.columns]
    found = (*did_you_mean(column, names), *_undeclared_key_hint(source, column))
    return found or name_hint(column, names, f"the columns of source '{source.name}'")
