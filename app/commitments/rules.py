"""The rules of a change, without the database: who may edit or withdraw, the workflow,
completion."""

from collections.abc import Iterable, Set, Sized
from datetime import date

from app.commitments.state import CommitmentState
from app.commitments.workflow import allowed_next, can_move
from app.core.errors import (
    ForbiddenError,
    InvalidTransitionError,
    UnprocessableError,
)
from app.core.security import Principal
from app.core.time import today
from app.history import Change
from app.progress import NoteCreate
from app.vocabulary import CommitmentKind, CommitmentStatus


def keepers(state: CommitmentState, members: Set[str]) -> set[str]:
    """The parties whose editors change a commitment: its member obligors; of one owed only by
    outside parties (which have no editors), the member parties it is released to."""
    return set(state.parties) & members or set(state.releasable_to) & members


def check_may_edit(principal: Principal | None, state: CommitmentState, members: Set[str]) -> None:
    """Editors change the commitments their party keeps. A caller's party is always a member
    (a user of an outside party is refused at sign-in), so an obligor's editor is a keeper
    without asking which parties are members."""
    if principal is None or principal.is_admin or principal.party_code in state.parties:
        return
    if principal.party_code is None or principal.party_code not in keepers(state, members):
        raise ForbiddenError(
            f"Editors change only commitments their own party ({principal.party_code}) is part of."
        )


def released_by_default(
    *,
    obligors: Iterable[str],
    counterparts: Iterable[str],
    issuers: Iterable[str],
    members: Set[str],
) -> list[str]:
    """Whom a commitment is released to unless someone decides otherwise: its member obligors;
    one owed by an outside party, also the member parties that issued its statement or are its
    counterparts (an outside party is released nothing)."""
    owing = set(obligors)
    released = owing & members
    if not owing <= members:
        released |= (set(issuers) | set(counterparts)) & members
    return sorted(released)


def check_releasability(state: CommitmentState, members: Set[str]) -> None:
    """Released to member parties only, to every member obligor, and to one member at least."""
    outside = sorted(set(state.releasable_to) - members)
    if outside:
        raise UnprocessableError(
            f"Nothing is released to an outside party ({', '.join(outside)}): it may be an "
            "obligor or a counterpart, not a reader."
        )
    if not set(state.parties) & members <= set(state.releasable_to):
        raise UnprocessableError("releasable_to must include every member obligor's party.")
    if not state.releasable_to:
        raise UnprocessableError(
            "A commitment is released to one member party at least: name in releasable_to "
            "the member parties that issued its statement or are party to it."
        )


def check_may_withdraw(
    principal: Principal | None, old: CommitmentState, new: CommitmentState, members: Set[str]
) -> None:
    """Taking a commitment away from another member party is an administrator's decision: an
    editor could otherwise cut an ally out of a joint record it then cannot even see. An
    outside party holds nothing of the register's, and any editor who keeps the record may
    take it off the record's obligors or counterparts."""
    withdrawn = (set(old.parties) - set(new.parties)) | (
        set(old.releasable_to) - set(new.releasable_to)
    )
    if principal is None or principal.is_admin or not withdrawn:
        return
    others = sorted((withdrawn & members) - {principal.party_code})
    if others:
        raise ForbiddenError(
            f"Only an administrator removes another member party ({', '.join(others)}) from a "
            "commitment or from those it is releasable to."
        )


def check_transition(current: str, new: str) -> None:
    current_status, new_status = CommitmentStatus(current), CommitmentStatus(new)
    if not can_move(current_status, new_status):
        allowed = allowed_next(current_status)
        raise InvalidTransitionError(
            f"A commitment cannot go from {current} to {new}; "
            f"allowed next: {', '.join(allowed) or 'none (final)'}.",
            current_status=current,
            allowed_next=allowed,
        )


def completion_change(completed_on: date | None, status: str, note: NoteCreate | None) -> Change:
    """The completion date (now `completed_on`) follows the status: the completing note's
    day, or today."""
    new_completed_on = None
    if status == CommitmentStatus.completed.value:
        new_completed_on = completed_on or (note.as_of if note and note.as_of else today())
    if new_completed_on == completed_on:
        return Change()
    return Change.of("completed_on", completed_on, new_completed_on)


def check_kind(state: CommitmentState) -> None:
    """Who owes what to whom must fit the kind: a request has an addressee, a joint
    undertaking several obligors, a pledge one; nobody is both obligor and counterpart."""
    both = sorted(set(state.parties) & set(state.counterparts))
    if both:
        raise UnprocessableError(
            f"{', '.join(both)} cannot be both obligor and counterpart of one commitment."
        )
    kind = CommitmentKind(state.kind)
    if kind is CommitmentKind.request and not state.counterparts:
        raise UnprocessableError("A request needs the counterparts it is addressed to.")
    if kind is CommitmentKind.joint_undertaking and len(state.parties) < 2:
        raise UnprocessableError("A joint undertaking needs two obligors or more.")
    if kind is CommitmentKind.pledge and len(state.parties) != 1:
        raise UnprocessableError("A pledge has one obligor; several make a joint_undertaking.")


def default_kind(parties: Sized, recurring: bool) -> CommitmentKind:
    if recurring:
        return CommitmentKind.recurring
    return CommitmentKind.joint_undertaking if len(parties) > 1 else CommitmentKind.pledge


def follow_obligors(kind: str, parties: Sized) -> str:
    """A pledge with a second obligor becomes a joint undertaking, and back; other kinds say
    more than the count of obligors and stay."""
    if kind in (CommitmentKind.pledge, CommitmentKind.joint_undertaking):
        return default_kind(parties, recurring=False).value
    return kind
