"""`commitments overdue`: the deadline check a CI job runs against the API.

It talks to the API over HTTP only (no database), through the project's client, which retries
what the API refused without acting on (503 busy or not ready, 429 after its Retry-After) and
connection failures. Exit 0: nothing at or above the failing level; 1: something flagged;
2: usage, connection or authentication error.
"""

import json
import sys
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from xml.etree import ElementTree

import typer

from app.cli.errors import CliError
from app.core.markdown import markdown_cell
from app.core.validation import one_line


class Format(StrEnum):
    text = "text"
    json = "json"
    junit = "junit"
    github = "github"
    markdown = "markdown"


class FailOn(StrEnum):
    overdue = "overdue"
    due_soon = "due-soon"
    stale = "stale"
    never = "never"


# Each level fails on itself and on everything more severe.
FAILING_LISTS = {
    FailOn.overdue: ("overdue",),
    FailOn.due_soon: ("overdue", "due_soon"),
    FailOn.stale: ("overdue", "due_soon", "stale"),
    FailOn.never: (),
}

Report = dict[str, Any]
Item = dict[str, Any]


def fetch(
    api_url: str,
    token: str,
    *,
    as_of: date | None,
    due_soon: int,
    stale: int,
    with_open: bool,
    timeout: float,
) -> Report:
    import httpx

    from app.client import (
        ApiError,
        CommitmentsClient,
        ForbiddenError,
        ServiceUnreachableError,
        UnauthorizedError,
    )

    try:
        with CommitmentsClient(api_url, token, timeout=timeout) as client:
            report = client.deadlines(
                as_of=as_of, due_soon_days=due_soon, stale_days=stale, include_open=with_open
            )
    except (UnauthorizedError, ForbiddenError) as exc:
        raise CliError(f"the API refused the token ({exc.status}): {exc.detail}") from exc
    except ApiError as exc:
        raise CliError(f"the API answered {exc.status}: {exc.detail}") from exc
    except httpx.InvalidURL as exc:
        raise CliError(f"invalid --api-url {api_url!r}: {exc}") from exc
    except ServiceUnreachableError as exc:
        raise CliError(f"cannot reach the API at {api_url}: {exc.cause}") from exc
    except ValueError as exc:  # not JSON, or not a report (pydantic's errors are ValueErrors)
        raise CliError(f"the API at {api_url} did not answer a deadline report") from exc
    return report.model_dump(mode="json")


# What the formats but JSON say of an item is one line each: a title or a name stored with a
# line break would otherwise start a line of its own, which a CI runner reads as a workflow
# command (`::error::...`) when it begins with two colons.
def _label(item: Item) -> str:
    return one_line(f"{item['ref']} / {item['cycle']}" if item.get("cycle") else str(item["ref"]))


def _title(item: Item) -> str:
    return one_line(str(item["title"]))


def _leads(item: Item) -> str:
    leads = ", ".join(f"{lead['party']}: {lead['name']}" for lead in item["leads"])
    return one_line(leads) or "no lead"


def _when(item: Item) -> str:
    days = item.get("days_overdue")
    if item.get("due_date") is None or days is None:
        return f"no progress note since {item.get('last_note_on') or 'creation'}"
    if days > 0:
        return f"due {item['due_date']}, {days} day{'s' * (days != 1)} overdue"
    if days == 0:
        return f"due today ({item['due_date']})"
    return f"due {item['due_date']}, in {-days} day{'s' * (days != -1)}"


SECTIONS = (("overdue", "Overdue"), ("due_soon", "Due soon"), ("stale", "Stale"))


def as_text(report: Report) -> str:
    lines = [f"Commitment deadlines as of {report['as_of']}"]
    for key, title in SECTIONS:
        items = report[key]
        lines.append(f"\n{title}: {len(items)}")
        lines += [f"  {_label(i)}  {_title(i)}  ({_when(i)}; {_leads(i)})" for i in items]
    return "\n".join(lines) + "\n"


def as_json(report: Report) -> str:
    document = {
        "as_of": report["as_of"],
        "due_soon_days": report["due_soon_days"],
        "stale_days": report["stale_days"],
        **{key: report[key] for key, _ in SECTIONS},
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def as_junit(report: Report) -> str:
    """One test case per open commitment or cycle with a due date; overdue ones fail."""
    overdue = {(i["ref"], i.get("cycle")) for i in report["overdue"]}
    cases = report["open"]
    suites = ElementTree.Element("testsuites", name="commitment deadlines")
    suite = ElementTree.SubElement(
        suites,
        "testsuite",
        name=f"commitment deadlines as of {report['as_of']}",
        tests=str(len(cases)),
        failures=str(len(overdue)),
        errors="0",
        skipped="0",
    )
    for item in cases:
        case = ElementTree.SubElement(
            suite,
            "testcase",
            classname="commitments." + ".".join(item["parties"] or ["none"]),
            name=f"{_label(item)}: {_title(item)}",
        )
        if (item["ref"], item.get("cycle")) in overdue:
            failure = ElementTree.SubElement(case, "failure", message=_when(item), type="overdue")
            failure.text = "\n".join(
                (
                    f"{_label(item)} {_title(item)}",
                    _when(item),
                    f"Leads: {_leads(item)}",
                    item["link"],
                )
            )
    ElementTree.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + ElementTree.tostring(suites, encoding="unicode")
        + "\n"
    )


