"""Compatibility shim: grants operations now live in one module per sub-domain (grants/funds.py,
rounds.py, groups.py, applications.py, screening.py; refusals in grants/errors.py). New code
imports from those modules; this file only re-exports their names for callers not yet moved."""

from grants.applications import (  # noqa: F401
    BUDGET_CATEGORIES,
    BUDGET_KEY,
    PROJECT_KEYS,
    REQUEST_KEY,
    _london,
    _require_editable,
    _timeline,
    active_application_count,
    application_reference,
    budget_problems,
    check_group_may_apply,
    project_problems,
    save_answers,
    save_budget,
    set_application_status,
    start_application,
    submission_problems,
    submit_application,
    withdraw_application,
)
from grants.errors import (  # noqa: F401
    GrantsError,
    ValidationFailed,
)
from grants.funds import (  # noqa: F401
    area_for_postcode,
    fund_has_area,
    import_areas_csv,
    set_fund_themes,
)
from grants.groups import (  # noqa: F401
    INVITATION_LIFETIME,
    GroupProfile,
    _apply_profile,
    _token_hash,
    _unique_group_slug,
    accept_invitation,
    create_group,
    default_org_prefix,
    find_invitation,
    invite_member,
    set_payment_ready,
    update_group,
)
from grants.rounds import (  # noqa: F401
    DEFAULT_ASSET_QUESTIONS,
    RoundSettings,
    _check_settings,
    _question_key,
    _require_draft,
    _round_guard,
    _unique_round_slug,
    accepting_applications,
    add_criterion,
    add_question,
    copy_questions,
    create_round,
    delete_criterion,
    delete_question,
    edit_criterion,
    edit_question,
    missing_before_opening,
    move_criterion,
    move_question,
    rounds_due,
    schedule_round,
    tick_rounds,
    transition_round,
    unschedule_round,
    update_round,
)
from grants.screening import (  # noqa: F401
    _group_addresses,
    screen_application,
)
from grants.states import IllegalTransition as IllegalTransitionError  # noqa: F401,E402
