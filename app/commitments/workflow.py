"""The status workflow: which status may follow which."""

from app.vocabulary import CommitmentStatus as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.not_started: frozenset(
        {S.in_progress, S.at_risk, S.blocked, S.completed, S.cancelled, S.superseded}
    ),
    S.in_progress: frozenset({S.at_risk, S.blocked, S.completed, S.cancelled, S.superseded}),
    S.at_risk: frozenset({S.in_progress, S.blocked, S.completed, S.cancelled, S.superseded}),
    S.blocked: frozenset({S.in_progress, S.at_risk, S.cancelled, S.superseded}),
    S.completed: frozenset({S.in_progress}),
    S.cancelled: frozenset({S.not_started, S.in_progress}),
    S.superseded: frozenset(),
}

INITIAL = frozenset({S.not_started, S.in_progress, S.at_risk, S.blocked})


def allowed_next(status: S) -> list[str]:
    return sorted(next_status.value for next_status in TRANSITIONS[status])


def can_move(current: S, new: S) -> bool:
    return current == new or new in TRANSITIONS[current]
