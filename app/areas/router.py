from fastapi import APIRouter
from fastapi.responses import Response
from sqlmodel import SQLModel

from app.areas import service
from app.core.openapi import problem_responses
from app.core.responses import json_response
from app.core.sessions import SessionDep
from app.core.validation import Slug
from app.reference import AreaDetail, AreaLeadsUpdate, AreaPublic, TopicPublic
from app.users import AdminUser, CurrentUser

router = APIRouter(
    prefix="/api/v1/areas", tags=["areas"], responses=problem_responses(400, 401, 422, 429)
)


class AreaList(SQLModel):
    items: list[AreaPublic]


@router.get("", response_model=AreaList)
def list_areas(principal: CurrentUser, session: SessionDep) -> Response:
    return json_response(AreaList(items=service.list_areas(session=session, principal=principal)))


@router.get("/{slug}", response_model=AreaDetail, responses=problem_responses(404))
def get_area(slug: Slug, principal: CurrentUser, session: SessionDep) -> Response:
    """The area as a whole: leads, progress by status, overdue, due soon, next due dates."""
    return json_response(service.get_area(session=session, slug=slug, principal=principal))


@router.put("/{slug}/leads", response_model=AreaDetail, responses=problem_responses(403, 404))
def set_area_leads(
    slug: Slug, request: AreaLeadsUpdate, principal: AdminUser, session: SessionDep
) -> Response:
    """Name the area's lead point of contact for each party (replaces the current ones)."""
    detail = service.set_leads(session=session, slug=slug, leads=request.leads, principal=principal)
    return json_response(detail)


topics_router = APIRouter(
    prefix="/api/v1/topics", tags=["areas"], responses=problem_responses(400, 401, 422, 429)
)


class TopicList(SQLModel):
    items: list[TopicPublic]


@topics_router.get("", response_model=TopicList)
def list_topics(principal: CurrentUser, session: SessionDep) -> Response:
    """Thematic topics (a tag family apart from the frameworks' priority areas), with how many
    commitments you may see carry each."""
    return json_response(TopicList(items=service.list_topics(session=session, principal=principal)))
