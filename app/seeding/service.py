"""Loads the seed files into the register.

Idempotent: rows are found by their natural keys (codes, slugs, keys, refs) and inserted only
when missing, in file order, so ids are the same on every fresh database. What users may
change (status, due dates, owners, meeting dates) is never overwritten; only a commitment's
source (quote and locator), which no one edits, follows the seed files.
"""

import tomllib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlmodel import Session, select

from app.commitments import (
    CheckedCommitment,
    Commitment,
    CommitmentCreate,
    Locator,
    Source,
    apply_changes,
    check_new,
    current_state,
    derive_deadline,
    insert_new,
)
from app.core.errors import ProblemError
from app.core.metadata import SQLModel, id_of
from app.core.progress import SILENT, Progress
from app.core.security import Actor, Channel
from app.core.time import utcnow
from app.history import Change, FieldChange, unchanged_since
from app.progress import NoteCreate
from app.progress import service as progress_notes
from app.reference import (
    DocumentParty,
    Framework,
    Meeting,
    MeetingSeries,
    Organization,
    Party,
    PriorityArea,
    SourceDocument,
    Standing,
    Topic,
)
from app.seeding.models import CommitmentSeed, DocumentFileSeed, EvidenceSeed, ReferenceSeed

REFERENCE_FILE = "reference.toml"
DOCUMENTS_DIR = "documents"

Row = TypeVar("Row", bound=SQLModel)
SEED_ACTOR = Actor(name="seed", channel=Channel.seed)
SEEDS_CORRECTED = "the seed files were corrected"


class SeedError(Exception):
    """A seed file is missing, malformed or inconsistent."""


@dataclass
class SeedReport:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def summary(self) -> str:
        if not self.changed:
            return "Seeds already loaded: nothing changed."
        parts = [f"{n} {kind} created" for kind, n in sorted(self.created.items())]
        parts += [f"{n} {kind} updated" for kind, n in sorted(self.updated.items())]
        return "Seeded: " + ", ".join(parts) + "."


