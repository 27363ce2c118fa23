"""Proposes candidate commitments from a statement's paragraphs, by the extraction guide."""

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date

from app.core.progress import SILENT, Progress
from app.ingest import rules
from app.ingest.sentences import Span, sentence_spans
from app.ingest.vocabulary import Name, Tag, Vocabulary
from app.vocabulary import CommitmentKind, CommitmentStatus

CONTEXT_WORDS = 6
# Less sure of a proposal whose obligors no words in the text name.
ASSUMED_OBLIGORS = 0.15
WORDS = re.compile(r"\S+")
# A clause without a subject of its own takes its sentence's: the sentence's opening words,
# at most this many characters of them (a subject comes first; reading all of a very long
# sentence again for each of its clauses would grow with the square of its length).
SUBJECT_CHARS = 200


@dataclass(frozen=True)
class Bounds:
    sentences: int
    proposals: int


# The most a statement may hold (the densest real statements, at the longest text a
# statement may have, hold about half as many): reading stops there, and the statement is
# refused.
STATEMENT_BOUNDS = Bounds(sentences=10_000, proposals=3_000)
# Paragraphs before a clause that "both sides" or "the three ministers" may refer back to.
RECENT_PARAGRAPHS = 2


@dataclass(frozen=True)
class Scored:
    slug: str
    score: float


@dataclass(frozen=True)
class Proposal:
    """One proposed commitment, with the reasons for each of its parts."""

    paragraph: int
    start: int
    end: int
    quote: str
    before: str
    after: str
    kind: CommitmentKind
    status: CommitmentStatus
    obligors: list[str]
    counterparts: list[str]
    topics: list[Scored]
    areas: list[Scored]
    timing: rules.Timing
    confidence: float
    reasons: list[str] = field(default_factory=list)


class TooMuchToReadError(Exception):
    """The statement holds more sentences or proposals than one statement may."""


@dataclass(frozen=True)
class Statement:
    paragraphs: list[str]
    parties: list[str]
    issued_on: date


class Index:
    """The words of each paragraph and the parties named in it, by position, found once per
    paragraph: looking for them again in all the text before each clause grew with the
    square of the statement."""

    def __init__(self, statement: Statement, vocabulary: Vocabulary) -> None:
        self._paragraphs = statement.paragraphs
        self._vocabulary = vocabulary
        self._words: dict[int, tuple[list[int], list[int]]] = {}
        self._named: dict[int, dict[str, list[int]]] = {}

    def _word_spans(self, number: int) -> tuple[list[int], list[int]]:
        if number not in self._words:
            found = [m.span() for m in WORDS.finditer(self._paragraphs[number - 1])]
            self._words[number] = ([s for s, _ in found], [e for _, e in found])
        return self._words[number]

    def context(self, number: int, start: int, end: int) -> tuple[str, str]:
        """The words of paragraph `number` before `start` and after `end`, as many as the
        context holds (a word cut by either end counts only its part outside)."""
        paragraph = self._paragraphs[number - 1]
        starts, ends = self._word_spans(number)
        first_after, last_before = bisect_right(ends, end), bisect_left(starts, start)
        before = [
            paragraph[starts[i] : min(ends[i], start)]
            for i in range(max(0, last_before - CONTEXT_WORDS), last_before)
        ]
        after = [
            paragraph[max(starts[i], end) : ends[i]]
            for i in range(first_after, min(len(starts), first_after + CONTEXT_WORDS))
        ]
        return " ".join(before), " ".join(after)

    def _party_positions(self, number: int) -> dict[str, list[int]]:
        if number not in self._named:
            positions: dict[str, list[int]] = {}
            for at, name in self._vocabulary.named_in(self._paragraphs[number - 1]):
                positions.setdefault(name.party, []).append(at)
            self._named[number] = positions
        return self._named[number]

    def parties_before(self, number: int, start: int) -> list[str]:
        """The parties named in the recent paragraphs and in paragraph `number` before
        `start`, the one named last first."""
        latest: dict[str, tuple[int, int]] = {}
        for earlier in range(max(1, number - RECENT_PARAGRAPHS), number + 1):
            for party, positions in self._party_positions(earlier).items():
                count = bisect_left(positions, start) if earlier == number else len(positions)
                if count:
                    latest[party] = (earlier, positions[count - 1])
        return sorted(latest, key=lambda party: latest[party], reverse=True)


@dataclass(frozen=True)
class Clause:
    span: Span
    # A second undertaking coordinated with the one before ("..., and strengthen ..."): it
    # shares that one's verb and subject.
    continues: bool


