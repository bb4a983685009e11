"""Compatibility shim: panel operations now live in one module per sub-domain (grants/panels/
members.py, conflicts.py, reviewer_assignments.py, scoring.py, decisions.py, shortlist.py;
refusals in errors.py). New code imports from those; this file only re-exports their names."""

from grants.panels.conflicts import (  # noqa: F401
    REVIEWABLE_STATUSES,
    automatic_conflicts,
    conflict_pairs,
    conflict_withdrawable,
    conflicted_application_ids,
    declaration_for,
    declarations_query,
    declare_conflict,
    is_conflicted,
    is_group_member,
    reviewable_applications,
    round_conflict_pairs,
    withdraw_conflict,
)
from grants.panels.decisions import (  # noqa: F401
    AWARD_OFFERED,
    AWARD_RESCINDED,
    DECIDING_PHASES,
    _decision_email,
    _lock_round,
    _recipients,
    awarded_total,
    decide_award,
    decision_for,
    panel_comments,
    record_decision,
    release_decisions,
    release_plan,
)
from grants.panels.errors import (  # noqa: F401
    BudgetExceeded,
    ConflictOfInterest,
    PanelError,
)
from grants.panels.members import (  # noqa: F401
    _any_scores,
    active_members,
    add_member,
    configure_panel,
    is_chair,
    membership,
    panel_for_round,
    remove_member,
    scale_locked,
)
from grants.panels.reviewer_assignments import (  # noqa: F401
    _assign,
    active_assignments,
    assign_reviewers,
    assignment_for,
    reassign,
)
from grants.panels.scoring import (  # noqa: F401
    SCORING_PHASES,
    reopen_review,
    review_for,
    save_review,
)
from grants.panels.shortlist import (  # noqa: F401
    set_shortlist,
    shortlist_for_vote,
)
