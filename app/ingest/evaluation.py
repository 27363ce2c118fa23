"""How well the extractor finds the register's own commitments in their statements: the
seeded register is the ground truth (its archived records are not commitments)."""

from dataclasses import dataclass, field
from pathlib import Path

from app.ingest.extractor import Proposal, Statement, propose
from app.ingest.text import collapse, paragraphs_of
from app.ingest.vocabulary import Name, Tag, Vocabulary
from app.reference import TextFormat
from app.seeding import CommitmentSeed, DocumentFileSeed, ReferenceSeed

# A proposal finds a seeded commitment when their quotes share this much of the shorter one.
OVERLAP = 0.3


def vocabulary_of(reference: ReferenceSeed) -> Vocabulary:
    names = [Name(p.code, None, [p.name, *p.aliases]) for p in reference.parties]
    names += [Name(o.party, o.code, [o.name, *o.aliases]) for o in reference.organizations]
    areas = [
        Tag(area.slug, area.keywords, framework.adopted_on)
        for framework in reference.frameworks
        for area in framework.areas
    ]
    topics = [Tag(topic.slug, topic.keywords) for topic in reference.topics]
    return Vocabulary(names=names, topics=topics, areas=areas)


@dataclass(frozen=True)
class Match:
    seed: CommitmentSeed
    proposal: Proposal

    @property
    def kind_agrees(self) -> bool:
        return self.seed.kind == self.proposal.kind

    @property
    def obligors_agree(self) -> bool:
        return self.seed.obligor_parties() == self.proposal.obligors


@dataclass(frozen=True)
class Score:
    name: str
    seeded: int
    proposed: int
    found: int  # seeded commitments a proposal overlaps
    right: int  # proposals that overlap a seeded commitment
    matches: list[Match]
    missed: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.seeded if self.seeded else 1.0

    @property
    def precision(self) -> float:
        return self.right / self.proposed if self.proposed else 1.0

    def share(self, agrees: str) -> float:
        if not self.matches:
            return 1.0
        agreeing: int = sum(bool(getattr(m, agrees)) for m in self.matches)
        return agreeing / len(self.matches)


def _overlap(paragraph: str, seed: CommitmentSeed, proposal: Proposal) -> bool:
    start = paragraph.find(collapse(seed.quote))
    if start < 0:
        return False
    end = start + len(collapse(seed.quote))
    shared = min(end, proposal.end) - max(start, proposal.start)
    return shared >= OVERLAP * min(end - start, proposal.end - proposal.start)


def score_statement(file: DocumentFileSeed, text: str, vocabulary: Vocabulary) -> Score:
    paragraphs = paragraphs_of(text, TextFormat.plain)
    statement = Statement(paragraphs, file.document.parties, file.document.issued_on)
    proposals = propose(statement, vocabulary)
    seeds = [seed for seed in file.commitments if seed.archived_because is None]
    matches = [
        Match(seed, proposal)
        for seed in seeds
        for proposal in proposals
        if proposal.paragraph <= len(paragraphs)
        and _overlap(paragraphs[proposal.paragraph - 1], seed, proposal)
    ]
    # The most confident proposal for each seed: later entries win.
    best = {m.seed.ref: m for m in sorted(matches, key=lambda m: m.proposal.confidence)}
    return Score(
        name=file.document.slug,
        seeded=len(seeds),
        proposed=len(proposals),
        found=len(best),
        right=len({(m.proposal.paragraph, m.proposal.start) for m in matches}),
        matches=list(best.values()),
        missed=[seed.ref for seed in seeds if seed.ref not in best],
    )


def total(scores: list[Score]) -> Score:
    return Score(
        name="total",
        seeded=sum(s.seeded for s in scores),
        proposed=sum(s.proposed for s in scores),
        found=sum(s.found for s in scores),
        right=sum(s.right for s in scores),
        matches=[m for s in scores for m in s.matches],
    )


def evaluate(
    files: list[DocumentFileSeed], statements: Path, reference: ReferenceSeed
) -> list[Score]:
    vocabulary = vocabulary_of(reference)
    return [
        score_statement(
            file, (statements / file.document.source_file).read_text(encoding="utf-8"), vocabulary
        )
        for file in files
    ]


def table(scores: list[Score]) -> str:
    """The scores as a Markdown table, one row per statement and the total."""
    rows = [
        "| statement | seeded | proposed | recall | precision | kind right | obligors right |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in [*scores, total(scores)]:
        rows.append(
            f"| {s.name} | {s.seeded} | {s.proposed} | {s.recall:.2f} | {s.precision:.2f} "
            f"| {s.share('kind_agrees'):.2f} | {s.share('obligors_agree'):.2f} |"
        )
    return "\n".join(rows)


def report(scores: list[Score]) -> str:
    """The table with how it was measured, for docs/extraction-quality.md."""
    return "\n".join(
        [
            "# Extraction quality",
            "",
            "`commitments extract-eval --write docs/extraction-quality.md` writes this page: the",
            "extractor run over the four statements the seeds quote, compared with the seeded",
            "register (its archived records, which are not commitments, excluded).",
            "",
            "- **recall**: seeded commitments whose quote a proposal overlaps (by a third of the",
            "  shorter of the two);",
            "- **precision**: proposals that overlap a seeded commitment;",
            "- **kind right**, **obligors right**: of the seeded commitments found, those whose",
            "  best proposal has the same kind, and the same obligor parties.",
            "",
            table(scores),
            "",
            "## Where it falls short",
            "",
            *shortfalls(scores),
            "",
            "Four statements are few, and their seeds were read against the same guide the",
            "rules follow: the figures say the rules work on these texts, not that they will on",
            "every statement. The rules are written from the guide's cue words, not from these",
            "sentences; each has a test on sentences written for it.",
            "",
        ]
    )


def shortfalls(scores: list[Score]) -> list[str]:
    """Each seeded commitment missed, or found with another kind or other obligors."""
    lines = []
    for score in scores:
        for m in score.matches:
            seeded_kind = m.seed.kind.value if m.seed.kind else "-"
            if not m.kind_agrees:
                lines.append(f"- {m.seed.ref}: kind {m.proposal.kind.value}, seeded {seeded_kind}")
            if not m.obligors_agree:
                found, seeded = ", ".join(m.proposal.obligors), ", ".join(m.seed.obligor_parties())
                lines.append(f"- {m.seed.ref}: obligors {found}, seeded {seeded}")
        lines += [f"- {ref}: missed" for ref in score.missed]
    return lines or ["- nothing"]
