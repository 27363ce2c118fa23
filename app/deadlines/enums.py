from enum import StrEnum


class DueState(StrEnum):
    none = "none"
    fixed = "fixed"
    scheduled = "scheduled"  # follows a meeting whose date is known
    to_be_determined = "to_be_determined"  # follows a meeting not yet dated


class Interval(StrEnum):
    year = "year"
    quarter = "quarter"
