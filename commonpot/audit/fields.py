"""Which payload fields of each audited action the public may see: the one place this is said.

Every field an operation passes to `record()` is declared here as
    PUBLIC   shown in the public log as given;
    PERSON   a user id, shown only as that person's pseudonym;
    PAIRS    a list of [user id, other id] pairs, the user id shown as a pseudonym;
    PRIVATE  kept out of the public log (free text a group, reviewer or manager wrote, bank
             and Stripe references). The public event still shows that the action happened,
             and it carries a salted digest of the private fields, so they cannot be changed
             unseen either.
Actions in SECURITY_ACTIONS (sign-ins and other account security) never reach the public log:
they go to the separate security log. An undeclared action or field is refused, so a new
field is private until someone decides otherwise here.
"""

from __future__ import annotations

PUBLIC = "public"
PERSON = "person"
PAIRS = "pairs"
PRIVATE = "private"


class UndeclaredAuditField(LookupError):
    """An operation recorded an action or field this registry does not declare."""


SECURITY_ACTIONS = frozenset({
    "account.registered", "account.email_verified", "account.signed_in", "account.sign_in_failed",
    "account.password_changed", "account.email_changed", "account.sessions_ended",
})

# Phase changes of rounds: each gets a signed checkpoint in the same transaction. So does a
# closed round's board once its ballots and receipts are leaves, so receipts have proofs.
CHECKPOINT_ACTIONS = frozenset({"grants.round_phase_changed", "voting.round_transition",
                                "voting.board_leaves_appended"})

_LEDGER = {"amount_pence": PUBLIC, "fund_id": PUBLIC, "award_id": PUBLIC, "instalment_id": PUBLIC,
           "donation_id": PUBLIC, "match_pledge_id": PUBLIC, "key": PRIVATE,
           "stripe_reference": PRIVATE}
_INSTALMENT_MOVE = {"payout": PRIVATE}

