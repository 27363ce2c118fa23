"""The board's pages: thin routes over the services the API calls."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

import app.commitments as commitments
from app.board import forms, pages, service
from app.board.web import (
    COOKIE,
    PATH,
    SIGN_IN_COOKIE,
    FormOfficer,
    FormTokenRefusedError,
    Officer,
    PageRoute,
    redirect,
    render,
)
from app.core.errors import PreconditionFailedError
from app.core.etags import IfMatch, etag_of
from app.core.formats import Format, table_response
from app.core.sessions import SessionDep
from app.core.time import today
from app.core.validation import MAX_ID, Code, Id, LongText, NulFree, PartyCode, Ref, Slug
from app.documents import service as documents
from app.ingest import service as ingest
from app.meetings import service as meetings
from app.reports import summary
from app.users import TokenScope, authenticate_request
from app.vocabulary import CommitmentSort

router = APIRouter(prefix=PATH, route_class=PageRoute, include_in_schema=False)


Number = Annotated[int, Path(ge=1, le=MAX_ID, description="The candidate's number")]


@router.get("")
def board_home() -> Response:
    return redirect(f"{PATH}/work")


# Signing in and out


def _safe_next(next_url: str | None) -> str:
    """Only a page of the board itself: never another site (an open redirect)."""
    if next_url and next_url.startswith(f"{PATH}/"):
        return next_url
    return f"{PATH}/work"


@router.get("/sign-in")
def sign_in_page(
    request: Request, next: Annotated[NulFree | None, Query(max_length=2000)] = None
) -> Response:
    ticket = request.cookies.get(SIGN_IN_COOKIE) or service.new_sign_in_ticket()
    response = render(request, "sign_in.html", {"next": _safe_next(next), "ticket": ticket})
    _set_cookie(request, response, SIGN_IN_COOKIE, ticket, max_age=3600)
    return response


@router.post("/sign-in")
def sign_in(
    request: Request,
    session: SessionDep,
    token: Annotated[NulFree, Form(max_length=200)],
    ticket: Annotated[NulFree, Form(max_length=100)] = "",
    next: Annotated[NulFree, Form(max_length=2000)] = "",
) -> Response:
    # The sign-in form carries the ticket its own cookie holds: a page of another site
    # cannot sign a browser in to an account of its choosing.
    if not service.ticket_matches(request.cookies.get(SIGN_IN_COOKIE, ""), ticket):
        raise FormTokenRefusedError()
    principal = authenticate_request(request, session, token.strip(), TokenScope.api)
    hours = request.app.state.settings.board_session_hours
    signed = service.sign_in(session=session, principal=principal, hours=hours)
    response = redirect(_safe_next(next))
    _set_cookie(request, response, COOKIE, signed.session_id, max_age=signed.max_age_seconds)
    response.delete_cookie(SIGN_IN_COOKIE, path=PATH)
    return response


def _set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


@router.post("/sign-out")
def sign_out(request: Request, session: SessionDep, officer: FormOfficer) -> Response:
    service.sign_out(session=session, session_id=request.cookies.get(COOKIE, ""))
    response = redirect(f"{PATH}/sign-in")
    response.delete_cookie(COOKIE, path=PATH)
    return response


# The daily work


@router.get("/work")
def my_work(request: Request, session: SessionDep, officer: Officer) -> HTMLResponse:
    work = pages.my_work(session=session, principal=officer, on=today())
    return render(request, "work.html", {"work": work, "stale_days": pages.STALE_DAYS})


@router.get("/register")
def register(request: Request, session: SessionDep, officer: Officer) -> HTMLResponse:
    wanted = forms.register_query(request.query_params)
    page = commitments.list_commitments(
        session=session,
        filters=wanted.filters,
        principal=officer,
        sort=wanted.sort,
        limit=wanted.limit,
        cursor=wanted.cursor,
        with_total=True,
    )
    context = {
        "wanted": wanted,
        "page": page.model(),
        "next_url": wanted.url(f"{PATH}/register", cursor=page.next_cursor),
        "csv_url": wanted.url(f"{PATH}/register.csv"),
        "markdown_url": wanted.url(f"{PATH}/register.md"),
        "sorts": [sort.value for sort in CommitmentSort],
        "form": forms.REGISTER_CHOICES,
    }
    if request.headers.get("HX-Request") == "true":
        return render(request, "_register_results.html", context)
    return render(request, "register.html", context)


def _download(request: Request, officer: Officer, output: Format) -> Response:
    wanted = forms.register_query(request.query_params)
    rows = commitments.export_rows(
        database=request.app.state.database,
        filters=wanted.filters,
        principal=officer,
        sort=wanted.sort,
    )
    return table_response(
        output=output,
        headers=commitments.EXPORT_COLUMNS,
        rows=rows,
        filename="commitments",
        title="Commitments",
    )


@router.get("/register.csv")
def register_csv(request: Request, officer: Officer) -> Response:
    return _download(request, officer, Format.csv)


@router.get("/register.md")
def register_markdown(request: Request, officer: Officer) -> Response:
    return _download(request, officer, Format.markdown)


# One commitment


@router.get("/commitments/{ref}")
def commitment(request: Request, ref: Ref, session: SessionDep, officer: Officer) -> HTMLResponse:
    page = pages.commitment_page(session=session, ref=ref, principal=officer)
    return render(request, "commitment.html", {"page": page, "retry": None})


def _tried(session: SessionDep, change: Callable[[], object]) -> bool:
    """Whether a change made against the version the officer's page showed went through; if
    someone changed the commitment since, nothing of it stays (its savepoint is rolled
    back)."""
    try:
        with session.begin_nested():
            change()
    except PreconditionFailedError:
        return False
    return True


def _conflict(request: Request, page: pages.CommitmentPage, retry: forms.Retry) -> HTMLResponse:
    return render(request, "commitment.html", {"page": page, "retry": retry}, status_code=409)


def _since(session: SessionDep, ref: str, officer: Officer, version: int) -> pages.CommitmentPage:
    return pages.commitment_page(session=session, ref=ref, principal=officer, seen_version=version)


def _changed(
    request: Request,
    session: SessionDep,
    ref: str,
    officer: Officer,
    retry: forms.Retry,
    change: Callable[[], object],
    done: str,
) -> Response:
    """Make a change against the version the officer's page showed; if someone changed the
    commitment since, the page shows what they changed, with the officer's change ready to
    send again."""
    if _tried(session, change):
        return redirect(done)
    return _conflict(request, _since(session, ref, officer, retry.version), retry)


@router.post("/commitments/{ref}/notes")
def add_note(
    request: Request,
    ref: Ref,
    session: SessionDep,
    officer: FormOfficer,
    note: Annotated[forms.NoteForm, Form()],
) -> Response:
    wanted = forms.note_of(note)
    # Only a change of status depends on the version the officer saw.
    if_match = IfMatch(etag_of(note.version) if wanted.status is not None else None)
    return _changed(
        request,
        session,
        ref,
        officer,
        forms.Retry(note.version, note=note),
        lambda: commitments.add_progress_note(
            session=session, ref=ref, request=wanted, principal=officer, if_match=if_match
        ),
        f"{PATH}/commitments/{ref}#notes",
    )


def _saved(session: SessionDep, ref: str, officer: Officer, form: forms.EditForm) -> bool:
    """The fields the officer changed, written against the form's version (True when they
    changed none)."""
    update = forms.update_of(form)
    return not update.model_fields_set or _tried(
        session,
        lambda: commitments.update_commitment(
            session=session,
            ref=ref,
            request=update,
            principal=officer,
            if_match=IfMatch(etag_of(form.version)),
        ),
    )


@router.post("/commitments/{ref}/edit")
def edit(
    request: Request,
    ref: Ref,
    session: SessionDep,
    officer: FormOfficer,
    change: Annotated[forms.EditForm, Form()],
) -> Response:
    """Only the fields the officer changed are written. If someone changed the commitment
    since their page was shown, but none of those fields, the officer's fields go on top of
    that change; otherwise the page shows both: the officer's edits kept, every other field
    as it now is, against the current version."""
    done = redirect(f"{PATH}/commitments/{ref}")
    if _saved(session, ref, officer, change):
        return done
    page = _since(session, ref, officer, change.version)
    form, clashes = forms.rebased_edit(change, page.commitment)
    if not clashes:
        if _saved(session, ref, officer, form):
            return done
        # Changed once more in between: shown, rather than chased.
        page = _since(session, ref, officer, change.version)
        form, clashes = forms.rebased_edit(form, page.commitment)
    return _conflict(request, page, forms.Retry(change.version, edit=form, clashes=clashes))


def _assessed(
    session: SessionDep, ref: str, party: str, officer: Officer, form: forms.AssessmentForm
) -> bool:
    wanted = forms.assessment_of(form)
    return _tried(
        session,
        lambda: commitments.assess_obligor(
            session=session,
            ref=ref,
            party=party,
            request=wanted,
            principal=officer,
            if_match=IfMatch(etag_of(form.version)),
        ),
    )


@router.post("/commitments/{ref}/assessments/{party}")
def assess(
    request: Request,
    ref: Ref,
    party: PartyCode,
    session: SessionDep,
    officer: FormOfficer,
    assessment: Annotated[forms.AssessmentForm, Form()],
) -> Response:
    """The officer's assessment of one obligor. If someone changed the commitment since
    their page was shown, but not this assessment, theirs goes on top of that change;
    otherwise the page shows the assessment as it now is, with the officer's changes to it
    kept and marked where both changed a field."""
    done = redirect(f"{PATH}/commitments/{ref}#assessments")
    if _assessed(session, ref, party, officer, assessment):
        return done
    page = _since(session, ref, officer, assessment.version)
    rebased = forms.rebased_assessment(assessment, page.commitment, party)
    if not rebased.reassessed:
        if _assessed(session, ref, party, officer, rebased.form):
            return done
        page = _since(session, ref, officer, assessment.version)
        rebased = forms.rebased_assessment(rebased.form, page.commitment, party)
    retry = forms.Retry(
        assessment.version,
        assessment=rebased.form,
        party=party,
        assessment_clashes=rebased.clashes,
    )
    return _conflict(request, page, retry)


# Reports


@router.get("/overdue")
def overdue(request: Request, session: SessionDep, officer: Officer) -> HTMLResponse:
    page = pages.overdue_page(
        session=session,
        principal=officer,
        on=today(),
        # The items' links are the API's, as in the report's downloads.
        link_base=request.app.state.settings.public_url,
    )
    return render(request, "overdue.html", {"report": page})


@router.get("/cycle")
def cycle(
    request: Request, session: SessionDep, officer: Officer, meeting: Code | None = None
) -> HTMLResponse:
    listed = meetings.list_meetings(session=session)
    report = None
    if meeting:
        report = summary.cycle_report(
            session=session, principal=officer, meeting_key=meeting, on=today(), past=False
        )
    dated = [m for m in listed if m.held_on is not None]
    return render(request, "cycle.html", {"meetings": dated, "chosen": meeting, "report": report})


# Statements and their review


@router.get("/documents")
def document_list(request: Request, session: SessionDep, officer: Officer) -> HTMLResponse:
    listed = documents.list_documents(session=session, principal=officer)
    return render(request, "documents.html", {"documents": listed})


@router.get("/documents/{slug}/review")
def review(request: Request, slug: Slug, session: SessionDep, officer: Officer) -> HTMLResponse:
    page = pages.review_page(session=session, slug=slug, principal=officer)
    kinds = forms.REGISTER_CHOICES.kinds
    return render(request, "review.html", {"review": page, "kinds": kinds})


def _reviewed(slug: str, number: int | None = None) -> Response:
    anchor = f"#candidate-{number}" if number is not None else ""
    return redirect(f"{PATH}/documents/{slug}/review{anchor}")


@router.post("/documents/{slug}/candidates/{number}/accept")
def accept(
    slug: Slug,
    number: Number,
    session: SessionDep,
    officer: FormOfficer,
    proposal: Annotated[forms.AcceptForm, Form()],
) -> Response:
    edits = forms.edits_of(proposal)
    ingest.accept(session=session, slug=slug, number=number, edits=edits, principal=officer)
    return _reviewed(slug, number)


@router.post("/documents/{slug}/candidates/{number}/reject")
def reject(
    slug: Slug,
    number: Number,
    session: SessionDep,
    officer: FormOfficer,
    reason: Annotated[LongText, Form(min_length=1, max_length=500)],
) -> Response:
    ingest.reject(session=session, slug=slug, number=number, reason=reason, principal=officer)
    return _reviewed(slug, number)


@router.post("/documents/{slug}/candidates/{number}/merge")
def merge(
    slug: Slug,
    number: Number,
    session: SessionDep,
    officer: FormOfficer,
    ref: Annotated[Ref, Form()],
) -> Response:
    ingest.merge(session=session, slug=slug, number=number, ref=ref, principal=officer)
    return _reviewed(slug, number)


@router.post("/documents/{slug}/candidates/accept")
def accept_selected(
    slug: Slug,
    session: SessionDep,
    officer: FormOfficer,
    numbers: Annotated[list[Id], Form(max_length=500)],
) -> Response:
    ingest.accept_many(session=session, slug=slug, numbers=numbers, principal=officer)
    return _reviewed(slug)


# Areas and meetings


@router.get("/areas")
def area_list(request: Request, session: SessionDep, officer: Officer) -> HTMLResponse:
    listed = pages.areas_page(session=session, principal=officer)
    return render(request, "areas.html", {"areas": listed})


@router.get("/meetings")
def meeting_list(request: Request, session: SessionDep, officer: Officer) -> HTMLResponse:
    listed = meetings.list_meetings(session=session)
    return render(request, "meetings.html", {"meetings": listed, "admin": officer.is_admin})


@router.post("/meetings/{key}")
def schedule_meeting(
    key: Code,
    session: SessionDep,
    officer: FormOfficer,
    schedule: Annotated[forms.MeetingForm, Form()],
) -> Response:
    meetings.update_meeting(
        session=session,
        key=key,
        request=forms.meeting_update_of(schedule),
        principal=officer,
        if_match=IfMatch(etag_of(schedule.version)),
    )
    return redirect(f"{PATH}/meetings")
