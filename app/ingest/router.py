import codecs
from collections.abc import AsyncIterator
from email.message import Message
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic import Field as PydanticField

from app.core.errors import ServiceBusyError, UnprocessableError, UnsupportedMediaTypeError
from app.core.idempotency import IdempotencyKey
from app.core.openapi import body_in_media_types, problem_responses
from app.core.responses import json_response
from app.core.sessions import SessionDep
from app.core.validation import MAX_ID, NulFree, Slug
from app.ingest import service
from app.ingest.enums import CandidateState
from app.ingest.models import (
    BulkAccept,
    BulkDecision,
    CandidateEdits,
    CandidateFilters,
    CandidateList,
    CandidateMerge,
    CandidatePublic,
    CandidateReject,
    Decision,
    DocumentUpload,
    TakenIn,
)
from app.reference import (
    LANGUAGE_MAX_LENGTH,
    URL_MAX_LENGTH,
    DocumentAccess,
    DocumentKind,
    TextFormat,
)
from app.users import CurrentUser, EditorUser
from app.vocabulary import CommitmentKind

router = APIRouter(
    prefix="/api/v1/documents",
    tags=["ingest"],
    responses=problem_responses(400, 401, 422, 429),
)
Number = Annotated[int, Path(ge=1, le=MAX_ID, description="The candidate's number")]
TEXT_TYPES = [text_format.value for text_format in TextFormat]
RETRY_AFTER_SECONDS = 10
BUSY: dict[int | str, dict[str, Any]] = {
    503: {
        **problem_responses(503)[503],
        "description": "Busy: other statements are being read; try again after Retry-After",
    }
}


class UploadMetadata(BaseModel):
    """A statement's metadata, as query parameters when its body is the text itself."""

    model_config = ConfigDict(extra="forbid")

    title: NulFree | None = PydanticField(default=None, max_length=300)
    publisher: NulFree | None = PydanticField(default=None, max_length=200)
    kind: DocumentKind | None = None
    issued_on: NulFree | None = PydanticField(default=None, max_length=10)
    language: NulFree | None = PydanticField(default=None, max_length=LANGUAGE_MAX_LENGTH)
    url: NulFree | None = PydanticField(default=None, max_length=URL_MAX_LENGTH)
    parties: list[Annotated[NulFree, PydanticField(max_length=200)]] | None = PydanticField(
        default=None, max_length=10, description="Repeated, or comma-separated"
    )
    meeting: NulFree | None = PydanticField(default=None, max_length=32)
    access: DocumentAccess | None = None


# Codecs Python knows that turn bytes into text but are transformations of it, not character
# sets a statement is written in. The body is decoded before the request gets a reading place,
# and punycode decodes in quadratic time: a body near the size limit held every request for
# close to a minute.
NOT_CHARSETS = frozenset({"idna", "punycode", "unicode-escape", "raw-unicode-escape"})


def _media_type(content_type: str) -> tuple[str, str]:
    """The media type and character set (UTF-8 unless named) of a Content-Type header; one
    that names no type/subtype names none (the stdlib would read it as text/plain)."""
    if "/" not in content_type.partition(";")[0]:
        return "", "utf-8"
    header = Message()
    header["Content-Type"] = content_type
    return header.get_content_type(), header.get_content_charset() or "utf-8"


def _text_of(body: bytes, media_type: str, charset: str) -> tuple[TextFormat, str]:
    try:
        text_format = TextFormat(media_type)
    except ValueError:
        raise UnsupportedMediaTypeError(
            f"Send the statement as application/json or as {', '.join(TEXT_TYPES)}."
        ) from None
    try:
        codec = codecs.lookup(charset)
    except LookupError:
        raise UnsupportedMediaTypeError(f"Unknown character set {charset!r}.") from None
    if codec.name in NOT_CHARSETS:
        raise UnsupportedMediaTypeError(f"{charset!r} is not a character set of text.")
    try:
        return text_format, body.decode(charset).removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise UnprocessableError(
            f"The text is not valid {charset} (byte {exc.start}); send it as UTF-8, or name "
            "its character set in Content-Type."
        ) from None
    except UnicodeError:
        raise UnprocessableError(
            f"The text cannot be read as {charset}; send it as UTF-8."
        ) from None
    except LookupError:
        # A codec Python knows that turns bytes into bytes (base64, zlib) or text into text
        # (rot13): not a character set.
        raise UnsupportedMediaTypeError(f"{charset!r} is not a character set of text.") from None


def _validated(data: bytes | dict[str, object], location: str) -> DocumentUpload:
    """The upload, or the framework's own 422 naming where each error is."""
    try:
        if isinstance(data, bytes):
            return DocumentUpload.model_validate_json(data)
        return DocumentUpload.model_validate(data)
    except ValidationError as exc:
        errors = [{**error, "loc": (location, *error["loc"])} for error in exc.errors()]
        raise RequestValidationError(errors) from None


async def statement_upload(
    request: Request, metadata: Annotated[UploadMetadata, Query()]
) -> DocumentUpload:
    """The statement from a JSON body, or from a text body with its metadata in the query."""
    body = await request.body()
    media_type, charset = _media_type(request.headers.get("content-type", ""))
    if media_type == "application/json":
        if request.query_params:
            raise UnprocessableError("With a JSON body, the metadata goes in the body.")
        return _validated(body, "body")
    text_format, text = _text_of(body, media_type, charset)
    fields = metadata.model_dump(exclude_none=True)
    if metadata.parties:
        fields["parties"] = [p.strip() for item in metadata.parties for p in item.split(",")]
    return _validated({**fields, "format": text_format, "text": text}, "query")