def _escape_data(text: str) -> str:
    # GitHub's escaping of a command's data, then no other control character either.
    return one_line(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def as_github(report: Report) -> str:
    """Workflow commands: errors for overdue, warnings for due soon, notices for stale."""
    levels = (
        ("overdue", "error", "Overdue"),
        ("due_soon", "warning", "Due soon"),
        ("stale", "notice", "Stale"),
    )
    lines = []
    for key, level, title in levels:
        for item in report[key]:
            heading = _escape_property(f"{title}: {_label(item)}")
            message = _escape_data(f"{_title(item)} ({_when(item)}; {_leads(item)}) {item['link']}")
            lines.append(f"::{level} title={heading}::{message}")
    return "\n".join(lines) + ("\n" if lines else "")


def as_markdown(report: Report) -> str:
    lines = [f"## Commitment deadlines as of {report['as_of']}", ""]
    counts = ", ".join(f"{len(report[key])} {title.lower()}" for key, title in SECTIONS)
    lines += [counts, ""]
    for key, title in SECTIONS:
        if not report[key]:
            continue
        lines += [
            f"### {title}",
            "",
            "| Commitment | Title | Due | Days overdue | Leads |",
            "| --- | --- | --- | ---: | --- |",
        ]
        for item in report[key]:
            days = "" if item.get("days_overdue") is None else str(item["days_overdue"])
            lines.append(
                f"| [{markdown_cell(_label(item))}]({item['link']}) | "
                f"{markdown_cell(_title(item))} | "
                f"{item.get('due_date') or '—'} | {days} | {markdown_cell(_leads(item))} |"
            )
        lines.append("")
    return "\n".join(lines)


RENDERERS: dict[Format, Callable[[Report], str]] = {
    Format.text: as_text,
    Format.json: as_json,
    Format.junit: as_junit,
    Format.github: as_github,
    Format.markdown: as_markdown,
}


def overdue(
    api_url: Annotated[
        str,
        typer.Option(
            envvar="COMMITMENTS_API_URL",
            help="The API's base URL, e.g. https://commitments.example",
        ),
    ],
    token: Annotated[
        str | None,
        typer.Option(envvar="COMMITMENTS_TOKEN", help="A read-only API token", show_default=False),
    ] = None,
    as_of: Annotated[str | None, typer.Option(help="Check as of this day (YYYY-MM-DD)")] = None,
    due_soon: Annotated[
        int, typer.Option(min=0, max=3650, help="Days ahead that count as due soon")
    ] = 30,
    stale: Annotated[int, typer.Option(min=1, max=3650, help="Days without a progress note")] = 90,
    output_format: Annotated[Format, typer.Option("--format", help="Report format")] = Format.text,
    output: Annotated[
        Path | None, typer.Option(help="Write the report here (default: stdout)")
    ] = None,
    fail_on: Annotated[
        FailOn, typer.Option(help="The least severe finding that fails")
    ] = FailOn.overdue,
    timeout: Annotated[float, typer.Option(min=0.1, max=600, help="Seconds per request")] = 10.0,
) -> None:
    """Check deadlines through the API; exit 1 when something at or above --fail-on is found."""
    if not token:
        raise CliError("no API token: pass --token or set COMMITMENTS_TOKEN")
    day = None
    if as_of is not None:
        try:
            day = date.fromisoformat(as_of)
        except ValueError as exc:
            raise CliError(f"--as-of must be a date like 2026-01-31, not {as_of!r}") from exc
    report = fetch(
        api_url,
        token,
        as_of=day,
        due_soon=due_soon,
        stale=stale,
        with_open=output_format is Format.junit,  # only JUnit lists every open commitment
        timeout=timeout,
    )
    rendered = RENDERERS[output_format](report)
    if output is None:
        sys.stdout.write(rendered)
    else:
        try:
            output.write_text(rendered, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {output}: {exc.strerror}") from exc
    flagged = sum(len(report[key]) for key in FAILING_LISTS[fail_on])
    if flagged:
        raise typer.Exit(1)
