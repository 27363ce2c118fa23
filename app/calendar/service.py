"""Due dates as an iCalendar feed (RFC 5545): an all-day VEVENT and a VTODO per open
commitment or cycle with a due date."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.commitments import CommitmentFilters, iter_all, open_status
from app.core.db import Database
from app.core.security import Principal
from app.core.time import utcnow
from app.vocabulary import CommitmentStatus

PRODUCT = "-//Alliance Commitments//Register//EN"
TODO_STATUS = {
    CommitmentStatus.not_started: "NEEDS-ACTION",
    CommitmentStatus.in_progress: "IN-PROCESS",
    CommitmentStatus.at_risk: "IN-PROCESS",
    CommitmentStatus.blocked: "IN-PROCESS",
    CommitmentStatus.completed: "COMPLETED",
    CommitmentStatus.cancelled: "CANCELLED",
    CommitmentStatus.superseded: "CANCELLED",
}


@dataclass(frozen=True)
class Entry:
    uid: str
    summary: str
    description: str
    due: date
    status: CommitmentStatus
    percent: int
    url: str


def entries(
    *, database: Database, principal: Principal, filters: CommitmentFilters, link_base: str
) -> Iterator[Entry]:
    for c in iter_all(database=database, filters=filters, principal=principal):
        if c.status.is_terminal:
            continue
        url = f"{link_base}/api/v1/commitments/{c.ref}"
        quote = c.source.quote or ""
        if c.recurrence is None and c.due_date is not None:
            yield Entry(
                f"{c.ref}@alliance-commitments",
                f"{c.ref}: {c.title}",
                quote,
                c.due_date,
                c.status,
                c.percent_complete or 0,
                url,
            )
        for cycle in c.cycles:
            if cycle.due_date is not None and open_status(cycle.status.value):
                yield Entry(
                    f"{c.ref}.{cycle.key}@alliance-commitments",
                    f"{c.ref} ({cycle.key}): {c.title}",
                    quote,
                    cycle.due_date,
                    cycle.status,
                    0,
                    url,
                )


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> Iterator[str]:
    """Lines of at most 75 octets, continued with a leading space; never inside a character."""
    encoded = line.encode("utf-8")
    while len(encoded) > 75:
        cut = 75
        while (encoded[cut] & 0xC0) == 0x80:  # a UTF-8 continuation byte: step back
            cut -= 1
        yield encoded[:cut].decode("utf-8")
        encoded = b" " + encoded[cut:]
    yield encoded.decode("utf-8")


def _day(value: date) -> str:
    return value.strftime("%Y%m%d")


def _stamp(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%SZ")


def calendar(items: Iterable[Entry], name: str) -> str:
    stamp = _stamp(utcnow())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for item in items:
        common = [
            f"DTSTAMP:{stamp}",
            f"SUMMARY:{_escape(item.summary)}",
            f"DESCRIPTION:{_escape(item.description)}",
            f"URL:{item.url}",
        ]
        lines += [
            "BEGIN:VEVENT",
            f"UID:event-{item.uid}",
            *common,
            f"DTSTART;VALUE=DATE:{_day(item.due)}",
            f"DTEND;VALUE=DATE:{_day(item.due + timedelta(days=1))}",
            "TRANSP:TRANSPARENT",
            "STATUS:CONFIRMED",
            "END:VEVENT",
            "BEGIN:VTODO",
            f"UID:todo-{item.uid}",
            *common,
            f"DUE;VALUE=DATE:{_day(item.due)}",
            f"STATUS:{TODO_STATUS[item.status]}",
            f"PERCENT-COMPLETE:{item.percent}",
            "END:VTODO",
        ]
    lines.append("END:VCALENDAR")
    return "".join(folded + "\r\n" for line in lines for folded in _fold(line))