def clauses(sentence: str, offset: int) -> Iterator[Clause]:
    """A sentence's clauses: cut at semicolons, before a second main verb that undertakes,
    before a second subject with its own modal, and before a second coordinated
    undertaking."""
    cuts = [(m.start(), m.end(), False) for m in rules.CLAUSE_BREAK.finditer(sentence)]
    cuts += [(m.start(), m.end(), False) for m in rules.SECOND_VERB.finditer(sentence)]
    cuts += [(m.start(), m.end(), False) for m in rules.SECOND_SUBJECT.finditer(sentence)]
    cuts += [(m.start(), m.end(), True) for m in rules.SECOND_UNDERTAKING.finditer(sentence)]
    start, continues = 0, False
    for cut_start, cut_end, next_continues in sorted(cuts):
        if cut_start > start:
            yield Clause(Span(offset + start, offset + cut_start), continues)
        start, continues = max(start, cut_end), next_continues
    if start < len(sentence):
        yield Clause(Span(offset + start, offset + len(sentence)), continues)


def _names(vocabulary: Vocabulary, text: str) -> list[Name]:
    return [name for _, name in vocabulary.named_in(text)]


def _party_codes(names: list[Name]) -> list[str]:
    return sorted({name.party for name in names})


# Where a subject's own words end and its objects begin ("Minister Shin conveyed
# appreciation for the U.S. Congress's support": the Congress is not the subject).
OBJECT_START = re.compile(r"\b(to|for|with|from|on|of|about|toward|towards)\b")
COUNT_WORDS = {"two": 2, "three": 3, "four": 4}


def _subject_names(subject: str, vocabulary: Vocabulary) -> list[str]:
    cut = OBJECT_START.search(subject)
    return _party_codes(_names(vocabulary, subject[: cut.start()] if cut else subject))


def _joint_parties(subject: str, earlier: list[str], statement: Statement) -> set[str]:
    """The issuing parties, and for "both sides" or "the three ministers" as many of the
    parties named most recently before (`earlier`, the latest first) as the words count."""
    parties = set(statement.parties)
    match = rules.THE_N.search(subject)
    wanted = COUNT_WORDS[match.group(1).lower()] if match else 2 if "both" in subject.lower() else 0
    for party in earlier:
        if len(parties) >= wanted:
            break
        parties.add(party)
    return parties


@dataclass(frozen=True)
class Parties:
    obligors: list[str]
    counterparts: list[str]
    reason: str
    assumed: bool  # no joint language and no named subject: the issuing parties, by default


def who(
    subject: str, rest: str, earlier: list[str], statement: Statement, vocabulary: Vocabulary
) -> Parties:
    """Obligors and counterparts: joint language binds the issuing parties (and as many
    parties named just before as "both sides" or "the three ..." count); a named subject
    binds itself; anything else, the issuing parties, assumed."""
    named_subject = _subject_names(subject, vocabulary)
    assumed = False
    if rules.JOINT.search(subject):
        obligors = _joint_parties(subject, earlier, statement)
        reason = "obligors: joint language"
    elif named_subject:
        obligors = set(named_subject)
        reason = f"obligors: named as the subject ({', '.join(named_subject)})"
    else:
        obligors, assumed = set(statement.parties), True
        reason = "obligors: no named subject, the issuing parties"
    counterparts = sorted(set(_party_codes(_names(vocabulary, rest))) - obligors)
    return Parties(sorted(obligors), counterparts, reason, assumed)


def _located(index: Index, paragraph: str, number: int, span: Span) -> tuple[str, int, str, str]:
    """The clause of `span` without its joining punctuation, where it starts, and the words
    before and after it."""
    clause = paragraph[span.start : span.end].strip(" ,;-•")
    start = paragraph.index(clause, span.start) if clause else span.start
    before, after = index.context(number, start, start + len(clause))
    return clause, start, before, after


def scored(tags: list[Tag], text: str, issued_on: date) -> list[Scored]:
    lowered = text.lower()
    result = []
    for tag in tags:
        if tag.framework_adopted_on and tag.framework_adopted_on > issued_on:
            continue  # the framework did not exist yet
        hits = sum(1 for keyword in tag.keywords if keyword.lower() in lowered)
        if hits:
            result.append(Scored(tag.slug, round(min(1.0, 0.5 + 0.25 * (hits - 1)), 2)))
    return sorted(result, key=lambda item: (-item.score, item.slug))


