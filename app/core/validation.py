"""Constrained types shared by the request and response schemas."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

Code = Annotated[str, StringConstraints(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9+-]+$")]
Slug = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=r"^[a-z0-9-]+$")]
REF_MAX_LENGTH = 40
Ref = Annotated[
    str, StringConstraints(min_length=1, max_length=REF_MAX_LENGTH, pattern=r"^[A-Za-z0-9-]+$")
]


def _upper(value: str) -> str:
    return value.upper()


PartyCode = Annotated[Code, AfterValidator(_upper)]
OrganizationCode = Annotated[
    str,
    StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$"),
    AfterValidator(_upper),
]


# PostgreSQL refuses NUL in text; other control characters (C0 but tab and line ends, DEL,
# C1) have no place in any field either. Stated as patterns, so the OpenAPI schema says it too.
_CONTROLS = "\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f"
_NO_CONTROLS = f"[^{_CONTROLS}]"
PRINTABLE = f"^{_NO_CONTROLS}*$"

# A name or a title is one line: it reaches mail headers and subjects, the one-line formats of
# the exports and the logs, where a line break (CR, LF, NEL, U+2028, U+2029) or a tab starts
# something the caller should not be able to start.
_LINE_CONTROLS = "\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029"
_ONE_LINE = f"[^{_LINE_CONTROLS}]"
SINGLE_LINE = f"^{_ONE_LINE}*$"
NOT_BLANK = f"^{_ONE_LINE}*[^\\s{_LINE_CONTROLS}]{_ONE_LINE}*$"
_LINE_CONTROL = re.compile(f"[{_LINE_CONTROLS}]")


def _one_line(value: object) -> object:
    # Checked before the pattern, to say what is wrong in words.
    if isinstance(value, str) and _LINE_CONTROL.search(value):
        raise ValueError("must be a single line, without line breaks or control characters")
    return value


def one_line(text: str) -> str:
    """`text` with each line break or control character replaced by a space: for writing a
    value stored before names had to be single lines where only one line may go."""
    return _LINE_CONTROL.sub(" ", text)


# PostgreSQL cannot take a NUL in a text parameter: no text a caller sends may hold one.
# Text where other control characters are at home (a statement's form feeds, a token):
NulFree = Annotated[str, StringConstraints(pattern=r"^[^\x00]*$")]
Text = Annotated[str, StringConstraints(pattern=PRINTABLE)]
SingleLine = Annotated[str, StringConstraints(pattern=SINGLE_LINE), BeforeValidator(_one_line)]
# Stripped before its bounds are checked: a narrower bound added on top (a column of 200)
# stays a bound on the text, and says so in its message.
Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=300, pattern=NOT_BLANK),
    BeforeValidator(_one_line),
]
LongText = Annotated[str, StringConstraints(max_length=10_000, pattern=PRINTABLE)]

# Far enough for any real deadline, and far from the edges where date arithmetic overflows.
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_only(value: object) -> object:
    # Pydantic would read "0" or 1700000000 as a Unix time; a day is written YYYY-MM-DD.
    if isinstance(value, str | int | float) and not (
        isinstance(value, str) and ISO_DATE.match(value)
    ):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


# The bounds, as the schema can state them for a string: years 1900 to 2999.
DAY_PATTERN = r"^(19|2\d)\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
Day = Annotated[
    date,
    BeforeValidator(_iso_only),
    Field(ge=EARLIEST, le=LATEST, json_schema_extra={"pattern": DAY_PATTERN}),
]


# Every id is a 32-bit serial on every backend; anything larger cannot name a row.
MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

EARLIEST_INSTANT = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_INSTANT = datetime(2999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
INSTANT_PATTERN = (
    r"^(19|2\d)\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d"
    r"(:[0-5]\d(\.\d{1,6})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$"
)


def utc_instant(value: datetime) -> datetime:
    """A timezone-aware time, in UTC, within the years 1900 to 2999 once converted."""
    if value.tzinfo is None:
        raise ValueError("a time carries its offset (Z or +HH:MM)")
    try:
        utc = value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("a time must fall within the years 1900 to 2999 in UTC") from exc
    if not EARLIEST_INSTANT <= utc <= LATEST_INSTANT:
        raise ValueError("a time must fall within the years 1900 to 2999 in UTC")
    return utc


def _iso_instant_only(value: object) -> object:
    # As for days: a number would be read as a Unix time.
    if not isinstance(value, str | datetime):
        raise ValueError("a time is written YYYY-MM-DDTHH:MM:SS with its offset")
    return value


Instant = Annotated[
    datetime,
    BeforeValidator(_iso_instant_only),
    AfterValidator(utc_instant),
    Field(json_schema_extra={"pattern": INSTANT_PATTERN}),
]

EMAIL_PATTERN = r"^[^@\s\x00-\x1f]+@[^@\s\x00-\x1f]+\.[^@\s\x00-\x1f]+$"
EmailAddress = Annotated[str, StringConstraints(max_length=254, pattern=EMAIL_PATTERN)]


@dataclass(frozen=True)
class StoredLength:
    """The value, written as it is stored (a URL normalized and percent-encoded, which can
    make it several times longer than what was sent), fits a column of `max_length`."""

    max_length: int

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self._fits, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        stated = handler(schema)
        stated["maxLength"] = min(stated.get("maxLength", self.max_length), self.max_length)
        return stated

    def _fits(self, value: object) -> object:
        if len(str(value)) > self.max_length:
            raise ValueError(f"at most {self.max_length} characters, as stored")
        return value


def _url_text(value: object) -> object:
    # The URL parser drops or percent-encodes control characters and spaces without a word:
    # what would be stored is not what was sent.
    if isinstance(value, str) and any(character <= " " for character in value):
        raise ValueError("a URL has no spaces or control characters")
    return value


WebUrl = Annotated[AnyHttpUrl, BeforeValidator(_url_text)]
