from enum import StrEnum


class DocumentKind(StrEnum):
    press_release = "press_release"
    joint_statement = "joint_statement"
    fact_sheet = "fact_sheet"
    readout = "readout"
    communique = "communique"
    compilation = "compilation"
    news_article = "news_article"


class DocumentAccess(StrEnum):
    """Who may read a statement: a published one, everyone who signs in; one taken in for
    review, the users of its issuing parties (and admins)."""

    public = "public"
    issuers = "issuers"


class TextFormat(StrEnum):
    plain = "text/plain"
    markdown = "text/markdown"
    html = "text/html"


class ContactKind(StrEnum):
    person = "person"
    office = "office"


class Standing(StrEnum):
    """Whether a party belongs to the register.

    A member holds accounts, and commitments are released to it. An outside party (a third
    country, a group, a command) is only named: an obligor or a counterpart of commitments,
    never released to, with no accounts and no edit rights."""

    member = "member"
    outside = "outside"
