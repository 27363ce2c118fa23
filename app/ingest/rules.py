"""The extraction guide's rules, as patterns over one clause of a statement.

Each rule names itself in the reasons of what it proposes, so that a reviewer sees why.
Patterns are written from the language of joint statements in general (the guide's cue
words), never from single sentences of the register's own statements.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date

from app.deadlines import DueRule, Interval, Recurrence
from app.vocabulary import CommitmentKind, CommitmentStatus


@dataclass(frozen=True)
class Cue:
    name: str
    pattern: re.Pattern[str]
    strength: float


def _cue(name: str, pattern: str, strength: float) -> Cue:
    return Cue(name, re.compile(pattern, re.IGNORECASE), strength)


# What is not a commitment: said of the clause's main verb, before any undertaking cue.
NOT_COMMITMENTS = [
    _cue("condemnation", r"\b(condemn|denounc|deplor)\w*", 0),
    _cue("welcome", r"\bwelcom(e|ed|es|ing)\b", 0),
    _cue("shared view", r"\bshared? (the|a|an) (view|understanding|assessment|concern)", 0),
    _cue("concern", r"\bexpress(ed|es)? (deep |grave |serious )?concerns?\b", 0),
    _cue("remark", r"\b(noted|acknowledged|discussed|recognized?|appreciat\w+|evaluated)\b", 0),
    _cue("importance", r"\b(importance|necessity) of\b", 0),
]

# Undertakings, strongest first within each kind.
REQUEST = _cue("request", r"\b(request(ed|s|ing)?|call(ed|s|ing)? (for|on|upon)|urg(ed|es))\b", 0.8)
REAFFIRMATION = _cue(
    "reaffirmation", r"\b(reaffirm|reiterat|re-?emphasi[sz]|reconfirm|restat)\w*", 0.75
)
ESTABLISHMENT = _cue(
    "establishment",
    r"(^launching\b|\b(launch(ed|es)?|establish(ed|es)|inaugurat(ed|es)|signed|created)\b"
    r"|\bannounce[sd]? (the )?(establishment|launch|creation|following)\b)",
    0.8,
)
FIRM = _cue(
    "firm undertaking",
    r"\b(will|shall|commit(s|ted)? to|(are|is) committed to|pledg(e|es|ed|ing)"
    r"|agree(s|d)? (to|on|upon)|decided to)\b",
    0.9,
)
INTENT = _cue(
    "undertaking of intent",
    r"\b(intend(s|ed)? to|seek(s)? to|(are|is) (also )?determined to|resolve(s|d)? to"
    r"|aim(s|ed)? to|should|(we|they) need to|let us)\b",
    0.75,
)
# An item of a list introduced by "... are enhancing our posture by:" starts with its verb.
UNDER_WAY = _cue("list item under its introduction", r"^(\w+ing)\b", 0.7)
PROGRESSIVE = re.compile(r"\b(are|is) (\w+ing)\b")
UNDERTAKINGS = [REQUEST, REAFFIRMATION, ESTABLISHMENT, FIRM, INTENT]

CONTINUING = re.compile(r"\b(continu\w*|ongoing|sustain\w*|maintain\w*)\b", re.IGNORECASE)
JOINT = re.compile(
    r"\b(both sides|both countries|both nations|the two (sides|countries|nations|ministers|"
    r"leaders|officials|governments)|the (ministers|leaders|secretaries|allies)|we|our|"
    r"they|together|jointly|the alliance|two leaders|the three)\b",
    re.IGNORECASE,
)
THE_N = re.compile(r"\bthe (two|three|four) \w+", re.IGNORECASE)
# A second main verb that is itself an undertaking ("noted X, and pledged Y"; "acknowledged
# X, pledging Y"): the clause before it does not decide what comes after.
SECOND_VERB = re.compile(
    r"(?:, (?:and |while )?| and )(?=(pledged|pledging|agreed|agreeing|committed|committing|"
    r"reaffirmed|reaffirming|resolved|decided|requested|requesting|called for|calling for)\b)"
)
# Verbs that start a second undertaking after ", and" ("pledged to expand X, and strengthen Y").
SECOND_UNDERTAKING = re.compile(
    r",? and (?=(strengthen|expand|enhance|develop|deepen|build|increase|promote|support|"
    r"continue|work|pursue|establish|conduct|identify|present|share|improve|advance|bolster|"
    r"foster|ensure|maintain|implement|modernize|evolve|hold|seek)\b)"
)
# A second clause with its own subject and modal ("..., and the ROK will expand ..."): two
# undertakings, by different obligors.
SECOND_SUBJECT = re.compile(
    r", (?:and|while|whereas) (?=(?:the |both |each )?[A-Z][\w.'\u2019-]*(?: [\w.'\u2019-]+){0,5} "
    r"(?:will|shall|intends? to|plans? to|commits? to|pledges? to|agreed to)\b)"
)
CLAUSE_BREAK = re.compile(r";\s+")

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
BY_YEAR = re.compile(r"\b(by|before|no later than) (the end of )?(\d{4})\b", re.IGNORECASE)
BY_MONTH = re.compile(
    r"\b(by|before|no later than) (the end of )?(" + "|".join(MONTHS) + r") (\d{4})\b",
    re.IGNORECASE,
)
LATER_THIS_YEAR = re.compile(r"\b(later|by the end of) this year\b", re.IGNORECASE)
SERIES = re.compile(r"\b(SCM|MCM|KIDD|NCG|2\+2)\b")
EACH = re.compile(
    r"\b(each|every) year\b|\bannual(ly)?\b|\byearly\b|\bquarterly\b|\bregularly\b",
    re.IGNORECASE,
)
QUARTERLY = re.compile(r"\bquarterly\b", re.IGNORECASE)
BEFORE_MEETING = re.compile(
    r"\bbefore (the|each|every) (next )?(?P<series>SCM|MCM|KIDD|NCG|2\+2)\b"
)
AT_NEXT = re.compile(r"\b(at|by) the next (?P<series>SCM|MCM|KIDD|NCG|2\+2)\b")


@dataclass(frozen=True)
class Timing:
    due_date: date | None = None
    due_rule: DueRule | None = None
    recurrence: Recurrence | None = None
    reason: str | None = None


def _end_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


# A deadline year this far from the statement is a number, not a deadline ("by 1950 tons").
YEARS_AHEAD = 50


def _plausible(year: int, issued_on: date) -> bool:
    return issued_on.year <= year <= issued_on.year + YEARS_AHEAD


def timing_of(clause: str, issued_on: date) -> Timing:
    """A due date, due rule or recurrence from the clause's timing cues; none without one."""
    series = SERIES.search(clause)
    before = BEFORE_MEETING.search(clause)
    offset = -1 if before else 0
    if EACH.search(clause):
        if series and not QUARTERLY.search(clause):
            recurrence = Recurrence(series=series.group(1), offset_days=offset)
            return Timing(recurrence=recurrence, reason=f"recurring with each {series.group(1)}")
        every = Interval.quarter if QUARTERLY.search(clause) else Interval.year
        return Timing(
            recurrence=Recurrence(every=every, start=issued_on), reason=f"every {every.value}"
        )
    if meeting := AT_NEXT.search(clause) or before:
        name = meeting.group("series")
        rule = DueRule(series=name, occurrence="next", offset_days=offset)
        return Timing(due_rule=rule, reason=f"due with the next {name}")
    if (match := BY_MONTH.search(clause)) and _plausible(int(match.group(4)), issued_on):
        month, year = MONTHS[match.group(3).lower()], int(match.group(4))
        return Timing(due_date=_end_of_month(year, month), reason=f"by {match.group(3)} {year}")
    if (match := BY_YEAR.search(clause)) and _plausible(int(match.group(3)), issued_on):
        return Timing(due_date=date(int(match.group(3)), 12, 31), reason=f"by {match.group(3)}")
    if LATER_THIS_YEAR.search(clause):
        return Timing(due_date=date(issued_on.year, 12, 31), reason="later this year")
    return Timing()


