"""The board's forms and query strings, turned into the API's own requests (validated by the
same models), and back into a form to send again after a conflict."""

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)
from starlette.datastructures import QueryParams

from app.commitments import (
    AssessmentIn,
    CommitmentFilters,
    CommitmentPublic,
    CommitmentUpdate,
    filter_query_params,
)
from app.core.errors import UnprocessableError
from app.core.pagination import Cursor
from app.ingest import CandidateEdits
from app.progress import NoteCreate
from app.reference import PLACE_MAX_LENGTH, MeetingUpdate
from app.vocabulary import CommitmentKind, CommitmentSort, CommitmentStatus

PAGE_SIZES = (25, 50, 100, 200)
M = TypeVar("M", bound=BaseModel)


def _filled(values: dict[str, Any]) -> dict[str, Any]:
    """A browser sends an empty field as an empty string: it means "not given"."""
    return {name: value for name, value in values.items() if value not in ("", [], None)}


def _valid(model: type[M], values: dict[str, Any]) -> M:
    return _validated(model, _filled(values))


def describe_invalid(problems: Sequence[Mapping[str, Any]], *, skip: int = 0) -> str:
    """Each field at fault and what is wrong with it, for an officer to read; `skip` drops the
    leading parts of each location (FastAPI's "body", "query")."""
    return "; ".join(
        f"{'.'.join(str(part) for part in problem.get('loc', ())[skip:]) or 'form'}: "
        f"{problem.get('msg', 'invalid')}"
        for problem in problems
    )


def _validated(model: type[M], values: dict[str, Any]) -> M:
    """The API's model of the values, or a 422 naming each field at fault."""
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise UnprocessableError(describe_invalid(error.errors())) from None


class FormModel(BaseModel):
    # The form token travels in the same form, read apart (app.board.web.checked_form).
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        # Every field of every form: PostgreSQL cannot take a NUL, not even to compare.
        values = value if isinstance(value, list) else [value]
        if any(isinstance(each, str) and "\x00" in each for each in values):
            raise ValueError("text cannot hold a NUL character")
        # A browser sends a text area's line breaks as CRLF (HTML's form encoding); the
        # register keeps them as the API takes them, LF: text left alone stays unchanged.
        if isinstance(value, str):
            return value.replace("\r\n", "\n")
        return value


# A party code or a contact's id, as a form's select sends it.
Choice = Annotated[str, StringConstraints(max_length=40)]


@dataclass(frozen=True)
class RegisterQuery:
    """The register page's query string: the API's filters, a sort, a page."""

    filters: CommitmentFilters
    sort: CommitmentSort
    limit: int
    cursor: str | None

    def params(self) -> dict[str, Any]:
        params = filter_query_params(self.filters)
        if self.sort is not CommitmentSort.ref:
            params["sort"] = self.sort.value
        if self.limit != PAGE_SIZES[1]:
            params["limit"] = self.limit
        return params

    def url(self, base: str, *, cursor: str | None = None) -> str:
        params = self.params() | ({"cursor": cursor} if cursor else {})
        return f"{base}?{urlencode(params, doseq=True)}" if params else base


_LISTS = {"status", "kind"}
_PAGING = {"sort", "limit", "cursor"}


class _Paging(FormModel):
    sort: CommitmentSort = CommitmentSort.ref
    limit: int = Field(default=PAGE_SIZES[1], ge=1, le=PAGE_SIZES[-1])
    cursor: Cursor | None = None


def register_query(query: QueryParams) -> RegisterQuery:
    """The query string as filters; a name the register does not know is refused (a typo
    would otherwise show the whole register as if it had been filtered)."""
    known = set(CommitmentFilters.model_fields) | _PAGING
    unknown = sorted(set(query) - known)
    if unknown:
        raise UnprocessableError(f"Unknown filter(s): {', '.join(unknown)}.")
    # As the API refuses them: which of two values counts is no caller's guess to make.
    repeated = sorted(
        name for name in set(query) if name not in _LISTS and len(query.getlist(name)) > 1
    )
    if repeated:
        raise UnprocessableError(
            f"Filter(s) given more than once: {', '.join(repeated)}; each takes one value."
        )
    values = {
        name: query.getlist(name) if name in _LISTS else query.get(name) for name in set(query)
    }
    paging = _valid(_Paging, {name: values.pop(name) for name in _PAGING if name in values})
    filters = _valid(CommitmentFilters, values)
    return RegisterQuery(filters, paging.sort, paging.limit, paging.cursor)


@dataclass(frozen=True)
class Choices:
    statuses: list[str]
    kinds: list[str]
    page_sizes: tuple[int, ...]


