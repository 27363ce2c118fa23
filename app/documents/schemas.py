"""What the statements' use cases answer with, where it carries the register's commitments."""

from pydantic import Field as PydanticField

from app.commitments import CommitmentPublic
from app.reference import DocumentPublic


class DocumentDetail(DocumentPublic):
    paragraphs: list[str] | None = PydanticField(
        description="The text's paragraphs, whitespace collapsed, that locators count in; "
        "null for a statement seeded without its text"
    )
    commitments: list[CommitmentPublic]
