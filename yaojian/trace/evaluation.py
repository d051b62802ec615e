"""Precision and recall of the trace detectors against the demo's planted ground truth.

A planted anomaly is found when a trace signal (source ``trace``) of the same kind names the
same subject (type and id). Several signals of one kind about one subject — a recalled batch
moved three times — are one finding, because the ground truth is kept per subject. Per kind and
overall: planted, flagged (distinct subjects signalled), true positives (flagged and planted),
false positives (flagged, not planted), false negatives (planted, not flagged),
precision = TP / flagged and recall = TP / planted (``None`` when the denominator is 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yaojian.auth.actor import Actor
from yaojian.auth.scope import scoped
from yaojian.signals.models import RiskSignal
from yaojian.trace.detectors import KINDS, SOURCE, run_trace_detectors
from yaojian.trace.models import TracePlantedAnomaly

Finding = tuple[str, str, str]  # kind, subject type, subject id

COLUMNS = (
    "kind",
    "planted",
    "flagged",
    "true_positives",
    "false_positives",
    "false_negatives",
    "precision",
    "recall",
)


@dataclass
class Score:
    kind: str
    planted: int
    flagged: int
    true_positives: int

    @property
    def false_positives(self) -> int:
        return self.flagged - self.true_positives

    @property
    def false_negatives(self) -> int:
        return self.planted - self.true_positives

    @property
    def precision(self) -> float | None:
        return self.true_positives / self.flagged if self.flagged else None

    @property
    def recall(self) -> float | None:
        return self.true_positives / self.planted if self.planted else None

    def as_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in COLUMNS}


@dataclass
class Evaluation:
    kinds: list[Score]
    overall: Score
    missed: list[Finding] = field(default_factory=list)  # planted, not flagged
    unexpected: list[Finding] = field(default_factory=list)  # flagged, not planted

    def as_json(self) -> dict[str, Any]:
        def listed(findings: list[Finding]) -> list[dict[str, str]]:
            return [{"kind": k, "subject_type": t, "subject_id": s} for k, t, s in findings]

        return {
            "kinds": [s.as_json() for s in self.kinds],
            "overall": self.overall.as_json(),
            "missed": listed(self.missed),
            "unexpected": listed(self.unexpected),
        }


def _score(kind: str, planted: set[Finding], flagged: set[Finding]) -> Score:
    return Score(kind, len(planted), len(flagged), len(planted & flagged))


def evaluate(session: Session, actor: Actor, *, detect: bool = True) -> Evaluation:
    """Compare the trace signals the actor may see with the planted anomalies it may see.

    ``detect`` runs the trace detectors over the whole store first (their findings become
    signals, deduplicated as always); without it the signals already stored are compared.
    """
    if detect:
        run_trace_detectors(session)
    planted: set[Finding] = {
        (kind, subject_type.value, subject_id)
        for kind, subject_type, subject_id in session.execute(
            scoped(
                select(
                    TracePlantedAnomaly.kind,
                    TracePlantedAnomaly.subject_type,
                    TracePlantedAnomaly.subject_id,
                ),
                actor,
                TracePlantedAnomaly,
            )
        )
    }
    flagged: set[Finding] = {
        (kind, subject_type.value, subject_id)
        for kind, subject_type, subject_id in session.execute(
            scoped(
                select(RiskSignal.kind, RiskSignal.subject_type, RiskSignal.subject_id).where(
                    RiskSignal.source == SOURCE
                ),
                actor,
                RiskSignal,
            )
        )
    }
    kinds = list(KINDS) + sorted({f[0] for f in planted | flagged} - set(KINDS))
    scores = [
        _score(
            kind,
            {f for f in planted if f[0] == kind},
            {f for f in flagged if f[0] == kind},
        )
        for kind in kinds
    ]
    return Evaluation(
        kinds=scores,
        overall=_score("overall", planted, flagged),
        missed=sorted(planted - flagged),
        unexpected=sorted(flagged - planted),
    )
