from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response

from app.commitments import past, service
from app.commitments.export import EXPORT_COLUMNS
from app.commitments.filters import CommitmentFilters
from app.commitments.models import (
    AssessmentIn,
    CommitmentCreate,
    CommitmentPage,
    CommitmentPublic,
    CommitmentUpdate,
)
from app.commitments.reads import (
    PAGE_LIMIT_MAX,
    PageOptions,
    render_one,
    render_page,
)
from app.commitments.visibility import audience_of
from app.core.cache import Rendered, cached
from app.core.conditional import (
    IfMatchHeader,
    IfNoneMatchHeader,
    versioned_response,
)
from app.core.etags import IfMatch, etag_of
from app.core.formats import Format, negotiate, table_response, varies_by_accept
from app.core.idempotency import IdempotencyKey
from app.core.openapi import CONDITIONAL_IF_MATCH, problem_responses
from app.core.pagination import Cursor
from app.core.responses import json_response
from app.core.sessions import SessionDep
from app.core.validation import Day, PartyCode, Ref
from app.history import HistoryPage
from app.progress import NoteCreate, NoteList, NotePublic
from app.users import AdminUser, CurrentUser, EditorUser
from app.vocabulary import CommitmentSort

router = APIRouter(
    prefix="/api/v1/commitments",
    tags=["commitments"],
    responses=problem_responses(400, 401, 422, 429),
)
RefPath = Annotated[Ref, "commitment reference"]


@router.get(
    "",
    response_model=CommitmentPage,
    responses={
        200: {"content": {"text/csv": {}, "text/markdown": {}}},
        **problem_responses(400, 406),
    },
)
def list_commitments(
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
    filters: Annotated[CommitmentFilters, Query()],
    sort: CommitmentSort = CommitmentSort.ref,
    limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT_MAX)] = 50,
    cursor: Annotated[Cursor | None, Query()] = None,
    total: Annotated[
        bool,
        Query(description="Also count every match (costs a scan of the matches on big registers)"),
    ] = False,
    output: Annotated[
        Format | None,
        Query(alias="format", description="csv or markdown: the whole filtered register"),
    ] = None,
    bom: Annotated[bool, Query(description="Start CSV with a byte order mark")] = False,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
    if_none_match: IfNoneMatchHeader = None,
) -> Response:
    """A page of commitments; as CSV or Markdown, every matching one (streamed). A page has a
    strong ETag: If-None-Match answers 304 while the page is unchanged."""
    chosen = negotiate(accept, output)
    if chosen is not Format.json:
        rows = service.export_rows(
            database=request.app.state.database, filters=filters, principal=principal, sort=sort
        )
        return varies_by_accept(
            table_response(
                output=chosen,
                headers=EXPORT_COLUMNS,
                rows=rows,
                filename="commitments",
                title="Commitments",
                bom=bom,
            )
        )

    options = PageOptions(sort=sort, limit=limit, cursor=cursor, total=total)

    def render() -> Rendered:
        return render_page(
            session=session,
            path=request.scope["path"],
            filters=filters,
            options=options,
            principal=principal,
        )

    rendered = cached(request, audience_of(principal), render)
    return rendered.response(if_none_match=if_none_match)


@router.post(
    "", response_model=CommitmentPublic, status_code=201, responses=problem_responses(403, 409)
)
def create_commitment(
    request: CommitmentCreate, principal: EditorUser, session: SessionDep, retries: IdempotencyKey
) -> Response:
    """Add a commitment; the server assigns its reference. Sent again with the same
    Idempotency-Key, it is added once."""

    def create() -> Response:
        public = service.create_commitment(
            session=session, request=request, principal=principal, actor=principal.actor()
        )
        response = versioned_response(public, status_code=201)
        response.headers["Location"] = f"/api/v1/commitments/{public.ref}"
        return response

    return retries.once(session=session, owner=principal.user_id, answer=create)