Upload = Annotated[DocumentUpload, Depends(statement_upload)]


async def reading_slot(request: Request) -> AsyncIterator[None]:
    """One of the process's few places for reading a statement (COMMITMENTS_INGEST_CONCURRENCY),
    held until the request ends; none free answers 503 at once. Reading is CPU work: without
    a bound, a few uploads would hold every request thread while reads wait. It is taken
    before the request's transaction begins, so that an upload refused never waits for the
    database (on SQLite, for the writer an upload being read holds)."""
    slots: anyio.CapacityLimiter = request.app.state.ingest_slots
    holder = object()
    try:
        slots.acquire_on_behalf_of_nowait(holder)
    except anyio.WouldBlock:
        raise ServiceBusyError(
            "Other statements are being read; send this one again in a moment.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ) from None
    try:
        yield
    finally:
        slots.release_on_behalf_of(holder)


ReadingSlot = Annotated[None, Depends(reading_slot)]


@router.post(
    "",
    response_model=TakenIn,
    status_code=201,
    responses={
        200: {"description": "The same text was taken in before: its document"},
        **problem_responses(403, 409, 413, 415),
        **BUSY,
    },
    openapi_extra=body_in_media_types(DocumentUpload, TEXT_TYPES),
)
def take_in(
    upload: Upload,
    _slot: ReadingSlot,
    principal: EditorUser,
    session: SessionDep,
    retries: IdempotencyKey,
) -> Response:
    """Take a statement in (JSON, or its text as the body with the metadata as query
    parameters) and answer its candidate commitments."""

    def take() -> Response:
        taken = service.take_in(
            session=session, upload=upload, principal=principal, actor_name=principal.name
        )
        return json_response(
            taken,
            status_code=201 if taken.created else 200,
            headers={"Location": f"/api/v1/documents/{taken.document.slug}"},
        )

    return retries.once(session=session, owner=principal.user_id, answer=take)


@router.get("/{slug}/candidates", response_model=CandidateList, responses=problem_responses(404))
def list_candidates(
    slug: Slug,
    principal: CurrentUser,
    session: SessionDep,
    state: CandidateState | None = None,
    kind: CommitmentKind | None = None,
    min_confidence: Annotated[float | None, Query(ge=0, le=1)] = None,
) -> Response:
    """The statement's candidates, in the order of the text: for its issuing parties' users
    and admins."""
    filters = CandidateFilters(state=state, kind=kind, min_confidence=min_confidence)
    return json_response(
        service.list_candidates(session=session, slug=slug, principal=principal, filters=filters)
    )


@router.post(
    "/{slug}/candidates/extract",
    response_model=CandidateList,
    responses={**problem_responses(403, 404), **BUSY},
)
def re_extract(
    slug: Slug, _slot: ReadingSlot, principal: EditorUser, session: SessionDep
) -> Response:
    """Propose the candidates again by the current rules; decisions made stay."""
    return json_response(service.re_extract(session=session, slug=slug, principal=principal))


@router.post(
    "/{slug}/candidates/accept",
    response_model=BulkDecision,
    responses=problem_responses(403, 404, 409),
)
def accept_many(
    slug: Slug,
    request: BulkAccept,
    principal: EditorUser,
    session: SessionDep,
    retries: IdempotencyKey,
) -> Response:
    """Accept these candidates as proposed: all of them, or none."""

    def decide() -> Response:
        decided = service.accept_many(
            session=session, slug=slug, numbers=request.numbers, principal=principal
        )
        return json_response(decided)

    return retries.once(session=session, owner=principal.user_id, answer=decide)


@router.post(
    "/{slug}/candidates/{number}/accept",
    response_model=Decision,
    status_code=201,
    responses=problem_responses(403, 404, 409),
)
def accept(
    slug: Slug,
    number: Number,
    principal: EditorUser,
    session: SessionDep,
    retries: IdempotencyKey,
    edits: CandidateEdits | None = None,
) -> Response:
    """The candidate becomes a commitment, with the reviewer's edits over the proposal."""

    def decide() -> Response:
        decision = service.accept(
            session=session,
            slug=slug,
            number=number,
            edits=edits or CandidateEdits(),
            principal=principal,
        )
        return json_response(
            decision,
            status_code=201,
            headers={"Location": f"/api/v1/commitments/{decision.commitment.ref}"},
        )

    return retries.once(session=session, owner=principal.user_id, answer=decide)


@router.post(
    "/{slug}/candidates/{number}/reject",
    response_model=CandidatePublic,
    responses=problem_responses(403, 404, 409),
)
def reject(
    slug: Slug,
    number: Number,
    request: CandidateReject,
    principal: EditorUser,
    session: SessionDep,
    retries: IdempotencyKey,
) -> Response:
    def decide() -> Response:
        rejected = service.reject(
            session=session, slug=slug, number=number, reason=request.reason, principal=principal
        )
        return json_response(rejected)

    return retries.once(session=session, owner=principal.user_id, answer=decide)


@router.post(
    "/{slug}/candidates/{number}/merge",
    response_model=Decision,
    responses=problem_responses(403, 404, 409),
)
def merge(
    slug: Slug,
    number: Number,
    request: CandidateMerge,
    principal: EditorUser,
    session: SessionDep,
    retries: IdempotencyKey,
) -> Response:
    """Record the candidate on a commitment it restates, as a progress note with its quote."""

    def decide() -> Response:
        merged = service.merge(
            session=session, slug=slug, number=number, ref=request.ref, principal=principal
        )
        return json_response(merged)

    return retries.once(session=session, owner=principal.user_id, answer=decide)
