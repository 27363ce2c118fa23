from fastapi import APIRouter
from fastapi.responses import Response

from app.core.openapi import problem_responses
from app.core.responses import json_response
from app.core.sessions import SessionDep
from app.reminders.service import ReminderPreferences, preferences_of, set_preferences
from app.users import CurrentUser

router = APIRouter(
    prefix="/api/v1/me",
    tags=["reminders"],
    responses=problem_responses(400, 401, 409, 422, 429),
)


@router.get("/reminders", response_model=ReminderPreferences)
def my_reminders(principal: CurrentUser, session: SessionDep) -> Response:
    """The kinds of reminder you (as the point of contact you are) opted out of."""
    return json_response(preferences_of(session=session, user_id=principal.user_id))


@router.put("/reminders", response_model=ReminderPreferences)
def set_my_reminders(
    preferences: ReminderPreferences, principal: CurrentUser, session: SessionDep
) -> Response:
    """Opt out of kinds of reminder: due, overdue, stale, digest (an empty list: all)."""
    changed = set_preferences(session=session, user_id=principal.user_id, preferences=preferences)
    return json_response(changed)
