"""Taking a statement in, proposing its candidates, and the reviewers' decisions on them.

Who may do what: a document is read by the callers `app.reference.readable` lets in; its
candidates by its issuing parties' users and admins (`reviewed_by`); decisions are an
editor's of an issuing party, or an admin's. Whatever a candidate points to (the commitment it
became, restates or was merged into) is releasable to every issuing party, so no reviewer
learns of a commitment it may not see."""

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import AnyHttpUrl, ValidationError
from sqlmodel import Session, col, select

from app.commitments import (
    Commitment,
    CommitmentCreate,
    Locator,
    PartyRefIn,
    add_progress_note,
    create_commitment,
    get_commitment,
)
from app.core.errors import ConflictError, NotFoundError, ProblemError, UnprocessableError
from app.core.etags import IfMatch, etag_of
from app.core.metadata import id_of
from app.core.progress import SILENT, Progress
from app.core.security import Principal, Role, require_role
from app.core.time import utcnow
from app.deadlines import DueRule, Recurrence
from app.documents import describe, find_document, parties_of
from app.history import Change, record_event
from app.ingest import queries
from app.ingest.enums import CandidateState
from app.ingest.extractor import Proposal, Statement, TooMuchToReadError, propose
from app.ingest.models import (
    BulkDecision,
    Candidate,
    CandidateEdits,
    CandidateFilters,
    CandidateList,
    CandidatePublic,
    Decision,
    DocumentUpload,
    RestatementPublic,
    ScoredPublic,
    TakenIn,
)
from app.ingest.restatements import Known, Restatement, restated
from app.ingest.text import paragraphs_of
from app.progress import NoteCreate, statement_evidence
from app.reference import (
    DocumentAccess,
    DocumentParty,
    Meeting,
    Party,
    SourceDocument,
    member_codes,
    readable,
)
from app.vocabulary import CommitmentKind, CommitmentStatus

# Control characters other than tab and line ends: no statement has them, PostgreSQL
# refuses NUL.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
TITLE_CHARS = 120
SLUG_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
TimingModel = TypeVar("TimingModel", DueRule, Recurrence)
MAX_PARAGRAPHS = 5_000


# Taking a statement in


def _paragraphs(upload: DocumentUpload) -> list[str]:
    if match := CONTROL.search(upload.text):
        raise UnprocessableError(
            f"The text holds a control character (U+{ord(match.group()):04X}) at offset "
            f"{match.start()}; send the statement's text as it was published."
        )
    paragraphs = paragraphs_of(upload.text, upload.format)
    if not paragraphs:
        raise UnprocessableError(f"No paragraph of text was found in this {upload.format.value}.")
    if len(paragraphs) > MAX_PARAGRAPHS:
        raise UnprocessableError(f"A statement has at most {MAX_PARAGRAPHS} paragraphs.")
    return paragraphs


def _issuers(
    session: Session, upload: DocumentUpload, principal: Principal | None
) -> dict[str, int]:
    """The issuing parties' ids by code; an editor takes in only its own party's statements."""
    codes = upload.parties or ([principal.party_code] if principal and principal.party_code else [])
    if not codes:
        raise UnprocessableError("Name the issuing parties of the statement.")
    found: dict[str, int] = dict(
        session.execute(
            select(col(Party.code), col(Party.id)).where(col(Party.code).in_(codes))
        ).all()
    )
    unknown = sorted(set(codes) - set(found))
    if unknown:
        raise UnprocessableError(f"Unknown party code(s): {', '.join(unknown)}.")
    if principal is not None and not principal.is_admin and principal.party_code not in found:
        raise UnprocessableError(
            f"Your party ({principal.party_code}) must be among the issuing parties: their "
            "users review the statement."
        )
    return {code: found[code] for code in codes}


def _meeting_id(session: Session, key: str | None) -> int | None:
    if key is None:
        return None
    meeting_id: int | None = session.execute(
        select(col(Meeting.id)).where(col(Meeting.key) == key.upper())
    ).scalar()
    if meeting_id is None:
        raise UnprocessableError(f"Unknown meeting {key!r}.")
    return meeting_id


def _slug_taken(session: Session, slug: str) -> bool:
    found = session.execute(select(col(SourceDocument.id)).where(col(SourceDocument.slug) == slug))
    return found.first() is not None


