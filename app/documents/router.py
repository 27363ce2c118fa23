from fastapi import APIRouter
from fastapi.responses import Response

from app.core.openapi import problem_responses
from app.core.responses import json_response
from app.core.sessions import SessionDep
from app.core.validation import Slug
from app.documents import service
from app.documents.schemas import DocumentDetail
from app.reference import DocumentList
from app.users import CurrentUser

router = APIRouter(
    prefix="/api/v1/documents", tags=["documents"], responses=problem_responses(400, 401, 422, 429)
)


@router.get("", response_model=DocumentList)
def list_documents(principal: CurrentUser, session: SessionDep) -> Response:
    """The statements the caller may read: every published one, and those its party took in
    for review."""
    documents = service.list_documents(session=session, principal=principal)
    return json_response(DocumentList(items=documents))


@router.get("/{slug}", response_model=DocumentDetail, responses=problem_responses(404))
def get_document(slug: Slug, principal: CurrentUser, session: SessionDep) -> Response:
    return json_response(service.get_document(session=session, slug=slug, principal=principal))
