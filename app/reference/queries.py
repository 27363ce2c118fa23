"""Reads of the reference tables that the register and the features build on: which
statements a caller may read and which it reviews, and which parties are members."""

from collections.abc import Iterable, Iterator, Set
from typing import TypeVar

from sqlalchemy import ColumnElement, false, or_
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from app.core.security import Principal
from app.reference.documents import DocumentParty, SourceDocument
from app.reference.enums import DocumentAccess, Standing
from app.reference.parties import Party


def _issued_by(party_id: ColumnElement[int] | int) -> ColumnElement[bool]:
    return (
        select(col(DocumentParty.document_id))
        .where(
            col(DocumentParty.document_id) == col(SourceDocument.id),
            col(DocumentParty.party_id) == party_id,
        )
        .exists()
    )


def reviewed_by(principal: Principal | None) -> list[ColumnElement[bool]]:
    """The documents whose candidates the principal reads: those its party issued (admins and
    the system itself: all)."""
    if principal is None or principal.is_admin:
        return []
    if principal.party_id is None:
        return [false()]
    return [_issued_by(principal.party_id)]


def readable(principal: Principal | None) -> list[ColumnElement[bool]]:
    """The one statement of which documents a caller reads: the published ones, and those
    taken in for review by its party. A commitment shows its source (the statement, its quote
    and context) only to a caller who reads the statement; a statement a caller may not read
    is, to that caller, one that does not exist."""
    reviewing = reviewed_by(principal)
    if not reviewing:
        return []
    return [or_(col(SourceDocument.access) == DocumentAccess.public.value, *reviewing)]


def readable_by_party(
    document_id: ColumnElement[int | None] | Mapped[int | None], party_id: ColumnElement[int]
) -> ColumnElement[bool]:
    """`readable`, of the document in `document_id` for the users of the party in `party_id`
    (columns of the enclosing statement, which each condition correlates to directly: mail to
    every party's contacts is read in one statement). `document_id` is not source_document's
    own column: the published test would then read itself, not the enclosing row."""
    published = (
        select(col(SourceDocument.id))
        .where(
            col(SourceDocument.id) == document_id,
            col(SourceDocument.access) == DocumentAccess.public.value,
        )
        .exists()
    )
    issued = (
        select(col(DocumentParty.document_id))
        .where(
            col(DocumentParty.document_id) == document_id, col(DocumentParty.party_id) == party_id
        )
        .exists()
    )
    return or_(published, issued)


def issuing_parties(document_ids: list[int]) -> Select[int, str]:
    return (
        select(col(DocumentParty.document_id), col(Party.code))
        .join(Party, col(Party.id) == col(DocumentParty.party_id))
        .where(col(DocumentParty.document_id).in_(document_ids))
        .order_by(col(Party.code))
    )


_T = TypeVar("_T")


class MemberCodes(Set[str]):
    """The codes of the register's member parties: the only ones anything is released to.
    Read on first use, once: a change that needs no party's standing reads nothing."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._codes: frozenset[str] | None = None

    def _loaded(self) -> frozenset[str]:
        if self._codes is None:
            self._codes = frozenset(
                self._session.execute(
                    select(col(Party.code)).where(col(Party.standing) == Standing.member.value)
                ).scalars()
            )
        return self._codes

    def __contains__(self, code: object) -> bool:
        return code in self._loaded()

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())

    @classmethod
    def _from_iterable(cls, codes: Iterable[_T]) -> frozenset[_T]:
        # What set operations (members & parties) build: plain codes.
        return frozenset(codes)


def member_codes(*, session: Session) -> MemberCodes:
    return MemberCodes(session)