def _slug(session: Session, upload: DocumentUpload) -> str:
    """From the date and the title's Latin words, with a random ending: a slug taken by a
    document the uploader may not read must not show through (as a "-2" would)."""
    ascii_title = unicodedata.normalize("NFKD", upload.title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())[:8] or ["statement"]
    base = f"{upload.issued_on.isoformat()}-{'-'.join(words)}"[:72].rstrip("-")
    while True:
        slug = f"{base}-{''.join(secrets.choice(SLUG_ALPHABET) for _ in range(4))}"
        if not _slug_taken(session, slug):
            return slug


def _same_text(session: Session, digest: str, principal: Principal | None) -> SourceDocument | None:
    """A document the caller may read with the same text; one it may not read stays unknown
    to it (its upload becomes a document of its own)."""
    return session.exec(
        select(SourceDocument)
        .where(
            col(SourceDocument.sha256) == digest,
            col(SourceDocument.text).is_not(None),
            *readable(principal),
        )
        .order_by(col(SourceDocument.id))
    ).first()


def take_in(
    *,
    session: Session,
    upload: DocumentUpload,
    principal: Principal | None,
    actor_name: str,
    progress: Progress = SILENT,
) -> TakenIn:
    """Store a statement and propose its candidates; the same text again answers the
    document that has it."""
    require_role(principal, Role.editor)
    digest = hashlib.sha256(upload.text.encode("utf-8")).hexdigest()
    existing = _same_text(session, digest, principal)
    if existing is not None:
        return TakenIn(
            document=describe(session=session, slug=existing.slug, principal=principal),
            created=False,
            candidates=_listed(session, existing, principal),
        )
    paragraphs = _paragraphs(upload)
    issuers = _issuers(session, upload, principal)
    document = SourceDocument(
        **upload.model_dump(include={"title", "publisher", "issued_on", "language", "text"}),
        slug=_slug(session, upload),
        kind=upload.kind.value,
        url=str(upload.url) if upload.url else None,
        sha256=digest,
        access=upload.access.value,
        meeting_id=_meeting_id(session, upload.meeting),
        text_format=upload.format.value,
        paragraphs=paragraphs,
        created_by=actor_name,
        created_at=utcnow(),
    )
    session.add(document)
    session.flush()
    for party_id in issuers.values():
        session.add(DocumentParty(document_id=id_of(document), party_id=party_id))
    session.flush()
    extract(session=session, document=document, progress=progress)
    return TakenIn(
        document=describe(session=session, slug=document.slug, principal=principal),
        created=True,
        candidates=_listed(session, document, principal),
    )


# Proposing candidates


def title_of(quote: str) -> str:
    """A working title from the quote: its first words, for the reviewer to improve."""
    text = quote.strip(" .;,:")
    if len(text) > TITLE_CHARS:
        text = text[:TITLE_CHARS].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
    return text[:1].upper() + text[1:]


def _proposed(proposal: Proposal, restatement: Restatement | None) -> dict[str, Any]:
    """A candidate's columns from the extractor's proposal."""
    timing = proposal.timing
    return {
        "paragraph": proposal.paragraph,
        "quote_start": proposal.start,
        "quote_end": proposal.end,
        "quote": proposal.quote,
        "context_before": proposal.before[:300],
        "context_after": proposal.after[:300],
        "title": title_of(proposal.quote),
        "kind": proposal.kind.value,
        "status": proposal.status.value,
        "obligors": proposal.obligors,
        "counterparts": proposal.counterparts,
        "topics": [{"slug": t.slug, "score": t.score} for t in proposal.topics],
        "areas": [{"slug": a.slug, "score": a.score} for a in proposal.areas],
        "due_date": timing.due_date,
        "due_rule": timing.due_rule.model_dump(mode="json") if timing.due_rule else None,
        "recurrence": timing.recurrence.model_dump(mode="json") if timing.recurrence else None,
        "confidence": min(1.0, max(0.0, proposal.confidence)),
        "reasons": proposal.reasons,
        "restates_id": restatement.known.commitment_id if restatement else None,
        "restates_score": restatement.score if restatement else None,
        "updated_at": utcnow(),
    }


def _overlaps_any(rows: list[Candidate], proposal: Proposal) -> bool:
    """Whether the proposal overlaps one of `rows` (candidates of its paragraph)."""
    return any(row.quote_start < proposal.end and proposal.start < row.quote_end for row in rows)


