"""The result store: every table segl writes, defined in one place.

A project's results live in tables of its own, so projects never interfere (a tag `city`
may be a number in one project and a string in another): `<prefix><project>_tags` (one
row per user and as-of, one column per tag, each typed as the tag), `_members` (segment
members) and `_layers` (layer assignments). One run log, `<prefix>runs`, is shared: it
says which project ran for which as-of, when, how, and with which rules.

Every column has a declared type here; the one exception is `user_id`, which takes the
type of the universe's key column in the warehouse (an INTEGER key stays INTEGER, so the
results join back to the users table; with an identity it is the person key, a
string). A project with an identity also keeps its persons (`_persons`: every ID of
every person) and the shared IDs it left out (`_shared_ids`) per as-of. A project with
journeys keeps their ledger of entries, the outbox and a marker per journey run; `segl
deliver` records its attempts. `segl report` keeps every result it computes
(`_report_results`: one row per report and as-of, the result as JSON text) and the
experiments' sticky assignments (`_experiment_assignments`: one row per experiment, salt
and user). A project with alerts keeps their history (`_alerts`: one row per alert and
run).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from segl.compiler import ir
from segl.compiler.types import Type

DEFAULT_PREFIX = "segl_"
# identity resolution's temporary tables (`identity_work`), besides one of edges per step
IDENTITY_WORK = ("links", "ids", "shared", "map", "labels")


class Kind(Enum):
    """Stored kinds beyond segl's value types."""

    INSTANT = "instant"  # an unambiguous point in time (a zoned timestamp)
    COUNT = "count"  # a whole number (BIGINT)
    # a user key of an unsigned 64-bit column (DuckDB's UBIGINT, ClickHouse's UInt64):
    # 2^63 and above fit no BIGINT, 2^53 + 1 no double
    WIDE_KEY = "wide key"
    KEY = "key"  # the project's user key, typed as the universe's key column


ColumnType = Type | Kind


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    doc: str


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    # the columns that say which run a row belongs to: a run replaces exactly those rows
    run_keys: tuple[str, ...]
    doc: str

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


AS_OF = Column("as_of", Type.TIMESTAMP, "the run's as-of, wall-clock time in the project's zone")
USER = Column("user_id", Kind.KEY, "the user's key (the universe's key column)")
JOURNEY = Column("journey", Type.STRING, "the journey's name")
ENTRY_AT = Column("entry_at", Type.TIMESTAMP, "the entry's time, wall-clock in the project's zone")

RUN_COLUMNS = (
    Column("project", Type.STRING, "the project's name (segl.toml)"),
    AS_OF,
    Column("timezone", Type.STRING, "the project's time zone: as_of is wall-clock time there"),
    Column("run_at", Kind.INSTANT, "when the run started, an instant (UTC)"),
    Column(
        "duration_seconds",
        Type.NUMBER,
        "seconds from the start until the results were written (null for a compiled script)",
    ),
    Column("users", Kind.COUNT, "the users of the universe at the as-of"),
    Column("rules_fingerprint", Type.STRING, "sha256 of the checked rules (ir.fingerprint)"),
    Column("segl_version", Type.STRING, "the segl that wrote the run"),
    Column(
        "definitions",
        Type.STRING,
        "JSON object: each tag, segment and layering -> the fingerprint of its meaning "
        "(compiler/fingerprints.py); null in runs of a segl before 0.3",
    ),
)
# run log columns a newer segl added: an older run log lacks them, and a run adds them
# (its old rows read null) instead of refusing the run log as foreign (E0609)
ADDED_RUN_COLUMNS = ("definitions",)

_SAFE = re.compile(r"\w", re.UNICODE)
_ASCII_SAFE = re.compile(r"[A-Za-z0-9_]")


def storage_name(project: str, ascii_only: bool = False) -> str:
    """The project's name as part of a table name: letters, digits and `_` as they are,
    anything else (`-`, `.`; any non-ASCII letter for a catalog that allows only ASCII) as
    `_x<hex>_`, so every name stays one plain identifier."""
    safe = _ASCII_SAFE if ascii_only else _SAFE
    return "".join(ch if safe.fullmatch(ch) else f"_x{ord(ch):x}_" for ch in project)