def propose_clause(
    statement: Statement,
    vocabulary: Vocabulary,
    index: Index,
    number: int,
    span: Span,
    intro: str | None,
    sentence_start: int,
) -> Proposal | None:
    paragraph = statement.paragraphs[number - 1]
    clause, start, before, after = _located(index, paragraph, number, span)
    found = rules.first_cue(clause, list_item=intro is not None) if clause else None
    refusal = rules.not_a_commitment(clause, found[1].start() if found else None)
    if found is None or refusal is not None:
        return None
    cue, match = found
    subject, rest = clause[: match.start()], clause[match.end() :]
    if not subject.strip():
        # the sentence's subject, before this verb
        subject = paragraph[sentence_start : min(start, sentence_start + SUBJECT_CHARS)]
    if cue is rules.UNDER_WAY and intro is not None:
        subject = intro  # the list's introduction names who acts
    parties = who(subject, rest, index.parties_before(number, start), statement, vocabulary)
    timing = rules.timing_of(clause, statement.issued_on)
    kind = rules.kind_of(cue, len(parties.obligors), timing)
    reasons = [f"cue: {cue.name} ({match.group(0)!r})", f"kind: {kind.value}", parties.reason]
    if timing.reason:
        reasons.append(f"timing: {timing.reason}")
    confidence = cue.strength - (ASSUMED_OBLIGORS if parties.assumed else 0)
    return Proposal(
        paragraph=number,
        start=start,
        end=start + len(clause),
        quote=clause,
        before=before,
        after=after,
        kind=kind,
        status=rules.status_of(cue, clause, intro),
        obligors=parties.obligors,
        counterparts=parties.counterparts,
        topics=scored(vocabulary.topics, clause, statement.issued_on),
        areas=scored(vocabulary.areas, clause, statement.issued_on),
        timing=timing,
        confidence=round(confidence, 2),
        reasons=reasons,
    )


def _continued(
    previous: Proposal, statement: Statement, vocabulary: Vocabulary, index: Index, span: Span
) -> Proposal:
    """The second of two coordinated undertakings: the first one's verb, subject and kind;
    its own counterparts, topics and areas."""
    number = previous.paragraph
    clause, start, before, after = _located(index, statement.paragraphs[number - 1], number, span)
    named = set(_party_codes(_names(vocabulary, clause)))
    return replace(
        previous,
        start=start,
        end=start + len(clause),
        quote=clause,
        before=before,
        after=after,
        counterparts=sorted(named - set(previous.obligors)),
        topics=scored(vocabulary.topics, clause, statement.issued_on),
        areas=scored(vocabulary.areas, clause, statement.issued_on),
        reasons=[*previous.reasons, "a second undertaking of the same verb and subject"],
    )


def _list_item(paragraph: str) -> bool:
    return bool(rules.UNDER_WAY.pattern.match(paragraph.lstrip("-•* "))) or paragraph[:1] in "-•*"


def _sentence_proposals(
    statement: Statement,
    vocabulary: Vocabulary,
    index: Index,
    number: int,
    sentence: Span,
    intro: str | None,
) -> Iterator[Proposal]:
    paragraph = statement.paragraphs[number - 1]
    previous: Proposal | None = None
    for clause in clauses(paragraph[sentence.start : sentence.end], sentence.start):
        proposal = propose_clause(
            statement, vocabulary, index, number, clause.span, intro, sentence.start
        )
        if proposal is None and clause.continues and previous is not None:
            proposal = _continued(previous, statement, vocabulary, index, clause.span)
        if proposal is not None:
            previous = proposal
            yield proposal


def propose(
    statement: Statement,
    vocabulary: Vocabulary,
    progress: Progress = SILENT,
    bounds: Bounds | None = STATEMENT_BOUNDS,
) -> list[Proposal]:
    """Every candidate commitment of the statement, in the order of the text. The sentence
    that introduces a list ("... by:") is not proposed itself: its items are. Raises
    TooMuchToReadError as soon as the statement holds more sentences or proposals than
    `bounds` allow."""
    proposals: list[Proposal] = []
    intro: str | None = None
    index = Index(statement, vocabulary)
    sentence_count = 0
    progress.start(total=len(statement.paragraphs), description="Reading the statement")
    for number, paragraph in enumerate(statement.paragraphs, start=1):
        progress.advance()
        if intro is not None and not _list_item(paragraph):
            intro = None
        last: Span | None = None
        for sentence in sentence_spans(paragraph):
            if last is not None:
                proposals += _sentence_proposals(statement, vocabulary, index, number, last, intro)
            last, sentence_count = sentence, sentence_count + 1
            _within(bounds, sentence_count, len(proposals))
        if last is not None and paragraph.endswith(":"):
            intro = paragraph[last.start : last.end]
        elif last is not None:
            proposals += _sentence_proposals(statement, vocabulary, index, number, last, intro)
            _within(bounds, sentence_count, len(proposals))
    return proposals


def _within(bounds: Bounds | None, sentences: int, proposals: int) -> None:
    if bounds is not None and sentences > bounds.sentences:
        raise TooMuchToReadError(f"A statement has at most {bounds.sentences:,} sentences.")
    if bounds is not None and proposals > bounds.proposals:
        raise TooMuchToReadError(f"A statement proposes at most {bounds.proposals:,} candidates.")