REGISTER_CHOICES = Choices(
    statuses=[status.value for status in CommitmentStatus],
    kinds=[kind.value for kind in CommitmentKind],
    page_sizes=PAGE_SIZES,
)


class NoteForm(FormModel):
    text: str = Field(min_length=1, max_length=20_000)
    status: str = Field(default="", max_length=20)
    percent_complete: str = Field(default="", max_length=3)
    evidence_url: str = Field(default="", max_length=2000)
    as_of: str = Field(default="", max_length=10)
    version: int = Field(ge=1, le=2**31 - 1)


def note_of(form: NoteForm) -> NoteCreate:
    return _valid(NoteCreate, form.model_dump(exclude={"version"}))


class EditForm(FormModel):
    """What the officer changed: each field beside the value their page showed (was_*), so
    that only what they changed is sent, and a re-sent form after a conflict does not undo
    what the other person did."""

    title: str = Field(default="", max_length=300)
    was_title: str = Field(default="", max_length=300)
    due_date: str = Field(default="", max_length=10)
    was_due_date: str = Field(default="", max_length=10)
    lead_party: list[Choice] = Field(default_factory=list, max_length=20)
    lead_contact: list[Choice] = Field(default_factory=list, max_length=20)
    was_lead_contact: list[Choice] = Field(default_factory=list, max_length=20)
    version: int = Field(ge=1, le=2**31 - 1)

    def leads(self) -> dict[str, str]:
        return dict(zip(self.lead_party, self.lead_contact, strict=False))

    def shown_leads(self) -> dict[str, str]:
        return dict(zip(self.lead_party, self.was_lead_contact, strict=False))

    def moved_leads(self) -> dict[str, str]:
        """The parties whose lead the officer changed, each with the contact chosen ("" for
        none)."""
        shown = self.shown_leads()
        return {
            party: contact
            for party, contact in self.leads().items()
            if contact != shown.get(party, "")
        }


def update_of(form: EditForm) -> CommitmentUpdate:
    changed: dict[str, Any] = {}
    if form.title != form.was_title:
        changed["title"] = form.title
    if form.due_date != form.was_due_date:
        if not form.due_date:
            raise UnprocessableError("A due date can be moved, not removed, here.")
        changed["due_date"] = form.due_date
    moved = form.moved_leads()
    if moved:
        # The API replaces the leads as a whole: every other party keeps the lead shown.
        changed["leads"] = [
            {"party": party, "contact_id": contact}
            for party, contact in (form.shown_leads() | moved).items()
            if contact
        ]
    # Validated as given: every lead removed is an empty list, not "unchanged".
    return _validated(CommitmentUpdate, changed)


@dataclass(frozen=True)
class EditClashes:
    """The fields the officer changed that someone else changed meanwhile, to another value
    (leads: the parties whose lead both changed)."""

    title: bool = False
    due_date: bool = False
    leads: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return self.title or self.due_date or bool(self.leads)


def _clash(mine: str, shown: str, now: str) -> bool:
    return mine != shown and now not in (shown, mine)


def rebased_edit(form: EditForm, current: CommitmentPublic) -> tuple[EditForm, EditClashes]:
    """The officer's form against the commitment as it now is: what they changed is kept,
    every other field shows what it now holds, and the version is the current one; with the
    fields both they and someone else changed."""
    now_title = current.title.strip()
    now_due = current.due_date.isoformat() if current.due_date else ""
    now_leads = {lead.party: str(lead.contact.id) for lead in current.leads}
    parties = sorted(current.parties)
    moved = form.moved_leads()
    shown = form.shown_leads()
    clashes = EditClashes(
        title=_clash(form.title, form.was_title, now_title),
        due_date=_clash(form.due_date, form.was_due_date, now_due),
        leads=frozenset(
            party
            for party, contact in moved.items()
            # A party no longer of the commitment cannot take the lead they chose.
            if party not in parties
            or _clash(contact, shown.get(party, ""), now_leads.get(party, ""))
        ),
    )
    rebased = EditForm(
        title=form.title if form.title != form.was_title else now_title,
        was_title=now_title,
        due_date=form.due_date if form.due_date != form.was_due_date else now_due,
        was_due_date=now_due,
        lead_party=parties,
        lead_contact=[moved.get(party, now_leads.get(party, "")) for party in parties],
        was_lead_contact=[now_leads.get(party, "") for party in parties],
        version=current.version,
    )
    return rebased, clashes


@dataclass(frozen=True)
class Assessed:
    """An obligor's assessment as a form holds it."""

    compliance: str = ""
    completion: str = ""
    evidence: str = ""


