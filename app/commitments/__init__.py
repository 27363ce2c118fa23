"""The register's commitments. Other packages import from here only: these names are the
package's contract, and its modules are free to change behind them.

Names load on first use: tables of other packages refer to these ones and these to theirs,
so importing every module here up front would import in circles."""

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Each exported name and the module that defines it.
_HOME = {
    "OPEN_STATUSES": "enums",
    "OPEN_VALUES": "enums",
    "STATUS_CHECK": "enums",
    "CommitmentSort": "enums",
    "CommitmentStatus": "enums",
    "CommitmentFilters": "filters",
    "filter_conditions": "filters",
    "Commitment": "models",
    "AssessmentIn": "models",
    "AssessmentPublic": "models",
    "CommitmentArea": "models",
    "CommitmentContact": "models",
    "CommitmentCounterpart": "models",
    "CommitmentTopic": "models",
    "CommitmentKind": "enums",
    "CommitmentCreate": "models",
    "CommitmentLead": "models",
    "CommitmentPage": "models",
    "CommitmentParty": "models",
    "CommitmentPublic": "models",
    "CommitmentReleasability": "models",
    "CommitmentUpdate": "models",
    "LeadAssignment": "models",
    "LeadPublic": "models",
    "PartyRefIn": "models",
    "search_text_of": "models",
    "PageRow": "queries",
    "page_query": "queries",
    "party_codes": "queries",
    "readable": "queries",
    "iter_all": "service",
    "list_commitments": "service",
    "past_cycles": "views",
    "to_public": "views",
    "visible_to": "visibility",
    "CommitmentState": "state",
    "Deadline": "state",
    "apply_changes": "writer",
    "derive_deadline": "writer",
    "record_creation": "writer",
    "check_kind": "rules",
    "default_kind": "rules",
    "check_organizations": "links",
    "check_framework_dates": "links",
    "link_state": "writer",
    "party_refs": "writer",
    "state_of_new": "writer",
    "current_state": "writer",
}

if TYPE_CHECKING:
    from app.commitments.enums import (
        OPEN_STATUSES,
        OPEN_VALUES,
        STATUS_CHECK,
        CommitmentKind,
        CommitmentSort,
        CommitmentStatus,
    )
    from app.commitments.filters import CommitmentFilters, filter_conditions
    from app.commitments.links import check_framework_dates, check_organizations
    from app.commitments.models import (
        AssessmentIn,
        AssessmentPublic,
        Commitment,
        CommitmentArea,
        CommitmentContact,
        CommitmentCounterpart,
        CommitmentCreate,
        CommitmentLead,
        CommitmentPage,
        CommitmentParty,
        CommitmentPublic,
        CommitmentReleasability,
        CommitmentTopic,
        CommitmentUpdate,
        LeadAssignment,
        LeadPublic,
        PartyRefIn,
        search_text_of,
    )
    from app.commitments.queries import PageRow, page_query, party_codes, readable
    from app.commitments.rules import check_kind, default_kind
    from app.commitments.service import iter_all, list_commitments
    from app.commitments.state import CommitmentState, Deadline
    from app.commitments.views import past_cycles, to_public
    from app.commitments.visibility import visible_to
    from app.commitments.writer import (
        apply_changes,
        current_state,
        derive_deadline,
        link_state,
        party_refs,
        record_creation,
        state_of_new,
    )

__all__ = [
    "OPEN_STATUSES",
    "OPEN_VALUES",
    "STATUS_CHECK",
    "AssessmentIn",
    "AssessmentPublic",
    "Commitment",
    "CommitmentArea",
    "CommitmentContact",
    "CommitmentCounterpart",
    "CommitmentCreate",
    "CommitmentFilters",
    "CommitmentKind",
    "CommitmentLead",
    "CommitmentPage",
    "CommitmentParty",
    "CommitmentPublic",
    "CommitmentReleasability",
    "CommitmentSort",
    "CommitmentState",
    "CommitmentStatus",
    "CommitmentTopic",
    "CommitmentUpdate",
    "Deadline",
    "LeadAssignment",
    "LeadPublic",
    "PageRow",
    "PartyRefIn",
    "apply_changes",
    "check_framework_dates",
    "check_kind",
    "check_organizations",
    "current_state",
    "default_kind",
    "derive_deadline",
    "filter_conditions",
    "iter_all",
    "link_state",
    "list_commitments",
    "page_query",
    "party_codes",
    "party_refs",
    "past_cycles",
    "readable",
    "record_creation",
    "search_text_of",
    "state_of_new",
    "to_public",
    "visible_to",
]


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"app.commitments exports no {name!r}")
    value = getattr(import_module(f"app.commitments.{module}"), name)
    globals()[name] = value
    return value
