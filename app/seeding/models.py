"""The shape of the seed files in ``seeds/``: validated before anything is written."""

from collections.abc import Iterable, Set
from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.commitments import PartyRefIn, released_by_default
from app.core.validation import Code, Ref, SingleLine, Slug
from app.deadlines import DueRule, Recurrence
from app.reference import DocumentKind, Standing
from app.vocabulary import CommitmentKind, CommitmentStatus

# What a statement can show about a commitment on its own date.
STATUSES_SHOWN_BY_A_STATEMENT = frozenset(
    {CommitmentStatus.not_started, CommitmentStatus.in_progress, CommitmentStatus.completed}
)

PartyRefSeed = Annotated[str, Field(pattern=r"^[A-Z0-9+-]{1,16}(/[A-Z0-9-]{1,32})?$")]


def party_ref(ref: str) -> PartyRefIn:
    party, _, organization = ref.partition("/")
    return PartyRefIn(party=party, organization=organization or None)


class SeedModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# Names a statement may use for a party or an organization, besides its own name: the
# gazetteer that proposes obligors and counterparts from a new statement's text.
Aliases = list[Annotated[str, Field(min_length=2, max_length=80)]]


class PartySeed(SeedModel):
    code: Code
    name: SingleLine
    standing: Standing
    aliases: Aliases = []


class OrganizationSeed(SeedModel):
    code: str = Field(max_length=32)
    party: Code
    name: SingleLine
    aliases: Aliases = []


class AreaSeed(SeedModel):
    slug: Slug
    name: SingleLine
    description: str | None = None
    # Words that suggest the tag for a new statement's sentence.
    keywords: Aliases = []


class FrameworkSeed(SeedModel):
    slug: Slug
    name: SingleLine
    version: int = 1
    adopted_on: date | None = None
    document: Slug | None = None
    areas: list[AreaSeed]


class MeetingSeriesSeed(SeedModel):
    code: Code
    name: SingleLine
    description: str | None = None


class MeetingSeed(SeedModel):
    key: Code
    series: Code
    number: int | None = None
    title: SingleLine | None = None
    held_on: date | None = None
    place: SingleLine | None = None


class ReferenceSeed(SeedModel):
    parties: list[PartySeed]
    organizations: list[OrganizationSeed]
    frameworks: list[FrameworkSeed]
    # Areas outside any framework (thematic tags are topics now).
    areas: list[AreaSeed] = []
    topics: list[AreaSeed] = []
    meeting_series: list[MeetingSeriesSeed]
    meetings: list[MeetingSeed]


class DocumentSeed(SeedModel):
    slug: Slug
    title: SingleLine
    publisher: SingleLine
    kind: DocumentKind
    issued_on: date
    language: str
    source_file: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    meeting: Code | None = None
    url: str | None = None
    summary: str | None = None
    # The parties whose statement it is: "both sides", "we" in it stand for them.
    parties: list[Code] = []


class EvidenceSeed(SeedModel):
    """The sentence of the statement that shows a commitment under way or done."""

    quote: str = Field(min_length=1, max_length=2000)
    paragraph: int = Field(ge=1)


class CommitmentSeed(SeedModel):
    ref: Ref
    title: SingleLine = Field(max_length=300)
    quote: str
    paragraph: int = Field(ge=1)
    before: str
    after: str
    kind: CommitmentKind | None = None
    # Obligors and counterparts: "ROK", or a party narrowed to an organization, "US/US-CONGRESS".
    # `parties` is the older shorthand for obligors without organizations.
    parties: list[Code] | None = None
    obligors: list[PartyRefSeed] | None = None
    counterparts: list[PartyRefSeed] = []
    # Parties it is released to besides its obligors: an explicit decision, like the API's.
    releasable_to: list[Code] = []
    areas: list[Slug] = []
    brought_under_framework: bool = False
    topics: list[Slug] = []
    status: CommitmentStatus = CommitmentStatus.not_started
    due_date: date | None = None
    completed_on: date | None = None
    due_rule: DueRule | None = None
    recurrence: Recurrence | None = None
    meeting: Code | None = None
    # Seeded status follows one rule: not started, unless the statement shows progress or
    # completion; then it names the sentence that shows it (a reaffirmation is in force).
    evidence: EvidenceSeed | None = None
    # A record the extraction guide does not count as a commitment: kept, archived, with why.
    archived_because: str | None = Field(default=None, min_length=1, max_length=300)

    @model_validator(mode="after")
    def _obligors_once(self) -> "CommitmentSeed":
        if (self.parties is None) == (self.obligors is None):
            raise ValueError("give obligors (or parties), once")
        return self

    @model_validator(mode="after")
    def _status_shown_by_the_statement(self) -> "CommitmentSeed":
        if self.status not in STATUSES_SHOWN_BY_A_STATEMENT:
            raise ValueError(f"a statement cannot show status {self.status.value}")
        if self.status == CommitmentStatus.completed and self.completed_on is None:
            raise ValueError("a completed commitment gives its completed_on")
        in_force = (
            self.kind == CommitmentKind.reaffirmation
            and self.status == CommitmentStatus.in_progress
        )
        if self.status != CommitmentStatus.not_started and self.evidence is None and not in_force:
            raise ValueError(
                f"status {self.status.value} needs the evidence sentence that shows it"
            )
        return self

    def obligor_refs(self) -> list[PartyRefIn]:
        if self.obligors is None:
            return [PartyRefIn(party=code) for code in self.parties or []]
        return [party_ref(ref) for ref in self.obligors]

    def obligor_parties(self) -> list[str]:
        return sorted(ref.party for ref in self.obligor_refs())

    def releasable_parties(self, *, members: Set[str], issuers: Iterable[str]) -> list[str]:
        """Whom the register releases it to by default, and those the seed adds."""
        by_default = released_by_default(
            obligors=self.obligor_parties(),
            counterparts=[ref.party for ref in self.counterpart_refs()],
            issuers=issuers,
            members=members,
        )
        return sorted(set(by_default) | set(self.releasable_to))

    def counterpart_refs(self) -> list[PartyRefIn]:
        return [party_ref(ref) for ref in self.counterparts]


class DocumentFileSeed(SeedModel):
    document: DocumentSeed
    commitments: list[CommitmentSeed]