def extract(*, session: Session, document: SourceDocument, progress: Progress = SILENT) -> None:
    """Propose the document's candidates anew. Decided candidates stay as they are, and no new
    proposal overlaps one; undecided ones are updated in place (keeping their numbers) or
    dropped when the rules no longer propose them."""
    issuers = parties_of(session, [id_of(document)])[id_of(document)]
    statement = Statement(document.paragraphs or [], issuers, document.issued_on)
    try:
        proposals = propose(statement, queries.vocabulary(session), progress)
    except TooMuchToReadError as exc:
        raise UnprocessableError(f"{exc} Send it in parts.") from None
    known = [
        Known(commitment_id, ref, quote)
        for commitment_id, ref, quote in session.execute(
            queries.restatable(_members_among(session, issuers))
        )
    ]
    existing = list(session.exec(queries.candidates_of(id_of(document))))
    decided: dict[int, list[Candidate]] = {}
    for candidate in existing:
        if candidate.state != CandidateState.proposed:
            decided.setdefault(candidate.paragraph, []).append(candidate)
    undecided = {
        (row.paragraph, row.quote_start, row.quote_end): row
        for row in existing
        if row.state == CandidateState.proposed
    }
    number = max((row.number for row in existing), default=0)
    for proposal in proposals:
        if _overlaps_any(decided.get(proposal.paragraph, []), proposal):
            continue
        values = _proposed(proposal, restated(proposal.quote, known))
        row = undecided.pop((proposal.paragraph, proposal.start, proposal.end), None)
        if row is None:
            number += 1
            row = Candidate(document_id=id_of(document), number=number, **values)
        else:
            row.sqlmodel_update(values)
        session.add(row)
    for row in undecided.values():
        session.delete(row)
    session.flush()


def re_extract(*, session: Session, slug: str, principal: Principal) -> CandidateList:
    require_role(principal, Role.editor)
    document = _review(session, slug, principal).document
    if document.paragraphs is None:
        raise UnprocessableError(f"Document {slug!r} was seeded without its text.")
    extract(session=session, document=document)
    return CandidateList(document=slug, items=_listed(session, document, principal))


# Reading and deciding


def _public(row: Candidate, slug: str, refs: dict[int, str]) -> CandidatePublic:
    restates = refs.get(row.restates_id) if row.restates_id else None
    return CandidatePublic(
        number=row.number,
        document=slug,
        state=CandidateState(row.state),
        title=row.title,
        quote=row.quote,
        locator=Locator(
            paragraph=row.paragraph, before=row.context_before, after=row.context_after
        ),
        kind=row.kind,
        status=row.status,
        obligors=row.obligors,
        counterparts=row.counterparts,
        topics=[ScoredPublic(**item) for item in row.topics],
        areas=[ScoredPublic(**item) for item in row.areas],
        due_date=row.due_date,
        due_rule=row.due_rule,
        recurrence=row.recurrence,
        confidence=row.confidence,
        reasons=row.reasons,
        restates=(
            RestatementPublic(ref=restates, score=row.restates_score or 0.0) if restates else None
        ),
        commitment=refs.get(row.commitment_id) if row.commitment_id else None,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        decision_reason=row.decision_reason,
    )


def _publics(
    session: Session, rows: list[Candidate], slug: str, principal: Principal | None
) -> list[CandidatePublic]:
    """The candidates as the caller reads them: a commitment it may not see (released more
    narrowly since) is not named."""
    ids = {i for row in rows for i in (row.restates_id, row.commitment_id) if i is not None}
    refs: dict[int, str] = (
        dict(session.execute(queries.refs_of(ids, principal)).all()) if ids else {}
    )
    return [_public(row, slug, refs) for row in rows]


def _listed(
    session: Session,
    document: SourceDocument,
    principal: Principal | None,
    filters: CandidateFilters | None = None,
) -> list[CandidatePublic]:
    rows = list(session.exec(queries.candidates_of(id_of(document), filters)))
    return _publics(session, rows, document.slug, principal)


def list_candidates(
    *,
    session: Session,
    slug: str,
    principal: Principal,
    filters: CandidateFilters | None = None,
) -> CandidateList:
    document = find_document(session=session, slug=slug, principal=principal, reviewing=True)
    return CandidateList(document=slug, items=_listed(session, document, principal, filters))


@dataclass(frozen=True)
class Review:
    """A document under review, its issuing member parties (outside parties, released
    nothing, are left out), and the reviewer."""

    document: SourceDocument
    issuers: list[str]
    principal: Principal


def _review(session: Session, slug: str, principal: Principal) -> Review:
    """The document whose candidates the principal reviews: one its party issued (an admin:
    any); the router lets only editors and admins decide."""
    document = find_document(session=session, slug=slug, principal=principal, reviewing=True)
    issuers = parties_of(session, [id_of(document)])[id_of(document)]
    return Review(document, _members_among(session, issuers), principal)