@router.get(
    "/{ref}",
    response_model=CommitmentPublic,
    responses={304: {"description": "Not modified"}, **problem_responses(404)},
)
def get_commitment(
    request: Request,
    ref: Ref,
    principal: CurrentUser,
    session: SessionDep,
    if_none_match: IfNoneMatchHeader = None,
    as_of: Annotated[
        Day | None,
        Query(description="The commitment as it stood at the end of this day, from its history"),
    ] = None,
) -> Response:
    if as_of is not None:
        then = past.get_commitment_as_of(session=session, ref=ref, principal=principal, on=as_of)
        return json_response(then)

    def render() -> Rendered:
        return render_one(connection=session.connection(), ref=ref, principal=principal)

    rendered = cached(request, audience_of(principal), render)
    return rendered.response(if_none_match=if_none_match)


@router.patch(
    "/{ref}",
    response_model=CommitmentPublic,
    responses=problem_responses(403, 404, 409, 412, 428),
)
def update_commitment(
    ref: Ref,
    request: CommitmentUpdate,
    principal: EditorUser,
    session: SessionDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Change a commitment. Needs If-Match with its current ETag."""
    public = service.update_commitment(
        session=session, ref=ref, request=request, principal=principal, if_match=IfMatch(if_match)
    )
    return versioned_response(public)


@router.delete(
    "/{ref}", response_model=CommitmentPublic, responses=problem_responses(403, 404, 412, 428)
)
def archive_commitment(
    ref: Ref, principal: AdminUser, session: SessionDep, if_match: IfMatchHeader = None
) -> Response:
    """Archive a commitment (nothing is ever deleted; see restore)."""
    public = service.set_archived(
        session=session, ref=ref, archived=True, principal=principal, if_match=IfMatch(if_match)
    )
    return versioned_response(public)


@router.post(
    "/{ref}/restore", response_model=CommitmentPublic, responses=problem_responses(403, 404, 412)
)
def restore_commitment(
    ref: Ref, principal: AdminUser, session: SessionDep, if_match: IfMatchHeader = None
) -> Response:
    public = service.set_archived(
        session=session, ref=ref, archived=False, principal=principal, if_match=IfMatch(if_match)
    )
    return versioned_response(public)


@router.get("/{ref}/updates", response_model=NoteList, responses=problem_responses(404))
def list_progress_notes(ref: Ref, principal: CurrentUser, session: SessionDep) -> Response:
    notes = service.list_notes(session=session, ref=ref, principal=principal)
    return json_response(NoteList(ref=ref, items=notes))


@router.post(
    "/{ref}/updates",
    response_model=NotePublic,
    status_code=201,
    responses=problem_responses(403, 404, 409, 412, 428),
    openapi_extra={CONDITIONAL_IF_MATCH: "the note changes a status"},
)
def add_progress_note(
    ref: Ref,
    request: NoteCreate,
    principal: EditorUser,
    session: SessionDep,
    retries: IdempotencyKey,
    if_match: IfMatchHeader = None,
) -> Response:
    """Append a progress note. A note that changes the status needs If-Match. Sent again with
    the same Idempotency-Key, it is appended once."""

    def add() -> Response:
        note, public = service.add_progress_note(
            session=session,
            ref=ref,
            request=request,
            principal=principal,
            if_match=IfMatch(if_match),
        )
        return json_response(note, status_code=201, headers={"ETag": etag_of(public.version)})

    return retries.once(session=session, owner=principal.user_id, answer=add)


@router.get("/{ref}/history", response_model=HistoryPage, responses=problem_responses(404))
def get_history(ref: Ref, principal: CurrentUser, session: SessionDep) -> Response:
    """Every change, field by field: old and new value, who, when, through which channel."""
    entries = service.list_history(session=session, ref=ref, principal=principal)
    return json_response(HistoryPage(ref=ref, items=entries))


@router.put(
    "/{ref}/assessments/{party}",
    response_model=CommitmentPublic,
    responses=problem_responses(403, 404, 412, 428),
)
def assess_obligor(
    ref: Ref,
    party: PartyCode,
    request: AssessmentIn,
    principal: EditorUser,
    session: SessionDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Assess one obligor's delivery (compliance -1/0/+1, completion level, evidence), apart
    from the workflow status: a bilateral commitment can show one side done and the other not.
    Needs If-Match."""
    public = service.assess_obligor(
        session=session,
        ref=ref,
        party=party,
        request=request,
        principal=principal,
        if_match=IfMatch(if_match),
    )
    return versioned_response(public)
