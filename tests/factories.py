"""What a behaviour test acts on, made through the API as a desk officer would make it.

Each builder takes the client of whoever makes the thing (a TestClient, or an httpx.Client
against a served register), sends only the fields a test names beside working defaults,
and fails the test at once if the API refuses. Going through the API rather than the
services keeps the builders to the contract the tests check, whatever the code behind it."""

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx

from tests.ingest.statements import JOINT_STATEMENT

# A party by its code, or (party, organization) for one of its organizations.
PartyRef = str | tuple[str, str]

_names = itertools.count(1)


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _given(**fields: object) -> dict[str, object]:
    """The fields a caller named: the API's own defaults stand for the rest."""
    return {name: value for name, value in fields.items() if value is not None}


def _party_refs(refs: Sequence[PartyRef] | None) -> list[dict[str, str]] | None:
    if refs is None:
        return None
    return [
        {"party": ref} if isinstance(ref, str) else {"party": ref[0], "organization": ref[1]}
        for ref in refs
    ]


def make_commitment(
    api: httpx.Client,
    *,
    title: str = "A commitment made for this test",
    parties: Sequence[str] | None = None,
    obligors: Sequence[PartyRef] | None = None,
    counterparts: Sequence[PartyRef] | None = None,
    kind: str | None = None,
    status: str | None = None,
    due_date: date | str | None = None,
    due_rule: Mapping[str, object] | None = None,
    recurrence: Mapping[str, object] | None = None,
    areas: Sequence[str] | None = None,
    topics: Sequence[str] | None = None,
    brought_under_framework: bool | None = None,
    leads: Mapping[str, int] | None = None,
    supporting_contacts: Sequence[int] | None = None,
    releasable_to: Sequence[str] | None = None,
    description: str | None = None,
    quote: str | None = None,
    document: str | None = None,
    meeting: str | None = None,
) -> dict[str, Any]:
    """A commitment, as the API answered its creation; the U.S. owes it unless told.

    `leads` maps a party to the id of its contact who leads the commitment."""
    if parties is None and obligors is None:
        parties = ["US"]
    body = _given(
        title=title,
        parties=None if parties is None else list(parties),
        obligors=_party_refs(obligors),
        counterparts=_party_refs(counterparts),
        kind=kind,
        status=status,
        due_date=None if due_date is None else str(due_date),
        due_rule=None if due_rule is None else dict(due_rule),
        recurrence=None if recurrence is None else dict(recurrence),
        areas=None if areas is None else list(areas),
        topics=None if topics is None else list(topics),
        brought_under_framework=brought_under_framework,
        leads=None
        if leads is None
        else [{"party": party, "contact_id": contact} for party, contact in leads.items()],
        supporting_contacts=None if supporting_contacts is None else list(supporting_contacts),
        releasable_to=None if releasable_to is None else list(releasable_to),
        description=description,
        quote=quote,
        document=document,
        meeting=meeting,
    )
    return _created(api.post("/api/v1/commitments", json=body))


def make_contact(
    api: httpx.Client,
    *,
    name: str = "Jane Doe",
    party: str = "US",
    kind: str | None = None,
    organization: str | None = None,
    position: str | None = None,
    email: str | None = None,
    language: str | None = None,
) -> int:
    """A point of contact of `party` (an editor makes only their own party's): its id."""
    body = _given(
        name=name,
        party=party,
        kind=kind,
        organization=organization,
        position=position,
        email=email,
        language=language,
    )
    return int(_created(api.post("/api/v1/contacts", json=body))["id"])


def make_document(
    api: httpx.Client,
    *,
    text: str = JOINT_STATEMENT,
    title: str = "Joint statement",
    publisher: str = "Ministry",
    issued_on: date | str = "2026-11-01",
    parties: Sequence[str] | None = ("US", "ROK"),
    access: str | None = None,
    meeting: str | None = None,
    language: str | None = None,
    url: str | None = None,
) -> dict[str, Any]:
    """A statement taken in (by default one the U.S. and the ROK issued, with candidates of
    each to review): the API's answer, its `document` and its `candidates`.

    `parties=None` leaves the issuers to the API: the caller's own party."""
    body = _given(
        title=title,
        publisher=publisher,
        issued_on=str(issued_on),
        parties=None if parties is None else list(parties),
        access=access,
        meeting=meeting,
        language=language,
        url=url,
        text=text,
    )
    return _created(api.post("/api/v1/documents", json=body))


def make_meeting(
    api: httpx.Client,
    *,
    series: str = "SCM",
    number: int | None = None,
    key: str | None = None,
    title: str | None = None,
    held_on: date | str | None = None,
    place: str | None = None,
) -> dict[str, Any]:
    """A meeting an administrator adds, as the API answered its creation."""
    body = _given(
        series=series,
        number=number,
        key=key,
        title=title,
        held_on=None if held_on is None else str(held_on),
        place=place,
    )
    return _created(api.post("/api/v1/meetings", json=body))


@dataclass(frozen=True)
class MadeUser:
    id: int
    name: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """What authenticates a request as this user."""
        return {"Authorization": f"Bearer {self.token}"}


def make_user(
    admin: httpx.Client,
    role: str = "editor",
    party: str | None = "US",
    *,
    name: str | None = None,
    contact_id: int | None = None,
) -> MadeUser:
    """A user an administrator creates, with the token the API shows only once."""
    name = name or f"{role}-{party or 'any'}-{next(_names)}"
    body = _given(name=name, role=role, party=party, contact_id=contact_id)
    issued = _created(admin.post("/api/v1/users", json=body))
    return MadeUser(id=int(issued["user"]["id"]), name=name, token=str(issued["token"]))