def _members_among(session: Session, issuers: list[str]) -> list[str]:
    """The member parties among a statement's issuers: those what comes of it is released to
    (an outside party is released nothing)."""
    members = member_codes(session=session)
    return [code for code in issuers if code in members]


def _undecided(session: Session, review: Review, number: int) -> Candidate:
    row = session.exec(queries.candidate(id_of(review.document), number).with_for_update()).first()
    if row is None:
        raise NotFoundError(f"Document {review.document.slug!r} has no candidate {number}.")
    if row.state != CandidateState.proposed:
        raise ConflictError(
            f"Candidate {number} was {row.state} by {row.decided_by} at "
            f"{row.decided_at.isoformat() if row.decided_at else 'an unknown time'}."
        )
    return row


def _decide(
    row: Candidate,
    review: Review,
    state: CandidateState,
    *,
    commitment_id: int | None = None,
    reason: str | None = None,
) -> None:
    row.state = state.value
    row.commitment_id = commitment_id
    row.decision_reason = reason
    row.decided_by = review.principal.name
    row.decided_at = row.updated_at = utcnow()


def _check_issuers_see(review: Review, releasable_to: list[str]) -> None:
    missing = sorted(set(review.issuers) - set(releasable_to))
    if missing:
        raise UnprocessableError(
            f"A commitment from this statement is releasable to its issuing parties too; "
            f"add {', '.join(missing)} to releasable_to."
        )


def _creation(
    session: Session, review: Review, row: Candidate, edits: CandidateEdits
) -> CommitmentCreate:
    """The new commitment: the proposal, with the reviewer's edits over it."""
    obligors = edits.obligors or [PartyRefIn(party=code) for code in row.obligors]
    counterparts = (
        edits.counterparts
        if edits.counterparts is not None
        else [PartyRefIn(party=code) for code in row.counterparts]
    )
    members = member_codes(session=session)
    releasable_to = edits.releasable_to or sorted(
        ({ref.party for ref in obligors} & members) | set(review.issuers)
    )
    _check_issuers_see(review, releasable_to)
    timing_edited = edits.due_date or edits.due_rule or edits.recurrence
    return CommitmentCreate(
        title=edits.title or row.title,
        description=edits.description,
        kind=edits.kind or CommitmentKind(row.kind),
        obligors=obligors,
        counterparts=counterparts,
        areas=edits.areas if edits.areas is not None else [a["slug"] for a in row.areas],
        topics=edits.topics if edits.topics is not None else [t["slug"] for t in row.topics],
        status=(
            CommitmentStatus.not_started
            if row.status == CommitmentStatus.not_started
            else CommitmentStatus.in_progress
        ),
        due_date=edits.due_date if timing_edited else row.due_date,
        due_rule=edits.due_rule if timing_edited else _parsed(DueRule, row.due_rule),
        recurrence=edits.recurrence if timing_edited else _parsed(Recurrence, row.recurrence),
        leads=edits.leads,
        releasable_to=releasable_to,
        document=review.document.slug,
        meeting=_meeting_key(review.document, session),
        quote=row.quote,
    )


def _meeting_key(document: SourceDocument, session: Session) -> str | None:
    if document.meeting_id is None:
        return None
    return session.execute(
        select(col(Meeting.key)).where(col(Meeting.id) == document.meeting_id)
    ).scalar()


def _parsed(model: type[TimingModel], value: dict[str, Any] | None) -> TimingModel | None:
    return model.model_validate(value) if value is not None else None


def _accept(session: Session, review: Review, row: Candidate, edits: CandidateEdits) -> Decision:
    try:
        request = _creation(session, review, row, edits)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the proposal"
        raise UnprocessableError(
            f"As proposed, it cannot become a commitment ({where}: {first['msg']}); "
            "send edits that correct it."
        ) from exc
    locator = Locator(paragraph=row.paragraph, before=row.context_before, after=row.context_after)
    public = create_commitment(
        session=session,
        request=request,
        principal=review.principal,
        actor=review.principal.actor(),
        locator=locator,
    )
    if row.status != CommitmentStatus.not_started:
        # What the statement shows (under way, or done) is the record's first note, as in the
        # seeds; a statement that reports it done completes it.
        evidence = (
            statement_evidence(
                quote=row.quote, paragraph=row.paragraph, document_title=review.document.title
            )
            if _published(review.document)
            else f"Its statement shows it, paragraph {row.paragraph}. {_UNPUBLISHED}"
        )
        completed = row.status == CommitmentStatus.completed
        _, public = add_progress_note(
            session=session,
            ref=public.ref,
            request=NoteCreate(
                text=evidence, status=CommitmentStatus.completed if completed else None
            ),
            principal=review.principal,
            if_match=IfMatch(etag_of(public.version)),
        )
    created = get_commitment(session=session, ref=public.ref, principal=review.principal)
    _decide(row, review, CandidateState.accepted, commitment_id=id_of(created))
    _announce(session, review, row, id_of(created), public.version)
    candidate = _publics(session, [row], review.document.slug, review.principal)[0]
    return Decision(candidate=candidate, commitment=public)


