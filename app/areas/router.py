from fastapi import APIRouter
from fastapi.responses import Response
from sqlmodel import SQLModel

from app.areas import service
from app.areas.models import AreaPublic
from app.core.db import SessionDep
from app.core.openapi import problem_responses
from app.core.responses import json_response
from app.core.validation import Slug

router = APIRouter(prefix="/api/v1/areas", tags=["areas"])


class AreaList(SQLModel):
    items: list[AreaPublic]


@router.get("", response_model=AreaList)
def list_areas(session: SessionDep) -> Response:
    return json_response(AreaList(items=service.list_areas(session=session)))


@router.get("/{slug}", response_model=AreaPublic, responses=problem_responses(404))
def get_area(slug: Slug, session: SessionDep) -> Response:
    return json_response(service.get_area(session=session, slug=slug))
