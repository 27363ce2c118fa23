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