def not_a_commitment(clause: str, cue_at: int | None) -> str | None:
    """The rule that says the clause is not a commitment, if its verb comes before any
    undertaking cue."""
    for rule in NOT_COMMITMENTS:
        match = rule.pattern.search(clause)
        if match and (cue_at is None or match.start() < cue_at):
            return rule.name
    return None


def first_cue(clause: str, *, list_item: bool) -> tuple[Cue, re.Match[str]] | None:
    """The undertaking cue that comes first in the clause."""
    found = [(m.start(), cue, m) for cue in UNDERTAKINGS if (m := cue.pattern.search(clause))]
    if not found:
        under_way = UNDER_WAY.pattern.match(clause) if list_item else None
        return (UNDER_WAY, under_way) if under_way else None
    _, cue, match = min(found, key=lambda item: item[0])
    return cue, match


def kind_of(cue: Cue, obligor_count: int, timing: Timing) -> CommitmentKind:
    if cue is REQUEST:
        return CommitmentKind.request
    if cue is REAFFIRMATION:
        return CommitmentKind.reaffirmation
    if cue is ESTABLISHMENT:
        return CommitmentKind.establishment
    if timing.recurrence is not None:
        return CommitmentKind.recurring
    return CommitmentKind.joint_undertaking if obligor_count > 1 else CommitmentKind.pledge


def status_of(cue: Cue, clause: str, intro: str | None) -> CommitmentStatus:
    """Starting status by the guide: not started unless the words show it under way or done
    (in the clause, or in the introduction of the list it is an item of)."""
    if cue is ESTABLISHMENT:
        return CommitmentStatus.completed
    under_way = intro is not None and PROGRESSIVE.search(intro) is not None
    if cue is REAFFIRMATION or under_way or CONTINUING.search(clause):
        return CommitmentStatus.in_progress
    return CommitmentStatus.not_started