@dataclass(frozen=True)
class Store:
    """The tables of one project (and the shared run log) under a prefix."""

    project: ir.Project
    prefix: str = DEFAULT_PREFIX
    ascii_names: bool = False  # the target's catalog allows only ASCII table names

    def _name(self, kind: str) -> str:
        return f"{self.prefix}{storage_name(self.project.name, self.ascii_names)}_{kind}"

    @property
    def result(self) -> str:
        """The run's temporary per-user result (not kept)."""
        return self._name("result")

    def identity_work(self, what: str) -> str:
        """A temporary table of identity resolution (compiler/identity.py): links, IDs,
        shared IDs, the edges of each step, and `map` (kind, id, person), not kept."""
        return self._name(f"id_{what}")

    def journey_work(self, table: Table) -> str:
        """The work table a run stages a journey table's new rows in (not kept)."""
        return self._name(f"jw_{table.name.rsplit('_', 1)[-1]}")

    @property
    def journey_users_work(self) -> str:
        """The work table a run stages a long list of users in, to read their values or
        outbox rows by a join rather than an `IN` list of literals (not kept)."""
        return self._name("jw_users")

    @property
    def journey_moves_work(self) -> str:
        """The work table a run with an identity stages the journey state's stale keys in
        (key, person now), for the `may not enter` query to read them as persons (not
        kept)."""
        return self._name("jw_moves")

    @property
    def _interval_sources(self) -> list[str]:
        """The sources the journeys' triggers read the interval's rows of, in order."""
        journeys = self.project.journeys.journeys if self.project.journeys else ()
        return sorted({t.source for j in journeys for t in j.interval_triggers})

    def journey_interval_work(self, source: str) -> str:
        """The temporary table a run copies a source's rows of its interval into, when
        several triggers read them (not kept)."""
        return self._name(f"jw_src{self._interval_sources.index(source)}")

    @property
    def journey_work_tables(self) -> tuple[str, ...]:
        """Every work table a journey run may stage (dropped after it)."""
        staged = (*(self.journey_work(t) for t in self.journey_tables), self.journey_users_work)
        copies = (self.journey_interval_work(source) for source in self._interval_sources)
        return (*staged, self.journey_moves_work, *copies)

    @property
    def tags(self) -> Table:
        columns = [AS_OF, USER]
        columns += [Column(t.name, t.type, t.title or f"tag {t.name}") for t in self.project.tags]
        return Table(
            self._name("tags"),
            tuple(columns),
            ("as_of",),
            "tag values: one row per user and as-of, one column per tag",
        )

    @property
    def members(self) -> Table:
        return Table(
            self._name("members"),
            (AS_OF, Column("segment", Type.STRING, "the segment's name"), USER),
            ("as_of",),
            "segment members: one row per segment, member and as-of",
        )

    @property
    def layers(self) -> Table:
        return Table(
            self._name("layers"),
            (
                AS_OF,
                Column("layering", Type.STRING, "the layering's name"),
                USER,
                Column("layer", Type.STRING, "the user's layer (the first that matches)"),
            ),
            ("as_of",),
            "layer assignments: one row per layering, user and as-of (users in no layer "
            "have no row)",
        )

    @property
    def runs(self) -> Table:
        return Table(
            f"{self.prefix}runs",
            RUN_COLUMNS,
            ("project", "as_of"),
            "the run log of every project: one row per project and as-of",
        )

    @property
    def persons(self) -> Table:
        return Table(
            self._name("persons"),
            (
                AS_OF,
                Column("person", Type.STRING, "the person's key (its most preferred ID)"),
                Column("kind", Type.STRING, "the kind of one of the person's IDs"),
                Column("id", Type.STRING, "the ID, as text"),
            ),
            ("as_of",),
            "identity: every ID of every person at the as-of (a project with an identity)",
        )

    @property
    def shared_ids(self) -> Table:
        return Table(
            self._name("shared_ids"),
            (
                AS_OF,
                Column("id", Type.STRING, "the ID left out, as kind:text"),
                Column("links", Kind.COUNT, "how many IDs it was linked to"),
            ),
            ("as_of",),
            "identity: the IDs linked to more IDs than `shared above` allows, left out",
        )

    # ------------------------------------------------------------ journeys
    @property
    def journey_entries(self) -> Table:
        return Table(
            self._name("journey_entries"),
            (
                AS_OF,
                JOURNEY,
                USER,
                ENTRY_AT,
                Column("change", Type.STRING, "enter, exit (an exit rule) or done (last step)"),
                Column(
                    "changed_at", Type.TIMESTAMP, "when: the entry's time, the exit's, the run's"
                ),
            ),
            ("as_of",),
            "journeys: entries as a ledger, one row per change of an entry, written by the "
            "run at as_of (rows of as-ofs after the journey's last run are not committed)",
        )

    @property
    def holdout_shares(self) -> Table:
        return Table(
            self._name("holdout_shares"),
            (
                AS_OF,
                Column("holdout", Type.STRING, "the holdout's name"),
                Column("salt", Type.STRING, "its salt (a new salt is a new holdout)"),
                Column("share", Type.NUMBER, "its share at the run, P/100"),
                Column(
                    "journeys",
                    Type.STRING,
                    "the journeys it covered at the run, a JSON list (null: written before "
                    "segl kept it)",
                ),
            ),
            ("as_of",),
            "holdouts: one row per holdout and run, its share then. A user's assignment is "
            "bucket(user, salt) < the share at the run of their first decision under the "
            "holdout (the outbox dates it) and never changes (sticky, SPEC §2.8)",
        )

    @property
    def outbox(self) -> Table:
        return Table(
            self._name("outbox"),
            (
                AS_OF,
                JOURNEY,
                Column("step", Type.STRING, "the step"),
                USER,
                ENTRY_AT,
                Column(
                    "due_at", Type.TIMESTAMP, "when the step was due (its first allowed instant)"
                ),
                Column("channel", Type.STRING, "the channel"),
                Column("template", Type.STRING, "the template"),
                Column("payload", Type.STRING, "the payload values, a JSON object"),
                Column("status", Type.STRING, "sent, skipped, expired, capped or held_out"),
                Column("message_id", Type.STRING, "deterministic: the idempotency key"),
            ),
            ("as_of",),
            "journeys: one row per decision (journey, user, entry, step), by the run at as_of",
        )

    @property
    def journey_runs(self) -> Table:
        return Table(
            self._name("journey_runs"),
            (
                AS_OF,
                JOURNEY,
                Column("previous", Type.TIMESTAMP, "the journey's previous run (null: its first)"),
                Column("entries", Kind.COUNT, "entries made by this run"),
                Column("decisions", Kind.COUNT, "outbox rows written by this run"),
                Column(
                    "active_since",
                    Type.TIMESTAMP,
                    "the earliest entry time of the journey's entries still active after the "
                    "run (its as-of when none): the next run reads the ledger from there "
                    "(null: written before segl kept it)",
                ),
            ),
            ("as_of",),
            "journeys: one row per journey and run that processed it; written after the "
            "ledger and the outbox, it marks their rows of that as-of as committed",
        )

    @property
    def deliveries(self) -> Table:
        return Table(
            self._name("deliveries"),
            (
                Column("message_id", Type.STRING, "the outbox message"),
                Column("attempt_at", Kind.INSTANT, "when the attempt ended (UTC)"),
                Column("destination", Type.STRING, "webhook:URL or file:PATH"),
                Column("status", Type.STRING, "delivered or failed"),
                Column("detail", Type.STRING, "the receiver's answer or the error"),
            ),
            (),
            "journeys: every delivery attempt of `segl deliver`",
        )

    # ------------------------------------------------------------ reports
    @property
    def report_results(self) -> Table:
        return Table(
            self._name("report_results"),
            (
                AS_OF,
                Column(
                    "report",
                    Type.STRING,
                    "the funnel's, retention's, report's or experiment's name",
                ),
                Column("kind", Type.STRING, "funnel, retention, report or experiment"),
                Column(
                    "range_from",
                    Type.TIMESTAMP,
                    "a funnel's entry range or a retention's cohort range: its start (null: none)",
                ),
                Column("range_to", Type.TIMESTAMP, "the range's end, exclusive (null: none)"),
                Column("result", Type.STRING, "the result, the JSON object `segl report` prints"),
                Column("run_at", Kind.INSTANT, "when `segl report` computed it, an instant (UTC)"),
                Column("segl_version", Type.STRING, "the segl that computed it"),
            ),
            ("report", "as_of"),
            "reports: one row per report and as-of, written by `segl report` (a report run "
            "again for the same as-of replaces its row)",
        )

    @property
    def experiment_assignments(self) -> Table:
        return Table(
            self._name("experiment_assignments"),
            (
                Column("experiment", Type.STRING, "the experiment's name"),
                Column("salt", Type.STRING, "its salt (a new salt is a new experiment)"),
                USER,
                Column("arm", Type.STRING, "the arm the user was assigned to, for good"),
                Column(
                    "assigned_at",
                    Type.TIMESTAMP,
                    "the as-of of the `segl report` that first saw the user in the population",
                ),
                Column("run_at", Kind.INSTANT, "when that `segl report` ran, an instant (UTC)"),
            ),
            ("experiment", "salt", "user_id"),
            "experiments: one row per experiment, salt and user, written once when the user "
            "is first in the population and never changed (sticky, SPEC §3.3)",
        )

    # ------------------------------------------------------------ alerts
    @property
    def alerts(self) -> Table:
        return Table(
            self._name("alerts"),
            (
                AS_OF,
                Column("alert", Type.STRING, "the alert's name"),
                Column("title", Type.STRING, "the alert's title at the run (null: none)"),
                Column("state", Type.STRING, "firing, ok or unknown"),
                Column(
                    "value",
                    Type.NUMBER,
                    "the measured side of the condition when it is one comparison, else null",
                ),
                Column("threshold", Type.NUMBER, "the other side (the constant), else null"),
                Column(
                    "reference_as_of",
                    Type.TIMESTAMP,
                    "the reference run its `moved` / `change` compared with (null: none)",
                ),
                Column(
                    "firing_since", Type.TIMESTAMP, "the as-of this firing began (null: not firing)"
                ),
                Column(
                    "notification_id",
                    Type.STRING,
                    "the notification this run sends (deterministic; null: none)",
                ),
                Column("detail", Type.STRING, "why the state is unknown, or a remark (null: none)"),
            ),
            ("as_of",),
            "alerts: one row per alert and run, written by the run at as_of before its run "
            "log row (rows of as-ofs without a run log row are not committed)",
        )

    @property
    def alert_work(self) -> str:
        """The work table a run stages its alert rows in (not kept)."""
        return self._name("aw_alerts")

    @property
    def alert_tables(self) -> tuple[Table, ...]:
        """The alerts' table a run writes (a project with alerts)."""
        if self.project.alerts is None or not self.project.alerts.alerts:
            return ()
        return (self.alerts,)

    @property
    def journey_tables(self) -> tuple[Table, ...]:
        """The journeys' tables a run writes: the ledger, the outbox and the holdouts'
        shares (a project with holdouts) before their marker."""
        journeys = self.project.journeys
        if journeys is None or not journeys.journeys:
            return ()
        holdouts = (self.holdout_shares,) if journeys.all_holdouts else ()
        return (self.journey_entries, self.outbox, *holdouts, self.journey_runs)

    @property
    def every_table_name(self) -> tuple[str, ...]:
        """Every table segl may write for the project, kept or not: a run's (history), its
        work tables, the reports' results and assignments, the deliveries (what a target
        with a name limit must be able to name: compiler/target_check.py)."""
        names = [table.name for table in self.history]
        reports = self.project.reports
        if reports is not None and reports.names():
            names.append(self.report_results.name)
        if reports is not None and reports.experiments:
            names.append(self.experiment_assignments.name)
        if self.journey_tables:
            names += self.journey_work_tables
        if self.journey_tables or self.alert_tables:
            names.append(self.deliveries.name)
        if self.project.identity is not None:
            names += [self.identity_work(what) for what in IDENTITY_WORK]
        return tuple(dict.fromkeys(names))

    @property
    def history(self) -> tuple[Table, ...]:
        """The tables a run writes, in the order it writes them (the run log last)."""
        identity = (self.persons, self.shared_ids) if self.project.identity else ()
        return (
            self.tags,
            self.members,
            self.layers,
            *identity,
            *self.journey_tables,
            *self.alert_tables,
            self.runs,
        )
