from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.commitments import service
from app.commitments.enums import CommitmentSort, CommitmentStatus
from app.commitments.etags import etag_of, matches_if_none_match
from app.commitments.filters import CommitmentFilters, filter_query_params
from app.commitments.models import CommitmentPage, CommitmentPublic
from app.core.db import SessionDep
from app.core.openapi import problem_responses
from app.core.responses import json_response
from app.core.validation import Code, Ref, Slug

router = APIRouter(prefix="/api/v1/commitments", tags=["commitments"])


@router.get("", response_model=CommitmentPage, responses=problem_responses(400, 422))
def list_commitments(
    request: Request,
    session: SessionDep,
    status: Annotated[list[CommitmentStatus] | None, Query()] = None,
    area: Annotated[Slug | None, Query(description="Priority area slug")] = None,
    party: Annotated[Code | None, Query(description="Party code, e.g. US or ROK")] = None,
    document: Annotated[Slug | None, Query(description="Source document slug")] = None,
    meeting: Annotated[Code | None, Query(description="Meeting key, e.g. SCM-56")] = None,
    due_before: Annotated[date | None, Query(description="Due strictly before this date")] = None,
    due_after: Annotated[date | None, Query(description="Due strictly after this date")] = None,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="Text in the reference, title or quote"),
    ] = None,
    sort: CommitmentSort = CommitmentSort.ref,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    filters = CommitmentFilters(
        status=status or [],
        area=area,
        party=party,
        document=document,
        meeting=meeting,
        due_before=due_before,
        due_after=due_after,
        q=q,
    )
    page = service.list_commitments(
        session=session, filters=filters, sort=sort, limit=limit, cursor=cursor
    )
    headers = {}
    if page.next_cursor:
        params = filter_query_params(filters) | {
            "sort": sort.value,
            "limit": limit,
            "cursor": page.next_cursor,
        }
        next_url = request.url.replace_query_params(**params)
        headers["Link"] = f'<{next_url}>; rel="next"'
    return json_response(page, headers=headers)


@router.get(
    "/{ref}",
    response_model=CommitmentPublic,
    responses={304: {"description": "Not modified"}, **problem_responses(404)},
)
def get_commitment(ref: Ref, request: Request, session: SessionDep) -> Response:
    commitment = service.get_commitment_public(session=session, ref=ref)
    etag = etag_of(commitment.version)
    if matches_if_none_match(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"ETag": etag})
    return json_response(commitment, headers={"ETag": etag})
