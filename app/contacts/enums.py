from enum import StrEnum


class ContactKind(StrEnum):
    person = "person"
    office = "office"
