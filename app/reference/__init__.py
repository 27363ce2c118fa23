"""Reference data: the parties and their organizations, points of contact, priority areas and
topics, meetings and the statements. The tables, their schemas and the reads others build on.

They live together, below the register, because the register is built on them, while the
use cases that show them with the register (`app.areas`, `app.contacts`, `app.documents`,
`app.meetings`, `app.parties`) sit above it."""

from app.reference.areas import (
    AreaDetail,
    AreaLead,
    AreaLeadsUpdate,
    AreaPublic,
    DueItem,
    Framework,
    FrameworkPublic,
    PriorityArea,
    Topic,
    TopicPublic,
)
from app.reference.contacts import (
    Contact,
    ContactCreate,
    ContactPublic,
    ContactRef,
    ContactUpdate,
    LeadAssignment,
    LeadPublic,
)
from app.reference.documents import (
    LANGUAGE_MAX_LENGTH,
    URL_MAX_LENGTH,
    DocumentList,
    DocumentParty,
    DocumentPublic,
    SourceDocument,
)
from app.reference.enums import ContactKind, DocumentAccess, DocumentKind, Standing, TextFormat
from app.reference.meetings import (
    PLACE_MAX_LENGTH,
    Meeting,
    MeetingCreate,
    MeetingPublic,
    MeetingSeries,
    MeetingUpdate,
)
from app.reference.parties import Organization, OrganizationPublic, Party, PartyPublic, PartyUpdate
from app.reference.queries import (
    MemberCodes,
    issuing_parties,
    member_codes,
    readable,
    readable_by_party,
    reviewed_by,
)

__all__ = [
    "LANGUAGE_MAX_LENGTH",
    "PLACE_MAX_LENGTH",
    "URL_MAX_LENGTH",
    "AreaDetail",
    "AreaLead",
    "AreaLeadsUpdate",
    "AreaPublic",
    "Contact",
    "ContactCreate",
    "ContactKind",
    "ContactPublic",
    "ContactRef",
    "ContactUpdate",
    "DocumentAccess",
    "DocumentKind",
    "DocumentList",
    "DocumentParty",
    "DocumentPublic",
    "DueItem",
    "Framework",
    "FrameworkPublic",
    "LeadAssignment",
    "LeadPublic",
    "Meeting",
    "MeetingCreate",
    "MeetingPublic",
    "MeetingSeries",
    "MeetingUpdate",
    "MemberCodes",
    "Organization",
    "OrganizationPublic",
    "Party",
    "PartyPublic",
    "PartyUpdate",
    "PriorityArea",
    "SourceDocument",
    "Standing",
    "TextFormat",
    "Topic",
    "TopicPublic",
    "issuing_parties",
    "member_codes",
    "readable",
    "readable_by_party",
    "reviewed_by",
]