@dataclass(frozen=True)
class SeedFiles:
    reference: ReferenceSeed
    documents: list[DocumentFileSeed]


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise SeedError(f"seed file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SeedError(f"{path}: not valid TOML: {exc}") from exc


def _first_error(path: Path, exc: ValidationError, data: dict[str, Any]) -> SeedError:
    """The first error, located; in a commitment, named by its ref as well."""
    error = exc.errors()[0]
    location = ".".join(str(part) for part in error["loc"])
    match error["loc"]:
        case ("commitments", int(index), *_) if isinstance(data.get("commitments"), list):
            entry = data["commitments"][index]
            if isinstance(entry, dict) and isinstance(entry.get("ref"), str):
                location += f" ({entry['ref']})"
    return SeedError(f"{path}: {location}: {error['msg']}")


def read_seed_files(seeds_dir: Path) -> SeedFiles:
    reference_path = seeds_dir / REFERENCE_FILE
    data = _read(reference_path)
    try:
        reference = ReferenceSeed.model_validate(data)
    except ValidationError as exc:
        raise _first_error(reference_path, exc, data) from exc
    documents = []
    for path in sorted((seeds_dir / DOCUMENTS_DIR).glob("*.toml")):
        data = _read(path)
        try:
            documents.append(DocumentFileSeed.model_validate(data))
        except ValidationError as exc:
            raise _first_error(path, exc, data) from exc
    documents.sort(key=lambda d: (d.document.issued_on, d.document.slug))
    return SeedFiles(reference=reference, documents=documents)


class _Loader:
    def __init__(self, session: Session, progress: Progress) -> None:
        self.session = session
        self.progress = progress
        self.report = SeedReport()
        self.documents: dict[int | None, SourceDocument] = {}
        # Member parties' codes, and each statement's issuing parties' codes, by document id.
        self.members: frozenset[str] = frozenset()
        self.issued_by: dict[int | None, list[str]] = {}

    def existing_rows(self, model: type[Row]) -> list[Row]:
        return list(self.session.execute(select(model)).scalars())

    def existing(self, model: type[Row], key: str) -> dict[Any, Row]:
        return {getattr(row, key): row for row in self.existing_rows(model)}

    def add(self, kind: str, row: SQLModel) -> None:
        self.session.add(row)
        self.report.created[kind] += 1

    def lookup(self, table: dict[str, Row], key: str, what: str, where: str) -> Row:
        try:
            return table[key]
        except KeyError:
            raise SeedError(f"{where}: unknown {what} {key!r}") from None

    def load(self, files: SeedFiles) -> SeedReport:
        reference = files.reference
        parties = self.existing(Party, "code")
        for party_seed in reference.parties:
            if party_seed.code not in parties:
                parties[party_seed.code] = Party(
                    code=party_seed.code, name=party_seed.name, standing=party_seed.standing.value
                )
                self.add("parties", parties[party_seed.code])
        self.session.flush()
        self.members = frozenset(
            code for code, party in parties.items() if party.standing == Standing.member.value
        )

        organizations = self.existing(Organization, "code")
        for organization in reference.organizations:
            if organization.code not in organizations:
                owner = self.lookup(parties, organization.party, "party", organization.code)
                organizations[organization.code] = Organization(
                    code=organization.code, name=organization.name, party_id=id_of(owner)
                )
                self.add("organizations", organizations[organization.code])

        series = self.existing(MeetingSeries, "code")
        for item in reference.meeting_series:
            if item.code not in series:
                series[item.code] = MeetingSeries(**item.model_dump())
                self.add("meeting series", series[item.code])
        self.session.flush()

        meetings = self.existing(Meeting, "key")
        for meeting in reference.meetings:
            if meeting.key not in meetings:
                parent = self.lookup(series, meeting.series, "meeting series", meeting.key)
                meetings[meeting.key] = Meeting(
                    **meeting.model_dump(exclude={"series"}), series_id=id_of(parent)
                )
                self.add("meetings", meetings[meeting.key])

        documents = self.existing(SourceDocument, "slug")
        for file in files.documents:
            document_seed = file.document
            if document_seed.slug not in documents:
                documents[document_seed.slug] = SourceDocument(
                    **document_seed.model_dump(
                        exclude={"source_file", "meeting", "kind", "parties"}
                    ),
                    kind=document_seed.kind.value,
                )
                self.add("documents", documents[document_seed.slug])
        self.session.flush()
        self.documents = {document.id: document for document in documents.values()}
        self.issued_by = {
            documents[file.document.slug].id: file.document.parties for file in files.documents
        }
        self.issuers(files, documents, parties, meetings)

        areas = self.existing(PriorityArea, "slug")
        frameworks = self.existing(Framework, "slug")
        for framework_seed in reference.frameworks:
            framework = frameworks.get(framework_seed.slug)
            if framework is None:
                document = (
                    self.lookup(documents, framework_seed.document, "document", framework_seed.slug)
                    if framework_seed.document
                    else None
                )
                framework = Framework(
                    **framework_seed.model_dump(exclude={"areas", "document"}),
                    document_id=document.id if document else None,
                )
                frameworks[framework_seed.slug] = framework
                self.add("frameworks", framework)
                self.session.flush()
            for position, area in enumerate(framework_seed.areas):
                if area.slug not in areas:
                    areas[area.slug] = PriorityArea(
                        **area.model_dump(exclude={"keywords"}),
                        framework_id=framework.id,
                        position=position,
                    )
                    self.add("priority areas", areas[area.slug])
        for position, area in enumerate(reference.areas):
            if area.slug not in areas:
                areas[area.slug] = PriorityArea(
                    **area.model_dump(exclude={"keywords"}), position=position
                )
                self.add("priority areas", areas[area.slug])
        topics = self.existing(Topic, "slug")
        for topic in reference.topics:
            if topic.slug not in topics:
                topics[topic.slug] = Topic(**topic.model_dump(exclude={"keywords"}))
                self.add("topics", topics[topic.slug])
        self.gazetteer(reference, parties, organizations, areas, topics)
        self.session.flush()

        commitments = self.existing(Commitment, "ref")
        created: list[tuple[CommitmentSeed, CheckedCommitment]] = []
        for file in files.documents:
            document = documents[file.document.slug]
            for seed in file.commitments:
                where = f"{file.document.slug}: {seed.ref}"
                meeting_key = seed.meeting or file.document.meeting
                made_at = (
                    self.lookup(meetings, meeting_key, "meeting", where) if meeting_key else None
                )
                existing = commitments.get(seed.ref)
                if existing is None:
                    created.append((seed, self.checked(seed, document, made_at, where)))
                else:
                    self.correct(existing, seed, where)
        self.session.flush()
        # The register's own creation: every new commitment in one statement, then its links,
        # deadline and history.
        rows = insert_new(
            session=self.session, checked=[new for _, new in created], actor=SEED_ACTOR
        )
        if rows:
            self.report.created["commitments"] += len(rows)
        self.progress.start(total=len(created), description="Seeding")
        for (seed, _), commitment in zip(created, rows, strict=True):
            self.record_evidence(seed, commitment)
            self.progress.advance()
        self.session.flush()
        return self.report

    def issuers(
        self,
        files: SeedFiles,
        documents: dict[str, SourceDocument],
        parties: dict[str, Party],
        meetings: dict[str, Meeting],
    ) -> None:
        """Each statement's issuing parties and meeting, where the register lacks them."""
        issued = {(row.document_id, row.party_id) for row in self.existing_rows(DocumentParty)}
        for file in files.documents:
            document = documents[file.document.slug]
            where = file.document.slug
            if document.meeting_id is None and file.document.meeting:
                meeting = self.lookup(meetings, file.document.meeting, "meeting", where)
                document.meeting_id = meeting.id
                self.session.add(document)
            for code in file.document.parties:
                party = self.lookup(parties, code, "party", where)
                if (document.id, party.id) not in issued:
                    self.add(
                        "issuing parties",
                        DocumentParty(document_id=id_of(document), party_id=id_of(party)),
                    )

    def gazetteer(
        self,
        reference: ReferenceSeed,
        parties: dict[str, Party],
        organizations: dict[str, Organization],
        areas: dict[str, PriorityArea],
        topics: dict[str, Topic],
    ) -> None:
        """The names and words the extractor reads, as the reference data gives them now."""
        named: list[tuple[Party | Organization | PriorityArea | Topic, str, list[str]]] = [
            *((parties[p.code], "aliases", p.aliases) for p in reference.parties),
            *((organizations[o.code], "aliases", o.aliases) for o in reference.organizations),
            *((topics[t.slug], "keywords", t.keywords) for t in reference.topics),
            *(
                (areas[a.slug], "keywords", a.keywords)
                for a in [*reference.areas, *(a for f in reference.frameworks for a in f.areas)]
            ),
        ]
        for row, column, words in named:
            if getattr(row, column) != list(words):
                setattr(row, column, list(words))
                self.session.add(row)

    def request_of(
        self, seed: CommitmentSeed, document_id: int, description: str | None
    ) -> CommitmentCreate:
        """The seed as a request to create it (its due date as the seed states it), released to
        the parties the seeds name; `description` is the one a user gave, which seeds have not."""
        return CommitmentCreate(
            title=seed.title,
            description=description,
            kind=seed.kind,
            obligors=seed.obligor_refs(),
            counterparts=seed.counterpart_refs(),
            areas=seed.areas,
            brought_under_framework=seed.brought_under_framework,
            topics=seed.topics,
            status=seed.status,
            due_date=seed.due_date,
            due_rule=seed.due_rule,
            recurrence=seed.recurrence,
            releasable_to=seed.releasable_parties(
                members=self.members, issuers=self.issued_by[document_id]
            ),
        )

    def checked(
        self,
        seed: CommitmentSeed,
        document: SourceDocument,
        meeting: Meeting | None,
        where: str,
        description: str | None = None,
    ) -> CheckedCommitment:
        """The seed as a new commitment the register's rules accept, completed where the
        statement shows it done; a refusal names the seed."""
        source = Source(
            document_id=id_of(document),
            meeting_id=meeting.id if meeting else None,
            quote=seed.quote,
            locator=Locator(paragraph=seed.paragraph, before=seed.before, after=seed.after),
        )
        with self.naming(where):
            return check_new(
                session=self.session,
                request=self.request_of(seed, id_of(document), description),
                source=source,
                principal=None,
                members=self.members,
                ref=seed.ref,
                completed_on=seed.completed_on,
            )

    @contextmanager
    def naming(self, where: str) -> Iterator[None]:
        """A refusal of the register's rules, as an error naming the seed."""
        try:
            yield
        except ProblemError as exc:
            raise SeedError(f"{where}: {exc.detail}") from exc
        except ValidationError as exc:
            raise SeedError(f"{where}: {exc.errors()[0]['msg']}") from exc

    def record_evidence(self, seed: CommitmentSeed, commitment: Commitment) -> None:
        """What the seed says beyond the commitment's creation: the sentence that shows its
        status, and its archiving where the seeds no longer count it."""
        changes = self.evidence_changes(seed, commitment) | self.archiving(
            commitment, archived=seed.archived_because is not None
        )
        apply_changes(
            session=self.session,
            commitment=commitment,
            changes=changes,
            actor=SEED_ACTOR,
            reason=seed.archived_because,
        )

    @staticmethod
    def archiving(commitment: Commitment, *, archived: bool) -> Change:
        was_archived = commitment.archived_at is not None
        if was_archived == archived:
            return Change()
        commitment.archived_at = utcnow() if archived else None
        return Change.of("archived", was_archived, archived)

    def evidence_note(self, evidence: EvidenceSeed, commitment: Commitment) -> str:
        return progress_notes.statement_evidence(
            quote=evidence.quote,
            paragraph=evidence.paragraph,
            document_title=self.documents[commitment.document_id].title,
        )

    def evidence_changes(self, seed: CommitmentSeed, commitment: Commitment) -> Change:
        """The sentence that shows a seeded status, as a progress note of the seed (once), and
        the change it makes to the commitment, like any note."""
        if seed.evidence is None:
            return Change()
        text = self.evidence_note(seed.evidence, commitment)
        commitment_id = id_of(commitment)
        if progress_notes.has_note(
            session=self.session, commitment_id=commitment_id, author=SEED_ACTOR, text=text
        ):
            return Change()
        as_of = seed.completed_on or self.documents[commitment.document_id].issued_on
        note = progress_notes.insert_note(
            session=self.session,
            commitment_id=commitment_id,
            request=NoteCreate(text=text),
            actor=SEED_ACTOR,
            as_of=as_of,
        )
        self.report.created["evidence notes"] += 1
        changes = Change.of("note", None, note.public_id)
        if commitment.last_note_on is None or as_of > commitment.last_note_on:
            changes |= Change.of("last_note_on", commitment.last_note_on, as_of)
        return changes

    def correct(self, commitment: Commitment, seed: CommitmentSeed, where: str) -> None:
        """Bring a seeded commitment in line with corrected seeds, in one change: its source
        locator, and each field the seeds changed unless a user has changed it since (then
        the user's value stays)."""
        source = self.source_changes(commitment, seed)
        corrections = self.state_changes(commitment, seed, where) | self.archive_correction(
            commitment, seed
        )
        evidence = self.evidence_changes(seed, commitment)
        if not source and not corrections and not evidence:
            return
        apply_changes(
            session=self.session,
            commitment=commitment,
            changes=source | corrections | evidence,
            actor=SEED_ACTOR,
            reason=seed.archived_because if "archived" in corrections else SEEDS_CORRECTED,
        )
        if source:
            self.report.updated["commitment sources"] += 1
        if corrections:
            self.report.updated["commitments"] += 1

    def archive_correction(self, commitment: Commitment, seed: CommitmentSeed) -> Change:
        """Archive what the seeds no longer count as a commitment (or restore it), unless a
        user archived or restored it since."""
        archived = seed.archived_because is not None
        if (commitment.archived_at is not None) == archived:
            return Change()
        seeds_own = unchanged_since(
            session=self.session,
            commitment_id=id_of(commitment),
            channel=Channel.seed,
            values={"archived": not archived},
        )
        return self.archiving(commitment, archived=archived) if seeds_own else Change()

    def state_changes(self, commitment: Commitment, seed: CommitmentSeed, where: str) -> Change:
        document = self.documents[commitment.document_id]
        wanted = self.checked(seed, document, None, where, commitment.description).state
        current = current_state(session=self.session, commitment=commitment)
        proposed = current.changes_to(wanted)
        if wanted.due_rule or wanted.recurrence:
            proposed = proposed.without("due_date")  # it follows the rule or the cycles, below
        seeds_own = unchanged_since(
            session=self.session,
            commitment_id=id_of(commitment),
            channel=Channel.seed,
            values={field.field: field.old for field in proposed.fields},
        )
        changes = proposed.only(seeds_own)
        if {"due_rule", "recurrence", "due_date"} & set(changes.names):
            corrected = replace(current, **{field.field: field.new for field in changes.fields})
            derived = derive_deadline(self.session, commitment, corrected.deadline)
            changes |= derived.cycle_changes
            if derived.due_date != commitment.due_date:
                changes |= Change.of("due_date", commitment.due_date, derived.due_date)
        return changes

    @staticmethod
    def source_changes(commitment: Commitment, seed: CommitmentSeed) -> Change:
        source = {
            "quote": seed.quote,
            "paragraph": seed.paragraph,
            "context_before": seed.before,
            "context_after": seed.after,
        }
        return Change(
            tuple(
                FieldChange(name, getattr(commitment, name), value)
                for name, value in source.items()
                if getattr(commitment, name) != value
            )
        )


def seed_register(*, session: Session, seeds_dir: Path, progress: Progress = SILENT) -> SeedReport:
    return _Loader(session, progress).load(read_seed_files(seeds_dir))
