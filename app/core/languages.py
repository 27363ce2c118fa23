from enum import StrEnum


class Language(StrEnum):
    """The languages the service writes to people in (mails); English when none is known."""

    en = "en"
    ko = "ko"
    ja = "ja"