class AssessmentForm(FormModel):
    """One obligor's assessment as the officer leaves or changes it; each field beside the
    value their page showed (was_*), so that after a conflict only what they changed is
    kept over the assessment as it then is."""

    compliance: str = Field(default="", max_length=2)
    was_compliance: str = Field(default="", max_length=2)
    completion: str = Field(default="", max_length=20)
    was_completion: str = Field(default="", max_length=20)
    evidence: str = Field(default="", max_length=20_000)
    was_evidence: str = Field(default="", max_length=20_000)
    version: int = Field(ge=1, le=2**31 - 1)

    def values(self) -> Assessed:
        return Assessed(self.compliance, self.completion, self.evidence)

    def shown(self) -> Assessed:
        return Assessed(self.was_compliance, self.was_completion, self.was_evidence)


def assessment_of(form: AssessmentForm) -> AssessmentIn:
    values: dict[str, Any] = asdict(form.values())
    if form.compliance in {"-1", "0", "1"}:
        # A form sends text; the scale is of numbers (anything else is refused as given).
        values["compliance"] = int(form.compliance)
    return _valid(AssessmentIn, values)


def _assessed_now(current: CommitmentPublic, party: str) -> Assessed:
    for now in current.assessments:
        if now.party == party:
            return Assessed(
                "" if now.compliance is None else str(now.compliance),
                now.completion.value if now.completion else "",
                (now.evidence or "").strip(),
            )
    return Assessed()


@dataclass(frozen=True)
class RebasedAssessment:
    """The officer's assessment against the commitment as it now is: what they changed is
    kept, every other field shows what it now holds; `reassessed` when someone changed
    this obligor's assessment since, `clashes` the fields both changed."""

    form: AssessmentForm
    reassessed: bool
    clashes: frozenset[str]


def rebased_assessment(
    form: AssessmentForm, current: CommitmentPublic, party: str
) -> RebasedAssessment:
    mine, shown, now = (
        asdict(assessed)
        for assessed in (form.values(), form.shown(), _assessed_now(current, party))
    )
    kept = {name: mine[name] if mine[name] != shown[name] else now[name] for name in now}
    rebased = AssessmentForm.model_validate(
        kept | {f"was_{name}": value for name, value in now.items()} | {"version": current.version}
    )
    clashes = frozenset(name for name in now if _clash(mine[name], shown[name], now[name]))
    return RebasedAssessment(rebased, now != shown, clashes)


class AcceptForm(FormModel):
    """A candidate's proposal as the reviewer leaves or edits it; each field beside what the
    page proposed (was_*), so that only the reviewer's edits are sent."""

    title: str = Field(default="", max_length=300)
    was_title: str = Field(default="", max_length=300)
    kind: str = Field(default="", max_length=24)
    was_kind: str = Field(default="", max_length=24)
    obligors: str = Field(default="", max_length=300)
    was_obligors: str = Field(default="", max_length=300)
    counterparts: str = Field(default="", max_length=300)
    was_counterparts: str = Field(default="", max_length=300)
    due_date: str = Field(default="", max_length=10)
    was_due_date: str = Field(default="", max_length=10)


def _parties(listed: str) -> list[dict[str, str]]:
    """ "US, ROK" as the API's party references."""
    return [{"party": code.strip()} for code in listed.split(",") if code.strip()]


def edits_of(form: AcceptForm) -> CandidateEdits:
    edits: dict[str, Any] = {}
    for name in ("title", "kind", "due_date"):
        if getattr(form, name) != getattr(form, f"was_{name}"):
            edits[name] = getattr(form, name)
    for name in ("obligors", "counterparts"):
        if getattr(form, name) != getattr(form, f"was_{name}"):
            edits[name] = _parties(getattr(form, name))
    # Validated as given: an emptied list of counterparts means none.
    return _validated(CandidateEdits, edits)


class MeetingForm(FormModel):
    held_on: str = Field(default="", max_length=10)
    place: str = Field(default="", max_length=PLACE_MAX_LENGTH)
    version: int = Field(ge=1, le=2**31 - 1)


@dataclass(frozen=True)
class Retry:
    """The officer's change refused for a conflict (made against `version`), ready to send
    again."""

    version: int
    note: NoteForm | None = None
    edit: EditForm | None = None
    assessment: AssessmentForm | None = None
    party: str | None = None
    clashes: EditClashes | None = None
    assessment_clashes: frozenset[str] = frozenset()


def meeting_update_of(form: MeetingForm) -> MeetingUpdate:
    return _valid(MeetingUpdate, form.model_dump(exclude={"version"}))
