from enum import StrEnum


class Standing(StrEnum):
    """Whether a party belongs to the register.

    A member holds accounts, and commitments are released to it. An outside party (a third
    country, a group, a command) is only named: an obligor or a counterpart of commitments,
    never released to, with no accounts and no edit rights."""

    member = "member"
    outside = "outside"