def _announce(
    session: Session, review: Review, row: Candidate, commitment_id: int, version: int
) -> None:
    """The decision, as an event for webhooks, on the commitment it made or restated."""
    record_event(
        session=session,
        commitment_id=commitment_id,
        version=version,
        change=Change.of(
            "candidate",
            None,
            {"document": review.document.slug, "number": row.number, "decision": row.state},
        ),
        actor=review.principal.actor(),
        at=utcnow(),
    )


def accept(
    *, session: Session, slug: str, number: int, edits: CandidateEdits, principal: Principal
) -> Decision:
    """The candidate becomes a commitment, with its quote, locator and document."""
    require_role(principal, Role.editor)
    review = _review(session, slug, principal)
    return _accept(session, review, _undecided(session, review, number), edits)


def accept_many(
    *, session: Session, slug: str, numbers: list[int], principal: Principal
) -> BulkDecision:
    """Every one of these candidates as proposed, or none (the first refusal names its
    candidate)."""
    require_role(principal, Role.editor)
    if len(set(numbers)) != len(numbers):
        raise UnprocessableError("Name each candidate once.")
    review = _review(session, slug, principal)
    decisions = []
    for number in numbers:
        try:
            row = _undecided(session, review, number)
            decisions.append(_accept(session, review, row, CandidateEdits()))
        except ProblemError as exc:
            raise type(exc)(
                f"Candidate {number}: {exc.detail}", headers=exc.headers, **exc.extensions
            ) from exc
    return BulkDecision(items=decisions)


def reject(
    *, session: Session, slug: str, number: int, reason: str, principal: Principal
) -> CandidatePublic:
    require_role(principal, Role.editor)
    review = _review(session, slug, principal)
    row = _undecided(session, review, number)
    _decide(row, review, CandidateState.rejected, reason=reason)
    session.add(row)
    session.flush()
    return _publics(session, [row], slug, principal)[0]


# A note is read by every party the commitment is released to, now or later; a statement only
# its issuers read is named in it by nothing of its own (title, link, quote): the source rule.
_UNPUBLISHED = "Its issuers have not published it: they find it in its review queue."


def _published(document: SourceDocument) -> bool:
    return document.access == DocumentAccess.public.value


def merge(*, session: Session, slug: str, number: int, ref: str, principal: Principal) -> Decision:
    """The candidate restates a commitment the register holds: the statement becomes evidence
    on it (a progress note with the quote and the document), not a second record."""
    require_role(principal, Role.editor)
    review = _review(session, slug, principal)
    row = _undecided(session, review, number)
    document = review.document
    # One the reviewer may not see is not found; one it sees but an issuer does not is refused
    # before anything is written.
    target = get_commitment(session=session, ref=ref, principal=principal)
    releasable_to_issuers = session.execute(
        queries.restatable(review.issuers).where(col(Commitment.id) == id_of(target))
    ).first()
    if releasable_to_issuers is None:
        raise UnprocessableError(
            f"{ref} is not releasable to every issuing party of this statement "
            f"({', '.join(review.issuers)}); release it to them first."
        )
    text = (
        f"Restated in {document.title} ({document.issued_on.isoformat()}, "
        f"/api/v1/documents/{document.slug}), paragraph {row.paragraph}: “{row.quote}”"
        if _published(document)
        else f"Restated in a statement, paragraph {row.paragraph}. {_UNPUBLISHED}"
    )
    # The note goes through the register's own rules: the reviewer must be one who may change
    # the commitment, and it must be live.
    _, public = add_progress_note(
        session=session,
        ref=ref,
        request=NoteCreate(
            text=text[:10_000],
            evidence_url=AnyHttpUrl(document.url)
            if document.url and _published(document)
            else None,
        ),
        principal=principal,
        if_match=IfMatch(None),
    )
    _decide(row, review, CandidateState.merged, commitment_id=id_of(target))
    _announce(session, review, row, id_of(target), public.version)
    candidate = _publics(session, [row], slug, principal)[0]
    return Decision(candidate=candidate, commitment=public)
