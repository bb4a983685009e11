"""Who may reach each voting page."""

from tests.access import ADMIN_ONLY, ANY_MANAGER, EVERYONE, MANAGERS, Rule, both

RESIDENTS = EVERYONE - {"anonymous"}  # every role's account is verified
STEWARDS = frozenset({"steward"}) | ADMIN_ONLY  # admins may act as stewards


def build(session, world):
    from commonpot.accounts.models import User
    from tests.voting.factories import ADULT_BIRTHDAY, NORTH_POSTCODE, create_round
    from voting import operations
    from voting.models import PaperBatch, Proposal, VotingRound
    from voting.states import RoundState

    def make(state, **kwargs):
        return create_round(session, fund_id=world["fund_id"], state=state, **kwargs)

    draft = make(RoundState.DRAFT)
    proposals = make(RoundState.PROPOSALS)
    review = make(RoundState.REVIEW)
    voting = make(RoundState.VOTING, allow_revote=True)
    published = make(RoundState.PUBLISHED)
    batch = operations.create_paper_batch(session, "system", voting, district_id=voting.districts[0].id,
                                          event="Hall", event_date=ADULT_BIRTHDAY, first_serial=1,
                                          last_serial=10, double_keyed=True)
    from voting.proposals import ImageUpload, attach_proposal_image

    attach_proposal_image(session, "system", review.proposals[0], ImageUpload(
        "plan.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "A plan of the project"))
    for user_id in world["users"].values():
        operations.set_resident_details(session, session.get(User, user_id), postcode=NORTH_POSTCODE,
                                        date_of_birth=ADULT_BIRTHDAY)
    world["voting"] = {
        "draft": draft.id, "proposals": proposals.id, "review": review.id, "voting": voting.id,
        "published": published.id, "batch": batch.id,
        "proposal": review.proposals[0].id,
        "published_district": published.districts[0].id,
    }
    assert isinstance(batch, PaperBatch) and isinstance(review.proposals[0], Proposal)
    assert isinstance(voting, VotingRound)


def _v(key):
    return lambda w: w["voting"][key]


EXPECT = {
    "voting.list_rounds": Rule("/vote/", EVERYONE),
    "voting.show_round": Rule(lambda w: f"/vote/{w['voting']['draft']}", MANAGERS, refused_also=(404,)),
    "voting.show_board": Rule(lambda w: f"/vote/{w['voting']['published']}/board", EVERYONE),
    "voting.download_board_csv": Rule(lambda w: f"/vote/{w['voting']['published']}/board.csv", EVERYONE),
    "voting.download_district_pb": Rule(
        lambda w: f"/vote/{w['voting']['published']}/districts/{w['voting']['published_district']}.pb",
        EVERYONE),
    "voting.show_results": Rule(lambda w: f"/vote/{w['voting']['published']}/results", EVERYONE),
    "voting.download_results_csv": Rule(lambda w: f"/vote/{w['voting']['published']}/results.csv", EVERYONE),
    "voting.edit_details": both(Rule(lambda w: f"/vote/{w['voting']['voting']}/details", RESIDENTS)),
    "voting.submit_proposal": both(Rule(lambda w: f"/vote/{w['voting']['proposals']}/propose", RESIDENTS)),
    "voting.cast_ballot": both(Rule(lambda w: f"/vote/{w['voting']['voting']}/ballot", RESIDENTS)),
    "voting.change_ballot": both(Rule(lambda w: f"/vote/{w['voting']['voting']}/change", RESIDENTS)),
    "voting.enter_code": both(Rule(lambda w: f"/vote/{w['voting']['voting']}/code", EVERYONE)),
    "voting.cast_code_ballot": Rule(lambda w: f"/vote/{w['voting']['voting']}/code/ballot", EVERYONE,
                                    method="POST"),
    "voting.change_code_ballot": both(Rule(lambda w: f"/vote/{w['voting']['voting']}/code/change",
                                           EVERYONE)),
    "voting.change_code_ballot_choices": Rule(
        lambda w: f"/vote/{w['voting']['voting']}/code/change/ballot", EVERYONE, method="POST"),
    "voting.download_receipts_csv": Rule(lambda w: f"/vote/{w['voting']['published']}/receipts.csv",
                                         EVERYONE),
    "voting.download_receipt_proof": Rule(
        lambda w: f"/vote/{w['voting']['published']}/receipt-proof.json?receipt=AAAA-BBBB-CCCC", EVERYONE),
    "voting.retry_count": Rule(lambda w: f"/vote/{w['voting']['published']}/count/retry", MANAGERS,
                               method="POST"),
    "voting.import_census": both(Rule(lambda w: f"/vote/{w['voting']['draft']}/census", MANAGERS)),
    "voting.issue_paper_ballot": both(Rule(lambda w: f"/vote/{w['voting']['voting']}/paper/issue",
                                           STEWARDS)),
    "voting.new_round": both(Rule("/vote/new", ANY_MANAGER)),
    "voting.edit_round": both(Rule(lambda w: f"/vote/{w['voting']['draft']}/edit", MANAGERS)),
    "voting.manage_round": Rule(lambda w: f"/vote/{w['voting']['draft']}/manage", MANAGERS),
    "voting.add_district": Rule(lambda w: f"/vote/{w['voting']['draft']}/districts", MANAGERS, method="POST"),
    "voting.import_postcodes": Rule(lambda w: f"/vote/{w['voting']['draft']}/postcodes", MANAGERS,
                                    method="POST"),
    "voting.advance_round": Rule(lambda w: f"/vote/{w['voting']['draft']}/advance", MANAGERS, method="POST"),
    "voting.confirm_advance": Rule(lambda w: f"/vote/{w['voting']['draft']}/advance", MANAGERS),
    "voting.generate_codes": Rule(lambda w: f"/vote/{w['voting']['voting']}/codes", MANAGERS, method="POST"),
    "voting.show_proposal": Rule(lambda w: f"/vote/proposals/{w['voting']['proposal']}", EVERYONE),
    "voting.proposal_image": Rule(lambda w: f"/vote/proposals/{w['voting']['proposal']}/image", EVERYONE),
    "voting.remove_proposal_image": Rule(
        lambda w: f"/vote/proposals/{w['voting']['proposal']}/image/remove", MANAGERS, method="POST"),
    "voting.review_proposal": both(
        Rule(lambda w: f"/vote/proposals/{w['voting']['proposal']}/review", MANAGERS)),
    "voting.paper_batches": both(Rule(lambda w: f"/vote/{w['voting']['voting']}/paper", STEWARDS)),
    "voting.enter_paper": both(Rule(lambda w: f"/vote/paper/{w['voting']['batch']}", STEWARDS)),
    "voting.compare_paper": Rule(lambda w: f"/vote/paper/{w['voting']['batch']}/compare", STEWARDS),
    "voting.accept_paper": Rule(lambda w: f"/vote/paper/{w['voting']['batch']}/accept", STEWARDS,
                                method="POST"),
    "voting.discard_paper_keying": Rule(lambda w: f"/vote/paper/{w['voting']['batch']}/discard", STEWARDS,
                                        method="POST"),
}
