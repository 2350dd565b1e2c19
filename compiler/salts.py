"""W0707: holdouts and experiments that share a salt where that cannot be meant (SPEC
§2.8, §3.3).

A holdout takes the users with `bucket(user, salt) < P`; an experiment's arms cut the same
number into consecutive ranges, first arm first. One salt therefore draws the same users
twice. That is how a holdout is measured: an experiment with its salt whose first arm is
the holdout's P% (examples/retail: `journeys_holdout`), and two journeys' own holdouts may
keep the same users out of both. It is a mistake when:
- two experiments share a salt: a user's arm in one decides their arm in the other;
- a holdout shares a global holdout's salt: both take the lowest buckets, the same users;
- an experiment shares a holdout's salt but no arm ends at the holdout's share: one arm
  mixes held-out users with messaged ones."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

from segl.compiler.journeys.model import Holdout, Journeys
from segl.compiler.reports.model import Experiment, Reports
from segl.dsl.diagnostics import Diagnostic, Severity, Span

HINT = 'give each its own salt, e.g. salt "{name}-2026-12": a new salt is a new draw'


def shared_salts(journeys: Journeys | None, reports: Reports | None) -> list[Diagnostic]:
    """Every W0707 of the project, once per later definition."""
    holdouts = _holdouts(journeys)
    experiments = reports.experiments if reports is not None else ()
    return [
        *_experiments_sharing(experiments),
        *_holdouts_sharing(holdouts),
        *_experiments_mixing(experiments, holdouts),
    ]


def _holdouts(journeys: Journeys | None) -> list[Holdout]:
    """Global holdouts first, then the journeys' own, each in the order of the files."""
    if journeys is None:
        return []
    return sorted(
        journeys.all_holdouts, key=lambda h: (h.journey is not None, h.span.file, h.span.line)
    )


def _experiments_sharing(experiments: Sequence[Experiment]) -> Iterator[Diagnostic]:
    for index, later in enumerate(experiments):
        earlier = next((e for e in experiments[:index] if e.salt == later.salt), None)
        if earlier is not None:
            yield _warning(
                ("experiment", later.name),
                f"experiment '{earlier.name}'",
                later.salt,
                "a user's arm in one decides their arm in the other",
                later.span,
                earlier.span,
            )


def _holdouts_sharing(holdouts: Sequence[Holdout]) -> Iterator[Diagnostic]:
    for index, later in enumerate(holdouts):
        earlier = next(
            (h for h in holdouts[:index] if h.salt == later.salt and h.journey is None), None
        )
        if earlier is not None:
            yield _warning(
                ("holdout", later.name),
                f"the global holdout '{earlier.name}'",
                later.salt,
                "both take the users of the lowest buckets, the same users, not two samples",
                later.span,
                earlier.span,
            )


def _experiments_mixing(
    experiments: Sequence[Experiment], holdouts: Sequence[Holdout]
) -> Iterator[Diagnostic]:
    for experiment in experiments:
        for holdout in holdouts:
            if holdout.salt != experiment.salt:
                continue
            mixed = next((a for a in experiment.arms if a.low < holdout.share < a.high), None)
            if mixed is None or any(math.isclose(a.high, holdout.share) for a in experiment.arms):
                continue
            yield _warning(
                ("experiment", experiment.name),
                f"holdout '{holdout.name}'",
                experiment.salt,
                f"its arm '{mixed.name}' mixes the holdout's users (the buckets below "
                f"{holdout.share:.0%}) with others; to measure the holdout, let an arm end "
                f"at {holdout.share:.0%}",
                experiment.span,
                holdout.span,
            )
            break


def _warning(
    later: tuple[str, str],
    earlier: str,
    salt: str,
    consequence: str,
    span: Span,
    earlier_span: Span,
) -> Diagnostic:
    """W0707 on `later` (its kind and name), which has the salt of `earlier`."""
    kind, name = later
    return Diagnostic(
        "W0707",
        f"{kind} '{name}' has the salt \"{salt}\" of {earlier}: {consequence}",
        span,
        (f"{earlier} is at {earlier_span.file}:{earlier_span.line}", HINT.format(name=name)),
        Severity.WARNING,
    )
