"""The register's commitments. Other packages import these names from here only: they are the
package's contract, and its modules are free to change behind them."""

from app.commitments import service
from app.commitments.conditions import (
    DEFAULT_DUE_SOON_DAYS,
    DEFAULT_STALE_DAYS,
    due_soon,
    due_soon_on,
    is_open,
    open_status,
    overdue,
    overdue_on,
    stale_on,
)
from app.commitments.creation import CheckedCommitment, Source, check_new, insert_new
from app.commitments.deadlines import anchored_to, interval_recurring, meeting_change_reason
from app.commitments.export import EXPORT_COLUMNS
from app.commitments.filters import (
    CommitmentFilters,
    filter_conditions,
    filter_query_params,
    matches_past,
    unrecorded_conditions,
)
from app.commitments.models import (
    AssessmentIn,
    Commitment,
    CommitmentArea,
    CommitmentCreate,
    CommitmentLead,
    CommitmentPage,
    CommitmentParty,
    CommitmentPublic,
    CommitmentReleasability,
    CommitmentTopic,
    CommitmentUpdate,
    Locator,
    PartyRefIn,
)
from app.commitments.past import end_of, local_date, past_commitments
from app.commitments.past_state import PastCommitment
from app.commitments.queries import (
    PageRow,
    count_by_status,
    get_commitment,
    page_query,
    party_codes,
)
from app.commitments.rendering import one_public, to_public
from app.commitments.rules import released_by_default
from app.commitments.service import (
    add_progress_note,
    assess_obligor,
    create_commitment,
    export_rows,
    iter_all,
    list_commitments,
    list_history,
    list_notes,
    update_commitment,
)
from app.commitments.state import Deadline
from app.commitments.visibility import audience_of, visible_to
from app.commitments.workflow import allowed_next
from app.commitments.writer import apply_changes, current_state, derive_deadline

__all__ = [
    "DEFAULT_DUE_SOON_DAYS",
    "DEFAULT_STALE_DAYS",
    "EXPORT_COLUMNS",
    "AssessmentIn",
    "CheckedCommitment",
    "Commitment",
    "CommitmentArea",
    "CommitmentCreate",
    "CommitmentFilters",
    "CommitmentLead",
    "CommitmentPage",
    "CommitmentParty",
    "CommitmentPublic",
    "CommitmentReleasability",
    "CommitmentTopic",
    "CommitmentUpdate",
    "Deadline",
    "Locator",
    "PageRow",
    "PartyRefIn",
    "PastCommitment",
    "Source",
    "add_progress_note",
    "allowed_next",
    "anchored_to",
    "apply_changes",
    "assess_obligor",
    "audience_of",
    "check_new",
    "count_by_status",
    "create_commitment",
    "current_state",
    "derive_deadline",
    "due_soon",
    "due_soon_on",
    "end_of",
    "export_rows",
    "filter_conditions",
    "filter_query_params",
    "get_commitment",
    "insert_new",
    "interval_recurring",
    "is_open",
    "iter_all",
    "list_commitments",
    "list_history",
    "list_notes",
    "local_date",
    "matches_past",
    "meeting_change_reason",
    "one_public",
    "open_status",
    "overdue",
    "overdue_on",
    "page_query",
    "party_codes",
    "past_commitments",
    "released_by_default",
    "service",
    "stale_on",
    "to_public",
    "unrecorded_conditions",
    "update_commitment",
    "visible_to",
]