ACTIONS: dict[str, dict[str, str]] = {
    # privacy (UK GDPR): that an export, erasure or sweep happened, never whose data it held
    "privacy.exported": {},
    "privacy.erased": {"tables": PUBLIC},
    "privacy.swept": {"as_of": PUBLIC, "removed": PUBLIC},
    # accounts (public ones: the rest are security events)
    "account.role_changed": {"role": PUBLIC, "granted": PUBLIC, "fund_id": PUBLIC},
    # an admin sends an undeliverable email again; the address is personal
    "mail.retried": {"to": PRIVATE},
    # grants
    "grants.fund_themes_set": {"themes": PUBLIC},
    "grants.areas_imported": {"areas_created": PUBLIC, "postcodes_added": PUBLIC,
                              "rows_refused": PUBLIC},
    "grants.round_created": {"fund_id": PUBLIC, "title": PUBLIC, "slug": PUBLIC},
    "grants.round_updated": {"before": PUBLIC, "opens_at": PUBLIC, "closes_at": PUBLIC},
    "grants.criterion_added": {"criterion_id": PUBLIC, "name": PUBLIC, "weight": PUBLIC},
    "grants.question_added": {"question_id": PUBLIC, "key": PUBLIC, "type": PUBLIC},
    "grants.criterion_changed": {"criterion_id": PUBLIC, "name": PUBLIC, "weight": PUBLIC},
    "grants.criterion_moved": {"criterion_id": PUBLIC, "direction": PUBLIC},
    "grants.criterion_deleted": {"criterion_id": PUBLIC, "name": PUBLIC},
    "grants.question_changed": {"question_id": PUBLIC, "key": PUBLIC, "type": PUBLIC},
    "grants.question_moved": {"question_id": PUBLIC, "direction": PUBLIC},
    "grants.question_deleted": {"question_id": PUBLIC, "key": PUBLIC},
    "grants.questions_copied": {"source_round_id": PUBLIC, "copied": PUBLIC},
    # a fund manager says a draft is ready: the clock opens it at its opening time
    "grants.round_scheduled": {"opens_at": PUBLIC},
    "grants.round_unscheduled": {},
    "grants.round_phase_changed": {"from": PUBLIC, "to": PUBLIC, "reason": PRIVATE},
    "grants.round_publication_set": {"publish_scores": PUBLIC, "publish_declined_names": PUBLIC},
    # end-of-grant reports: figures are public once given; a request for changes keeps its
    # reason between the group and the fund team
    "grants.report_scheduled": {"award_id": PUBLIC, "activity_ends_on": PUBLIC, "due_on": PUBLIC},
    "grants.report_reminded_again": {"reminders_sent": PUBLIC},
    "grants.report_saved": {"people": PUBLIC, "volunteers": PUBLIC, "volunteer_hours": PUBLIC,
                            "spent_pence": PUBLIC, "assets_value_pence": PUBLIC},
    "grants.report_photo_added": {"photo_id": PUBLIC, "sha256": PUBLIC, "consent": PUBLIC},
    "grants.report_photo_removed": {"photo_id": PUBLIC},
    **{f"grants.report_{state}": {"award_id": PUBLIC, "from": PUBLIC, "to": PUBLIC,
                                  "resubmitted": PUBLIC, "reason": PRIVATE}
       for state in ("due", "reminded", "overdue", "submitted", "changes_requested", "accepted")},
    "grants.group_created": {"name": PUBLIC, "org_type": PUBLIC, "org_id": PUBLIC},
    "grants.group_updated": {"org_type": PUBLIC, "org_id": PUBLIC},
    "grants.group_payment_ready": {"ready": PUBLIC},
    "grants.group_invitation_sent": {"invitation_id": PUBLIC, "role": PUBLIC},
    "grants.group_invitation_accepted": {"invitation_id": PUBLIC, "role": PUBLIC},
    "grants.group_member_removed": {"user_id": PERSON, "role": PUBLIC},
    "grants.application_started": {"round_id": PUBLIC, "group_id": PUBLIC},
    "grants.application_submitted": {"reference": PUBLIC, "round_id": PUBLIC, "group_id": PUBLIC,
                                     "requested_amount_pence": PUBLIC},
    "grants.application_withdrawn": {"from": PUBLIC, "reason": PRIVATE},
    "grants.application_status_changed": {"from": PUBLIC, "to": PUBLIC, "message": PRIVATE},
    "grants.application_screened": {"eligible": PUBLIC, "reason_code": PUBLIC,
                                     "reason_text": PRIVATE},
    "grants.attachment_added": {"attachment_id": PUBLIC, "name": PRIVATE, "size_bytes": PUBLIC,
                                "sha256": PRIVATE},
    "grants.attachment_removed": {"attachment_id": PUBLIC},
    # panels
    "panels.panel_configured": {"round_id": PUBLIC, "created": PUBLIC, "settings": PUBLIC},
    "panels.member_added": {"user_id": PERSON, "role": PUBLIC, "is_resident": PUBLIC},
    "panels.member_removed": {"user_id": PERSON},
    "panels.conflict_declared": {"reviewer_id": PERSON, "has_conflict": PUBLIC, "reason": PRIVATE},
    # a reviewer takes back a declared conflict before anyone's scores are in; why stays private
    "panels.conflict_withdrawn": {"reviewer_id": PERSON, "reason": PRIVATE},
    "panels.reviewers_assigned": {"added": PAIRS, "shortfalls": PUBLIC},
    "panels.review_reassigned": {"from_user_id": PERSON, "to_user_id": PERSON},
    "panels.review_submitted": {"reviewer_id": PERSON, "scores": PUBLIC, "recommendation": PUBLIC},
    "panels.review_reopened": {"reviewer_id": PERSON, "reason": PRIVATE},
    "panels.award_decided": {"award_id": PUBLIC, "amount_pence": PUBLIC, "requested_pence": PUBLIC,
                             "round_committed_pence": PUBLIC, "round_budget_pence": PUBLIC},
    "panels.decision_recorded": {"outcome": PUBLIC, "amount_pence": PUBLIC, "reason": PRIVATE},
    "panels.decisions_released": {"decisions": PUBLIC, "awarded_pence": PUBLIC},
    "panels.shortlist_set": {"application_ids": PUBLIC},
    "panels.shortlist_sent": {"voting_round_id": PUBLIC, "proposal_ids": PUBLIC},
    # voting
    "voting.delivery_updated": {"before": PUBLIC, "after": PUBLIC, "reason": PUBLIC},
    "voting.delivery_milestone_added": {"milestone_id": PUBLIC, "title": PUBLIC, "happened_on": PUBLIC,
                                        "photo_sha256": PUBLIC},
    "voting.delivery_update_posted": {"update_id": PUBLIC},
    "voting.round_created": {"fund_id": PUBLIC, "title": PUBLIC, "ballot_type": PUBLIC,
                             "counting_rule": PUBLIC, "counting_options": PUBLIC},
    "voting.round_updated": {name: PUBLIC for name in (
        "title", "description", "ballot_type", "counting_rule", "max_choices", "min_choices",
        "min_share_percent", "points_total", "max_points_per_project", "minimum_age",
        "allow_online", "allow_codes", "allow_paper", "allow_revote", "board_hashes_receipts",
        "counting_options", "requires_census", "offers_blank_vote")},
    "voting.district_added": {"district_id": PUBLIC, "name": PUBLIC, "budget_pence": PUBLIC,
                              "area_wide": PUBLIC},
    "voting.postcodes_imported": {"rows": PUBLIC},
    "voting.board_published": {"board_sha256": PUBLIC, "receipts_sha256": PUBLIC, "ballots": PUBLIC,
                               "turnout": PUBLIC},
    # leaves appended by the count job (voting/board.py): each published ballot, in board
    # order, then each published receipt, sorted; never a ballot beside its receipt. Then
    # where they are (leaf index of the first, and how many), with a signed checkpoint.
    "voting.ballot_published": {"ballot": PUBLIC, "home_district_id": PUBLIC, "votes": PUBLIC},
    "voting.receipt_published": {"receipt": PUBLIC},
    "voting.board_leaves_appended": {"ballot_leaves": PUBLIC, "receipt_leaves": PUBLIC},
    "voting.census_imported": {"added": PUBLIC, "already_listed": PUBLIC, "codes": PUBLIC},
    "voting.counted": {"rule": PUBLIC, "results_sha256": PUBLIC, "attempt": PUBLIC},
    "voting.count_retried": {"attempts": PUBLIC},
    "voting.round_transition": {"from": PUBLIC, "to": PUBLIC},
    "voting.proposal_added": {"round_id": PUBLIC, "title": PUBLIC, "cost_pence": PUBLIC,
                              "district_id": PUBLIC, "source_application_id": PUBLIC,
                              "cost_lines": PUBLIC, "location": PUBLIC, "postcode": PUBLIC},
    "voting.proposal_cost_lines_set": {"cost_lines": PUBLIC, "cost_pence": PUBLIC},
    "voting.proposal_image_added": {"image_id": PUBLIC, "sha256": PUBLIC, "size_bytes": PUBLIC,
                                    "alt_text": PUBLIC},
    "voting.proposal_image_removed": {"image_id": PUBLIC, "reason": PRIVATE},
    "voting.proposal_reviewed": {"state": PUBLIC, "reason": PRIVATE, "cost_pence": PUBLIC},
    "voting.codes_generated": {"batch_id": PUBLIC, "district_id": PUBLIC, "count": PUBLIC,
                               "label": PUBLIC},
    "voting.paper_batch_created": {"round_id": PUBLIC, "district_id": PUBLIC, "event": PUBLIC,
                                   "event_date": PUBLIC, "serials": PUBLIC, "double_keyed": PUBLIC},
    "voting.paper_keying_discarded": {"serial": PUBLIC},
    "voting.paper_batch_accepted": {"ballots": PUBLIC},
    # payments
    "payments.account_created": {"stripe_account_id": PRIVATE},
    "payments.account_updated": {"stripe_account_id": PRIVATE, "details_submitted": PUBLIC,
                                 "payouts_enabled": PUBLIC},
    "payments.paid_by_bank": {"reference": PRIVATE, "amount_pence": PUBLIC},
    "payments.paid_out": _INSTALMENT_MOVE,
    "payments.payout_failed": _INSTALMENT_MOVE,
    "payments.schedule_created": {"instalments": PUBLIC},
    "payments.donation_started": {"fund_id": PUBLIC, "amount_pence": PUBLIC, "gift_aid": PUBLIC},
    "payments.donation_expired": {},
    **{f"ledger.{kind}": _LEDGER for kind in (
        "budget_allocated", "donation_received", "match_pledged", "match_drawn", "award_committed",
        "award_released", "payment_sent", "payment_failed", "refund")},
}

# Subject types whose subject id is a user id, shown as a pseudonym.
PERSON_SUBJECTS = frozenset({"user"})


def declaration(action: str) -> dict[str, str]:
    try:
        return ACTIONS[action]
    except KeyError:
        raise UndeclaredAuditField(
            f"audit action {action!r} is not declared in commonpot/audit/fields.py") from None


def split(action: str, data: dict) -> tuple[dict, dict, dict[str, str]]:
    """(public fields, private fields, person fields) of a payload, by the declaration."""
    declared = declaration(action)
    public, private, people = {}, {}, {}
    for name, value in data.items():
        kind = declared.get(name)
        if kind is None:
            raise UndeclaredAuditField(
                f"field {name!r} of audit action {action!r} is not declared public or private "
                f"in commonpot/audit/fields.py")
        if kind == PRIVATE:
            private[name] = value
        elif kind == PUBLIC:
            public[name] = value
        else:
            people[name] = kind
            public[name] = value
    return public, private, people
